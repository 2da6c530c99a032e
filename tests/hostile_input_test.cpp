// Hostile input: the harness and the MUC service keep working, lose nothing,
// and say clearly what was wrong. A refused stanza leaves the service's state
// (encode()) as it was. docs/ROBUSTNESS.md has the table.

#include <doctest/doctest.h>

#include <string>

#include "sim/replay.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

traces::Script parse_script_ok(std::string_view text) {
    auto script = traces::parse_script(text, "hostile.scs");
    REQUIRE_MESSAGE(script.ok(), (script.ok() ? "" : script.error().str()));
    return std::move(script).value();
}

}  // namespace

// ---------------------------------------------------------------- scripts

// Replay aborted (an assertion in World::add_client) when two clients of a
// script had the same full JID, written or given by the world to a bare JID.
TEST_CASE("replay_refuses_two_clients_with_one_full_jid") {
    const char* scripts[] = {
        "[Client] A\n\tjid: a@localhost/x\n\n[Client] B\n\tjid: a@localhost/x\n\n-----\n\nA connects\n",
        "[Client] A\n\tjid: a@localhost/mucsim2\n\n[Client] B\n\tjid: a@localhost\n\n-----\n\nA connects\n",
        "[Client] A\n\tjid: a@localhost\n\n[Client] B\n\tjid: a@localhost\n\tresource: mucsim1\n\n-----\n\nA connects\n",
    };
    for (const char* text : scripts) {
        CAPTURE(text);
        sim::ReplayResult result = sim::replay(parse_script_ok(text), {});
        CHECK_FALSE(result.passed);
        REQUIRE(result.failures.size() == 1);
        CHECK(result.failures[0].action == "[Client] B");
        CHECK(result.failures[0].explanation.find("already the JID of client 'A'") != std::string::npos);
    }
}

TEST_CASE("replay_accepts_two_sessions_of_one_user") {
    sim::ReplayResult result = sim::replay(
        parse_script_ok("[Client] A\n\tjid: a@localhost\n\n[Client] B\n\tjid: a@localhost\n\n-----\n\nA connects\n\nB connects\n"),
        {});
    CHECK(result.passed);
}
