#include "live/live_replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <memory>
#include <vector>

#include "model/jid.hpp"

namespace mucsim::live {

namespace {

class LiveBackend final : public sim::ReplayBackend {
public:
    LiveBackend(const traces::Script& script, const LiveOptions& options) : script_(script), options_(options) {}

    ~LiveBackend() override {
        // Close what is still open, politely, so the server cleans up at once;
        // a server that does not answer costs one second in all, not one per client.
        Deadline deadline = deadline_in(std::min(options_.reply_ms, 1000));
        for (Client& c : clients_) {
            if (c.connection && c.connection->alive()) (void)c.connection->close(deadline);
        }
    }

    LiveBackend(const LiveBackend&) = delete;
    LiveBackend& operator=(const LiveBackend&) = delete;

    std::optional<std::string> add_client(const std::string& name, const model::Jid& jid) override {
        if (jid.node().empty()) return fmt::format("jid '{}' is not a user JID", jid.str());
        for (const Client& other : clients_) {
            if (jid.is_full() && other.jid == jid) {
                return fmt::format("jid '{}' is already the JID of client '{}'", jid.str(), other.name);
            }
        }
        const traces::ClientDecl* decl = script_.client(name);
        Client c;
        c.name = name;
        c.jid = jid;
        c.password = decl && !decl->property("password").empty() ? std::string(decl->property("password")) : "password";
        c.full_jid = jid.str();
        clients_.push_back(std::move(c));
        update_trace_clients();
        return std::nullopt;
    }

    std::string full_jid(sim::ClientIndex c) const override { return client(c).full_jid; }
    bool online(sim::ClientIndex c) const override {
        const Client& cl = client(c);
        return cl.connection != nullptr;  // a dead connection is online: sending on it reports why it died
    }

    std::optional<std::string> connect(sim::ClientIndex c) override {
        Client& cl = client(c);
        if (online(c)) return std::nullopt;
        SessionOptions session;
        session.jid = cl.jid.str();
        session.password = cl.password;
        session.connect_ms = options_.connect_ms;
        session.reply_ms = options_.reply_ms;
        session.limits = options_.limits;
        auto opened = Connection::open(options_.server, session);
        if (!opened) return fmt::format("cannot connect {}: {}", cl.name, opened.error());
        retire(cl);
        std::unique_ptr<Connection> fresh = std::move(opened).value();
        // What the old session received and nobody took stays the client's.
        for (model::Element& s : cl.leftover) fresh->inbox().push_back(std::move(s));
        cl.leftover.clear();
        cl.connection = std::move(fresh);
        cl.full_jid = cl.connection->full_jid();
        update_trace_clients();
        record(traces::EventKind::connect, c, cl.full_jid);
        return std::nullopt;
    }

    std::optional<std::string> disconnect(sim::ClientIndex c) override {
        Client& cl = client(c);
        if (!cl.connection) return std::nullopt;
        std::optional<std::string> error = cl.connection->close(deadline_in(options_.reply_ms));
        retire(cl);
        record(traces::EventKind::disconnect, c, "closed");
        return error;
    }

    std::optional<std::string> send(sim::ClientIndex c, model::Element stanza) override {
        Client& cl = client(c);
        assert(cl.connection);
        if (auto error = cl.connection->send(stanza)) return error;
        std::string target = barrier_target(stanza, cl.jid.domain());
        last_target_ = target;
        stanza.set("from", cl.full_jid);
        traces::Event event;
        event.kind = traces::EventKind::process;
        event.client = c;
        event.stanza = std::move(stanza);
        event.is_stanza = true;
        event.step = ++steps_;
        trace_.add(std::move(event));
        // The barrier: the entity that handles the stanza (the room, the
        // service, the server) has handled it once it answers a ping sent
        // after it on the same connection.
        return cl.connection->ping(deadline_in(options_.reply_ms), target);
    }

    void begin_receive(sim::ClientIndex c) override {
        (void)c;
        receive_deadline_ = deadline_in(options_.timeout_ms);
    }

    Next next_received(sim::ClientIndex c) override {
        Client& cl = client(c);
        if (!cl.connection) {
            if (cl.leftover.empty()) return {};
            Next next{std::move(cl.leftover.front()), {}};
            cl.leftover.pop_front();
            delivered(c, *next.stanza);
            return next;
        }
        Received r = cl.connection->receive(receive_deadline_);
        if (!r.error.empty()) return {std::nullopt, r.error};
        if (r.stanza) delivered(c, *r.stanza);
        return {std::move(r.stanza), {}};
    }

    model::Result<std::vector<model::Element>, std::string> pending(sim::ClientIndex c) override {
        Client& cl = client(c);
        if (!cl.connection) return std::vector<model::Element>(cl.leftover.begin(), cl.leftover.end());
        // The last stanza's handler has then sent what it caused.
        if (auto error = cl.connection->ping(deadline_in(options_.reply_ms), last_target_)) return *error;
        if (auto error = cl.connection->drain_until(deadline_in(options_.quiet_ms))) return *error;
        const std::deque<model::Element>& inbox = cl.connection->inbox();
        return std::vector<model::Element>(inbox.begin(), inbox.end());
    }

    std::string silence() const override {
        return fmt::format("nothing arrived within {} ms from {}", options_.timeout_ms, options_.server.str());
    }

    traces::Trace trace() const override { return trace_; }

    std::size_t stanzas_delivered() const override {
        std::size_t total = retired_received_;
        for (const Client& c : clients_) {
            if (c.connection) total += c.connection->stanzas_received();
        }
        return total;
    }

private:
    struct Client {
        std::string name;
        model::Jid jid;
        std::string password;
        std::string full_jid;
        std::unique_ptr<Connection> connection;
        std::deque<model::Element> leftover;  // received by a closed session, not yet taken
    };

    Client& client(sim::ClientIndex c) {
        assert(c >= 0 && static_cast<std::size_t>(c) < clients_.size());
        return clients_[static_cast<std::size_t>(c)];
    }
    const Client& client(sim::ClientIndex c) const {
        assert(c >= 0 && static_cast<std::size_t>(c) < clients_.size());
        return clients_[static_cast<std::size_t>(c)];
    }

    // A closed connection's untaken stanzas stay with the client.
    void retire(Client& cl) {
        if (!cl.connection) return;
        for (model::Element& s : cl.connection->inbox()) cl.leftover.push_back(std::move(s));
        retired_received_ += cl.connection->stanzas_received();
        cl.connection.reset();
    }

    void update_trace_clients() {
        std::vector<traces::ClientInfo> infos;
        for (const Client& c : clients_) infos.push_back({c.name, c.full_jid});
        trace_.set_clients(std::move(infos));
    }

    void record(traces::EventKind kind, sim::ClientIndex c, std::string detail) {
        traces::Event event;
        event.kind = kind;
        event.client = c;
        event.detail = std::move(detail);
        if (kind == traces::EventKind::disconnect) event.step = ++steps_;
        trace_.add(std::move(event));
    }

    void delivered(sim::ClientIndex c, const model::Element& stanza) {
        traces::Event event;
        event.kind = traces::EventKind::deliver;
        event.client = c;
        event.stanza = stanza;
        event.is_stanza = true;
        trace_.add(std::move(event));
    }

    const traces::Script& script_;
    const LiveOptions& options_;
    std::vector<Client> clients_;
    traces::Trace trace_;
    std::uint64_t steps_ = 0;
    std::size_t retired_received_ = 0;
    Deadline receive_deadline_ = Clock::now();
    std::string last_target_;  // who handled the last stanza sent (barrier_target)
};

}  // namespace

sim::ReplayResult replay_live(const traces::Script& script, const LiveOptions& options, bool strict_order,
                               traces::MatchMode match) {
    LiveBackend backend(script, options);
    return sim::replay(script, backend, strict_order, match);
}

}  // namespace mucsim::live
