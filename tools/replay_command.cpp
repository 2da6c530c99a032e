// mucsim replay: run scansion scripts in-process, PASS or FAIL per script.

#include <fmt/format.h>

#include <chrono>

#include "sim/replay.hpp"
#include "tools/commands.hpp"
#include "tools/terminal.hpp"
#include "traces/script.hpp"

namespace mucsim::tools {

namespace {

void print_indented(std::string_view text, std::string_view indent) {
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        fmt::print("{}{}\n", indent, text.substr(pos, end - pos));
        pos = end + 1;
    }
}

void print_verbose(const sim::ReplayResult& result) {
    for (const sim::ReplayLogLine& line : result.log) fmt::print("    {:>4}  {}\n", line.line, line.text);
}

}  // namespace

int replay_command(const ReplayOptions& options) {
    if (!options.live.server.empty()) return replay_live_command(options);
    sim::ReplayOptions replay_options;
    replay_options.strict_order = options.strict_order;
    replay_options.match = options.match;
    replay_options.keep_log = options.verbose;
    replay_options.server.muc.faults = options.inject;
    return replay_scripts(options, [&](const traces::Script& script) { return sim::replay(script, replay_options); });
}

int replay_scripts(const ReplayOptions& options,
                   const std::function<sim::ReplayResult(const traces::Script&)>& replay_one) {
    int passed = 0;
    int failed = 0;
    int unreadable = 0;
    std::size_t skipped_total = 0;
    auto start = std::chrono::steady_clock::now();
    for (const std::string& file : options.files) {
        auto script = traces::read_script(file);
        if (!script) {
            ++unreadable;
            fmt::print(stderr, "{}\n", script.error().str());
            continue;
        }
        sim::ReplayResult result = replay_one(*script);
        skipped_total += result.skipped.size();
        if (result.passed) {
            ++passed;
            fmt::print("{}  {}  ({} actions, {} stanzas skipped)\n", pass_label(), file, result.actions_run,
                       result.skipped.size());
            if (options.verbose) print_verbose(result);
        } else {
            ++failed;
            const sim::ReplayFailure& failure = result.failures.front();
            fmt::print("{}  {}:{}: {}\n", fail_label(), file, failure.line, failure.action);
            if (options.verbose) print_verbose(result);
            print_indented(failure.explanation, "      ");
        }
        for (const std::string& warning : result.warnings) fmt::print("      warning: {}\n", warning);
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("{} passed, {} failed", passed, failed);
    if (unreadable > 0) fmt::print(", {} unreadable", unreadable);
    fmt::print(" ({} stanzas skipped, {:.3f} s)\n", skipped_total, seconds);
    if (unreadable > 0) return exit_usage;
    return failed > 0 ? exit_failed : exit_ok;
}

}  // namespace mucsim::tools
