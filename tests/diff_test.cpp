// mucsim diff's expectations, without a socket: the live stanza corrected
// where it differs from the in-process one must match what mucsim sends and
// must not match what the live server sent — so that the counterexample
// script fails on the live server and passes on one that agrees with mucsim.

#include <doctest/doctest.h>

#include "live/live_check.hpp"
#include "traces/matcher.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

model::Element stanza(std::string_view text) {
    auto e = model::parse_xml(text, traces::stanza_parse_options());
    REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().message));
    return std::move(e).value();
}

bool matches(const model::Element& expected, const model::Element& received) {
    traces::Captures captures;
    return traces::matches(expected, received, captures);
}

// The corrected expectation separates the two sides.
void check_separates(std::string_view live_text, std::string_view in_process_text) {
    model::Element live = stanza(live_text);
    model::Element in_process = stanza(in_process_text);
    model::Element expected = live::corrected(live, in_process);
    CAPTURE(model::stanza_to_string(expected));
    CHECK(matches(expected, in_process));
    CHECK_FALSE(matches(expected, live));
}

}  // namespace

TEST_CASE("an_extra_status_code_on_the_live_side_makes_its_x_strict") {
    check_separates(R"(<presence from="room@c/Juliet"><x xmlns="http://jabber.org/protocol/muc#user">
                         <item affiliation="none" role="participant"/><status code="100"/></x></presence>)",
                    R"(<presence from="room@c/Juliet"><x xmlns="http://jabber.org/protocol/muc#user">
                         <item affiliation="none" role="participant"/></x></presence>)");
}

TEST_CASE("a_status_code_missing_on_the_live_side_is_put_where_mucsim_has_it") {
    model::Element live = stanza(R"(<presence from="room@c/Romeo"><x xmlns="http://jabber.org/protocol/muc#user">
                                      <item affiliation="owner" role="moderator"/></x></presence>)");
    model::Element in_process = stanza(R"(<presence from="room@c/Romeo"><x xmlns="http://jabber.org/protocol/muc#user">
                                      <item affiliation="owner" role="moderator"/><status code="110"/></x></presence>)");
    model::Element expected = live::corrected(live, in_process);
    const model::Element* x = expected.child("x", "http://jabber.org/protocol/muc#user");
    REQUIRE(x != nullptr);
    CHECK(x->elements().size() == 2);
    CHECK(x->elements()[1]->attribute("code") == "110");
    CHECK(matches(expected, in_process));
    CHECK_FALSE(matches(expected, live));
}

TEST_CASE("an_attribute_missing_on_the_live_side_is_demanded") {
    check_separates(R"(<message from="room@c/Romeo" type="groupchat"><body>hi</body>
                         <delay xmlns="urn:xmpp:delay" stamp="2018-01-01T00:00:00Z"/></message>)",
                    R"(<message from="room@c/Romeo" type="groupchat"><body>hi</body>
                         <delay xmlns="urn:xmpp:delay" from="room@c" stamp="2018-01-01T00:00:00Z"/></message>)");
}

TEST_CASE("an_extra_child_of_a_message_makes_the_message_strict") {
    check_separates(R"(<message from="room@c/Juliet" type="chat" id="a7"><body>Hello</body>
                         <x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="owner"/></x>
                         <x xmlns="http://jabber.org/protocol/muc#user"/></message>)",
                    R"(<message from="room@c/Juliet" type="chat" id="a7"><body>Hello</body>
                         <x xmlns="http://jabber.org/protocol/muc#user"/></message>)");
}

TEST_CASE("another_error_condition_is_replaced_by_mucsims") {
    check_separates(R"(<iq type="error" id="a3" from="room@c"><error type="cancel">
                         <not-allowed xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>)",
                    R"(<iq type="error" id="a3" from="room@c"><error type="auth">
                         <forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>)");
}

TEST_CASE("children_in_another_order_are_paired_by_name_not_position") {
    // Only the missing vCard x differs; the muc#user x is the same on both sides.
    model::Element live = stanza(R"(<presence from="room@c/Romeo"><x xmlns="http://jabber.org/protocol/muc#user">
                                      <item affiliation="owner" role="moderator"/></x></presence>)");
    model::Element in_process = stanza(R"(<presence from="room@c/Romeo"><x xmlns="urn:example:first"/>
                                      <x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="owner"
                                      role="moderator"/></x></presence>)");
    model::Element expected = live::corrected(live, in_process);
    REQUIRE(expected.element_count() == 2);
    CHECK(expected.elements()[0]->ns == "urn:example:first");
    CHECK(matches(expected, in_process));
    CHECK_FALSE(matches(expected, live));
}

TEST_CASE("each_difference_of_a_pair_gets_its_own_expectation_and_only_the_bugs_passes_at_its_fix") {
    // The live (buggy) server adds a caps child (harmless, also after the fix) and
    // status 100 (the bug); its fix drops only the status.
    model::Element in_process = stanza(R"(<presence from="room@c/Juliet"><x xmlns="http://jabber.org/protocol/muc#user">
                                      <item affiliation="none" role="participant"/></x></presence>)");
    model::Element buggy = stanza(R"(<presence from="room@c/Juliet"><c xmlns="http://jabber.org/protocol/caps" ver="1"/>
                                      <x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none"
                                      role="participant"/><status code="100"/></x></presence>)");
    model::Element fixed = stanza(R"(<presence from="room@c/Juliet"><c xmlns="http://jabber.org/protocol/caps" ver="1"/>
                                      <x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none"
                                      role="participant"/></x></presence>)");
    std::vector<std::string> where = live::differences(in_process, buggy);
    REQUIRE(where.size() == 2);
    std::size_t passing_at_fix = 0;
    for (std::size_t k = 0; k < where.size(); ++k) {
        model::Element expected = live::corrected(buggy, in_process, k);
        CAPTURE(where[k]);
        CHECK_FALSE(matches(expected, buggy));
        if (matches(expected, fixed)) {
            ++passing_at_fix;
            CHECK(where[k].find("status") != std::string::npos);
        }
    }
    CHECK(passing_at_fix == 1);
}

TEST_CASE("an_error_where_mucsim_answers_a_result_expects_the_result_whole") {
    // corrected(x, x) is x (stamps aside): what classify expects when the types differ.
    model::Element result = stanza(R"(<iq type="result" id="a3" from="room@c"/>)");
    model::Element error = stanza(R"(<iq type="error" id="a3" from="room@c"><error type="cancel">
                                     <bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>)");
    model::Element expected = live::corrected(result, result);
    CHECK(matches(expected, result));
    CHECK_FALSE(matches(expected, error));
}

TEST_CASE("features_a_live_server_has_beyond_mucsims_are_no_difference") {
    model::Element in_process = stanza(R"(<iq type="result" id="a3" from="room@c"><query
        xmlns="http://jabber.org/protocol/disco#info"><feature var="http://jabber.org/protocol/muc"/></query></iq>)");
    model::Element live = stanza(R"(<iq type="result" id="a3" from="room@c"><query
        xmlns="http://jabber.org/protocol/disco#info"><feature var="urn:xmpp:mam:2"/>
        <feature var="http://jabber.org/protocol/muc"/></query></iq>)");
    CHECK(live::differences(in_process, live).empty());
    model::Element lacking = stanza(R"(<iq type="result" id="a3" from="room@c"><query
        xmlns="http://jabber.org/protocol/disco#info"><feature var="urn:xmpp:mam:2"/></query></iq>)");
    CHECK(live::differences(in_process, lacking).size() == 1);
}
