#pragma once
// What both explorers share: the visited sets (exact or hash-compacted),
// judging a transition's new events, and client symmetry. Internal to
// properties/.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "model/renaming.hpp"
#include "properties/invariants.hpp"
#include "sim/program.hpp"
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

}  // namespace mucsim::properties::support

namespace mucsim::properties {
struct ExploreOptions;
struct ExploreProgress;
struct ExploreResult;
namespace support {
// The program explorer (ExploreOptions::model set), in program_explorer.cpp.
ExploreResult explore_program(const ExploreOptions& options,
                              const std::function<void(const ExploreProgress&)>& on_progress);
}  // namespace support
}  // namespace mucsim::properties
