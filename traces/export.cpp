#include "traces/export.hpp"

#include <cassert>

#include "model/namespaces.hpp"

namespace mucsim::traces {

namespace {

void any_delay_stamps(model::Element& element) {
    for (model::Node& node : element.children) {
        if (!node.is_element()) continue;
        model::Element& child = node.element();
        if (child.is(std::string_view("delay"), model::ns::delay) && child.has_attribute("stamp")) {
            child.set("stamp", "{scansion:any}");
        }
        any_delay_stamps(child);
    }
}

Action action(ActionKind kind, const std::string& client) {
    Action a;
    a.kind = kind;
    a.client = client;
    return a;
}

}  // namespace

Bindings trace_bindings(const Trace& trace) {
    Bindings bindings;
    for (const ClientInfo& c : trace.clients()) bindings[c.name] = c.full_jid;
    return bindings;
}

model::Element expectation(const model::Element& received, const std::string& recipient_full_jid,
                           const Bindings& bindings) {
    model::Element expected = received;
    if (expected.attribute("to") == recipient_full_jid) expected.remove_attribute("to");
    // The user's server stamps its stream language on what it relays; a
    // script need not expect it (Prosody's recordings do not show it).
    expected.remove_attribute("xml:lang");
    any_delay_stamps(expected);
    return abstract_jids(expected, bindings);
}

Script export_script(const Trace& trace, const ExportOptions& options) {
    Script script;
    script.title = options.title;
    Bindings bindings = trace_bindings(trace);
    const std::vector<ClientInfo>& clients = trace.clients();
    for (const ClientInfo& c : clients) {
        ClientDecl decl;
        decl.name = c.name;
        std::size_t slash = c.full_jid.find('/');
        decl.properties.push_back({"jid", c.full_jid.substr(0, slash)});
        decl.properties.push_back({"password", options.password});
        if (slash != std::string::npos) decl.properties.push_back({"resource", c.full_jid.substr(slash + 1)});
        script.clients.push_back(std::move(decl));
    }
    auto name_of = [&](ClientIndex c) -> const std::string& {
        assert(c >= 0 && static_cast<std::size_t>(c) < clients.size());
        return clients[static_cast<std::size_t>(c)].name;
    };
    for (const Event& event : trace.events()) {
        if (options.last_event != 0 && event.number > options.last_event) break;
        switch (event.kind) {
            case EventKind::connect: script.actions.push_back(action(ActionKind::connects, name_of(event.client))); break;
            case EventKind::disconnect:
                script.actions.push_back(action(ActionKind::disconnects, name_of(event.client)));
                if (event.detail != "closed") script.actions.back().comments.push_back("the connection dropped here");
                break;
            case EventKind::process: {
                if (!event.is_stanza) break;
                Action sends = action(ActionKind::sends, name_of(event.client));
                model::Element sent = event.stanza;
                sent.remove_attribute("from");
                sends.stanza = abstract_jids(sent, bindings);
                script.actions.push_back(std::move(sends));
                break;
            }
            case EventKind::enqueue:
            case EventKind::deliver: continue;
        }
        for (const Emission& e : event.emitted) {
            if (e.to == no_client) continue;
            Action receives = action(ActionKind::receives, name_of(e.to));
            receives.stanza = expectation(e.stanza, clients[static_cast<std::size_t>(e.to)].full_jid, bindings);
            script.actions.push_back(std::move(receives));
        }
    }
    return script;
}

}  // namespace mucsim::traces
