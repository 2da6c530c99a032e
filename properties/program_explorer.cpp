// The program explorer: a standard model of N interchangeable clients, each
// with a fixed program of K actions, and every interleaving of their steps.
// This is the shape model checkers such as SPIN are measured on (processes
// with programs, channels between them), so the figures compare.
//
// Set-up: Romeo creates the room, makes it persistent, makes every other
// client an owner, gives up his own affiliation and leaves. Then clients
// 1..N run [join, member, say, leave] cut to K actions (K=2: join, leave;
// K=3: join, member, leave): each sends its next action once the server has
// taken the previous one. "member" is the client demoting itself from owner,
// which the last owner may not do: whoever comes last is refused.
//
// The reductions (ExploreOptions::reduction):
// - none: the fine-grained world. A send, the server processing an input,
//   and each delivery are steps of their own.
// - sleep: the same steps with sleep sets (Godefroid): after a step t is
//   explored from a state, its siblings' successors do not take t again
//   where t commutes with the sibling. States are all kept; transitions drop.
// - persistent: sends and deliveries fused into the processing step that
//   enables them (the eager world). {send(c)} and {deliver(c)} are each a
//   persistent set: nothing reachable without them depends on them (see
//   independence.hpp), they change nothing the invariants observe, and the
//   state space is acyclic. Only processing steps branch.
// Symmetry (any reduction but sleep): states are stored in canonical form
// under permutations of clients 1..N.

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <unordered_map>

#include "properties/explore_support.hpp"
#include "properties/explorer.hpp"
#include "properties/independence.hpp"
#include "sim/world.hpp"

namespace mucsim::properties {

namespace {

constexpr std::uint32_t no_parent = ~0U;
constexpr int steps_max = 100000;  // a path longer than this is a bug in the model: the space is acyclic

struct PathLink {
    std::uint32_t parent = no_parent;
    sim::Choice choice;
};

struct ProgramNode {
    sim::World world;
    ReferenceModel model;
    ClientViews views;
    std::uint32_t link = 0;  // its PathLink, once queued
    PathLink from;           // its parent's link and the step from there
    int depth = 0;           // steps from the root
    // Sleep sets: the set this visit starts from, and (on a revisit) the
    // only steps to take.
    std::uint64_t sleep = 0;
    std::uint64_t only = ~0ULL;
    bool revisit = false;
    std::string key;  // its encoding (sleep sets look their entry up by it)
};

// Sleep sets need, per stored state, the steps still asleep there.
struct SleepEntry {
    std::uint64_t asleep = 0;
    bool expanded = false;
};

class ProgramExplorer {
public:
    ProgramExplorer(const ExploreOptions& options, const std::function<void(const ExploreProgress&)>& on_progress)
        : options_(options),
          on_progress_(on_progress),
          model_(*options.model),
          cast_(sim::cast(model_.clients + 1)),
          selected_(support::select_invariants(options.properties)),
          symmetry_(cast_, 1, options.symmetry ? std::min(model_.clients, support::Symmetry::count_max) : 0),
          visited_(options.hash_compaction) {
        assert(model_.clients >= 1 && model_.clients + 1 <= sim::cast_max);
        assert(model_.actions >= 1 && model_.actions <= standard_actions_max);
        for (const sim::ProgramClient& c : cast_) names_.push_back(c.name);
        steps_ = all_steps();
    }

    ExploreResult run() {
        ProgramNode root = initial_node(false);
        std::optional<Violation> setup = support::judge_events(root.world.trace(), root.model, root.views, selected_,
                                                              root.world.quiet());
        root.world.trace().clear();
        if (setup) {
            found(0);
            return finish();
        }
        links_.push_back({});
        root.link = 0;
        root.key = key(root, nullptr);
        store(root.key, 0);
        int depth_max = std::min(options_.depth, steps_max);
        bool bounded = options_.depth_first ? depth_first(std::move(root), depth_max)
                                            : support::breadth_first(std::move(root), depth_max, result_.stats, progress_,
                                                                     [this](ProgramNode& node, std::vector<ProgramNode>& next) {
                                                                         return expand(node, next);
                                                                     });
        // Programs run to their end: a bound that cuts them leaves states unexplored.
        if (bounded) result_.stats.stopped = fmt::format("depth bound of {} reached", depth_max);
        return finish();
    }

private:
    // Depth-first: a stack of the nodes still to expand, each node's
    // successors pushed together, so memory is depth times branching
    // nodes, not a breadth-first level. True when the depth bound cut it.
    bool depth_first(ProgramNode root, int depth_max) {
        bool bounded = false;
        std::vector<ProgramNode> stack;
        stack.push_back(std::move(root));
        std::vector<ProgramNode> children;
        while (!stack.empty()) {
            ProgramNode node = std::move(stack.back());
            stack.pop_back();
            if (node.depth >= depth_max) {
                bounded = true;
                continue;
            }
            children.clear();
            if (!expand(node, children)) break;
            // Reversed, so that the first enabled step is explored first.
            for (auto child = children.rbegin(); child != children.rend(); ++child) {
                result_.stats.depth_reached = std::max(result_.stats.depth_reached, child->depth);
                stack.push_back(std::move(*child));
            }
            progress_.report(result_.stats, stack.size());
        }
        return bounded;
    }

    bool fine_grained() const { return options_.reduction != Reduction::persistent; }
    bool sleep_sets() const { return options_.reduction == Reduction::sleep; }

    // ------------------------------------------------------------ the model

    sim::WorldConfig world_config(bool record_deliveries) const {
        sim::WorldConfig config;
        config.step_ms = 0;
        config.record_deliveries = record_deliveries;
        config.eager_sends = !fine_grained();
        config.eager_deliveries = !fine_grained();
        config.server.muc.faults = options_.inject;
        return config;
    }

    sim::ProgramAction action(int client, sim::Verb verb) const { return support::room_action(client, verb, options_.room); }

    sim::ProgramAction affiliation(int client, int target, std::string value) const {
        sim::ProgramAction a = action(client, sim::Verb::affiliation);
        a.target = names_[static_cast<std::size_t>(target)];
        a.value = std::move(value);
        return a;
    }

    // Romeo's set-up, in order.
    std::vector<sim::ProgramAction> setup_actions() const {
        std::vector<sim::ProgramAction> out;
        sim::ProgramAction join = action(0, sim::Verb::join);
        join.nick = names_[0];
        out.push_back(join);
        sim::ProgramAction instant = action(0, sim::Verb::config);
        instant.option = "instant";
        out.push_back(instant);
        sim::ProgramAction persistent = action(0, sim::Verb::config);
        persistent.option = "persistent";
        persistent.value = "on";
        out.push_back(persistent);
        for (int c = 1; c <= model_.clients; ++c) out.push_back(affiliation(0, c, "owner"));
        out.push_back(affiliation(0, 0, "none"));
        out.push_back(action(0, sim::Verb::leave));
        return out;
    }

    // Client c's program: its first K of join, member, say, leave (leave last).
    std::vector<sim::ProgramAction> client_actions(int c) const {
        std::vector<sim::ProgramAction> out;
        for (const std::string& name : standard_actions(model_.actions)) {
            if (name == "join") {
                sim::ProgramAction a = action(c, sim::Verb::join);
                a.nick = names_[static_cast<std::size_t>(c)];
                out.push_back(a);
            } else if (name == "member") {
                out.push_back(affiliation(c, c, "member"));
            } else if (name == "say") {
                sim::ProgramAction a = action(c, sim::Verb::say);
                a.text = "hello";
                out.push_back(a);
            } else {
                assert(name == "leave");
                out.push_back(action(c, sim::Verb::leave));
            }
        }
        return out;
    }

    // Ids are the action's place in its client's program, the same for
    // every client: interchangeable clients send interchangeable stanzas.
    model::Element stanza(const sim::ProgramAction& a, std::string id) const {
        return support::explorer_stanza(cast_, a, std::move(id));
    }

    ProgramNode initial_node(bool record_deliveries) const {
        ProgramNode node{sim::World(world_config(record_deliveries)), {}, {}, 0, {}, 0, 0, ~0ULL, false, {}};
        for (const sim::ProgramClient& c : cast_) node.world.add_client(c.name, c.jid);
        for (std::size_t c = 0; c < cast_.size(); ++c) node.world.send_connect(static_cast<int>(c));
        std::vector<sim::ProgramAction> setup = setup_actions();
        for (std::size_t i = 0; i < setup.size(); ++i) node.world.send_stanza(0, stanza(setup[i], fmt::format("s{}", i + 1)));
        node.world.run_until_quiet();  // choice 0 throughout: the written order
        for (int c = 1; c <= model_.clients; ++c) {
            std::vector<sim::ProgramAction> program = client_actions(c);
            for (std::size_t k = 0; k < program.size(); ++k) {
                node.world.send_stanza(c, stanza(program[k], fmt::format("a{}", k + 1)));
            }
        }
        return node;
    }

    std::string encode(const ProgramNode& node, bool* permuted) const {
        return support::encode_state(symmetry_, node.world, node.model, node.views, permuted);
    }

    // The sends and deliveries a step of the eager world took along.
    static std::uint64_t fused_steps(const traces::Trace& trace) {
        std::uint64_t count = 0;
        for (const traces::Event& e : trace.events()) {
            if (e.kind == traces::EventKind::enqueue) ++count;
            for (const traces::Emission& emission : e.emitted) count += emission.to != traces::no_client ? 1 : 0;
        }
        return count;
    }

    // The key a state is stored under: its canonical encoding, or with hash
    // compaction the 8 bytes of its fingerprint.
    std::string key(const ProgramNode& node, bool* permuted) const {
        std::string encoding = encode(node, permuted);
        if (!options_.hash_compaction) return encoding;
        std::uint64_t f = support::fingerprint(encoding);
        return std::string(reinterpret_cast<const char*>(&f), sizeof f);
    }

    // ------------------------------------------------------------ sleep sets

    std::uint64_t bit(const sim::Choice& choice) const {
        int kind = choice.kind == sim::ChoiceKind::process ? 0 : choice.kind == sim::ChoiceKind::send ? 1 : 2;
        assert(choice.kind != sim::ChoiceKind::drop && choice.kind != sim::ChoiceKind::reconnect);
        int index = kind * static_cast<int>(cast_.size()) + choice.client;
        assert(index < 64);
        return 1ULL << index;
    }

    // The steps in `asleep` that stay asleep after `taken`: those independent of it.
    std::uint64_t still_asleep(std::uint64_t asleep, const sim::Choice& taken,
                               const std::vector<sim::Choice>& known) const {
        std::uint64_t out = 0;
        for (const sim::Choice& c : known) {
            if ((asleep & bit(c)) && independent(c, taken)) out |= bit(c);
        }
        return out;
    }

    // Every step a sleep set can name: each kind for each client.
    std::vector<sim::Choice> all_steps() const {
        std::vector<sim::Choice> out;
        for (auto kind : {sim::ChoiceKind::process, sim::ChoiceKind::send, sim::ChoiceKind::deliver}) {
            for (std::size_t c = 0; c < cast_.size(); ++c) out.push_back({kind, static_cast<int>(c)});
        }
        return out;
    }

    // ------------------------------------------------------------ search

    // True when the state is new (then stored with the sleep set).
    bool store(const std::string& key, std::uint64_t asleep) {
        if (sleep_sets()) {
            auto [it, fresh] = sleep_.try_emplace(key, SleepEntry{asleep, false});
            if (!fresh) return false;
            sleep_bytes_ += key.size() + sizeof(SleepEntry) + 4 * sizeof(void*);
            ++result_.stats.states;
            result_.stats.stored_bytes = sleep_bytes_ + sleep_.bucket_count() * sizeof(void*);
            return true;
        }
        if (!visited_.insert(key)) return false;
        ++result_.stats.states;
        result_.stats.stored_bytes = visited_.bytes();
        return true;
    }

    bool expand(ProgramNode& node, std::vector<ProgramNode>& next) {
        std::vector<sim::Choice> enabled = node.world.choices();
        std::uint64_t asleep = 0;
        std::uint64_t take = ~0ULL;
        if (sleep_sets()) {
            SleepEntry& entry = sleep_.at(node.key);
            asleep = node.revisit ? node.sleep : entry.asleep;
            take = node.revisit ? node.only : ~asleep;
            entry.expanded = true;
        }
        for (const sim::Choice& choice : enabled) {
            if (!(take & bit(choice))) {
                if (asleep & bit(choice)) ++result_.stats.sleep_pruned;
                continue;
            }
            ProgramNode child = node;
            child.depth = node.depth + 1;
            child.revisit = false;
            child.only = ~0ULL;
            child.world.trace().clear();
            child.world.apply(choice);
            ++result_.stats.transitions;
            if (!fine_grained()) result_.stats.fused_steps += fused_steps(child.world.trace());
            // Linked to its parent only once queued (or violating): most
            // transitions lead to known states and need no link.
            child.from = {node.link, choice};
            std::optional<Violation> violation = support::judge_events(child.world.trace(), child.model, child.views,
                                                                       selected_, child.world.quiet());
            if (violation) {
                found(link(child));
                return false;
            }
            child.world.trace().clear();
            for (std::size_t c = 0; c < child.world.client_count(); ++c) child.world.client(static_cast<int>(c)).inbox.clear();
            child.sleep = sleep_sets() ? still_asleep(asleep, choice, steps_) : 0;
            if (sleep_sets()) asleep |= bit(choice);
            bool permuted = false;
            child.key = key(child, &permuted);
            if (!arrive(child, next, permuted)) continue;
            if (support::limit_reached(result_.stats, options_)) return false;
            progress_.report(result_.stats, next.size());
        }
        return true;
    }

    // Queues the child when there is something left to explore from it.
    // False when it adds no new state.
    bool arrive(ProgramNode& child, std::vector<ProgramNode>& next, bool permuted) {
        if (store(child.key, child.sleep)) {
            link(child);
            next.push_back(std::move(child));
            return true;
        }
        if (permuted) ++result_.stats.symmetry_merged;
        if (!sleep_sets()) return false;
        // Known: steps asleep there before but awake now must still be taken
        // (Godefroid's state caching with sleep sets).
        SleepEntry& entry = sleep_.at(child.key);
        std::uint64_t awake = entry.asleep & ~child.sleep;
        if (awake == 0) return false;
        entry.asleep &= child.sleep;
        if (!entry.expanded) return false;  // still queued: it will read the smaller set
        child.revisit = true;
        child.only = awake;
        child.sleep = entry.asleep;
        link(child);
        next.push_back(std::move(child));
        return false;
    }

    std::uint32_t link(ProgramNode& child) {
        assert(links_.size() < no_parent);
        links_.push_back(child.from);
        child.link = static_cast<std::uint32_t>(links_.size() - 1);
        return child.link;
    }

    // ------------------------------------------------------------ the counterexample

    // Replays the path to `link` with the whole trace kept and judges it.
    void found(std::uint32_t link) {
        std::vector<sim::Choice> path;
        for (std::uint32_t l = link; l != 0 && l != no_parent; l = links_[l].parent) path.push_back(links_[l].choice);
        std::reverse(path.begin(), path.end());
        ProgramNode node = initial_node(true);
        for (const sim::Choice& choice : path) node.world.apply(choice);
        ExploreViolation v;
        v.program.clients = cast_;
        for (std::size_t c = 0; c < cast_.size(); ++c) v.program.actions.push_back(action(static_cast<int>(c), sim::Verb::connect));
        for (const sim::ProgramAction& a : setup_actions()) v.program.actions.push_back(a);
        std::vector<std::size_t> next_action(cast_.size(), 0);
        for (const sim::Choice& choice : path) {
            Move move{choice.client, std::string(sim::choice_kind_name(choice.kind)), -1};
            if (choice.kind == sim::ChoiceKind::process) {
                std::vector<sim::ProgramAction> program = client_actions(choice.client);
                std::size_t& k = next_action[static_cast<std::size_t>(choice.client)];
                assert(k < program.size());
                move.action = standard_actions(model_.actions)[k];
                if (move.action == "member") move.target = choice.client;
                v.program.actions.push_back(program[k++]);
            }
            v.path.push_back(move);
        }
        auto violation = check_trace(node.world.trace(), selected_);
        assert(violation && "a violation found while exploring shows on the path's trace");
        if (violation) v.violation = std::move(*violation);
        v.trace = node.world.trace();
        result_.violation = std::move(v);
    }

    ExploreResult finish() {
        result_.stats.seconds = progress_.seconds();
        return std::move(result_);
    }

    const ExploreOptions& options_;
    const std::function<void(const ExploreProgress&)>& on_progress_;
    StandardModel model_;
    std::vector<sim::ProgramClient> cast_;
    std::vector<std::string> names_;
    std::vector<sim::Choice> steps_;  // every step a sleep set can name, for this cast
    std::vector<const Invariant*> selected_;
    support::Symmetry symmetry_;
    support::VisitedSet visited_;
    std::unordered_map<std::string, SleepEntry> sleep_;
    std::uint64_t sleep_bytes_ = 0;
    std::vector<PathLink> links_;
    ExploreResult result_;
    support::ProgressReporter progress_{on_progress_};
};

}  // namespace

namespace support {
ExploreResult explore_program(const ExploreOptions& options,
                              const std::function<void(const ExploreProgress&)>& on_progress) {
    return ProgramExplorer(options, on_progress).run();
}
}  // namespace support

}  // namespace mucsim::properties
