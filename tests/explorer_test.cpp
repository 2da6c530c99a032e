// The exhaustive explorer: every state of a small model, shortest
// counterexamples, and the abstract state graph.

#include "properties/explorer.hpp"

#include <doctest/doctest.h>

#include <set>

#include "properties/counterexample.hpp"
#include "properties/state_graph.hpp"
#include "sim/replay.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

properties::ExploreOptions tiny_model() {
    properties::ExploreOptions options;
    options.clients = 2;
    options.depth = 2;
    options.actions = {"join", "leave", "member"};
    options.build_graph = true;
    return options;
}

model::FaultSet faults(std::string_view name) {
    model::FaultSet set;
    set.add(*model::parse_fault(name));
    return set;
}

std::string vertex_label(const properties::AbstractGraph& g, std::size_t v) { return g.states[v].label; }

}  // namespace

TEST_CASE("the_graph_of_a_tiny_model_has_the_known_states_and_moves") {
    properties::ExploreResult result = properties::explore(tiny_model());
    REQUIRE_FALSE(result.violation);
    CHECK(result.stats.states == 7);
    CHECK(result.stats.depth_reached == 2);
    const properties::AbstractGraph& g = result.graph;
    std::set<std::string> labels;
    for (const auto& s : g.states) labels.insert(s.label);
    std::set<std::string> expected_labels{
        "Romeo: moderator, owner\\nJuliet: out, none\\nopen, whois moderators",
        "Romeo: out, none\\nJuliet: out, none\\n(no room)",
        "Romeo: moderator, owner\\nJuliet: out, member\\nopen, whois moderators",
        "Romeo: moderator, owner\\nJuliet: participant, none\\nopen, whois moderators",
        "Romeo: out, none\\nJuliet: moderator, owner\\nopen, whois moderators",
        "Romeo: moderator, owner\\nJuliet: participant, member\\nopen, whois moderators",
        "Romeo: out, owner\\nJuliet: participant, none\\nopen, whois moderators",
    };
    CHECK(labels == expected_labels);
    CHECK(g.states[0].label == "Romeo: moderator, owner\\nJuliet: out, none\\nopen, whois moderators");
    std::set<std::string> edges;
    for (const auto& e : g.edges) {
        CHECK_FALSE(e.violating);
        edges.insert(vertex_label(g, e.from) + " --" + e.label + "--> " + vertex_label(g, e.to));
    }
    CHECK(edges.size() == 10);
    CHECK(edges.contains("Romeo: moderator, owner\\nJuliet: out, none\\nopen, whois moderators --Juliet joins--> "
                         "Romeo: moderator, owner\\nJuliet: participant, none\\nopen, whois moderators"));
    CHECK(edges.contains("Romeo: moderator, owner\\nJuliet: participant, none\\nopen, whois moderators "
                         "--Romeo makes Juliet member--> "
                         "Romeo: moderator, owner\\nJuliet: participant, member\\nopen, whois moderators"));
    // The last occupant leaving destroys the temporary room.
    CHECK(edges.contains("Romeo: moderator, owner\\nJuliet: out, none\\nopen, whois moderators --Romeo leaves--> "
                         "Romeo: out, none\\nJuliet: out, none\\n(no room)"));

    properties::GraphSummary summary;
    std::string dot = properties::graph_to_dot(g, "tiny", &summary);
    CHECK(summary.vertices == 7);
    CHECK(summary.edges == 10);
    CHECK(dot.find("digraph G {") == 0);
    CHECK(dot.find("shape=doubleoctagon") != std::string::npos);
    CHECK(dot.find("label=\"Juliet joins\"") != std::string::npos);
}

TEST_CASE("violating_transitions_are_red_in_the_graph") {
    properties::ExploreOptions options = tiny_model();
    options.inject = faults("self-presence-before-others");
    properties::ExploreResult result = properties::explore(options);
    REQUIRE(result.violation);
    properties::GraphSummary summary;
    std::string dot = properties::graph_to_dot(result.graph, "faulty", &summary);
    CHECK(summary.violating_edges == 1);
    CHECK(dot.find("color=red") != std::string::npos);
}

TEST_CASE("the_correct_service_has_no_violation_in_the_two_client_model") {
    properties::ExploreOptions options;
    options.clients = 2;
    options.depth = 5;
    properties::ExploreResult result = properties::explore(options);
    CHECK_FALSE(result.violation);
    CHECK(result.stats.depth_reached == 5);
    CHECK(result.stats.states > 100);
    CHECK(result.stats.stopped.empty());
}

TEST_CASE("hash_compaction_stores_the_same_states_in_under_16_bytes_each") {
    properties::ExploreOptions options;
    options.clients = 2;
    options.depth = 5;
    properties::ExploreResult exact = properties::explore(options);
    options.hash_compaction = true;
    properties::ExploreResult compact = properties::explore(options);
    CHECK(compact.stats.states == exact.stats.states);
    CHECK(compact.stats.transitions == exact.stats.transitions);
    CHECK(compact.stats.bytes_per_state() <= 16.0);
    CHECK(exact.stats.bytes_per_state() > 16.0);
}

TEST_CASE("the_state_limit_stops_exploration_cleanly") {
    properties::ExploreOptions options;
    options.clients = 3;
    options.depth = 8;
    options.states_max = 50;
    properties::ExploreResult result = properties::explore(options);
    CHECK(result.stats.states == 50);
    CHECK(result.stats.stopped.find("state limit") != std::string::npos);
    CHECK_FALSE(result.violation);
}

// Each fault the model's alphabet can reach: the shortest counterexample,
// exported, fails on replay with the fault and passes without it.
TEST_CASE("each_reachable_fault_has_a_short_counterexample_that_replays") {
    const std::vector<std::pair<std::string, std::size_t>> reachable{
        {"drop-nonoccupant-affiliation-notice", 1}, {"skip-affiliation-presence", 2}, {"wrong-ban-status", 2},
        {"self-presence-before-others", 1},          {"missing-status-110", 1},        {"skip-leave-broadcast", 2},
        {"leak-real-jid", 1},                        {"admit-outcast", 2},             {"skip-members-only-kick", 2},
        {"drop-iq-reply", 1},                        {"allow-last-owner-removal", 1},
    };
    for (const auto& [fault, shortest] : reachable) {
        CAPTURE(fault);
        properties::ExploreOptions options;
        options.clients = 3;
        options.depth = 4;
        options.inject = faults(fault);
        properties::ExploreResult result = properties::explore(options);
        REQUIRE(result.violation);
        CHECK(result.violation->path.size() == shortest);
        traces::Script script = properties::counterexample_script(result.violation->trace, result.violation->violation, {"t"});
        auto parsed = traces::parse_script(traces::write_script(script), "explore.scs");
        REQUIRE(parsed.ok());
        sim::ReplayOptions with_fault;
        with_fault.server.muc.faults = options.inject;
        CHECK_FALSE(sim::replay(*parsed, with_fault).passed);
        sim::ReplayResult correct = sim::replay(*parsed, {});
        CHECK_MESSAGE(correct.passed, (correct.passed ? "" : correct.failures.front().explanation));
        // The path as a program reproduces the violation.
        CHECK(result.violation->program.actions.size() >= 3 + shortest);
    }
}

// Clients after the first are interchangeable: symmetry stores each orbit
// once, and finds every reachable fault with a path as short.
TEST_CASE("symmetry_stores_fewer_states_and_loses_no_fault") {
    properties::ExploreOptions options;
    options.clients = 3;
    options.depth = 3;
    options.symmetry = false;
    properties::ExploreResult plain = properties::explore(options);
    options.symmetry = true;
    properties::ExploreResult reduced = properties::explore(options);
    CHECK_FALSE(plain.violation);
    CHECK_FALSE(reduced.violation);
    CHECK(reduced.stats.states < plain.stats.states);
    CHECK(reduced.stats.symmetry_merged > 0);
    MESSAGE("3 clients, depth 3: ", plain.stats.states, " states without symmetry, ", reduced.stats.states, " with");
    for (std::string fault : {"drop-nonoccupant-affiliation-notice", "skip-affiliation-presence", "wrong-ban-status",
                              "skip-leave-broadcast", "admit-outcast", "skip-members-only-kick", "leak-real-jid",
                              "allow-last-owner-removal"}) {
        CAPTURE(fault);
        options.inject = faults(fault);
        options.symmetry = false;
        properties::ExploreResult without = properties::explore(options);
        options.symmetry = true;
        properties::ExploreResult with = properties::explore(options);
        REQUIRE(without.violation);
        REQUIRE(with.violation);
        CHECK(with.violation->path.size() == without.violation->path.size());
        CHECK(with.violation->violation.property == without.violation->violation.property);
    }
}
