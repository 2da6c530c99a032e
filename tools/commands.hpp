#pragma once
// The subcommands of `mucsim`. main.cpp owns the command line (CLI11 stays in
// that one translation unit); each command is a plain function of its options
// that returns the process exit code.

#include <string>
#include <vector>

namespace mucsim::tools {

// Exit codes scripts can rely on.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  // a script failed, a property was violated
inline constexpr int exit_usage = 2;   // bad options or bad input

struct LintOptions {
    std::vector<std::string> files;
    bool quiet = false;
};
int lint_command(const LintOptions& options);

}  // namespace mucsim::tools
