// Affiliation and role changes through muc#admin, and who may read the lists (prosody-muc.md §3).
#include <doctest/doctest.h>

#include "model/room.hpp"
#include "muc_harness.hpp"

using namespace mucsim::test;
using mucsim::model::Affiliation;
using mucsim::model::Jid;

namespace {

constexpr std::string_view romeo = "romeo@localhost/pda";
constexpr std::string_view juliet = "juliet@localhost/balcony";
constexpr std::string_view mercutio = "mercutio@localhost/street";
constexpr std::string_view room = "room@conference.localhost";

Affiliation affiliation(const Harness& h, std::string_view jid) {
    return h.service.room(std::string(room))->affiliation_of(*Jid::parse(jid));
}

}  // namespace

TEST_CASE("affiliation_change_of_non_occupant_tells_moderators_before_the_iq_result") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");  // a participant: not told in a semi-anonymous room
    auto out = h.set_affiliation(romeo, "mercutio@localhost", "member");
    REQUIRE(out.size() == 2);
    CHECK(str(out[0]) ==
          "<message from=\"room@conference.localhost\" to=\"romeo@localhost/pda\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><item affiliation=\"member\" jid=\"mercutio@localhost\"/>"
          "</x></message>");
    CHECK(str(out[1]) == "<iq from=\"room@conference.localhost\" to=\"romeo@localhost/pda\" id=\"aff\" type=\"result\"/>");
    CHECK(affiliation(h, "mercutio@localhost") == Affiliation::member);
}

TEST_CASE("affiliation_change_of_non_occupant_tells_everyone_in_a_non_anonymous_room") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_whois'><value>anyone</value></field>");
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.set_affiliation(romeo, "mercutio@localhost", "outcast");
    CHECK(routes(out) == std::vector<std::string>{
                             "message room@conference.localhost -> romeo@localhost/pda",
                             "message room@conference.localhost -> juliet@localhost/balcony",
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                         });
    CHECK(statuses(out[1]) == std::vector<int>{301});
}

TEST_CASE("affiliation_change_of_occupant_shows_actor_to_others_first_then_to_the_target") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.set_affiliation(romeo, "juliet@localhost", "member");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony",
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                         });
    const auto* seen_by_romeo = item_of(out[0])->child("actor", mucsim::model::ns::muc_user);
    REQUIRE(seen_by_romeo != nullptr);
    CHECK(seen_by_romeo->attribute("nick") == "Romeo");
    CHECK(seen_by_romeo->attribute("jid") == romeo);
    const auto* seen_by_juliet = item_of(out[1])->child("actor", mucsim::model::ns::muc_user);
    REQUIRE(seen_by_juliet != nullptr);
    CHECK_FALSE(seen_by_juliet->has_attribute("jid"));
    CHECK(item_of(out[1])->attribute("affiliation") == "member");
    CHECK(statuses(out[1]) == std::vector<int>{110});
}

TEST_CASE("affiliation_by_nick_only_resolves_the_occupant") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<iq type='set' id='n' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' nick='Juliet'/>"
                      "</query></iq>");
    REQUIRE(out.size() == 3);
    CHECK(out[2].attribute("type") == "result");
    CHECK(affiliation(h, "juliet@localhost") == Affiliation::member);
    CHECK(h.service.room(std::string(room))->reserved_nick_of(*Jid::parse("juliet@localhost")) == "Juliet");
}

// XEP-0045 §8.2 (Prosody sends the result last).
TEST_CASE("kick_tells_the_kicked_occupant_then_the_moderator_then_the_remaining_occupants") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(mercutio, "room@conference.localhost/Mercutio");
    auto out = h.send("<iq type='set' id='k' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Juliet' role='none'>"
                      "<reason>Avaunt</reason></item></query></iq>");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony unavailable",
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda unavailable",
                             "presence room@conference.localhost/Juliet -> mercutio@localhost/street unavailable",
                         });
    CHECK(statuses(out[2]) == std::vector<int>{307});
    CHECK(str(out[0]) ==
          "<presence type=\"unavailable\" from=\"room@conference.localhost/Juliet\" to=\"juliet@localhost/balcony\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><status code=\"307\"/>"
          "<item affiliation=\"none\" role=\"none\" jid=\"juliet@localhost/balcony\"><actor nick=\"Romeo\"/>"
          "<reason>Avaunt</reason></item><status code=\"110\"/></x></presence>");
    CHECK(h.service.room(std::string(room))->occupant_by_nick("Juliet") == nullptr);
}

TEST_CASE("ban_removes_with_301_and_keeps_the_outcast_out") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.set_affiliation(romeo, "juliet@localhost", "outcast");
    REQUIRE(out.size() == 3);
    CHECK(statuses(out[0]) == std::vector<int>{301});
    CHECK(statuses(out[1]) == std::vector<int>{301, 110});
    auto again = h.join(juliet, "room@conference.localhost/Juliet");
    REQUIRE(again.size() == 1);
    CHECK(error_condition(again[0]) == "auth/forbidden");
}

TEST_CASE("domain_ban_removes_and_refuses_everyone_from_that_domain") {
    Harness h;
    h.instant_room();
    h.join("tybalt@capulet.example/sword", "room@conference.localhost/Tybalt");
    auto out = h.set_affiliation(romeo, "capulet.example", "outcast");
    CHECK(statuses(out.at(0)) == std::vector<int>{301});
    CHECK(h.service.room(std::string(room))->occupants().size() == 1);
    CHECK(error_condition(h.join("nurse@capulet.example/x", "room@conference.localhost/Nurse").at(0)) ==
          "auth/forbidden");
}

TEST_CASE("last_owner_cannot_step_down_but_can_with_a_second_owner") {
    Harness h;
    h.instant_room();
    auto refused = h.set_affiliation(romeo, "romeo@localhost", "admin");
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "cancel/conflict");
    CHECK_FALSE(refused[0].child("error")->has_attribute("by"));
    h.set_affiliation(romeo, "juliet@localhost", "owner");
    auto accepted = h.set_affiliation(romeo, "romeo@localhost", "admin");
    CHECK(accepted.back().attribute("type") == "result");
    CHECK(affiliation(h, romeo) == Affiliation::admin);
}

TEST_CASE("refused_affiliation_change_leaves_state_unchanged") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    std::string before = h.encoded();
    // XEP-0045 §9 introduction: forbidden (Prosody: not-allowed).
    CHECK(error_condition(h.set_affiliation(juliet, "mercutio@localhost", "member").at(0)) == "auth/forbidden");
    CHECK(error_condition(h.set_affiliation(romeo, "mercutio@localhost", "king").at(0)) == "modify/not-acceptable");
    CHECK(error_condition(h.set_affiliation(romeo, "mercutio@localhost/x", "member").at(0)) == "modify/jid-malformed");
    CHECK(h.encoded() == before);
}

// XEP-0045 §10.3-§10.8: the owner and admin lists are the owners' (Prosody: not-allowed).
TEST_CASE("admin_manages_members_but_is_forbidden_the_owner_and_admin_lists") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "admin");
    h.set_affiliation(romeo, "mercutio@localhost", "admin");
    CHECK(h.set_affiliation(juliet, "tybalt@localhost", "member").back().attribute("type") == "result");
    std::string before = h.encoded();
    CHECK(error_condition(h.set_affiliation(juliet, "mercutio@localhost", "member").at(0)) == "auth/forbidden");
    CHECK(error_condition(h.set_affiliation(juliet, "tybalt@localhost", "admin").at(0)) == "auth/forbidden");
    CHECK(error_condition(h.set_affiliation(juliet, "tybalt@localhost", "owner").at(0)) == "auth/forbidden");
    CHECK(error_condition(h.set_affiliation(juliet, "juliet@localhost", "member").at(0)) == "auth/forbidden");
    // §9.1, Example 115: banning an owner is not-allowed.
    CHECK(error_condition(h.set_affiliation(juliet, "romeo@localhost", "outcast").at(0)) == "cancel/not-allowed");
    CHECK(h.encoded() == before);
}

// XEP-0045 §9.1 (Prosody: not-allowed for an admin; an owner with a co-owner is banned).
TEST_CASE("admin_or_owner_banning_himself_gets_conflict_and_nothing_changes") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "admin");
    h.set_affiliation(romeo, "nurse@localhost", "owner");  // Romeo is not the last owner
    h.join(juliet, "room@conference.localhost/Juliet");
    std::string before = h.encoded();
    auto admin = h.set_affiliation(juliet, "juliet@localhost", "outcast");
    REQUIRE(admin.size() == 1);
    CHECK(error_condition(admin[0]) == "cancel/conflict");
    auto owner = h.set_affiliation(romeo, "romeo@localhost", "outcast");
    REQUIRE(owner.size() == 1);
    CHECK(error_condition(owner[0]) == "cancel/conflict");
    // Banning one's own domain bans oneself too.
    CHECK(error_condition(h.set_affiliation(romeo, "localhost", "outcast").at(0)) == "cancel/conflict");
    CHECK(h.encoded() == before);
    // Stepping down with a co-owner is still allowed (§10.4).
    CHECK(h.set_affiliation(romeo, "romeo@localhost", "admin").back().attribute("type") == "result");
}

TEST_CASE("granting_moderator_in_a_semi_anonymous_room_resends_the_occupant_list") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(mercutio, "room@conference.localhost/Mercutio");
    auto out = h.set_affiliation(romeo, "juliet@localhost", "admin");
    auto to_juliet = to(out, juliet);
    // Her own presence (110), then everyone else again, now with real JIDs.
    REQUIRE(to_juliet.size() == 3);
    CHECK(statuses(to_juliet[0]) == std::vector<int>{110});
    CHECK(to_juliet[1].attribute("from") == "room@conference.localhost/Romeo");
    CHECK(item_of(to_juliet[1])->attribute("jid") == romeo);
    CHECK(to_juliet[2].attribute("from") == "room@conference.localhost/Mercutio");
    CHECK(item_of(to_juliet[2])->attribute("jid") == mercutio);
    CHECK(out.back().attribute("type") == "result");
}

TEST_CASE("voice_is_granted_and_revoked_by_moderators_only") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(mercutio, "room@conference.localhost/Mercutio");
    auto set_role = [&](std::string_view actor, std::string_view nick, std::string_view role) {
        return h.send("<iq type='set' id='r' from='" + std::string(actor) +
                      "' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item nick='" + std::string(nick) + "' role='" + std::string(role) + "'/></query></iq>");
    };
    CHECK(error_condition(set_role(juliet, "Mercutio", "visitor").at(0)) == "cancel/not-allowed");
    auto devoiced = set_role(romeo, "Mercutio", "visitor");
    REQUIRE(devoiced.size() == 4);
    CHECK(item_of(devoiced[0])->attribute("role") == "visitor");
    CHECK(error_condition(set_role(romeo, "Nobody", "visitor").at(0)) == "modify/item-not-found");
    CHECK(error_condition(set_role(romeo, "Mercutio", "jester").at(0)) == "modify/not-acceptable");
}

// XEP-0045 §10.8 (Prosody lets admins read the admin list).
TEST_CASE("admin_list_is_refused_to_admins_in_semi_anonymous_rooms_only") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "admin");
    auto admins = [&](std::string_view who) {
        return h.send("<iq type='get' id='l' from='" + std::string(who) +
                      "' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item affiliation='admin'/></query></iq>");
    };
    auto refused = admins(juliet);
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "auth/forbidden");
    CHECK(admins(romeo).at(0).attribute("type") == "result");
    h.configure(romeo, room, "<field var='muc#roomconfig_whois'><value>anyone</value></field>");
    auto allowed = admins(juliet);  // the XEP's MAY for non-anonymous rooms, as Prosody
    REQUIRE(allowed.size() == 1);
    CHECK(allowed[0].attribute("type") == "result");
    const auto* listed = allowed[0].child("query", mucsim::model::ns::muc_admin);
    REQUIRE(listed != nullptr);
    REQUIRE(listed->child("item", mucsim::model::ns::muc_admin) != nullptr);
    CHECK(listed->child("item", mucsim::model::ns::muc_admin)->attribute("jid") == "juliet@localhost");
}

TEST_CASE("affiliation_lists_are_for_admins_or_members_of_open_lists") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "member");
    auto list = [&](std::string_view who, std::string_view which) {
        return h.send("<iq type='get' id='l' from='" + std::string(who) +
                      "' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item affiliation='" + std::string(which) + "'/></query></iq>");
    };
    auto members = list(romeo, "member");
    REQUIRE(members.size() == 1);
    CHECK(str(members[0]) ==
          "<iq from=\"room@conference.localhost\" to=\"romeo@localhost/pda\" id=\"l\" type=\"result\">"
          "<query xmlns=\"http://jabber.org/protocol/muc#admin\"><item affiliation=\"member\" jid=\"juliet@localhost\"/>"
          "</query></iq>");
    CHECK(error_condition(list(juliet, "owner").at(0)) == "auth/forbidden");
    h.configure(romeo, room,
                "<field var='muc#roomconfig_membersonly'><value>1</value></field>"
                "<field var='muc#roomconfig_whois'><value>anyone</value></field>");
    CHECK(list(juliet, "owner").at(0).attribute("type") == "result");
    CHECK(error_condition(list(mercutio, "owner").at(0)) == "auth/forbidden");
}

TEST_CASE("role_lists_are_for_moderators_and_carry_every_session") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto list = [&](std::string_view who) {
        return h.send("<iq type='get' id='l' from='" + std::string(who) +
                      "' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item role='participant'/></query></iq>");
    };
    auto participants = list(romeo);
    REQUIRE(participants.size() == 1);
    CHECK(str(participants[0]) ==
          "<iq from=\"room@conference.localhost\" to=\"romeo@localhost/pda\" id=\"l\" type=\"result\">"
          "<query xmlns=\"http://jabber.org/protocol/muc#admin\"><item affiliation=\"none\" role=\"participant\" "
          "jid=\"juliet@localhost/balcony\" nick=\"Juliet\"/></query></iq>");
    CHECK(error_condition(list(juliet).at(0)) == "auth/forbidden");
    auto neither = h.send("<iq type='get' id='l' from='romeo@localhost/pda' to='room@conference.localhost'>"
                          "<query xmlns='http://jabber.org/protocol/muc#admin'><item/></query></iq>");
    CHECK(error_condition(neither.at(0)) == "cancel/bad-request");
}

TEST_CASE("reserving_an_occupied_nick_kicks_the_squatter_first") {
    Harness h;
    h.instant_room();
    h.join(mercutio, "room@conference.localhost/Juliet");
    auto out = h.send("<iq type='set' id='r' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item affiliation='member' jid='juliet@localhost' nick='Juliet'/></query></iq>");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda unavailable",
                             "presence room@conference.localhost/Juliet -> mercutio@localhost/street unavailable",
                             "message room@conference.localhost -> romeo@localhost/pda",
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                         });
    CHECK(statuses(out[0]) == std::vector<int>{307});
    CHECK(item_of(out[0])->child_text("reason") == "This nickname is reserved");
    CHECK(item_of(out[0])->child("actor") == nullptr);
    CHECK(error_condition(h.join(mercutio, "room@conference.localhost/Juliet").at(0)) == "cancel/conflict");
}

TEST_CASE("members_only_room_removes_an_occupant_who_loses_membership_with_321") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_membersonly'><value>1</value></field>");
    h.set_affiliation(romeo, "juliet@localhost", "member");
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.set_affiliation(romeo, "juliet@localhost", "none");
    REQUIRE(out.size() == 3);
    CHECK(statuses(out[0]) == std::vector<int>{321});
    CHECK(item_of(out[0])->attribute("role") == "none");
    CHECK(item_of(out[0])->child("actor")->attribute("jid") == romeo);
    CHECK(out[2].attribute("type") == "result");
    auto outside = h.set_affiliation(romeo, "mercutio@localhost", "member");
    outside = h.set_affiliation(romeo, "mercutio@localhost", "none");
    CHECK(statuses(outside.at(0)) == std::vector<int>{321});
}

namespace {

std::vector<Element> set_role(Harness& h, std::string_view actor, std::string_view nick, std::string_view role) {
    return h.send("<iq type='set' id='r' from='" + std::string(actor) +
                  "' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                  "<item nick='" + std::string(nick) + "' role='" + std::string(role) + "'/></query></iq>");
}

}  // namespace

// XEP-0045 §8.4, §5.1.1 "***" (Prosody lets an owner do it).
TEST_CASE("nobody_revokes_the_voice_of_an_admin_not_even_an_owner") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "admin");
    h.join(juliet, "room@conference.localhost/Juliet");
    std::string before = h.encoded();
    auto out = set_role(h, romeo, "Juliet", "visitor");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "cancel/not-allowed");
    CHECK(error_condition(set_role(h, juliet, "Romeo", "visitor").at(0)) == "cancel/not-allowed");
    CHECK(h.encoded() == before);
    // An owner may still make an admin a participant, and kick her.
    CHECK(set_role(h, romeo, "Juliet", "participant").back().attribute("type") == "result");
    CHECK(error_condition(set_role(h, romeo, "Juliet", "visitor").at(0)) == "cancel/not-allowed");
    CHECK(set_role(h, romeo, "Juliet", "none").at(1).attribute("type") == "result");
}

// XEP-0045 §9.7, Example 145 (Prosody lets an admin do it to an admin).
TEST_CASE("admin_may_not_revoke_the_moderator_role_of_another_admin_but_an_owner_may") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "admin");
    h.set_affiliation(romeo, "mercutio@localhost", "admin");
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(mercutio, "room@conference.localhost/Mercutio");
    std::string before = h.encoded();
    auto refused = set_role(h, juliet, "Mercutio", "participant");
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "cancel/not-allowed");
    CHECK(error_condition(set_role(h, juliet, "Juliet", "participant").at(0)) == "cancel/not-allowed");
    CHECK(h.encoded() == before);
    auto by_owner = set_role(h, romeo, "Mercutio", "participant");
    CHECK(by_owner.back().attribute("type") == "result");
    CHECK(item_of(by_owner.at(0))->attribute("role") == "participant");
}

// XEP-0045 §9.2, Examples 118-119 (Prosody applies only the first item).
TEST_CASE("several_items_in_one_admin_set_all_apply_in_order") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<iq type='set' id='ban3' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item affiliation='outcast' jid='tybalt@localhost'><reason>Treason</reason></item>"
                      "<item affiliation='outcast' jid='juliet@localhost'><reason>Treason</reason></item>"
                      "<item affiliation='member' jid='nurse@localhost'/>"
                      "</query></iq>");
    CHECK(routes(out) == std::vector<std::string>{
                             "message room@conference.localhost -> romeo@localhost/pda",
                             "presence room@conference.localhost/Juliet -> romeo@localhost/pda unavailable",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony unavailable",
                             "message room@conference.localhost -> romeo@localhost/pda",
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                         });
    CHECK(affiliation(h, "tybalt@localhost") == Affiliation::outcast);
    CHECK(affiliation(h, "juliet@localhost") == Affiliation::outcast);
    CHECK(affiliation(h, "nurse@localhost") == Affiliation::member);
    CHECK(h.service.room(std::string(room))->occupant_by_nick("Juliet") == nullptr);
}

// XEP-0045 §9.2 (last paragraph): one refused item refuses the whole request.
TEST_CASE("admin_set_with_one_refused_item_changes_nothing_and_sends_only_the_error") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "admin");
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(mercutio, "room@conference.localhost/Mercutio");
    std::string before = h.encoded();
    auto out = h.send("<iq type='set' id='ban3' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item nick='Mercutio' role='none'/>"
                      "<item affiliation='outcast' jid='mercutio@localhost'/>"
                      "<item affiliation='outcast' jid='romeo@localhost'/>"
                      "</query></iq>");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "cancel/not-allowed");
    CHECK(h.encoded() == before);
    // The same with a malformed last item, and a last owner removing himself and his co-owner.
    out = h.send("<iq type='set' id='m' from='romeo@localhost/pda' to='room@conference.localhost'>"
                 "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                 "<item affiliation='member' jid='nurse@localhost'/><item affiliation='member' jid='a@b/c'/>"
                 "</query></iq>");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "modify/jid-malformed");
    h.set_affiliation(romeo, "nurse@localhost", "owner");
    before = h.encoded();
    out = h.send("<iq type='set' id='o' from='romeo@localhost/pda' to='room@conference.localhost'>"
                 "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                 "<item affiliation='none' jid='nurse@localhost'/><item affiliation='none' jid='romeo@localhost'/>"
                 "</query></iq>");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "cancel/conflict");
    CHECK(h.encoded() == before);
}

TEST_CASE("admin_set_with_too_many_items_is_refused") {
    Harness h;
    h.instant_room();
    std::string items;
    for (std::size_t i = 0; i <= mucsim::model::admin_items_max; ++i) {
        items += "<item affiliation='member' jid='user" + std::to_string(i) + "@localhost'/>";
    }
    std::string before = h.encoded();
    auto out = h.send("<iq type='set' id='m' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#admin'>" + items + "</query></iq>");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "modify/not-acceptable");
    CHECK(h.encoded() == before);
}

// Prosody kicks the occupant holding a nick before it checks who reserves it
// (prosody-muc.md §3.2): anyone could kick anyone. A refused request changes nothing.
TEST_CASE("refused_nick_reservation_kicks_nobody_and_sends_only_the_error") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(mercutio, "room@conference.localhost/Mercutio");
    std::string before = h.encoded();
    auto out = h.send("<iq type='set' id='r' from='mercutio@localhost/street' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item affiliation='member' jid='mercutio@localhost' nick='Juliet'/></query></iq>");
    REQUIRE(out.size() == 1);
    CHECK(routes(out) == std::vector<std::string>{"iq room@conference.localhost -> mercutio@localhost/street error"});
    CHECK(error_condition(out[0]) == "auth/forbidden");
    CHECK(h.encoded() == before);
    CHECK(h.service.room(std::string(room))->occupant_by_nick("Juliet") != nullptr);
}

// XEP-0045 §9.1, §9.2 (Prosody keeps an outcast's reserved nick).
TEST_CASE("ban_removes_the_outcasts_reserved_nick_and_reserves_none") {
    Harness h;
    h.instant_room();
    h.send("<iq type='set' id='m' from='romeo@localhost/pda' to='room@conference.localhost'>"
           "<query xmlns='http://jabber.org/protocol/muc#admin'>"
           "<item affiliation='member' jid='juliet@localhost' nick='Juliet'/></query></iq>");
    const auto* state = h.service.room(std::string(room));
    REQUIRE(state->reserved_nick_of(*Jid::parse("juliet@localhost")) == "Juliet");
    h.set_affiliation(romeo, "juliet@localhost", "outcast");
    CHECK(state->reserved_nick_of(*Jid::parse("juliet@localhost")).empty());
    // Someone else may now take the nick; a ban naming a nick neither reserves it nor
    // evicts whoever holds it.
    CHECK(h.join(mercutio, "room@conference.localhost/Juliet").size() == 4);
    auto out = h.send("<iq type='set' id='b' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item affiliation='outcast' jid='tybalt@localhost' nick='Juliet'/></query></iq>");
    CHECK(out.back().attribute("type") == "result");
    CHECK(state->occupant_by_nick("Juliet") != nullptr);
    CHECK(state->reserved_nick_of(*Jid::parse("tybalt@localhost")).empty());
}
