// The command line under hostile use: bad options, missing, unreadable or
// binary files, directories passed as files, outputs that cannot be written.
// Every subcommand answers with a clear message on stderr and exit 2, never
// a crash (an exit status of 128 or more is a signal).

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support.hpp"

using namespace mucsim::test;

namespace {

// The subcommands `mucsim --help` lists, so that new ones are covered too.
std::vector<std::string> subcommands() {
    RunResult help = run_mucsim({"--help"});
    REQUIRE(help.exit_code == 0);
    std::vector<std::string> names;
    std::istringstream lines(help.out);
    std::string line;
    bool in_list = false;
    while (std::getline(lines, line)) {
        if (line.find("ubcommands:") != std::string::npos || line.find("UBCOMMANDS") != std::string::npos) {
            in_list = true;
            continue;
        }
        if (!in_list) continue;
        if (line.size() < 3 || line[0] != ' ' || line[2] == ' ') {
            if (!names.empty()) break;
            continue;
        }
        std::istringstream words(line);
        std::string name;
        words >> name;
        names.push_back(name);
    }
    return names;
}

void check_usage_error(const RunResult& r, const std::string& what) {
    INFO(what << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(r.err.empty());
}

}  // namespace

TEST_CASE("help_lists_the_known_subcommands") {
    std::vector<std::string> names = subcommands();
    for (const char* known : {"lint", "replay", "run"}) {
        CHECK_MESSAGE(std::find(names.begin(), names.end(), known) != names.end(), known);
    }
}

TEST_CASE("every_subcommand_refuses_an_unknown_option_with_exit_2_and_a_hint") {
    for (const std::string& name : subcommands()) {
        RunResult r = run_mucsim({name, "--no-such-option"});
        check_usage_error(r, name + " --no-such-option");
        CHECK_MESSAGE(r.err.find("mucsim --help") != std::string::npos, name);
        RunResult help = run_mucsim({name, "--help"});
        CHECK_MESSAGE(help.exit_code == 0, name << " --help");
    }
}

TEST_CASE("bad_option_values_exit_2") {
    TempDir dir;
    auto program = dir.write("p.prog", "clients A=a@localhost\nA: connect\n");
    std::vector<std::vector<std::string>> cases = {
        {"run", program.string(), "--choices", "abc"},
        {"run", program.string(), "--choices", "-1"},
        {"run"},
        {"lint"},
        {"replay"},
        {"check", "--runs", "0"},
        {"check", "--runs", "many"},
        {"check", "--shard", "9/2"},
        {"check", "--inject", "no-such-fault"},
        {"explore", "--clients", "99"},
        {"graph", "--format", "gif", "-o", (dir.path() / "g").string()},
        {"bench", "--seconds", "0"},
        {"lint", "--quiet=maybe", program.string()},
    };
    std::vector<std::string> names = subcommands();
    for (const auto& args : cases) {
        if (std::find(names.begin(), names.end(), args[0]) == names.end()) continue;  // not (yet) there
        std::string what;
        for (const std::string& a : args) what += a + " ";
        check_usage_error(run_mucsim(args), what);
    }
}

TEST_CASE("input_files_that_are_missing_directories_binary_or_empty_exit_2_with_the_reason") {
    TempDir dir;
    auto garbage = dir.write("garbage", std::string("\x7f" "ELF\x02\x01\x01\x00\x00\xff\xfe", 11));
    auto empty = dir.write("empty", "");
    auto file = dir.write("file", "x");
    struct Case {
        std::string path;
        std::string reason;
    };
    std::vector<Case> cases = {
        {(dir.path() / "absent").string(), "cannot open"},
        {dir.path().string(), "is a directory"},
        {garbage.string(), "binary data"},
        {(file / "child").string(), "cannot open"},  // a path through a file: ENOTDIR
        {empty.string(), ""},
    };
    for (const char* command : {"lint", "replay", "run"}) {
        for (const Case& c : cases) {
            RunResult r = run_mucsim({command, c.path});
            check_usage_error(r, std::string(command) + " " + c.path);
            if (!c.reason.empty()) {
                CHECK_MESSAGE(r.err.find(c.reason) != std::string::npos, command << " " << c.path << ": " << r.err);
            }
            CHECK_MESSAGE(r.err.find(c.path) != std::string::npos, "the message names the file: " << r.err);
        }
    }
}

TEST_CASE("unreadable_files_exit_2_when_permissions_apply") {
    // root reads everything: the check is meaningful for other users only.
    if (geteuid() == 0) {
        MESSAGE("running as root: permissions do not apply");
        CHECK(geteuid() == 0);
        return;
    }
    TempDir dir;
    auto secret = dir.write("secret.scs", "[Client] A\n\tjid: a@localhost\n-----\nA connects\n");
    std::filesystem::permissions(secret, std::filesystem::perms::none);
    for (const char* command : {"lint", "replay", "run"}) {
        RunResult r = run_mucsim({command, secret.string()});
        check_usage_error(r, command);
        CHECK(r.err.find("cannot open") != std::string::npos);
    }
}

TEST_CASE("outputs_that_cannot_be_written_exit_2") {
    TempDir dir;
    auto program = dir.write("p.prog", "clients A=a@localhost\nA: connect\nA: join room A\n");
    check_usage_error(run_mucsim({"run", program.string(), "--export", (dir.path() / "no" / "such" / "x.scs").string()}),
                      "run --export into a missing directory");
    check_usage_error(run_mucsim({"run", program.string(), "--export", dir.path().string()}), "run --export a directory");
    std::vector<std::string> names = subcommands();
    if (std::find(names.begin(), names.end(), "graph") != names.end()) {
        check_usage_error(run_mucsim({"graph", "--clients", "1", "--depth", "0", "--format", "dot", "-o",
                                      (dir.path() / "no" / "such" / "g.dot").string()}),
                          "graph -o into a missing directory");
    }
}

TEST_CASE("scripts_past_the_parser_limits_are_refused_with_file_and_line") {
    TempDir dir;
    std::string header = "[Client] A\n\tjid: a@localhost\n\n-----\n\nA connects\n\nA sends:\n\t";
    std::string open, close;
    for (int i = 0; i < 65; ++i) {
        open += "<a>";
        close += "</a>";
    }
    auto deep = dir.write("deep.scs", header + open + close + "\n");
    RunResult r = run_mucsim({"lint", deep.string()});
    check_usage_error(r, "lint deep.scs");
    CHECK(r.err.find(deep.string() + ":9: elements nested deeper than 64 levels") != std::string::npos);

    std::string attributes = "<presence";
    for (int i = 0; i < 65; ++i) attributes += " a" + std::to_string(i) + "='x'";
    auto wide = dir.write("wide.scs", header + attributes + "/>\n");
    r = run_mucsim({"lint", wide.string()});
    check_usage_error(r, "lint wide.scs");
    CHECK(r.err.find("more than 64 attributes on <presence>") != std::string::npos);

    auto huge = dir.write("huge.scs", header + "<message><body>" + std::string(17 << 20, 'x') + "</body></message>\n");
    r = run_mucsim({"lint", huge.string()});
    check_usage_error(r, "lint huge.scs");
    CHECK(r.err.find("exceeds the limit") != std::string::npos);
}

TEST_CASE("a_known_file_with_a_bad_line_exits_2_naming_file_and_line") {
    TempDir dir;
    auto bad_kind = dir.write("kind.known", "# acknowledged\ncheck leave-presence\nfixme something\n");
    auto bad_property = dir.write("property.known", "check no-such-property\n");
    for (std::string command : std::vector<std::string>{"check", "diff"}) {
        RunResult r = run_mucsim({command, "--server", "127.0.0.1:1", "--known", bad_kind.string()});
        check_usage_error(r, command);
        CHECK(r.err.find(bad_kind.string() + ":3:") != std::string::npos);
        RunResult missing = run_mucsim({command, "--server", "127.0.0.1:1", "--known", (dir.path() / "none").string()});
        check_usage_error(missing, command);
    }
    RunResult r = run_mucsim({"check", "--server", "127.0.0.1:1", "--known", bad_property.string()});
    check_usage_error(r, "property");
    CHECK(r.err.find(":1: no property 'no-such-property'") != std::string::npos);
}
