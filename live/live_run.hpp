#pragma once
// Running a program (sim/program.hpp) against a live server, one input at a
// time, with a barrier after each, recorded as a traces::Trace that the
// invariants judge exactly as they judge a simulated one.
//
// The order is the simulated world's with the all-zero choice sequence: each
// client's actions in program order, the oldest pending first, and a
// client's stanzas wait while it is offline (until its next connect). After
// a stanza the sender pings the server and waits for the answer (the server
// has handled it), then every other connected client pings and waits (every
// stanza the server wrote to it before has arrived). So each process event
// holds, as its emissions, exactly what each client received because of it,
// in arrival order for each recipient. Across recipients a live observer
// cannot know the server's order: the other clients' stanzas come first (in
// client order), the sender's last — the answer to a request after what it
// caused for others, as servers send it.
//
// A disconnect closes the stream, waits for the server to close its side,
// then the others ping. The rooms then send the closed session its own
// unavailable presence, which nobody can receive: as the simulated world
// records such stanzas as emissions to nobody, the runner adds one per room
// the client was in by the self-presences (status 110) it had received.

#include <cstdint>
#include <string>

#include "live/address.hpp"
#include "live/connection.hpp"
#include "sim/program.hpp"
#include "traces/trace.hpp"

namespace mucsim::live {

struct LiveRunOptions {
    ServerAddress server;
    int connect_ms = 5000;
    int reply_ms = 5000;           // each answer of the server, each barrier
    std::string muc_host = "conference.localhost";  // where the program's rooms are
    std::string resource_prefix = "mucsim";  // client i binds PREFIX-i (1-based): fresh per run
    model::ParseLimits limits{};
};

struct LiveRun {
    traces::Trace trace;
    std::string error;  // the server failed us (connection, stream, barrier); the trace stops there
    std::uint64_t inputs = 0;  // inputs processed
};

LiveRun run_program_live(const sim::Program& program, const LiveRunOptions& options);

// The program with every action on room `from` moved to room `to`.
sim::Program with_room(sim::Program program, std::string_view from, std::string_view to);

}  // namespace mucsim::live
