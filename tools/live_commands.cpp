// The live backend's commands: replay --server, check --server, diff
// (docs/LIVE.md). The report of replay is the in-process one (replay_scripts).

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "live/live_check.hpp"
#include "live/live_replay.hpp"
#include "properties/counterexample.hpp"
#include "tools/commands.hpp"
#include "tools/terminal.hpp"
#include "traces/export.hpp"
#include "traces/script.hpp"
#include "traces/variables.hpp"

namespace mucsim::tools {

namespace {

std::optional<live::ServerAddress> server_address(const LiveServerOptions& options) {
    auto address = live::parse_server_address(options.server);
    if (!address) {
        print_error("{}", address.error());
        return std::nullopt;
    }
    return *address;
}

live::LiveRunOptions run_options(const live::ServerAddress& address, const LiveServerOptions& options) {
    live::LiveRunOptions run;
    run.server = address;
    run.reply_ms = options.reply_ms;
    run.connect_ms = options.reply_ms;
    return run;
}

void print_lines(std::string_view text, std::string_view indent) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        fmt::print("{}{}\n", indent, text.substr(pos, end - pos));
        pos = end + 1;
    }
}

// Progress on stderr: a line that rewrites itself on a terminal, a line
// every 25 runs otherwise.
live::LiveProgressFn progress_printer(bool quiet, std::string_view findings_name) {
    if (quiet) return {};
    bool terminal = stderr_is_terminal();
    std::string name(findings_name);
    return [terminal, name](const live::LiveProgress& p) {
        double rate = p.seconds > 0 ? static_cast<double>(p.runs_done) / p.seconds : 0;
        std::string line = fmt::format("  {}/{} runs  {} {}  {:.1f} runs/s  {:.1f} s  {}", p.runs_done, p.runs_total,
                                       p.findings, name, rate, p.seconds, p.phase == "running" ? "" : p.phase);
        if (terminal) {
            std::fprintf(stderr, "\r%-90s", line.c_str());
            std::fflush(stderr);
        } else if (p.phase != "running" || p.runs_done % 25 == 0 || p.runs_done == p.runs_total) {
            std::fprintf(stderr, "%s\n", line.c_str());
        }
    };
}

std::string live_flags(const live::ServerAddress& address, const CheckOptions& o) {
    return fmt::format(" --server {}{}", address.str(), generator_flags(o));
}

int report_counterexample(const CheckOptions& options, const live::ServerAddress& address,
                          const properties::Counterexample& c, std::size_t also_violated_by, std::string& scs) {
    const properties::Violation& v = c.violation;
    std::string name = live::finding_name(v, c.trace);
    std::size_t after = name.find(" after ");
    fmt::print("{} {} (XEP-0045 §{}) on {}{}\n", fail_label(), bold(v.property), v.section, address.str(),
               after == std::string::npos ? "" : name.substr(after));
    fmt::print("  {}\n", v.statement);
    fmt::print("  at step {}, client {}: {}\n", v.step,
               v.client == traces::no_client ? "-" : c.trace.clients()[static_cast<std::size_t>(v.client)].name,
               v.explanation);
    fmt::print("  found at run {} (seed {}){}; shrunk from {} to {} actions ({} steps, {} programs run live), "
               "ready after {:.1f} s\n",
               c.run, c.seed, also_violated_by > 1 ? fmt::format(", violated by {} runs", also_violated_by) : "",
               c.original.actions.size(), c.shrunk.actions.size(), c.shrink_steps, c.shrink_evaluations, c.seconds);
    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    if (ec) {
        print_error("cannot create {}: {}", options.out_dir, ec.message());
        return exit_usage;
    }
    std::string stem =
        (std::filesystem::path(options.out_dir) / fmt::format("live-{}-{}", v.property, c.seed)).string();
    std::string reproduce = fmt::format("mucsim check{} --seed {} --runs 1", live_flags(address, options), c.seed);
    sim::Program program = c.shrunk;
    program.comments = {fmt::format("mucsim check --server {}: {} (seed {})", address.str(), v.property, c.seed)};
    std::vector<std::string> header{
        fmt::format("mucsim counterexample, live: {} (XEP-0045 §{})", v.property, v.section),
        v.statement,
        fmt::format("Found by: {}", reproduce),
        "Recorded against a live server; replay it on a fresh one with mucsim replay --server HOST:PORT",
    };
    traces::Script script = properties::counterexample_script(live::portable(c.trace), v, header);
    if (int rc = write_text_file(stem + ".prog", sim::format_program(program)); rc != exit_ok) return rc;
    if (int rc = write_text_file(stem + ".scs", traces::write_script(script)); rc != exit_ok) return rc;
    scs = stem + ".scs";
    fmt::print("\n  Shrunk program ({}.prog):\n", stem);
    print_lines(sim::format_program(program), "    ");
    fmt::print("\n  Counterexample script: {}.scs ({} actions)\n", stem, script.actions.size());
    fmt::print("  Reproduce: {}\n", reproduce);
    fmt::print("  Replay:    mucsim replay --server {} {}.scs\n", address.str(), stem);
    fmt::print("  In-process: mucsim run {}.prog --trace\n\n", stem);
    return exit_failed;
}

// DIR/findings.tsv: one line per counterexample, for scripts (tools/prosody_bugs.sh).
struct FindingRow {
    std::string source;  // check, diff
    std::string name;    // property or divergence
    double seconds = 0;
    std::size_t actions = 0;
    std::string scs;     // "" when none was written
};

std::string tsv_field(std::string_view text) {
    std::string out(text);
    std::replace_if(out.begin(), out.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    return out;
}

int write_findings(const std::string& out_dir, const std::vector<FindingRow>& rows) {
    std::string text = "source\tname\tseconds\tactions\tscs\n";
    for (const FindingRow& r : rows) {
        text += fmt::format("{}\t{}\t{:.2f}\t{}\t{}\n", r.source, tsv_field(r.name), r.seconds, r.actions, r.scs);
    }
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) {
        print_error("cannot create {}: {}", out_dir, ec.message());
        return exit_usage;
    }
    return write_text_file((std::filesystem::path(out_dir) / "findings.tsv").string(), text);
}

// --known FILE: lines "check PROPERTY" or "diff SIGNATURE" ('#' comments, blank
// lines); only those of `source` are kept. An error names the file and line.
std::optional<std::vector<std::string>> read_known(const std::string& path, std::string_view source) {
    std::vector<std::string> out;
    if (path.empty()) return out;
    std::ifstream in(path);
    if (!in) {
        print_error("{}: cannot open", path);
        return std::nullopt;
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line.front() == '#') continue;
        std::size_t space = line.find(' ');
        std::string kind = line.substr(0, space);
        if (space == std::string::npos || (kind != "check" && kind != "diff") || space + 1 >= line.size()) {
            print_error("{}:{}: expected 'check PROPERTY' or 'diff SIGNATURE', found '{}'", path, number, line);
            return std::nullopt;
        }
        std::string property = line.substr(space + 1, line.find(' ', space + 1) - space - 1);
        if (kind == "check" && !properties::find_invariant(property)) {
            print_error("{}:{}: no property '{}' (see mucsim check --list-properties)", path, number, property);
            return std::nullopt;
        }
        if (kind == source) out.push_back(line.substr(space + 1));
    }
    return out;
}

// DIR/known.txt: what this invocation reported, to acknowledge with --known.
int write_known(const std::string& out_dir, const std::vector<FindingRow>& rows) {
    std::string text = "# Findings of this run; pass this file to --known to acknowledge them.\n";
    for (const FindingRow& r : rows) text += fmt::format("{} {}\n", r.source, tsv_field(r.name));
    return write_text_file((std::filesystem::path(out_dir) / "known.txt").string(), text);
}

// A divergence as a runnable script: the live server's exchange up to the
// step, its input, then what the in-process service sends there.
std::optional<traces::Script> divergence_script(const live::DiffFinding& f, const live::ServerAddress& address) {
    const live::Divergence& d = f.divergence;
    if (d.event == 0 || d.client == traces::no_client || (d.expect.empty() && !d.expect_nothing)) return std::nullopt;
    traces::Trace trace = live::portable(f.live_trace);
    traces::Bindings bindings = traces::trace_bindings(trace);
    properties::Violation v;
    v.property = "divergence from mucsim's service";
    v.statement = f.signature;
    v.event = d.event;
    v.step = d.step;
    v.client = d.client;
    v.explanation = d.explanation;
    for (const model::Element& stanza : d.expect) {
        // The expectation is normalised (${Name's full JID}); the script's
        // writer abstracts concrete JIDs, so give it the live ones.
        auto concrete = traces::substitute(stanza, bindings);
        if (!concrete) return std::nullopt;
        v.demands.push_back({d.client, *concrete, false});
    }
    if (d.expect_nothing) v.demands.push_back({d.client, std::nullopt, true});
    std::vector<std::string> header{
        fmt::format("mucsim diff --server {}: {}", address.str(), f.signature),
        "The live server's exchange up to the step where it diverges, then what mucsim's in-process",
        "service (XEP-0045, and Prosody where XEP-0045 leaves a choice) sends there.",
        "Replay it on a fresh server with mucsim replay --server HOST:PORT",
    };
    return properties::counterexample_script(trace, v, header);
}

}  // namespace

int replay_live_command(const ReplayOptions& options) {
    if (!options.inject.empty()) {
        print_error("--inject changes the in-process service; it cannot be used with --server");
        return exit_usage;
    }
    auto address = server_address(options.live);
    if (!address) return exit_usage;
    live::LiveOptions live_options;
    live_options.server = *address;
    live_options.timeout_ms = options.live.timeout_ms;
    live_options.quiet_ms = options.live.quiet_ms;
    live_options.reply_ms = options.live.reply_ms;
    live_options.connect_ms = options.live.reply_ms;
    return replay_scripts(options, [&](const traces::Script& script) {
        return live::replay_live(script, live_options, options.strict_order, options.match);
    });
}

int check_live_command(const CheckOptions& options) {
    const properties::CheckOptions& o = options.check;
    if (!o.inject.empty()) {
        print_error("--inject changes the in-process service; it cannot be used with --server");
        return exit_usage;
    }
    if (o.drops_max > 0) {
        print_error("--drops cannot be used with --server: live runs do not drop connections");
        return exit_usage;
    }
    if (o.shard_count > 1 || o.jobs > 1) {
        print_error("--jobs and --shard cannot be used with --server: live runs go one at a time");
        return exit_usage;
    }
    auto selected = properties::select_invariants(o.properties);
    if (!selected) {
        print_error("{}", selected.error());
        return exit_usage;
    }
    auto address = server_address(options.live);
    if (!address) return exit_usage;
    live::LiveCheckOptions live_options;
    live_options.run = run_options(*address, options.live);
    live_options.seed = o.seed;
    live_options.runs = o.runs;
    live_options.actions_max = o.actions_max;
    live_options.clients_min = o.clients_min;
    live_options.clients_max = o.clients_max;
    live_options.properties = o.properties;
    live_options.shrink_evaluations_max = options.shrink_max;
    live_options.keep_going = options.keep_going;
    live_options.without = options.without;
    live_options.time_max_s = options.time_max_s;
    auto known = read_known(options.known_file, "check");
    if (!known) return exit_usage;
    live_options.known = std::move(*known);
    fmt::print("mucsim check --server {}: seed {}, {} runs, {}-{} clients, up to {} actions{}, {}, one input at a time\n",
               address->str(), o.seed, o.runs, o.clients_min, o.clients_max, o.actions_max,
               options.without.empty() ? "" : fmt::format(" (without {})", fmt::join(options.without, ", ")),
               o.properties.empty() ? fmt::format("all {} properties", properties::invariants().size())
                                    : fmt::format("properties {}", fmt::join(o.properties, ", ")));
    live::LiveProgressFn progress = progress_printer(options.quiet, "violated");
    live::LiveCheckResult result = live::check_live(live_options, progress);
    if (progress && stderr_is_terminal()) std::fputs("\n", stderr);
    int code = exit_ok;
    std::vector<FindingRow> rows;
    for (const properties::Counterexample& c : result.counterexamples) {
        std::string name = live::finding_name(c.violation, c.trace);
        std::size_t runs = 0;
        for (const auto& [key, seeds] : result.violations) {
            if (key == name) runs = seeds.size();
        }
        std::string scs;
        int rc = report_counterexample(options, *address, c, runs, scs);
        if (rc == exit_usage) return rc;
        rows.push_back({"check", name, c.seconds, c.shrunk.actions.size(), scs});
        code = exit_failed;
    }
    if (int rc = write_findings(options.out_dir, rows); rc != exit_ok) return rc;
    if (int rc = write_known(options.out_dir, rows); rc != exit_ok) return rc;
    if (result.known_runs > 0) {
        fmt::print("{} violation(s) of acknowledged properties (--known) not reported again.\n", result.known_runs);
    }
    if (result.stopped_by_time) {
        fmt::print("Stopped at the time limit (--time-max-s {}) after {} of {} runs.\n", options.time_max_s,
                   result.runs_done, o.runs);
    }
    if (options.keep_going && !result.violations.empty()) {
        fmt::print("Violations by property and kind of step (seeds):\n");
        for (const auto& [key, seeds] : result.violations) {
            fmt::print("  {:<56} {} runs: {}\n", key, seeds.size(), fmt::join(seeds, " "));
        }
    }
    if (!result.error.empty()) {
        print_error("the live server failed after {} runs: {}", result.runs_done, result.error);
        return exit_usage;
    }
    double rate = result.seconds > 0 ? static_cast<double>(result.runs_done) / result.seconds : 0;
    if (code == exit_ok) {
        fmt::print("{} {} runs on {}, no {}violation ({} actions, {:.2f} s, {:.1f} runs/s)\n", pass_label(),
                   result.runs_done, address->str(), result.known_runs > 0 ? "new " : "", result.actions_run, result.seconds, rate);
    } else {
        fmt::print("{} runs on {} ({} actions, {:.2f} s, {:.1f} runs/s)\n", result.runs_done, address->str(),
                   result.actions_run, result.seconds, rate);
    }
    return code;
}

int diff_command(const DiffOptions& options) {
    auto address = server_address(options.live);
    if (!address) return exit_usage;
    live::LiveCheckOptions live_options;
    live_options.run = run_options(*address, options.live);
    live_options.seed = options.seed;
    live_options.runs = options.runs;
    live_options.actions_max = options.actions_max;
    live_options.clients_max = options.clients_max;
    live_options.clients_min = std::min(live_options.clients_min, options.clients_max);
    live_options.shrink_evaluations_max = options.shrink_max;
    live_options.without = options.without;
    live_options.time_max_s = options.time_max_s;
    auto known = read_known(options.known_file, "diff");
    if (!known) return exit_usage;
    live_options.known = std::move(*known);
    fmt::print("mucsim diff --server {}: seed {}, {} runs, {}-{} clients, up to {} actions{}\n", address->str(),
               options.seed, options.runs, live_options.clients_min, options.clients_max, options.actions_max,
               options.without.empty() ? "" : fmt::format(" (without {})", fmt::join(options.without, ", ")));
    fmt::print("Normalised on both sides before comparing: client JIDs (resources differ), ids the server invents,\n"
               "<stanza-id/>, <occupant-id/>, xml:lang, delay stamps.\n");
    live::LiveProgressFn progress = progress_printer(options.quiet, "kinds of divergence");
    live::DiffResult result = live::diff_live(live_options, progress);
    if (progress && stderr_is_terminal()) std::fputs("\n", stderr);

    std::error_code ec;
    if (!result.findings.empty()) std::filesystem::create_directories(options.out_dir, ec);
    if (ec) {
        print_error("cannot create {}: {}", options.out_dir, ec.message());
        return exit_usage;
    }
    std::size_t number = 0;
    std::vector<FindingRow> rows;
    for (const live::DiffFinding& f : result.findings) {
        ++number;
        const live::Divergence& d = f.divergence;
        std::vector<std::uint64_t> shown(f.seeds.begin(), f.seeds.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(f.seeds.size(), 12)));
        fmt::print("\n{} {}: {}\n", fail_label(), number, bold(f.signature));
        fmt::print("  first divergence of {} program(s), seeds {}{}\n", f.seeds.size(), fmt::join(shown, " "),
                   f.seeds.size() > shown.size() ? " …" : "");
        std::string stem = (std::filesystem::path(options.out_dir) / fmt::format("diff-{}-{}", number, f.seeds.front())).string();
        sim::Program program = f.shrunk;
        program.comments = {fmt::format("mucsim diff --server {}: {} (seed {})", address->str(), f.signature,
                                        f.seeds.front())};
        if (int rc = write_text_file(stem + ".prog", sim::format_program(program)); rc != exit_ok) return rc;
        std::string scs;
        if (auto script = divergence_script(f, *address)) {
            scs = stem + ".scs";
            if (int rc = write_text_file(scs, traces::write_script(*script)); rc != exit_ok) return rc;
        }
        rows.push_back({"diff", f.signature, f.seconds, f.shrunk.actions.size(), scs});
        fmt::print("  shrunk from {} to {} actions ({} steps, {} programs run), ready after {:.1f} s: {}.prog\n",
                   f.original.actions.size(), f.shrunk.actions.size(), f.shrink_steps, f.shrink_evaluations, f.seconds,
                   stem);
        if (!scs.empty()) fmt::print("  script (fails on {}): {}\n", address->str(), scs);
        print_lines(sim::format_program(program), "    ");
        std::string who = d.client == traces::no_client ? std::string("-")
                                                          : program.clients[static_cast<std::size_t>(d.client)].name;
        fmt::print("  at step {}: {}\n", d.step, d.input);
        fmt::print("  {}: {}\n", who, d.explanation);
        auto side = [&](std::string_view title, const std::vector<model::Element>& stanzas,
                        const std::optional<model::Element>& marked) {
            fmt::print("  {} received, {}:\n", who, title);
            if (stanzas.empty()) fmt::print("      (nothing)\n");
            bool marked_once = false;
            for (std::size_t i = 0; i < stanzas.size(); ++i) {
                bool mark = marked && !marked_once && stanzas[i] == *marked;
                marked_once = marked_once || mark;
                fmt::print("    {} #{} {}\n", mark ? ">" : " ", i + 1, model::stanza_to_string(stanzas[i]));
            }
        };
        side("in-process (mucsim)", d.in_process, d.in_process_stanza);
        side(fmt::format("live ({})", address->str()), d.live, d.live_stanza);
    }
    if (int rc = write_findings(options.out_dir, rows); rc != exit_ok) return rc;
    if (int rc = write_known(options.out_dir, rows); rc != exit_ok) return rc;
    if (result.known_seen > 0) {
        fmt::print("\n{} divergence(s) of acknowledged kinds (--known) not reported again.", result.known_seen);
    }
    if (result.stopped_by_time) {
        fmt::print("\nStopped at the time limit (--time-max-s {}) after {} of {} runs.", options.time_max_s,
                   result.runs_done, options.runs);
    }
    fmt::print("\n{} programs on {}: {} identical, {} diverged; {} kind(s) of divergence ({:.2f} s)\n",
               result.runs_done, address->str(), result.identical, result.runs_done - result.identical,
               result.findings.size(), result.seconds);
    if (!result.error.empty()) {
        print_error("the live server failed after {} runs: {}", result.runs_done, result.error);
        return exit_usage;
    }
    return result.findings.empty() ? exit_ok : exit_failed;
}

}  // namespace mucsim::tools
