#include "properties/checker.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cassert>
#include <chrono>
#include <mutex>
#include <thread>

#include "properties/generators.hpp"

namespace mucsim::properties {

namespace {

using Clock = std::chrono::steady_clock;

GeneratorOptions generator_options(const CheckOptions& options) {
    GeneratorOptions g;
    g.clients_min = options.clients_min;
    g.clients_max = options.clients_max;
    g.actions_max = options.actions_max;
    g.faults_max = options.drops_max;
    return g;
}

// Greedy shrinking over RapidCheck's shrink tree: take the first smaller
// program that still violates the same property, until none does.
void shrink(Counterexample& found, rc::Shrinkable<sim::Program> current, const CheckOptions& options,
            const std::vector<const Invariant*>& selected) {
    const Invariant* same = find_invariant(found.violation.property);
    assert(same);
    std::vector<const Invariant*> only{same};
    (void)selected;
    bool progress = true;
    while (progress && found.shrink_evaluations < options.shrink_evaluations_max) {
        progress = false;
        auto shrinks = current.shrinks();
        while (auto candidate = shrinks.next()) {
            if (++found.shrink_evaluations > options.shrink_evaluations_max) break;
            sim::Program program = candidate->value();
            sim::World world = sim::run_program(program, check_world_config(options));
            auto violation = check_trace(world.trace(), only);
            if (!violation) continue;
            found.shrunk = std::move(program);
            found.violation = std::move(*violation);
            found.trace = world.trace();
            ++found.shrink_steps;
            current = std::move(*candidate);
            progress = true;
            break;
        }
    }
}

// After RapidCheck's shrinking, which keeps the opening of a program: try
// leaving out whole clients, then single actions, while the same property
// still fails.
void shrink_further(Counterexample& found, const CheckOptions& options) {
    const Invariant* same = find_invariant(found.violation.property);
    std::vector<const Invariant*> only{same};
    auto still_fails = [&](const sim::Program& candidate) {
        if (++found.shrink_evaluations > options.shrink_evaluations_max) return false;
        sim::World world = sim::run_program(candidate, check_world_config(options));
        auto violation = check_trace(world.trace(), only);
        if (!violation) return false;
        found.shrunk = candidate;
        found.violation = std::move(*violation);
        found.trace = world.trace();
        ++found.shrink_steps;
        return true;
    };
    bool progress = true;
    while (progress && found.shrink_evaluations < options.shrink_evaluations_max) {
        progress = false;
        for (int c = static_cast<int>(found.shrunk.clients.size()) - 1; c >= 0 && !progress; --c) {
            if (found.shrunk.clients.size() <= 1) break;
            if (auto candidate = sim::without_client(found.shrunk, c)) progress = still_fails(*candidate);
        }
        for (std::size_t i = found.shrunk.actions.size(); i-- > 0 && !progress;) {
            sim::Program candidate = found.shrunk;
            candidate.actions.erase(candidate.actions.begin() + static_cast<std::ptrdiff_t>(i));
            progress = still_fails(candidate);
        }
    }
}

}  // namespace

sim::WorldConfig check_world_config(const CheckOptions& options) {
    sim::WorldConfig config;
    // The invariants read what each processed input emitted; separate
    // delivery events would only copy those stanzas again.
    config.record_deliveries = false;
    config.server.muc.faults = options.inject;
    return config;
}

model::Result<std::vector<const Invariant*>, std::string> select_invariants(const std::vector<std::string>& names) {
    std::vector<const Invariant*> selected;
    for (const std::string& name : names) {
        const Invariant* invariant = find_invariant(name);
        if (!invariant) return fmt::format("unknown property '{}' (see --list-properties)", name);
        selected.push_back(invariant);
    }
    return selected;
}

std::optional<Violation> judge(const sim::Program& program, const CheckOptions& options, traces::Trace* trace_out) {
    auto selected = select_invariants(options.properties);
    assert(selected.ok());
    sim::World world = sim::run_program(program, check_world_config(options));
    auto violation = check_trace(world.trace(), *selected);
    if (trace_out) *trace_out = world.trace();
    return violation;
}

CheckResult check(const CheckOptions& options, const std::function<void(const CheckProgress&)>& on_progress) {
    assert(options.jobs >= 1);
    assert(options.shard_count >= 1 && options.shard_index >= 0 && options.shard_index < options.shard_count);
    auto selected = select_invariants(options.properties);
    assert(selected.ok());
    rc::Gen<sim::Program> generator = gen_program(generator_options(options));
    sim::WorldConfig config = check_world_config(options);

    auto start = Clock::now();
    std::atomic<std::uint64_t> next_run{0};
    std::atomic<std::uint64_t> runs_done{0};
    std::atomic<std::uint64_t> actions_run{0};
    std::atomic<std::uint64_t> stop_at{options.runs};  // the lowest failing run so far
    std::mutex found_mutex;
    std::optional<Counterexample> found;
    std::optional<rc::Shrinkable<sim::Program>> found_tree;

    auto worker = [&] {
        while (true) {
            std::uint64_t local = next_run.fetch_add(1);
            std::uint64_t run = local * static_cast<std::uint64_t>(options.shard_count) +
                                static_cast<std::uint64_t>(options.shard_index);
            if (run >= stop_at.load() || run >= options.runs) return;
            std::uint64_t seed = options.seed + run;
            rc::Shrinkable<sim::Program> tree = generator(rc::Random(seed), rc::kNominalSize);
            sim::Program program = tree.value();
            sim::World world = sim::run_program(program, config);
            actions_run += program.actions.size();
            auto violation = check_trace(world.trace(), *selected);
            ++runs_done;
            if (!violation) continue;
            std::lock_guard lock(found_mutex);
            if (found && found->run < run) continue;
            Counterexample c;
            c.run = run;
            c.seed = seed;
            c.original = program;
            c.shrunk = program;
            c.violation = std::move(*violation);
            c.trace = world.trace();
            found = std::move(c);
            found_tree = tree;
            stop_at = std::min(stop_at.load(), run);
        }
    };
    auto report = [&] {
        if (!on_progress) return;
        CheckProgress p;
        p.runs_done = runs_done.load();
        p.runs_total = options.runs / static_cast<std::uint64_t>(options.shard_count);
        p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        on_progress(p);
    };
    std::vector<std::thread> threads;
    for (int j = 1; j < options.jobs; ++j) threads.emplace_back(worker);
    std::thread progress_thread;
    std::atomic<bool> finished{false};
    if (on_progress) {
        progress_thread = std::thread([&] {
            while (!finished.load()) {
                report();
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        });
    }
    worker();
    for (std::thread& t : threads) t.join();
    finished = true;
    if (progress_thread.joinable()) progress_thread.join();
    report();

    CheckResult result;
    result.runs_done = runs_done.load();
    result.actions_run = actions_run.load();
    if (found) {
        shrink(*found, *found_tree, options, *selected);
        shrink_further(*found, options);
        result.counterexample = std::move(found);
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
}

}  // namespace mucsim::properties
