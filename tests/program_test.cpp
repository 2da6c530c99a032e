#include "sim/program.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

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

namespace {

constexpr std::string_view client_verbs = R"(clients Romeo=romeo@localhost Juliet=juliet@localhost

Romeo: connect
Romeo: join room Romeo history 0
Romeo: config room empty
Juliet: connect
Juliet: join room Juliet password secret history 3
Romeo: say room "hi" with muc-user
Romeo: say room "hi" with muc-user-item
Romeo: say room "hi" with subject
Romeo: say room "hi" with delay
Romeo: say room "hi" with ext
Juliet: pm room Romeo "psst" with muc-user
Romeo: affiliation-by-nick room Juliet admin reason "by nick"
Juliet: error room presence
Juliet: error room message Romeo
Juliet: error room iq Romeo
Juliet: voice room
Juliet: disco-info room
Juliet: disco-items room Romeo
Romeo: config room cancel
Juliet: leave room status "gone \"fishing\""
)";

const model::Element& child(const model::Element& parent, std::string_view name, std::string_view ns) {
    const model::Element* found = parent.child(name, ns);
    REQUIRE_MESSAGE(found != nullptr, name);
    return *found;
}

}  // namespace

TEST_CASE("client_verbs_round_trip") {
    sim::Program p = parse_ok(client_verbs);
    REQUIRE(p.actions.size() == 20);
    CHECK(p.actions[1].history_stanzas == 0u);
    CHECK(p.actions[2].option == "empty");
    CHECK(p.actions[4].text == "secret");
    CHECK(p.actions[4].history_stanzas == 3u);
    CHECK(p.actions[6].payload == "muc-user-item");
    CHECK(p.actions[11].verb == sim::Verb::affiliation_by_nick);
    CHECK(p.actions[13].value == "message");
    CHECK(p.actions[13].nick == "Romeo");
    CHECK(p.actions[19].text == "gone \"fishing\"");
    std::string text = sim::format_program(p);
    CHECK(text.find("Juliet: join room Juliet password secret history 3\n") != std::string::npos);
    CHECK(text.find("Juliet: pm room Romeo \"psst\" with muc-user\n") != std::string::npos);
    CHECK(text.find("Juliet: error room presence\n") != std::string::npos);
    CHECK(text.find("Juliet: disco-items room Romeo\n") != std::string::npos);
    CHECK(parse_ok(text) == p);
    CHECK(sim::format_program(parse_ok(text)) == text);
    // Options of a join in either order.
    CHECK(parse_ok("clients A=a@localhost\nA: join room A history 2 password x\n").actions[0].text == "x");
}

TEST_CASE("client_verbs_become_the_stanzas_xep_0045_shows") {
    sim::Program p = parse_ok(client_verbs);
    const std::string host = "conference.localhost";
    // Every action's stanza, kept: children are looked at by reference.
    std::vector<model::Element> stanzas;
    for (std::size_t i = 0; i < p.actions.size(); ++i) {
        bool stanza_verb = p.actions[i].verb != sim::Verb::connect && p.actions[i].verb != sim::Verb::disconnect;
        stanzas.push_back(stanza_verb ? sim::action_stanza(p, i, host) : model::Element());
    }
    auto stanza = [&](std::size_t i) -> const model::Element& { return stanzas[i]; };

    // §7.2.14: <history maxstanzas='N'/> in the muc <x>, after the password.
    const model::Element& join_x = child(stanza(4), "x", model::ns::muc);
    CHECK(join_x.child_text("password") == "secret");
    CHECK(child(join_x, "history", model::ns::muc).attribute("maxstanzas") == "3");
    CHECK(child(stanza(1), "x", model::ns::muc).child("history", model::ns::muc)->attribute("maxstanzas") == "0");

    // §10.1.2 Example 156: a submit form with no field; §10.1.3: a cancel form.
    const model::Element& empty = child(child(stanza(2), "query", model::ns::muc_owner), "x", model::ns::data_forms);
    CHECK(empty.attribute("type") == "submit");
    CHECK(empty.children.empty());
    const model::Element& cancel = child(child(stanza(18), "query", model::ns::muc_owner), "x", model::ns::data_forms);
    CHECK(cancel.attribute("type") == "cancel");
    CHECK(cancel.children.empty());

    CHECK(child(stanza(5), "x", model::ns::muc_user).children.empty());
    const model::Element& forged = child(child(stanza(6), "x", model::ns::muc_user), "item", model::ns::muc_user);
    CHECK(forged.attribute("affiliation") == "owner");
    CHECK(forged.attribute("jid") == "mallory@localhost");
    CHECK(stanza(7).child_text("subject") == "hi");
    CHECK(stanza(7).child_text("body") == "hi");
    CHECK(child(stanza(8), "delay", model::ns::delay).attribute("from") == "mallory@localhost");
    CHECK(stanza(9).child("thread", model::ns::client) != nullptr);
    CHECK(stanza(9).child("x", "urn:example:ext") != nullptr);
    const model::Element& pm = stanza(10);
    CHECK(pm.attribute("type") == "chat");
    CHECK(pm.attribute("to") == "room@conference.localhost/Romeo");
    CHECK(pm.child("x", model::ns::muc_user) != nullptr);

    const model::Element& by_nick = child(child(stanza(11), "query", model::ns::muc_admin), "item", model::ns::muc_admin);
    CHECK(by_nick.attribute("nick") == "Juliet");
    CHECK(by_nick.attribute("affiliation") == "admin");
    CHECK_FALSE(by_nick.has_attribute("jid"));
    CHECK(by_nick.child_text("reason") == "by nick");

    const model::Element& presence_error = stanza(12);
    CHECK(presence_error.name == "presence");
    CHECK(presence_error.attribute("type") == "error");
    CHECK(presence_error.attribute("to") == "room@conference.localhost");
    const model::Element& error = child(presence_error, "error", model::ns::client);
    CHECK(error.attribute("type") == "cancel");
    CHECK(error.child("service-unavailable", model::ns::stanzas) != nullptr);
    CHECK(stanza(13).name == "message");
    CHECK(stanza(13).attribute("to") == "room@conference.localhost/Romeo");
    CHECK(stanza(14).name == "iq");
    CHECK(stanza(14).attribute("type") == "error");
    CHECK(stanza(14).attribute("id") == "a15");

    // §7.13 Example 71.
    const model::Element& voice = stanza(15);
    CHECK(voice.attribute("to") == "room@conference.localhost");
    CHECK_FALSE(voice.has_attribute("type"));
    const model::Element& request = child(voice, "x", model::ns::data_forms);
    CHECK(request.attribute("type") == "submit");
    REQUIRE(request.elements("field").size() == 2);
    CHECK(request.elements("field")[0]->child_text("value") == model::ns::muc_request);
    CHECK(request.elements("field")[1]->attribute("var") == "muc#role");
    CHECK(request.elements("field")[1]->child_text("value") == "participant");

    CHECK(stanza(16).attribute("type") == "get");
    CHECK(stanza(16).attribute("to") == "room@conference.localhost");
    CHECK(stanza(16).child("query", model::ns::disco_info) != nullptr);
    CHECK(stanza(17).attribute("to") == "room@conference.localhost/Romeo");
    CHECK(stanza(17).child("query", model::ns::disco_items) != nullptr);

    const model::Element& leave = stanza(19);
    CHECK(leave.attribute("type") == "unavailable");
    CHECK(leave.child_text("status") == "gone \"fishing\"");
}

TEST_CASE("odd_nicks_parse_format_quoted_and_are_sent_as_written") {
    // A space, only a space, blanks around, a zero-width space, a zero-width
    // joiner alone, an empty nick.
    const std::vector<std::string> nicks = {"Ro meo", " ", " Romeo ", "Ro\u200bmeo", "\u200d", ""};
    for (const std::string& nick : nicks) {
        sim::Program p;
        p.clients = sim::cast(1);
        sim::ProgramAction join;
        join.verb = sim::Verb::join;
        join.room = "room";
        join.nick = nick;
        sim::ProgramAction pm = join;
        pm.verb = sim::Verb::pm;
        pm.text = "hi";
        p.actions = {join, pm};
        std::string text = sim::format_program(p);
        CAPTURE(text);
        CHECK(text.find(fmt::format("Romeo: join room \"{}\"\n", nick)) != std::string::npos);
        CHECK(parse_ok(text) == p);
        CHECK(sim::action_stanza(p, 0, "conference.localhost").attribute("to") == "room@conference.localhost/" + nick);
        CHECK(sim::action_stanza(p, 1, "conference.localhost").attribute("to") == "room@conference.localhost/" + nick);
    }
    // Non-ASCII nicks are quoted, plain ones are not.
    CHECK(parse_ok("clients A=a@localhost\nA: join room \"Jüliet\"\n").actions[0].nick == "Jüliet");
    sim::Program plain = parse_ok("clients A=a@localhost\nA: join room Juliet\n");
    CHECK(sim::format_program(plain).find("A: join room Juliet\n") != std::string::npos);
}

TEST_CASE("bad_client_verbs_are_refused_with_file_and_line") {
    CHECK(parse_error("clients A=a@localhost\nA: say room hi with perfume\n").find("unknown payload 'perfume'") !=
          std::string::npos);
    CHECK(parse_error("clients A=a@localhost\nA: say room hi muc-user\n").find("with PAYLOAD") != std::string::npos);
    CHECK(parse_error("clients A=a@localhost\nA: error room headline\n").find("unknown stanza 'headline'") !=
          std::string::npos);
    CHECK(parse_error("clients A=a@localhost\nA: join room A history many\n").find("history needs a number") !=
          std::string::npos);
    CHECK(parse_error("clients A=a@localhost\nA: join room A history 1 history 2\n").starts_with("bad.prog:2: usage: join"));
    CHECK(parse_error("clients A=a@localhost\nA: leave room bye\n").starts_with("bad.prog:2: usage: leave ROOM [status"));
    CHECK(parse_error("clients A=a@localhost\nA: voice room now\n").starts_with("bad.prog:2: usage: voice ROOM"));
    CHECK(parse_error("clients A=a@localhost\nA: disco-info room A B\n").starts_with("bad.prog:2: usage: disco-info"));
    CHECK(parse_error("clients A=a@localhost\nA: affiliation-by-nick room A\n").starts_with("bad.prog:2: usage: affiliation-by-nick"));
    CHECK(parse_error("clients A=a@localhost\nA: say Ro@m hi with ext\n").find("not a valid room name") != std::string::npos);
}
