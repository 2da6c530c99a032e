// Regression tests for what the fuzzers (fuzz/) found, one test per finding,
// named after what must hold. docs/ROBUSTNESS.md lists them.

#include <doctest/doctest.h>

#include <string>

#include "model/xml.hpp"
#include "sim/program.hpp"

using namespace mucsim;

namespace {

model::ParseOptions client_stream() {
    model::ParseOptions options;
    options.default_ns = "jabber:client";
    return options;
}

}  // namespace

// fuzz_program: `config lobby name "The Lobby\x93\x93…"` parsed, and its
// stanza could not be written and parsed back (invalid UTF-8 in a text).
TEST_CASE("program_with_invalid_utf8_is_refused_with_its_line") {
    std::string text = "clients A=a@localhost\n\nA: connect\nA: say room \"caf\x93\"\n";
    auto program = sim::parse_program(text, "bad.prog");
    REQUIRE_FALSE(program.ok());
    CHECK(program.error().line == 4);
    CHECK(program.error().message.find("UTF-8") != std::string::npos);
}

TEST_CASE("program_with_characters_xml_forbids_is_refused") {
    for (std::string bad : {std::string("\xef\xbf\xbf"), std::string("\x01"), std::string("\xed\xa0\x80"),
                            std::string("\xc0\xaf")}) {
        std::string text = "clients A=a@localhost\nA: say room \"x" + bad + "\"\n";
        CAPTURE(text);
        CHECK_FALSE(sim::parse_program(text, "bad.prog").ok());
    }
}

TEST_CASE("every_stanza_of_a_program_with_unicode_text_survives_the_wire") {
    auto program = sim::parse_program(
        "clients A=a@localhost\nA: join room \xf0\x9f\xa4\x96\nA: say room \"caf\xc3\xa9 \xe2\x80\x8b \xf4\x8f\xbf\xbd\"\n",
        "ok.prog");
    REQUIRE(program.ok());
    for (std::size_t i = 0; i < program->actions.size(); ++i) {
        model::Element stanza = sim::action_stanza(*program, i, "conference.localhost");
        auto parsed = model::parse_xml(model::stanza_to_string(stanza), client_stream());
        REQUIRE(parsed.ok());
        CHECK(*parsed == stanza);
    }
}

TEST_CASE("invalid_xml_char_at_finds_the_first_byte_xml_does_not_allow") {
    CHECK(model::invalid_xml_char_at("plain text\twith\r\nbreaks") == std::string_view::npos);
    CHECK(model::invalid_xml_char_at("caf\xc3\xa9 \xf0\x9f\xa4\x96") == std::string_view::npos);
    CHECK(model::invalid_xml_char_at("ab\x01") == 2);                 // control character
    CHECK(model::invalid_xml_char_at("a\x93") == 1);                  // stray continuation byte
    CHECK(model::invalid_xml_char_at("a\xc3") == 1);                  // truncated sequence
    CHECK(model::invalid_xml_char_at("\xc0\xaf") == 0);               // overlong '/'
    CHECK(model::invalid_xml_char_at("x\xed\xa0\x80") == 1);          // UTF-16 surrogate
    CHECK(model::invalid_xml_char_at("\xef\xbf\xbe") == 0);           // U+FFFE
    CHECK(model::invalid_xml_char_at("\xf4\x90\x80\x80") == 0);       // above U+10FFFF
}

// fuzz_program: `affiliation room nurse@localhost "trusted \"friend\""` parsed
// (the affiliation value is free text, so that bogus values can be sent), and
// format_program wrote the value unquoted, which did not parse again.
TEST_CASE("format_program_quotes_every_free_text_field") {
    std::string text =
        "clients A=a@localhost\n"
        "A: affiliation room a@localhost \"trusted \\\"friend\\\"\"\n"
        "A: role room \"two words\" \"not a role\"\n"
        "A: list room \"\"\n"
        "A: presence room away\n";
    auto program = sim::parse_program(text, "free.prog");
    REQUIRE_MESSAGE(program.ok(), (program.ok() ? "" : program.error().str()));
    CHECK(program->actions[0].value == "trusted \"friend\"");
    std::string formatted = sim::format_program(*program);
    auto again = sim::parse_program(formatted, "formatted.prog");
    REQUIRE_MESSAGE(again.ok(), formatted);
    CHECK(*again == *program);
}

// fuzz_program, after 684,000 executions: a header comment ending in several
// carriage returns lost one on each format/parse round, so formatting a
// program twice gave two texts.
TEST_CASE("a_comment_with_carriage_returns_formats_the_same_every_time") {
    std::string text = "# first\r\r\r\r\n#   second \t\r\n# a\rb\nclients Romeo=romeo@localhost\nRomeo: connect\n";
    auto program = sim::parse_program(text, "t.prog");
    REQUIRE(program.ok());
    CHECK(program->comments == std::vector<std::string>{"first", "second", "a\rb"});
    std::string once = sim::format_program(*program);
    auto again = sim::parse_program(once, "t.prog");
    REQUIRE(again.ok());
    CHECK(sim::format_program(*again) == once);
    CHECK(again->comments == program->comments);
}

// fuzz_program, after 1.9 million executions: `subject ROOM ""` built
// <subject/> with an empty text child, which the wire does not carry, so the
// stanza did not equal itself written and read back.
TEST_CASE("an_empty_subject_survives_the_wire") {
    auto program = sim::parse_program("clients A=a@localhost\nA: connect\nA: subject lobby \"\"\n", "t.prog");
    REQUIRE(program.ok());
    model::Element stanza = sim::action_stanza(*program, 1, "conference.localhost");
    const model::Element* subject = stanza.child("subject");
    REQUIRE(subject);
    CHECK(subject->children.empty());
    auto parsed = model::parse_xml(model::stanza_to_string(stanza), client_stream());
    REQUIRE(parsed.ok());
    CHECK(*parsed == stanza);
}

// fuzz_program, after 1.2 million executions: a domain with U+00A8 (which
// nameprep's NFKC turns into a space and a combining mark) was accepted, and
// the clients line it was written on no longer parsed.
TEST_CASE("a_domain_that_prepares_to_a_space_is_refused") {
    CHECK_FALSE(model::Jid::parse("romeo@exa\xc2\xa8mple.com").ok());
    CHECK(model::Jid::parse("romeo@b\xc3\xbc" "cher.example").ok());  // ü stays a letter
    auto program = sim::parse_program("clients R=romeo@localhost/x\xc2\xa8y\nR: connect\n", "t.prog");
    REQUIRE_FALSE(program.ok());
    CHECK(program.error().message.find("has a space") != std::string::npos);
    CHECK(program.error().line == 1);
}

// fuzz_program, CI run of stop 20: a domain of non-ASCII letters with a
// trailing dot kept the dot ("r0meo@::ǉoient." became "r0meo@::ljoient."),
// while the ASCII path drops it, so the formatted clients line parsed to
// another JID. Preparing a prepared JID must change nothing.
TEST_CASE("a_prepared_domain_prepares_to_itself") {
    auto jid = model::Jid::parse("romeo@b\xc3\xbc" "cher.example.");
    REQUIRE(jid.ok());
    CHECK(jid->domain() == "b\xc3\xbc" "cher.example");
    auto once = model::Jid::parse("r0meo@::\xc7\x89oient.");
    REQUIRE(once.ok());
    auto twice = model::Jid::parse(once->str());
    REQUIRE(twice.ok());
    CHECK(*once == *twice);
}
