// What the in-process service does with the client verbs of programs (the
// ones real clients use and the generator now draws): each run is judged by
// the whole invariant catalogue, and the reference model must follow it.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "model/namespaces.hpp"
#include "properties/invariants.hpp"
#include "properties/reference_model.hpp"
#include "sim/program.hpp"

using namespace mucsim;

namespace {

constexpr std::string_view opening = R"(clients Romeo=romeo@localhost Juliet=juliet@localhost Nurse=nurse@localhost

Romeo: connect
Romeo: join room Romeo
Romeo: config room instant
Juliet: connect
Juliet: join room Juliet
)";

constexpr std::string_view room_jid = "room@conference.localhost";

struct Run {
    sim::World world;
    properties::ReferenceModel model;
};

// Every invariant but `left_out`.
std::vector<const properties::Invariant*> all_but(std::string_view left_out) {
    std::vector<const properties::Invariant*> selected;
    for (const properties::Invariant& i : properties::invariants()) {
        if (i.name != left_out) selected.push_back(&i);
    }
    return selected;
}

Run run(std::string_view body, std::string_view left_out = "") {
    auto program = sim::parse_program(std::string(opening) + std::string(body), "verbs.prog");
    REQUIRE_MESSAGE(program.ok(), (program.ok() ? "" : program.error().str()));
    Run r{sim::run_program(*program, {}), {}};
    for (const traces::Event& e : r.world.trace().events()) r.model.apply(e);
    auto violation = properties::check_trace(r.world.trace(), all_but(left_out));
    CHECK_MESSAGE(!violation, (violation ? violation->property + ": " + violation->explanation : ""));
    return r;
}

// What the server sent a client, in order, the answers of step `from_step` on.
std::vector<model::Element> received(const Run& r, std::string_view name, std::uint64_t from_step = 0) {
    traces::ClientIndex c = r.world.find_client(name);
    std::vector<model::Element> out;
    for (const traces::Event& e : r.world.trace().events()) {
        if (e.kind != traces::EventKind::process || e.step < from_step) continue;
        for (const traces::Emission& m : e.emitted) {
            if (m.to == c) out.push_back(m.stanza);
        }
    }
    return out;
}

// The number of the step that processed the last input.
std::uint64_t last_step(const Run& r) {
    std::uint64_t step = 0;
    for (const traces::Event& e : r.world.trace().events()) step = std::max(step, e.step);
    return step;
}

// The first stanza of that name and type, copied (received() lists are temporaries).
std::optional<model::Element> first(const std::vector<model::Element>& stanzas, std::string_view name,
                                    std::string_view type = "") {
    for (const model::Element& s : stanzas) {
        if (s.name == name && (type.empty() || s.attribute("type") == type)) return s;
    }
    return std::nullopt;
}

const properties::RoomView& room_of(const Run& r) {
    const properties::RoomView* room = r.model.room(room_jid);
    REQUIRE(room != nullptr);
    return *room;
}

}  // namespace

TEST_CASE("leave_with_status_carries_the_exit_message_to_everyone") {
    Run r = run("Juliet: leave room status \"gone fishing\"\n");
    std::optional<model::Element> seen = first(received(r, "Romeo", last_step(r)), "presence", "unavailable");
    REQUIRE(seen);
    CHECK(seen->attribute("from") == "room@conference.localhost/Juliet");
    CHECK(seen->child_text("status") == "gone fishing");
    std::optional<model::Element> own = first(received(r, "Juliet", last_step(r)), "presence", "unavailable");
    REQUIRE(own);
    CHECK(own->child_text("status") == "gone fishing");
    CHECK(properties::has_status(*own, "110"));
    CHECK(room_of(r).occupants.count("Juliet") == 0);
}

TEST_CASE("groupchat_payloads_pass_untouched_and_a_subject_with_a_body_changes_nothing") {
    // Every invariant judges it, no-real-jid-leak included: the item's jid is
    // one Juliet wrote herself, not one the room disclosed.
    Run r = run("Juliet: say room \"hi\" with muc-user-item\nJuliet: say room \"topic?\" with subject\n"
                "Juliet: say room \"old\" with delay\nJuliet: say room \"x\" with ext\n");
    std::vector<model::Element> messages;
    for (const model::Element& s : received(r, "Romeo")) {
        if (s.name == "message" && s.attribute("type") == "groupchat" && s.child("body")) messages.push_back(s);
    }
    REQUIRE(messages.size() == 4);
    // prosody-muc.md §5.1: everything but the room's own delays and ids passes, muc#user included.
    CHECK(messages[0].child("x", model::ns::muc_user)->child("item", model::ns::muc_user)->attribute("jid") ==
          "mallory@localhost");
    CHECK(messages[1].child_text("subject") == "topic?");  // §8.1: a body makes it a message
    CHECK(messages[2].child("delay", model::ns::delay)->attribute("from") == "mallory@localhost");
    CHECK(messages[3].child("x", "urn:example:ext") != nullptr);
    CHECK(messages[3].child("thread") != nullptr);
    // No subject change was announced: the only subject messages are the joins' (empty) ones.
    for (const model::Element& s : received(r, "Romeo")) {
        if (s.child("subject") && !s.child("body")) CHECK(s.child_text("subject").empty());
    }
}

TEST_CASE("private_message_payloads_of_muc_user_are_replaced_by_the_rooms_empty_x") {
    Run r = run("Juliet: pm room Romeo \"psst\" with muc-user-item\nJuliet: pm room Romeo \"hey\" with muc-user\n");
    std::vector<model::Element> pms;
    for (const model::Element& s : received(r, "Romeo")) {
        if (s.name == "message" && s.attribute("type") == "chat") pms.push_back(s);
    }
    REQUIRE(pms.size() == 2);
    for (const model::Element& pm : pms) {
        CHECK(pm.attribute("from") == "room@conference.localhost/Juliet");
        REQUIRE(pm.elements("x", model::ns::muc_user).size() == 1);
        CHECK(pm.child("x", model::ns::muc_user)->children.empty());
    }
}

TEST_CASE("affiliation_by_nick_acts_on_the_occupants_bare_jid") {
    Run r = run("Romeo: affiliation-by-nick room Juliet admin\nRomeo: role room Juliet none\n"
                "Romeo: affiliation-by-nick room Nobody member\n");
    const properties::RoomView& room = room_of(r);
    CHECK(room.affiliation_of("juliet@localhost") == properties::Affiliation::admin);
    CHECK(room.occupants.count("Juliet") == 0);  // an owner kicks an admin
    std::optional<model::Element> refused = first(received(r, "Romeo", last_step(r)), "iq", "error");
    REQUIRE(refused);  // no occupant has that nick, no JID given
}

TEST_CASE("an_error_from_an_occupant_removes_it_with_333") {
    for (std::string_view kind : {"presence", "message"}) {
        CAPTURE(kind);
        Run r = run(std::string("Juliet: error room ") + std::string(kind) + "\n");
        std::optional<model::Element> seen = first(received(r, "Romeo", last_step(r)), "presence", "unavailable");
        REQUIRE(seen);
        CHECK(properties::has_status(*seen, "333"));
        std::optional<model::Element> own = first(received(r, "Juliet", last_step(r)), "presence", "unavailable");
        REQUIRE(own);
        CHECK(properties::has_status(*own, "110"));
        CHECK(room_of(r).occupants.count("Juliet") == 0);
    }
    // An error to an occupant's JID is a bounce of a private message: the same.
    Run pm = run("Juliet: error room message Romeo\n");
    CHECK(room_of(pm).occupants.count("Juliet") == 0);
    // An iq error answers nothing the room asked: ignored.
    Run iq = run("Juliet: error room iq\nJuliet: error room iq Romeo\n");
    CHECK(room_of(iq).occupants.count("Juliet") == 1);
}

TEST_CASE("config_empty_unlocks_and_cancel_destroys_a_locked_room") {
    auto program = sim::parse_program(
        "clients Romeo=romeo@localhost Juliet=juliet@localhost\n\nRomeo: connect\nRomeo: join room Romeo\n"
        "Romeo: config room empty\nJuliet: connect\nJuliet: join room Juliet\nJuliet: join other Juliet\n"
        "Juliet: config other cancel\n",
        "empty.prog");
    REQUIRE(program.ok());
    Run r{sim::run_program(*program, {}), {}};
    for (const traces::Event& e : r.world.trace().events()) r.model.apply(e);
    CHECK_FALSE(properties::check_trace(r.world.trace()));
    CHECK(room_of(r).occupants.count("Juliet") == 1);
    // §10.1.3: cancelling the initial configuration destroys the room.
    CHECK(r.model.room("other@conference.localhost") == nullptr);
    CHECK(first(received(r, "Juliet", last_step(r)), "iq", "result"));
}

TEST_CASE("a_visitors_voice_request_reaches_the_moderators") {
    Run r = run("Romeo: config room moderated on\nNurse: connect\nNurse: join room Nurse\nNurse: voice room\n");
    std::optional<model::Element> request = first(received(r, "Romeo", last_step(r)), "message");
    REQUIRE(request);
    const model::Element* form = request->child("x", model::ns::data_forms);
    REQUIRE(form != nullptr);
    CHECK(form->attribute("type") == "form");
    CHECK(received(r, "Juliet", last_step(r)).empty());  // not a moderator
}

TEST_CASE("disco_to_the_room_is_answered_and_to_an_occupant_forwarded") {
    Run r = run("Juliet: disco-info room\nJuliet: disco-items room\nJuliet: disco-info room Romeo\n");
    std::vector<model::Element> answers = received(r, "Juliet", last_step(r) - 2);
    REQUIRE(answers.size() == 2);
    CHECK(answers[0].attribute("type") == "result");
    CHECK(answers[0].child("query", model::ns::disco_info)->child("identity") != nullptr);
    CHECK(answers[1].child("query", model::ns::disco_items) != nullptr);
    std::optional<model::Element> forwarded = first(received(r, "Romeo", last_step(r)), "iq", "get");
    REQUIRE(forwarded);
    CHECK(forwarded->attribute("from") == "room@conference.localhost/Juliet");
}

TEST_CASE("join_history_limits_the_messages_replayed_with_delay") {
    Run r = run("Romeo: say room one\nRomeo: say room two\nNurse: connect\nNurse: join room Nurse history 1\n"
                "Nurse: leave room\nNurse: join room Nurse history 0\n");
    std::vector<model::Element> got = received(r, "Nurse");
    std::vector<std::string> replayed;
    for (const model::Element& s : got) {
        if (s.name == "message" && s.child("delay", model::ns::delay) && s.child("body")) replayed.push_back(s.child_text("body"));
    }
    CHECK(replayed == std::vector<std::string>{"two"});
}

TEST_CASE("odd_nicks_reach_the_room_prepared_or_are_refused_by_the_router") {
    // A zero-width space is mapped to nothing: "Ro\u200bmeo" is Romeo's nick, taken.
    Run taken = run("Nurse: connect\nNurse: join room \"Ro\u200bmeo\"\n");
    std::optional<model::Element> conflict = first(received(taken, "Nurse"), "presence", "error");
    REQUIRE(conflict);
    CHECK(conflict->child("error")->child("conflict", model::ns::stanzas) != nullptr);
    // Blanks around a nick are a resource's to keep; a nick of blanks only is
    // refused, as Prosody does ("Invisible Nicknames are forbidden").
    Run blank = run("Nurse: connect\nNurse: join room \" Nurse \"\nRomeo: pm room \" Nurse \" hi\n"
                    "Juliet: join room \" \"\n");
    CHECK(room_of(blank).occupants.count(" Nurse ") == 1);
    CHECK(first(received(blank, "Nurse"), "message", "chat"));
    std::optional<model::Element> invisible = first(received(blank, "Juliet", last_step(blank)), "presence", "error");
    REQUIRE(invisible);
    CHECK(invisible->child("error")->child("not-allowed", model::ns::stanzas) != nullptr);
    // An empty nick, or one of characters preparation maps to nothing, makes
    // no JID: the server's router answers jid-malformed (RFC 7622 §3.4).
    for (std::string_view nick : {"", "\u200d", "Nu\trse"}) {
        Run empty = run(fmt::format("Nurse: connect\nNurse: join room \"{}\"\n", nick));
        std::optional<model::Element> malformed = first(received(empty, "Nurse"), "presence", "error");
        REQUIRE(malformed);
        CHECK(malformed->attribute("from") == fmt::format("room@conference.localhost/{}", nick));
        CHECK(malformed->child("error")->child_text("text").starts_with("The destination address is invalid"));
        CHECK(malformed->child("error")->child("jid-malformed", model::ns::stanzas) != nullptr);
    }
}
