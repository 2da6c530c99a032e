// The owner's configuration form, its status codes and effects, destruction (prosody-muc.md §4, §7).
#include <doctest/doctest.h>

#include "model/room.hpp"
#include "muc_harness.hpp"

using namespace mucsim::test;
using mucsim::model::ns::data_forms;

namespace {

constexpr std::string_view romeo = "romeo@localhost/pda";
constexpr std::string_view juliet = "juliet@localhost/balcony";
constexpr std::string_view mercutio = "mercutio@localhost/street";
constexpr std::string_view room = "room@conference.localhost";

std::vector<std::string> field_vars(const Element& form) {
    std::vector<std::string> vars;
    for (const Element* field : form.elements("field")) {
        vars.push_back(field->has_attribute("var") ? std::string(field->attribute("var"))
                                                   : "fixed:" + field->child_text("value"));
    }
    return vars;
}

const Element* field(const Element& form, std::string_view var) {
    for (const Element* f : form.elements("field")) {
        if (f->attribute("var") == var) return f;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("config_form_has_prosodys_fields_in_order_with_default_values") {
    Harness h;
    h.instant_room();
    auto out = h.send("<iq type='get' id='f' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
    REQUIRE(out.size() == 1);
    const Element* form = out[0].child("query")->child("x", data_forms);
    REQUIRE(form != nullptr);
    CHECK(form->attribute("type") == "form");
    CHECK(form->child_text("title") == "Configuration for room@conference.localhost");
    CHECK(field_vars(*form) == std::vector<std::string>{
                                   "FORM_TYPE",
                                   "fixed:Room information",
                                   "muc#roomconfig_roomname",
                                   "muc#roomconfig_roomdesc",
                                   "muc#roomconfig_lang",
                                   "muc#roomconfig_persistentroom",
                                   "muc#roomconfig_publicroom",
                                   "fixed:Access to the room",
                                   "muc#roomconfig_roomsecret",
                                   "muc#roomconfig_membersonly",
                                   "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites",
                                   "fixed:Permissions in the room",
                                   "muc#roomconfig_changesubject",
                                   "muc#roomconfig_moderatedroom",
                                   "muc#roomconfig_whois",
                                   "fixed:Other options",
                                   "muc#roomconfig_historylength",
                                   "muc#roomconfig_defaulthistorymessages",
                                   "muc#roomconfig_presencebroadcast",
                                   "muc#roomconfig_allowpm",
                                   "{xmpp:prosody.im}muc#allow_modpm",
                                   "muc#roomconfig_enablearchiving",
                               });
    CHECK(field(*form, "muc#roomconfig_roomname")->child("value") == nullptr);
    CHECK(field(*form, "muc#roomconfig_lang")->child_text("value") == "en");
    CHECK(field(*form, "muc#roomconfig_persistentroom")->child("value") == nullptr);
    CHECK(field(*form, "muc#roomconfig_publicroom")->child_text("value") == "0");
    CHECK(field(*form, "muc#roomconfig_whois")->child_text("value") == "moderators");
    CHECK(field(*form, "muc#roomconfig_historylength")->child_text("value") == "20");
    CHECK(field(*form, "muc#roomconfig_presencebroadcast")->elements("value").size() == 3);
    CHECK(field(*form, "muc#roomconfig_enablearchiving")->child_text("value") == "1");
    CHECK(mucsim::model::to_string(*field(*form, "muc#roomconfig_roomdesc"), data_forms) ==
          "<field type=\"text-single\" var=\"muc#roomconfig_roomdesc\" label=\"Description\">"
          "<desc>A brief description of the room</desc><value/></field>");
}

TEST_CASE("only_owners_may_get_or_submit_the_config_form") {
    Harness h;
    h.instant_room();
    auto out = h.send("<iq type='get' id='f' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "auth/forbidden");
    CHECK(out[0].child("error")->child_text("text") == "Only owners can configure rooms");
    CHECK(error_condition(h.configure(juliet, room, "").at(0)) == "auth/forbidden");
}

TEST_CASE("config_change_status_codes_follow_the_iq_result") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.configure(romeo, room,
                           "<field var='muc#roomconfig_whois'><value>anyone</value></field>"
                           "<field var='muc#roomconfig_roomname'><value>Garden</value></field>"
                           "<field var='muc#roomconfig_enablearchiving'><value>1</value></field>");
    CHECK(routes(out) == std::vector<std::string>{
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                             "message room@conference.localhost -> romeo@localhost/pda groupchat",
                             "message room@conference.localhost -> juliet@localhost/balcony groupchat",
                         });
    CHECK(statuses(out[1]) == std::vector<int>{104, 170, 172});
    CHECK_FALSE(out[1].has_attribute("id"));
    auto back = h.configure(romeo, room, "<field var='muc#roomconfig_whois'><value>moderators</value></field>");
    CHECK(statuses(back.at(1)) == std::vector<int>{173});
    auto same = h.configure(romeo, room, "<field var='muc#roomconfig_roomname'><value>Garden</value></field>");
    CHECK(same.size() == 1);
    auto history = h.configure(romeo, room, "<field var='muc#roomconfig_historylength'><value>20</value></field>");
    CHECK(statuses(history.at(1)) == std::vector<int>{104});  // always counts as a change
}

TEST_CASE("wrong_form_type_and_bad_forms_are_refused") {
    Harness h;
    h.instant_room();
    auto wrong = h.send("<iq type='set' id='w' from='romeo@localhost/pda' to='room@conference.localhost'>"
                        "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
                        "<field var='FORM_TYPE'><value>urn:other</value></field></x></query></iq>");
    CHECK(error_condition(wrong.at(0)) == "cancel/bad-request");
    CHECK(wrong[0].child("error")->child_text("text") == "Form is not of type room configuration");
    auto not_submit = h.send("<iq type='set' id='w' from='romeo@localhost/pda' to='room@conference.localhost'>"
                             "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'/>"
                             "</query></iq>");
    CHECK(not_submit.at(0).child("error")->child_text("text") == "Not a submitted form");
    auto empty = h.send("<iq type='set' id='w' from='romeo@localhost/pda' to='room@conference.localhost'>"
                        "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
    CHECK(error_condition(empty.at(0)) == "modify/bad-request");
    auto other = h.send("<iq type='set' id='w' from='romeo@localhost/pda' to='room@conference.localhost'>"
                        "<query xmlns='http://jabber.org/protocol/muc#owner'><foo xmlns='urn:foo'/></query></iq>");
    CHECK(error_condition(other.at(0)) == "cancel/service-unavailable");
}

// XEP-0045 §10.2: the 322 goes to the removed user "as well as any remaining
// occupants" (Prosody tells the removed user only; the XEP's MUST wins here).
TEST_CASE("members_only_switch_removes_the_unaffiliated_with_322_to_everyone") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "member");
    h.join(juliet, "room@conference.localhost/Juliet");
    h.join(mercutio, "room@conference.localhost/Mercutio");
    auto out = h.configure(romeo, room, "<field var='muc#roomconfig_membersonly'><value>1</value></field>");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Mercutio -> romeo@localhost/pda unavailable",
                             "presence room@conference.localhost/Mercutio -> juliet@localhost/balcony unavailable",
                             "presence room@conference.localhost/Mercutio -> mercutio@localhost/street unavailable",
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                             "message room@conference.localhost -> romeo@localhost/pda groupchat",
                             "message room@conference.localhost -> juliet@localhost/balcony groupchat",
                         });
    CHECK(statuses(out[0]) == std::vector<int>{322});
    CHECK(statuses(out[1]) == std::vector<int>{322});
    CHECK(statuses(out[2]) == std::vector<int>{322, 110});
    CHECK(h.service.room(std::string(room))->occupants().size() == 2);
    CHECK(error_condition(h.join(mercutio, "room@conference.localhost/Mercutio").at(0)) == "auth/registration-required");
}

TEST_CASE("removing_a_password_is_a_104_change") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_roomsecret'><value>cauldron</value></field>");
    auto out = h.configure(romeo, room, "<field var='muc#roomconfig_roomsecret'/>");
    REQUIRE(out.size() == 2);
    CHECK(statuses(out[1]) == std::vector<int>{104});
    CHECK(h.service.room(std::string(room))->config().password.empty());
}

TEST_CASE("owner_destroy_sends_each_occupant_only_its_own_presence_then_the_result") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    auto out = h.send("<iq type='set' id='d' from='romeo@localhost/pda' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='elsewhere@conference.localhost'>"
                      "<reason>Fantasy</reason></destroy></query></iq>");
    CHECK(routes(out) == std::vector<std::string>{
                             "presence room@conference.localhost/Romeo -> romeo@localhost/pda unavailable",
                             "presence room@conference.localhost/Juliet -> juliet@localhost/balcony unavailable",
                             "iq room@conference.localhost -> romeo@localhost/pda result",
                         });
    CHECK(str(out[1]) ==
          "<presence type=\"unavailable\" from=\"room@conference.localhost/Juliet\" to=\"juliet@localhost/balcony\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><destroy jid=\"elsewhere@conference.localhost\">"
          "<reason>Fantasy</reason></destroy><item affiliation=\"none\" role=\"none\" jid=\"juliet@localhost/balcony\"/>"
          "<status code=\"110\"/></x></presence>");
    CHECK(h.service.room_count() == 0);
    CHECK(h.service.tombstone_count() == 0);  // temporary rooms leave nothing behind
}

TEST_CASE("destroyed_persistent_room_answers_gone_until_recreated_by_an_admin") {
    Harness h;
    h.instant_room();
    h.configure(romeo, room, "<field var='muc#roomconfig_persistentroom'><value>1</value></field>");
    h.send("<iq type='set' id='d' from='romeo@localhost/pda' to='room@conference.localhost'>"
           "<query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='new@conference.localhost'>"
           "<reason>Moved</reason></destroy></query></iq>");
    CHECK(h.service.tombstone_count() == 1);
    auto gone = h.join(juliet, "room@conference.localhost/Juliet");
    REQUIRE(gone.size() == 1);
    CHECK(str(gone[0]) ==
          "<presence from=\"room@conference.localhost/Juliet\" to=\"juliet@localhost/balcony\" type=\"error\">"
          "<error type=\"cancel\" by=\"conference.localhost\"><gone xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">"
          "xmpp:new@conference.localhost?join</gone><text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">Moved</text>"
          "</error></presence>");
    CHECK(h.join("admin@localhost/console", "room@conference.localhost/Admin").size() == 2);
    CHECK(h.service.tombstone_count() == 0);
}

// Only the initial configuration's cancel destroys the room (XEP-0045 §10.1.3, §10.2).
TEST_CASE("cancelling_a_later_configuration_changes_nothing") {
    Harness h;
    h.instant_room();
    h.join(juliet, "room@conference.localhost/Juliet");
    std::string before = h.encoded();
    auto out = h.send(
        "<iq type='set' id='c' from='romeo@localhost/pda' to='room@conference.localhost'>"
        "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query></iq>");
    REQUIRE(out.size() == 1);
    CHECK(out[0].attribute("type") == "result");
    CHECK(h.encoded() == before);
}
