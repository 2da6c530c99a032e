#pragma once
// The deterministic world: virtual clients, their links, the user's server
// with the MUC behind it, a virtual clock, deterministic ids, and a scheduler
// that takes every decision from a choice sequence.
//
// Each client has an outgoing FIFO link to the server and a backlog of what
// it still means to send; it keeps at most `in_flight_max` inputs on the link
// (one by default: a client sends its next action once the server has taken
// the previous one). The server takes one input at a time; which link it
// takes from is a choice. What the server emits is delivered to the
// recipients' inboxes in emission order (per-link FIFO). Faults are choices
// too: a client's connection drops (its in-flight inputs are lost, the server
// sends unavailable presence for it), a dropped client reconnects. A world is
// a value: copy it to branch.

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/jid.hpp"
#include "model/muc_service.hpp"
#include "sim/choices.hpp"
#include "sim/fifo.hpp"
#include "sim/server.hpp"
#include "traces/trace.hpp"

namespace mucsim::sim {

// 2025-01-01T12:00:00Z, a fixed start so that delay stamps are reproducible.
inline constexpr std::int64_t default_start_ms = 1735732800000;

struct WorldConfig {
    ServerConfig server;
    std::int64_t start_ms = default_start_ms;
    std::int64_t step_ms = 1000;  // virtual time per processed input
    std::size_t in_flight_max = 1;
    // With both on (the default), sending and delivering are not choices: a
    // client sends as soon as its window allows, and what the server emits
    // lands in the recipients' inboxes at once. Off, they are steps of their
    // own (send, deliver) that the scheduler interleaves with everything
    // else: the unreduced model the explorer measures its reductions against.
    bool eager_sends = true;
    bool eager_deliveries = true;
    int faults_max = 0;           // fault budget: drops and reconnects
    bool record_trace = true;
    bool record_deliveries = true;  // deliver events besides process events' emissions
    std::size_t steps_max = 100000;  // run_until_quiet stops here (a livelock guard)
};

enum class InputKind : std::uint8_t { connect, stanza, disconnect };

struct Input {
    InputKind kind = InputKind::stanza;
    model::Element stanza;
    // When the client decided to send it (program order): the age order of
    // choices, so that choice 0 runs a program in the order it is written.
    std::uint64_t sequence = 0;
    bool operator==(const Input&) const = default;
};

enum class LinkState : std::uint8_t { offline, online, dropped };

// A stanza on its way to a client, with the fingerprint of its encoding,
// taken once when it is emitted: a queued stanza is in many states.
struct InFlight {
    model::Element stanza;
    std::uint64_t fingerprint = 0;
};

struct Client {
    std::string name;
    model::Jid full_jid;
    LinkState state = LinkState::offline;
    Fifo<Input> link;         // on the wire to the server, oldest first
    Fifo<Input> backlog;      // still to be sent, in order
    Fifo<InFlight> incoming;  // emitted to it, not yet delivered (eager_deliveries off)
    Fifo<model::Element> inbox;  // delivered and not yet taken
    std::uint64_t received_total = 0;
};

class World {
public:
    explicit World(WorldConfig config = {});

    const WorldConfig& config() const { return config_; }

    // Adds a client; `jid` is bare or full. A bare JID gets a deterministic
    // resource. Returns the client's index.
    ClientIndex add_client(std::string name, const model::Jid& jid);
    std::size_t client_count() const { return clients_.size(); }
    const Client& client(ClientIndex c) const;
    Client& client(ClientIndex c);
    ClientIndex find_client(std::string_view name) const;

    // What a client means to send, in order (put on its link as the window allows).
    void send_connect(ClientIndex c);
    void send_stanza(ClientIndex c, model::Element stanza);
    void send_disconnect(ClientIndex c);

    // The scheduler's options now: inputs at the heads of links, oldest first
    // (choice 0); then, when they are not eager, sends and deliveries; then
    // faults when the budget allows.
    std::vector<Choice> choices() const;
    // Takes one option.
    void apply(const Choice& choice);
    // Takes choices from `sequence` until no input is pending. Returns the
    // number of steps taken.
    std::size_t run_until_quiet(ChoiceSequence& sequence);
    std::size_t run_until_quiet();
    bool quiet() const;

    // Whether the client can put its next input on its link now.
    bool can_send(ClientIndex c) const;

    // Faults taken directly by a driver that budgets them itself (the
    // explorer); apply() charges the world's own budget and calls these.
    void drop(ClientIndex c);
    void reconnect(ClientIndex c);

    std::int64_t now_ms() const { return now_ms_; }
    std::uint64_t steps() const { return steps_; }
    int faults_left() const { return faults_left_; }
    const Server& server() const { return server_; }
    const traces::Trace& trace() const { return trace_; }
    traces::Trace& trace() { return trace_; }

    // Canonical bytes of the state that decides the future: server, MUC,
    // links, backlogs, fault budget. Not the trace, the inboxes, the clock.
    void encode(std::string& out) const;
    // The same for the world with its clients renamed: `renaming` maps their
    // words, `client_order` lists the clients in the order their new names
    // take (the inverse of the permutation).
    void encode(std::string& out, const model::Renaming& renaming, const std::vector<int>& client_order) const;
    std::uint64_t hash() const;

private:
    void refill(ClientIndex c);
    void send_next(ClientIndex c);
    void deliver_next(ClientIndex c);
    void record(traces::Event event);
    void process(ClientIndex c);
    void deliver(std::vector<Routed> routed, traces::Event* process_event);
    void bind(ClientIndex c);
    model::Environment environment() { return model::Environment{now_ms_, &ids_}; }

    WorldConfig config_;
    Server server_;
    std::vector<Client> clients_;
    model::Ids ids_;
    std::int64_t now_ms_;
    std::uint64_t steps_ = 0;
    std::uint64_t next_sequence_ = 1;
    int faults_left_;
    traces::Trace trace_;
};

}  // namespace mucsim::sim
