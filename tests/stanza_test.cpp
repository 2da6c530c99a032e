#include "model/stanza.hpp"

#include <doctest/doctest.h>

#include "model/data_form.hpp"
#include "muc_harness.hpp"

using namespace mucsim::model;
using mucsim::test::str;
using mucsim::test::xml;

TEST_CASE("error_reply_swaps_addresses_keeps_id_and_drops_by_equal_to_from") {
    Element presence = xml("<presence from='u@h/r' to='room@muc/nick' id='p1'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
    CHECK(str(error_reply(presence, StanzaError::auth("forbidden", {}, "room@muc"))) ==
          "<presence from=\"room@muc/nick\" to=\"u@h/r\" id=\"p1\" type=\"error\"><error type=\"auth\" by=\"room@muc\">"
          "<forbidden xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></presence>");
    Element iq = xml("<iq type='get' from='u@h/r' to='room@muc'/>");
    CHECK(str(error_reply(iq, StanzaError::cancel("item-not-found", "Nope", "room@muc"))) ==
          "<iq from=\"room@muc\" to=\"u@h/r\" type=\"error\"><error type=\"cancel\">"
          "<item-not-found xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/>"
          "<text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">Nope</text></error></iq>");
}

TEST_CASE("stamps_are_xep_0082_whole_seconds_and_parse_back") {
    CHECK(format_stamp(mucsim::test::new_year_ms) == "2025-01-01T12:00:00Z");
    CHECK(format_stamp(mucsim::test::new_year_ms + 999) == "2025-01-01T12:00:00Z");
    CHECK(format_stamp(0) == "1970-01-01T00:00:00Z");
    CHECK(format_stamp(951782400000) == "2000-02-29T00:00:00Z");
    CHECK(parse_stamp_s("2025-01-01T12:00:00Z") == mucsim::test::new_year_ms / 1000);
    CHECK(parse_stamp_s("2025-01-01T13:00:00.123+01:00") == mucsim::test::new_year_ms / 1000);
    CHECK_FALSE(parse_stamp_s("2025-01-01 12:00:00Z").has_value());
    CHECK_FALSE(parse_stamp_s("2025-13-01T12:00:00Z").has_value());
    CHECK_FALSE(parse_stamp_s("").has_value());
}

TEST_CASE("kickable_errors_are_prosodys_list") {
    CHECK(is_kickable_error(xml("<message type='error'><error type='cancel'>"
                                "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")));
    CHECK_FALSE(is_kickable_error(xml("<message type='error'><error type='cancel'>"
                                      "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")));
    CHECK(is_kickable_error(xml("<message type='error'/>")));  // malformed
    ErrorInfo info = read_error(xml("<presence type='error'><error type='cancel'>"
                                    "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>why</text></error></presence>"));
    CHECK(info.condition == "undefined-condition");
    CHECK(info.text == "why");
}

TEST_CASE("base64_round_trips_and_refuses_garbage") {
    for (std::string text : {std::string(""), std::string("a"), std::string("ab"), std::string("abc"),
                             std::string("a\0b", 3)}) {
        CHECK(base64_decode(base64_encode(text)) == text);
    }
    CHECK(base64_encode("abcd") == "YWJjZA==");
    CHECK_FALSE(base64_decode("***").has_value());
    CHECK_FALSE(base64_decode("YQ=a").has_value());
    CHECK(stable_hash("x") == stable_hash("x"));
    CHECK(stable_hash("x") != stable_hash("y"));
}

TEST_CASE("integers_parse_like_lua_tonumber_for_integers") {
    CHECK(parse_integer("20") == 20);
    CHECK(parse_integer(" -5 ") == -5);
    CHECK_FALSE(parse_integer("2.5").has_value());
    CHECK_FALSE(parse_integer("abc").has_value());
    CHECK_FALSE(parse_integer("").has_value());
}

TEST_CASE("forms_render_in_prosodys_child_order_and_read_submissions") {
    Form form;
    form.title = "T";
    FormField field;
    field.var = "v";
    field.type = "list-single";
    field.label = "L";
    field.desc = "D";
    field.datatype = "xs:integer";
    field.options = {{"One", "1"}};
    field.values = {"1"};
    field.required = true;
    form.fields.push_back(field);
    CHECK(to_string(render_form(form)) ==
          "<x xmlns=\"jabber:x:data\" type=\"form\"><title>T</title><field type=\"list-single\" var=\"v\" label=\"L\">"
          "<desc>D</desc><validate xmlns=\"http://jabber.org/protocol/xdata-validate\" datatype=\"xs:integer\"/>"
          "<option label=\"One\"><value>1</value></option><value>1</value><required/></field></x>");
    form.type = "result";
    CHECK(to_string(render_form(form)) ==
          "<x xmlns=\"jabber:x:data\" type=\"result\"><title>T</title><field type=\"list-single\" var=\"v\" label=\"L\">"
          "<desc>D</desc><value>1</value></field></x>");
    SubmittedForm submitted = read_form(xml("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>t</value>"
                                            "</field><field var='a'/><field var='b'><value>1</value><value>2</value></field></x>"));
    CHECK(submitted.form_type() == "t");
    CHECK(submitted.field("a") != nullptr);
    CHECK_FALSE(submitted.first_value("a").has_value());
    CHECK(submitted.field("b")->values == std::vector<std::string>{"1", "2"});
    CHECK(parse_boolean("true") == true);
    CHECK(parse_boolean("0") == false);
    CHECK_FALSE(parse_boolean("yes").has_value());
}
