#pragma once
// The subcommands of `mucsim`. main.cpp owns the command line (CLI11 stays in
// that one translation unit); each command is a plain function of its options
// that returns the process exit code.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/faults.hpp"
#include "properties/checker.hpp"
#include "properties/explorer.hpp"
#include "sim/replay.hpp"
#include "traces/script.hpp"

namespace mucsim::tools {

// Exit codes scripts can rely on.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  // a script failed, a property was violated
inline constexpr int exit_usage = 2;   // bad options or bad input

struct LintOptions {
    std::vector<std::string> files;
    bool quiet = false;
};
int lint_command(const LintOptions& options);

// --server and its waits (docs/LIVE.md): run against a live XMPP server.
struct LiveServerOptions {
    std::string server;     // HOST:PORT; empty: in-process
    int timeout_ms = 3000;  // replay: how long 'receives:' waits
    int quiet_ms = 200;     // replay: how long 'receives: nothing' waits after its barrier
    int reply_ms = 5000;    // every answer of the server (session set-up, barriers)
};

struct ReplayOptions {
    std::vector<std::string> files;
    bool verbose = false;
    bool strict_order = false;
    traces::MatchMode match = traces::MatchMode::scansion;
    model::FaultSet inject;
    LiveServerOptions live;
};
int replay_command(const ReplayOptions& options);
// The loop and report of replay, whatever replays one script.
int replay_scripts(const ReplayOptions& options,
                   const std::function<sim::ReplayResult(const traces::Script&)>& replay_one);
int replay_live_command(const ReplayOptions& options);  // tools/live_commands.cpp

struct RunOptions {
    std::string file;
    bool trace = false;
    std::string export_file;
    std::optional<std::vector<std::uint32_t>> choices;  // overrides the program's
    model::FaultSet inject;
};

struct CheckOptions {
    properties::CheckOptions check;
    std::string out_dir = "mucsim-counterexamples";
    bool list_properties = false;
    bool list_faults = false;
    bool quiet = false;
    LiveServerOptions live;
    bool keep_going = false;             // live: go on after a violation
    std::size_t shrink_max = 100;        // live: programs run while shrinking
    std::vector<std::string> without;    // live: verbs left out of generated programs
    double time_max_s = 0;               // live: stop after this long, report what was found (0: no limit)
    std::string known_file;              // live: acknowledged findings (read_known)
};
int check_command(const CheckOptions& options);
// The flags of a Reproduce: line: everything that shapes or judges the programs.
std::string generator_flags(const CheckOptions& options);
int check_live_command(const CheckOptions& options);  // tools/live_commands.cpp

// mucsim diff: generated programs in-process and on a live server.
struct DiffOptions {
    LiveServerOptions live;
    std::uint64_t seed = 1;
    std::uint64_t runs = 20;
    int actions_max = 15;
    int clients_max = 3;
    std::size_t shrink_max = 100;
    std::string out_dir = "mucsim-divergences";
    bool quiet = false;
    std::vector<std::string> without;  // verbs left out of generated programs
    double time_max_s = 0;             // stop after this long, report what was found (0: no limit)
    std::string known_file;            // acknowledged findings (read_known)
};
int diff_command(const DiffOptions& options);  // tools/live_commands.cpp

struct ExploreOptions {
    properties::ExploreOptions explore;
    std::string dot_file;
    std::string out_dir = "mucsim-counterexamples";
    bool quiet = false;
};
int explore_command(const ExploreOptions& options);

struct GraphOptions {
    properties::ExploreOptions explore;
    std::string format = "svg";
    std::string output;
};
int graph_command(const GraphOptions& options);

struct BenchOptions {
    std::vector<std::string> only;  // replay, simulation, checking, exploration, faults
    double seconds = 2.0;           // per figure
    std::uint64_t rounds = 0;       // fixed work instead of time, where a figure supports it
    std::string prosody_dir = "../shared/scansion/prosody";
};
int bench_command(const BenchOptions& options);
int run_command(const RunOptions& options);

// Writes a whole file; on failure prints why and returns exit_usage.
int write_text_file(const std::string& path, const std::string& content);

}  // namespace mucsim::tools
