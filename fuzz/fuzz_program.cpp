// fuzz_program: the program parser (sim/program) on arbitrary text. A program
// that parses must format into text that parses to the same program, and the
// stanza of every action must be buildable.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "model/xml.hpp"
#include "sim/program.hpp"

using namespace mucsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto program = sim::parse_program(text, "fuzz.prog");
    if (!program) {
        fuzz::check(!program.error().message.empty(), "a program error says what is wrong");
        fuzz::check(program.error().line >= 1, "a program error names a line", program.error().str());
        return 0;
    }
    std::string formatted = sim::format_program(*program);
    auto again = sim::parse_program(formatted, "formatted.prog");
    if (!again) fuzz::fail("format_program wrote a program that does not parse", again.error().str() + "\n" + formatted);
    if (!(*again == *program)) fuzz::fail("format/parse round trip changed the program", formatted);
    fuzz::check(sim::format_program(*again) == formatted, "formatting is not stable", formatted);
    for (std::size_t i = 0; i < program->actions.size(); ++i) {
        sim::Verb verb = program->actions[i].verb;
        if (verb == sim::Verb::connect || verb == sim::Verb::disconnect) continue;
        model::Element stanza = sim::action_stanza(*program, i, "conference.localhost");
        std::string wire = model::stanza_to_string(stanza);
        auto parsed = model::parse_xml(wire, [] {
            model::ParseOptions o;
            o.default_ns = "jabber:client";
            o.drop_whitespace_text = false;  // the serialiser adds none: keep what the stanza has
            o.limits.bytes_max = 64u << 20;
            return o;
        }());
        if (!parsed || !(*parsed == stanza)) fuzz::fail("an action's stanza does not survive the wire", wire);
    }
    return 0;
}
