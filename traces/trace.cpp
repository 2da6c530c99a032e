#include "traces/trace.hpp"

#include <fmt/format.h>

#include <cassert>

#include "model/namespaces.hpp"

namespace mucsim::traces {

std::string_view event_kind_name(EventKind kind) {
    switch (kind) {
        case EventKind::connect: return "connect";
        case EventKind::disconnect: return "disconnect";
        case EventKind::enqueue: return "enqueue";
        case EventKind::process: return "process";
        case EventKind::deliver: return "deliver";
    }
    assert(false);
    return "?";
}

Event& Trace::add(Event event) {
    event.number = events_.size() + 1;
    events_.push_back(std::move(event));
    return events_.back();
}

namespace {

std::string client_name(ClientIndex client, const std::vector<ClientInfo>& clients) {
    if (client == no_client) return "(nobody)";
    if (client < 0 || static_cast<std::size_t>(client) >= clients.size()) return fmt::format("client#{}", client);
    return clients[static_cast<std::size_t>(client)].name;
}

}  // namespace

std::string format_event(const Event& event, const std::vector<ClientInfo>& clients) {
    std::string who = client_name(event.client, clients);
    std::string head = fmt::format("#{:<4} t={:>6}ms {:<10} {}", event.number, event.time_ms,
                                   event_kind_name(event.kind), who);
    switch (event.kind) {
        case EventKind::connect: return fmt::format("{} as {}", head, event.detail);
        case EventKind::disconnect: return fmt::format("{} ({})", head, event.detail);
        case EventKind::enqueue:
        case EventKind::deliver:
            if (!event.is_stanza) return fmt::format("{} {}", head, event.detail);
            return fmt::format("{} {}", head, model::stanza_to_string(event.stanza));
        case EventKind::process: {
            std::string line = fmt::format("{} step {}: {}", head, event.step,
                                           event.is_stanza ? model::stanza_to_string(event.stanza) : event.detail);
            for (const Emission& e : event.emitted) {
                line += fmt::format("\n{:>24}-> {}: {}", "", client_name(e.to, clients),
                                    model::stanza_to_string(e.stanza));
            }
            return line;
        }
    }
    assert(false);
    return head;
}

std::string Trace::str() const {
    std::string out;
    for (const Event& event : events_) {
        out += format_event(event, clients_);
        out += '\n';
    }
    return out;
}

}  // namespace mucsim::traces
