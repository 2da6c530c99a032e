// mucsim explore and mucsim graph: exhaustive bounded exploration, and the
// diagram of its abstract state graph.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "properties/counterexample.hpp"
#include "properties/explorer.hpp"
#include "properties/state_graph.hpp"
#include "tools/commands.hpp"
#include "tools/terminal.hpp"
#include "traces/script.hpp"

extern char** environ;

namespace mucsim::tools {

namespace {

std::uint64_t resident_mb() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t total = 0;
    std::uint64_t resident = 0;
    statm >> total >> resident;
    return resident * 4096 / (1024 * 1024);
}

void print_progress(const properties::ExploreProgress& p) {
    std::fprintf(stderr, "\r  depth %d  states %llu  frontier %llu  transitions %llu  %.0f states/s  %llu MB ",
                 p.stats.depth_reached, static_cast<unsigned long long>(p.stats.states),
                 static_cast<unsigned long long>(p.frontier), static_cast<unsigned long long>(p.stats.transitions),
                 p.stats.states_per_second(), static_cast<unsigned long long>(resident_mb()));
    std::fflush(stderr);
}

std::string model_description(const properties::ExploreOptions& o) {
    if (o.model) {
        return fmt::format("{} clients x {} actions ({}), reduction {}, symmetry {}, {}{}{}", o.model->clients,
                           o.model->actions, fmt::join(properties::standard_actions(o.model->actions), ","),
                           properties::reduction_name(o.reduction), o.symmetry ? "on" : "off",
                           o.depth_first ? "depth-first" : "breadth-first",
                           o.hash_compaction ? ", hash compaction" : ", exact states",
                           o.inject.empty() ? "" : fmt::format(", injected: {}", fmt::join(o.inject.names(), ", ")));
    }
    const auto& actions = o.actions.empty() ? properties::explorer_actions() : o.actions;
    return fmt::format("{} clients, depth {}, actions {}, symmetry {}{}{}", o.clients, o.depth, fmt::join(actions, ","),
                       o.symmetry && !o.build_graph ? "on" : "off", o.hash_compaction ? ", hash compaction" : ", exact states",
                       o.inject.empty() ? "" : fmt::format(", injected: {}", fmt::join(o.inject.names(), ", ")));
}

void print_summary(const properties::ExploreStats& s) {
    fmt::print("states {}  transitions {}  depth reached {}  {:.2f} s  {:.0f} states/s\n", s.states, s.transitions,
               s.depth_reached, s.seconds, s.states_per_second());
    fmt::print("memory: {:.1f} bytes per stored state ({} states in {:.1f} KiB), {} MB resident\n", s.bytes_per_state(),
               s.states, static_cast<double>(s.stored_bytes) / 1024.0, resident_mb());
    if (s.sleep_pruned || s.symmetry_merged || s.fused_steps) {
        fmt::print("reductions: {} steps asleep (sleep sets), {} arrivals merged by symmetry, {} sends and deliveries fused\n",
                   s.sleep_pruned, s.symmetry_merged, s.fused_steps);
    }
    if (!s.stopped.empty()) fmt::print("stopped early: {}\n", s.stopped);
}

int report_violation(const ExploreOptions& options, const properties::ExploreViolation& found) {
    const properties::Violation& v = found.violation;
    std::vector<std::string> names;
    for (const auto& c : found.program.clients) names.push_back(c.name);
    fmt::print("{} {} (XEP-0045 §{})\n", fail_label(), bold(v.property), v.section);
    fmt::print("  {}\n", v.statement);
    fmt::print("  {}\n", v.explanation);
    fmt::print("{} counterexample: {} transitions after the set-up\n",
               options.explore.model && (options.explore.reduction == properties::Reduction::sleep || options.explore.depth_first)
                   ? "a"
                   : "shortest",
               found.path.size());
    for (std::size_t i = 0; i < found.path.size(); ++i) {
        fmt::print("  {:>2}. {}\n", i + 1, properties::move_label(found.path[i], names));
    }
    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    if (ec) {
        print_error("cannot create {}: {}", options.out_dir, ec.message());
        return exit_usage;
    }
    std::string stem = (std::filesystem::path(options.out_dir) / fmt::format("explore-{}", v.property)).string();
    std::string inject;
    for (const std::string& name : options.explore.inject.names()) inject += fmt::format(" --inject {}", name);
    std::vector<std::string> header{
        fmt::format("mucsim counterexample: {} (XEP-0045 §{})", v.property, v.section), v.statement,
        fmt::format("Found by: mucsim explore ({})", model_description(options.explore)),
        fmt::format("Shortest path: {} transitions after the set-up", found.path.size())};
    traces::Script script = properties::counterexample_script(found.trace, v, header);
    sim::Program program = found.program;
    program.comments = {fmt::format("mucsim explore: {} ({} transitions)", v.property, found.path.size())};
    if (int rc = write_text_file(stem + ".scs", traces::write_script(script)); rc != exit_ok) return rc;
    if (int rc = write_text_file(stem + ".prog", sim::format_program(program)); rc != exit_ok) return rc;
    fmt::print("Counterexample script: {}.scs ({} actions)\n", stem, script.actions.size());
    fmt::print("Replay:    mucsim replay{} {}.scs\n", inject, stem);
    fmt::print("Run:       mucsim run{} {}.prog --trace\n", inject, stem);
    return exit_failed;
}

bool dot_available() {
    for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
        if (access((std::string(dir) + "/dot").c_str(), X_OK) == 0) return true;
    }
    return false;
}

// Runs Graphviz's dot, without a shell, from a .dot file to the output.
int render(const std::string& dot_file, const std::string& format, const std::string& output) {
    std::vector<std::string> args{"dot", "-T" + format, "-o", output, dot_file};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ) != 0) {
        print_error("cannot run Graphviz's 'dot': {} (install the Debian package 'graphviz')", std::strerror(errno));
        return exit_usage;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        print_error("'dot -T{}' failed rendering {}", format, dot_file);
        return exit_usage;
    }
    return exit_ok;
}

}  // namespace

int explore_command(const ExploreOptions& options) {
    if (auto error = properties::validate(options.explore)) {
        print_error("{}", *error);
        return exit_usage;
    }
    properties::ExploreOptions o = options.explore;
    o.build_graph = !options.dot_file.empty();
    if (o.model && o.build_graph) {
        print_error("--dot draws the action model's diagram: leave out --model");
        return exit_usage;
    }
    fmt::print("mucsim explore: {}\n", model_description(o));
    std::function<void(const properties::ExploreProgress&)> progress;
    if (stderr_is_terminal() && !options.quiet) progress = print_progress;
    properties::ExploreResult result = properties::explore(o, progress);
    if (progress) std::fputs("\n", stderr);
    print_summary(result.stats);
    if (!options.dot_file.empty() && !o.model) {
        properties::GraphSummary summary;
        std::string dot = properties::graph_to_dot(result.graph, "mucsim explore: " + model_description(o), &summary);
        if (int rc = write_text_file(options.dot_file, dot); rc != exit_ok) return rc;
        fmt::print("wrote {} ({} abstract states, {} edges)\n", options.dot_file, summary.vertices, summary.edges);
    }
    if (result.violation) return report_violation(options, *result.violation);
    fmt::print("{} no violation in {} states{}\n", pass_label(), result.stats.states,
               result.stats.stopped.empty() ? "" : " (exploration incomplete)");
    return exit_ok;
}

int graph_command(const GraphOptions& options) {
    if (auto error = properties::validate(options.explore)) {
        print_error("{}", *error);
        return exit_usage;
    }
    if (options.format != "dot" && !dot_available()) {
        print_error("Graphviz's 'dot' is not installed: install the Debian package 'graphviz', or use --format dot");
        return exit_usage;
    }
    properties::ExploreOptions o = options.explore;
    o.build_graph = true;
    properties::ExploreResult result = properties::explore(o);
    properties::GraphSummary summary;
    std::string title = "mucsim: " + model_description(o);
    std::string dot = properties::graph_to_dot(result.graph, title, &summary);
    std::string dot_file = options.format == "dot" ? options.output : options.output + ".dot";
    if (int rc = write_text_file(dot_file, dot); rc != exit_ok) return rc;
    if (options.format != "dot") {
        int rc = render(dot_file, options.format, options.output);
        std::filesystem::remove(dot_file);
        if (rc != exit_ok) return rc;
    }
    fmt::print("wrote {}: {} abstract states, {} transitions ({} violating), from {} explored states\n", options.output,
               summary.vertices, summary.edges, summary.violating_edges, result.stats.states);
    return exit_ok;
}

}  // namespace mucsim::tools
