// The live backend against Debian's Prosody (0.12), one private server per
// test, started and stopped by tools/prosody.sh. Prosody is installed when
// missing (tools/prosody.sh ensure); when it cannot be, each test says so
// and passes without checking anything.

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include "live/connection.hpp"
#include "live/live_check.hpp"
#include "live/live_replay.hpp"
#include "live/live_run.hpp"
#include "properties/counterexample.hpp"
#include "properties/invariants.hpp"
#include "sim/replay.hpp"
#include "sim/world.hpp"
#include "tests/support.hpp"

using namespace mucsim;

namespace {

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string prosody_sh() { return (test::source_dir() / "tools" / "prosody.sh").string(); }

// Whether prosody is there or could be installed; why not, otherwise.
const std::string& prosody_missing() {
    static const std::string reason = [] {
        test::TempDir dir;
        std::string log = (dir.path() / "ensure.log").string();
        int rc = std::system(fmt::format("{} ensure >{} 2>&1", shell_quote(prosody_sh()), shell_quote(log)).c_str());
        if (rc == 0) return std::string();
        return fmt::format("prosody cannot be installed: {}", test::read_file(log));
    }();
    return reason;
}

bool port_is_open(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return open;
}

// A private Prosody on a free loopback port, stopped by its process id when
// the test ends.
class Prosody {
public:
    Prosody() {
        if (!prosody_missing().empty()) return;
        std::random_device seed;
        std::mt19937 random(seed());
        for (int attempt = 0; attempt < 6 && !started_; ++attempt) {
            // Below Linux's ephemeral ports, so that no outgoing connection holds it.
            port_ = static_cast<std::uint16_t>(20000 + random() % 12000);
            std::string log = (dir_.path() / "start.log").string();
            int rc = std::system(fmt::format("{} start {} {} >{} 2>&1", shell_quote(prosody_sh()),
                                             shell_quote(dir_.path().string()), port_, shell_quote(log))
                                     .c_str());
            started_ = rc == 0;
            start_log_ = test::read_file(log);
        }
    }

    ~Prosody() { stop(); }
    Prosody(const Prosody&) = delete;
    Prosody& operator=(const Prosody&) = delete;

    // False (after a MESSAGE saying why) when the test cannot run.
    bool usable() const {
        if (!prosody_missing().empty()) {
            MESSAGE("skipped: " << prosody_missing());
            return false;
        }
        REQUIRE_MESSAGE(started_, "prosody did not start: " << start_log_);
        return true;
    }

    live::ServerAddress address() const { return {"127.0.0.1", port_}; }
    std::uint16_t port() const { return port_; }

    int stop() {
        if (!started_) return 0;
        started_ = false;
        return std::system(fmt::format("{} stop {} >/dev/null 2>&1", shell_quote(prosody_sh()),
                                       shell_quote(dir_.path().string()))
                               .c_str());
    }

private:
    test::TempDir dir_;
    std::uint16_t port_ = 0;
    bool started_ = false;
    std::string start_log_;
};

live::LiveOptions live_options(const Prosody& server) {
    live::LiveOptions options;
    options.server = server.address();
    options.timeout_ms = 2000;
    return options;
}

traces::Script load(const std::filesystem::path& path) {
    auto script = traces::read_script(path.string());
    REQUIRE_MESSAGE(script.ok(), (script.ok() ? "" : script.error().str()));
    return std::move(script).value();
}

std::string failure_of(const sim::ReplayResult& result) {
    if (result.passed) return "";
    return fmt::format("line {}: {}\n{}", result.failures.front().line, result.failures.front().action,
                       result.failures.front().explanation);
}

}  // namespace

TEST_CASE("every_prosody_script_passes_against_debian_prosody_one_fresh_server_each") {
    for (const auto& path : test::prosody_scripts()) {
        CAPTURE(path.filename().string());
        Prosody server;
        if (!server.usable()) return;
        sim::ReplayResult result = live::replay_live(load(path), live_options(server), false);
        CHECK_MESSAGE(result.passed, failure_of(result));
    }
}

TEST_CASE("with_the_ping_barrier_whois_anyone_member_passes_every_time") {
    // Without a barrier after each send, two clients' sends race and this
    // script fails now and then (../shared/docs/scansion.md).
    Prosody server;
    if (!server.usable()) return;
    traces::Script script = load(test::prosody_scripts_dir() / "muc_whois_anyone_member.scs");
    for (int i = 0; i < 5; ++i) {
        CAPTURE(i);
        sim::ReplayResult result = live::replay_live(script, live_options(server), false);
        CHECK_MESSAGE(result.passed, failure_of(result));
    }
}

TEST_CASE("a_wrong_expectation_fails_live_at_its_line_with_the_in_process_report") {
    Prosody server;
    if (!server.usable()) return;
    traces::Script script = load(test::prosody_scripts_dir() / "muc_affiliation_notify.scs");
    for (traces::Action& action : script.actions) {
        if (action.kind != traces::ActionKind::receives || action.stanza->name != "message") continue;
        model::Element* x = action.stanza->child("x");
        if (!x || !x->child("item")) continue;
        x->child("item")->set("affiliation", "admin");
        live::LiveOptions options = live_options(server);
        options.timeout_ms = 500;
        sim::ReplayResult result = live::replay_live(script, options, false);
        REQUIRE_FALSE(result.passed);
        CHECK(result.failures.front().line == action.line);
        CHECK(result.failures.front().action == fmt::format("{} receives:", action.client));
        CHECK(result.failures.front().explanation.find("expected 'admin', received 'member'") != std::string::npos);
        return;
    }
    FAIL("no notification message in the script");
}

TEST_CASE("a_domain_prosody_does_not_serve_ends_in_a_stream_error") {
    Prosody server;
    if (!server.usable()) return;
    live::SessionOptions session;
    session.jid = "romeo@nowhere.example";
    auto c = live::Connection::open(server.address(), session);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().find("stream error: host-unknown") != std::string::npos);
    CHECK(c.error().find(fmt::format("127.0.0.1:{}", server.port())) != std::string::npos);
}

TEST_CASE("a_live_run_has_the_steps_of_the_in_process_run") {
    Prosody server;
    if (!server.usable()) return;
    live::LiveCheckOptions options;
    options.run.server = server.address();
    options.runs = 4;
    options.actions_max = 12;
    options.shrink_evaluations_max = 0;
    live::DiffResult result = live::diff_live(options);
    REQUIRE_MESSAGE(result.error.empty(), result.error);
    CHECK(result.runs_done == 4);
    for (const live::DiffFinding& f : result.findings) {
        CAPTURE(f.signature);
        CHECK(f.divergence.kind != live::DivergenceKind::out_of_step);
    }
}

// Pins a quirk of Prosody (prosody-muc.md §3.4, trunk and 0.12): when a room
// becomes members-only, the non-member it removes gets 322, the remaining
// occupants get nothing (XEP-0045 §10.2 says they get it too). check finds
// it; its script fails on Prosody at the violating step and passes in-process.
TEST_CASE("check_finds_prosodys_silent_members_only_removal_and_its_script_fails_only_live") {
    Prosody server;
    if (!server.usable()) return;
    auto program = sim::parse_program(R"(clients Romeo=user1@localhost Juliet=user2@localhost
Romeo: connect
Juliet: connect
Romeo: join lockout Romeo
Romeo: config lockout instant
Romeo: affiliation lockout Juliet owner
Juliet: join lockout Juliet
Juliet: affiliation lockout Romeo none
Juliet: config lockout membersonly on
)",
                                      "lockout.prog");
    REQUIRE(program.ok());
    live::LiveRunOptions run;
    run.server = server.address();
    live::LiveRun live_run = live::run_program_live(*program, run);
    REQUIRE_MESSAGE(live_run.error.empty(), live_run.error);
    auto violation = properties::check_trace(live_run.trace);
    REQUIRE(violation.has_value());
    CHECK(violation->property == "occupant-change-presence");
    CHECK(violation->explanation.find("322") != std::string::npos);
    CHECK_FALSE(properties::check_trace(sim::run_program(*program, {}).trace()).has_value());

    traces::Script script =
        properties::counterexample_script(live::portable(live_run.trace), *violation, {"live counterexample"});
    auto reparsed = traces::parse_script(traces::write_script(script), "lockout.scs");
    REQUIRE(reparsed.ok());
    // The room of the recorded run is empty and gone: the script replays on the same server.
    sim::ReplayResult on_prosody = live::replay_live(*reparsed, live_options(server), false);
    REQUIRE_FALSE(on_prosody.passed);
    CHECK(on_prosody.failures.front().line == reparsed->actions.back().line);
    sim::ReplayResult in_process = sim::replay(*reparsed, {});
    CHECK_MESSAGE(in_process.passed, failure_of(in_process));
}

TEST_CASE("prosody_sh_stops_the_server_by_its_process_id") {
    Prosody server;
    if (!server.usable()) return;
    CHECK(port_is_open(server.port()));
    CHECK(server.stop() == 0);
    CHECK_FALSE(port_is_open(server.port()));
}
