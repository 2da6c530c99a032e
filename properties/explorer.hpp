#pragma once
// The exhaustive explorer: every reachable state of a bounded model — a few
// clients, one room, a finite alphabet of actions per client — breadth-first
// up to a depth, each invariant checked on every transition, so the first
// violation found has a shortest path.
//
// A transition is one client's action taken by the server to quiescence.
// Actions of different clients interleave in every order the explorer
// enumerates, which covers every order in which the server could have taken
// inputs that were in flight at the same time: clients in the model do not
// react to what they receive, so a state with inputs in flight leads to no
// server state that some sequence of whole transitions does not reach.
//
// States are deduplicated by their canonical encoding: the world (server,
// MUC, connections), the reference model and each client's view. Exact mode
// stores the encodings; hash compaction stores 64-bit fingerprints only.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/faults.hpp"
#include "properties/invariants.hpp"
#include "sim/program.hpp"
#include "traces/trace.hpp"

namespace mucsim::properties {

// The action alphabet's names.
const std::vector<std::string>& explorer_actions();

// How the program explorer (ExploreOptions::model) cuts down interleavings;
// see "The explorer reduces before it stores" in docs/DESIGN.md.
enum class Reduction : std::uint8_t {
    none,        // every send, processing and delivery is a step of its own
    sleep,       // the same steps; sleep sets skip those that commute with one taken
    persistent,  // sends and deliveries fused into the processing step that causes them
};
std::string_view reduction_name(Reduction reduction);
std::optional<Reduction> parse_reduction(std::string_view name);

// N clients with K actions each, all interchangeable: "3x3".
struct StandardModel {
    int clients = 3;
    int actions = 3;
    bool operator==(const StandardModel&) const = default;
};
std::optional<StandardModel> parse_standard_model(std::string_view text);
inline constexpr int standard_actions_max = 4;
// Program mode's depth bound (steps); its state spaces are finite and acyclic.
inline constexpr int program_depth_max = 10000;
// Client c's K actions, for the diagram and the docs: join, member, say, leave.
std::vector<std::string> standard_actions(int count);

struct ExploreOptions {
    int clients = 3;
    int depth = 8;
    std::vector<std::string> actions;  // empty: all of explorer_actions()
    model::FaultSet inject;
    std::vector<std::string> properties;  // empty: all
    std::uint64_t states_max = 50'000'000;
    std::uint64_t memory_max_mb = 8192;
    bool hash_compaction = false;
    bool build_graph = false;
    bool graph_loops = false;  // draw moves that leave the abstract state as it was
    std::string room = "room";
    // Interchangeable clients explored once per orbit (not with a graph).
    bool symmetry = true;
    // Program mode: fixed programs per client instead of an alphabet.
    std::optional<StandardModel> model;
    Reduction reduction = Reduction::persistent;
    // Program mode: depth-first (memory for a path, not a level; the
    // counterexample found first need not be a shortest one).
    bool depth_first = false;
};

// One transition: a client's action, with its target when it has one.
struct Move {
    int client = 0;
    std::string action;  // join, leave, member, admin, owner, outcast, none, membersonly, whois, kick, drop, reconnect
    int target = -1;     // the client whose affiliation or role the action sets
    bool operator==(const Move&) const = default;
};

struct ExploreStats {
    std::uint64_t states = 0;       // distinct states stored
    std::uint64_t transitions = 0;  // transitions taken (including those to known states)
    int depth_reached = 0;
    double seconds = 0;
    std::uint64_t stored_bytes = 0;  // of the visited set
    std::string stopped;             // why exploration ended early, or empty
    std::uint64_t symmetry_merged = 0;  // arrivals at a stored state through a client permutation
    std::uint64_t sleep_pruned = 0;     // enabled steps not taken: asleep
    std::uint64_t fused_steps = 0;      // sends and deliveries taken inside processing steps
    bool complete() const { return stopped.empty(); }
    double states_per_second() const { return seconds > 0 ? static_cast<double>(states) / seconds : 0; }
    double bytes_per_state() const {
        return states > 0 ? static_cast<double>(stored_bytes) / static_cast<double>(states) : 0;
    }
};

struct ExploreViolation {
    Violation violation;         // as found on the full trace of the path
    std::vector<Move> path;      // from the initial state
    traces::Trace trace;         // the whole run, set-up included
    sim::Program program;        // the path as a program (drops become disconnects)
};

// The abstract picture of a state a person wants to see.
struct AbstractState {
    std::string key;    // identity
    std::string label;  // multi-line, for the diagram
};

struct AbstractEdge {
    std::size_t from = 0;
    std::size_t to = 0;
    std::string label;
    bool violating = false;
};

// Abstract states merged, their edges deduplicated. The Boost.Graph view and
// the Graphviz writer are in state_graph.hpp.
struct AbstractGraph {
    std::vector<AbstractState> states;  // [0] is the initial state
    std::vector<AbstractEdge> edges;
};

struct ExploreProgress {
    ExploreStats stats;
    std::uint64_t frontier = 0;
};

struct ExploreResult {
    ExploreStats stats;
    std::optional<ExploreViolation> violation;
    AbstractGraph graph;
};

std::string move_label(const Move& move, const std::vector<std::string>& client_names);

ExploreResult explore(const ExploreOptions& options, const std::function<void(const ExploreProgress&)>& on_progress = {});

// Checks option values; an error message when they make no sense.
std::optional<std::string> validate(const ExploreOptions& options);

}  // namespace mucsim::properties
