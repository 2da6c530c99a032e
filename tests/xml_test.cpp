#include "model/xml.hpp"

#include <doctest/doctest.h>

#include "model/namespaces.hpp"

using namespace mucsim::model;

namespace {
Element parse_ok(std::string_view text, ParseOptions options = {}) {
    auto result = parse_xml(text, options);
    INFO(text);
    REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
    return std::move(result).value();
}
}  // namespace

TEST_CASE("parse_keeps_names_namespaces_and_attribute_order") {
    Element e = parse_ok(R"(<presence xmlns="jabber:client" to="room@conference.localhost/Romeo" id="a1">
        <x xmlns="http://jabber.org/protocol/muc"/></presence>)");
    CHECK(e.name == "presence");
    CHECK(e.ns == "jabber:client");
    REQUIRE(e.attributes.size() == 2);
    CHECK(e.attributes[0].name == "to");
    CHECK(e.attributes[1].name == "id");
    const Element* x = e.child("x", ns::muc);
    REQUIRE(x != nullptr);
    CHECK(x->children.empty());
    CHECK(e.element_count() == 1);
}

TEST_CASE("parse_applies_the_default_namespace_and_predeclared_prefixes") {
    ParseOptions options;
    options.default_ns = "jabber:client";
    options.predeclared_prefixes = {{"scansion", "urn:test:scansion"}};
    Element e = parse_ok(R"(<message><x xmlns="urn:x" scansion:strict="true"><y/></x></message>)", options);
    CHECK(e.ns == "jabber:client");
    const Element* x = e.child("x");
    REQUIRE(x);
    CHECK(x->attribute("scansion:strict") == "true");
    CHECK(x->child("y")->ns == "urn:x");
}

TEST_CASE("xml_lang_is_stored_with_its_prefix") {
    Element e = parse_ok(R"(<message xmlns="jabber:client" xml:lang="en"/>)");
    CHECK(e.attribute("xml:lang") == "en");
    CHECK(to_string(e, "jabber:client") == R"(<message xml:lang="en"/>)");
}

TEST_CASE("entities_and_character_references_round_trip") {
    Element e = parse_ok(R"(<body xmlns="jabber:client" a="&quot;x&apos;&amp;&lt;">I think we&apos;re &#10;in &lt;a&gt; script &amp; more</body>)");
    CHECK(e.attribute("a") == "\"x'&<");
    CHECK(e.text_content() == "I think we're \nin <a> script & more");
    Element again = parse_ok(to_string(e));
    CHECK(again == e);
    Element pretty_again = parse_ok(pretty(e));
    CHECK(pretty_again == e);
}

TEST_CASE("serialisation_declares_a_namespace_only_where_it_changes") {
    Element presence("presence", "jabber:client");
    presence.set("to", "room@conference.localhost/Romeo");
    presence.add(Element("x", std::string(ns::muc_user))).append(Element("status", std::string(ns::muc_user)).set("code", "110"));
    CHECK(to_string(presence, "jabber:client") ==
          R"(<presence to="room@conference.localhost/Romeo"><x xmlns="http://jabber.org/protocol/muc#user"><status code="110"/></x></presence>)");
    CHECK(to_string(presence).starts_with(R"(<presence xmlns="jabber:client")"));
}

TEST_CASE("pretty_printing_indents_with_tabs_and_keeps_text_inline") {
    Element message = parse_ok(R"(<message xmlns="jabber:client" type="groupchat"><body>Hi</body><x xmlns="urn:x"><y/></x></message>)");
    CHECK(pretty(message, "jabber:client", 1) ==
          "\t<message type=\"groupchat\">\n\t\t<body>Hi</body>\n\t\t<x xmlns=\"urn:x\">\n\t\t\t<y/>\n\t\t</x>\n\t</message>");
}

TEST_CASE("whitespace_only_text_is_dropped_and_other_text_kept") {
    Element e = parse_ok("<a xmlns='urn:a'>\n\t<b> x </b>\n</a>");
    REQUIRE(e.children.size() == 1);
    CHECK(e.child("b")->text_content() == " x ");
    ParseOptions keep;
    keep.drop_whitespace_text = false;
    CHECK(parse_ok("<a>\n<b/>\n</a>", keep).children.size() == 3);
}

TEST_CASE("equality_ignores_attribute_order_but_not_child_order") {
    Element a = parse_ok(R"(<x xmlns="urn:x" p="1" q="2"><a/><b/></x>)");
    Element b = parse_ok(R"(<x xmlns="urn:x" q="2" p="1"><a/><b/></x>)");
    Element c = parse_ok(R"(<x xmlns="urn:x" q="2" p="1"><b/><a/></x>)");
    Element d = parse_ok(R"(<x xmlns="urn:y" q="2" p="1"><a/><b/></x>)");
    CHECK(a == b);
    CHECK_FALSE(a == c);
    CHECK_FALSE(a == d);
}

TEST_CASE("malformed_xml_is_an_error_with_a_line") {
    auto bad = parse_xml("<a>\n<b>\n</a>");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().line == 3);
    CHECK(bad.error().message.find("mismatched tag") != std::string::npos);

    auto unclosed = parse_xml("<a>\n<b/>");
    REQUIRE_FALSE(unclosed.ok());
    CHECK(unclosed.error().line == 2);

    CHECK_FALSE(parse_xml("").ok());
    CHECK_FALSE(parse_xml("just text").ok());
    CHECK_FALSE(parse_xml("<a/><b/>").ok());
    CHECK_FALSE(parse_xml("<p:a/>").ok());  // unbound prefix
    CHECK_FALSE(parse_xml(std::string_view("<a>\0</a>", 8)).ok());
}

TEST_CASE("parse_limits_refuse_deep_wide_and_big_input") {
    ParseOptions options;
    options.limits.depth_max = 3;
    CHECK(parse_xml("<a><b><c/></b></a>", options).ok());
    auto deep = parse_xml("<a><b><c><d/></c></b></a>", options);
    REQUIRE_FALSE(deep.ok());
    CHECK(deep.error().message.find("nested deeper") != std::string::npos);

    options.limits.attributes_max = 2;
    CHECK_FALSE(parse_xml("<a x='1' y='2' z='3'/>", options).ok());

    options.limits.bytes_max = 10;
    auto big = parse_xml("<a>0123456789</a>", options);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().message.find("exceeds") != std::string::npos);
}

TEST_CASE("doctype_and_entity_declarations_are_refused") {
    CHECK_FALSE(parse_xml("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>").ok());
    CHECK_FALSE(parse_xml("<a>&undefined;</a>").ok());
}

TEST_CASE("builders_set_replace_and_find") {
    Element e("iq", "jabber:client");
    e.set("type", "get").set("id", "1").set("type", "set");
    CHECK(e.attributes.size() == 2);
    CHECK(e.attribute("type") == "set");
    CHECK(e.attribute("absent").empty());
    e.remove_attribute("id");
    CHECK_FALSE(e.has_attribute("id"));
    Element& query = e.add(Element("query", "urn:q"));
    query.add(Element("item", "urn:q")).set("n", "1");
    query.add(Element("item", "urn:q")).set("n", "2");
    CHECK(e.child("query")->elements("item").size() == 2);
    e.child("query")->remove_children("item", "urn:q");
    CHECK(e.child("query")->children.empty());
    e.add(Element("body", "jabber:client")).text("a").text("b");
    CHECK(e.child_text("body") == "ab");
}
