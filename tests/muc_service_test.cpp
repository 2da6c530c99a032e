// The service as a whole: addressing, missing rooms, the service JID, ad-hoc
// commands, hostile input, snapshots and determinism.
#include "model/muc_service.hpp"

#include <doctest/doctest.h>

#include "muc_harness.hpp"

using namespace mucsim::test;

namespace {

constexpr std::string_view romeo = "romeo@localhost/pda";
constexpr std::string_view juliet = "juliet@localhost/balcony";
constexpr std::string_view admin = "admin@localhost/console";

std::vector<Element> destroy_command(Harness& h, std::string_view who, std::string_view rooms_values) {
    return h.send("<iq type='set' id='destroy' from='" + std::string(who) +
                  "' to='conference.localhost'><command xmlns='http://jabber.org/protocol/commands' "
                  "node='http://prosody.im/protocol/muc#destroy'><x xmlns='jabber:x:data'><field var='rooms'>" +
                  std::string(rooms_values) + "</field></x></command></iq>");
}

}  // namespace

TEST_CASE("ids_are_deterministic_and_counted") {
    mucsim::model::Ids ids("x");
    CHECK(ids.next() == "x1");
    CHECK(ids.next() == "x2");
    CHECK(ids.issued() == 2);
}

TEST_CASE("stanzas_to_missing_rooms_get_item_not_found_by_the_service") {
    Harness h;
    auto message = h.send("<message type='groupchat' id='m' from='juliet@localhost/balcony' to='nowhere@conference.localhost'>"
                          "<body>x</body></message>");
    REQUIRE(message.size() == 1);
    CHECK(str(message[0]) ==
          "<message from=\"nowhere@conference.localhost\" to=\"juliet@localhost/balcony\" id=\"m\" type=\"error\">"
          "<error type=\"cancel\" by=\"conference.localhost\">"
          "<item-not-found xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></message>");
    auto plain = h.send("<presence from='juliet@localhost/balcony' to='nowhere@conference.localhost/Juliet'/>");
    CHECK(error_condition(plain.at(0)) == "cancel/item-not-found");
    auto disco = h.send("<iq type='get' id='d' from='juliet@localhost/balcony' to='nowhere@conference.localhost'>"
                        "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    CHECK(error_condition(disco.at(0)) == "cancel/item-not-found");
    CHECK(disco[0].child("error")->attribute("by") == "conference.localhost");
    auto ping = h.send("<iq type='get' id='p' from='juliet@localhost/balcony' to='nowhere@conference.localhost'>"
                       "<ping xmlns='urn:xmpp:ping'/></iq>");
    CHECK(error_condition(ping.at(0)) == "cancel/service-unavailable");
    auto malformed = h.join(juliet, "\xF0\x9F\xA4\x96@conference.localhost/Juliet");
    CHECK(error_condition(malformed.at(0)) == "modify/jid-malformed");
    CHECK(h.service.room_count() == 0);
}

TEST_CASE("error_stanzas_are_never_answered") {
    Harness h;
    h.instant_room();
    const char* errors[] = {
        "<message type='error' from='juliet@localhost/balcony' to='nowhere@conference.localhost'/>",
        "<presence type='error' from='juliet@localhost/balcony' to='nowhere@conference.localhost/J'/>",
        "<iq type='error' id='e' from='juliet@localhost/balcony' to='conference.localhost'/>",
        "<iq type='error' id='e' from='juliet@localhost/balcony' to='room@conference.localhost'/>",
        "<message type='error' from='juliet@localhost/balcony' to='room@conference.localhost/Romeo'/>",
        "<presence type='error' from='juliet@localhost/balcony' to='room@conference.localhost'/>",
        "<message type='error' from='juliet@localhost/balcony' to='conference.localhost'/>",
    };
    for (const char* text : errors) {
        CAPTURE(text);
        CHECK(h.send(text).empty());
    }
}

TEST_CASE("service_disco_lists_identity_features_and_public_rooms") {
    Harness h;
    auto info = h.send("<iq type='get' id='d' from='juliet@localhost/balcony' to='conference.localhost'>"
                       "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    REQUIRE(info.size() == 1);
    CHECK(str(info[0]) ==
          "<iq from=\"conference.localhost\" to=\"juliet@localhost/balcony\" id=\"d\" type=\"result\">"
          "<query xmlns=\"http://jabber.org/protocol/disco#info\">"
          "<identity category=\"conference\" type=\"text\" name=\"Prosody Chatrooms\"/>"
          "<feature var=\"http://jabber.org/protocol/disco#info\"/><feature var=\"http://jabber.org/protocol/disco#items\"/>"
          "<feature var=\"http://jabber.org/protocol/muc\"/><feature var=\"http://jabber.org/protocol/muc#unique\"/>"
          "<feature var=\"http://jabber.org/protocol/commands\"/></query></iq>");
    h.instant_room();
    auto hidden = h.send("<iq type='get' id='i' from='juliet@localhost/balcony' to='conference.localhost'>"
                         "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    CHECK(hidden.at(0).child("query")->element_count() == 0);
    h.configure(romeo, "room@conference.localhost",
                "<field var='muc#roomconfig_publicroom'><value>1</value></field>"
                "<field var='muc#roomconfig_roomname'><value>Garden</value></field>");
    auto items = h.send("<iq type='get' id='i' from='juliet@localhost/balcony' to='conference.localhost'>"
                        "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    CHECK(str(items.at(0)) ==
          "<iq from=\"conference.localhost\" to=\"juliet@localhost/balcony\" id=\"i\" type=\"result\">"
          "<query xmlns=\"http://jabber.org/protocol/disco#items\">"
          "<item jid=\"room@conference.localhost\" name=\"Garden\"/></query></iq>");
}

TEST_CASE("admin_destroy_command_destroys_listed_rooms_and_reports_them") {
    Harness h;
    h.instant_room(romeo, "elsewhere@conference.localhost", "romeo");
    auto out = destroy_command(h, admin, "<value>elsewhere@conference.localhost</value><value>ghost@conference.localhost</value>");
    REQUIRE(out.size() == 2);
    CHECK(str(out[0]) ==
          "<presence type=\"unavailable\" from=\"elsewhere@conference.localhost/romeo\" to=\"romeo@localhost/pda\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><destroy/>"
          "<item affiliation=\"owner\" role=\"none\" jid=\"romeo@localhost/pda\"/><status code=\"110\"/></x></presence>");
    CHECK(str(out[1]) ==
          "<iq from=\"conference.localhost\" to=\"admin@localhost/console\" id=\"destroy\" type=\"result\">"
          "<command xmlns=\"http://jabber.org/protocol/commands\" node=\"http://prosody.im/protocol/muc#destroy\" "
          "status=\"completed\" sessionid=\"id1\"><note type=\"info\">The following rooms were destroyed:&#10;"
          "elsewhere@conference.localhost</note></command></iq>");
    CHECK(h.service.room_count() == 0);
}

TEST_CASE("destroy_command_is_forbidden_to_non_admins_and_offers_a_form_without_one") {
    Harness h;
    h.instant_room();
    std::string before = h.encoded();
    auto refused = destroy_command(h, juliet, "<value>room@conference.localhost</value>");
    REQUIRE(refused.size() == 1);
    CHECK(error_condition(refused[0]) == "auth/forbidden");
    const Element* command = refused[0].child("command", mucsim::model::ns::commands);
    REQUIRE(command != nullptr);
    CHECK(command->attribute("status") == "canceled");
    CHECK(command->child_text("note") == "You don't have permission to execute this command");
    CHECK(h.encoded() == before);
    auto executing = h.send("<iq type='set' id='x' from='admin@localhost/console' to='conference.localhost'>"
                            "<command xmlns='http://jabber.org/protocol/commands' action='execute' "
                            "node='http://prosody.im/protocol/muc#destroy'/></iq>");
    REQUIRE(executing.size() == 1);
    const Element* started = executing[0].child("command", mucsim::model::ns::commands);
    CHECK(started->attribute("status") == "executing");
    CHECK(started->child("actions")->attribute("execute") == "complete");
    const Element* form = started->child("x", mucsim::model::ns::data_forms);
    REQUIRE(form != nullptr);
    CHECK(form->elements("field")[1]->child("option")->child_text("value") == "room@conference.localhost");
    auto missing = destroy_command(h, admin, "");
    CHECK(missing.at(0).child("command")->child_text("note") == "rooms: Required value missing");
    CHECK(h.encoded() == before);
}

TEST_CASE("set_affiliation_command_changes_without_actor") {
    Harness h;
    h.instant_room();
    auto out = h.send("<iq type='set' id='s' from='admin@localhost/console' to='conference.localhost'>"
                      "<command xmlns='http://jabber.org/protocol/commands' node='http://prosody.im/protocol/muc#set-affiliation'>"
                      "<x xmlns='jabber:x:data' type='submit'><field var='room'><value>room@conference.localhost</value></field>"
                      "<field var='jid'><value>juliet@localhost</value></field>"
                      "<field var='affiliation'><value>admin</value></field></x></command></iq>");
    REQUIRE(out.size() == 2);
    CHECK(out[0].name == "message");
    CHECK(out[1].child("command")->child_text("note") == "Affiliation updated");
    CHECK(h.service.room("room@conference.localhost")->affiliation_of(*mucsim::model::Jid::parse("juliet@localhost")) ==
          mucsim::model::Affiliation::admin);
    auto no_room = h.send("<iq type='set' id='s' from='admin@localhost/console' to='conference.localhost'>"
                          "<command xmlns='http://jabber.org/protocol/commands' node='http://prosody.im/protocol/muc#set-affiliation'>"
                          "<x xmlns='jabber:x:data' type='submit'><field var='room'><value>no@conference.localhost</value></field>"
                          "<field var='jid'><value>juliet@localhost</value></field>"
                          "<field var='affiliation'><value>admin</value></field></x></command></iq>");
    CHECK(no_room.at(0).child("command")->attribute("status") == "canceled");
    CHECK(no_room[0].child("command")->child_text("note") == "No such room");
}

TEST_CASE("unique_room_names_come_from_the_ids") {
    Harness h;
    auto out = h.send("<iq type='get' id='u' from='juliet@localhost/balcony' to='conference.localhost'>"
                      "<unique xmlns='http://jabber.org/protocol/muc#unique'/></iq>");
    REQUIRE(out.size() == 1);
    CHECK(out[0].child("unique")->text_content() == "id1");
    auto owner = h.send("<iq type='get' id='o' from='juliet@localhost/balcony' to='conference.localhost'>"
                        "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
    CHECK(error_condition(owner.at(0)) == "cancel/item-not-found");
}

TEST_CASE("hostile_input_never_crashes_and_refusals_leave_state_unchanged") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    std::string huge_nick(5000, 'n');
    const std::string inputs[] = {
        "<presence to='room@conference.localhost/X'/>",                                   // no from
        "<presence from='' to='room@conference.localhost/X'/>",                           // empty from
        "<presence from='@@@' to='room@conference.localhost/X'/>",                        // garbage from
        "<presence from='mercutio@localhost/s' to='room@@conference.localhost/X'/>",      // garbage to
        "<presence from='mercutio@localhost/s'/>",                                        // no to
        "<presence from='mercutio@localhost/s' to='room@elsewhere.example/X'/>",          // not ours
        "<presence from='mercutio@localhost/s' to='room@conference.localhost/" + huge_nick + "'><x xmlns='http://jabber.org/protocol/muc'/></presence>",
        "<iq type='get' from='mercutio@localhost/s' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",  // no id
        "<iq type='bogus' id='b' from='mercutio@localhost/s' to='room@conference.localhost'/>",
        "<iq type='set' id='b' from='mercutio@localhost/s' to='room@conference.localhost'/>",  // no payload
        "<iq type='set' id='b' from='mercutio@localhost/s' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'/></iq>",
        "<iq type='set' id='b' from='romeo@localhost/pda' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'><item/></query></iq>",
        "<iq type='set' id='b' from='romeo@localhost/pda' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='a@b/c'/></query></iq>",
        "<iq type='set' id='b' from='romeo@localhost/pda' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'><item role='none' nick='Ghost'/></query></iq>",
        "<iq type='get' id='b' from='mercutio@localhost/s' to='room@conference.localhost'><query xmlns='urn:unknown'/></iq>",
        "<message from='mercutio@localhost/s' to='room@conference.localhost'><x xmlns='http://jabber.org/protocol/muc#user'><invite to=''/></x></message>",
        "<message type='groupchat' from='mercutio@localhost/s' to='room@conference.localhost'><body>hi</body></message>",
        "<message type='groupchat' from='mercutio@localhost/s' to='room@conference.localhost'><subject>mine</subject></message>",
        "<message from='mercutio@localhost/s' to='room@conference.localhost/Nobody'/>",
        "<presence type='subscribe' from='mercutio@localhost/s' to='room@conference.localhost/Romeo'/>",
        "<presence type='unavailable' from='mercutio@localhost/s' to='room@conference.localhost/Romeo'/>",
        "<presence type='probe' from='mercutio@localhost/s' to='room@conference.localhost/Romeo'/>",
        "<iq type='result' id='garbage!' from='juliet@localhost/balcony' to='room@conference.localhost/Romeo'/>",
        "<iq type='set' id='c' from='mercutio@localhost/s' to='conference.localhost'><command xmlns='http://jabber.org/protocol/commands' node='urn:nope'/></iq>",
        "<iq type='get' id='c' from='mercutio@localhost/s' to='room@conference.localhost'><query xmlns='jabber:iq:register'/></iq>",
        "<foo from='mercutio@localhost/s' to='room@conference.localhost'/>",
        "<message from='room@conference.localhost' to='room@conference.localhost'/>",
    };
    for (const std::string& input : inputs) {
        CAPTURE(input);
        std::string before = h.encoded();
        auto out = h.send(input);
        for (const Element& reply : out) {
            CHECK_FALSE(reply.attribute("from").empty());
            CHECK_FALSE(reply.attribute("to").empty());
        }
        CHECK(h.encoded() == before);
    }
    CHECK(h.service.room("room@conference.localhost")->occupants().size() == 2);
}

TEST_CASE("copy_is_a_snapshot") {
    Harness h;
    h.instant_room();
    std::string original = h.encoded();
    mucsim::model::MucService copy = h.service;
    std::string copied;
    copy.encode(copied);
    CHECK(copied == original);
    mucsim::model::Ids ids("c");
    copy.handle(xml("<presence from='juliet@localhost/balcony' to='room@conference.localhost/Juliet'>"
                    "<x xmlns='http://jabber.org/protocol/muc'/></presence>"),
                {new_year_ms, &ids});
    std::string changed;
    copy.encode(changed);
    CHECK(changed != original);
    CHECK(h.encoded() == original);
    CHECK(h.service.room("room@conference.localhost")->occupants().size() == 1);
    CHECK(copy.room("room@conference.localhost")->occupants().size() == 2);
}

TEST_CASE("same_inputs_give_the_same_outputs_and_state") {
    auto run = []() {
        Harness h;
        std::vector<std::string> log;
        auto record = [&](const std::vector<Element>& out) {
            for (const Element& e : out) log.push_back(str(e));
        };
        h.instant_room();
        record(h.join(juliet, "room@conference.localhost/Juliet"));
        record(h.send("<message type='groupchat' from='juliet@localhost/balcony' to='room@conference.localhost'><body>a</body></message>"));
        record(h.set_affiliation(romeo, "mercutio@localhost", "member"));
        record(h.send("<presence from='juliet@localhost/balcony' to='room@conference.localhost/Jules'/>"));
        log.push_back(h.encoded());
        return log;
    };
    CHECK(run() == run());
}

TEST_CASE("room_limit_refuses_creation_with_resource_constraint") {
    Harness h;
    for (std::size_t i = 0; i < mucsim::model::rooms_max; ++i) {
        h.join(romeo, "r" + std::to_string(i) + "@conference.localhost/Romeo");
    }
    REQUIRE(h.service.room_count() == mucsim::model::rooms_max);
    auto out = h.join(romeo, "one-too-many@conference.localhost/Romeo");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "wait/resource-constraint");
    CHECK(out[0].child("error")->attribute("by") == "conference.localhost");
}

TEST_CASE("encoding_does_not_depend_on_insertion_order") {
    Harness a;
    a.instant_room(romeo, "alpha@conference.localhost");
    a.instant_room(romeo, "beta@conference.localhost");
    Harness b;
    b.instant_room(romeo, "beta@conference.localhost");
    b.instant_room(romeo, "alpha@conference.localhost");
    CHECK(a.encoded() == b.encoded());
}
