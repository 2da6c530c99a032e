#pragma once
// The invariant catalogue: what every participant must, and must never,
// receive. Each invariant has a name, the XEP-0045 section it comes from, a
// one-line statement, and a check over the trace. A violation names the
// step, the client, and the stanza that was expected or forbidden, and
// carries the expectations ("demands") a correct server meets at that step:
// they end the counterexample script.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/xml.hpp"
#include "properties/reference_model.hpp"
#include "traces/trace.hpp"

namespace mucsim::properties {

// An expectation a correct server meets: `client` receives `stanza`, or, when
// `nothing` is set, nothing more in this step after the stanzas listed before.
struct Demand {
    traces::ClientIndex client = traces::no_client;
    std::optional<model::Element> stanza;
    bool nothing = false;
};

struct Violation {
    std::string property;
    std::string section;
    std::string statement;
    std::uint64_t event = 0;  // the trace event (a process or disconnect) where it shows
    std::uint64_t step = 0;   // the processing step
    traces::ClientIndex client = traces::no_client;
    std::string explanation;
    // Receives to replace the observed ones of `demanded_for` at this event.
    std::vector<Demand> demands;
    // Observed stanzas to leave out of the counterexample (forbidden ones).
    std::vector<const model::Element*> forbidden;
};

// What a per-step check sees: the event, and the model before and after it.
struct StepContext {
    const traces::Trace& trace;
    const traces::Event& event;
    const ReferenceModel& before;
    const ReferenceModel& after;
};

struct Invariant {
    std::string name;
    std::string section;
    std::string statement;
    std::function<std::optional<Violation>(const StepContext&)> check_step;
    // Checked once the world is quiet (the end of the trace); may be empty.
    std::function<std::optional<Violation>(const traces::Trace&, const ReferenceModel&)> check_quiet;
};

// Each session's picture of each room it is in, built only from the presence
// it received; for the convergence invariant, incrementally.
class ClientViews {
public:
    struct Seen {
        Role role = Role::none;
        Affiliation affiliation = Affiliation::none;
        bool operator==(const Seen&) const = default;
    };

    void follow(const traces::Event& event);
    // Once the world is quiet: each occupant's view against the model.
    std::optional<Violation> check(const traces::Trace& trace, const ReferenceModel& model) const;
    void encode(std::string& out, const model::Renaming& renaming = {}) const;
    bool operator==(const ClientViews&) const = default;

private:
    Violation disagreement(const traces::Trace& trace, const std::string& room_jid, const std::string& session,
                           const std::map<std::string, Seen>& view, const std::map<std::string, Seen>& truth) const;

    // (session, room) → nick → what the session was shown.
    std::map<std::pair<std::string, std::string>, std::map<std::string, Seen>> views_;
    // (room, nick) → (event, step) of the last change the room told the occupant itself.
    std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> changes_;
};

const std::vector<Invariant>& invariants();

// The violation stamped with the invariant's name, section and statement.
Violation named(Violation v, const Invariant& invariant);
const Invariant* find_invariant(std::string_view name);

// Checks a whole trace against the selected invariants (all when empty);
// returns the first violation in trace order.
std::optional<Violation> check_trace(const traces::Trace& trace, const std::vector<const Invariant*>& selected = {});

// Every step's violation of every selected property, in trace order (a
// property judged again at each step, whatever it found before), at most
// count_max: a live check groups them by the kind of step, so that an old
// server's deviation on one kind of step does not hide a bug on another.
std::vector<Violation> check_trace_all(const traces::Trace& trace, const std::vector<const Invariant*>& selected,
                                       std::size_t count_max);

// Checks a whole trace against the selected invariants (all when empty),
// each judged on its own over the whole trace: the first violation of each
// property that has one, in trace order (a violation of one property does
// not stop the others from being judged).
std::vector<Violation> check_trace_each(const traces::Trace& trace, const std::vector<const Invariant*>& selected = {});

// "property (§section): statement" and the explanation, for people.
std::string describe(const Violation& violation, const traces::Trace& trace);

}  // namespace mucsim::properties
