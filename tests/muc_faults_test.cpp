// Each injectable fault changes the service's behaviour the way its name says.
#include <doctest/doctest.h>

#include "model/faults.hpp"
#include "model/room.hpp"
#include "muc_harness.hpp"

using namespace mucsim::test;
using mucsim::model::Fault;

namespace {

constexpr std::string_view romeo = "romeo@localhost/pda";
constexpr std::string_view juliet = "juliet@localhost/balcony";
constexpr std::string_view mercutio = "mercutio@localhost/street";
constexpr std::string_view room = "room@conference.localhost";

Harness with_fault(Fault fault) {
    mucsim::model::ServiceConfig config;
    config.faults.add(fault);
    return Harness{mucsim::model::MucService(config)};
}

}  // namespace

TEST_CASE("fault_drop_nonoccupant_affiliation_notice_sends_only_the_result") {
    Harness h = with_fault(Fault::drop_nonoccupant_affiliation_notice);
    h.instant_room();
    CHECK(routes(h.set_affiliation(romeo, "juliet@localhost", "member")) ==
          std::vector<std::string>{"iq room@conference.localhost -> romeo@localhost/pda result"});
}

TEST_CASE("fault_skip_affiliation_presence_tells_only_the_target") {
    Harness h = with_fault(Fault::skip_affiliation_presence);
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.set_affiliation(romeo, "juliet@localhost", "member");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony",
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                         });
}

TEST_CASE("fault_wrong_ban_status_uses_307") {
    Harness h = with_fault(Fault::wrong_ban_status);
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    CHECK(statuses(h.set_affiliation(romeo, "juliet@localhost", "outcast").at(0)) == std::vector<int>{307});
}

TEST_CASE("fault_self_presence_before_others_and_missing_110_reshape_the_join") {
    Harness early = with_fault(Fault::self_presence_before_others);
    early.instant_room();
    auto out = early.join(juliet, "room@conference.localhost/Juliet");
    REQUIRE(out.size() == 4);
    CHECK(out[1].attribute("from") == "room@conference.localhost/Juliet");
    CHECK(out[1].attribute("to") == juliet);
    CHECK(out[2].attribute("from") == "room@conference.localhost/Romeo");
    Harness no110 = with_fault(Fault::missing_status_110);
    no110.instant_room();
    auto own = to(no110.join(juliet, "room@conference.localhost/Juliet"), juliet);
    CHECK(statuses(own.at(1)).empty());
}

TEST_CASE("fault_skip_leave_broadcast_tells_only_the_leaver") {
    Harness h = with_fault(Fault::skip_leave_broadcast);
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<presence type='unavailable' from='juliet@localhost/balcony' to='room@conference.localhost/Juliet'/>");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony unavailable"});
}

TEST_CASE("fault_leak_real_jid_shows_jids_to_participants") {
    Harness h = with_fault(Fault::leak_real_jid);
    h.instant_room();
    auto out = h.join(juliet, "room@conference.localhost/Juliet");
    CHECK(item_of(out.at(0))->attribute("jid") == romeo);
}

TEST_CASE("fault_admit_outcast_lets_the_banned_in") {
    Harness h = with_fault(Fault::admit_outcast);
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "outcast");
    CHECK(h.join(juliet, "room@conference.localhost/Juliet").size() == 4);
}

TEST_CASE("fault_skip_members_only_kick_leaves_non_members_inside") {
    Harness h = with_fault(Fault::skip_members_only_kick);
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    h.configure(romeo, room, "<field var='muc#roomconfig_membersonly'><value>1</value></field>");
    CHECK(h.service.room(std::string(room))->occupants().size() == 2);
}

TEST_CASE("fault_drop_iq_reply_and_allow_last_owner_removal") {
    Harness silent = with_fault(Fault::drop_iq_reply);
    silent.instant_room();
    CHECK(silent.set_affiliation(romeo, "juliet@localhost", "member").size() == 1);  // the notice only
    Harness ownerless = with_fault(Fault::allow_last_owner_removal);
    ownerless.instant_room();
    CHECK(ownerless.set_affiliation(romeo, "romeo@localhost", "member").back().attribute("type") == "result");
}

TEST_CASE("fault_ignore_nick_conflict_hands_the_nick_to_the_newcomer") {
    Harness h = with_fault(Fault::ignore_nick_conflict);
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.join(mercutio, "room@conference.localhost/Juliet");
    CHECK(out.size() == 4);
    const auto* r = h.service.room(std::string(room));
    CHECK(r->occupant_by_nick("Juliet")->bare_jid.str() == "mercutio@localhost");
    r->check_invariants();
}

TEST_CASE("fault_drop_nick_change_presence_keeps_the_new_nick_from_others") {
    Harness h = with_fault(Fault::drop_nick_change_presence);
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<presence from='juliet@localhost/balcony' to='room@conference.localhost/Jules'/>");
    CHECK(to(out, romeo).size() == 1);
    CHECK(to(out, juliet).size() == 2);
}

TEST_CASE("fault_visitor_may_speak_broadcasts_visitors") {
    Harness h = with_fault(Fault::visitor_may_speak);
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_moderatedroom'><value>1</value></field>");
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<message type='groupchat' id='v' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<body>hi</body></message>");
    CHECK(out.size() == 2);
    CHECK(out[0].attribute("type") == "groupchat");
}
