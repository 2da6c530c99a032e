#pragma once
// Replaying a scansion script against a live server: the same walk of the
// script and the same report as in-process replay (sim/replay.hpp), on
// virtual clients that are real c2s connections.
//
// Waiting follows scansion's runner (../shared/docs/scansion.md): after each
// `sends:` the sender pings the server and waits for the answer, so the
// server has handled the stanza before the next action; `receives:` waits up
// to `timeout_ms` for a matching stanza, skipping the others;
// `receives: nothing` pings (everything already caused has then arrived) and
// waits `quiet_ms` more.

#include <string>

#include "live/address.hpp"
#include "live/connection.hpp"
#include "sim/replay.hpp"
#include "traces/script.hpp"

namespace mucsim::live {

struct LiveOptions {
    ServerAddress server;
    int timeout_ms = 3000;  // receives: waits at most this long for a match
    int quiet_ms = 200;     // receives: nothing waits this long after the barrier
    int connect_ms = 5000;  // TCP connect
    int reply_ms = 5000;    // each answer while opening a session, each barrier
    model::ParseLimits limits{};
};

sim::ReplayResult replay_live(const traces::Script& script, const LiveOptions& options, bool strict_order,
                               traces::MatchMode match = traces::MatchMode::scansion);

}  // namespace mucsim::live
