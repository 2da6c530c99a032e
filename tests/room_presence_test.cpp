// Joining, sessions, nick changes, leaving, probes and bounces (prosody-muc.md §1, §2).
#include <doctest/doctest.h>

#include "model/room.hpp"
#include "muc_harness.hpp"

using namespace mucsim::test;
using mucsim::model::Role;

namespace {

constexpr std::string_view romeo = "romeo@localhost/pda";
constexpr std::string_view juliet = "juliet@localhost/balcony";
constexpr std::string_view juliet_phone = "juliet@localhost/phone";
constexpr std::string_view mercutio = "mercutio@localhost/street";
constexpr std::string_view room = "room@conference.localhost";

}  // namespace

TEST_CASE("creation_gives_the_creator_201_owner_item_110_then_an_empty_subject") {
    Harness h;
    auto out = h.join(romeo, "room@conference.localhost/Romeo");
    REQUIRE(out.size() == 2);
    CHECK(str(out[0]) ==
          "<presence xml:lang=\"en\" from=\"room@conference.localhost/Romeo\" to=\"romeo@localhost/pda\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><status code=\"201\"/>"
          "<item affiliation=\"owner\" role=\"moderator\" jid=\"romeo@localhost/pda\"/><status code=\"110\"/></x>"
          "</presence>");
    CHECK(str(out[1]) ==
          "<message from=\"room@conference.localhost\" to=\"romeo@localhost/pda\" type=\"groupchat\"><subject/></message>");
    REQUIRE(h.service.room("room@conference.localhost") != nullptr);
    CHECK(h.service.room("room@conference.localhost")->locked());
}

TEST_CASE("new_room_refuses_joins_with_item_not_found_by_the_service_until_configured") {
    Harness h;
    h.join(romeo, "room@conference.localhost/Romeo");
    auto refused = h.join(juliet, "room@conference.localhost/Juliet");
    REQUIRE(refused.size() == 1);
    CHECK(str(refused[0]) ==
          "<presence from=\"room@conference.localhost/Juliet\" to=\"juliet@localhost/balcony\" type=\"error\">"
          "<error type=\"cancel\" by=\"conference.localhost\">"
          "<item-not-found xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></presence>");
    auto unlocked = h.send(
        "<iq type='set' id='i1' from='romeo@localhost/pda' to='room@conference.localhost'>"
        "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
    REQUIRE(unlocked.size() == 1);  // nothing changed: no status message
    CHECK(str(unlocked[0]) == "<iq from=\"room@conference.localhost\" to=\"romeo@localhost/pda\" id=\"i1\" type=\"result\"/>");
    CHECK_FALSE(h.service.room("room@conference.localhost")->locked());
    CHECK(h.join(juliet, "room@conference.localhost/Juliet").size() == 4);
}

TEST_CASE("lock_of_an_unconfigured_room_expires_after_five_minutes") {
    Harness h;
    h.join(romeo, "room@conference.localhost/Romeo");
    h.now_ms += 5 * 60 * 1000 - 1;
    CHECK(error_condition(h.join(juliet, "room@conference.localhost/Juliet").at(0)) == "cancel/item-not-found");
    h.now_ms += 1;
    auto joined = h.join(juliet, "room@conference.localhost/Juliet");
    CHECK(joined.size() == 4);
    CHECK_FALSE(h.service.room("room@conference.localhost")->locked());
}

// XEP-0045 §10.1.3, Example 162 (Prosody: a result, and the room stays locked).
TEST_CASE("cancelling_the_initial_configuration_destroys_the_room") {
    Harness h;
    h.join(romeo, "room@conference.localhost/Romeo");
    auto cancelled = h.send(
        "<iq type='set' id='c' from='romeo@localhost/pda' to='room@conference.localhost'>"
        "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query></iq>");
    REQUIRE(cancelled.size() == 2);
    CHECK(str(cancelled[0]) ==
          "<presence type=\"unavailable\" from=\"room@conference.localhost/Romeo\" to=\"romeo@localhost/pda\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><destroy/>"
          "<item affiliation=\"owner\" role=\"none\" jid=\"romeo@localhost/pda\"/><status code=\"110\"/></x></presence>");
    CHECK(cancelled[1].attribute("type") == "result");
    CHECK(h.service.room_count() == 0);
    // The next to enter creates it afresh.
    CHECK(statuses(h.join(juliet, "room@conference.localhost/Juliet").at(0)) == std::vector<int>{201, 110});
}

// XEP-0045 §10.1.3, last paragraph (Prosody destroys the room silently).
TEST_CASE("owner_leaving_before_configuring_gets_a_destroy_and_the_room_goes") {
    Harness h;
    h.join(romeo, "room@conference.localhost/Romeo");
    auto out = h.send("<presence type='unavailable' from='romeo@localhost/pda' to='room@conference.localhost/Romeo'>"
                      "<status>Bye</status></presence>");
    REQUIRE(out.size() == 1);
    CHECK(str(out[0]) ==
          "<presence type=\"unavailable\" from=\"room@conference.localhost/Romeo\" to=\"romeo@localhost/pda\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><destroy/>"
          "<item affiliation=\"owner\" role=\"none\" jid=\"romeo@localhost/pda\"/><status code=\"110\"/></x></presence>");
    CHECK(h.service.room_count() == 0);
    // Losing the connection is the same: the error bounce of a session.
    h.join(romeo, "room@conference.localhost/Romeo");
    auto bounced = h.send("<presence type='error' from='romeo@localhost/pda' to='room@conference.localhost/Romeo'>"
                          "<error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
    REQUIRE(bounced.size() == 1);
    CHECK(bounced[0].child("x", mucsim::model::ns::muc_user)->child("destroy", mucsim::model::ns::muc_user) != nullptr);
    CHECK(h.service.room_count() == 0);
}

TEST_CASE("joiner_gets_occupants_then_others_see_joiner_then_own_presence_then_subject") {
    Harness h;
    h.instant_room();
    auto out = h.join(juliet, "room@conference.localhost/Juliet");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Romeo -> juliet@localhost/balcony",
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony",
                             "message room@conference.localhost -> juliet@localhost/balcony groupchat",
                         });
    // Semi-anonymous: Juliet, a participant, does not see Romeo's JID; Romeo, a moderator, sees hers.
    CHECK_FALSE(item_of(out[0])->has_attribute("jid"));
    CHECK(item_of(out[0])->attribute("affiliation") == "owner");
    CHECK(statuses(out[0]).empty());
    CHECK(item_of(out[1])->attribute("jid") == juliet);
    CHECK(statuses(out[1]).empty());
    CHECK(item_of(out[2])->attribute("jid") == juliet);
    CHECK(item_of(out[2])->attribute("role") == "participant");
    CHECK(statuses(out[2]) == std::vector<int>{110});
}

TEST_CASE("joiner_of_a_non_anonymous_room_gets_status_100_and_sees_real_jids") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_whois'><value>anyone</value></field>");
    auto out = h.join(juliet, "room@conference.localhost/Juliet");
    REQUIRE(out.size() == 4);
    CHECK(item_of(out[0])->attribute("jid") == romeo);
    CHECK(statuses(out[2]) == std::vector<int>{100, 110});
}

TEST_CASE("join_of_second_session_keeps_one_occupant") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.join(juliet_phone, "room@conference.localhost/Juliet");
    const auto* r = h.service.room("room@conference.localhost");
    REQUIRE(r->occupants().size() == 2);
    REQUIRE(r->occupant_by_nick("Juliet")->sessions.size() == 2);
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Romeo -> juliet@localhost/phone",
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/phone",
                             "message room@conference.localhost -> juliet@localhost/phone groupchat",
                         });
    // Romeo (a moderator) sees both sessions, one item each.
    CHECK(out[1].child("x", mucsim::model::ns::muc_user)->elements("item").size() == 2);
    CHECK(statuses(out[2]) == std::vector<int>{110});
    CHECK(statuses(out[3]) == std::vector<int>{110});
}

TEST_CASE("leaving_session_of_two_sees_itself_go_while_the_occupant_stays") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(juliet_phone, "room@conference.localhost/Juliet");
    auto out = h.send("<presence type='unavailable' from='juliet@localhost/phone' to='room@conference.localhost/Juliet'/>");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/phone unavailable",
                         });
    CHECK(statuses(out[2]) == std::vector<int>{110});
    const auto* r = h.service.room("room@conference.localhost");
    CHECK(r->occupant_by_nick("Juliet")->sessions.size() == 1);
    CHECK(r->occupant_by_session(*mucsim::model::Jid::parse(juliet_phone)) == nullptr);
}

TEST_CASE("nick_change_sends_303_unavailable_then_the_new_nick_to_others_first") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<presence from='juliet@localhost/balcony' to='room@conference.localhost/Jules'/>");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda unavailable",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony unavailable",
                             "presence room@conference.localhost/Jules -> romeo@localhost/pda",
                             "presence room@conference.localhost/Jules -> juliet@localhost/balcony",
                         });
    CHECK(statuses(out[0]) == std::vector<int>{303});
    CHECK(item_of(out[0])->attribute("nick") == "Jules");
    CHECK(item_of(out[0])->attribute("role") == "participant");  // the unchanged role, not none
    CHECK(statuses(out[1]) == std::vector<int>{303, 110});
    CHECK(statuses(out[2]).empty());
    CHECK(statuses(out[3]) == std::vector<int>{110});
    const auto* r = h.service.room("room@conference.localhost");
    CHECK(r->occupant_by_nick("Juliet") == nullptr);
    CHECK(r->occupant_by_nick("Jules") != nullptr);
}

TEST_CASE("nick_in_use_by_another_user_is_a_conflict_for_joins_and_changes") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto join = h.join(mercutio, "room@conference.localhost/Juliet");
    REQUIRE(join.size() == 1);
    CHECK(error_condition(join[0]) == "cancel/conflict");
    CHECK(join[0].child("error")->attribute("by") == room);
    auto change = h.send("<presence from='romeo@localhost/pda' to='room@conference.localhost/Juliet'/>");
    REQUIRE(change.size() == 1);
    CHECK(error_condition(change[0]) == "cancel/conflict");
}

TEST_CASE("nicks_must_pass_strict_prep_and_be_visible") {
    Harness h;
    h.instant_room();
    auto emoji = h.join(juliet, "room@conference.localhost/\xF0\x9F\xA4\x96");  // U+1F916, unassigned in Unicode 3.2
    REQUIRE(emoji.size() == 1);
    CHECK(error_condition(emoji[0]) == "modify/jid-malformed");
    CHECK(emoji[0].child("error")->child_text("text") == "Nickname must pass strict validation");
    auto blank = h.join(juliet, "room@conference.localhost/ ");
    REQUIRE(blank.size() == 1);
    CHECK(error_condition(blank[0]) == "modify/not-allowed");
    CHECK(blank[0].child("error")->child_text("text") == "Invisible Nicknames are forbidden");
}

TEST_CASE("presence_without_muc_x_from_a_stranger_is_item_not_found") {
    Harness h;
    h.instant_room();
    auto out = h.send("<presence from='juliet@localhost/balcony' to='room@conference.localhost/Juliet'/>");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "cancel/item-not-found");
    CHECK(out[0].child("error")->child_text("text") == "You are not currently connected to this chat");
}

TEST_CASE("password_is_checked_on_join_but_not_for_the_creator") {
    Harness h;
    h.join(romeo, "room@conference.localhost/Romeo", "<password>secret</password>");
    h.send("<iq type='set' id='i' from='romeo@localhost/pda' to='room@conference.localhost'>"
           "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
    CHECK(h.service.room("room@conference.localhost")->config().password == "secret");
    CHECK(error_condition(h.join(juliet, "room@conference.localhost/Juliet").at(0)) == "auth/not-authorized");
    CHECK(error_condition(h.join(juliet, "room@conference.localhost/Juliet", "<password>wrong</password>").at(0)) ==
          "auth/not-authorized");
    CHECK(h.join(juliet, "room@conference.localhost/Juliet", "<password>secret</password>").size() == 4);
}

TEST_CASE("leave_via_the_bare_room_jid_keeps_the_status_and_goes_to_others_first") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send(
        "<presence type='unavailable' from='juliet@localhost/balcony' to='room@conference.localhost'>"
        "<status>Farewell</status></presence>");
    REQUIRE(out.size() == 2);
    CHECK(str(out[0]) ==
          "<presence type=\"unavailable\" from=\"room@conference.localhost/Juliet\" to=\"romeo@localhost/pda\">"
          "<status>Farewell</status><x xmlns=\"http://jabber.org/protocol/muc#user\">"
          "<item affiliation=\"none\" role=\"none\" jid=\"juliet@localhost/balcony\"/></x></presence>");
    CHECK(out[1].attribute("to") == juliet);
    CHECK(statuses(out[1]) == std::vector<int>{110});
}

// XEP-0045 §7.2.1, Example 19 (Prosody: service-unavailable).
TEST_CASE("join_without_a_nick_is_jid_malformed_other_stranger_presence_to_the_bare_room_service_unavailable") {
    Harness h;
    h.instant_room();
    std::string before = h.encoded();
    auto out = h.send("<presence from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
    REQUIRE(out.size() == 1);
    CHECK(str(out[0]) ==
          "<presence from=\"room@conference.localhost\" to=\"juliet@localhost/balcony\" type=\"error\">"
          "<error type=\"modify\"><jid-malformed xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></presence>");
    CHECK(error_condition(h.send("<presence from='juliet@localhost/balcony' to='room@conference.localhost'/>").at(0)) ==
          "modify/jid-malformed");
    auto typed = h.send("<presence type='unavailable' from='juliet@localhost/balcony' to='room@conference.localhost'/>");
    REQUIRE(typed.size() == 1);
    CHECK(error_condition(typed[0]) == "cancel/service-unavailable");
    CHECK_FALSE(typed[0].child("error")->has_attribute("by"));
    CHECK(h.encoded() == before);
}

TEST_CASE("last_occupant_leaving_destroys_a_temporary_room_silently") {
    Harness h;
    h.instant_room();
    auto out = h.send("<presence type='unavailable' from='romeo@localhost/pda' to='room@conference.localhost/Romeo'/>");
    REQUIRE(out.size() == 1);
    CHECK(h.service.room_count() == 0);
}

TEST_CASE("persistent_room_survives_its_last_occupant") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_persistentroom'><value>1</value></field>");
    h.send("<presence type='unavailable' from='romeo@localhost/pda' to='room@conference.localhost/Romeo'/>");
    REQUIRE(h.service.room_count() == 1);
    CHECK(h.service.room("room@conference.localhost")->occupants().empty());
}

TEST_CASE("presence_update_goes_to_others_then_to_self_with_110") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<presence from='juliet@localhost/balcony' to='room@conference.localhost/Juliet'><show>away</show></presence>");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony",
                         });
    CHECK(out[0].child_text("show") == "away");
    CHECK(statuses(out[1]) == std::vector<int>{110});
}

TEST_CASE("probe_answers_occupants_only_with_the_target_presence_or_a_reserved_nick") {
    Harness h;
    h.instant_room();
    auto stranger = h.send("<presence type='probe' from='juliet@localhost/balcony' to='room@conference.localhost/Romeo'/>");
    REQUIRE(stranger.size() == 1);
    CHECK(error_condition(stranger[0]) == "cancel/not-acceptable");
    auto self = h.send("<presence type='probe' from='romeo@localhost/pda' to='room@conference.localhost/Romeo'/>");
    REQUIRE(self.size() == 1);
    CHECK(statuses(self[0]).empty());
    CHECK(item_of(self[0])->attribute("jid") == romeo);
    CHECK(h.send("<presence type='probe' from='romeo@localhost/pda' to='room@conference.localhost/Nobody'/>").empty());
    h.send("<iq type='set' id='m' from='romeo@localhost/pda' to='room@conference.localhost'>"
           "<query xmlns='http://jabber.org/protocol/muc#admin'>"
           "<item affiliation='member' jid='mercutio@localhost' nick='Mercutio'/></query></iq>");
    auto reserved = h.send("<presence type='probe' from='romeo@localhost/pda' to='room@conference.localhost/Mercutio'/>");
    REQUIRE(reserved.size() == 1);
    CHECK(str(reserved[0]) ==
          "<presence from=\"room@conference.localhost/Mercutio\" to=\"romeo@localhost/pda\" type=\"unavailable\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><item affiliation=\"member\" role=\"none\" "
          "nick=\"Mercutio\" jid=\"mercutio@localhost\"/></x></presence>");
}

TEST_CASE("error_presence_from_an_occupant_removes_it_with_333") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_whois'><value>anyone</value></field>");
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send(
        "<presence type='error' from='juliet@localhost/balcony' to='room@conference.localhost'>"
        "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Test error</text></error></presence>");
    REQUIRE(out.size() == 2);
    CHECK(out[0].attribute("to") == romeo);
    CHECK(out[0].child_text("status") == "Kicked: service unavailable: Test error");
    CHECK(statuses(out[0]) == std::vector<int>{333});
    CHECK(item_of(out[0])->attribute("role") == "none");
    CHECK(h.service.room("room@conference.localhost")->occupant_by_nick("Juliet") == nullptr);
}

TEST_CASE("history_is_sent_with_delay_stamps_and_history_limits") {
    Harness h;
    h.instant_room();
    h.send("<message type='groupchat' id='m1' from='romeo@localhost/pda' to='room@conference.localhost'><body>one</body></message>");
    h.now_ms += 61 * 1000;
    h.send("<message type='groupchat' id='m2' from='romeo@localhost/pda' to='room@conference.localhost'><body>two</body></message>");
    auto out = h.join(juliet, "room@conference.localhost/Juliet");
    REQUIRE(out.size() == 6);
    CHECK(str(out[3]) ==
          "<message type=\"groupchat\" id=\"m1\" from=\"room@conference.localhost/Romeo\" to=\"juliet@localhost/balcony\">"
          "<body>one</body><delay xmlns=\"urn:xmpp:delay\" from=\"room@conference.localhost\" "
          "stamp=\"2025-01-01T12:00:00Z\"/></message>");
    CHECK(out[4].child("delay", mucsim::model::ns::delay)->attribute("stamp") == "2025-01-01T12:01:01Z");
    CHECK(out[5].child("subject") != nullptr);
    auto none = h.join(mercutio, "room@conference.localhost/Mercutio", "<history maxstanzas='0'/>");
    CHECK(to(none, mercutio).size() == 4);  // Romeo, Juliet, self, subject
    auto last = h.join("benvolio@localhost/x", "room@conference.localhost/Benvolio", "<history seconds='30'/>");
    auto mine = to(last, "benvolio@localhost/x");
    REQUIRE(mine.size() == 6);
    CHECK(mine[4].attribute("id") == "m2");
}

TEST_CASE("resync_join_with_muc_x_resends_list_presence_history_and_subject") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.join(juliet, "room@conference.localhost/Juliet");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Romeo -> juliet@localhost/balcony",
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony",
                             "message room@conference.localhost -> juliet@localhost/balcony groupchat",
                         });
    CHECK(statuses(out[2]) == std::vector<int>{110});
}

TEST_CASE("presence_broadcast_limited_to_moderators_hides_participants") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_presencebroadcast'><value>moderator</value></field>");
    auto out = h.join(juliet, "room@conference.localhost/Juliet");
    CHECK(to(out, romeo).empty());
    CHECK(to(out, juliet).size() == 3);
}

TEST_CASE("offline_affiliated_users_with_reserved_nicks_are_listed_when_none_is_broadcast") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room,
                "<field var='muc#roomconfig_presencebroadcast'><value>none</value><value>participant</value>"
                "<value>moderator</value></field>");
    h.send("<iq type='set' id='m' from='romeo@localhost/pda' to='room@conference.localhost'>"
           "<query xmlns='http://jabber.org/protocol/muc#admin'>"
           "<item affiliation='member' jid='mercutio@localhost' nick='Mercutio'/></query></iq>");
    auto out = h.join(juliet, "room@conference.localhost/Juliet");
    REQUIRE(out.size() == 5);
    CHECK(str(out[1]) ==
          "<presence from=\"room@conference.localhost/Mercutio\" to=\"juliet@localhost/balcony\" type=\"unavailable\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><item affiliation=\"member\" role=\"none\" "
          "nick=\"Mercutio\"/></x></presence>");
}

TEST_CASE("moderated_room_admits_the_unaffiliated_as_visitors") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_moderatedroom'><value>1</value></field>");
    h.join(juliet, "room@conference.localhost/Juliet");
    CHECK(h.service.room("room@conference.localhost")->occupant_by_nick("Juliet")->role == Role::visitor);
}
