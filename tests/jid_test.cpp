#include "model/jid.hpp"

#include <doctest/doctest.h>

#include "model/stringprep.hpp"

using mucsim::model::Jid;
using mucsim::model::Prep;

TEST_CASE("jid_parses_node_domain_and_resource") {
    auto jid = Jid::parse("room@conference.localhost/Romeo");
    REQUIRE(jid.ok());
    CHECK(jid->node() == "room");
    CHECK(jid->domain() == "conference.localhost");
    CHECK(jid->resource() == "Romeo");
    CHECK(jid->str() == "room@conference.localhost/Romeo");
    CHECK(jid->bare_str() == "room@conference.localhost");
    CHECK(jid->is_full());
    CHECK(jid->bare().is_bare());
}

TEST_CASE("jid_resource_may_contain_slashes_and_at_signs") {
    auto jid = Jid::parse("a@b/c/d@e");
    REQUIRE(jid.ok());
    CHECK(jid->node() == "a");
    CHECK(jid->resource() == "c/d@e");
    auto domain_only = Jid::parse("conference.localhost");
    REQUIRE(domain_only.ok());
    CHECK(domain_only->is_domain());
}

TEST_CASE("jid_comparison_ignores_case_in_node_and_domain_but_not_resource") {
    CHECK(*Jid::parse("Room@Conference.LocalHost/Nick") == *Jid::parse("room@conference.localhost/Nick"));
    CHECK_FALSE(*Jid::parse("room@conference.localhost/Nick") == *Jid::parse("room@conference.localhost/nick"));
}

TEST_CASE("invalid_jids_are_refused_with_the_part_named") {
    auto no_domain = Jid::parse("user@");
    REQUIRE_FALSE(no_domain.ok());
    CHECK(no_domain.error().message.find("domain") != std::string::npos);
    auto bad_node = Jid::parse("us er@localhost");
    REQUIRE_FALSE(bad_node.ok());
    CHECK(bad_node.error().message.find("node") != std::string::npos);
    CHECK_FALSE(Jid::parse("").ok());
    CHECK_FALSE(Jid::parse("@localhost").ok());
    CHECK_FALSE(Jid::parse("a@localhost/").ok());
    CHECK_FALSE(Jid::parse("a@local\x01host").ok());
    CHECK_FALSE(Jid::parse(std::string(1024, 'a') + "@localhost").ok());
}

TEST_CASE("resourceprep_removes_variation_selectors_and_strict_refuses_new_emoji") {
    // U+1F916 ROBOT FACE followed by U+FE0F VARIATION SELECTOR-16.
    auto lenient = mucsim::model::resourceprep("\xF0\x9F\xA4\x96\xEF\xB8\x8F");
    REQUIRE(lenient);
    CHECK(*lenient == "\xF0\x9F\xA4\x96");
    CHECK_FALSE(mucsim::model::resourceprep("\xF0\x9F\xA4\x96", Prep::strict));
    CHECK(mucsim::model::resourceprep("Romeo Montague", Prep::strict) == "Romeo Montague");
}

TEST_CASE("nodeprep_lowercases_unicode_like_prosody") {
    CHECK(mucsim::model::nodeprep("ROOM") == "room");
    CHECK(mucsim::model::nodeprep("\xC3\x84RGER") == "\xC3\xA4rger");  // ÄRGER
    CHECK_FALSE(mucsim::model::nodeprep("a:b"));
}

TEST_CASE("a_part_that_prepares_to_nothing_is_invalid") {
    // RFC 7622 §3.3.1, §3.4: U+200B ZERO WIDTH SPACE and U+200D ZERO WIDTH
    // JOINER are mapped to nothing; alone they leave an empty part.
    CHECK_FALSE(Jid::parse("room@conference.localhost/\u200b").ok());
    CHECK_FALSE(Jid::parse("room@conference.localhost/\u200d\u200b").ok());
    CHECK_FALSE(Jid::parse("\u200b@localhost").ok());
    auto inside = Jid::parse("room@conference.localhost/Ro\u200bmeo");
    REQUIRE(inside.ok());
    CHECK(inside->resource() == "Romeo");
}
