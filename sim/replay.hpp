#pragma once
// In-process replay of a scansion script, following scansion's runner
// (../shared/docs/scansion.md, "Running a script"): after each action the
// world runs until quiet; `receives:` takes stanzas from the client's queue,
// skipping those that do not match, until one matches; `receives: nothing`
// needs an empty queue. Skipped stanzas are reported, not errors — except in
// strict-order mode, where every stanza must match the next expectation.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.hpp"
#include "traces/matcher.hpp"
#include "traces/script.hpp"

namespace mucsim::sim {

struct ReplayOptions {
    ServerConfig server;
    bool strict_order = false;
    traces::MatchMode match = traces::MatchMode::scansion;  // --match
    bool keep_log = true;  // ReplayResult::log, the exchange line by line (for --verbose)
};

// One line of the exchange, for --verbose.
struct ReplayLogLine {
    int line = 0;  // script line of the action
    std::string text;
};

struct SkippedStanza {
    int line = 0;  // the receives: action that skipped it
    std::string client;
    model::Element stanza;
};

struct ReplayFailure {
    int line = 0;
    std::string action;       // e.g. "Romeo receives:"
    std::string explanation;  // expected, received, why
};

struct ReplayResult {
    bool passed = false;
    std::vector<ReplayFailure> failures;  // at most one: replay stops at the first
    std::vector<SkippedStanza> skipped;
    std::vector<std::string> warnings;    // e.g. a send by a disconnected client
    std::vector<ReplayLogLine> log;
    std::size_t actions_run = 0;
    std::size_t stanzas_delivered = 0;
    traces::Trace trace;
};

ReplayResult replay(const traces::Script& script, const ReplayOptions& options);

// Where a script runs. The script-walking (variables, matching, skipping,
// the report) is the same for every backend; a backend connects, sends and
// hands over what each client received. The in-process backend is the world
// (replay() above); live/ has one that talks to a real server over TCP.
// Every method that can fail returns an error message naming what happened.
class ReplayBackend {
public:
    virtual ~ReplayBackend() = default;

    // Declares a client before the first action; `jid` is bare or full.
    virtual std::optional<std::string> add_client(const std::string& name, const model::Jid& jid) = 0;
    // The JID ${Name's full JID} stands for: once connected, the bound one.
    virtual std::string full_jid(ClientIndex c) const = 0;
    virtual bool online(ClientIndex c) const = 0;

    virtual std::optional<std::string> connect(ClientIndex c) = 0;
    virtual std::optional<std::string> disconnect(ClientIndex c) = 0;
    // Sends and returns once the server has handled the stanza.
    virtual std::optional<std::string> send(ClientIndex c, model::Element stanza) = 0;

    struct Next {
        std::optional<model::Element> stanza;
        std::string error;  // set when the connection failed while waiting
    };
    // `receives:`: a wait starts, then stanzas are taken one at a time until
    // one matches; no stanza means none came (the world is quiet, or the
    // timeout passed).
    virtual void begin_receive(ClientIndex c) { (void)c; }
    virtual Next next_received(ClientIndex c) = 0;
    // `receives: nothing`: what is queued for the client, or arrives within
    // the quiet period; the queue is left as it is.
    virtual model::Result<std::vector<model::Element>, std::string> pending(ClientIndex c) = 0;
    // Why nothing was received, for failure messages ("the world is quiet").
    virtual std::string silence() const = 0;

    virtual traces::Trace trace() const = 0;
    virtual std::size_t stanzas_delivered() const = 0;
};

// Replays a script on any backend; the clients are added from the script.
ReplayResult replay(const traces::Script& script, ReplayBackend& backend, bool strict_order,
                    traces::MatchMode match = traces::MatchMode::scansion);

}  // namespace mucsim::sim
