// mucsim check: random programs, judged by the invariants; a violation is
// shrunk and written as a program and a scansion script.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <filesystem>

#include "properties/checker.hpp"
#include "properties/counterexample.hpp"
#include "tools/commands.hpp"
#include "tools/terminal.hpp"
#include "traces/script.hpp"

namespace mucsim::tools {

namespace {

void list_properties() {
    for (const properties::Invariant& i : properties::invariants()) {
        fmt::print("{:<32} §{:<22} {}\n", i.name, i.section, i.statement);
    }
}

void list_faults() {
    for (const model::FaultInfo& f : model::all_faults()) fmt::print("{:<38} {}\n", f.name, f.description);
}

std::string inject_flags(const model::FaultSet& faults) {
    std::string out;
    for (const std::string& name : faults.names()) out += fmt::format(" --inject {}", name);
    return out;
}

}  // namespace

// Every option that shapes the generated programs or judges them, so that the
// printed Reproduce: line runs the same program (in-process and live alike).
std::string generator_flags(const CheckOptions& o) {
    const properties::CheckOptions defaults;
    std::string out = inject_flags(o.check.inject);
    for (const std::string& p : o.check.properties) out += fmt::format(" --property {}", p);
    if (o.check.actions_max != defaults.actions_max) out += fmt::format(" --steps-max {}", o.check.actions_max);
    if (o.check.clients_max != defaults.clients_max) out += fmt::format(" --clients-max {}", o.check.clients_max);
    if (o.check.drops_max != defaults.drops_max) out += fmt::format(" --drops {}", o.check.drops_max);
    for (const std::string& verb : o.without) out += fmt::format(" --without {}", verb);
    return out;
}

namespace {

void print_progress(const properties::CheckProgress& p) {
    double rate = p.seconds > 0 ? static_cast<double>(p.runs_done) / p.seconds : 0;
    std::fprintf(stderr, "\r  %llu/%llu runs  %.0f runs/s  %.1f s ", static_cast<unsigned long long>(p.runs_done),
                 static_cast<unsigned long long>(p.runs_total), rate, p.seconds);
    std::fflush(stderr);
}

int report_violation(const CheckOptions& options, const properties::CheckResult& result) {
    const properties::Counterexample& c = *result.counterexample;
    const properties::Violation& v = c.violation;
    fmt::print("{} {} (XEP-0045 §{})\n", fail_label(), bold(v.property), v.section);
    fmt::print("  {}\n", v.statement);
    fmt::print("  at step {}, client {}: {}\n", v.step,
               v.client == traces::no_client ? "-" : c.trace.clients()[static_cast<std::size_t>(v.client)].name,
               v.explanation);
    fmt::print("  found at run {} (seed {}) after {} runs in {:.2f} s; shrunk from {} to {} actions ({} steps, {} "
               "programs run)\n",
               c.run, c.seed, result.runs_done, result.seconds, c.original.actions.size(), c.shrunk.actions.size(),
               c.shrink_steps, c.shrink_evaluations);

    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    if (ec) {
        print_error("cannot create {}: {}", options.out_dir, ec.message());
        return exit_usage;
    }
    std::string stem = (std::filesystem::path(options.out_dir) / fmt::format("{}-{}", v.property, c.seed)).string();
    sim::Program program = c.shrunk;
    program.comments = {fmt::format("mucsim check: {} (seed {})", v.property, c.seed)};
    std::string reproduce = fmt::format("mucsim check --seed {} --runs 1{}", c.seed, generator_flags(options));
    std::string replay = fmt::format("mucsim replay{} {}.scs", inject_flags(options.check.inject), stem);
    std::vector<std::string> header{
        fmt::format("mucsim counterexample: {} (XEP-0045 §{})", v.property, v.section),
        v.statement,
        fmt::format("Found by: {}", reproduce),
        fmt::format("Faults injected: {}", options.check.inject.empty() ? "none" : fmt::format("{}", fmt::join(options.check.inject.names(), ", "))),
    };
    traces::Script script = properties::counterexample_script(c.trace, v, header);
    if (int rc = write_text_file(stem + ".prog", sim::format_program(program)); rc != exit_ok) return rc;
    if (int rc = write_text_file(stem + ".scs", traces::write_script(script)); rc != exit_ok) return rc;

    fmt::print("\nShrunk program ({}.prog):\n", stem);
    std::string text = sim::format_program(program);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        fmt::print("  {}\n", std::string_view(text).substr(pos, end - pos));
        pos = end + 1;
    }
    fmt::print("\nCounterexample script: {}.scs ({} actions)\n", stem, script.actions.size());
    fmt::print("Reproduce: {}\n", reproduce);
    fmt::print("Replay:    {}\n", replay);
    fmt::print("Run:       mucsim run{} {}.prog --trace\n", inject_flags(options.check.inject), stem);
    return exit_failed;
}

}  // namespace

int check_command(const CheckOptions& options) {
    if (options.list_properties) {
        list_properties();
        return exit_ok;
    }
    if (options.list_faults) {
        list_faults();
        return exit_ok;
    }
    auto selected = properties::select_invariants(options.check.properties);
    if (!selected) {
        print_error("{}", selected.error());
        return exit_usage;
    }
    const properties::CheckOptions& o = options.check;
    fmt::print("mucsim check: seed {}, {} runs{}, {}-{} clients, up to {} actions, {}{}{}\n", o.seed, o.runs,
               o.shard_count > 1 ? fmt::format(" (shard {}/{})", o.shard_index + 1, o.shard_count) : "",
               o.clients_min, o.clients_max, o.actions_max,
               o.properties.empty() ? fmt::format("all {} properties", properties::invariants().size())
                                    : fmt::format("properties {}", fmt::join(o.properties, ", ")),
               o.drops_max > 0 ? fmt::format(", {} drops", o.drops_max) : "",
               o.inject.empty() ? "" : fmt::format(", injected: {}", fmt::join(o.inject.names(), ", ")));
    std::function<void(const properties::CheckProgress&)> progress;
    if (stderr_is_terminal() && !options.quiet) progress = print_progress;
    properties::CheckResult result = properties::check(o, progress);
    if (progress) std::fputs("\n", stderr);
    if (result.counterexample) return report_violation(options, result);
    double rate = result.seconds > 0 ? static_cast<double>(result.runs_done) / result.seconds : 0;
    fmt::print("{} {} runs, no violation ({} actions, {:.2f} s, {:.0f} runs/s)\n", pass_label(), result.runs_done,
               result.actions_run, result.seconds, rate);
    return exit_ok;
}

}  // namespace mucsim::tools
