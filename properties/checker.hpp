#pragma once
// The random checker: generate programs (clients' actions and scheduler
// choices), run each in a fresh world, judge the trace with the invariants;
// on a violation, shrink the program while the same property still fails.
//
// Run i uses seed (seed + i), so a single run is reproduced with
// --seed (seed + i) --runs 1. Runs are split between threads (--jobs) and
// between machines (--shard K/N); the reported counterexample is the one of
// the lowest run index, whatever the number of threads.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/faults.hpp"
#include "properties/invariants.hpp"
#include "sim/program.hpp"
#include "sim/world.hpp"

namespace mucsim::properties {

struct CheckOptions {
    std::uint64_t seed = 1;
    std::uint64_t runs = 1000;
    int actions_max = 30;              // generated actions per program, after the opening
    int clients_min = 2;
    int clients_max = 4;
    int drops_max = 0;                 // fault budget of the world: drops and reconnects
    std::vector<std::string> properties;  // names to check; empty: all
    model::FaultSet inject;
    int jobs = 1;
    int shard_index = 0;               // this shard, 0-based
    int shard_count = 1;
    std::size_t shrink_evaluations_max = 5000;
};

struct Counterexample {
    std::uint64_t run = 0;
    std::uint64_t seed = 0;  // the run's own seed
    sim::Program original;
    sim::Program shrunk;
    Violation violation;     // of the shrunk program
    traces::Trace trace;     // of the shrunk program
    std::size_t shrink_steps = 0;        // accepted shrinks
    std::size_t shrink_evaluations = 0;  // programs run while shrinking
    double seconds = 0;                  // since the search started, when it was shrunk
};

struct CheckProgress {
    std::uint64_t runs_done = 0;
    std::uint64_t runs_total = 0;
    double seconds = 0;
};

struct CheckResult {
    std::uint64_t runs_done = 0;
    std::uint64_t actions_run = 0;
    double seconds = 0;
    std::optional<Counterexample> counterexample;
};

// The world every checked program runs in.
sim::WorldConfig check_world_config(const CheckOptions& options);

// Runs one program and judges it; the violation, if any.
std::optional<Violation> judge(const sim::Program& program, const CheckOptions& options,
                               traces::Trace* trace_out = nullptr);

CheckResult check(const CheckOptions& options, const std::function<void(const CheckProgress&)>& on_progress = {});

// The properties selected by name; an unknown name is an error message.
model::Result<std::vector<const Invariant*>, std::string> select_invariants(const std::vector<std::string>& names);

}  // namespace mucsim::properties
