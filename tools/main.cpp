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

}  // namespace

int main(int argc, char** argv) {
    CLI::App app(description, "mucsim");
    app.set_version_flag("--version", "mucsim 0.1.0");
    app.require_subcommand(1);
    app.fallthrough(false);
    int code = exit_ok;

    LintOptions lint;
    add_lint(app, lint, code);

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
