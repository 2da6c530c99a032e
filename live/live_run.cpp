#include "live/live_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "model/jid.hpp"
#include "model/namespaces.hpp"

namespace mucsim::live {

namespace {

class Runner {
public:
    Runner(const sim::Program& program, const LiveRunOptions& options)
        : program_(program),
          options_(options),
          sessions_(program.clients.size()),
          occupancy_(program.clients.size()),
          start_(Clock::now()) {
        std::vector<traces::ClientInfo> infos;
        for (std::size_t i = 0; i < program.clients.size(); ++i) {
            const sim::ProgramClient& c = program.clients[i];
            // The resource is fixed per client, so a reconnect binds the same full JID.
            model::Jid full = c.jid.is_full() ? c.jid
                                              : c.jid.with_resource(fmt::format("{}-{}", options.resource_prefix, i + 1));
            full_jids_.push_back(full.str());
            infos.push_back({c.name, full.str()});
        }
        run_.trace.set_clients(std::move(infos));
    }

    ~Runner() {
        // Close what is still open; a server that does not answer costs one second in all.
        Deadline deadline = deadline_in(std::min(options_.reply_ms, 1000));
        for (auto& s : sessions_) {
            if (s && s->alive()) (void)s->close(deadline);
        }
    }

    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    LiveRun run() {
        // Each client's actions in program order; the oldest head that can go goes.
        std::vector<std::deque<std::size_t>> queues(program_.clients.size());
        for (std::size_t i = 0; i < program_.actions.size(); ++i) {
            queues[static_cast<std::size_t>(program_.actions[i].client)].push_back(i);
        }
        while (run_.error.empty()) {
            std::size_t next = program_.actions.size();
            for (std::size_t c = 0; c < queues.size(); ++c) {
                if (queues[c].empty()) continue;
                std::size_t head = queues[c].front();
                bool can_go = online(static_cast<int>(c)) || program_.actions[head].verb == sim::Verb::connect;
                if (can_go && head < next) next = head;
            }
            if (next == program_.actions.size()) break;
            queues[static_cast<std::size_t>(program_.actions[next].client)].pop_front();
            step(next);
        }
        return std::move(run_);
    }

private:
    bool online(int c) const { return sessions_[static_cast<std::size_t>(c)] != nullptr; }

    void step(std::size_t index) {
        const sim::ProgramAction& action = program_.actions[index];
        int c = action.client;
        ++run_.inputs;
        switch (action.verb) {
            case sim::Verb::connect: return connect(c);
            case sim::Verb::disconnect: return disconnect(c);
            default: return send(c, sim::action_stanza(program_, index, options_.muc_host));
        }
    }

    void connect(int c) {
        if (online(c)) return;  // as the world: a connect while online does nothing
        SessionOptions session;
        session.jid = full_jids_[static_cast<std::size_t>(c)];
        session.connect_ms = options_.connect_ms;
        session.reply_ms = options_.reply_ms;
        session.limits = options_.limits;
        auto opened = Connection::open(options_.server, session);
        if (!opened) {
            run_.error = opened.error();
            return;
        }
        if (opened.value()->full_jid() != full_jids_[static_cast<std::size_t>(c)]) {
            run_.error = fmt::format("{}: bound {} instead of {}", options_.server.str(), opened.value()->full_jid(),
                                     full_jids_[static_cast<std::size_t>(c)]);
            return;
        }
        sessions_[static_cast<std::size_t>(c)] = std::move(opened).value();
        ++steps_;
        traces::Event event;
        event.kind = traces::EventKind::connect;
        event.client = c;
        event.detail = full_jids_[static_cast<std::size_t>(c)];
        record(std::move(event));
    }

    void disconnect(int c) {
        if (!online(c)) return;
        auto& session = sessions_[static_cast<std::size_t>(c)];
        std::optional<std::string> error = session->close(deadline_in(options_.reply_ms));
        std::deque<model::Element> left = std::move(session->inbox());
        session.reset();
        if (error) {
            run_.error = *error;
            return;
        }
        traces::Event event;
        event.kind = traces::EventKind::disconnect;
        event.client = c;
        event.detail = "closed";
        event.step = ++steps_;
        // What reached the client while it closed its stream belongs to it.
        for (model::Element& s : left) {
            follow_occupancy(c, s);
            event.emitted.push_back({c, std::move(s)});
        }
        if (!barrier_others(c)) return;
        collect(event, c);
        // The rooms the client was in now send its session an unavailable
        // self-presence that nobody can receive; the world records such a
        // stanza as an emission to nobody, and so does this, inferred from
        // the self-presences the client last received (occupancy_).
        for (const auto& [room, seen] : occupancy_[static_cast<std::size_t>(c)]) {
            model::Element x("x", std::string(model::ns::muc_user));
            x.append(model::Element("item", std::string(model::ns::muc_user))
                         .set("affiliation", seen.affiliation)
                         .set("role", "none")
                         .set("jid", full_jids_[static_cast<std::size_t>(c)]));
            x.append(model::Element("status", std::string(model::ns::muc_user)).set("code", "110"));
            model::Element unavailable("presence", std::string(model::ns::client));
            unavailable.set("type", "unavailable")
                .set("from", fmt::format("{}/{}", room, seen.nick))
                .set("to", full_jids_[static_cast<std::size_t>(c)]);
            unavailable.append(std::move(x));
            event.emitted.push_back({traces::no_client, std::move(unavailable)});
        }
        occupancy_[static_cast<std::size_t>(c)].clear();
        record(std::move(event));
    }

    void send(int c, model::Element stanza) {
        auto& session = sessions_[static_cast<std::size_t>(c)];
        if (auto error = session->send(stanza)) {
            run_.error = *error;
            return;
        }
        std::string target = barrier_target(stanza, server_domain(c));
        if (auto error = session->ping(deadline_in(options_.reply_ms), target)) {
            run_.error = *error;
            return;
        }
        if (!barrier_others(c, target)) return;
        traces::Event event;
        event.kind = traces::EventKind::process;
        event.client = c;
        event.is_stanza = true;
        event.stanza = std::move(stanza);
        event.stanza.set("from", full_jids_[static_cast<std::size_t>(c)]);
        event.step = ++steps_;
        collect(event, c);
        record(std::move(event));
    }

    std::string_view server_domain(int c) const {
        std::string_view jid = full_jids_[static_cast<std::size_t>(c)];
        jid = jid.substr(0, jid.find('/'));
        return jid.substr(jid.find('@') + 1);
    }

    // Every connected client but `except` pings `target` (the server when
    // empty); all pings are in flight at once. After the sender's barrier
    // answered by the same entity: what that entity sent the others before
    // answering reaches them before their answers.
    bool barrier_others(int except, std::string_view target = {}) {
        std::vector<Connection*> pinged;
        for (std::size_t i = 0; i < sessions_.size(); ++i) {
            if (static_cast<int>(i) == except || !sessions_[i]) continue;
            if (auto error = sessions_[i]->send_ping(target)) {
                run_.error = *error;
                return false;
            }
            pinged.push_back(sessions_[i].get());
        }
        Deadline deadline = deadline_in(options_.reply_ms);
        for (Connection* session : pinged) {
            if (auto error = session->await_pong(deadline)) {
                run_.error = *error;
                return false;
            }
        }
        return true;
    }

    // Everything the clients received since the last step, as its emissions:
    // the other clients' in client order, then the sender's. Within one
    // client the order is the arrival order; across clients a live observer
    // cannot know the server's order, and the convention that the answer to
    // the sender comes after what the input caused for others is assumed.
    void collect(traces::Event& event, int sender) {
        auto take = [&](std::size_t i) {
            if (!sessions_[i]) return;
            std::deque<model::Element>& inbox = sessions_[i]->inbox();
            for (model::Element& s : inbox) {
                follow_occupancy(static_cast<int>(i), s);
                event.emitted.push_back({static_cast<int>(i), std::move(s)});
            }
            inbox.clear();
        };
        for (std::size_t i = 0; i < sessions_.size(); ++i) {
            if (static_cast<int>(i) != sender) take(i);
        }
        if (sender >= 0) take(static_cast<std::size_t>(sender));
    }

    // Which rooms a client is in, by the self-presences (status 110) it received.
    void follow_occupancy(int c, const model::Element& stanza) {
        if (stanza.name != "presence" || stanza.attribute("type") == "error") return;
        const model::Element* x = stanza.child("x", model::ns::muc_user);
        if (!x) return;
        bool self = false;
        for (const model::Element* status : x->elements("status", model::ns::muc_user)) {
            self = self || status->attribute("code") == "110";
        }
        if (!self) return;
        auto jid = model::Jid::parse(stanza.attribute("from"));
        if (!jid || jid->resource().empty()) return;
        std::string room = jid->bare_str();
        auto& rooms = occupancy_[static_cast<std::size_t>(c)];
        if (stanza.attribute("type") == "unavailable") {
            rooms.erase(room);
            return;
        }
        const model::Element* item = x->child("item", model::ns::muc_user);
        rooms[room] = {std::string(jid->resource()), item ? std::string(item->attribute("affiliation")) : "none"};
    }

    void record(traces::Event event) {
        event.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count();
        std::vector<traces::Event> deliveries;
        for (const traces::Emission& e : event.emitted) {
            traces::Event d;
            d.kind = traces::EventKind::deliver;
            d.client = e.to;
            d.stanza = e.stanza;
            d.is_stanza = true;
            d.time_ms = event.time_ms;
            deliveries.push_back(std::move(d));
        }
        run_.trace.add(std::move(event));
        for (traces::Event& d : deliveries) run_.trace.add(std::move(d));
    }

    const sim::Program& program_;
    const LiveRunOptions& options_;
    std::vector<std::unique_ptr<Connection>> sessions_;
    std::vector<std::string> full_jids_;
    struct Seen {
        std::string nick;
        std::string affiliation;
    };
    std::vector<std::map<std::string, Seen>> occupancy_;  // per client: room JID → its own nick there
    LiveRun run_;
    std::uint64_t steps_ = 0;
    Clock::time_point start_;
};

}  // namespace

LiveRun run_program_live(const sim::Program& program, const LiveRunOptions& options) {
    assert(!program.clients.empty());
    return Runner(program, options).run();
}

sim::Program with_room(sim::Program program, std::string_view from, std::string_view to) {
    for (sim::ProgramAction& a : program.actions) {
        if (a.room == from) a.room = std::string(to);
    }
    return program;
}

}  // namespace mucsim::live
