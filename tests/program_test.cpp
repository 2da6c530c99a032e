#include "sim/program.hpp"

#include <doctest/doctest.h>

#include "model/namespaces.hpp"

using namespace mucsim;

namespace {

constexpr std::string_view race = R"(# two owners race
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
)";

sim::Program parse_ok(std::string_view text) {
    auto program = sim::parse_program(text, "test.prog");
    REQUIRE_MESSAGE(program.ok(), (program.ok() ? "" : program.error().str()));
    return std::move(program).value();
}

std::string parse_error(std::string_view text) {
    auto program = sim::parse_program(text, "bad.prog");
    REQUIRE_FALSE(program.ok());
    return program.error().str();
}

}  // namespace

TEST_CASE("program_parser_reads_header_and_actions") {
    sim::Program p = parse_ok(race);
    REQUIRE(p.clients.size() == 3);
    CHECK(p.clients[2].jid.str() == "nurse@localhost/phone");
    CHECK(p.faults_max == 1);
    CHECK(p.choices == std::vector<std::uint32_t>{0, 1, 2});
    REQUIRE(p.actions.size() == 20);
    CHECK(p.actions[1].verb == sim::Verb::join);
    CHECK(p.actions[1].text == "s3cret pass");
    CHECK(p.actions[4].text == "trusted \"friend\"");
    CHECK(p.comments == std::vector<std::string>{"two owners race"});
}

TEST_CASE("program_text_round_trips") {
    sim::Program p = parse_ok(race);
    std::string text = sim::format_program(p);
    CHECK(parse_ok(text) == p);
    CHECK(sim::format_program(parse_ok(text)) == text);
}

TEST_CASE("actions_become_the_stanzas_xep_0045_describes") {
    sim::Program p = parse_ok(race);
    const std::string host = "conference.localhost";
    model::Element join = sim::action_stanza(p, 1, host);
    CHECK(join.name == "presence");
    CHECK(join.attribute("to") == "room@conference.localhost/Romeo");
    CHECK(join.child("x", model::ns::muc)->child_text("password") == "s3cret pass");

    model::Element aff = sim::action_stanza(p, 4, host);
    CHECK(aff.attribute("type") == "set");
    CHECK(aff.attribute("id") == "a5");
    const model::Element* item = aff.child("query", model::ns::muc_admin)->child("item");
    CHECK(item->attribute("jid") == "juliet@localhost");
    CHECK(item->attribute("affiliation") == "admin");
    CHECK(item->child_text("reason") == "trusted \"friend\"");

    // A nick change moves later presence and leave to the new nick.
    CHECK(sim::action_stanza(p, 14, host).attribute("to") == "room@conference.localhost/Jules");
    CHECK(sim::action_stanza(p, 15, host).attribute("type") == "unavailable");
    CHECK(sim::action_stanza(p, 15, host).attribute("to") == "room@conference.localhost/Jules");

    model::Element whois = sim::action_stanza(p, 3, host);
    const model::Element* form = whois.child("query", model::ns::muc_owner)->child("x", model::ns::data_forms);
    REQUIRE(form);
    CHECK(form->attribute("type") == "submit");
    CHECK(form->elements("field").size() == 2);
    CHECK(form->elements("field")[1]->attribute("var") == "muc#roomconfig_whois");
    CHECK(form->elements("field")[1]->child_text("value") == "anyone");

    model::Element instant = sim::action_stanza(p, 2, host);
    CHECK(instant.child("query", model::ns::muc_owner)->child("x", model::ns::data_forms)->children.empty());
}

TEST_CASE("bad_programs_are_refused_with_file_and_line") {
    CHECK(parse_error("clients A=a@localhost\nB: connect\n") == "bad.prog:2: 'B' is not one of the clients");
    CHECK(parse_error("clients A=a@localhost\nA: dance\n").starts_with("bad.prog:2: unknown verb 'dance'"));
    CHECK(parse_error("clients A=a@localhost\nA: join room\n").starts_with("bad.prog:2: usage: join ROOM NICK"));
    CHECK(parse_error("clients A=a@localhost\nA: config room color red\n").starts_with("bad.prog:2: unknown option 'color'"));
    CHECK(parse_error("clients A=a@localhost\nA: config room membersonly yes\n").find("on or off") != std::string::npos);
    CHECK(parse_error("clients A=a@localhost\nA: say room \"unterminated\n").find("unterminated") != std::string::npos);
    CHECK(parse_error("clients A=a@localhost\nA: affiliation room Nobody member\n").find("neither a client nor a JID") != std::string::npos);
    CHECK(parse_error("A: connect\n") == "bad.prog:1: the 'clients' line must come before the actions");
    CHECK(parse_error("clients A=a@\n").find("invalid domain") != std::string::npos);
    CHECK(parse_error("clients A=a@localhost\nchoices 1 x\n").find("choice") != std::string::npos);
    CHECK(parse_error("") == "bad.prog:1: no 'clients' line");
    CHECK(parse_error(std::string("clients\0", 8)).find("binary") != std::string::npos);
}
