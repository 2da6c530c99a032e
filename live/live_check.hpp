#pragma once
// mucsim check and mucsim diff against a live server.
//
// check: generated programs (properties/generators.hpp) run live, one input
// at a time with barriers (live_run.hpp), judged by the same invariants
// (properties::check_trace), shrunk by re-running candidates live.
//
// diff: the same programs in the in-process world (all-zero choices: the
// order they are written in, the order the live run uses) and on the live
// server; per program, the first step where a client received something
// different — a stanza missing on one side, an extra one, a different one, or
// the same ones in another order — after normalising what must differ.
//
// Every run gets a fresh room (PREFIX-SEED-TOKEN) and fresh resources, so
// that runs, and shrinking candidates, do not disturb each other.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "live/live_run.hpp"
#include "properties/checker.hpp"
#include "properties/invariants.hpp"
#include "sim/program.hpp"
#include "traces/trace.hpp"

namespace mucsim::live {

struct LiveCheckOptions {
    LiveRunOptions run;
    std::uint64_t seed = 1;
    std::uint64_t runs = 20;
    int actions_max = 15;  // after the opening
    int clients_min = 2;
    int clients_max = 3;
    std::vector<std::string> properties;  // empty: all
    std::size_t shrink_evaluations_max = 100;
    bool keep_going = false;  // check: go on after a violation (one counterexample per property)
    std::vector<std::string> without;  // verbs left out of generated programs (e.g. a known finding's)
    std::string room_prefix = "room";
    double time_max_s = 0;  // stop starting runs (and shrinking) after this long; 0: no limit
    // Acknowledged findings, not shrunk or reported again: property names (check)
    // or divergence signatures (diff). A known one is still counted.
    std::vector<std::string> known;
    std::string token;  // distinguishes this invocation's rooms and resources; "" picks one
};

struct LiveProgress {
    std::uint64_t runs_done = 0;
    std::uint64_t runs_total = 0;
    std::uint64_t findings = 0;
    double seconds = 0;
    std::string phase;  // "running", "shrinking"
};
using LiveProgressFn = std::function<void(const LiveProgress&)>;

struct LiveCheckResult {
    std::uint64_t runs_done = 0;
    std::uint64_t actions_run = 0;
    double seconds = 0;
    // In run order; one per property with keep_going, else at most one.
    std::vector<properties::Counterexample> counterexamples;
    // Runs that violated each property (keep_going), property → seeds.
    std::vector<std::pair<std::string, std::vector<std::uint64_t>>> violations;
    std::string error;  // the server failed us; the check stopped
    bool stopped_by_time = false;  // time_max_s ran out before `runs`
    std::uint64_t known_runs = 0;  // runs that violated an acknowledged property
};

// What kind of step a trace event is, for grouping: "iq[set] muc#admin role",
// "presence[unavailable]", "message[groupchat]", "disconnect".
std::string step_kind(const traces::Event& event);

// A live check's finding: the property and the kind of step that broke it
// ("self-presence-110 after iq[set] muc#admin role"), so that an old server's
// deviation on one kind of step does not hide a bug on another.
std::string finding_name(const properties::Violation& violation, const traces::Trace& trace);

// With keep_going, each property is judged over the whole trace on its own:
// a violation of one (an old server's missing 201, say) does not hide a later
// violation of another in the same run.
LiveCheckResult check_live(const LiveCheckOptions& options, const LiveProgressFn& progress = {});

// ------------------------------------------------------------------ diff

enum class DivergenceKind { missing, extra, different, order, out_of_step };
std::string_view divergence_kind_name(DivergenceKind kind);

struct Divergence {
    DivergenceKind kind = DivergenceKind::different;
    std::uint64_t step = 0;                       // the live run's processing step
    traces::ClientIndex client = traces::no_client;  // whose stanzas differ
    std::string input;                            // the step's input, for people
    std::vector<model::Element> in_process;       // what the client received in that step, normalised
    std::vector<model::Element> live;
    std::optional<model::Element> in_process_stanza;  // the first ones that differ
    std::optional<model::Element> live_stanza;
    std::string explanation;
    std::string signature;  // what groups divergences of one cause
    std::uint64_t event = 0;  // the live trace's event of the step
    // What the counterexample expects `client` to receive at this step, normalised
    // (JIDs as ${Name's full JID}): the live stanza corrected where it differs, the
    // missing stanza, or the in-process ones; then nothing more when `expect_nothing`.
    std::vector<model::Element> expect;
    bool expect_nothing = false;
};

// What must differ between two servers, removed: client JIDs become
// ${Name's full JID} / ${Name's JID}; ids the server invented (not the
// program's a<N>) are dropped; <stanza-id/>, <occupant-id/> and xml:lang are
// dropped; delay stamps become "*".
model::Element normalise(const model::Element& stanza, const traces::Trace& trace);

// A live trace without what only this server in this run would repeat: ids
// the server invented (not the program's a<N>), <stanza-id/> and
// <occupant-id/>. Its counterexample script then replays on a fresh server
// and in-process (scansion's non-strict matching ignores what is absent).
traces::Trace portable(const traces::Trace& trace);

// The first divergence between a world trace and a live trace of one program.
std::optional<Divergence> first_divergence(const traces::Trace& in_process, const traces::Trace& live);

// Every divergence of one program, step by step, at most `count_max`: after a
// divergence that leaves both sides in the same state (a stanza of another
// shape, a message missing or extra) the comparison goes on, so that an old
// server's harmless difference early in a program does not hide a later one.
// It stops after a difference in presence or iq that may change the state (an
// error instead of a result, a presence missing, another type) and when the
// steps themselves differ.
std::vector<Divergence> divergences(const traces::Trace& in_process, const traces::Trace& live, std::size_t count_max);

// Every difference of a live stanza from the in-process one, in document order
// ("/presence/x/status: only on the live side"), at most 8.
std::vector<std::string> differences(const model::Element& in_process, const model::Element& live);

// The live stanza `live` with its difference number `at` from `in_process`
// replaced by the in-process version; where the live side has something more
// (an attribute, a child), that element is marked scansion:strict='true' so that
// a match fails. Each difference gets its own expectation, so that an old
// server's harmless difference does not make the one that is a bug fail at its fix.
model::Element corrected(const model::Element& live, const model::Element& in_process, std::size_t at = 0);

struct DiffFinding {
    std::string signature;
    std::vector<std::uint64_t> seeds;  // every program that diverged this way first
    std::uint64_t run = 0;             // the first of them
    sim::Program original;
    sim::Program shrunk;
    Divergence divergence;  // of the shrunk program
    std::size_t shrink_steps = 0;
    std::size_t shrink_evaluations = 0;
    traces::Trace live_trace;  // of the shrunk program
    double seconds = 0;        // since the start, when it was shrunk
};

struct DiffResult {
    std::uint64_t runs_done = 0;
    std::uint64_t identical = 0;
    double seconds = 0;
    std::vector<DiffFinding> findings;  // by first occurrence
    std::string error;
    bool stopped_by_time = false;
    std::uint64_t known_seen = 0;  // divergences of an acknowledged signature
};

DiffResult diff_live(const LiveCheckOptions& options, const LiveProgressFn& progress = {});

// The program as it runs in the in-process world for a diff: no choices, no faults.
sim::Program as_written(sim::Program program);

}  // namespace mucsim::live
