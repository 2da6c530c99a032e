#include "properties/independence.hpp"

namespace mucsim::properties {

namespace {

bool touches_server(sim::ChoiceKind kind) {
    return kind == sim::ChoiceKind::process || kind == sim::ChoiceKind::drop || kind == sim::ChoiceKind::reconnect;
}

bool is_fault(sim::ChoiceKind kind) { return kind == sim::ChoiceKind::drop || kind == sim::ChoiceKind::reconnect; }

}  // namespace

bool independent(const sim::Choice& a, const sim::Choice& b) {
    using sim::ChoiceKind;
    if (a == b) return false;
    if (touches_server(a.kind) && touches_server(b.kind)) return false;
    if (a.client != b.client) return true;
    // The same client: a fault writes all of it.
    if (is_fault(a.kind) || is_fault(b.kind)) return false;
    // send(c) with process(c): the link. deliver(c) commutes with both.
    return a.kind == ChoiceKind::deliver || b.kind == ChoiceKind::deliver;
}

}  // namespace mucsim::properties
