// mucsim check: the invariants are sharp (each catches an injected fault),
// quiet on the correct service, and counterexamples are runnable scripts.

#include "properties/checker.hpp"

#include <doctest/doctest.h>

#include <set>

#include "properties/counterexample.hpp"
#include "sim/replay.hpp"
#include "tests/support.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

// Each fault and the property that must catch it; every invariant appears.
const std::vector<std::pair<std::string, std::string>> fault_table{
    {"drop-nonoccupant-affiliation-notice", "nonoccupant-affiliation-notice"},
    {"skip-affiliation-presence", "occupant-change-presence"},
    {"wrong-ban-status", "occupant-change-presence"},
    {"skip-members-only-kick", "occupant-change-presence"},
    {"self-presence-before-others", "join-occupants-first"},
    {"missing-status-110", "join-self-110"},
    {"missing-status-201", "create-201"},
    {"skip-join-broadcast", "join-announced"},
    {"drop-empty-subject-on-join", "join-subject"},
    {"skip-leave-broadcast", "leave-presence"},
    {"leak-real-jid", "no-real-jid-leak"},
    {"admit-outcast", "admission"},
    {"drop-iq-reply", "iq-response"},
    {"allow-last-owner-removal", "owner-exists"},
    {"ignore-nick-conflict", "nick-unique"},
    {"drop-nick-change-presence", "convergence"},
    {"visitor-may-speak", "unauthorized-message"},
    {"self-presence-without-110-on-role-change", "self-presence-110"},
    {"status-100-to-everyone", "status-codes-context"},
    {"history-delay-without-from", "history-delay"},
    {"admit-invisible-nick", "nick-visible"},  // also on scenario 97 (tests/invariants_test.cpp)
    {"error-removal-333-to-self-only", "error-removal-333"},  // also on scenario 98
};

model::FaultSet faults(std::string_view name) {
    model::FaultSet set;
    auto fault = model::parse_fault(name);
    REQUIRE(fault);
    set.add(*fault);
    return set;
}

}  // namespace

TEST_CASE("every_invariant_catches_some_injected_fault_and_every_fault_is_listed") {
    std::set<std::string> caught;
    std::set<std::string> listed;
    for (const auto& [fault, property] : fault_table) {
        caught.insert(property);
        listed.insert(fault);
    }
    for (const properties::Invariant& i : properties::invariants()) CHECK_MESSAGE(caught.contains(i.name), i.name);
    for (const model::FaultInfo& f : model::all_faults()) CHECK_MESSAGE(listed.contains(std::string(f.name)), f.name);
}

TEST_CASE("each_injected_fault_is_found_by_its_property_within_5000_runs") {
    for (const auto& [fault, property] : fault_table) {
        CAPTURE(fault);
        properties::CheckOptions options;
        options.seed = 1;
        options.runs = 5000;
        options.inject = faults(fault);
        options.properties = {property};
        properties::CheckResult result = properties::check(options);
        REQUIRE(result.counterexample.has_value());
        CHECK(result.counterexample->violation.property == property);
        CHECK(result.counterexample->shrunk.actions.size() <= result.counterexample->original.actions.size());
    }
}

TEST_CASE("the_correct_service_violates_nothing_in_2000_runs") {
    properties::CheckOptions options;
    options.seed = 7;
    options.runs = 2000;
    options.drops_max = 2;
    properties::CheckResult result = properties::check(options);
    INFO((result.counterexample ? properties::describe(result.counterexample->violation, result.counterexample->trace)
                                : std::string()));
    CHECK_FALSE(result.counterexample.has_value());
    CHECK(result.runs_done == 2000);
}

TEST_CASE("jobs_and_shards_find_the_same_lowest_failing_run") {
    properties::CheckOptions options;
    options.seed = 1;
    options.runs = 400;
    options.inject = faults("wrong-ban-status");
    options.properties = {"occupant-change-presence"};
    auto one = properties::check(options);
    options.jobs = 3;
    auto three = properties::check(options);
    REQUIRE(one.counterexample);
    REQUIRE(three.counterexample);
    CHECK(one.counterexample->run == three.counterexample->run);
    CHECK(one.counterexample->shrunk == three.counterexample->shrunk);
    // The shard that holds the failing run finds it; the seed names it.
    options.jobs = 1;
    options.shard_count = 2;
    options.shard_index = static_cast<int>(one.counterexample->run % 2);
    auto shard = properties::check(options);
    REQUIRE(shard.counterexample);
    CHECK(shard.counterexample->seed == one.counterexample->seed);
}

// The headline: with the notification broken, check finds it from scratch,
// shrinks it to a handful of actions, and writes a script that fails on the
// broken service at the notification and passes on the correct one.
TEST_CASE("headline_drop_nonoccupant_affiliation_notice_is_found_shrunk_and_exported") {
    test::TempDir dir;
    test::RunResult found = test::run_mucsim({"check", "--inject", "drop-nonoccupant-affiliation-notice", "--seed", "1",
                                              "--runs", "1000", "-q", "--out", dir.path().string()});
    CHECK(found.exit_code == 1);
    CHECK(found.out.find("FAIL nonoccupant-affiliation-notice") != std::string::npos);
    std::vector<std::filesystem::path> scripts;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        if (entry.path().extension() == ".scs") scripts.push_back(entry.path());
    }
    REQUIRE(scripts.size() == 1);
    auto program = sim::read_program(std::filesystem::path(scripts[0]).replace_extension(".prog").string());
    REQUIRE(program.ok());
    CHECK(program->actions.size() <= 8);

    test::RunResult lint = test::run_mucsim({"lint", scripts[0].string()});
    CHECK(lint.exit_code == 0);
    test::RunResult broken = test::run_mucsim({"replay", "--inject", "drop-nonoccupant-affiliation-notice", scripts[0].string()});
    CHECK(broken.exit_code == 1);
    CHECK(broken.out.find("receives:") != std::string::npos);
    CHECK(broken.out.find("jid=\"user2@localhost\"") != std::string::npos);  // the notification it waited for
    test::RunResult fixed = test::run_mucsim({"replay", scripts[0].string()});
    CHECK(fixed.exit_code == 0);
    CHECK(fixed.out.find("1 passed, 0 failed") != std::string::npos);
}

TEST_CASE("every_fault_counterexample_fails_with_the_fault_and_passes_without") {
    for (const auto& [fault, property] : fault_table) {
        CAPTURE(fault);
        properties::CheckOptions options;
        options.seed = 1;
        options.runs = 5000;
        options.inject = faults(fault);
        options.properties = {property};
        properties::CheckResult result = properties::check(options);
        REQUIRE(result.counterexample);
        const properties::Counterexample& c = *result.counterexample;
        traces::Script script = properties::counterexample_script(c.trace, c.violation, {"test"});
        auto parsed = traces::parse_script(traces::write_script(script), "counterexample.scs");
        REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().str()));
        sim::ReplayOptions with_fault;
        with_fault.server.muc.faults = options.inject;
        sim::ReplayResult on_faulty = sim::replay(*parsed, with_fault);
        CHECK_FALSE(on_faulty.passed);
        sim::ReplayResult on_correct = sim::replay(*parsed, {});
        CHECK_MESSAGE(on_correct.passed, (on_correct.passed ? "" : on_correct.failures.front().explanation));
    }
}
