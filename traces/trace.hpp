#pragma once
// The trace: everything that happened in a world, in order, numbered.
//
// A trace is what properties judge (black box: what each client sent, the
// order in which the server processed inputs, what each client received) and
// what becomes a scansion script.

#include <cstdint>
#include <string>
#include <vector>

#include "model/xml.hpp"

namespace mucsim::traces {

using ClientIndex = int;
inline constexpr ClientIndex no_client = -1;

enum class EventKind {
    connect,     // a client's session is bound (full JID known)
    disconnect,  // a client closed its session, or its connection dropped
    enqueue,     // a client put a stanza on its link to the server
    process,     // the server took one input and routed what it caused
    deliver,     // a stanza reached a client
};

std::string_view event_kind_name(EventKind kind);

// One stanza the server emitted while processing an input.
struct Emission {
    ClientIndex to = no_client;  // the client it was routed to, or no_client (dropped)
    model::Element stanza;
    bool operator==(const Emission&) const = default;
};

struct Event {
    std::uint64_t number = 0;  // 1-based, consecutive
    EventKind kind = EventKind::connect;
    ClientIndex client = no_client;
    std::int64_t time_ms = 0;  // virtual time
    // connect: the full JID. disconnect: "closed" or "dropped".
    std::string detail;
    // enqueue, process: the stanza from the client (process: after the server
    // stamped it). deliver: the stanza received.
    model::Element stanza;
    bool is_stanza = false;  // false for a connect/disconnect taken from a link
    // process: the stanzas caused, in emission order.
    std::vector<Emission> emitted;
    // process: which input this was, counting processed inputs from 1.
    std::uint64_t step = 0;

    bool operator==(const Event&) const = default;
};

struct ClientInfo {
    std::string name;
    std::string full_jid;
    bool operator==(const ClientInfo&) const = default;
};

class Trace {
public:
    void set_clients(std::vector<ClientInfo> clients) { clients_ = std::move(clients); }
    const std::vector<ClientInfo>& clients() const { return clients_; }

    Event& add(Event event);
    const std::vector<Event>& events() const { return events_; }
    std::size_t size() const { return events_.size(); }
    void clear() { events_.clear(); }

    // One line per event, stanzas compact, for people.
    std::string str() const;

    bool operator==(const Trace&) const = default;

private:
    std::vector<ClientInfo> clients_;
    std::vector<Event> events_;
};

std::string format_event(const Event& event, const std::vector<ClientInfo>& clients);

}  // namespace mucsim::traces
