// The live backend's client connection and stream parser, against a scripted
// peer (tests/live_fake_server.hpp): every way a server can fail ends in a
// message that names host:port and what happened, within the bound.

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>

#include "live/address.hpp"
#include "live/connection.hpp"
#include "live/xml_stream.hpp"
#include "model/namespaces.hpp"
#include "tests/live_fake_server.hpp"

using namespace mucsim;

namespace {

live::ServerAddress local(std::uint16_t port) { return {"127.0.0.1", port}; }

live::SessionOptions romeo(int reply_ms = 2000) {
    live::SessionOptions options;
    options.jid = "romeo@localhost";
    options.resource = "balcony";
    options.reply_ms = reply_ms;
    options.connect_ms = reply_ms;
    return options;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

const std::string header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "from='localhost' id='s1' version='1.0'>";
const std::string plain_features =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
    "</mechanisms></stream:features>";

}  // namespace

TEST_CASE("server_address_parses_host_and_port") {
    auto a = live::parse_server_address("127.0.0.1:15222");
    REQUIRE(a.ok());
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 15222);
    auto v6 = live::parse_server_address("[::1]:5222");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->str() == "[::1]:5222");
    for (const char* bad : {"localhost", "localhost:", ":5222", "localhost:0", "localhost:70000", "::1:5222", "host:52x"}) {
        CAPTURE(bad);
        auto parsed = live::parse_server_address(bad);
        REQUIRE_FALSE(parsed.ok());
        CHECK(contains(parsed.error(), "HOST:PORT"));
    }
}

TEST_CASE("xml_stream_yields_stanzas_fed_byte_by_byte_named_like_parse_xml") {
    std::string text = header +
                       "<message xml:lang='en' to='a@b/c' type='groupchat'><body> hi &amp; bye </body>"
                       "<x xmlns='http://jabber.org/protocol/muc#user'>\n  <item role='moderator'/>\n</x></message> "
                       "<presence/></stream:stream>";
    live::XmlStream stream;
    for (char c : text) REQUIRE(stream.feed(std::string_view(&c, 1)));
    CHECK(stream.opened());
    CHECK(stream.header().attribute("id") == "s1");
    CHECK(stream.closed());
    REQUIRE(stream.has_element());
    model::Element message = stream.take();
    model::ParseOptions options;
    options.default_ns = "jabber:client";
    auto expected = model::parse_xml(
        "<message xml:lang='en' to='a@b/c' type='groupchat'><body> hi &amp; bye </body>"
        "<x xmlns='http://jabber.org/protocol/muc#user'>\n  <item role='moderator'/>\n</x></message>",
        options);
    REQUIRE(expected.ok());
    CHECK(message == *expected);
    CHECK(message.attribute("xml:lang") == "en");
    REQUIRE(stream.has_element());
    CHECK(stream.take().name == "presence");
    CHECK_FALSE(stream.has_element());
}

TEST_CASE("xml_stream_enforces_its_limits_and_refuses_a_doctype") {
    model::ParseLimits small;
    small.bytes_max = 200;
    small.depth_max = 4;
    {
        live::XmlStream stream(small);
        REQUIRE(stream.feed(header));
        std::string big = "<message><body>" + std::string(300, 'x');
        CHECK_FALSE(stream.feed(big));
        CHECK(contains(stream.error(), "larger than 200 bytes"));
        CHECK_FALSE(stream.feed("</body></message>"));
    }
    {
        live::XmlStream stream(small);
        REQUIRE(stream.feed(header));
        CHECK_FALSE(stream.feed("<a><b><c><d><e><f/></e></d></c></b></a>"));
        CHECK(contains(stream.error(), "deeper than 4"));
    }
    {
        live::XmlStream stream;
        CHECK_FALSE(stream.feed("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream "
                                "xmlns:stream='http://etherx.jabber.org/streams'>"));
        CHECK(contains(stream.error(), "DOCTYPE"));
    }
    {
        live::XmlStream stream;
        CHECK_FALSE(stream.feed("<html><body>"));
        CHECK(contains(stream.error(), "does not begin with <stream:stream>"));
    }
}

TEST_CASE("xml_stream_restarts_for_a_new_stream") {
    live::XmlStream stream;
    REQUIRE(stream.feed(header + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"));
    REQUIRE(stream.has_element());
    CHECK(stream.take().name == "success");
    stream.restart();
    CHECK_FALSE(stream.opened());
    REQUIRE(stream.feed(header + "<stream:features/>"));
    CHECK(stream.opened());
    REQUIRE(stream.has_element());
    CHECK(stream.take().is("features", live::streams_ns));
}

TEST_CASE("a_refused_connection_names_host_and_port") {
    std::uint16_t port = test::FakeServer::closed_port();
    auto start = std::chrono::steady_clock::now();
    auto c = live::Connection::open(local(port), romeo());
    REQUIRE_FALSE(c.ok());
    CHECK(contains(c.error(), fmt::format("127.0.0.1:{}", port)));
    CHECK(contains(c.error(), "cannot connect"));
    CHECK(contains(c.error(), "refused"));
    CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("a_server_that_never_answers_is_given_up_within_the_bound") {
    test::FakeServer silent({}, false, 2000);
    auto start = std::chrono::steady_clock::now();
    auto c = live::Connection::open(local(silent.port()), romeo(300));
    REQUIRE_FALSE(c.ok());
    CHECK(contains(c.error(), fmt::format("127.0.0.1:{}", silent.port())));
    CHECK(contains(c.error(), "no stream header within 300 ms"));
    CHECK(seconds_since(start) < 1.5);
}

TEST_CASE("an_authentication_failure_is_reported_with_its_condition") {
    test::FakeServer server({{"<stream:stream", header + plain_features},
                             {"</auth>", "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>"
                                         "<text>Unable to authorize you</text></failure>"}});
    auto c = live::Connection::open(local(server.port()), romeo());
    REQUIRE_FALSE(c.ok());
    CHECK(contains(c.error(), "authentication failed: not-authorized (Unable to authorize you)"));
    CHECK(contains(c.error(), "romeo@localhost"));
    // PLAIN carries the node and the password, base64: "\0romeo\0password".
    CHECK(contains(server.finish(), "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHJvbWVvAHBhc3N3b3Jk</auth>"));
}

TEST_CASE("a_stream_error_is_reported_with_its_condition_and_text") {
    test::FakeServer server({{"<stream:stream",
                              header + "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                                       "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This server does not serve "
                                       "localhost</text></stream:error></stream:stream>"}},
                            true);
    auto c = live::Connection::open(local(server.port()), romeo());
    REQUIRE_FALSE(c.ok());
    CHECK(contains(c.error(), "stream error: host-unknown (This server does not serve localhost)"));
}

TEST_CASE("a_server_that_requires_tls_is_refused_with_advice") {
    test::FakeServer server({{"<stream:stream", header + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                                                         "<required/></starttls></stream:features>"}});
    auto c = live::Connection::open(local(server.port()), romeo());
    REQUIRE_FALSE(c.ok());
    CHECK(contains(c.error(), "requires TLS"));
}

TEST_CASE("a_server_that_closes_the_connection_during_set_up") {
    test::FakeServer server({{"<stream:stream", header}}, true);
    auto start = std::chrono::steady_clock::now();
    auto c = live::Connection::open(local(server.port()), romeo());
    REQUIRE_FALSE(c.ok());
    CHECK(contains(c.error(), "closed the connection"));
    CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("a_session_binds_its_resource_and_a_ping_is_a_barrier") {
    std::vector<test::FakeStep> steps = test::session_steps();
    // The server handles the stanza, then the ping: what it caused comes first.
    steps.push_back({"mucsim-ping-1",
                     "<message from='room@conference.localhost' type='groupchat'><body>one</body></message>"
                     "<iq type='result' id='mucsim-ping-1' from='localhost'/>"});
    test::FakeServer server(steps);
    auto opened = live::Connection::open(local(server.port()), romeo());
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error()));
    live::Connection& c = **opened;
    CHECK(c.full_jid() == "romeo@localhost/balcony");
    model::Element presence("presence", "jabber:client");
    presence.set("to", "room@conference.localhost/Romeo");
    presence.set("scansion:strict", "true");  // scansion's own attributes never reach a server
    REQUIRE_FALSE(c.send(presence).has_value());
    REQUIRE_FALSE(c.ping(live::deadline_in(2000)).has_value());
    REQUIRE(c.inbox().size() == 1);  // the pong is not queued
    CHECK(c.inbox().front().child_text("body") == "one");
    (void)c.close(live::deadline_in(300));  // the fake server does not close its side: bounded
    CHECK_FALSE(c.alive());
    std::string sent = server.finish();
    CHECK(contains(sent, "<resource>balcony</resource>"));
    CHECK(contains(sent, "<presence to=\"room@conference.localhost/Romeo\"/>"));
    CHECK_FALSE(contains(sent, "scansion"));
}

TEST_CASE("a_stream_closed_by_the_server_fails_the_next_wait") {
    std::vector<test::FakeStep> steps = test::session_steps();
    steps.push_back({"", "<message><body>last words</body></message></stream:stream>"});
    test::FakeServer server(steps, true);
    auto opened = live::Connection::open(local(server.port()), romeo());
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error()));
    live::Connection& c = **opened;
    // What came before the close is still delivered, then the close is an error.
    live::Received first = c.receive(live::deadline_in(2000));
    REQUIRE(first.stanza);
    CHECK(first.stanza->child_text("body") == "last words");
    live::Received next = c.receive(live::deadline_in(2000));
    CHECK_FALSE(next.stanza);
    CHECK(contains(next.error, "the server closed the stream"));
    CHECK_FALSE(c.alive());
}

TEST_CASE("a_ping_the_server_never_answers_fails_within_the_bound") {
    test::FakeServer server(test::session_steps());
    auto opened = live::Connection::open(local(server.port()), romeo(300));
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error()));
    auto start = std::chrono::steady_clock::now();
    auto error = (*opened)->ping(live::deadline_in(300));
    REQUIRE(error.has_value());
    CHECK(contains(*error, "did not answer a ping within 300 ms"));
    CHECK(seconds_since(start) < 1.5);
}

// ejabberd's MUC answers for its rooms beside the server: a ping to the
// server's domain can come back before the room has handled the stanza
// (docs/LIVE.md, "Barriers"). The barrier pings whoever handles the stanza.
TEST_CASE("the_barrier_of_a_stanza_to_a_room_is_answered_by_the_room") {
    auto stanza_to = [](std::string_view to) {
        model::Element presence("presence", std::string(model::ns::client));
        if (!to.empty()) presence.set("to", to);
        return presence;
    };
    CHECK(live::barrier_target(stanza_to("room@conference.localhost/Romeo"), "localhost") ==
          "room@conference.localhost");
    CHECK(live::barrier_target(stanza_to("room@conference.localhost"), "localhost") == "room@conference.localhost");
    CHECK(live::barrier_target(stanza_to("conference.localhost"), "localhost") == "conference.localhost");
    CHECK(live::barrier_target(stanza_to("localhost"), "localhost").empty());
    CHECK(live::barrier_target(stanza_to("juliet@localhost/balcony"), "localhost").empty());
    CHECK(live::barrier_target(stanza_to(""), "localhost").empty());
}

// ejabberd drops a ping that waits for a room whose last occupant just left;
// the barrier sends it again and takes the service's answer to the second.
TEST_CASE("a_barrier_to_a_room_that_drops_the_ping_is_answered_by_its_second_ping") {
    std::vector<test::FakeStep> steps = test::session_steps();
    steps.push_back({"mucsim-ping-2",  // the first ping (1) is never answered
                     "<presence from='room@conference.localhost/Romeo' type='unavailable'/>"
                     "<iq type='error' id='mucsim-ping-2' from='room@conference.localhost'/>"});
    test::FakeServer server(steps);
    auto opened = live::Connection::open(local(server.port()), romeo());
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error()));
    live::Connection& c = **opened;
    auto start = std::chrono::steady_clock::now();
    REQUIRE_FALSE(c.ping(live::deadline_in(2000), "room@conference.localhost").has_value());
    CHECK(seconds_since(start) < 1.0);
    REQUIRE(c.inbox().size() == 1);  // the answer (an error) is not queued
    CHECK(c.inbox().front().attribute("type") == "unavailable");
    std::string sent = server.finish();
    CHECK(contains(sent, "to=\"room@conference.localhost\""));
}
