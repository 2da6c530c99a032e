#include "live/live_check.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <set>

#include "model/namespaces.hpp"
#include "properties/generators.hpp"
#include "sim/world.hpp"
#include "traces/export.hpp"
#include "traces/variables.hpp"

namespace mucsim::live {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A short token that differs between invocations: base 36 of the time and the pid.
std::string fresh_token() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto value = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) ^
                 (static_cast<std::uint64_t>(::getpid()) << 40);
    std::string out;
    for (int i = 0; i < 6; ++i) {
        out += "0123456789abcdefghijklmnopqrstuvwxyz"[value % 36];
        value /= 36;
    }
    return out;
}

sim::Program in_room(sim::Program program, const std::string& room) {
    for (sim::ProgramAction& a : program.actions) {
        if (!a.room.empty()) a.room = room;
    }
    return program;
}

// Names the rooms and resources of one invocation; each run and each
// shrinking candidate gets new ones.
class Names {
public:
    explicit Names(const LiveCheckOptions& options)
        : prefix_(options.room_prefix), token_(options.token.empty() ? fresh_token() : options.token) {}

    std::string room(std::uint64_t seed) { return fmt::format("{}-{}-{}-{}", prefix_, seed, token_, ++count_); }
    std::string resources() { return fmt::format("mucsim-{}-{}", token_, ++count_); }
    const std::string& token() const { return token_; }

private:
    std::string prefix_;
    std::string token_;
    std::uint64_t count_ = 0;
};

properties::GeneratorOptions generator_options(const LiveCheckOptions& options, const std::string& room) {
    properties::GeneratorOptions g;
    g.clients_min = options.clients_min;
    g.clients_max = options.clients_max;
    g.actions_max = options.actions_max;
    g.faults_max = 0;
    g.room = room;
    return g;
}

struct ShrinkStats {
    std::size_t steps = 0;
    std::size_t evaluations = 0;
};

// Shrinking where every candidate costs a live run: delta debugging over
// the actions (leave out halves, then quarters, ... then single actions),
// then whole clients, until nothing smaller still fails. RapidCheck's shrink
// tree, which properties/checker.cpp walks in-process with a budget of
// thousands of runs, spends a live budget of a hundred on candidates that
// mostly pass. `fails` runs a candidate and keeps what it needs when it fails.
void shrink(const std::function<bool(const sim::Program&)>& fails, std::size_t evaluations_max, sim::Program& best,
            ShrinkStats& stats) {
    auto try_candidate = [&](const sim::Program& candidate) {
        if (stats.evaluations >= evaluations_max) return false;
        ++stats.evaluations;
        if (!fails(candidate)) return false;
        best = candidate;
        ++stats.steps;
        return true;
    };
    bool progress = true;
    while (progress && stats.evaluations < evaluations_max) {
        progress = false;
        for (std::size_t chunk = std::max<std::size_t>(1, best.actions.size() / 2); chunk >= 1; chunk /= 2) {
            std::size_t start = 0;
            while (start < best.actions.size() && stats.evaluations < evaluations_max) {
                sim::Program candidate = best;
                auto first = candidate.actions.begin() + static_cast<std::ptrdiff_t>(start);
                auto last = candidate.actions.begin() +
                            static_cast<std::ptrdiff_t>(std::min(start + chunk, candidate.actions.size()));
                candidate.actions.erase(first, last);
                if (try_candidate(candidate)) {
                    progress = true;  // the same start now holds the next chunk
                } else {
                    start += chunk;
                }
            }
            if (chunk == 1) break;
        }
        for (int c = static_cast<int>(best.clients.size()) - 1; c >= 0; --c) {
            if (best.clients.size() <= 1 || stats.evaluations >= evaluations_max) break;
            if (auto candidate = sim::without_client(best, c)) progress = try_candidate(*candidate) || progress;
        }
    }
}

double seconds_since(SteadyClock::time_point start) {
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// One invocation's live runs: fresh rooms and resources for each.
class Session {
public:
    explicit Session(const LiveCheckOptions& options) : options_(options), names_(options) {}

    // The program of run `seed`, as written (no choices), without the verbs left out.
    sim::Program generate(std::uint64_t seed) {
        sim::Program program = as_written(
            properties::gen_program(generator_options(options_, options_.room_prefix))(rc::Random(seed), rc::kNominalSize)
                .value());
        std::erase_if(program.actions, [&](const sim::ProgramAction& a) {
            return std::find(options_.without.begin(), options_.without.end(), sim::verb_name(a.verb)) !=
                   options_.without.end();
        });
        return program;
    }

    // Runs a program of run `seed` live in a fresh room; `ran` is the program as run.
    LiveRun run(const sim::Program& program, std::uint64_t seed, sim::Program* ran = nullptr) {
        sim::Program fresh = in_room(as_written(program), names_.room(seed));
        LiveRunOptions run_options = options_.run;
        run_options.resource_prefix = names_.resources();
        LiveRun result = run_program_live(fresh, run_options);
        if (ran) *ran = std::move(fresh);
        return result;
    }

private:
    const LiveCheckOptions& options_;
    Names names_;
};

// ------------------------------------------------------------------ normalising

bool is_program_id(std::string_view id) {
    return id.size() >= 2 && id[0] == 'a' &&
           std::all_of(id.begin() + 1, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void normalise_inside(model::Element& element) {
    element.remove_attribute("xml:lang");
    remove_children_if(element, [](const model::Node& n) {
        return n.is_element() && (n.element().is("stanza-id", model::ns::stanza_id) ||
                                   n.element().is("occupant-id", model::ns::occupant_id));
    });
    for (model::Node& node : element.children) {
        if (!node.is_element()) continue;
        model::Element& child = node.element();
        if (child.is("delay", model::ns::delay) && child.has_attribute("stamp")) child.set("stamp", "*");
        normalise_inside(child);
    }
}

// "presence[unavailable]{x:110,307}": what kind of stanza, for grouping.
std::string shape(const model::Element& s) {
    std::string out = s.name;
    if (s.has_attribute("type")) out += fmt::format("[{}]", s.attribute("type"));
    std::vector<std::string> parts;
    for (const model::Element* child : s.elements()) {
        if (child->is("x", model::ns::muc_user)) {
            std::string codes;
            for (const model::Element* status : child->elements("status", model::ns::muc_user)) {
                codes += (codes.empty() ? "" : ",") + std::string(status->attribute("code"));
            }
            std::string inner;
            for (const model::Element* e : child->elements()) {
                if (e->name != "status") inner += (inner.empty() ? "" : "+") + e->name;
            }
            parts.push_back(fmt::format("muc#user:{}{}", inner, codes.empty() ? "" : " " + codes));
        } else if (child->ns == model::ns::client) {
            parts.push_back(child->name);
        } else {
            std::string_view ns = child->ns;
            std::size_t cut = ns.find_last_of("/:");
            parts.push_back(fmt::format("{}:{}", child->name, cut == std::string_view::npos ? ns : ns.substr(cut + 1)));
        }
    }
    std::sort(parts.begin(), parts.end());
    std::string joined;
    for (const std::string& p : parts) joined += (joined.empty() ? "" : ",") + p;
    return fmt::format("{}{{{}}}", out, joined);
}

// Where two elements first differ: "/presence/x/item@role: 'a' vs 'b'".
std::string difference(const model::Element& a, const model::Element& b, std::string path) {
    path += "/" + a.name;
    if (a.name != b.name || a.ns != b.ns) return fmt::format("{}: <{}> vs <{}>", path, a.name, b.name);
    std::set<std::string> names;
    for (const model::Attribute& at : a.attributes) names.insert(at.name);
    for (const model::Attribute& at : b.attributes) names.insert(at.name);
    for (const std::string& n : names) {
        const std::string* va = a.find_attribute(n);
        const std::string* vb = b.find_attribute(n);
        if (va && vb && *va == *vb) continue;
        return fmt::format("{}@{}: {} vs {}", path, n, va ? fmt::format("'{}'", *va) : "absent",
                           vb ? fmt::format("'{}'", *vb) : "absent");
    }
    auto ea = a.elements();
    auto eb = b.elements();
    for (std::size_t i = 0; i < std::min(ea.size(), eb.size()); ++i) {
        if (*ea[i] == *eb[i]) continue;
        return difference(*ea[i], *eb[i], path);
    }
    if (ea.size() != eb.size()) {
        const model::Element* extra = ea.size() > eb.size() ? ea[eb.size()] : eb[ea.size()];
        return fmt::format("{}: {} children vs {} (<{}> only on the {} side)", path, ea.size(), eb.size(), extra->name,
                           ea.size() > eb.size() ? "in-process" : "live");
    }
    return fmt::format("{} text: '{}' vs '{}'", path, a.text_content(), b.text_content());
}

std::string without_values(std::string_view where) {
    std::size_t colon = where.find(": ");
    return std::string(colon == std::string_view::npos ? where : where.substr(0, colon));
}

std::vector<const traces::Event*> steps_of(const traces::Trace& trace) {
    std::vector<const traces::Event*> out;
    for (const traces::Event& e : trace.events()) {
        if (e.kind == traces::EventKind::connect || e.kind == traces::EventKind::disconnect ||
            (e.kind == traces::EventKind::process && e.is_stanza)) {
            out.push_back(&e);
        }
    }
    return out;
}

std::vector<model::Element> received_by(const traces::Event& event, traces::ClientIndex c, const traces::Trace& trace) {
    std::vector<model::Element> out;
    for (const traces::Emission& e : event.emitted) {
        if (e.to == c) out.push_back(normalise(e.stanza, trace));
    }
    return out;
}

std::string describe_input(const traces::Event& event, const traces::Trace& trace) {
    const std::string& name = trace.clients()[static_cast<std::size_t>(event.client)].name;
    switch (event.kind) {
        case traces::EventKind::connect: return fmt::format("{} connects", name);
        case traces::EventKind::disconnect: return fmt::format("{} disconnects", name);
        default: break;
    }
    model::Element input = normalise(event.stanza, trace);
    input.remove_attribute("from");
    return fmt::format("{} sends {}", name, model::stanza_to_string(input));
}

Divergence classify(std::vector<model::Element> w, std::vector<model::Element> l) {
    Divergence d;
    d.in_process = std::move(w);
    d.live = std::move(l);
    const auto& W = d.in_process;
    const auto& L = d.live;
    std::size_t i = 0;
    while (i < W.size() && i < L.size() && W[i] == L[i]) ++i;
    const model::Element* a = i < W.size() ? &W[i] : nullptr;
    const model::Element* b = i < L.size() ? &L[i] : nullptr;
    bool a_later_in_live = a && std::find(L.begin() + static_cast<std::ptrdiff_t>(i), L.end(), *a) != L.end();
    bool b_later_in_process = b && std::find(W.begin() + static_cast<std::ptrdiff_t>(i), W.end(), *b) != W.end();
    if (a) d.in_process_stanza = *a;
    if (b) d.live_stanza = *b;
    if (a && b && !a_later_in_live && !b_later_in_process) {
        d.kind = DivergenceKind::different;
        std::string where = difference(*a, *b, "");
        d.explanation = fmt::format("stanza #{} differs at {}", i + 1, where);
        d.signature = fmt::format("different {} at {}", shape(*a), without_values(where));
    } else if (a && !a_later_in_live) {
        d.kind = DivergenceKind::missing;
        d.live_stanza.reset();
        d.explanation = fmt::format("stanza #{} of the in-process service is not sent by the live server", i + 1);
        d.signature = fmt::format("missing on live {}", shape(*a));
    } else if (b && !b_later_in_process) {
        d.kind = DivergenceKind::extra;
        d.in_process_stanza.reset();
        d.explanation = fmt::format("stanza #{} of the live server is not sent by the in-process service", i + 1);
        d.signature = fmt::format("extra on live {}", shape(*b));
    } else {
        d.kind = DivergenceKind::order;
        d.explanation = fmt::format("the same stanzas from #{} on, in another order", i + 1);
        d.signature = fmt::format("order {} / {}", a ? shape(*a) : "-", b ? shape(*b) : "-");
    }
    return d;
}

}  // namespace

sim::Program as_written(sim::Program program) {
    program.choices.clear();
    program.faults_max = 0;
    return program;
}

std::string_view divergence_kind_name(DivergenceKind kind) {
    switch (kind) {
        case DivergenceKind::missing: return "missing";
        case DivergenceKind::extra: return "extra";
        case DivergenceKind::different: return "different";
        case DivergenceKind::order: return "order";
        case DivergenceKind::out_of_step: return "out of step";
    }
    return "?";
}

model::Element normalise(const model::Element& stanza, const traces::Trace& trace) {
    model::Element out = traces::abstract_jids(stanza, traces::trace_bindings(trace));
    if (out.has_attribute("id") && !is_program_id(out.attribute("id"))) out.remove_attribute("id");
    normalise_inside(out);
    return out;
}

traces::Trace portable(const traces::Trace& trace) {
    traces::Trace out;
    out.set_clients(trace.clients());
    auto clean = [](model::Element stanza) {
        if (stanza.has_attribute("id") && !is_program_id(stanza.attribute("id"))) stanza.remove_attribute("id");
        remove_children_if(stanza, [](const model::Node& n) {
            return n.is_element() && (n.element().is("stanza-id", model::ns::stanza_id) ||
                                       n.element().is("occupant-id", model::ns::occupant_id));
        });
        return stanza;
    };
    for (traces::Event event : trace.events()) {
        for (traces::Emission& e : event.emitted) e.stanza = clean(std::move(e.stanza));
        if (event.kind == traces::EventKind::deliver) event.stanza = clean(std::move(event.stanza));
        out.add(std::move(event));
    }
    return out;
}

std::optional<Divergence> first_divergence(const traces::Trace& in_process, const traces::Trace& live) {
    std::vector<const traces::Event*> w = steps_of(in_process);
    std::vector<const traces::Event*> l = steps_of(live);
    std::size_t clients = std::min(in_process.clients().size(), live.clients().size());
    for (std::size_t k = 0; k < std::min(w.size(), l.size()); ++k) {
        const traces::Event& ew = *w[k];
        const traces::Event& el = *l[k];
        if (ew.kind != el.kind || ew.client != el.client) {
            Divergence d;
            d.kind = DivergenceKind::out_of_step;
            d.step = el.step;
            d.input = describe_input(el, live);
            d.explanation = fmt::format("step {}: in-process '{}', live '{}'", k + 1, describe_input(ew, in_process),
                                        d.input);
            d.signature = "out of step";
            return d;
        }
        if (ew.kind == traces::EventKind::connect) continue;
        for (std::size_t c = 0; c < clients; ++c) {
            auto client = static_cast<traces::ClientIndex>(c);
            std::vector<model::Element> sw = received_by(ew, client, in_process);
            std::vector<model::Element> sl = received_by(el, client, live);
            if (sw == sl) continue;
            Divergence d = classify(std::move(sw), std::move(sl));
            d.step = el.step;
            d.client = client;
            d.input = describe_input(el, live);
            // Group by what was sent, not by who sent it.
            std::string verb = el.kind == traces::EventKind::disconnect ? "disconnect" : el.stanza.name;
            if (el.kind == traces::EventKind::process) {
                if (const model::Element* query = el.stanza.elements().empty() ? nullptr : el.stanza.elements().front()) {
                    verb += fmt::format("[{}]", query->name);
                }
            }
            d.signature = fmt::format("{} (after {})", d.signature, verb);
            return d;
        }
    }
    if (w.size() != l.size()) {
        Divergence d;
        d.kind = DivergenceKind::out_of_step;
        d.explanation = fmt::format("{} steps in-process, {} live", w.size(), l.size());
        d.signature = "out of step";
        return d;
    }
    return std::nullopt;
}

// ------------------------------------------------------------------ check

LiveCheckResult check_live(const LiveCheckOptions& options, const LiveProgressFn& progress) {
    LiveCheckResult result;
    auto selected = properties::select_invariants(options.properties);
    if (!selected) {
        result.error = selected.error();
        return result;
    }
    auto start = SteadyClock::now();
    Session session(options);
    auto report = [&](std::string phase) {
        if (!progress) return;
        progress({result.runs_done, options.runs, result.counterexamples.size(), seconds_since(start), std::move(phase)});
    };
    for (std::uint64_t run = 0; run < options.runs; ++run) {
        std::uint64_t seed = options.seed + run;
        sim::Program generated = session.generate(seed);
        sim::Program ran;
        LiveRun live = session.run(generated, seed, &ran);
        if (!live.error.empty()) {
            result.error = fmt::format("run {} (seed {}): {}", run, seed, live.error);
            break;
        }
        ++result.runs_done;
        result.actions_run += ran.actions.size();
        auto violation = properties::check_trace(live.trace, *selected);
        report("running");
        if (!violation) continue;
        auto known = std::find_if(result.violations.begin(), result.violations.end(),
                                  [&](const auto& entry) { return entry.first == violation->property; });
        if (known != result.violations.end()) {
            known->second.push_back(seed);
            continue;
        }
        result.violations.push_back({violation->property, {seed}});
        properties::Counterexample c;
        c.run = run;
        c.seed = seed;
        c.original = ran;
        c.shrunk = ran;
        c.violation = std::move(*violation);
        c.trace = live.trace;
        const properties::Invariant* same = properties::find_invariant(c.violation.property);
        std::vector<const properties::Invariant*> only{same};
        report("shrinking");
        auto fails = [&](const sim::Program& candidate) {
            sim::Program candidate_ran;
            LiveRun again = session.run(candidate, seed, &candidate_ran);
            if (!again.error.empty()) return false;
            auto v = properties::check_trace(again.trace, only);
            if (!v) return false;
            c.violation = std::move(*v);
            c.trace = std::move(again.trace);
            c.shrunk = candidate_ran;
            return true;
        };
        ShrinkStats stats;
        sim::Program best = generated;
        shrink(fails, options.shrink_evaluations_max, best, stats);
        c.shrink_steps = stats.steps;
        c.shrink_evaluations = stats.evaluations;
        result.counterexamples.push_back(std::move(c));
        if (!options.keep_going) break;
    }
    result.seconds = seconds_since(start);
    return result;
}

// ------------------------------------------------------------------ diff

DiffResult diff_live(const LiveCheckOptions& options, const LiveProgressFn& progress) {
    DiffResult result;
    auto start = SteadyClock::now();
    Session session(options);
    sim::WorldConfig world_config;
    auto report = [&](std::string phase) {
        if (!progress) return;
        progress({result.runs_done, options.runs, result.findings.size(), seconds_since(start), std::move(phase)});
    };
    // Both sides of one program; the divergence, or nothing; `error` when the live side failed.
    auto compare = [&](const sim::Program& program, std::uint64_t seed, sim::Program* ran,
                       std::string* error) -> std::optional<Divergence> {
        sim::Program live_program;
        LiveRun live = session.run(program, seed, &live_program);
        if (ran) *ran = live_program;
        if (!live.error.empty()) {
            if (error) *error = live.error;
            return std::nullopt;
        }
        sim::World world = sim::run_program(live_program, world_config);
        return first_divergence(world.trace(), live.trace);
    };
    for (std::uint64_t run = 0; run < options.runs; ++run) {
        std::uint64_t seed = options.seed + run;
        sim::Program generated = session.generate(seed);
        sim::Program ran;
        std::string error;
        std::optional<Divergence> d = compare(generated, seed, &ran, &error);
        if (!error.empty()) {
            result.error = fmt::format("run {} (seed {}): {}", run, seed, error);
            break;
        }
        ++result.runs_done;
        report("running");
        if (!d) {
            ++result.identical;
            continue;
        }
        auto known = std::find_if(result.findings.begin(), result.findings.end(),
                                  [&](const DiffFinding& f) { return f.signature == d->signature; });
        if (known != result.findings.end()) {
            known->seeds.push_back(seed);
            continue;
        }
        DiffFinding finding;
        finding.signature = d->signature;
        finding.seeds = {seed};
        finding.run = run;
        finding.original = ran;
        finding.shrunk = ran;
        finding.divergence = *d;
        report("shrinking");
        auto fails = [&](const sim::Program& candidate) {
            sim::Program candidate_ran;
            std::string candidate_error;
            std::optional<Divergence> again = compare(candidate, seed, &candidate_ran, &candidate_error);
            if (!again || again->signature != finding.signature) return false;
            finding.divergence = std::move(*again);
            finding.shrunk = candidate_ran;
            return true;
        };
        ShrinkStats stats;
        sim::Program best = generated;
        shrink(fails, options.shrink_evaluations_max, best, stats);
        finding.shrink_steps = stats.steps;
        finding.shrink_evaluations = stats.evaluations;
        result.findings.push_back(std::move(finding));
    }
    result.seconds = seconds_since(start);
    return result;
}

}  // namespace mucsim::live
