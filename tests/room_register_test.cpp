// Registration, reserved nicks and room discovery (prosody-muc.md §6.1, §6.2).
#include <doctest/doctest.h>

#include "model/room.hpp"
#include "muc_harness.hpp"

using namespace mucsim::test;

namespace {

constexpr std::string_view romeo = "romeo@localhost/pda";
constexpr std::string_view juliet = "juliet@localhost/balcony";
constexpr std::string_view room = "room@conference.localhost";

std::vector<Element> register_nick(Harness& h, std::string_view who, std::string_view nick) {
    return h.send("<iq type='set' id='reg' from='" + std::string(who) +
                  "' to='room@conference.localhost'><query xmlns='jabber:iq:register'>"
                  "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                  "<value>http://jabber.org/protocol/muc#register</value></field>"
                  "<field var='muc#register_roomnick'><value>" + std::string(nick) + "</value></field></x></query></iq>");
}

std::vector<Element> reserved_nick_query(Harness& h, std::string_view who) {
    return h.send("<iq type='get' id='n' from='" + std::string(who) +
                  "' to='room@conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info' "
                  "node='x-roomuser-item'/></iq>");
}

}  // namespace

TEST_CASE("registration_needs_an_affiliation") {
    Harness h;
    h.instant_room();
    auto out = h.send("<iq type='get' id='r' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<query xmlns='jabber:iq:register'/></iq>");
    REQUIRE(out.size() == 1);
    CHECK(error_condition(out[0]) == "auth/registration-required");
    h.set_affiliation(romeo, "juliet@localhost", "outcast");
    CHECK(error_condition(register_nick(h, juliet, "Juliet").at(0)) == "auth/forbidden");
}

TEST_CASE("member_gets_the_form_registers_and_sees_the_reserved_nick") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "member");
    h.join(juliet, "room@conference.localhost/Juliet");
    auto form = h.send("<iq type='get' id='r' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                       "<query xmlns='jabber:iq:register'/></iq>");
    REQUIRE(form.size() == 1);
    CHECK(str(form[0]) ==
          "<iq from=\"room@conference.localhost\" to=\"juliet@localhost/balcony\" id=\"r\" type=\"result\">"
          "<query xmlns=\"jabber:iq:register\"><x xmlns=\"jabber:x:data\" type=\"form\">"
          "<field type=\"hidden\" var=\"FORM_TYPE\"><value>http://jabber.org/protocol/muc#register</value></field>"
          "<field type=\"text-single\" var=\"muc#register_roomnick\" label=\"Nickname\"><required/></field>"
          "</x></query></iq>");
    auto registered = register_nick(h, juliet, "Juliet");
    CHECK(routes(registered) == std::vector<std::string>{
                                    "presence room@conference.localhost/Juliet -> romeo@localhost/pda",
                                    "presence room@conference.localhost/Juliet -> juliet@localhost/balcony",
                                    "iq room@conference.localhost -> juliet@localhost/balcony result",
                                });
    CHECK(item_of(registered[0])->child("actor") == nullptr);  // an internal change has no actor
    auto nick = reserved_nick_query(h, juliet);
    CHECK(str(nick.at(0)) ==
          "<iq from=\"room@conference.localhost\" to=\"juliet@localhost/balcony\" id=\"n\" type=\"result\">"
          "<query xmlns=\"http://jabber.org/protocol/disco#info\" node=\"x-roomuser-item\">"
          "<identity category=\"conference\" type=\"text\" name=\"Juliet\"/></query></iq>");
    auto again = register_nick(h, juliet, "Juliet");
    CHECK(routes(again) == std::vector<std::string>{"iq room@conference.localhost -> juliet@localhost/balcony result"});
    auto get = h.send("<iq type='get' id='r' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<query xmlns='jabber:iq:register'/></iq>");
    CHECK(get.at(0).child("query")->child_text("username") == "Juliet");
    CHECK(get[0].child("query")->child("registered") != nullptr);
}

TEST_CASE("registration_refuses_bad_forms_and_taken_nicks") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "member");
    auto text = [](const std::vector<Element>& out) { return out.at(0).child("error")->child_text("text"); };
    auto missing = h.send("<iq type='set' id='r' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                          "<query xmlns='jabber:iq:register'/></iq>");
    CHECK(text(missing) == "Missing dataform");
    auto no_nick = h.send("<iq type='set' id='r' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                          "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                          "<value>http://jabber.org/protocol/muc#register</value></field></x></query></iq>");
    CHECK(text(no_nick) == "Error in form: muc#register_roomnick: Required value missing");
    auto wrong_type = h.send("<iq type='set' id='r' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                             "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
    CHECK(text(wrong_type) == "Error in form");
    CHECK(text(register_nick(h, juliet, "\xF0\x9F\xA4\x96")) == "Invalid Nickname");
    CHECK(error_condition(register_nick(h, juliet, "Romeo").at(0)) == "cancel/conflict");  // in use
}

TEST_CASE("deregistration_drops_membership_and_tells_moderators") {
    Harness h;
    h.instant_room();
    h.set_affiliation(romeo, "juliet@localhost", "member");
    register_nick(h, juliet, "Juliet");
    auto out = h.send("<iq type='set' id='u' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<query xmlns='jabber:iq:register'><remove/></query></iq>");
    REQUIRE(out.size() == 2);
    CHECK(str(out[0]) ==
          "<message from=\"room@conference.localhost\" to=\"romeo@localhost/pda\">"
          "<x xmlns=\"http://jabber.org/protocol/muc#user\"><item affiliation=\"none\" jid=\"juliet@localhost\"/></x>"
          "</message>");
    CHECK(out[1].attribute("type") == "result");
    CHECK(reserved_nick_query(h, juliet).at(0).child("query")->element_count() == 0);
}

TEST_CASE("room_disco_info_lists_identity_features_and_room_info_form") {
    Harness h;
    h.instant_room();
    auto out = h.send("<iq type='get' id='d' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                      "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    REQUIRE(out.size() == 1);
    const Element* query = out[0].child("query");
    REQUIRE(query != nullptr);
    std::vector<std::string> features;
    for (const Element* f : query->elements("feature")) features.emplace_back(f->attribute("var"));
    CHECK(features == std::vector<std::string>{
                          "http://jabber.org/protocol/muc", "http://jabber.org/protocol/muc#stable_id",
                          "http://jabber.org/protocol/muc#self-ping-optimization", "muc_open", "muc_unsecured",
                          "muc_semianonymous", "muc_unmoderated", "muc_hidden", "muc_temporary", "jabber:iq:register",
                          "http://jabber.org/protocol/muc#request"});
    CHECK(query->child("identity")->attribute("category") == "conference");
    const Element* form = query->child("x", mucsim::model::ns::data_forms);
    REQUIRE(form != nullptr);
    CHECK(form->attribute("type") == "result");
    CHECK(form->elements("field")[1]->attribute("var") == "muc#roominfo_occupants");
    CHECK(form->elements("field")[1]->child_text("value") == "1");
    auto items = h.send("<iq type='get' id='i' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                        "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    CHECK(str(items.at(0)) ==
          "<iq from=\"room@conference.localhost\" to=\"juliet@localhost/balcony\" id=\"i\" type=\"result\">"
          "<query xmlns=\"http://jabber.org/protocol/disco#items\"/></iq>");
}

TEST_CASE("unknown_iqs_to_a_room_are_service_unavailable_and_vcards_not_found") {
    Harness h;
    h.instant_room();
    auto version = h.send("<iq type='get' id='v' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                          "<query xmlns='jabber:iq:version'/></iq>");
    CHECK(error_condition(version.at(0)) == "cancel/service-unavailable");
    CHECK_FALSE(version[0].child("error")->has_attribute("by"));
    auto vcard = h.send("<iq type='get' id='v' from='juliet@localhost/balcony' to='room@conference.localhost'>"
                        "<vCard xmlns='vcard-temp'/></iq>");
    CHECK(error_condition(vcard.at(0)) == "cancel/item-not-found");
    CHECK(h.send("<iq type='result' id='v' from='juliet@localhost/balcony' to='room@conference.localhost'/>").empty());
    (void)room;
}
