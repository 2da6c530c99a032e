// Groupchat, subject, private messages, invitations, voice requests, iqs
// between occupants (prosody-muc.md §5).
#include <doctest/doctest.h>

#include "model/room.hpp"
#include "muc_harness.hpp"

using namespace mucsim::test;

namespace {

constexpr std::string_view romeo = "romeo@localhost/pda";
constexpr std::string_view juliet = "juliet@localhost/balcony";
constexpr std::string_view juliet_phone = "juliet@localhost/phone";
constexpr std::string_view mercutio = "mercutio@localhost/street";
constexpr std::string_view room = "room@conference.localhost";

}  // namespace

TEST_CASE("groupchat_is_echoed_to_every_session_with_the_same_id") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(juliet_phone, "room@conference.localhost/Juliet");
    auto out = h.send("<message type='groupchat' id='rm1' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<body>Where art thou?</body></message>");
    CHECK(routes(out) == std::vector<std::string>{
                             "message room@conference.localhost/Romeo -> romeo@localhost/pda groupchat",
                             "message room@conference.localhost/Romeo -> juliet@localhost/balcony groupchat",
                             "message room@conference.localhost/Romeo -> juliet@localhost/phone groupchat",
                         });
    for (const Element& m : out) {
        CHECK(m.attribute("id") == "rm1");
        CHECK(m.child_text("body") == "Where art thou?");
    }
}

TEST_CASE("groupchat_without_id_gets_one_from_the_ids_handed_in") {
    Harness h;
    h.instant_room();
    auto out = h.send("<message type='groupchat' from='romeo@localhost/pda' to='room@conference.localhost'><body>x</body></message>");
    REQUIRE(out.size() == 1);
    CHECK(out[0].attribute("id") == "id1");
    auto stranger = h.send("<message type='groupchat' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                           "<body>x</body></message>");
    REQUIRE(stranger.size() == 1);
    CHECK(error_condition(stranger[0]) == "cancel/not-acceptable");
    CHECK(stranger[0].attribute("id") == "id2");
    CHECK_FALSE(stranger[0].child("error")->has_attribute("by"));
}

TEST_CASE("visitors_may_not_speak_in_moderated_rooms") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_moderatedroom'><value>1</value></field>");
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<message type='groupchat' id='v' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<body>May I?</body></message>");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "auth/forbidden");
    CHECK(out[0].child("error")->child_text("text") == "You do not currently have permission to speak in this chat");
}

TEST_CASE("subject_change_is_broadcast_and_sent_to_joiners_with_a_delay") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto refused = h.send("<message type='groupchat' id='s' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                          "<subject>Mine</subject></message>");
    CHECK(error_condition(refused.at(0)) == "auth/forbidden");
    CHECK(refused[0].child("error")->child_text("text") == "You are not allowed to change the subject");
    auto out = h.send("<message type='groupchat' id='s' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<subject>Verona</subject></message>");
    REQUIRE(out.size() == 2);
    CHECK(str(out[1]) ==
          "<message from=\"room@conference.localhost/Romeo\" to=\"juliet@localhost/balcony\" type=\"groupchat\">"
          "<subject>Verona</subject></message>");
    CHECK(h.send("<message type='groupchat' id='s' from='romeo@localhost/pda' to='room@conference.localhost'>"
                 "<subject>Verona</subject></message>")
              .empty());
    auto joined = h.join(mercutio, "room@conference.localhost/Mercutio");
    CHECK(str(joined.back()) ==
          "<message from=\"room@conference.localhost/Romeo\" to=\"mercutio@localhost/street\" type=\"groupchat\">"
          "<subject>Verona</subject><delay xmlns=\"urn:xmpp:delay\" from=\"room@conference.localhost\" "
          "stamp=\"2025-01-01T12:00:00Z\"/></message>");
}

TEST_CASE("message_with_subject_and_body_is_an_ordinary_message") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<message type='groupchat' id='b' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<subject>Not a topic</subject><body>hello</body></message>");
    REQUIRE(out.size() == 2);
    CHECK(out[0].child_text("subject") == "Not a topic");
    CHECK(h.service.room(std::string(room))->subject().text.empty());
    CHECK(h.service.room(std::string(room))->history().size() == 1);
}

TEST_CASE("delays_claiming_to_be_from_the_room_are_stripped") {
    Harness h;
    h.instant_room();
    auto out = h.send("<message type='groupchat' id='d' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<body>x</body><delay xmlns='urn:xmpp:delay' from='room@conference.localhost' stamp='2000-01-01T00:00:00Z'/>"
                      "</message>");
    REQUIRE(out.size() == 1);
    CHECK(out[0].child("delay", mucsim::model::ns::delay) == nullptr);
}

TEST_CASE("history_keeps_at_most_history_length_messages") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_historylength'><value>2</value></field>");
    for (int i = 0; i < 5; ++i) {
        h.send("<message type='groupchat' id='m" + std::to_string(i) +
               "' from='romeo@localhost/pda' to='room@conference.localhost'><body>x</body></message>");
    }
    const auto& history = h.service.room(std::string(room))->history();
    REQUIRE(history.size() == 2);
    CHECK(history[0].message.attribute("id") == "m3");
    CHECK(history[1].message.attribute("id") == "m4");
}

TEST_CASE("private_message_reaches_every_session_of_the_recipient_from_the_senders_nick") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(juliet_phone, "room@conference.localhost/Juliet");
    auto out = h.send("<message type='chat' id='pm' from='romeo@localhost/pda' to='room@conference.localhost/Juliet'>"
                      "<body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'><item/></x></message>");
    REQUIRE(out.size() == 2);
    CHECK(str(out[0]) ==
          "<message type=\"chat\" id=\"pm\" from=\"room@conference.localhost/Romeo\" to=\"juliet@localhost/balcony\">"
          "<body>psst</body><x xmlns=\"http://jabber.org/protocol/muc#user\"/></message>");
    CHECK(out[1].attribute("to") == juliet_phone);
    auto stranger = h.send("<message type='chat' from='mercutio@localhost/street' to='room@conference.localhost/Juliet'/>");
    CHECK(error_condition(stranger.at(0)) == "cancel/not-acceptable");
    CHECK(stranger[0].child("error")->attribute("by") == room);
    auto absent = h.send("<message type='chat' from='romeo@localhost/pda' to='room@conference.localhost/Nobody'/>");
    CHECK(error_condition(absent.at(0)) == "cancel/item-not-found");
    CHECK(absent[0].child("error")->child_text("text") == "Recipient not in room");
    auto groupchat = h.send("<message type='groupchat' from='romeo@localhost/pda' to='room@conference.localhost/Juliet'/>");
    CHECK(error_condition(groupchat.at(0)) == "modify/bad-request");
}

TEST_CASE("private_message_policy_refuses_with_policy_violation") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_allowpm'><value>moderator</value></field>");
    h.join(juliet, "room@conference.localhost/Juliet");
    auto refused = h.send("<message type='chat' id='p' from='juliet@localhost/balcony' to='room@conference.localhost/Romeo'>"
                          "<body>hi</body></message>");
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "cancel/policy-violation");
    CHECK(refused[0].attribute("from") == "room@conference.localhost/Romeo");
    CHECK(refused[0].child("error")->child_text("text") == "Private messages are restricted from non-moderators");
    CHECK(h.send("<message type='chat' from='romeo@localhost/pda' to='room@conference.localhost/Juliet'><body>hi</body></message>")
              .size() == 1);
}

TEST_CASE("mediated_invite_has_generated_body_conference_x_and_in_room_inviter") {
    Harness h;
    h.instant_room();
    auto out = h.send("<message id='invite1' from='romeo@localhost/pda' to='room@conference.localhost' xml:lang='en'>"
                      "<x xmlns='http://jabber.org/protocol/muc#user'><invite to='juliet@localhost'/></x></message>");
    REQUIRE(out.size() == 1);
    CHECK(str(out[0]) ==
          "<message id=\"invite1\" xml:lang=\"en\" from=\"room@conference.localhost\" to=\"juliet@localhost\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><invite from=\"room@conference.localhost/Romeo\"><reason/>"
          "</invite></x><body>room@conference.localhost/Romeo invited you to the room room@conference.localhost</body>"
          "<x xmlns=\"jabber:x:conference\" jid=\"room@conference.localhost\"/></message>");
}

TEST_CASE("invite_into_a_members_only_room_makes_the_invitee_a_member_first") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room,
                "<field var='muc#roomconfig_membersonly'><value>1</value></field>"
                "<field var='muc#roomconfig_roomsecret'><value>s3</value></field>");
    auto out = h.send("<message id='i' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<x xmlns='http://jabber.org/protocol/muc#user'><invite to='juliet@localhost'><reason>Come</reason>"
                      "</invite></x></message>");
    CHECK(routes(out) == std::vector<std::string>{
                             "message room@conference.localhost -> romeo@localhost/pda",
                             "message room@conference.localhost -> juliet@localhost",
                         });
    CHECK(item_of(out[0])->child_text("reason") == "Invited by room@conference.localhost/Romeo");
    const Element* x = out[1].child("x", mucsim::model::ns::muc_user);
    CHECK(x->child_text("password") == "s3");
    CHECK(out[1].child_text("body") ==
          "room@conference.localhost/Romeo invited you to the room room@conference.localhost (Come)");
    CHECK(out[1].child("x", mucsim::model::ns::conference)->text_content() == "Come");
    CHECK(h.service.room(std::string(room))->affiliation_of(*mucsim::model::Jid::parse("juliet@localhost")) ==
          mucsim::model::Affiliation::member);
    auto outsider = h.send("<message id='i' from='mercutio@localhost/street' to='room@conference.localhost'>"
                           "<x xmlns='http://jabber.org/protocol/muc#user'><invite to='tybalt@localhost'/></x></message>");
    CHECK(error_condition(outsider.at(0)) == "auth/forbidden");
}

TEST_CASE("decline_goes_to_the_inviter_with_a_generated_body") {
    Harness h;
    h.instant_room();
    auto out = h.send("<message from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<x xmlns='http://jabber.org/protocol/muc#user'><decline to='romeo@localhost'>"
                      "<reason>Busy</reason></decline></x></message>");
    REQUIRE(out.size() == 1);
    CHECK(out[0].attribute("to") == "romeo@localhost");
    CHECK(out[0].child("x", mucsim::model::ns::muc_user)->child("decline")->attribute("from") == juliet);
    CHECK(out[0].child_text("body") ==
          "juliet@localhost/balcony declined your invite to the room room@conference.localhost (Busy)");
    auto empty = h.send("<message from='juliet@localhost/balcony' to='room@conference.localhost'>"
                        "<x xmlns='http://jabber.org/protocol/muc#user'/></message>");
    CHECK(error_condition(empty.at(0)) == "cancel/bad-request");
    auto chat = h.send("<message type='chat' from='juliet@localhost/balcony' to='room@conference.localhost'/>");
    CHECK(error_condition(chat.at(0)) == "cancel/service-unavailable");
}

TEST_CASE("voice_request_goes_to_moderators_and_approval_grants_participant") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_moderatedroom'><value>1</value></field>");
    h.join(juliet, "room@conference.localhost/Juliet");
    auto request = h.send("<message from='juliet@localhost/balcony' to='room@conference.localhost'>"
                          "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                          "<value>http://jabber.org/protocol/muc#request</value></field>"
                          "<field var='muc#role'><value>participant</value></field></x></message>");
    REQUIRE(request.size() == 1);
    CHECK(request[0].attribute("to") == romeo);
    CHECK(request[0].attribute("type") == "normal");
    auto approval = h.send("<message from='romeo@localhost/pda' to='room@conference.localhost'>"
                           "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                           "<value>http://jabber.org/protocol/muc#request</value></field>"
                           "<field var='muc#jid'><value>juliet@localhost/balcony</value></field>"
                           "<field var='muc#request_allow'><value>true</value></field></x></message>");
    REQUIRE(approval.size() == 2);
    CHECK(item_of(approval[1])->attribute("role") == "participant");
    CHECK(item_of(approval[1])->child_text("reason") == "Voice granted");
}

TEST_CASE("iq_to_an_occupant_is_forwarded_and_its_result_routed_back") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto forwarded = h.send("<iq type='get' id='v1' from='romeo@localhost/pda' to='room@conference.localhost/Juliet'>"
                            "<query xmlns='jabber:iq:version'/></iq>");
    REQUIRE(forwarded.size() == 1);
    CHECK(forwarded[0].attribute("from") == "room@conference.localhost/Romeo");
    CHECK(forwarded[0].attribute("to") == juliet);
    std::string id(forwarded[0].attribute("id"));
    CHECK(id != "v1");
    auto answer = h.send("<iq type='result' id='" + id +
                         "' from='juliet@localhost/balcony' to='room@conference.localhost/Romeo'/>");
    REQUIRE(answer.size() == 1);
    CHECK(str(answer[0]) ==
          "<iq type=\"result\" id=\"v1\" from=\"room@conference.localhost/Juliet\" to=\"romeo@localhost/pda\"/>");
    auto ping = h.send("<iq type='get' id='p' from='romeo@localhost/pda' to='room@conference.localhost/Romeo'>"
                       "<ping xmlns='urn:xmpp:ping'/></iq>");
    REQUIRE(ping.size() == 1);
    CHECK(ping[0].attribute("type") == "result");
    CHECK(h.send("<iq type='result' id='forged' from='juliet@localhost/balcony' to='room@conference.localhost/Romeo'/>")
              .empty());
}

// XEP-0045 §6.6 (Prosody: not-acceptable, which other iqs from strangers still get).
TEST_CASE("disco_to_an_occupant_from_a_non_occupant_is_bad_request_and_not_forwarded") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    for (std::string_view ns : {"http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items"}) {
        auto out = h.send("<iq type='get' id='peek' from='mercutio@localhost/street' to='room@conference.localhost/Juliet'>"
                          "<query xmlns='" + std::string(ns) + "'/></iq>");
        REQUIRE(out.size() == 1);
        CHECK(out[0].attribute("to") == mercutio);
        CHECK(error_condition(out[0]) == "modify/bad-request");
    }
    auto version = h.send("<iq type='get' id='v' from='mercutio@localhost/street' to='room@conference.localhost/Juliet'>"
                          "<query xmlns='jabber:iq:version'/></iq>");
    REQUIRE(version.size() == 1);
    CHECK(error_condition(version[0]) == "cancel/not-acceptable");
}
