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

TEST_CASE("explore_program_mode_reports_its_reductions_and_refuses_bad_models") {
    RunResult ok = run_mucsim({"explore", "--model", "2x3", "--reduction", "sleep", "--symmetry", "off", "-q"});
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("2 clients x 3 actions (join,member,leave), reduction sleep, symmetry off") != std::string::npos);
    CHECK(ok.out.find("states 4728") != std::string::npos);
    CHECK(ok.out.find("steps asleep (sleep sets)") != std::string::npos);

    TempDir dir;
    RunResult found = run_mucsim({"explore", "--model", "2x3", "--inject", "allow-last-owner-removal", "-q", "--out",
                                  dir.path().string()});
    CHECK(found.exit_code == 1);
    CHECK(found.out.find("FAIL owner-exists") != std::string::npos);
    CHECK(found.out.find("Juliet makes Juliet member") != std::string::npos);
    CHECK(std::filesystem::exists(dir.path() / "explore-owner-exists.scs"));

    for (std::vector<std::string> args : {std::vector<std::string>{"explore", "--model", "abc"},
                                          {"explore", "--model", "3x9"},
                                          {"explore", "--model", "3x3", "--reduction", "sleep"},
                                          {"explore", "--reduction", "none"},
                                          {"explore", "--model", "2x2", "--reduction", "bogus"},
                                          {"explore", "--model", "2x2", "--reduction", "dpor"}}) {
        CAPTURE(args[2]);
        RunResult bad = run_mucsim(args);
        CHECK(bad.exit_code == 2);
        CHECK(bad.err.find("error:") != std::string::npos);
    }
}

// issue 15: the Reproduce: line left --clients-max out, and the command it
// printed passed. It must find the same property in the same shrunk program.
TEST_CASE("the_printed_reproduce_command_finds_the_same_counterexample") {
    TempDir first_dir;
    RunResult first = run_mucsim({"check", "--clients-max", "2", "--inject", "drop-iq-reply", "--seed", "1", "--runs",
                                  "3000", "--out", first_dir.path().string()});
    REQUIRE(first.exit_code == 1);
    std::size_t at = first.out.find("Reproduce: mucsim ");
    REQUIRE(at != std::string::npos);
    std::string line = first.out.substr(at + std::string("Reproduce: mucsim ").size());
    line = line.substr(0, line.find('\n'));
    CHECK(line.find("--clients-max 2") != std::string::npos);
    std::vector<std::string> args;
    for (std::size_t start = 0; start < line.size();) {
        std::size_t end = line.find(' ', start);
        if (end == std::string::npos) end = line.size();
        if (end > start) args.push_back(line.substr(start, end - start));
        start = end + 1;
    }
    TempDir again_dir;
    args.push_back("--out");
    args.push_back(again_dir.path().string());
    RunResult again = run_mucsim(args);
    CHECK(again.exit_code == 1);
    CHECK(again.out.find("FAIL iq-response") != std::string::npos);
    auto program_of = [](const TempDir& dir) {
        for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
            if (entry.path().extension() == ".prog") return read_file(entry.path());
        }
        return std::string();
    };
    std::string shrunk = program_of(first_dir);
    REQUIRE_FALSE(shrunk.empty());
    CHECK(program_of(again_dir) == shrunk);
}
