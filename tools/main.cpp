// The mucsim command line. CLI11 lives in this translation unit only.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <map>

#include "live/address.hpp"
#include "sim/program.hpp"
#include "tools/commands.hpp"
#include "tools/terminal.hpp"

namespace {

using namespace mucsim::tools;

constexpr const char* description =
    "mucsim: simulate and model-check XMPP Multi-User Chat (XEP-0045), deterministically, in one process.\n"
    "\n"
    "Exit codes: 0 success, 1 a script failed or a property was violated, 2 bad options or bad input.";

// --inject NAME (repeatable): a named fault in the MUC service.
void add_inject(CLI::App* command, std::vector<std::string>& names) {
    std::string list;
    for (const auto& f : mucsim::model::all_faults()) list += (list.empty() ? "" : ", ") + std::string(f.name);
    command->add_option("--inject", names, "Inject a named fault into the MUC service (repeatable): " + list)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check([](const std::string& name) -> std::string {
            if (mucsim::model::parse_fault(name)) return {};
            return "unknown fault '" + name + "' (see 'mucsim check --list-faults')";
        });
}

mucsim::model::FaultSet fault_set(const std::vector<std::string>& names) {
    mucsim::model::FaultSet set;
    for (const std::string& name : names) set.add(*mucsim::model::parse_fault(name));
    return set;
}

void add_lint(CLI::App& app, LintOptions& options, int& code) {
    CLI::App* lint = app.add_subcommand("lint", "Check that scansion scripts are well-formed");
    lint->footer(
        "Parses each script and reports every error as FILE:LINE: message.\n"
        "Example: mucsim lint ../shared/scansion/prosody/*.scs");
    lint->add_option("files", options.files, "Scripts (.scs) to check")->required();
    lint->add_flag("-q,--quiet", options.quiet, "Print only errors");
    lint->callback([&] { code = lint_command(options); });
}

// --without VERB (repeatable): leave a verb out of generated programs, to look
// past a finding that would otherwise come first.
void add_without(CLI::App* command, std::vector<std::string>& verbs) {
    command->add_option("--without", verbs, "Live: leave this verb out of generated programs (repeatable), e.g. nick")
        ->expected(1)
        ->check(CLI::IsMember(mucsim::sim::verb_names()));
}

// --server HOST:PORT and the live waits (docs/LIVE.md).
void add_server(CLI::App* command, LiveServerOptions& live, bool replay_waits) {
    command->add_option("--server", live.server, "Run against a live XMPP server at HOST:PORT (plain c2s, SASL PLAIN)")
        ->check([](const std::string& text) -> std::string {
            auto address = mucsim::live::parse_server_address(text);
            return address ? std::string() : address.error();
        });
    if (replay_waits) {
        command->add_option("--timeout-ms", live.timeout_ms, "Live: how long 'receives:' waits for a match")
            ->capture_default_str()->check(CLI::Range(1, 600000));
        command->add_option("--quiet-ms", live.quiet_ms, "Live: how long 'receives: nothing' waits after its barrier")
            ->capture_default_str()->check(CLI::Range(0, 600000));
    }
    command->add_option("--reply-ms", live.reply_ms, "Live: how long any answer of the server may take")
        ->capture_default_str()->check(CLI::Range(1, 600000));
}

void add_replay(CLI::App& app, ReplayOptions& options, int& code) {
    CLI::App* replay = app.add_subcommand("replay", "Replay scansion scripts in-process against the MUC service");
    replay->footer(
        "Runs each script the way scansion does: after each action the world runs until quiet;\n"
        "'receives:' skips stanzas that do not match until one does (skips are counted, not errors).\n"
        "Prints PASS or FAIL per script; a failure shows the action's line, the expected and received\n"
        "stanzas and why they differ.\n"
        "Example: mucsim replay ../shared/scansion/prosody/*.scs");
    replay->add_option("files", options.files, "Scripts (.scs) to replay")->required();
    replay->add_flag("-v,--verbose", options.verbose, "Print the whole exchange of each script");
    replay->add_flag("--strict-order", options.strict_order,
                     "Every received stanza must match the client's next 'receives:' (no skipping)");
    static const std::map<std::string, mucsim::traces::MatchMode> match_modes = {{"scansion", mucsim::traces::MatchMode::scansion},
                                                                         {"xep", mucsim::traces::MatchMode::xep}};
    replay->add_option("--match", options.match,
                       "scansion: scansion's rules (default). xep: also leave free what XEP-0045 leaves free, "
                       "the order of a strict element's children (status codes, <item/> in muc#user <x/>)")
        ->transform(CLI::CheckedTransformer(match_modes, CLI::ignore_case));
    static std::vector<std::string> faults;
    add_inject(replay, faults);
    add_server(replay, options.live, true);
    replay->callback([&] {
        options.inject = fault_set(faults);
        code = replay_command(options);
    });
}

void add_run(CLI::App& app, RunOptions& options, std::vector<std::uint32_t>& choices, int& code) {
    CLI::App* run = app.add_subcommand("run", "Run one program (clients' actions and scheduler choices)");
    run->footer(
        "A program lists actions per client, one per line ('Romeo: join room Romeo'), and the\n"
        "scheduler's choices ('choices 0 2 1'); the same program always gives the same trace.\n"
        "See README.md for the program format. Example: mucsim run race.prog --trace --export race.scs");
    run->add_option("program", options.file, "Program file")->required();
    run->add_flag("--trace", options.trace, "Print every event of the run");
    run->add_option("--export", options.export_file, "Write the run as a scansion script to this file");
    run->add_option("--choices", choices, "Choice sequence to use instead of the program's (e.g. --choices 0 2 1)");
    static std::vector<std::string> faults;
    add_inject(run, faults);
    run->callback([&] {
        if (!choices.empty()) options.choices = choices;
        options.inject = fault_set(faults);
        code = run_command(options);
    });
}

// "K/N" with 1 <= K <= N.
std::string parse_shard(const std::string& text, int& index, int& count) {
    std::size_t slash = text.find('/');
    if (slash == std::string::npos) return "expected K/N, e.g. 2/8";
    auto read = [](std::string_view s, int& out) {
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && ptr == s.data() + s.size();
    };
    int k = 0;
    int n = 0;
    if (!read(std::string_view(text).substr(0, slash), k) || !read(std::string_view(text).substr(slash + 1), n) ||
        n < 1 || k < 1 || k > n || n > 100000) {
        return "expected K/N with 1 <= K <= N, e.g. 2/8";
    }
    index = k - 1;
    count = n;
    return {};
}

void add_check(CLI::App& app, CheckOptions& options, int& code) {
    CLI::App* check = app.add_subcommand("check", "Search generated programs for a violated property");
    check->footer(
        "Generates programs (clients joining, leaving, changing affiliations, roles and configuration,\n"
        "with scheduler choices that interleave them), runs each in the simulated world, and checks every\n"
        "invariant on the trace. On a violation: the property and why, the shrunk program, the command\n"
        "that reproduces it, and DIR/<property>-<seed>.scs, a scansion script that fails on the faulty\n"
        "service and passes on a correct one. Run i uses seed SEED+i.\n"
        "Exit: 0 nothing found, 1 a violation, 2 usage or input error.\n"
        "Example: mucsim check --runs 10000 --jobs 2\n"
        "         mucsim check --inject drop-nonoccupant-affiliation-notice --seed 1");
    mucsim::properties::CheckOptions& c = options.check;
    check->add_option("--seed", c.seed, "First seed")->capture_default_str();
    check->add_option("--runs", c.runs, "Number of generated programs")->capture_default_str()->check(CLI::Range(1ULL, 1000000000ULL));
    check->add_option("--steps-max", c.actions_max, "Actions per generated program (after the opening)")
        ->capture_default_str()->check(CLI::Range(1, 1000));
    check->add_option("--clients-max", c.clients_max, "Most clients in a program (2-8)")->capture_default_str()->check(CLI::Range(2, 8));
    check->add_option("--drops", c.drops_max, "Fault budget: connection drops and reconnects per program")
        ->capture_default_str()->check(CLI::Range(0, 100));
    static std::vector<std::string> faults;
    add_inject(check, faults);
    check->add_option("--property", c.properties, "Check only this property (repeatable; see --list-properties)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    check->add_option("--out", options.out_dir, "Directory for counterexamples")->capture_default_str();
    check->add_option("--jobs", c.jobs, "Threads (independent seeds)")->capture_default_str()->check(CLI::Range(1, 256));
    static std::string shard;
    check->add_option("--shard", shard, "Run only shard K of N of the runs, e.g. --shard 2/8");
    check->add_flag("--list-properties", options.list_properties, "List the invariants and exit");
    check->add_flag("--list-faults", options.list_faults, "List the injectable faults and exit");
    check->add_flag("-q,--quiet", options.quiet, "No progress line");
    add_server(check, options.live, false);
    check->add_flag("--keep-going", options.keep_going, "Live: go on after a violation (one counterexample per property)");
    check->add_option("--shrink-max", options.shrink_max, "Live: programs run while shrinking one counterexample")
        ->capture_default_str()->check(CLI::Range(0, 100000));
    add_without(check, options.without);
    check->add_option("--known", options.known_file,
                      "Live: a file of acknowledged findings ('check PROPERTY' or 'check PROPERTY after KIND' per line, as DIR/known.txt lists them): "
                      "counted, not shrunk or reported again");
    check->add_option("--time-max-s", options.time_max_s,
                      "Live: stop starting runs and shrinking after this many seconds; what was found is reported")
        ->check(CLI::Range(0.0, 1e7));
    check->callback([&, check] {
        // A live run costs real round trips: fewer runs unless asked.
        if (!options.live.server.empty() && check->count("--runs") == 0) c.runs = 20;
        if (options.live.server.empty() && !options.without.empty()) {
            throw CLI::ValidationError("--without", "needs --server (in-process runs are cheap: use --property)");
        }
        c.inject = fault_set(faults);
        if (!shard.empty()) {
            std::string error = parse_shard(shard, c.shard_index, c.shard_count);
            if (!error.empty()) throw CLI::ValidationError("--shard", error);
        }
        if (c.clients_min > c.clients_max) c.clients_min = c.clients_max;
        bool live = !options.live.server.empty() && !options.list_properties && !options.list_faults;
        code = live ? check_live_command(options) : check_command(options);
    });
}

void add_diff(CLI::App& app, DiffOptions& options, int& code) {
    CLI::App* diff = app.add_subcommand("diff", "Run generated programs in-process and on a live server; show where they differ");
    diff->footer(
        "Runs each generated program (as 'check' generates them, in the order written) on the in-process\n"
        "service and on the live server, one input at a time, and compares what each client received at\n"
        "each step. Divergences (a missing, extra or different stanza, or another order) are grouped by\n"
        "kind; after one that leaves both sides in the same state the comparison goes on, so a program may\n"
        "show several. The first program of each group is shrunk and shown with both sides, and written as\n"
        "DIR/diff-N-SEED.scs: the live server's exchange up to the step, then what the in-process service\n"
        "(XEP-0045) sends there, so it fails on the live server and passes on one that agrees with mucsim.\n"
        "DIR/findings.tsv lists every finding (source, name, seconds, actions, script).\n"
        "Normalised first: client JIDs, ids the server invents, stanza-id, occupant-id, xml:lang, delay stamps.\n"
        "Exit: 0 no divergence, 1 divergences, 2 usage error or the server failed.\n"
        "Example: mucsim diff --server 127.0.0.1:5222 --runs 200");
    add_server(diff, options.live, false);
    diff->get_option("--server")->required();
    diff->add_option("--seed", options.seed, "First seed")->capture_default_str();
    diff->add_option("--runs", options.runs, "Number of generated programs")->capture_default_str()->check(CLI::Range(1ULL, 1000000ULL));
    diff->add_option("--steps-max", options.actions_max, "Actions per generated program (after the opening)")
        ->capture_default_str()->check(CLI::Range(1, 1000));
    diff->add_option("--clients-max", options.clients_max, "Most clients in a program (2-8)")->capture_default_str()->check(CLI::Range(2, 8));
    diff->add_option("--shrink-max", options.shrink_max, "Programs run while shrinking one divergence")
        ->capture_default_str()->check(CLI::Range(0, 100000));
    diff->add_option("--out", options.out_dir, "Directory for the shrunk programs")->capture_default_str();
    diff->add_flag("-q,--quiet", options.quiet, "No progress line");
    add_without(diff, options.without);
    diff->add_option("--known", options.known_file,
                     "A file of acknowledged findings ('diff SIGNATURE' per line, as DIR/known.txt lists them): "
                     "counted, not shrunk or reported again");
    diff->add_option("--time-max-s", options.time_max_s,
                     "Stop starting runs and shrinking after this many seconds; what was found is reported")
        ->check(CLI::Range(0.0, 1e7));
    diff->callback([&] { code = diff_command(options); });
}

// The bounded model's options, shared by explore and graph.
void add_model_options(CLI::App* command, mucsim::properties::ExploreOptions& o, std::vector<std::string>& faults) {
    command->add_option("--clients", o.clients, "Clients in the model")->capture_default_str()->check(CLI::Range(1, 8));
    command->add_option("--depth", o.depth, "Transitions after the set-up (at most 64; program mode: steps)")->capture_default_str()->check(CLI::Range(0, mucsim::properties::program_depth_max));
    std::string all;
    for (const std::string& a : mucsim::properties::explorer_actions()) all += (all.empty() ? "" : ",") + a;
    command->add_option("--actions", o.actions, "Action alphabet, comma-separated (default: " + all + ")")
        ->delimiter(',');
    command->add_option("--property", o.properties, "Check only this property (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    command->add_option("--states-max", o.states_max, "Stop after storing this many states")->capture_default_str();
    command->add_option("--memory-max-mb", o.memory_max_mb, "Stop when the process uses this much memory")
        ->capture_default_str();
    command->add_flag("--hash-compaction", o.hash_compaction, "Store 64-bit fingerprints instead of whole states");
    add_inject(command, faults);
}

void add_explore(CLI::App& app, ExploreOptions& options, int& code) {
    CLI::App* explore = app.add_subcommand("explore", "Explore every state of a small model, checking every invariant");
    explore->footer(
        "Breadth-first over every interleaving of the clients' actions (join, leave, set anyone's\n"
        "affiliation, toggle members-only and whois, kick, drop the connection), from a room the\n"
        "first client has created. The first violation has a shortest path; it is written as a\n"
        "scansion script and a program in --out.\n"
        "Program mode (--model NxK): N interchangeable clients, each with a fixed program of K actions,\n"
        "every interleaving of their steps to the end, with partial-order reduction and symmetry.\n"
        "Example: mucsim explore --clients 3 --depth 6\n"
        "         mucsim explore --clients 2 --depth 4 --inject admit-outcast\n"
        "         mucsim explore --model 3x3 --reduction none --symmetry off --hash-compaction");
    static std::vector<std::string> faults;
    add_model_options(explore, options.explore, faults);
    static std::string model;
    static std::string reduction = "persistent";
    static std::string symmetry = "on";
    explore->add_option("--model", model,
                        "Program mode: NxK, N interchangeable clients running K actions each "
                        "(K=2 join,leave; 3 join,member,leave; 4 join,member,say,leave)");
    explore->add_option("--reduction", reduction,
                        "Program mode: none (every send and delivery a step), sleep (sleep sets), "
                        "persistent (sends and deliveries fused)")
        ->capture_default_str()
        ->check(CLI::IsMember({"none", "sleep", "persistent", "dpor"}));
    static std::string search = "bfs";
    explore->add_option("--search", search,
                        "Program mode: bfs (shortest counterexamples) or dfs (memory for one path, not a whole level)")
        ->capture_default_str()
        ->check(CLI::IsMember({"bfs", "dfs"}));
    explore->add_option("--symmetry", symmetry, "Store interchangeable clients' mirror states once")
        ->capture_default_str()
        ->check(CLI::IsMember({"on", "off"}));
    explore->add_option("--dot", options.dot_file, "Also write the abstract state graph (Graphviz) to this file");
    explore->add_option("--out", options.out_dir, "Directory for the counterexample")->capture_default_str();
    explore->add_flag("-q,--quiet", options.quiet, "No progress line");
    explore->callback([&, explore] {
        options.explore.inject = fault_set(faults);
        options.explore.symmetry = symmetry == "on";
        options.explore.depth_first = search == "dfs";
        if (reduction == "dpor") {
            mucsim::tools::print_error(
                "--reduction dpor: dynamic partial-order reduction is not implemented; 'persistent' (the default) "
                "fuses sends and deliveries into the steps that cause them, which leaves nothing independent for "
                "DPOR to find (docs/DESIGN.md)");
            code = mucsim::tools::exit_usage;
            return;
        }
        options.explore.reduction = *mucsim::properties::parse_reduction(reduction);
        if (!model.empty()) {
            options.explore.model = mucsim::properties::parse_standard_model(model);
            if (!options.explore.model) {
                mucsim::tools::print_error("--model: expected NxK, such as 3x3 (N clients, K actions each), not '{}'", model);
                code = mucsim::tools::exit_usage;
                return;
            }
            // A program runs to its end unless a depth is asked for.
            if (explore->count("--depth") == 0) options.explore.depth = mucsim::properties::program_depth_max;
        } else if (explore->count("--reduction") > 0 || explore->count("--search") > 0) {
            mucsim::tools::print_error("--reduction and --search apply to program mode: add --model NxK");
            code = mucsim::tools::exit_usage;
            return;
        }
        code = explore_command(options);
    });
}

void add_graph(CLI::App& app, GraphOptions& options, int& code) {
    CLI::App* graph = app.add_subcommand("graph", "Draw the state transitions of a small model (Graphviz)");
    graph->footer(
        "Explores the model like 'explore' and writes its abstract graph: each client out of the room\n"
        "or in it with its role, its affiliation, the room's members-only and whois flags. States with\n"
        "the same picture are merged; the initial state is marked; violating transitions are red.\n"
        "Example: mucsim graph --clients 2 --depth 3 --actions join,leave,member,none,membersonly -o room.svg");
    static std::vector<std::string> faults;
    add_model_options(graph, options.explore, faults);
    options.explore.clients = 2;
    options.explore.depth = 3;
    graph->add_option("--format", options.format, "dot, svg or png")->capture_default_str()->check(CLI::IsMember({"dot", "svg", "png"}));
    graph->add_option("-o,--output", options.output, "Output file")->required();
    graph->add_flag("--loops", options.explore.graph_loops, "Also draw moves that change nothing a person sees");
    graph->callback([&] {
        options.explore.inject = fault_set(faults);
        code = graph_command(options);
    });
}

void add_bench(CLI::App& app, BenchOptions& options, int& code) {
    CLI::App* bench = app.add_subcommand("bench", "Measure replay, simulation, checking, exploration and bug finding on one core");
    bench->footer(
        "Prints the machine and build type, then one line per figure. See docs/PERFORMANCE.md.\n"
        "Example: mucsim bench --seconds 5");
    bench->add_option("--only", options.only, "Figures to measure: replay, simulation, checking, exploration, faults")
        ->check(CLI::IsMember({"replay", "simulation", "checking", "exploration", "faults"}));
    bench->add_option("--seconds", options.seconds, "Time spent on each timed figure (replay, simulation, checking)")->capture_default_str()->check(CLI::Range(0.1, 3600.0));
    bench->add_option("--prosody-dir", options.prosody_dir, "Where Prosody's scripts are")->capture_default_str();
    bench->add_option("--rounds", options.rounds,
                      "Fixed work instead of --seconds (simulation: rounds of 1000 inputs), for instruction counts");
    bench->callback([&] { code = bench_command(options); });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app(description, "mucsim");
    app.set_version_flag("--version", "mucsim 0.1.0");
    app.require_subcommand(1);
    app.fallthrough(false);
    int code = exit_ok;

    LintOptions lint;
    add_lint(app, lint, code);
    ReplayOptions replay;
    add_replay(app, replay, code);
    RunOptions run;
    std::vector<std::uint32_t> run_choices;
    add_run(app, run, run_choices, code);
    CheckOptions check;
    add_check(app, check, code);
    DiffOptions diff;
    add_diff(app, diff, code);
    ExploreOptions explore;
    add_explore(app, explore, code);
    GraphOptions graph;
    add_graph(app, graph, code);
    BenchOptions bench;
    add_bench(app, bench, code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        print_error("{}", e.what());
        fmt::print(stderr, "Run 'mucsim --help' (or 'mucsim SUBCOMMAND --help') for usage.\n");
        return exit_usage;
    }
    return code;
}
