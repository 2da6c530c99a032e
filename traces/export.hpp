#pragma once
// A trace written as a scansion script, linearised in the server's
// processing order: each processed input becomes `NAME sends:`, followed by
// the `receives:` it caused, in delivery order. Full and bare JIDs of the
// clients become ${Name's full JID} and ${Name's JID}; delay stamps become
// {scansion:any}. The shape is that of Prosody's recorder.

#include <string>
#include <vector>

#include "traces/script.hpp"
#include "traces/trace.hpp"
#include "traces/variables.hpp"

namespace mucsim::traces {

struct ExportOptions {
    std::vector<std::string> title = {"mucsim trace"};
    std::string password = "password";
    // Export events with number <= this (0: all).
    std::uint64_t last_event = 0;
};

Script export_script(const Trace& trace, const ExportOptions& options = {});

// The bindings of a trace's clients, for substitution and abstraction.
Bindings trace_bindings(const Trace& trace);

// A stanza as a script expects it: `to` dropped when it is the recipient,
// JIDs abstracted, delay stamps any.
model::Element expectation(const model::Element& received, const std::string& recipient_full_jid,
                           const Bindings& bindings);

}  // namespace mucsim::traces
