#include "sim/world.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <charconv>

#include "model/stanza.hpp"

namespace mucsim::sim {

namespace {

constexpr std::size_t clients_max = 256;
constexpr std::size_t backlog_max = 100000;
constexpr std::size_t inbox_max = 1000000;  // a client that never reads is a test bug

}  // namespace

World::World(WorldConfig config)
    : config_(std::move(config)),
      server_(config_.server),
      now_ms_(config_.start_ms),
      faults_left_(config_.faults_max) {
    assert(config_.in_flight_max > 0);
    assert(config_.faults_max >= 0);
}

ClientIndex World::add_client(std::string name, const model::Jid& jid) {
    assert(clients_.size() < clients_max);
    assert(find_client(name) == no_client && "client names are unique");
    assert(jid.domain() == config_.server.domain);
    auto index = static_cast<ClientIndex>(clients_.size());
    Client client;
    client.name = std::move(name);
    // A bare JID gets a resource derived from the client's position: stable
    // across runs, so traces and exported scripts are reproducible.
    client.full_jid = jid.is_full() ? jid : jid.with_resource(fmt::format("mucsim{}", index + 1));
    for (const Client& other : clients_) {
        assert(other.full_jid != client.full_jid && "two clients cannot share a full JID");
    }
    clients_.push_back(std::move(client));
    std::vector<traces::ClientInfo> infos;
    for (const Client& c : clients_) infos.push_back({c.name, c.full_jid.str()});
    trace_.set_clients(std::move(infos));
    return index;
}

const Client& World::client(ClientIndex c) const {
    assert(c >= 0 && static_cast<std::size_t>(c) < clients_.size());
    return clients_[static_cast<std::size_t>(c)];
}

Client& World::client(ClientIndex c) {
    assert(c >= 0 && static_cast<std::size_t>(c) < clients_.size());
    return clients_[static_cast<std::size_t>(c)];
}

ClientIndex World::find_client(std::string_view name) const {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        if (clients_[i].name == name) return static_cast<ClientIndex>(i);
    }
    return no_client;
}

void World::send_connect(ClientIndex c) {
    assert(client(c).backlog.size() < backlog_max);
    client(c).backlog.push_back(Input{InputKind::connect, {}, next_sequence_++});
    refill(c);
}

void World::send_stanza(ClientIndex c, model::Element stanza) {
    assert(client(c).backlog.size() < backlog_max);
    client(c).backlog.push_back(Input{InputKind::stanza, std::move(stanza), next_sequence_++});
    refill(c);
}

void World::send_disconnect(ClientIndex c) {
    assert(client(c).backlog.size() < backlog_max);
    client(c).backlog.push_back(Input{InputKind::disconnect, {}, next_sequence_++});
    refill(c);
}

// Whether the next input may go on the link: the window has room, and an
// offline client can only send a connect.
bool World::can_send(ClientIndex c) const {
    const Client& cl = client(c);
    if (cl.backlog.empty() || cl.link.size() >= config_.in_flight_max) return false;
    if (cl.state == LinkState::online) return true;
    return cl.backlog.front().kind == InputKind::connect && cl.link.empty();
}

// With eager sends, moves inputs from the backlog to the link while it may.
void World::refill(ClientIndex c) {
    if (!config_.eager_sends) return;
    while (can_send(c)) send_next(c);
}

void World::send_next(ClientIndex c) {
    assert(can_send(c));
    Client& cl = client(c);
    {
        Input input = std::move(cl.backlog.front());
        cl.backlog.pop_front();
        if (config_.record_trace) {
            traces::Event event;
            event.kind = traces::EventKind::enqueue;
            event.client = c;
            if (input.kind == InputKind::stanza) {
                event.stanza = input.stanza;
                event.is_stanza = true;
            } else {
                event.detail = input.kind == InputKind::connect ? "connect" : "disconnect";
            }
            record(std::move(event));
        }
        cl.link.push_back(std::move(input));
    }
}

void World::deliver_next(ClientIndex c) {
    Client& cl = client(c);
    assert(!cl.incoming.empty());
    assert(cl.inbox.size() < inbox_max);
    if (config_.record_trace && config_.record_deliveries) {
        traces::Event event;
        event.kind = traces::EventKind::deliver;
        event.client = c;
        event.stanza = cl.incoming.front().stanza;
        event.is_stanza = true;
        record(std::move(event));
    }
    ++cl.received_total;
    cl.inbox.push_back(std::move(cl.incoming.front().stanza));
    cl.incoming.pop_front();
}

std::vector<Choice> World::choices() const {
    std::vector<Choice> options;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        if (!clients_[i].link.empty()) options.push_back({ChoiceKind::process, static_cast<ClientIndex>(i)});
    }
    // Oldest pending input first: choice 0 is FIFO order.
    std::sort(options.begin(), options.end(), [&](const Choice& a, const Choice& b) {
        return client(a.client).link.front().sequence < client(b.client).link.front().sequence;
    });
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        auto c = static_cast<ClientIndex>(i);
        if (!config_.eager_sends && can_send(c)) options.push_back({ChoiceKind::send, c});
    }
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        auto c = static_cast<ClientIndex>(i);
        if (!clients_[i].incoming.empty()) options.push_back({ChoiceKind::deliver, c});
    }
    if (faults_left_ <= 0) return options;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        auto c = static_cast<ClientIndex>(i);
        if (clients_[i].state == LinkState::online) options.push_back({ChoiceKind::drop, c});
    }
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        auto c = static_cast<ClientIndex>(i);
        if (clients_[i].state == LinkState::dropped) options.push_back({ChoiceKind::reconnect, c});
    }
    return options;
}

bool World::quiet() const {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        const Client& c = clients_[i];
        if (!c.link.empty() || !c.incoming.empty() || can_send(static_cast<ClientIndex>(i))) return false;
    }
    return true;
}

void World::apply(const Choice& choice) {
    switch (choice.kind) {
        case ChoiceKind::process: process(choice.client); break;
        case ChoiceKind::drop:
            assert(faults_left_ > 0);
            --faults_left_;
            drop(choice.client);
            break;
        case ChoiceKind::reconnect:
            assert(faults_left_ > 0);
            --faults_left_;
            reconnect(choice.client);
            break;
        case ChoiceKind::send: send_next(choice.client); break;
        case ChoiceKind::deliver: deliver_next(choice.client); break;
    }
}

std::size_t World::run_until_quiet(ChoiceSequence& sequence) {
    std::size_t taken = 0;
    while (taken < config_.steps_max) {
        std::vector<Choice> options = choices();
        bool pending = std::any_of(options.begin(), options.end(), [](const Choice& o) {
            return o.kind == ChoiceKind::process || o.kind == ChoiceKind::send || o.kind == ChoiceKind::deliver;
        });
        if (!pending) break;
        apply(options[sequence.pick(options.size())]);
        ++taken;
    }
    return taken;
}

std::size_t World::run_until_quiet() {
    ChoiceSequence zeros;
    return run_until_quiet(zeros);
}

void World::record(traces::Event event) {
    if (!config_.record_trace) return;
    event.time_ms = now_ms_;
    trace_.add(std::move(event));
}

void World::bind(ClientIndex c) {
    Client& cl = client(c);
    cl.state = LinkState::online;
    server_.bind(c, cl.full_jid);
    traces::Event event;
    event.kind = traces::EventKind::connect;
    event.client = c;
    event.detail = cl.full_jid.str();
    record(std::move(event));
}

void World::process(ClientIndex c) {
    Client& cl = client(c);
    assert(!cl.link.empty());
    Input input = std::move(cl.link.front());
    cl.link.pop_front();
    now_ms_ += config_.step_ms;
    ++steps_;
    switch (input.kind) {
        case InputKind::connect:
            if (cl.state != LinkState::online) bind(c);
            break;
        case InputKind::stanza: {
            assert(cl.state == LinkState::online);
            traces::Event event;
            event.kind = traces::EventKind::process;
            event.client = c;
            event.step = steps_;
            event.is_stanza = true;
            std::vector<Routed> routed = server_.process(c, input.stanza, environment());
            // The trace shows the input as the server saw it: stamped.
            event.stanza = std::move(input.stanza);
            event.stanza.set("from", cl.full_jid.str());
            deliver(std::move(routed), &event);
            break;
        }
        case InputKind::disconnect: {
            if (cl.state != LinkState::online) break;
            cl.state = LinkState::offline;
            std::vector<Routed> routed = server_.unbind(c, {}, environment());
            traces::Event event;
            event.kind = traces::EventKind::disconnect;
            event.client = c;
            event.detail = "closed";
            event.step = steps_;
            deliver(std::move(routed), &event);
            break;
        }
    }
    refill(c);
}

void World::deliver(std::vector<Routed> routed, traces::Event* cause) {
    std::vector<traces::Event> deliveries;
    for (Routed& r : routed) {
        if (config_.record_trace && cause) cause->emitted.push_back({r.to, r.stanza});
        if (r.to == no_client) continue;
        Client& to = client(r.to);
        if (!config_.eager_deliveries) {
            std::string encoding;
            model::encode_element(encoding, r.stanza);
            to.incoming.push_back({std::move(r.stanza), model::fingerprint64(encoding)});  // on its way: a step of its own
            continue;
        }
        assert(to.inbox.size() < inbox_max);
        ++to.received_total;
        if (config_.record_trace && config_.record_deliveries) {
            traces::Event event;
            event.kind = traces::EventKind::deliver;
            event.client = r.to;
            event.stanza = r.stanza;
            event.is_stanza = true;
            deliveries.push_back(std::move(event));
        }
        to.inbox.push_back(std::move(r.stanza));
    }
    if (cause) record(std::move(*cause));
    for (traces::Event& event : deliveries) record(std::move(event));
}

void World::drop(ClientIndex c) {
    Client& cl = client(c);
    assert(cl.state == LinkState::online);
    std::size_t lost = cl.link.size() + cl.incoming.size();
    cl.link.clear();  // what was in flight is gone, as with a closed TCP connection
    cl.incoming.clear();
    cl.state = LinkState::dropped;
    now_ms_ += config_.step_ms;
    ++steps_;
    std::vector<Routed> routed = server_.unbind(c, "Disconnected: connection closed", environment());
    traces::Event event;
    event.kind = traces::EventKind::disconnect;
    event.client = c;
    event.detail = fmt::format("dropped, {} input(s) in flight lost", lost);
    event.step = steps_;
    deliver(std::move(routed), &event);
}

void World::reconnect(ClientIndex c) {
    assert(client(c).state == LinkState::dropped);
    now_ms_ += config_.step_ms;
    ++steps_;
    bind(c);
    refill(c);
}

// A client's inputs are its program's: how many it has still to send and
// how many are on the link say where it is in that program, so the counts
// name them (within one program, which an explored world's states share).
// What is on its way to a client is real content and is written out.
void World::encode(std::string& out) const {
    std::vector<int> order(clients_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    encode(out, model::Renaming{}, order);
}

void World::encode(std::string& out, const model::Renaming& renaming, const std::vector<int>& client_order) const {
    assert(client_order.size() == clients_.size());
    auto number = [&](std::uint64_t value) {
        char digits[24];
        auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
        assert(ec == std::errc());
        out.append(digits, end);
    };
    out += "world{f";
    number(static_cast<std::uint64_t>(faults_left_));
    for (int index : client_order) {
        const Client& c = client(index);
        out += ";c";
        out += static_cast<char>('0' + static_cast<int>(c.state));
        number(c.link.size());
        out += ':';
        number(c.backlog.size());
        for (const InFlight& e : c.incoming) {
            out += '|';
            if (renaming.empty()) {
                out.append(reinterpret_cast<const char*>(&e.fingerprint), sizeof e.fingerprint);
            } else {
                model::encode_element(out, e.stanza, renaming);
            }
        }
    }
    server_.encode(out, renaming);
    out += '}';
}

std::uint64_t World::hash() const {
    std::string bytes;
    encode(bytes);
    return model::fingerprint64(bytes);
}

}  // namespace mucsim::sim
