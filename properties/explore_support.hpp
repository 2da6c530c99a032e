#pragma once
// What both explorers share: the visited sets (exact or hash-compacted),
// judging a transition's new events, and client symmetry. Internal to
// properties/.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "model/renaming.hpp"
#include "properties/explorer.hpp"
#include "properties/invariants.hpp"
#include "sim/program.hpp"
#include "sim/world.hpp"
#include "traces/trace.hpp"

namespace mucsim::properties::support {

// 64-bit FNV-1a, finalised with splitmix64 so that low bits spread well.
std::uint64_t fingerprint(std::string_view bytes);

std::uint64_t resident_bytes();

// 64-bit fingerprints in an open-addressing table: 8 bytes a slot, kept
// between 57% and 85% full, so under 16 bytes a stored state.
class FingerprintSet {
public:
    FingerprintSet() : slots_(16, 0) {}
    // True when the fingerprint is new.
    bool insert(std::uint64_t fingerprint);
    std::uint64_t bytes() const { return slots_.size() * sizeof(std::uint64_t); }

private:
    static bool place(std::vector<std::uint64_t>& slots, std::uint64_t fingerprint);
    void grow();

    std::vector<std::uint64_t> slots_;
    std::size_t count_ = 0;
};

// Exact deduplication: the encodings themselves.
class EncodingSet {
public:
    bool insert(std::string encoding);
    std::uint64_t bytes() const { return bytes_ + set_.bucket_count() * sizeof(void*); }

private:
    std::unordered_set<std::string> set_;
    std::uint64_t bytes_ = 0;
};

// Either, as the options say.
class VisitedSet {
public:
    explicit VisitedSet(bool hash_compaction) : hash_compaction_(hash_compaction) {}
    bool insert(std::string encoding) {
        return hash_compaction_ ? fingerprints_.insert(fingerprint(encoding)) : encodings_.insert(std::move(encoding));
    }
    std::uint64_t bytes() const { return hash_compaction_ ? fingerprints_.bytes() : encodings_.bytes(); }

private:
    bool hash_compaction_;
    FingerprintSet fingerprints_;
    EncodingSet encodings_;
};

// The invariants the options select (all when `names` is empty).
std::vector<const Invariant*> select_invariants(const std::vector<std::string>& names);

// Follows the trace's process and disconnect events with the model and the
// views, checking each selected invariant's step check on each; then, when
// `quiet`, the views' convergence. The first violation, named.
std::optional<Violation> judge_events(const traces::Trace& trace, ReferenceModel& model, ClientViews& views,
                                      const std::vector<const Invariant*>& selected, bool quiet);

// Clients that are interchangeable: [first, first + count) of the cast,
// whose words (JID node "userN", resource "mucsimN", nick = cast name) a
// permutation exchanges. The canonical encoding of a state is the least of
// its encodings under every permutation, so a state and its mirror images
// are stored once.
class Symmetry {
public:
    static constexpr int count_max = 5;  // 120 permutations

    // count 0 or 1: the identity only.
    Symmetry(const std::vector<sim::ProgramClient>& cast, int first, int count);

    // encode(out, renaming, client_order) writes one encoding.
    using Encoder = std::function<void(std::string&, const model::Renaming&, const std::vector<int>&)>;
    // The canonical encoding; `permuted` is set when it is not the identity's.
    std::string canonical(const Encoder& encode, bool* permuted = nullptr) const;
    std::size_t permutations() const { return renamings_.size(); }

private:
    std::vector<model::Renaming> renamings_;         // [0] is the identity
    std::vector<std::vector<int>> client_orders_;  // clients in the order of their new names
};

// The canonical encoding of an explored state: world, reference model,
// views, each under the least client permutation.
std::string encode_state(const Symmetry& symmetry, const sim::World& world, const ReferenceModel& model,
                         const ClientViews& views, bool* permuted);

// An action of `client` in the model's room.
sim::ProgramAction room_action(int client, sim::Verb verb, const std::string& room);

// The stanza an explored client sends for `action`: its nick is its cast
// name, a target is a cast member's bare JID.
model::Element explorer_stanza(const std::vector<sim::ProgramClient>& cast, const sim::ProgramAction& action,
                               std::string id);

// Whether the state or memory limit stops exploration now (then the
// reason is in stats.stopped). Memory is read every 1024 states.
bool limit_reached(ExploreStats& stats, const ExploreOptions& options);

// Progress at most five times a second, and the run's clock.
class ProgressReporter {
public:
    explicit ProgressReporter(const std::function<void(const ExploreProgress&)>& on_progress)
        : on_progress_(on_progress), start_(std::chrono::steady_clock::now()) {}
    void report(const ExploreStats& stats, std::uint64_t frontier);
    double seconds() const;

private:
    const std::function<void(const ExploreProgress&)>& on_progress_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_report_;
};

// Breadth-first, level by level, to `depth_max` levels: expand(node, next)
// queues a node's successors worth exploring and returns false to stop.
// True when the depth bound ended it with states still to expand.
template <class Node, class Expand>
bool breadth_first(Node root, int depth_max, ExploreStats& stats, ProgressReporter& progress, Expand expand) {
    std::vector<Node> level;
    level.push_back(std::move(root));
    for (int depth = 0; !level.empty(); ++depth) {
        if (depth >= depth_max) return true;
        std::vector<Node> next;
        for (Node& node : level) {
            if (!expand(node, next)) return false;
        }
        if (!next.empty()) stats.depth_reached = depth + 1;
        level = std::move(next);
        progress.report(stats, level.size());
    }
    return false;
}

// The program explorer (ExploreOptions::model set), in program_explorer.cpp.
ExploreResult explore_program(const ExploreOptions& options,
                              const std::function<void(const ExploreProgress&)>& on_progress);

}  // namespace mucsim::properties::support


