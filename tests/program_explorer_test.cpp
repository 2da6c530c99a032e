// The program explorer and its reductions: sleep sets keep every state,
// fusion and symmetry store fewer, and none of them loses a violation.

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "properties/counterexample.hpp"
#include "properties/explorer.hpp"
#include "sim/replay.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

properties::ExploreOptions program_model(int clients, int actions, properties::Reduction reduction, bool symmetry) {
    properties::ExploreOptions options;
    options.model = properties::StandardModel{clients, actions};
    options.reduction = reduction;
    options.symmetry = symmetry;
    options.depth = properties::program_depth_max;
    return options;
}

model::FaultSet faults(std::string_view name) {
    model::FaultSet set;
    set.add(*model::parse_fault(name));
    return set;
}

struct Setting {
    properties::Reduction reduction;
    bool symmetry;
    bool depth_first = false;
};

const Setting settings[] = {
    {properties::Reduction::none, false},          {properties::Reduction::sleep, false},
    {properties::Reduction::persistent, false},    {properties::Reduction::none, true},
    {properties::Reduction::persistent, true},     {properties::Reduction::none, false, true},
    {properties::Reduction::sleep, false, true},   {properties::Reduction::persistent, true, true},
};

}  // namespace

TEST_CASE("standard_models_parse_and_bad_ones_are_refused") {
    CHECK(properties::parse_standard_model("3x3") == properties::StandardModel{3, 3});
    CHECK(properties::parse_standard_model("2x4") == properties::StandardModel{2, 4});
    CHECK_FALSE(properties::parse_standard_model("3"));
    CHECK_FALSE(properties::parse_standard_model("x3"));
    CHECK_FALSE(properties::parse_standard_model("3x"));
    CHECK_FALSE(properties::parse_standard_model("3x3x3"));
    CHECK_FALSE(properties::parse_standard_model("-1x3"));
    properties::ExploreOptions options = program_model(3, 5, properties::Reduction::persistent, true);
    CHECK(properties::validate(options));
    options = program_model(8, 2, properties::Reduction::persistent, true);
    CHECK(properties::validate(options));
    options = program_model(3, 3, properties::Reduction::sleep, true);
    CHECK(properties::validate(options)->find("symmetry") != std::string::npos);
    options.symmetry = false;
    CHECK_FALSE(properties::validate(options));
}

TEST_CASE("sleep_sets_keep_every_state_and_take_fewer_transitions") {
    for (auto [clients, actions] : {std::pair{2, 2}, std::pair{2, 3}, std::pair{2, 4}, std::pair{1, 4}}) {
        CAPTURE(clients);
        CAPTURE(actions);
        properties::ExploreResult none = properties::explore(program_model(clients, actions, properties::Reduction::none, false));
        properties::ExploreResult sleep = properties::explore(program_model(clients, actions, properties::Reduction::sleep, false));
        REQUIRE(none.stats.complete());
        REQUIRE(sleep.stats.complete());
        CHECK_FALSE(none.violation);
        CHECK_FALSE(sleep.violation);
        CHECK(sleep.stats.states == none.stats.states);
        CHECK(sleep.stats.transitions < none.stats.transitions);
        CHECK(sleep.stats.sleep_pruned > 0);
        CHECK(sleep.stats.transitions + sleep.stats.sleep_pruned <= none.stats.transitions);
    }
}

TEST_CASE("depth_first_search_stores_the_same_states_as_breadth_first") {
    for (auto reduction : {properties::Reduction::none, properties::Reduction::sleep, properties::Reduction::persistent}) {
        CAPTURE(properties::reduction_name(reduction));
        properties::ExploreOptions options = program_model(2, 3, reduction, false);
        properties::ExploreResult breadth = properties::explore(options);
        options.depth_first = true;
        properties::ExploreResult depth = properties::explore(options);
        REQUIRE(depth.stats.complete());
        CHECK(depth.stats.states == breadth.stats.states);
        CHECK_FALSE(depth.violation);
    }
}

TEST_CASE("fusion_and_symmetry_store_fewer_states") {
    properties::ExploreResult none = properties::explore(program_model(2, 3, properties::Reduction::none, false));
    properties::ExploreResult none_symmetric = properties::explore(program_model(2, 3, properties::Reduction::none, true));
    properties::ExploreResult fused = properties::explore(program_model(2, 3, properties::Reduction::persistent, false));
    properties::ExploreResult both = properties::explore(program_model(2, 3, properties::Reduction::persistent, true));
    CHECK(none.stats.states == 4728);
    // Two interchangeable clients: nearly every state has a distinct mirror image.
    CHECK(none_symmetric.stats.states * 2 >= none.stats.states);
    CHECK(none_symmetric.stats.states * 2 <= none.stats.states + 100);
    CHECK(fused.stats.states == 25);
    CHECK(fused.stats.fused_steps > 0);
    CHECK(both.stats.states == 13);
    CHECK(both.stats.symmetry_merged > 0);
    for (const auto* r : {&none, &none_symmetric, &fused, &both}) CHECK_FALSE(r->violation);
}

TEST_CASE("a_program_model_runs_every_client_to_its_end") {
    properties::ExploreResult result = properties::explore(program_model(3, 3, properties::Reduction::persistent, true));
    REQUIRE(result.stats.complete());
    CHECK_FALSE(result.violation);
    // Three clients with three actions each: nine processing steps.
    CHECK(result.stats.depth_reached == 9);
}

// Every fault the standard 2x4 model reaches is found whatever the
// reduction: reductions lose no violation. The counterexamples' lengths are
// reported (steps of the fine-grained world are sends, processings and
// deliveries; the fused world's are processings).
TEST_CASE("every_reduction_finds_every_fault_the_model_reaches") {
    const std::vector<std::string> reachable{
        "skip-affiliation-presence", "self-presence-before-others", "missing-status-110", "skip-leave-broadcast",
        "leak-real-jid",             "allow-last-owner-removal",    "drop-iq-reply",
        "drop-nonoccupant-affiliation-notice"};
    for (const std::string& fault : reachable) {
        CAPTURE(fault);
        std::string lengths;
        for (const Setting& setting : settings) {
            CAPTURE(properties::reduction_name(setting.reduction));
            CAPTURE(setting.symmetry);
            CAPTURE(setting.depth_first);
            properties::ExploreOptions options = program_model(2, 4, setting.reduction, setting.symmetry);
            options.depth_first = setting.depth_first;
            options.inject = faults(fault);
            properties::ExploreResult result = properties::explore(options);
            REQUIRE(result.violation);
            lengths += fmt::format(" {}{}{}:{}", properties::reduction_name(setting.reduction),
                                   setting.symmetry ? "+symmetry" : "", setting.depth_first ? "+dfs" : "",
                                   result.violation->path.size());
            // The counterexample replays: failing with the fault, passing without.
            traces::Script script =
                properties::counterexample_script(result.violation->trace, result.violation->violation, {"t"});
            auto parsed = traces::parse_script(traces::write_script(script), "explore.scs");
            REQUIRE(parsed.ok());
            sim::ReplayOptions with_fault;
            with_fault.server.muc.faults = options.inject;
            CHECK_FALSE(sim::replay(*parsed, with_fault).passed);
            CHECK(sim::replay(*parsed, {}).passed);
        }
        MESSAGE(fault, " counterexample steps:", lengths);
    }
}

TEST_CASE("faults_the_standard_model_cannot_reach_stay_unfound") {
    // Nobody is banned, made a visitor or given a taken nick in [join,
    // member, say, leave]: a violation here would be a false alarm.
    for (std::string fault : {"wrong-ban-status", "admit-outcast", "ignore-nick-conflict", "visitor-may-speak"}) {
        CAPTURE(fault);
        properties::ExploreOptions options = program_model(2, 4, properties::Reduction::persistent, true);
        options.inject = faults(fault);
        CHECK_FALSE(properties::explore(options).violation);
    }
}
