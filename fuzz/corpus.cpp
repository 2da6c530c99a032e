// mucsim_fuzz_corpus OUTDIR SCRIPT...: writes the seed corpora of the fuzz
// targets from scansion scripts (Prosody's in ../shared, the project's own in
// scenarios/), at run time, into the build folder — never into the sources.
//
//   OUTDIR/xml/       every stanza of every script, compact and pretty-printed
//   OUTDIR/scansion/  every script as it is, and as write_script writes it
//   OUTDIR/replay/    every script as it is
//   OUTDIR/program/   a few programs that use every verb (written here)
//   OUTDIR/muc/       a few byte strings for the structured MUC fuzzer

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/muc_input.hpp"
#include "model/namespaces.hpp"
#include "model/xml.hpp"
#include "traces/script.hpp"

using namespace mucsim;
namespace fs = std::filesystem;

namespace {

const char* const programs[] = {
    R"(# an owner creates, configures, and everyone talks
clients Romeo=romeo@localhost Juliet=juliet@localhost Nurse=nurse@localhost/phone
faults 1
choices 0 1 2

Romeo: connect
Romeo: join room Romeo password "s3cret pass"
Romeo: config room instant
Romeo: config room whois anyone
Romeo: affiliation room Juliet admin reason "trusted \"friend\""
Juliet: connect
Juliet: join room Juliet
Romeo: affiliation room Nurse outcast
Juliet: affiliation room nurse@localhost member
Juliet: say room "hello there"
Juliet: pm room Romeo "psst"
Romeo: role room Juliet visitor
Romeo: list room member
Juliet: nick room Jules
Juliet: presence room away
Juliet: leave room
Romeo: register room Romeo
Romeo: invite room Nurse reason "come"
Romeo: destroy room reason "done"
Romeo: disconnect
)",
    R"(clients Romeo=romeo@localhost Juliet=juliet@localhost Nurse=nurse@localhost
choices 0 0 0 0 0 1

Romeo: connect
Romeo: join room Romeo
Romeo: config room instant
Romeo: affiliation room Juliet owner
Juliet: connect
Juliet: join room Juliet
Romeo: affiliation room Nurse member
Juliet: affiliation room Nurse outcast
)",
    R"(clients A=a@localhost B=b@localhost
faults 3

A: connect
B: connect
A: join lobby Alpha
A: config lobby membersonly on
A: config lobby moderated on
A: config lobby password secret
A: config lobby historylength 2
A: config lobby name "The Lobby"
A: subject lobby "topic"
B: join lobby Beta password secret
A: role lobby Beta participant
B: say lobby one
B: say lobby two
B: say lobby three
B: presence lobby dnd
A: list lobby outcast
B: disconnect
A: destroy lobby
)",
};

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(2);
    }
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: mucsim_fuzz_corpus OUTDIR SCRIPT...\n");
        return 2;
    }
    fs::path out = argv[1];
    for (const char* sub : {"xml", "scansion", "replay", "program", "muc"}) fs::create_directories(out / sub);
    int scripts = 0;
    int stanzas = 0;
    for (int i = 2; i < argc; ++i) {
        fs::path path = argv[i];
        std::string text = read_file(path);
        std::string stem = path.stem().string();
        write_file(out / "scansion" / (stem + ".scs"), text);
        write_file(out / "replay" / (stem + ".scs"), text);
        auto script = traces::parse_script(text, path.string());
        if (!script) {
            std::fprintf(stderr, "skipping stanzas of %s\n", script.error().str().c_str());
            continue;
        }
        ++scripts;
        write_file(out / "scansion" / (stem + ".written.scs"), traces::write_script(*script));
        int n = 0;
        for (const traces::Action& action : script->actions) {
            if (!action.stanza) continue;
            ++n;
            std::string base = stem + "-" + std::to_string(n);
            write_file(out / "xml" / (base + ".xml"), model::to_string(*action.stanza));
            write_file(out / "xml" / (base + ".pretty.xml"), model::pretty(*action.stanza, model::ns::client));
        }
        stanzas += n;
    }
    int k = 0;
    for (const char* program : programs) write_file(out / "program" / ("seed-" + std::to_string(++k) + ".prog"), program);
    k = 0;
    for (const std::string& seed : fuzz::muc_seeds()) write_file(out / "muc" / ("seed-" + std::to_string(++k)), seed);
    std::printf("corpus in %s: %d scripts, %d stanzas, %zu programs, %zu muc seeds\n", out.c_str(), scripts, stanzas,
                std::size(programs), fuzz::muc_seeds().size());
    return 0;
}
