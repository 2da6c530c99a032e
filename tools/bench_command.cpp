// mucsim bench: the figures users wait for, measured on one core.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "model/namespaces.hpp"
#include "properties/checker.hpp"
#include "properties/explorer.hpp"
#include "sim/replay.hpp"
#include "sim/world.hpp"
#include "tools/commands.hpp"
#include "tools/terminal.hpp"
#include "traces/script.hpp"

#ifndef MUCSIM_BUILD_TYPE
#define MUCSIM_BUILD_TYPE "unknown"
#endif

namespace mucsim::tools {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
    }
    return "unknown CPU";
}

void print_machine() {
    fmt::print("machine: {}, {} hardware threads; build: {}, {} {}\n", cpu_model(), std::thread::hardware_concurrency(),
               MUCSIM_BUILD_TYPE,
#if defined(__clang__)
               "clang", __clang_version__
#else
               "g++", __VERSION__
#endif
    );
    fmt::print("every figure is from one thread\n\n");
}

// ---------------------------------------------------------------- replay

void bench_replay(const BenchOptions& options) {
    std::vector<traces::Script> scripts;
    std::size_t actions = 0;
    for (const auto& entry : std::filesystem::directory_iterator(options.prosody_dir)) {
        if (entry.path().extension() != ".scs") continue;
        auto script = traces::read_script(entry.path().string());
        if (!script) continue;
        actions += script->actions.size();
        scripts.push_back(std::move(script).value());
    }
    if (scripts.empty()) {
        fmt::print("replay:      skipped (no scripts in {})\n", options.prosody_dir);
        return;
    }
    std::size_t rounds = 0;
    std::size_t failed = 0;
    auto start = Clock::now();
    while (seconds_since(start) < options.seconds) {
        sim::ReplayOptions replay;
        replay.keep_log = false;  // as `mucsim replay` without --verbose
        for (const traces::Script& script : scripts) failed += sim::replay(script, replay).passed ? 0 : 1;
        ++rounds;
    }
    double elapsed = seconds_since(start);
    double scripts_per_second = static_cast<double>(rounds * scripts.size()) / elapsed;
    fmt::print("replay:      {} Prosody scripts ({} actions): {:.0f} scripts/s, {:.2f} µs per action, suite in {:.2f} ms "
               "({} failures)\n",
               scripts.size(), actions, scripts_per_second, elapsed * 1e6 / static_cast<double>(rounds * actions),
               elapsed * 1e3 / static_cast<double>(rounds), failed);
}

// ---------------------------------------------------------------- simulation

model::Element presence_to(std::string_view room_nick, std::string_view show) {
    model::Element p("presence", std::string(model::ns::client));
    p.set("to", room_nick);
    if (!show.empty()) p.append(model::Element("show", std::string(model::ns::client)).text(show));
    return p;
}

// A 10-occupant room: everyone joins, then chatter (groupchat) and presence
// changes, the server taking inputs in FIFO order. Clients read what they
// receive (their inboxes are emptied), as a real client would.
void bench_simulation(const BenchOptions& options) {
    constexpr int occupants = 10;
    sim::WorldConfig config;
    config.record_trace = false;
    config.in_flight_max = 1000000;
    sim::World world(config);
    for (int i = 0; i < occupants; ++i) {
        sim::ClientIndex c = world.add_client(fmt::format("user{}", i + 1),
                                              model::Jid::from_parts(fmt::format("user{}", i + 1), "localhost"));
        world.send_connect(c);
        model::Element join = presence_to(fmt::format("room@conference.localhost/user{}", i + 1), "");
        join.append(model::Element("x", std::string(model::ns::muc)));
        world.send_stanza(c, std::move(join));
        if (i == 0) {
            model::Element instant("iq", std::string(model::ns::client));
            instant.set("type", "set").set("to", "room@conference.localhost").set("id", "instant");
            instant.add(model::Element("query", std::string(model::ns::muc_owner)))
                .append(model::Element("x", std::string(model::ns::data_forms)).set("type", "submit"));
            world.send_stanza(c, std::move(instant));
        }
    }
    world.run_until_quiet();
    auto delivered = [&] {
        std::uint64_t total = 0;
        for (int i = 0; i < occupants; ++i) total += world.client(i).received_total;
        return total;
    };
    std::uint64_t delivered_before = delivered();
    std::uint64_t inputs = 0;
    const char* shows[] = {"away", "chat", "dnd", "xa", ""};
    auto start = Clock::now();
    // --rounds fixes the work (for instruction counts); otherwise the time does.
    std::uint64_t rounds_done = 0;
    auto more = [&] {
        return options.rounds > 0 ? rounds_done < options.rounds : seconds_since(start) < options.seconds;
    };
    while (more()) {
        ++rounds_done;
        for (int round = 0; round < 100; ++round) {
            for (int i = 0; i < occupants; ++i) {
                // Nine messages for each presence change.
                if ((inputs % 10) == 9) {
                    world.send_stanza(i, presence_to(fmt::format("room@conference.localhost/user{}", i + 1), shows[inputs % 5]));
                } else {
                    model::Element m("message", std::string(model::ns::client));
                    m.set("type", "groupchat").set("to", "room@conference.localhost").set("id", fmt::format("m{}", inputs));
                    m.append(model::Element("body", std::string(model::ns::client)).text("Where art thou?"));
                    world.send_stanza(i, std::move(m));
                }
                ++inputs;
            }
            world.run_until_quiet();
            for (int i = 0; i < occupants; ++i) world.client(i).inbox.clear();
        }
    }
    double elapsed = seconds_since(start);
    std::uint64_t deliveries = delivered() - delivered_before;
    fmt::print("simulation:  10-occupant room, chatter and presence: {:.0f} deliveries/s ({:.0f} inputs/s, {} "
               "deliveries in {:.2f} s)\n",
               static_cast<double>(deliveries) / elapsed, static_cast<double>(inputs) / elapsed, deliveries, elapsed);
}

// ---------------------------------------------------------------- checking

void bench_checking(const BenchOptions& options) {
    properties::CheckOptions check;
    check.actions_max = 30;
    check.seed = 1;
    check.runs = 200;
    // Calibrate, then run for the time asked.
    auto calibration = properties::check(check);
    double rate = static_cast<double>(calibration.runs_done) / std::max(calibration.seconds, 1e-6);
    check.runs = std::max<std::uint64_t>(200, static_cast<std::uint64_t>(rate * options.seconds));
    check.seed = 1000000;
    auto result = properties::check(check);
    fmt::print("checking:    {:.0f} generated 30-action programs/s, invariants included ({} runs, {} actions, {:.2f} s, "
               "{})\n",
               static_cast<double>(result.runs_done) / result.seconds, result.runs_done, result.actions_run,
               result.seconds, result.counterexample ? "a violation!" : "no violation");
}

// ---------------------------------------------------------------- exploration

void explore_line(std::string_view what, properties::ExploreOptions options) {
    properties::ExploreResult result = properties::explore(options);
    const properties::ExploreStats& s = result.stats;
    fmt::print("exploration: {:<50} {:>8} states {:>9} transitions {:>7.2f} s {:>8.0f} states/s {:>7.1f} B/state{}\n",
               what, s.states, s.transitions, s.seconds, s.states_per_second(), s.bytes_per_state(),
               s.complete() ? "" : fmt::format(" (stopped: {})", s.stopped));
}

// The action model (3 clients, depth 5) exact and hash-compacted, and the
// standard program models with and without reduction.
void bench_exploration() {
    properties::ExploreOptions action;
    action.clients = 3;
    action.depth = 5;
    action.symmetry = false;
    explore_line("actions, 3 clients, depth 5, exact", action);
    action.hash_compaction = true;
    explore_line("actions, 3 clients, depth 5, compacted", action);
    action.symmetry = true;
    explore_line("actions, 3 clients, depth 5, compacted, symmetry", action);
    auto program = [](int clients, int actions, properties::Reduction reduction, bool symmetry) {
        properties::ExploreOptions o;
        o.model = properties::StandardModel{clients, actions};
        o.reduction = reduction;
        o.symmetry = symmetry;
        o.depth = properties::program_depth_max;
        o.hash_compaction = true;
        return o;
    };
    explore_line("program 3x2, no reduction", program(3, 2, properties::Reduction::none, false));
    explore_line("program 3x2, sleep sets", program(3, 2, properties::Reduction::sleep, false));
    explore_line("program 3x3, persistent sets", program(3, 3, properties::Reduction::persistent, false));
    explore_line("program 3x3, persistent sets and symmetry", program(3, 3, properties::Reduction::persistent, true));
    explore_line("program 4x3, persistent sets and symmetry", program(4, 3, properties::Reduction::persistent, true));
}

// ---------------------------------------------------------------- bug finding

// For each injected fault: runs and seconds of `mucsim check` to the first
// violation (shrinking not included), the median over five seeds.
void bench_faults() {
    constexpr int seeds = 5;
    for (const model::FaultInfo& info : model::all_faults()) {
        std::string_view name = info.name;
        std::vector<double> seconds;
        std::vector<std::uint64_t> runs;
        int found = 0;
        for (int k = 0; k < seeds; ++k) {
            properties::CheckOptions check;
            check.seed = 1 + static_cast<std::uint64_t>(k) * 100000;
            check.runs = 5000;
            check.shrink_evaluations_max = 0;
            check.inject.add(*model::parse_fault(name));
            auto start = Clock::now();
            properties::CheckResult result = properties::check(check);
            seconds.push_back(seconds_since(start));
            if (result.counterexample) {
                ++found;
                runs.push_back(result.counterexample->run + 1);
            } else {
                runs.push_back(check.runs);
            }
        }
        std::sort(seconds.begin(), seconds.end());
        std::sort(runs.begin(), runs.end());
        fmt::print("faults:      {:<36} found {}/{}  median {:>4} runs  {:>7.3f} s\n", name, found, seeds,
                   runs[seeds / 2], seconds[seeds / 2]);
    }
}

}  // namespace

int bench_command(const BenchOptions& options) {
    print_machine();
    auto wants = [&](std::string_view name) {
        return options.only.empty() || std::find(options.only.begin(), options.only.end(), name) != options.only.end();
    };
    if (wants("replay")) bench_replay(options);
    if (wants("simulation")) bench_simulation(options);
    if (wants("checking")) bench_checking(options);
    if (wants("exploration")) bench_exploration();
    if (wants("faults")) bench_faults();
    return exit_ok;
}

}  // namespace mucsim::tools
