// The invariant catalogue judged on its own: properties whose triggering
// stanzas the generator cannot produce yet (invisible nicks, error replies)
// are shown sharp on replayed scenarios, and check_trace_each judges every
// property independently.

#include "properties/invariants.hpp"

#include <doctest/doctest.h>

#include "sim/program.hpp"
#include "sim/replay.hpp"
#include "tests/support.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

model::FaultSet faults(std::initializer_list<std::string_view> names) {
    model::FaultSet set;
    for (std::string_view name : names) {
        auto fault = model::parse_fault(name);
        REQUIRE(fault);
        set.add(*fault);
    }
    return set;
}

// The trace of a scenario replayed in-process (up to its first failure).
traces::Trace scenario_trace(const std::string& file, const model::FaultSet& injected) {
    auto path = test::source_dir() / "scenarios" / file;
    auto script = traces::parse_script(test::read_file(path), path.string());
    REQUIRE_MESSAGE(script.ok(), (script.ok() ? "" : script.error().str()));
    sim::ReplayOptions options;
    options.server.muc.faults = injected;
    return sim::replay(*script, options).trace;
}

std::vector<properties::Violation> judged_by(const traces::Trace& trace, std::string_view property) {
    const properties::Invariant* invariant = properties::find_invariant(property);
    REQUIRE(invariant);
    return properties::check_trace_each(trace, {invariant});
}

}  // namespace

TEST_CASE("an_invisible_nick_admitted_violates_nick_visible_and_a_refused_one_does_not") {
    const std::string scenario = "97_enter_with_invisible_nick.scs";
    auto faulty = judged_by(scenario_trace(scenario, faults({"admit-invisible-nick"})), "nick-visible");
    REQUIRE(faulty.size() == 1);
    CHECK(faulty[0].property == "nick-visible");
    CHECK(faulty[0].explanation.find("Juliet was let into room@conference.localhost as ' '") != std::string::npos);
    CHECK(judged_by(scenario_trace(scenario, {}), "nick-visible").empty());
}

TEST_CASE("an_error_removal_with_333_to_the_removed_user_only_violates_error_removal_333") {
    const std::string scenario = "98_error_reply_removes_occupant_with_333.scs";
    auto faulty = judged_by(scenario_trace(scenario, faults({"error-removal-333-to-self-only"})), "error-removal-333");
    REQUIRE(faulty.size() == 1);
    CHECK(faulty[0].explanation.find("Romeo got it without") != std::string::npos);
    CHECK(judged_by(scenario_trace(scenario, {}), "error-removal-333").empty());
}

TEST_CASE("every_scenario_replayed_on_the_correct_service_violates_no_invariant") {
    for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() / "scenarios")) {
        if (entry.path().extension() != ".scs") continue;
        CAPTURE(entry.path().filename().string());
        traces::Trace trace = scenario_trace(entry.path().filename().string(), {});
        for (const properties::Violation& v : properties::check_trace_each(trace)) {
            FAIL_CHECK(properties::describe(v, trace));
        }
    }
}

TEST_CASE("check_trace_each_reports_the_first_violation_of_each_property_in_trace_order") {
    auto program = sim::parse_program(R"(clients Romeo=romeo@localhost Juliet=juliet@localhost Nurse=nurse@localhost

Romeo: connect
Romeo: join room Romeo
Romeo: config room instant
Juliet: connect
Juliet: join room Juliet
Nurse: connect
Nurse: join room Nurse
Juliet: leave room
)",
                                      "two.prog");
    REQUIRE(program.ok());
    sim::WorldConfig config;
    config.server.muc.faults = faults({"skip-leave-broadcast", "missing-status-110"});
    traces::Trace trace = sim::run_program(*program, config).trace();
    std::vector<const properties::Invariant*> selected{properties::find_invariant("leave-presence"),
                                                       properties::find_invariant("join-self-110")};
    auto each = properties::check_trace_each(trace, selected);
    REQUIRE(each.size() == 2);
    // Trace order, not the order selected: Juliet's join comes before her leave.
    CHECK(each[0].property == "join-self-110");
    CHECK(each[0].explanation.find("Juliet joined") != std::string::npos);
    CHECK(each[1].property == "leave-presence");
    CHECK(each[0].event < each[1].event);
    // One per property: Nurse's join, a second violation of join-self-110, is not listed.
    auto first = properties::check_trace(trace, selected);
    REQUIRE(first);
    CHECK(first->property == "join-self-110");
    CHECK(first->event == each[0].event);
    CHECK(properties::check_trace_each(sim::run_program(*program, {}).trace(), selected).empty());
}
