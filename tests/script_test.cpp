#include "traces/script.hpp"

#include <doctest/doctest.h>

#include "model/namespaces.hpp"
#include "tests/support.hpp"
#include "traces/variables.hpp"

using namespace mucsim;
using traces::ActionKind;
using traces::parse_script;

namespace {

constexpr std::string_view small_script = R"(# A title
# second line

[Client] Romeo
	jid: user@localhost
	password: password

[Client] Juliet's phone
	jid: juliet@localhost
	password: password
	resource: mobile

-----

Romeo connects

# Romeo joins
Romeo sends:
	<presence to="room@conference.localhost/Romeo">
		<x xmlns="http://jabber.org/protocol/muc"/>
	</presence>

Romeo receives:
	<presence from="room@conference.localhost/Romeo">
		<x xmlns="http://jabber.org/protocol/muc#user" scansion:strict="false">
			<item jid="${Romeo's full JID}" affiliation="owner" role="moderator"/>
		</x>
	</presence>

Juliet's phone receives: nothing
Juliet's phone sends
	<message to="${Juliet's phone's JID}"><body>I think we&apos;re in a script!</body></message>
Romeo disconnects

# recording ended on 2019-08-31T13:45:32Z
)";

traces::Script parse_ok(std::string_view text) {
    auto script = parse_script(text, "test.scs");
    REQUIRE_MESSAGE(script.ok(), (script.ok() ? "" : script.error().str()));
    return std::move(script).value();
}

traces::ScriptError parse_error(std::string_view text) {
    auto script = parse_script(text, "bad.scs");
    REQUIRE(!script.ok());
    return script.error();
}

}  // namespace

TEST_CASE("script_parser_reads_clients_actions_comments_and_lines") {
    traces::Script script = parse_ok(small_script);
    CHECK(script.title == std::vector<std::string>{"A title", "second line"});
    REQUIRE(script.clients.size() == 2);
    CHECK(script.clients[1].name == "Juliet's phone");
    CHECK(script.clients[1].property("resource") == "mobile");
    CHECK(script.clients[0].line == 4);
    REQUIRE(script.actions.size() == 6);
    CHECK(script.actions[0].kind == ActionKind::connects);
    CHECK(script.actions[0].line == 15);
    CHECK(script.actions[1].kind == ActionKind::sends);
    CHECK(script.actions[1].comments == std::vector<std::string>{"Romeo joins"});
    CHECK(script.actions[1].stanza->child("x", model::ns::muc));
    CHECK(script.actions[2].stanza->child("x")->attribute("scansion:strict") == "false");
    CHECK(script.actions[3].kind == ActionKind::receives_nothing);
    CHECK(script.actions[3].client == "Juliet's phone");
    CHECK(script.actions[4].kind == ActionKind::sends);  // the colon is optional
    CHECK(script.actions[4].stanza->child_text("body") == "I think we're in a script!");
    CHECK(script.actions[5].line == 33);
    CHECK(script.actions[5].kind == ActionKind::disconnects);
    CHECK(script.trailer == std::vector<std::string>{"recording ended on 2019-08-31T13:45:32Z"});
}

TEST_CASE("written_script_parses_back_to_the_same_script") {
    traces::Script script = parse_ok(small_script);
    std::string written = traces::write_script(script);
    CHECK(parse_ok(written) == script);
    CHECK(written.find("\t<presence to=\"room@conference.localhost/Romeo\">\n\t\t<x xmlns=") != std::string::npos);
}

TEST_CASE("every_prosody_script_parses_and_round_trips") {
    auto scripts = test::prosody_scripts();
    CHECK(scripts.size() == 13);
    for (const auto& path : scripts) {
        CAPTURE(path);
        auto script = traces::read_script(path.string());
        REQUIRE_MESSAGE(script.ok(), (script.ok() ? "" : script.error().str()));
        CHECK(!script->actions.empty());
        std::string written = traces::write_script(*script);
        auto again = parse_script(written, "rewritten.scs");
        REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().str()));
        CHECK(*again == *script);
        CHECK(traces::write_script(*again) == written);
    }
}

TEST_CASE("variables_are_substituted_and_abstracted_back") {
    traces::Script script = parse_ok(small_script);
    traces::Bindings bindings{{"Romeo", "user@localhost/r1"}, {"Juliet's phone", "juliet@localhost/mobile"}};
    auto expected = traces::substitute(*script.actions[2].stanza, bindings);
    REQUIRE(expected.ok());
    CHECK(expected->child("x")->child("item")->attribute("jid") == "user@localhost/r1");
    auto message = traces::substitute(*script.actions[4].stanza, bindings);
    REQUIRE(message.ok());
    CHECK(message->attribute("to") == "juliet@localhost");
    CHECK(traces::abstract_jids(*message, bindings) == *script.actions[4].stanza);
    auto unbound = traces::substitute(*script.actions[2].stanza, {});
    CHECK_FALSE(unbound.ok());
}

TEST_CASE("bad_scripts_are_refused_with_file_line_and_what") {
    SUBCASE("empty file") {
        auto e = parse_error("");
        CHECK(e.line == 1);
        CHECK(e.message.find("empty script") != std::string::npos);
        CHECK(e.str().starts_with("bad.scs:1: "));
    }
    SUBCASE("binary file") {
        auto e = parse_error(std::string("[Client] A\n\x00\x01\x02", 14));
        CHECK(e.line == 2);
        CHECK(e.message.find("binary") != std::string::npos);
    }
    SUBCASE("invalid UTF-8") {
        CHECK(parse_error("# caf\xe9\n").message.find("UTF-8") != std::string::npos);
    }
    SUBCASE("no dashes line") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n\nA connects\n");
        CHECK(e.line == 4);
        CHECK(e.message.find("-----") != std::string::npos);
    }
    SUBCASE("header without dashes at the end") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n");
        CHECK(e.message.find("no ----- line") != std::string::npos);
    }
    SUBCASE("undeclared client") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n-----\nA connects\nB connects\n");
        CHECK(e.line == 5);
        CHECK(e.message.find("'B'") != std::string::npos);
    }
    SUBCASE("unknown action") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n-----\nA dances\n");
        CHECK(e.line == 4);
        CHECK(e.message.find("unknown action 'dances'") != std::string::npos);
    }
    SUBCASE("XML that does not parse") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n-----\nA sends:\n\t<message>\n\t\t<body>x</bod>\n\t</message>\n");
        CHECK(e.line == 6);
        CHECK(e.message.find("not well-formed") != std::string::npos);
    }
    SUBCASE("undefined variable") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n-----\nA sends:\n\t<message\n\t\tto=\"${B's JID}\"/>\n");
        CHECK(e.line == 6);
        CHECK(e.message.find("undefined variable") != std::string::npos);
    }
    SUBCASE("unknown variable form") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n-----\nA sends:\n\t<message to=\"${A's phone number}\"/>\n");
        CHECK(e.message.find("unknown variable") != std::string::npos);
    }
    SUBCASE("sends without a stanza") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n-----\nA sends:\nA connects\n");
        CHECK(e.line == 4);
    }
    SUBCASE("two stanzas in one action") {
        auto e = parse_error("[Client] A\n\tjid: a@localhost\n-----\nA sends:\n\t<a/>\n\t<b/>\n");
        CHECK(e.message.find("one element") != std::string::npos);
    }
    SUBCASE("client without jid") {
        auto e = parse_error("[Client] A\n\tpassword: x\n-----\nA connects\n");
        CHECK(e.line == 1);
        CHECK(e.message.find("jid") != std::string::npos);
    }
    SUBCASE("unknown object") {
        CHECK(parse_error("[Server] A\n-----\n").message.find("unknown object") != std::string::npos);
    }
}
