// The command line: exit codes and messages that scripts can rely on.

#include <doctest/doctest.h>

#include "tests/support.hpp"

using namespace mucsim::test;

TEST_CASE("lint_accepts_every_prosody_script") {
    std::vector<std::string> args{"lint"};
    for (const auto& path : prosody_scripts()) args.push_back(path.string());
    RunResult r = run_mucsim(args);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("13 well-formed, 0 with errors") != std::string::npos);
}

TEST_CASE("lint_reports_file_and_line_and_exits_2") {
    TempDir dir;
    auto bad = dir.write("bad.scs", "[Client] A\n\tjid: a@localhost\n-----\nA dances\n");
    auto good = dir.write("good.scs", "[Client] A\n\tjid: a@localhost\n-----\nA connects\n");
    RunResult r = run_mucsim({"lint", good.string(), bad.string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(bad.string() + ":4: unknown action 'dances'") != std::string::npos);
    CHECK(r.out.find("1 well-formed, 1 with errors") != std::string::npos);
}

TEST_CASE("lint_refuses_missing_files_directories_and_binary_garbage") {
    TempDir dir;
    auto garbage = dir.write("garbage.scs", std::string("\x7f" "ELF\x02\x01\x01\x00\x00", 9));
    RunResult r = run_mucsim({"lint", (dir.path() / "absent.scs").string(), dir.path().string(), garbage.string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("absent.scs:0: cannot open") != std::string::npos);
    CHECK(r.err.find("is a directory") != std::string::npos);
    CHECK(r.err.find("binary data") != std::string::npos);
}

TEST_CASE("bad_options_exit_2_with_a_hint") {
    RunResult unknown = run_mucsim({"lint", "--no-such-option", "x.scs"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("mucsim --help") != std::string::npos);
    CHECK(run_mucsim({}).exit_code == 2);
    CHECK(run_mucsim({"no-such-subcommand"}).exit_code == 2);
}

TEST_CASE("help_explains_and_exits_0") {
    RunResult r = run_mucsim({"--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("lint") != std::string::npos);
    CHECK(r.out.find("Exit codes") != std::string::npos);
}
