#include "sim/replay.hpp"

#include <doctest/doctest.h>

#include "tests/support.hpp"

using namespace mucsim;

namespace {

traces::Script load(const std::filesystem::path& path) {
    auto script = traces::read_script(path.string());
    REQUIRE_MESSAGE(script.ok(), (script.ok() ? "" : script.error().str()));
    return std::move(script).value();
}

traces::Script parse(std::string_view text) {
    auto script = traces::parse_script(text, "inline.scs");
    REQUIRE_MESSAGE(script.ok(), (script.ok() ? "" : script.error().str()));
    return std::move(script).value();
}

constexpr std::string_view create_room = R"([Client] Romeo
	jid: romeo@localhost
	password: password

-----

Romeo connects

Romeo sends:
	<presence to="room@conference.localhost/Romeo">
		<x xmlns="http://jabber.org/protocol/muc"/>
	</presence>

Romeo receives:
	<presence from="room@conference.localhost/Romeo">
		<x xmlns="http://jabber.org/protocol/muc#user">
			<status code="201"/>
			<item jid="${Romeo's full JID}" affiliation="owner" role="moderator"/>
			<status code="110"/>
		</x>
	</presence>

Romeo receives:
	<message type="groupchat" from="room@conference.localhost"><subject/></message>
)";

}  // namespace

TEST_CASE("replay_passes_a_room_creation") {
    sim::ReplayResult result = sim::replay(parse(create_room), {});
    INFO((result.passed ? "" : result.failures.front().explanation));
    CHECK(result.passed);
    CHECK(result.actions_run == 4);
    CHECK(result.skipped.empty());
}

TEST_CASE("a_wrong_expectation_fails_with_line_and_explanation") {
    std::string text(create_room);
    text.replace(text.find("role=\"moderator\""), 16, "role=\"visitor\"");
    sim::ReplayResult result = sim::replay(parse(text), {});
    REQUIRE_FALSE(result.passed);
    const sim::ReplayFailure& failure = result.failures.front();
    CHECK(failure.line == 14);
    CHECK(failure.action == "Romeo receives:");
    CHECK(failure.explanation.find("attribute 'role': expected 'visitor', received 'moderator'") != std::string::npos);
    CHECK(failure.explanation.find("expected:") != std::string::npos);
    CHECK(failure.explanation.find("received:") != std::string::npos);
}

TEST_CASE("receives_skips_what_does_not_match_and_reports_it") {
    // Waiting directly for the subject skips the self-presence.
    std::string text(create_room);
    std::size_t begin = text.find("Romeo receives:\n\t<presence");
    std::size_t end = text.find("Romeo receives:\n\t<message");
    text.erase(begin, end - begin);
    sim::ReplayResult result = sim::replay(parse(text), {});
    CHECK(result.passed);
    REQUIRE(result.skipped.size() == 1);
    CHECK(result.skipped.front().stanza.name == "presence");

    sim::ReplayOptions strict;
    strict.strict_order = true;
    sim::ReplayResult strict_result = sim::replay(parse(text), strict);
    REQUIRE_FALSE(strict_result.passed);
    CHECK(strict_result.failures.front().explanation.find("strict order") != std::string::npos);
}

TEST_CASE("receives_nothing_fails_when_something_is_queued") {
    std::string text(create_room);
    text += "\nRomeo receives: nothing\n";
    CHECK(sim::replay(parse(text), {}).passed);
    std::string early(create_room);
    early.insert(early.find("Romeo receives:"), "Romeo receives: nothing\n\n");
    sim::ReplayResult result = sim::replay(parse(early), {});
    REQUIRE_FALSE(result.passed);
    CHECK(result.failures.front().explanation.find("expected nothing") != std::string::npos);
}

TEST_CASE("a_send_after_disconnecting_is_ignored_with_a_warning") {
    std::string text(create_room);
    text += "\nRomeo disconnects\n\nRomeo sends:\n\t<message to=\"room@conference.localhost\" type=\"groupchat\"><body>x</body></message>\n";
    sim::ReplayResult result = sim::replay(parse(text), {});
    CHECK(result.passed);
    REQUIRE(result.warnings.size() == 1);
    CHECK(result.warnings.front().find("not connected") != std::string::npos);
}

TEST_CASE("a_prosody_script_with_one_expectation_broken_fails_there") {
    traces::Script script = load(test::prosody_scripts_dir() / "muc_affiliation_notify.scs");
    // Expect the notification to carry affiliation 'admin' instead of 'member'.
    for (traces::Action& action : script.actions) {
        if (action.kind != traces::ActionKind::receives || action.stanza->name != "message") continue;
        model::Element* x = action.stanza->child("x");
        if (!x || !x->child("item")) continue;
        x->child("item")->set("affiliation", "admin");
        sim::ReplayResult result = sim::replay(script, {});
        REQUIRE_FALSE(result.passed);
        CHECK(result.failures.front().line == action.line);
        CHECK(result.failures.front().explanation.find("expected 'admin', received 'member'") != std::string::npos);
        return;
    }
    FAIL("no notification message in the script");
}
