#include "properties/explorer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <unordered_set>

#include "model/namespaces.hpp"
#include "properties/explore_support.hpp"
#include "sim/world.hpp"

namespace mucsim::properties {

namespace {

constexpr std::string_view affiliation_actions[] = {"member", "admin", "owner", "outcast", "none"};
constexpr int depth_max = 64;

bool is_affiliation_action(std::string_view action) {
    return std::find(std::begin(affiliation_actions), std::end(affiliation_actions), action) != std::end(affiliation_actions);
}

struct Node {
    sim::World world;
    ReferenceModel model;
    ClientViews views;
    std::vector<Move> path;
    std::size_t abstract = 0;  // its vertex in the abstract graph
};

class Explorer {
public:
    Explorer(const ExploreOptions& options, const std::function<void(const ExploreProgress&)>& on_progress)
        : options_(options),
          on_progress_(on_progress),
          clients_(sim::cast(options.clients)),
          selected_(support::select_invariants(options.properties)),
          // Clients after the first start alike (outside, no affiliation)
          // and have the same alphabet: interchangeable. The diagram wants
          // every client's own moves, so it goes without.
          symmetry_(clients_, 1, options.symmetry && !options.build_graph ? std::min(options.clients - 1, support::Symmetry::count_max) : 0),
          visited_(options.hash_compaction) {
        for (const std::string& a : options.actions.empty() ? explorer_actions() : options.actions) alphabet_.insert(a);
        for (const sim::ProgramClient& c : clients_) names_.push_back(c.name);
    }

    ExploreResult run() {
        Node initial = initial_node(false);
        std::optional<Violation> setup_violation = judge_events(initial);
        initial.world.trace().clear();
        if (setup_violation) {
            found(initial.path, result_);
            return finish();
        }
        remember(initial);
        initial.abstract = vertex(initial);
        // The depth bound is the model's: reaching it is not stopping early.
        support::breadth_first(std::move(initial), options_.depth, result_.stats, progress_,
                               [this](Node& node, std::vector<Node>& next) { return expand(node, next); });
        return finish();
    }

private:
    // ------------------------------------------------------------ states

    sim::WorldConfig world_config(bool record_deliveries) const {
        sim::WorldConfig config;
        config.step_ms = 0;  // time stands still: states differ by what happened, not when
        config.record_deliveries = record_deliveries;
        config.server.muc.faults = options_.inject;
        return config;
    }

    std::string room_jid() const { return fmt::format("{}@conference.localhost", options_.room); }

    // Everyone connected; the first client has created and unlocked the room.
    Node initial_node(bool record_deliveries) const {
        Node node{sim::World(world_config(record_deliveries)), {}, {}, {}, 0};
        for (const sim::ProgramClient& c : clients_) node.world.add_client(c.name, c.jid);
        for (int c = 0; c < options_.clients; ++c) node.world.send_connect(c);
        node.world.run_until_quiet();
        sim::ProgramAction join = action(0, sim::Verb::join);
        join.nick = names_[0];
        node.world.send_stanza(0, stanza(join, "setup1", node));
        sim::ProgramAction instant = action(0, sim::Verb::config);
        instant.option = "instant";
        node.world.send_stanza(0, stanza(instant, "setup2", node));
        node.world.run_until_quiet();
        return node;
    }

    sim::ProgramAction action(int client, sim::Verb verb) const { return support::room_action(client, verb, options_.room); }

    model::Element stanza(const sim::ProgramAction& a, std::string id, const Node&) const {
        return support::explorer_stanza(clients_, a, std::move(id));
    }

    std::string encode(const Node& node, bool* permuted) const {
        return support::encode_state(symmetry_, node.world, node.model, node.views, permuted);
    }

    // True when the state is new.
    bool remember(const Node& node) {
        bool permuted = false;
        bool fresh = visited_.insert(encode(node, &permuted));
        if (!fresh) {
            if (permuted) ++result_.stats.symmetry_merged;
            return false;
        }
        ++result_.stats.states;
        result_.stats.stored_bytes = visited_.bytes();
        return true;
    }

    // ------------------------------------------------------------ moves

    std::vector<Move> moves(const Node& node) const {
        std::vector<Move> out;
        const RoomView* room = node.model.room(room_jid());
        for (int c = 0; c < options_.clients; ++c) {
            const sim::Client& client = node.world.client(c);
            if (client.state == sim::LinkState::dropped) {
                if (alphabet_.contains("drop")) out.push_back({c, "reconnect", -1});
                continue;
            }
            if (client.state != sim::LinkState::online) continue;
            bool inside = room && room->occupant_of_session(client.full_jid.str());
            if (!inside && alphabet_.contains("join")) out.push_back({c, "join", -1});
            if (inside && alphabet_.contains("leave")) out.push_back({c, "leave", -1});
            if (room) {
                for (std::string_view a : affiliation_actions) {
                    if (!alphabet_.contains(std::string(a))) continue;
                    for (int t = 0; t < options_.clients; ++t) out.push_back({c, std::string(a), t});
                }
                if (alphabet_.contains("membersonly")) out.push_back({c, "membersonly", -1});
                if (alphabet_.contains("whois")) out.push_back({c, "whois", -1});
                if (alphabet_.contains("kick")) {
                    for (int t = 0; t < options_.clients; ++t) {
                        if (t != c && room->occupant_of_session(node.world.client(t).full_jid.str())) {
                            out.push_back({c, "kick", t});
                        }
                    }
                }
            }
            if (alphabet_.contains("drop")) out.push_back({c, "drop", -1});
        }
        return out;
    }

    // The move as the program action it is (drops aside).
    std::optional<sim::ProgramAction> as_action(const Move& move, const Node& node) const {
        const RoomView* room = node.model.room(room_jid());
        if (move.action == "join") {
            sim::ProgramAction a = action(move.client, sim::Verb::join);
            a.nick = names_[static_cast<std::size_t>(move.client)];
            return a;
        }
        if (move.action == "leave") return action(move.client, sim::Verb::leave);
        if (is_affiliation_action(move.action)) {
            sim::ProgramAction a = action(move.client, sim::Verb::affiliation);
            a.target = names_[static_cast<std::size_t>(move.target)];
            a.value = move.action;
            return a;
        }
        if (move.action == "membersonly" || move.action == "whois") {
            sim::ProgramAction a = action(move.client, sim::Verb::config);
            a.option = move.action;
            if (move.action == "membersonly") a.value = room && room->members_only ? "off" : "on";
            if (move.action == "whois") a.value = room && room->whois_anyone ? "moderators" : "anyone";
            return a;
        }
        if (move.action == "kick") {
            sim::ProgramAction a = action(move.client, sim::Verb::role);
            a.nick = names_[static_cast<std::size_t>(move.target)];
            a.value = "none";
            return a;
        }
        return std::nullopt;
    }

    // Takes the move in the node's world; `program` (if given) gets the actions.
    void take(Node& node, const Move& move, sim::Program* program) const {
        std::string id = fmt::format("e{}", node.path.size() + 1);
        if (move.action == "drop") {
            node.world.drop(move.client);
            if (program) program->actions.push_back(action(move.client, sim::Verb::disconnect));
            return;
        }
        if (move.action == "reconnect") {
            node.world.reconnect(move.client);
            if (program) program->actions.push_back(action(move.client, sim::Verb::connect));
            return;
        }
        std::optional<sim::ProgramAction> a = as_action(move, node);
        assert(a);
        std::size_t events_before = node.world.trace().size();
        node.world.send_stanza(move.client, stanza(*a, id, node));
        node.world.run_until_quiet();
        if (program) program->actions.push_back(*a);
        if (move.action != "join" || !created_room(node, move.client, events_before)) return;
        // A client that created the room accepts it as an instant room.
        sim::ProgramAction instant = action(move.client, sim::Verb::config);
        instant.option = "instant";
        node.world.send_stanza(move.client, stanza(instant, id + "i", node));
        node.world.run_until_quiet();
        if (program) program->actions.push_back(instant);
    }

    static bool created_room(const Node& node, int client, std::size_t events_from) {
        const auto& events = node.world.trace().events();
        std::string session = node.world.client(client).full_jid.str();
        for (std::size_t i = events_from; i < events.size(); ++i) {
            for (const traces::Emission& e : events[i].emitted) {
                if (e.stanza.attribute("to") == session && has_status(e.stanza, "201")) return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------ judging

    std::optional<Violation> judge_events(Node& node) const {
        return support::judge_events(node.world.trace(), node.model, node.views, selected_, true);
    }

    // ------------------------------------------------------------ search

    // Expands one node into `next`; false when exploration must stop.
    bool expand(Node& node, std::vector<Node>& next) {
        for (const Move& move : moves(node)) {
            Node child = node;
            child.world.trace().clear();
            take(child, move, nullptr);
            child.path.push_back(move);
            ++result_.stats.transitions;
            std::optional<Violation> violation = judge_events(child);
            child.world.trace().clear();
            for (std::size_t c = 0; c < child.world.client_count(); ++c) child.world.client(static_cast<int>(c)).inbox.clear();
            if (options_.build_graph) {
                child.abstract = vertex(child);
                // A move that changes nothing a person sees is a loop on its
                // state: drawn only when asked for, or when it violates.
                if (child.abstract != node.abstract || violation || options_.graph_loops) {
                    edge(node.abstract, child.abstract, move_label(move, names_), violation.has_value());
                }
            }
            if (violation) {
                found(child.path, result_);
                return false;
            }
            if (!remember(child)) continue;
            if (support::limit_reached(result_.stats, options_)) return false;
            progress_.report(result_.stats, next.size());
            next.push_back(std::move(child));
        }
        return true;
    }

    // Replays the path with the full trace kept, and judges that trace.
    void found(const std::vector<Move>& path, ExploreResult& result) {
        Node node = initial_node(true);
        ExploreViolation v;
        v.path = path;
        v.program.clients = clients_;
        for (int c = 0; c < options_.clients; ++c) v.program.actions.push_back(action(c, sim::Verb::connect));
        sim::ProgramAction join = action(0, sim::Verb::join);
        join.nick = names_[0];
        v.program.actions.push_back(join);
        sim::ProgramAction instant = action(0, sim::Verb::config);
        instant.option = "instant";
        v.program.actions.push_back(instant);
        for (const Move& move : path) {
            // The model decides toggles: keep it current along the way.
            ReferenceModel model;
            for (const traces::Event& e : node.world.trace().events()) model.apply(e);
            node.model = model;
            take(node, move, &v.program);
            node.path.push_back(move);
        }
        std::vector<const Invariant*> selected = selected_;
        auto violation = check_trace(node.world.trace(), selected);
        assert(violation && "a violation found while exploring shows on the path's trace");
        if (violation) v.violation = std::move(*violation);
        v.trace = node.world.trace();
        result.violation = std::move(v);
    }

    ExploreResult finish() {
        result_.stats.seconds = progress_.seconds();
        return std::move(result_);
    }

    // ------------------------------------------------------------ the abstract graph

    AbstractState abstract_of(const Node& node) const {
        const RoomView* room = node.model.room(room_jid());
        AbstractState s;
        for (int c = 0; c < options_.clients; ++c) {
            const sim::Client& client = node.world.client(c);
            std::string where = "offline";
            if (client.state == sim::LinkState::online) {
                const OccupantView* o = room ? room->occupant_of_session(client.full_jid.str()) : nullptr;
                where = o ? std::string(role_name(o->role)) : "out";
            }
            std::string affiliation(room ? affiliation_name(room->affiliation_of(client.full_jid.bare_str())) : "none");
            s.key += fmt::format("{}:{}:{};", c, where, affiliation);
            s.label += fmt::format("{}: {}, {}\\n", names_[static_cast<std::size_t>(c)], where, affiliation);
        }
        if (!room) {
            s.key += "no room";
            s.label += "(no room)";
        } else {
            s.key += fmt::format("m{}w{}", room->members_only, room->whois_anyone);
            s.label += fmt::format("{}, whois {}", room->members_only ? "members-only" : "open",
                                   room->whois_anyone ? "anyone" : "moderators");
        }
        return s;
    }

    std::size_t vertex(const Node& node) {
        if (!options_.build_graph) return 0;
        AbstractState s = abstract_of(node);
        auto [it, fresh] = vertex_index_.emplace(s.key, result_.graph.states.size());
        if (fresh) result_.graph.states.push_back(std::move(s));
        return it->second;
    }

    void edge(std::size_t from, std::size_t to, std::string label, bool violating) {
        auto key = std::make_tuple(from, to, label);
        auto it = edge_index_.find(key);
        if (it != edge_index_.end()) {
            result_.graph.edges[it->second].violating |= violating;
            return;
        }
        edge_index_.emplace(key, result_.graph.edges.size());
        result_.graph.edges.push_back({from, to, std::move(label), violating});
    }

    const ExploreOptions& options_;
    const std::function<void(const ExploreProgress&)>& on_progress_;
    std::vector<sim::ProgramClient> clients_;
    std::vector<std::string> names_;
    std::set<std::string> alphabet_;
    std::vector<const Invariant*> selected_;
    support::Symmetry symmetry_;
    support::VisitedSet visited_;
    std::map<std::string, std::size_t> vertex_index_;
    std::map<std::tuple<std::size_t, std::size_t, std::string>, std::size_t> edge_index_;
    ExploreResult result_;
    support::ProgressReporter progress_{on_progress_};
};

}  // namespace

const std::vector<std::string>& explorer_actions() {
    static const std::vector<std::string> actions{"join",    "leave",       "member", "admin", "owner", "outcast",
                                                  "none",    "membersonly", "whois",  "kick",  "drop"};
    return actions;
}

std::string move_label(const Move& move, const std::vector<std::string>& names) {
    const std::string& who = names[static_cast<std::size_t>(move.client)];
    std::string target = move.target >= 0 ? names[static_cast<std::size_t>(move.target)] : std::string();
    if (is_affiliation_action(move.action)) return fmt::format("{} makes {} {}", who, target, move.action);
    if (move.action == "kick") return fmt::format("{} kicks {}", who, target);
    if (move.action == "membersonly") return fmt::format("{}: toggle members-only", who);
    if (move.action == "whois") return fmt::format("{}: toggle whois", who);
    if (move.action == "join") return fmt::format("{} joins", who);
    if (move.action == "leave") return fmt::format("{} leaves", who);
    if (move.action == "drop") return fmt::format("{} drops", who);
    if (move.action == "reconnect") return fmt::format("{} reconnects", who);
    if (move.action == "say") return fmt::format("{} says hello", who);
    if (move.action == "send") return fmt::format("{} sends its next stanza", who);
    if (move.action == "deliver") return fmt::format("a stanza reaches {}", who);
    return fmt::format("{}: {}", who, move.action);
}

std::string_view reduction_name(Reduction reduction) {
    switch (reduction) {
        case Reduction::none: return "none";
        case Reduction::sleep: return "sleep";
        case Reduction::persistent: return "persistent";
    }
    return "?";
}

std::optional<Reduction> parse_reduction(std::string_view name) {
    for (Reduction r : {Reduction::none, Reduction::sleep, Reduction::persistent}) {
        if (reduction_name(r) == name) return r;
    }
    return std::nullopt;
}

std::optional<StandardModel> parse_standard_model(std::string_view text) {
    std::size_t x = text.find('x');
    if (x == std::string_view::npos || x == 0 || x + 1 >= text.size()) return std::nullopt;
    auto number = [](std::string_view digits) -> std::optional<int> {
        if (digits.empty() || digits.size() > 2) return std::nullopt;
        int value = 0;
        for (char c : digits) {
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        return value;
    };
    auto clients = number(text.substr(0, x));
    auto actions = number(text.substr(x + 1));
    if (!clients || !actions) return std::nullopt;
    return StandardModel{*clients, *actions};
}

std::vector<std::string> standard_actions(int count) {
    assert(count >= 1 && count <= standard_actions_max);
    switch (count) {
        case 1: return {"join"};
        case 2: return {"join", "leave"};
        case 3: return {"join", "member", "leave"};
        default: return {"join", "member", "say", "leave"};
    }
}

std::optional<std::string> validate(const ExploreOptions& options) {
    if (options.model) {
        if (options.model->clients < 1 || options.model->clients > sim::cast_max - 1) {
            return fmt::format("--model NxK: N (clients) must be between 1 and {}", sim::cast_max - 1);
        }
        if (options.model->actions < 1 || options.model->actions > standard_actions_max) {
            return fmt::format("--model NxK: K (actions per client) must be between 1 and {}", standard_actions_max);
        }
        if (options.reduction == Reduction::sleep && options.symmetry) {
            return "--reduction sleep is not combined with symmetry: add --symmetry off";
        }
        if (options.depth < 0 || options.depth > program_depth_max) {
            return fmt::format("--depth must be between 0 and {}", program_depth_max);
        }
        if (options.build_graph) return "the diagram is drawn for the action model (without --model)";
    }
    if (options.clients < 1 || options.clients > sim::cast_max) {
        return fmt::format("--clients must be between 1 and {}", sim::cast_max);
    }
    if (!options.model && (options.depth < 0 || options.depth > depth_max)) return fmt::format("--depth must be between 0 and {}", depth_max);
    for (const std::string& a : options.actions) {
        const auto& all = explorer_actions();
        if (std::find(all.begin(), all.end(), a) == all.end()) {
            return fmt::format("unknown action '{}': expected some of {}", a, fmt::join(all, ", "));
        }
    }
    for (const std::string& p : options.properties) {
        if (!find_invariant(p)) return fmt::format("unknown property '{}' (see mucsim check --list-properties)", p);
    }
    return std::nullopt;
}

ExploreResult explore(const ExploreOptions& options, const std::function<void(const ExploreProgress&)>& on_progress) {
    assert(!validate(options));
    if (options.model) return support::explore_program(options, on_progress);
    return Explorer(options, on_progress).run();
}

}  // namespace mucsim::properties
