// The mucsim command line. CLI11 lives in this translation unit only.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/commands.hpp"
#include "tools/terminal.hpp"

namespace {

using namespace mucsim::tools;

constexpr const char* description =
    "mucsim: simulate and model-check XMPP Multi-User Chat (XEP-0045), deterministically, in one process.\n"
    "\n"
    "Exit codes: 0 success, 1 a script failed or a property was violated, 2 bad options or bad input.";

void add_lint(CLI::App& app, LintOptions& options, int& code) {
    CLI::App* lint = app.add_subcommand("lint", "Check that scansion scripts are well-formed");
    lint->footer(
        "Parses each script and reports every error as FILE:LINE: message.\n"
        "Example: mucsim lint ../shared/scansion/prosody/*.scs");
    lint->add_option("files", options.files, "Scripts (.scs) to check")->required();
    lint->add_flag("-q,--quiet", options.quiet, "Print only errors");
    lint->callback([&] { code = lint_command(options); });
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
    replay->callback([&] { code = replay_command(options); });
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
    run->callback([&] {
        if (!choices.empty()) options.choices = choices;
        code = run_command(options);
    });
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

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        print_error("{}", e.what());
        fmt::print(stderr, "Run 'mucsim --help' (or 'mucsim SUBCOMMAND --help') for usage.\n");
        return exit_usage;
    }
    return code;
}
