#pragma once
// The subcommands of `mucsim`. main.cpp owns the command line (CLI11 stays in
// that one translation unit); each command is a plain function of its options
// that returns the process exit code.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/faults.hpp"
#include "properties/checker.hpp"
#include "properties/explorer.hpp"

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

struct ReplayOptions {
    std::vector<std::string> files;
    bool verbose = false;
    bool strict_order = false;
    model::FaultSet inject;
};
int replay_command(const ReplayOptions& options);

struct RunOptions {
    std::string file;
    bool trace = false;
    std::string export_file;
    std::optional<std::vector<std::uint32_t>> choices;  // overrides the program's
    model::FaultSet inject;
};

struct CheckOptions {
    properties::CheckOptions check;
    std::string out_dir = "mucsim-counterexamples";
    bool list_properties = false;
    bool list_faults = false;
    bool quiet = false;
};
int check_command(const CheckOptions& options);

struct ExploreOptions {
    properties::ExploreOptions explore;
    std::string dot_file;
    std::string out_dir = "mucsim-counterexamples";
    bool quiet = false;
};
int explore_command(const ExploreOptions& options);

struct GraphOptions {
    properties::ExploreOptions explore;
    std::string format = "svg";
    std::string output;
};
int graph_command(const GraphOptions& options);

struct BenchOptions {
    std::vector<std::string> only;  // replay, simulation, checking, exploration, faults
    double seconds = 2.0;           // per figure
    std::string prosody_dir = "../shared/scansion/prosody";
};
int bench_command(const BenchOptions& options);
int run_command(const RunOptions& options);

// Writes a whole file; on failure prints why and returns exit_usage.
int write_text_file(const std::string& path, const std::string& content);

}  // namespace mucsim::tools
