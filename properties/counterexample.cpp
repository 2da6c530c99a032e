#include "properties/counterexample.hpp"

#include <fmt/format.h>

#include <cassert>

#include "traces/export.hpp"
#include "traces/variables.hpp"

namespace mucsim::properties {

namespace {

const traces::Event* find_event(const traces::Trace& trace, std::uint64_t number) {
    for (const traces::Event& e : trace.events()) {
        if (e.number == number) return &e;
    }
    return nullptr;
}

traces::Action action(traces::ActionKind kind, std::string client) {
    traces::Action a;
    a.kind = kind;
    a.client = std::move(client);
    return a;
}

}  // namespace

traces::Script counterexample_script(const traces::Trace& trace, const Violation& violation,
                                     const std::vector<std::string>& header) {
    assert(violation.event > 0);
    traces::ExportOptions options;
    options.title = header;
    options.last_event = violation.event - 1;
    traces::Script script = traces::export_script(trace, options);
    const traces::Event* event = find_event(trace, violation.event);
    assert(event);
    const auto& clients = trace.clients();
    traces::Bindings bindings = traces::trace_bindings(trace);
    const std::string& actor = clients[static_cast<std::size_t>(event->client)].name;
    if (event->kind == traces::EventKind::process && event->is_stanza) {
        traces::Action sends = action(traces::ActionKind::sends, actor);
        model::Element sent = event->stanza;
        sent.remove_attribute("from");
        sends.stanza = traces::abstract_jids(sent, bindings);
        sends.comments.push_back(fmt::format("Step {}: the violating step.", violation.step));
        script.actions.push_back(std::move(sends));
    } else {
        traces::Action disconnects = action(traces::ActionKind::disconnects, actor);
        disconnects.comments.push_back(fmt::format("Step {}: the violating step ({}).", violation.step, event->detail));
        script.actions.push_back(std::move(disconnects));
    }
    bool first = true;
    for (const Demand& demand : violation.demands) {
        const std::string& name = clients[static_cast<std::size_t>(demand.client)].name;
        traces::Action receives = action(demand.nothing ? traces::ActionKind::receives_nothing : traces::ActionKind::receives, name);
        if (demand.stanza) {
            receives.stanza = traces::expectation(*demand.stanza, clients[static_cast<std::size_t>(demand.client)].full_jid, bindings);
        }
        if (first) {
            receives.comments.push_back(violation.section.empty()
                                            ? fmt::format("Violated: {}", violation.property)
                                            : fmt::format("Violated: {} (XEP-0045 §{})", violation.property, violation.section));
            receives.comments.push_back(violation.statement);
            receives.comments.push_back(violation.explanation);
            receives.comments.push_back("What a correct service sends:");
            first = false;
        }
        script.actions.push_back(std::move(receives));
    }
    return script;
}

}  // namespace mucsim::properties
