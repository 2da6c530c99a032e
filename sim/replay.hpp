#pragma once
// In-process replay of a scansion script, following scansion's runner
// (../shared/docs/scansion.md, "Running a script"): after each action the
// world runs until quiet; `receives:` takes stanzas from the client's queue,
// skipping those that do not match, until one matches; `receives: nothing`
// needs an empty queue. Skipped stanzas are reported, not errors — except in
// strict-order mode, where every stanza must match the next expectation.

#include <functional>
#include <string>
#include <vector>

#include "sim/world.hpp"
#include "traces/matcher.hpp"
#include "traces/script.hpp"

namespace mucsim::sim {

struct ReplayOptions {
    ServerConfig server;
    bool strict_order = false;
};

// One line of the exchange, for --verbose.
struct ReplayLogLine {
    int line = 0;  // script line of the action
    std::string text;
};

struct SkippedStanza {
    int line = 0;  // the receives: action that skipped it
    std::string client;
    model::Element stanza;
};

struct ReplayFailure {
    int line = 0;
    std::string action;       // e.g. "Romeo receives:"
    std::string explanation;  // expected, received, why
};

struct ReplayResult {
    bool passed = false;
    std::vector<ReplayFailure> failures;  // at most one: replay stops at the first
    std::vector<SkippedStanza> skipped;
    std::vector<std::string> warnings;    // e.g. a send by a disconnected client
    std::vector<ReplayLogLine> log;
    std::size_t actions_run = 0;
    std::size_t stanzas_delivered = 0;
    traces::Trace trace;
};

ReplayResult replay(const traces::Script& script, const ReplayOptions& options);

}  // namespace mucsim::sim
