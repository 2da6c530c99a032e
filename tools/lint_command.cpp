// mucsim lint: parse scripts, report every error.

#include <fmt/format.h>

#include "tools/commands.hpp"
#include "tools/terminal.hpp"
#include "traces/script.hpp"

namespace mucsim::tools {

int lint_command(const LintOptions& options) {
    int bad = 0;
    for (const std::string& file : options.files) {
        auto script = traces::read_script(file);
        if (!script) {
            ++bad;
            fmt::print(stderr, "{}\n", script.error().str());
            continue;
        }
        if (!options.quiet) {
            fmt::print("{}: ok ({} clients, {} actions)\n", file, script->clients.size(), script->actions.size());
        }
    }
    if (!options.quiet || bad > 0) {
        fmt::print("{} well-formed, {} with errors\n", options.files.size() - static_cast<std::size_t>(bad), bad);
    }
    return bad == 0 ? exit_ok : exit_usage;
}

}  // namespace mucsim::tools
