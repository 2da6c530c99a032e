#include "traces/matcher.hpp"

#include <doctest/doctest.h>

#include "traces/script.hpp"

using namespace mucsim;
using traces::Captures;

namespace {

model::Element stanza(std::string_view text) {
    auto e = model::parse_xml(text, traces::stanza_parse_options());
    REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().message));
    return std::move(e).value();
}

bool match(std::string_view expected, std::string_view received) {
    Captures captures;
    return traces::matches(stanza(expected), stanza(received), captures);
}

std::string why(std::string_view expected, std::string_view received) {
    Captures captures;
    auto m = traces::match_stanza(stanza(expected), stanza(received), captures);
    REQUIRE(m.has_value());
    return m->path + ": " + m->reason;
}

constexpr std::string_view created = R"(<presence from="room@conference.localhost/Romeo" to="user@localhost/r1">
  <x xmlns="vcard-temp:x:update"><photo/></x>
  <occupant-id xmlns="urn:xmpp:occupant-id:0" id="abc"/>
  <x xmlns="http://jabber.org/protocol/muc#user">
    <status code="201"/>
    <item affiliation="owner" role="moderator" jid="user@localhost/r1"/>
    <status code="110"/>
  </x>
</presence>)";

}  // namespace

TEST_CASE("client_namespace_elements_allow_extra_attributes_and_children") {
    CHECK(match(R"(<presence from="room@conference.localhost/Romeo"/>)", created));
    CHECK(match(R"(<message type="groupchat"><body/></message>)",
                R"(<message type="groupchat" id="x" from="a"><body>hi</body><delay xmlns="urn:xmpp:delay"/></message>)"));
    CHECK_FALSE(match(R"(<presence from="room@conference.localhost/Juliet"/>)", created));
    CHECK_FALSE(match(R"(<presence type="unavailable"/>)", created));
}

TEST_CASE("client_namespace_children_may_come_in_any_order") {
    CHECK(match(R"(<message><subject/><body>b</body></message>)", R"(<message><body>b</body><subject>s</subject></message>)"));
    CHECK_FALSE(match(R"(<message><thread/></message>)", R"(<message><body>b</body></message>)"));
}

TEST_CASE("muc_user_x_is_strict_about_child_order") {
    CHECK(match(R"(<presence><x xmlns="http://jabber.org/protocol/muc#user">
        <status code="201"/><item jid="user@localhost/r1" affiliation="owner" role="moderator"/><status code="110"/>
      </x></presence>)", created));
    // 110 before the item: same children, wrong order.
    CHECK_FALSE(match(R"(<presence><x xmlns="http://jabber.org/protocol/muc#user">
        <status code="201"/><status code="110"/><item jid="user@localhost/r1" affiliation="owner" role="moderator"/>
      </x></presence>)", created));
    // Missing the 201 status: a strict element needs every child.
    CHECK_FALSE(match(R"(<presence><x xmlns="http://jabber.org/protocol/muc#user">
        <item jid="user@localhost/r1" affiliation="owner" role="moderator"/><status code="110"/>
      </x></presence>)", created));
}

TEST_CASE("strict_elements_refuse_extra_and_missing_attributes") {
    CHECK_FALSE(match(R"(<presence><x xmlns="http://jabber.org/protocol/muc#user">
        <status code="201"/><item affiliation="owner" role="moderator"/><status code="110"/>
      </x></presence>)", created));
    CHECK(why(R"(<presence><x xmlns="http://jabber.org/protocol/muc#user">
        <status code="201"/><item affiliation="owner" role="moderator"/><status code="110"/>
      </x></presence>)", created).find("unexpected attribute jid=") != std::string::npos);
}

TEST_CASE("scansion_strict_false_relaxes_one_element_only") {
    // Order and extra children are allowed in the relaxed <x> ...
    CHECK(match(R"(<presence><x xmlns="http://jabber.org/protocol/muc#user" scansion:strict="false">
        <status code="110"/><status code="201"/>
      </x></presence>)", created));
    // ... but its <item> child is still strict: the jid attribute is extra.
    CHECK_FALSE(match(R"(<presence><x xmlns="http://jabber.org/protocol/muc#user" scansion:strict="false">
        <item affiliation="owner" role="moderator"/>
      </x></presence>)", created));
}

TEST_CASE("scansion_strict_true_makes_a_client_element_strict") {
    CHECK_FALSE(match(R"(<presence scansion:strict="true" from="room@conference.localhost/Romeo"/>)", created));
    CHECK(match(R"(<message scansion:strict="true" type="groupchat"><body/></message>)",
                R"(<message type="groupchat"><body>x</body></message>)"));
}

TEST_CASE("scansion_any_needs_the_attribute_but_not_its_value") {
    CHECK(match(R"(<message><delay xmlns="urn:xmpp:delay" stamp="{scansion:any}"/></message>)",
                R"(<message><delay xmlns="urn:xmpp:delay" stamp="2025-01-01T00:00:00Z"/></message>)"));
    CHECK_FALSE(match(R"(<message><delay xmlns="urn:xmpp:delay" stamp="{scansion:any}"/></message>)",
                      R"(<message><delay xmlns="urn:xmpp:delay"/></message>)"));
}

TEST_CASE("scansion_capture_binds_once_then_compares") {
    Captures captures;
    CHECK(traces::matches(stanza(R"(<iq id="{scansion:capture:x}"/>)"), stanza(R"(<iq id="42"/>)"), captures));
    CHECK(captures.at("x") == "42");
    CHECK(traces::matches(stanza(R"(<iq id="{scansion:capture:x}"/>)"), stanza(R"(<iq id="42"/>)"), captures));
    CHECK_FALSE(traces::matches(stanza(R"(<iq id="{scansion:capture:x}"/>)"), stanza(R"(<iq id="43"/>)"), captures));
}

TEST_CASE("a_failed_match_records_no_capture") {
    Captures captures;
    CHECK_FALSE(traces::matches(stanza(R"(<iq id="{scansion:capture:x}" type="result"/>)"),
                                stanza(R"(<iq id="42" type="error"/>)"), captures));
    CHECK(captures.empty());
}

TEST_CASE("text_is_trimmed_and_compared_only_when_expected") {
    CHECK(match("<message><body>  hello\n</body></message>", "<message><body>hello</body></message>"));
    CHECK(match("<message><body/></message>", "<message><body>anything</body></message>"));
    CHECK_FALSE(match("<message><body>hello</body></message>", "<message><body>bye</body></message>"));
}

TEST_CASE("names_and_namespaces_are_always_compared") {
    CHECK_FALSE(match(R"(<presence><x xmlns="http://jabber.org/protocol/muc"/></presence>)",
                      R"(<presence><x xmlns="http://jabber.org/protocol/muc#user"/></presence>)"));
    CHECK_FALSE(match("<message/>", "<presence/>"));
}

TEST_CASE("a_mismatch_names_the_path_and_the_difference") {
    std::string reason = why(R"(<presence><x xmlns="http://jabber.org/protocol/muc#user">
        <status code="201"/><item jid="user@localhost/r1" affiliation="owner" role="participant"/><status code="110"/>
      </x></presence>)", created);
    CHECK(reason.find("/presence/x[3]/item[2]") != std::string::npos);
    CHECK(reason.find("attribute 'role': expected 'participant', received 'moderator'") != std::string::npos);

    Captures captures;
    auto expected = stanza("<presence><status>away</status></presence>");
    auto received = stanza("<presence><status>back</status></presence>");
    auto m = traces::match_stanza(expected, received, captures);
    REQUIRE(m);
    std::string text = traces::explain_mismatch(*m, expected, received);
    CHECK(text.find("expected:") != std::string::npos);
    CHECK(text.find("received:") != std::string::npos);
    CHECK(text.find("<status>back</status>") != std::string::npos);
}

namespace {

bool match_xep(std::string_view expected, std::string_view received) {
    Captures captures;
    return traces::matches(stanza(expected), stanza(received), captures, traces::MatchMode::xep);
}

// ejabberd 23.01's self-presence on creating a room: <item/> first.
constexpr std::string_view created_item_first = R"(<presence from="room@conference.localhost/Romeo">
  <x xmlns="http://jabber.org/protocol/muc#user">
    <item jid="user@localhost/r1" role="moderator" affiliation="owner"/>
    <status code="201"/>
    <status code="110"/>
  </x>
</presence>)";

constexpr std::string_view expected_created = R"(<presence from="room@conference.localhost/Romeo">
  <x xmlns="http://jabber.org/protocol/muc#user">
    <status code="201"/>
    <item affiliation="owner" role="moderator" jid="user@localhost/r1"/>
    <status code="110"/>
  </x>
</presence>)";

}  // namespace

TEST_CASE("scansion_matching_holds_a_strict_element_to_its_children_order") {
    CHECK_FALSE(match(expected_created, created_item_first));
    CHECK(match(expected_created, expected_created));
}

TEST_CASE("xep_matching_leaves_the_order_of_muc_user_children_free") {
    CHECK(match_xep(expected_created, created_item_first));
    CHECK(match_xep(expected_created, expected_created));
}

TEST_CASE("xep_matching_still_demands_every_child_and_no_other") {
    std::string missing_110(created_item_first);
    missing_110.erase(missing_110.find("    <status code=\"110\"/>\n"), std::string_view("    <status code=\"110\"/>\n").size());
    CHECK_FALSE(match_xep(expected_created, missing_110));
    std::string extra_100(created_item_first);
    extra_100.insert(extra_100.find("  </x>"), "    <status code=\"100\"/>\n");
    CHECK_FALSE(match_xep(expected_created, extra_100));
    std::string other_role(created_item_first);
    other_role.replace(other_role.find("moderator"), 9, "participant");
    CHECK_FALSE(match_xep(expected_created, other_role));
}

TEST_CASE("xep_matching_uses_each_received_child_once") {
    constexpr std::string_view two_110 = R"(<presence from="room@conference.localhost/Romeo">
  <x xmlns="http://jabber.org/protocol/muc#user">
    <status code="110"/>
    <status code="110"/>
  </x>
</presence>)";
    constexpr std::string_view one_110_one_201 = R"(<presence from="room@conference.localhost/Romeo">
  <x xmlns="http://jabber.org/protocol/muc#user">
    <status code="201"/>
    <status code="110"/>
  </x>
</presence>)";
    CHECK_FALSE(match_xep(two_110, one_110_one_201));
    CHECK_FALSE(match_xep(one_110_one_201, two_110));
}

TEST_CASE("xep_matching_takes_role_none_for_an_absent_role_on_a_muc_user_item") {
    constexpr std::string_view expected = R"(<message from="room@conference.localhost">
  <x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="member" jid="juliet@localhost"/></x>
</message>)";
    constexpr std::string_view with_role_none = R"(<message from="room@conference.localhost">
  <x xmlns="http://jabber.org/protocol/muc#user"><item jid="juliet@localhost" role="none" affiliation="member"/></x>
</message>)";
    constexpr std::string_view with_role_participant = R"(<message from="room@conference.localhost">
  <x xmlns="http://jabber.org/protocol/muc#user"><item jid="juliet@localhost" role="participant" affiliation="member"/></x>
</message>)";
    CHECK_FALSE(match(expected, with_role_none));
    CHECK(match_xep(expected, with_role_none));
    CHECK_FALSE(match_xep(expected, with_role_participant));
}
