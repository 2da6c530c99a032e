#include "properties/explore_support.hpp"

#include "model/stanza.hpp"
#include "properties/checker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <fstream>
#include <numeric>

namespace mucsim::properties::support {

std::uint64_t fingerprint(std::string_view bytes) { return model::fingerprint64(bytes); }

std::uint64_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t pages_total = 0;
    std::uint64_t pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return pages_resident * 4096;
}

bool FingerprintSet::insert(std::uint64_t fingerprint) {
    if (fingerprint == 0) fingerprint = 1;  // 0 marks an empty slot
    if ((count_ + 1) * 100 > slots_.size() * 85) grow();
    if (!place(slots_, fingerprint)) return false;
    ++count_;
    return true;
}

bool FingerprintSet::place(std::vector<std::uint64_t>& slots, std::uint64_t fingerprint) {
    std::size_t i = fingerprint % slots.size();
    for (std::size_t probes = 0; probes < slots.size(); ++probes) {
        if (slots[i] == fingerprint) return false;
        if (slots[i] == 0) {
            slots[i] = fingerprint;
            return true;
        }
        i = i + 1 == slots.size() ? 0 : i + 1;
    }
    assert(false && "the table is never full");
    return false;
}

void FingerprintSet::grow() {
    std::vector<std::uint64_t> bigger(slots_.size() + slots_.size() / 2, 0);
    for (std::uint64_t f : slots_) {
        if (f != 0) place(bigger, f);
    }
    slots_ = std::move(bigger);
}

bool EncodingSet::insert(std::string encoding) {
    std::size_t length = encoding.size();
    if (!set_.insert(std::move(encoding)).second) return false;
    // A string, its heap block, the node and a bucket, approximately.
    bytes_ += sizeof(std::string) + (length > 15 ? length + 1 : 0) + 2 * sizeof(void*) + sizeof(std::size_t);
    return true;
}

std::vector<const Invariant*> select_invariants(const std::vector<std::string>& names) {
    if (names.empty()) {  // all of them (the checker's selection says so with an empty list)
        std::vector<const Invariant*> all;
        for (const Invariant& i : invariants()) all.push_back(&i);
        return all;
    }
    auto selected = properties::select_invariants(names);
    assert(selected.ok() && "validate() has checked the names");
    return std::move(selected).value();
}


std::optional<Violation> judge_events(const traces::Trace& trace, ReferenceModel& model, ClientViews& views,
                                      const std::vector<const Invariant*>& selected, bool quiet) {
    for (const traces::Event& event : trace.events()) {
        if (event.kind != traces::EventKind::process && event.kind != traces::EventKind::disconnect) continue;
        ReferenceModel before = model;
        model.apply(event);
        views.follow(event);
        StepContext ctx{trace, event, before, model};
        for (const Invariant* invariant : selected) {
            if (!invariant->check_step) continue;
            if (auto v = invariant->check_step(ctx)) return named(std::move(*v), *invariant);
        }
    }
    if (!quiet) return std::nullopt;
    for (const Invariant* invariant : selected) {
        if (!invariant->check_quiet) continue;
        if (auto v = views.check(trace, model)) return named(std::move(*v), *invariant);
    }
    return std::nullopt;
}

Symmetry::Symmetry(const std::vector<sim::ProgramClient>& cast, int first, int count) {
    assert(first >= 0 && count >= 0 && count <= count_max);
    assert(static_cast<std::size_t>(first + count) <= cast.size());
    if (count < 2) {  // nothing to exchange: the identity, as plain encodings
        renamings_.emplace_back();
        client_orders_.emplace_back(cast.size());
        std::iota(client_orders_[0].begin(), client_orders_[0].end(), 0);
        return;
    }
    std::vector<int> permutation(static_cast<std::size_t>(count));
    std::iota(permutation.begin(), permutation.end(), 0);
    // The words of client i: cast i is user{i+1}, resource mucsim{i+1}.
    auto words = [&](int i) {
        return std::vector<std::string>{fmt::format("user{}", i + 1), fmt::format("mucsim{}", i + 1),
                                        cast[static_cast<std::size_t>(i)].name};
    };
    do {
        model::Renaming renaming;
        std::vector<int> order(cast.size());
        std::iota(order.begin(), order.end(), 0);
        for (int k = 0; k < count; ++k) {
            int from = first + k;
            int to = first + permutation[static_cast<std::size_t>(k)];
            order[static_cast<std::size_t>(to)] = from;
            // The identity maps too: a non-empty renaming is what makes the
            // encoders sort by the new names, and all must use one format.
            std::vector<std::string> from_words = words(from);
            std::vector<std::string> to_words = words(to);
            for (std::size_t w = 0; w < from_words.size(); ++w) renaming.add(from_words[w], to_words[w]);
        }
        renamings_.push_back(std::move(renaming));
        client_orders_.push_back(std::move(order));
    } while (std::next_permutation(permutation.begin(), permutation.end()));
}

std::string Symmetry::canonical(const Encoder& encode, bool* permuted) const {
    assert(!renamings_.empty() && "constructed from a cast");
    if (permuted) *permuted = false;
    if (renamings_.size() == 1) {
        std::string out;
        out.reserve(4096);  // a state is a few kilobytes: grow once
        encode(out, renamings_[0], client_orders_[0]);
        return out;
    }
    std::string best;
    std::string candidate;
    candidate.reserve(4096);
    for (std::size_t p = 0; p < renamings_.size(); ++p) {
        candidate.clear();
        encode(candidate, renamings_[p], client_orders_[p]);
        if (p == 0 || candidate < best) {
            best.swap(candidate);
            if (permuted) *permuted = p != 0;
        }
    }
    return best;
}

std::string encode_state(const Symmetry& symmetry, const sim::World& world, const ReferenceModel& model,
                         const ClientViews& views, bool* permuted) {
    return symmetry.canonical(
        [&](std::string& out, const model::Renaming& renaming, const std::vector<int>& order) {
            world.encode(out, renaming, order);
            out += '#';
            model.encode(out, renaming);
            out += '#';
            views.encode(out, renaming);
        },
        permuted);
}

sim::ProgramAction room_action(int client, sim::Verb verb, const std::string& room) {
    sim::ProgramAction a;
    a.client = client;
    a.verb = verb;
    a.room = room;
    return a;
}

model::Element explorer_stanza(const std::vector<sim::ProgramClient>& cast, const sim::ProgramAction& action,
                               std::string id) {
    assert(action.client >= 0 && static_cast<std::size_t>(action.client) < cast.size());
    sim::StanzaContext context;
    context.host = "conference.localhost";
    context.id = std::move(id);
    context.current_nick = cast[static_cast<std::size_t>(action.client)].name;
    if (!action.target.empty()) {
        for (const sim::ProgramClient& c : cast) {
            if (c.name == action.target) context.target_jid = c.jid.bare_str();
        }
    }
    return sim::build_stanza(action, context);
}

bool limit_reached(ExploreStats& stats, const ExploreOptions& options) {
    if (stats.states >= options.states_max) {
        stats.stopped = fmt::format("state limit of {} reached", options.states_max);
        return true;
    }
    if ((stats.states & 1023) == 0 && resident_bytes() > options.memory_max_mb * 1024 * 1024) {
        stats.stopped = fmt::format("memory limit of {} MB reached", options.memory_max_mb);
        return true;
    }
    return false;
}

void ProgressReporter::report(const ExploreStats& stats, std::uint64_t frontier) {
    if (!on_progress_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_report_ < std::chrono::milliseconds(200)) return;
    last_report_ = now;
    ExploreProgress p;
    p.stats = stats;
    p.stats.seconds = seconds();
    p.frontier = frontier;
    on_progress_(p);
}

double ProgressReporter::seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace mucsim::properties::support
