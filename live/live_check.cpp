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
        // The vCard avatar hash is the occupant's own server's (XEP-0153), not the room's.
        return n.is_element() && (n.element().is("stanza-id", model::ns::stanza_id) ||
                                   n.element().is("occupant-id", model::ns::occupant_id) ||
                                   n.element().is("x", model::ns::vcard_update));
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

// The element children of `a` and `b` paired by name and namespace, in a's
// order (the k-th <x/> of a namespace with the k-th); unpaired ones are null.
// Two servers may order children otherwise: a missing child is then named as
// missing, not as every child after it differing.
struct ChildPairs {
    std::vector<std::pair<const model::Element*, const model::Element*>> pairs;  // (a, b or null)
    std::vector<const model::Element*> only_in_b;
};

// Children of one kind: name, namespace and, for form fields and disco
// features, their var, for status codes their code (a field is not another
// field with another value, nor 333 another 307).
bool same_kind(const model::Element& a, const model::Element& b) {
    return a.name == b.name && a.ns == b.ns && a.attribute("var") == b.attribute("var") &&
           a.attribute("code") == b.attribute("code");
}

// An element in a difference's path: its name, and the var or code that tells
// it from its siblings ("field[muc#roominfo_description]", "status[110]").
std::string step_name(const model::Element& e) {
    if (e.has_attribute("var")) return fmt::format("{}[{}]", e.name, e.attribute("var"));
    if (e.has_attribute("code")) return fmt::format("{}[{}]", e.name, e.attribute("code"));
    return e.name;
}

ChildPairs pair_children(const model::Element& a, const model::Element& b) {
    ChildPairs out;
    std::vector<const model::Element*> free = b.elements();
    std::vector<const model::Element*> mine = a.elements();
    out.pairs.resize(mine.size(), {nullptr, nullptr});
    // Equal children first, so that of two <x/> of one namespace the one that
    // differs is the one compared.
    for (bool equal_only : {true, false}) {
        for (std::size_t i = 0; i < mine.size(); ++i) {
            if (out.pairs[i].first) continue;
            auto partner = std::find_if(free.begin(), free.end(), [&](const model::Element* e) {
                return e && (equal_only ? *e == *mine[i] : same_kind(*e, *mine[i]));
            });
            if (partner == free.end()) continue;
            out.pairs[i] = {mine[i], *partner};
            *partner = nullptr;
        }
    }
    for (std::size_t i = 0; i < mine.size(); ++i) out.pairs[i].first = mine[i];
    for (const model::Element* e : free) {
        if (e) out.only_in_b.push_back(e);
    }
    return out;
}

void mark_strict(model::Element& element) { element.set("scansion:strict", "true"); }

// Puts `child` after the child element `before` of `parent` (first when null).
void insert_after(model::Element& parent, const model::Element* before, const model::Element& child) {
    model::Element rebuilt(parent.name, parent.ns);
    rebuilt.attributes = parent.attributes;
    if (!before) rebuilt.append(child);
    for (const model::Node& node : parent.children) {
        rebuilt.children.push_back(node);
        if (before && node.is_element() && &node.element() == before) rebuilt.append(child);
    }
    parent = std::move(rebuilt);
}

// Walks every difference between a live element and the in-process one, in
// document order: each attribute of another value (or only on one side), each
// child only on one side, each text, a whole <error/>. It lists them ("where"),
// and patches the live element at the `target`-th one only: set to the in-process
// version, and marked scansion:strict='true' where the live side has something
// more (which non-strict matching would accept).
class DifferenceWalk {
public:
    static constexpr std::size_t differences_max = 8;

    explicit DifferenceWalk(std::size_t target = differences_max) : target_(target) {}

    // Returns true once the target was patched (the walk stops there).
    bool walk(model::Element& live, const model::Element& in_process, std::string path) {
        path += "/" + step_name(in_process);
        if (live.name != in_process.name || live.ns != in_process.ns) {
            return found(fmt::format("{}: <{}> vs <{}>", path, in_process.name, live.name), [&] { live = in_process; });
        }
        // An error is one thing: its type and condition together.
        if (live.name == "error" && live.ns == model::ns::client) {
            if (live == in_process) return false;
            return found(fmt::format("{}: {} vs {}", path, describe_error(in_process), describe_error(live)), [&] {
                live = in_process;
                mark_strict(live);
            });
        }
        if (attributes(live, in_process, path)) return true;
        (void)live.children.begin();  // its own copy first: the pairs below point into it
        ChildPairs paired = pair_children(in_process, live);
        for (std::size_t k = 0; k < paired.pairs.size(); ++k) {
            const auto& [want, got] = paired.pairs[k];
            if (got && *want == *got) continue;
            if (!got) {
                // In the in-process order: after the live partner of the child before it.
                const model::Element* before = k > 0 ? paired.pairs[k - 1].second : nullptr;
                // Demanded whatever else and in whatever order the live side has there.
                if (found(fmt::format("{}/{}: only on the in-process side", path, step_name(*want)), [&] {
                        insert_after(live, before, *want);
                        live.set("scansion:strict", "false");
                    })) {
                    return true;
                }
                continue;
            }
            if (walk(child_of(live, got), *want, path)) return true;
        }
        for (const model::Element* extra : paired.only_in_b) {
            if (more_is_free(live, *extra)) continue;
            if (found(fmt::format("{}/{}: only on the live side", path, step_name(*extra)), [&] {
                    live.children.erase_if([&](const model::Node& n) { return n.is_element() && &n.element() == extra; });
                    mark_strict(live);
                })) {
                return true;
            }
        }
        if (paired.only_in_b.empty() && live.text_content() != in_process.text_content()) {
            return found(fmt::format("{} text: '{}' vs '{}'", path, in_process.text_content(), live.text_content()), [&] {
                live.children.erase_if([](const model::Node& n) { return n.is_text(); });
                live.text(in_process.text_content());
            });
        }
        return false;
    }

    const std::vector<std::string>& where() const { return where_; }

private:
    // A server may support more than mucsim: a disco#info feature or identity
    // only on the live side is no divergence (XEP-0030 §3.1).
    static bool more_is_free(const model::Element& parent, const model::Element& child) {
        return parent.is("query", model::ns::disco_info) && (child.name == "feature" || child.name == "identity");
    }

    template <class Patch>
    bool found(std::string where, Patch patch) {
        if (where_.size() >= differences_max) return false;
        bool hit = where_.size() == target_;
        where_.push_back(std::move(where));
        if (hit) patch();
        return hit;
    }

    bool attributes(model::Element& live, const model::Element& in_process, const std::string& path) {
        std::set<std::string> names;
        for (const model::Attribute& at : live.attributes) names.insert(at.name);
        for (const model::Attribute& at : in_process.attributes) names.insert(at.name);
        for (const std::string& n : names) {
            const std::string* want = in_process.find_attribute(n);
            const std::string* got = live.find_attribute(n);
            if (want && got && *want == *got) continue;
            std::string where = fmt::format("{}@{}: {} vs {}", path, n, want ? fmt::format("'{}'", *want) : "absent",
                                            got ? fmt::format("'{}'", *got) : "absent");
            bool hit = found(std::move(where), [&] {
                if (want) {
                    live.set(n, *want);
                } else {
                    live.remove_attribute(n);
                    mark_strict(live);
                }
            });
            if (hit) return true;
        }
        return false;
    }

    static model::Element& child_of(model::Element& parent, const model::Element* child) {
        for (model::Node& node : parent.children) {
            if (node.is_element() && &node.element() == child) return node.element();
        }
        assert(false && "a paired child is a child");
        std::abort();
    }

    static std::string describe_error(const model::Element& error) {
        std::string out(error.attribute("type"));
        for (const model::Element* e : error.elements()) out += "/" + e->name;
        return out;
    }

    std::size_t target_;
    std::vector<std::string> where_;
};

// Normalised delay stamps ("*") may be anything in a script.
void any_stamps(model::Element& element) {
    if (element.attribute("stamp") == "*") element.set("stamp", "{scansion:any}");
    for (model::Node& node : element.children) {
        if (node.is_element()) any_stamps(node.element());
    }
}

// Everything of the expectation but the point of its difference is matched
// loosely: a server may order disco features otherwise from one run to the
// next (Prosody's are in hash order), and the expectation is about one point.
// Elements marked strict (where the live side has more) stay strict.
void loosen(model::Element& element) {
    if (element.attribute("scansion:strict") != "true") element.set("scansion:strict", "false");
    for (model::Node& node : element.children) {
        if (node.is_element()) loosen(node.element());
    }
}

// Keeps of a patched live stanza what the in-process one has too: an
// attribute of another value or a child only on the live side is another
// difference, which the fix of this one need not change. The point of this
// difference stays: a strict element (where the live side had more) whole.
void agreed_only(model::Element& expected, const model::Element& in_process) {
    if (expected.attribute("scansion:strict") == "true") return;
    std::erase_if(expected.attributes, [&](const model::Attribute& a) {
        if (a.name.starts_with("scansion:")) return false;
        const std::string* mine = in_process.find_attribute(a.name);
        return !mine || *mine != a.value;
    });
    (void)expected.children.begin();  // its own copy first: the pairs below point into it
    ChildPairs paired = pair_children(in_process, expected);
    expected.children.erase_if([&](const model::Node& n) {
        return n.is_element() && std::find(paired.only_in_b.begin(), paired.only_in_b.end(), &n.element()) !=
                                     paired.only_in_b.end();
    });
    paired = pair_children(in_process, expected);
    for (model::Node& node : expected.children) {
        if (!node.is_element()) continue;
        for (const auto& [want, got] : paired.pairs) {
            if (got == &node.element()) agreed_only(node.element(), *want);
        }
    }
}

// The live stanza patched at its `n`-th difference from the in-process one.
model::Element corrected_at(const model::Element& live, const model::Element& in_process, std::size_t n) {
    model::Element out = live;
    DifferenceWalk walk(n);
    bool patched = walk.walk(out, in_process, "");
    if (!patched) out = in_process;  // no difference to patch: what mucsim sends
    agreed_only(out, in_process);
    loosen(out);
    any_stamps(out);
    return out;
}

// "/iq/query/x/field[muc#roominfo_description]: only on the in-process side"
// -> "/iq/query/x/field[muc#roominfo_description] missing": what groups.
std::string without_values(std::string_view where) {
    std::size_t colon = where.find(": ");
    std::string out(colon == std::string_view::npos ? where : where.substr(0, colon));
    if (where.ends_with("only on the in-process side")) out += " missing";
    if (where.ends_with("only on the live side")) out += " extra";
    return out;
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

// ejabberd's rooms tell a joiner their entity capabilities (XEP-0115) in a
// presence of their own, from the room's bare JID, with nothing but <c/>:
// no MUC stanza, a feature XEP-0045 does not speak of. Not compared.
bool is_capabilities_presence(const model::Element& stanza) {
    if (stanza.name != "presence" || stanza.has_attribute("type")) return false;
    std::vector<const model::Element*> children = stanza.elements();
    return children.size() == 1 && children[0]->is("c", "http://jabber.org/protocol/caps");
}

std::vector<model::Element> received_by(const traces::Event& event, traces::ClientIndex c, const traces::Trace& trace) {
    std::vector<model::Element> out;
    for (const traces::Emission& e : event.emitted) {
        if (e.to == c && !is_capabilities_presence(e.stanza)) out.push_back(normalise(e.stanza, trace));
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

// What pairs a stanza of one side with one of the other: an iq by its id
// (a result and an error answer the same request), others by kind and sender.
std::string pairing_key(const model::Element& s) {
    if (s.name == "iq") return fmt::format("iq#{}", s.attribute("id"));
    return fmt::format("{}[{}]<{}", s.name, s.attribute("type"), s.attribute("from"));
}

// One client's stanzas of one step, in-process (w) and live (l), paired by
// pairing_key in order: the first in-process stanza without a partner is
// missing, the first pair that differs is different, a live stanza without a
// partner is extra; equal pairs in another order are an order divergence.
std::vector<Divergence> classify(std::vector<model::Element> w, std::vector<model::Element> l) {
    Divergence d;
    d.in_process = std::move(w);
    d.live = std::move(l);
    const auto& W = d.in_process;
    const auto& L = d.live;
    std::vector<bool> used(L.size(), false);
    std::vector<std::ptrdiff_t> partner(W.size(), -1);
    for (bool equal_only : {true, false}) {
        for (std::size_t i = 0; i < W.size(); ++i) {
            for (std::size_t k = 0; k < L.size() && partner[i] < 0; ++k) {
                if (used[k] || (equal_only ? !(W[i] == L[k]) : pairing_key(W[i]) != pairing_key(L[k]))) continue;
                used[k] = true;
                partner[i] = static_cast<std::ptrdiff_t>(k);
            }
        }
    }
    for (std::size_t i = 0; i < W.size(); ++i) {
        if (partner[i] < 0) {
            d.kind = DivergenceKind::missing;
            d.in_process_stanza = W[i];
            d.explanation = fmt::format("stanza #{} of the in-process service is not sent by the live server", i + 1);
            d.signature = fmt::format("missing on live {}", shape(W[i]));
            d.expect = {corrected(W[i], W[i])};
            return {d};
        }
        const model::Element& b = L[static_cast<std::size_t>(partner[i])];
        if (W[i] == b) continue;
        // One divergence for each difference in the pair: an old server's harmless
        // one (an attribute more) must not hide the one that is the bug.
        d.kind = DivergenceKind::different;
        d.in_process_stanza = W[i];
        d.live_stanza = b;
        if (W[i].attribute("type") != b.attribute("type")) {
            // Another type is another stanza (an error for a result, unavailable for
            // available): what mucsim sends is expected whole, not patched.
            std::string where = fmt::format("/{}@type: '{}' vs '{}'", b.name, W[i].attribute("type"), b.attribute("type"));
            d.explanation = fmt::format("stanza #{} differs at {}", i + 1, where);
            d.signature = fmt::format("different {} at {}", shape(W[i]), without_values(where));
            d.expect = {corrected(W[i], W[i])};
            return {d};
        }
        std::vector<std::string> where = differences(W[i], b);
        // The same children in another order: XEP-0045 (and XEP-0030, XEP-0004)
        // leave the order free, so it is no divergence.
        if (where.empty()) continue;
        std::vector<Divergence> out;
        for (std::size_t k = 0; k < where.size(); ++k) {
            Divergence e = d;
            e.explanation = fmt::format("stanza #{} differs at {}", i + 1, where[k]);
            e.signature = fmt::format("different {} at {}", shape(W[i]), without_values(where[k]));
            e.expect = {corrected_at(b, W[i], k)};
            out.push_back(std::move(e));
        }
        return out;
    }
    for (std::size_t k = 0; k < L.size(); ++k) {
        if (used[k]) continue;
        d.kind = DivergenceKind::extra;
        d.live_stanza = L[k];
        d.explanation = fmt::format("stanza #{} of the live server is not sent by the in-process service", k + 1);
        d.signature = fmt::format("extra on live {}", shape(L[k]));
        for (const model::Element& stanza : W) d.expect.push_back(corrected(stanza, stanza));
        d.expect_nothing = true;
        return {d};
    }
    std::size_t i = 0;
    while (i < W.size() && partner[i] == static_cast<std::ptrdiff_t>(i)) ++i;
    if (i == W.size()) return {};  // differences only in the order of children
    d.kind = DivergenceKind::order;
    d.in_process_stanza = W[i];
    d.live_stanza = L[i];
    d.explanation = fmt::format("the same stanzas from #{} on, in another order", i + 1);
    d.signature = fmt::format("order {} / {}", shape(W[i]), shape(L[i]));
    for (const model::Element& stanza : W) d.expect.push_back(corrected(stanza, stanza));
    return {d};
}

// Can this divergence leave the two sides in different states? A presence or
// an iq answered otherwise (missing, extra, another type) may have changed who
// is in the room with what; another shape of the same stanza, or a message
// more or less, does not.
bool may_change_state(const Divergence& d) {
    if (d.kind == DivergenceKind::out_of_step || d.kind == DivergenceKind::order) return true;
    const std::optional<model::Element>& s = d.in_process_stanza ? d.in_process_stanza : d.live_stanza;
    if (!s) return true;
    if (s->name == "message") return false;
    if (d.kind != DivergenceKind::different || !d.live_stanza || !d.in_process_stanza) return true;
    return d.live_stanza->attribute("type") != d.in_process_stanza->attribute("type");
}

// A stanza corrected and made strict must still allow what normalising took
// away from the live one (its server-made id, xml:lang): any value will do.
void keep_what_normalising_dropped(Divergence& d, const traces::Event& event, traces::ClientIndex client,
                                   const traces::Trace& trace) {
    assert(d.expect.size() == 1 && d.live_stanza);
    model::Element& expect = d.expect.front();
    if (expect.attribute("scansion:strict") != "true") return;
    for (const traces::Emission& e : event.emitted) {
        if (e.to != client || !(normalise(e.stanza, trace) == *d.live_stanza)) continue;
        for (const model::Attribute& a : e.stanza.attributes) {
            if (!expect.has_attribute(a.name) && (a.name == "id" || a.name == "xml:lang")) expect.set(a.name, "{scansion:any}");
            // The script's writer drops a `to` that names the recipient; strict, it must stay.
            if (a.name == "to") expect.set("to", "{scansion:any}");
        }
        return;
    }
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

model::Element corrected(const model::Element& live, const model::Element& in_process, std::size_t at) {
    return corrected_at(live, in_process, at);
}

std::vector<std::string> differences(const model::Element& in_process, const model::Element& live) {
    model::Element copy = live;
    DifferenceWalk walk;
    walk.walk(copy, in_process, "");
    return walk.where();
}

std::vector<Divergence> divergences(const traces::Trace& in_process, const traces::Trace& live, std::size_t count_max) {
    assert(count_max >= 1);
    std::vector<Divergence> out;
    std::vector<const traces::Event*> w = steps_of(in_process);
    std::vector<const traces::Event*> l = steps_of(live);
    std::size_t clients = std::min(in_process.clients().size(), live.clients().size());
    for (std::size_t k = 0; k < std::min(w.size(), l.size()) && out.size() < count_max; ++k) {
        const traces::Event& ew = *w[k];
        const traces::Event& el = *l[k];
        if (ew.kind != el.kind || ew.client != el.client) {
            Divergence d;
            d.kind = DivergenceKind::out_of_step;
            d.step = el.step;
            d.event = el.number;
            d.input = describe_input(el, live);
            d.explanation = fmt::format("step {}: in-process '{}', live '{}'", k + 1, describe_input(ew, in_process),
                                        d.input);
            d.signature = "out of step";
            out.push_back(std::move(d));
            return out;
        }
        if (ew.kind == traces::EventKind::connect) continue;
        // Group by what was sent, not by who sent it.
        std::string verb = el.kind == traces::EventKind::disconnect ? "disconnect" : el.stanza.name;
        if (el.kind == traces::EventKind::process) {
            if (const model::Element* query = el.stanza.elements().empty() ? nullptr : el.stanza.elements().front()) {
                verb += fmt::format("[{}]", query->name);
            }
        }
        bool stop = false;
        for (std::size_t c = 0; c < clients; ++c) {
            auto client = static_cast<traces::ClientIndex>(c);
            std::vector<model::Element> sw = received_by(ew, client, in_process);
            std::vector<model::Element> sl = received_by(el, client, live);
            if (sw == sl) continue;
            for (Divergence& d : classify(std::move(sw), std::move(sl))) {
                d.step = el.step;
                d.event = el.number;
                d.client = client;
                d.input = describe_input(el, live);
                d.signature = fmt::format("{} (after {})", d.signature, verb);
                if (d.kind == DivergenceKind::different) keep_what_normalising_dropped(d, el, client, live);
                stop = stop || may_change_state(d);
                bool seen = std::any_of(out.begin(), out.end(), [&](const Divergence& e) { return e.signature == d.signature; });
                if (!seen && out.size() < count_max) out.push_back(std::move(d));
            }
        }
        // The next step may show another, unless this one may have changed the state.
        if (stop) return out;
    }
    if (w.size() != l.size() && out.size() < count_max) {
        Divergence d;
        d.kind = DivergenceKind::out_of_step;
        d.explanation = fmt::format("{} steps in-process, {} live", w.size(), l.size());
        d.signature = "out of step";
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<Divergence> first_divergence(const traces::Trace& in_process, const traces::Trace& live) {
    std::vector<Divergence> all = divergences(in_process, live, 1);
    if (all.empty()) return std::nullopt;
    return std::move(all.front());
}

// ------------------------------------------------------------------ check

namespace {

// The time budget of one invocation: no limit when time_max_s is 0.
class Budget {
public:
    explicit Budget(double time_max_s) : time_max_s_(time_max_s), start_(SteadyClock::now()) {
        assert(time_max_s >= 0);
    }
    double seconds() const { return seconds_since(start_); }
    bool spent() const { return time_max_s_ > 0 && seconds() >= time_max_s_; }
    // Searching stops earlier, so that what it found is shrunk in the rest.
    bool search_spent() const { return time_max_s_ > 0 && seconds() >= time_max_s_ * search_share; }

    static constexpr double search_share = 0.6;

private:
    double time_max_s_;
    SteadyClock::time_point start_;
};

bool is_known(const LiveCheckOptions& options, const std::string& name) {
    return std::find(options.known.begin(), options.known.end(), name) != options.known.end();
}

// Violations judged in one live run; more would be the same ones again.
constexpr std::size_t violations_per_run_max = 64;

// The violations of one live trace: the first overall, or with keep_going the
// first of each property, each judged alone over the whole trace.
std::vector<properties::Violation> judge(const traces::Trace& trace,
                                         const std::vector<const properties::Invariant*>& selected, bool each) {
    if (!each) {
        std::vector<properties::Violation> out;
        if (auto v = properties::check_trace(trace, selected)) out.push_back(std::move(*v));
        return out;
    }
    return properties::check_trace_all(trace, selected, violations_per_run_max);
}

}  // namespace

std::string step_kind(const traces::Event& event) {
    if (event.kind == traces::EventKind::disconnect) return "disconnect";
    if (event.kind != traces::EventKind::process || !event.is_stanza) return "?";
    const model::Element& s = event.stanza;
    std::string out = s.name;
    if (s.has_attribute("type")) out += fmt::format("[{}]", s.attribute("type"));
    const model::Element* payload = s.elements().empty() ? nullptr : s.elements().front();
    if (!payload) return out;
    std::string_view ns = payload->ns;
    std::size_t cut = ns.find_last_of("/:");
    out += fmt::format(" {}", cut == std::string_view::npos ? ns : ns.substr(cut + 1));
    // An admin item changes a role or an affiliation: two rules apart.
    if (const model::Element* item = payload->child("item", model::ns::muc_admin)) {
        if (item->has_attribute("role")) out += " role";
        if (item->has_attribute("affiliation")) out += " affiliation";
    }
    return out;
}

std::string finding_name(const properties::Violation& violation, const traces::Trace& trace) {
    for (const traces::Event& e : trace.events()) {
        if (e.number == violation.event) return fmt::format("{} after {}", violation.property, step_kind(e));
    }
    return violation.property;
}

// Searching first, then shrinking what it found, in the order found: a time
// budget spent shrinking the first finding would leave the next unfound.
LiveCheckResult check_live(const LiveCheckOptions& options, const LiveProgressFn& progress) {
    LiveCheckResult result;
    auto chosen = properties::select_invariants(options.properties);
    if (!chosen) {
        result.error = chosen.error();
        return result;
    }
    std::vector<const properties::Invariant*> selected = *chosen;
    if (selected.empty()) {
        for (const properties::Invariant& invariant : properties::invariants()) selected.push_back(&invariant);
    }
    Budget budget(options.time_max_s);
    Session session(options);
    struct Pending {
        properties::Counterexample c;
        std::string key;
        sim::Program generated;
    };
    std::vector<Pending> pending;
    auto report = [&](std::string phase) {
        if (!progress) return;
        progress({result.runs_done, options.runs, pending.size(), budget.seconds(), std::move(phase)});
    };
    for (std::uint64_t run = 0; run < options.runs; ++run) {
        if (budget.search_spent()) {
            result.stopped_by_time = true;
            break;
        }
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
        report("running");
        for (properties::Violation& violation : judge(live.trace, selected, options.keep_going)) {
            std::string key = finding_name(violation, live.trace);
            if (is_known(options, violation.property) || is_known(options, key)) {
                ++result.known_runs;
                continue;
            }
            auto known = std::find_if(result.violations.begin(), result.violations.end(),
                                      [&](const auto& entry) { return entry.first == key; });
            if (known != result.violations.end()) {
                if (known->second.back() != seed) known->second.push_back(seed);
                continue;
            }
            result.violations.push_back({key, {seed}});
            Pending p{{}, key, generated};
            p.c.run = run;
            p.c.seed = seed;
            p.c.original = ran;
            p.c.shrunk = ran;
            p.c.violation = std::move(violation);
            p.c.trace = live.trace;
            pending.push_back(std::move(p));
        }
        if (!options.keep_going && !pending.empty()) break;
    }
    for (Pending& p : pending) {
        properties::Counterexample& c = p.c;
        const properties::Invariant* same = properties::find_invariant(c.violation.property);
        assert(same);
        std::vector<const properties::Invariant*> only{same};
        report("shrinking");
        auto fails = [&](const sim::Program& candidate) {
            if (budget.spent()) return false;
            sim::Program candidate_ran;
            LiveRun again = session.run(candidate, c.seed, &candidate_ran);
            if (!again.error.empty()) return false;
            std::vector<properties::Violation> all = properties::check_trace_all(again.trace, only, violations_per_run_max);
            auto v = std::find_if(all.begin(), all.end(),
                                  [&](const properties::Violation& w) { return finding_name(w, again.trace) == p.key; });
            if (v == all.end()) return false;
            c.violation = std::move(*v);
            c.trace = std::move(again.trace);
            c.shrunk = candidate_ran;
            return true;
        };
        ShrinkStats stats;
        sim::Program best = p.generated;
        shrink(fails, options.shrink_evaluations_max, best, stats);
        c.shrink_steps = stats.steps;
        c.shrink_evaluations = stats.evaluations;
        c.seconds = budget.seconds();
        result.counterexamples.push_back(std::move(c));
    }
    result.seconds = budget.seconds();
    return result;
}

// ------------------------------------------------------------------ diff

namespace {

// Divergences of one program kept apart; more would be consequences of the first.
constexpr std::size_t divergences_per_program_max = 12;

}  // namespace

DiffResult diff_live(const LiveCheckOptions& options, const LiveProgressFn& progress) {
    DiffResult result;
    Budget budget(options.time_max_s);
    Session session(options);
    sim::WorldConfig world_config;
    auto report = [&](std::string phase) {
        if (!progress) return;
        progress({result.runs_done, options.runs, result.findings.size(), budget.seconds(), std::move(phase)});
    };
    // Both sides of one program: its divergences; `error` when the live side failed.
    struct Compared {
        std::vector<Divergence> divergences;
        traces::Trace live_trace;
        sim::Program ran;
        std::string error;
    };
    auto compare = [&](const sim::Program& program, std::uint64_t seed) {
        Compared out;
        LiveRun live = session.run(program, seed, &out.ran);
        if (!live.error.empty()) {
            out.error = live.error;
            return out;
        }
        sim::World world = sim::run_program(out.ran, world_config);
        out.divergences = divergences(world.trace(), live.trace, divergences_per_program_max);
        out.live_trace = std::move(live.trace);
        return out;
    };
    std::vector<sim::Program> generated_of;  // per finding: the program as generated, to shrink
    for (std::uint64_t run = 0; run < options.runs; ++run) {
        if (budget.search_spent()) {
            result.stopped_by_time = true;
            break;
        }
        std::uint64_t seed = options.seed + run;
        sim::Program generated = session.generate(seed);
        Compared first = compare(generated, seed);
        if (!first.error.empty()) {
            result.error = fmt::format("run {} (seed {}): {}", run, seed, first.error);
            break;
        }
        ++result.runs_done;
        report("running");
        if (first.divergences.empty()) ++result.identical;
        for (const Divergence& d : first.divergences) {
            if (is_known(options, d.signature)) {
                ++result.known_seen;
                continue;
            }
            auto known = std::find_if(result.findings.begin(), result.findings.end(),
                                      [&](const DiffFinding& f) { return f.signature == d.signature; });
            if (known != result.findings.end()) {
                if (known->seeds.back() != seed) known->seeds.push_back(seed);
                continue;
            }
            DiffFinding finding;
            finding.signature = d.signature;
            finding.seeds = {seed};
            finding.run = run;
            finding.original = first.ran;
            finding.shrunk = first.ran;
            finding.divergence = d;
            finding.live_trace = first.live_trace;
            result.findings.push_back(std::move(finding));
            generated_of.push_back(generated);
        }
    }
    for (std::size_t k = 0; k < result.findings.size(); ++k) {
        DiffFinding& finding = result.findings[k];
        report("shrinking");
        auto fails = [&](const sim::Program& candidate) {
            if (budget.spent()) return false;
            Compared again = compare(candidate, finding.seeds.front());
            if (!again.error.empty()) return false;
            auto same = std::find_if(again.divergences.begin(), again.divergences.end(),
                                     [&](const Divergence& e) { return e.signature == finding.signature; });
            if (same == again.divergences.end()) return false;
            finding.divergence = *same;
            finding.shrunk = again.ran;
            finding.live_trace = std::move(again.live_trace);
            return true;
        };
        ShrinkStats stats;
        sim::Program best = generated_of[k];
        shrink(fails, options.shrink_evaluations_max, best, stats);
        finding.shrink_steps = stats.steps;
        finding.shrink_evaluations = stats.evaluations;
        finding.seconds = budget.seconds();
    }
    result.seconds = budget.seconds();
    return result;
}

}  // namespace mucsim::live
