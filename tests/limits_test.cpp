// Limits on hostile input, each with the refusal a server would give, tested
// at the limit and one past it. Parser level (model/xml ParseLimits): stanza
// size, nesting depth, attributes per element. Service level (model/room.hpp,
// model/muc_service.hpp): nick length, occupants per room, sessions per
// occupant, rooms per service, history length. docs/ROBUSTNESS.md lists them.

#include <doctest/doctest.h>

#include <string>

#include "model/muc_service.hpp"
#include "model/room.hpp"
#include "model/xml.hpp"
#include "tests/muc_harness.hpp"

using namespace mucsim;
using test::error_condition;
using test::Harness;

namespace {

std::string nested(int depth) {
    std::string open, close;
    for (int i = 0; i < depth; ++i) {
        open += "<a>";
        close += "</a>";
    }
    return open + close;
}

std::string with_attributes(int count) {
    std::string text = "<a";
    for (int i = 0; i < count; ++i) text += " x" + std::to_string(i) + "='v'";
    return text + "/>";
}

constexpr std::string_view romeo = "romeo@localhost/pda";
constexpr std::string_view room = "room@conference.localhost";

std::string user(int i) { return "user" + std::to_string(i) + "@localhost/r"; }

}  // namespace

// ---------------------------------------------------------------- parser

TEST_CASE("xml_of_the_byte_limit_parses_and_one_byte_more_is_refused") {
    model::ParseOptions options;
    options.limits.bytes_max = 1000;
    std::string at_limit = "<a>" + std::string(1000 - 7, 'x') + "</a>";
    REQUIRE(at_limit.size() == 1000);
    CHECK(model::parse_xml(at_limit, options).ok());
    auto refused = model::parse_xml("<a>" + std::string(1000 - 6, 'x') + "</a>", options);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "XML of 1001 bytes exceeds the limit of 1000 bytes");
    CHECK(model::ParseLimits{}.bytes_max == 1u << 20);
}

TEST_CASE("xml_nested_to_the_depth_limit_parses_and_one_level_more_is_refused") {
    CHECK(model::parse_xml(nested(64)).ok());
    auto refused = model::parse_xml(nested(65));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "elements nested deeper than 64 levels");
    CHECK(refused.error().line == 1);
    model::ParseOptions shallow;
    shallow.limits.depth_max = 2;
    CHECK(model::parse_xml(nested(2), shallow).ok());
    CHECK_FALSE(model::parse_xml(nested(3), shallow).ok());
}

TEST_CASE("xml_with_the_attribute_limit_parses_and_one_attribute_more_is_refused") {
    CHECK(model::parse_xml(with_attributes(64)).ok());
    auto refused = model::parse_xml(with_attributes(65));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "more than 64 attributes on <a>");
    // Namespace declarations are not attributes of the element.
    CHECK(model::parse_xml("<a xmlns='urn:a' xmlns:b='urn:b' " + with_attributes(64).substr(3)).ok());
}

TEST_CASE("deeply_nested_xml_far_past_the_limit_is_refused_without_exhausting_the_stack") {
    auto refused = model::parse_xml(nested(100000), [] {
        model::ParseOptions o;
        o.limits.bytes_max = 1u << 22;
        return o;
    }());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "elements nested deeper than 64 levels");
}

// ---------------------------------------------------------------- the service

TEST_CASE("a_nick_of_the_limit_joins_and_one_byte_more_is_not_acceptable") {
    Harness h;
    h.instant_room(romeo, room, "Romeo");
    std::string longest(model::nick_bytes_max, 'n');
    std::string too_long(model::nick_bytes_max + 1, 'n');

    std::string before = h.encoded();
    auto refused = h.join("juliet@localhost/balcony", std::string(room) + "/" + too_long);
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "modify/not-acceptable");
    CHECK(refused[0].child("error")->attribute("by") == room);
    CHECK(h.encoded() == before);

    auto joined = h.join("juliet@localhost/balcony", std::string(room) + "/" + longest);
    CHECK(joined.size() >= 3);
    CHECK(h.service.room(std::string(room))->occupant_by_nick(longest) != nullptr);

    // A nick change to a nick too long is refused the same way.
    before = h.encoded();
    auto change = h.send("<presence from='juliet@localhost/balcony' to='room@conference.localhost/" + too_long + "'/>");
    REQUIRE(change.size() == 1);
    CHECK(error_condition(change[0]) == "modify/not-acceptable");
    CHECK(h.encoded() == before);
}

TEST_CASE("a_room_is_not_created_by_a_join_with_a_nick_too_long") {
    Harness h;
    auto refused = h.join(romeo, "new@conference.localhost/" + std::string(model::nick_bytes_max + 1, 'n'));
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "modify/not-acceptable");
    CHECK(h.service.room_count() == 0);
}

TEST_CASE("registering_or_reserving_a_nick_too_long_is_not_acceptable") {
    Harness h;
    h.instant_room(romeo, room, "Romeo");
    std::string too_long(model::nick_bytes_max + 1, 'n');
    h.set_affiliation(romeo, "juliet@localhost", "member");  // registration is for members
    std::string before = h.encoded();
    auto registered = h.send(
        "<iq type='set' id='r' from='juliet@localhost/balcony' to='room@conference.localhost'>"
        "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>"
        "<field var='muc#register_roomnick'><value>" + too_long + "</value></field></x></query></iq>");
    REQUIRE(registered.size() == 1);
    CHECK(error_condition(registered[0]) == "modify/not-acceptable");
    auto reserved = h.send(
        "<iq type='set' id='a' from='romeo@localhost/pda' to='room@conference.localhost'>"
        "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='juliet@localhost' nick='" +
        too_long + "'/></query></iq>");
    REQUIRE(reserved.size() == 1);
    CHECK(error_condition(reserved[0]) == "modify/not-acceptable");
    CHECK(h.encoded() == before);
}

TEST_CASE("occupants_past_the_room_limit_get_resource_constraint") {
    Harness h;
    h.instant_room(romeo, room, "Romeo");
    for (std::size_t i = 1; i < model::occupants_max; ++i) {
        auto joined = h.join(user(static_cast<int>(i)), std::string(room) + "/u" + std::to_string(i));
        REQUIRE_FALSE(joined.empty());
    }
    REQUIRE(h.service.room(std::string(room))->occupants().size() == model::occupants_max);
    std::string before = h.encoded();
    auto refused = h.join("late@localhost/r", std::string(room) + "/Late");
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "wait/resource-constraint");
    CHECK(h.encoded() == before);
    // Someone leaves: the next one gets in.
    h.send("<presence type='unavailable' from='user1@localhost/r' to='room@conference.localhost/u1'/>");
    CHECK(h.join("late@localhost/r", std::string(room) + "/Late").size() > 1);
}

TEST_CASE("sessions_past_the_occupant_limit_get_resource_constraint") {
    Harness h;
    h.instant_room(romeo, room, "Romeo");
    for (std::size_t i = 1; i < model::sessions_per_occupant_max; ++i) {
        REQUIRE_FALSE(h.join("romeo@localhost/s" + std::to_string(i), std::string(room) + "/Romeo").empty());
    }
    REQUIRE(h.service.room(std::string(room))->occupant_by_nick("Romeo")->sessions.size() ==
            model::sessions_per_occupant_max);
    std::string before = h.encoded();
    auto refused = h.join("romeo@localhost/one-more", std::string(room) + "/Romeo");
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "wait/resource-constraint");
    CHECK(h.encoded() == before);
}

TEST_CASE("rooms_past_the_service_limit_get_resource_constraint_and_nothing_changes") {
    Harness h;
    for (std::size_t i = 0; i < model::rooms_max; ++i) {
        h.join(romeo, "r" + std::to_string(i) + "@conference.localhost/Romeo");
    }
    REQUIRE(h.service.room_count() == model::rooms_max);
    std::string before = h.encoded();
    auto refused = h.join(romeo, "one-too-many@conference.localhost/Romeo");
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "wait/resource-constraint");
    CHECK(refused[0].child("error")->attribute("by") == "conference.localhost");
    CHECK(h.encoded() == before);
}

TEST_CASE("history_length_is_capped_and_a_joiner_gets_at_most_the_cap") {
    Harness h;
    h.instant_room(romeo, room, "Romeo");
    auto configured = h.configure(romeo, room, "<field var='muc#roomconfig_historylength'><value>100000</value></field>");
    REQUIRE_FALSE(configured.empty());
    CHECK(h.service.room(std::string(room))->config().history_length == model::history_max);
    for (int i = 0; i < model::history_max + 50; ++i) {
        h.send("<message type='groupchat' from='romeo@localhost/pda' to='room@conference.localhost'><body>m" +
               std::to_string(i) + "</body></message>");
    }
    CHECK(h.service.room(std::string(room))->history().size() == static_cast<std::size_t>(model::history_max));
    auto joined = h.join("juliet@localhost/balcony", std::string(room) + "/Juliet",
                         "<history maxstanzas='100000'/>");
    int history = 0;
    for (const auto& stanza : joined) {
        if (stanza.name == "message" && stanza.child("body") != nullptr) ++history;
    }
    CHECK(history == model::history_max);
}
