#include "traces/export.hpp"

#include <doctest/doctest.h>
#include <rapidcheck.h>

#include "properties/generators.hpp"
#include "sim/program.hpp"
#include "sim/replay.hpp"

using namespace mucsim;

namespace {

std::string replay_failure(const traces::Script& script) {
    sim::ReplayResult result = sim::replay(script, {});
    if (result.passed) return {};
    return result.failures.front().explanation;
}

}  // namespace

TEST_CASE("an_exported_trace_parses_and_replays") {
    auto p = sim::parse_program(R"(clients Romeo=romeo@localhost Juliet=juliet@localhost
Romeo: connect
Romeo: join room Romeo
Romeo: config room instant
Juliet: connect
Romeo: affiliation room Juliet member
Juliet: join room Juliet
Juliet: say room "I think we're in a script!"
Romeo: disconnect
)", "t.prog");
    REQUIRE(p.ok());
    sim::World world = sim::run_program(*p, {});
    traces::Script script = traces::export_script(world.trace());
    std::string text = traces::write_script(script);
    auto again = traces::parse_script(text, "exported.scs");
    REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().str()));
    CHECK(*again == script);
    CHECK(text.find("[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: password\n\tresource: mucsim1\n") !=
          std::string::npos);
    CHECK(text.find("${Juliet's JID}") != std::string::npos);
    CHECK(text.find("${Romeo's full JID}") != std::string::npos);
    CHECK(text.find("Romeo disconnects") != std::string::npos);
    CHECK(replay_failure(script).empty());
}

TEST_CASE("export_then_replay_passes_for_generated_programs") {
    properties::GeneratorOptions options;
    options.actions_max = 20;
    bool ok = rc::check("export then replay passes", [&] {
        sim::Program program = *properties::gen_program(options);
        sim::World world = sim::run_program(program, {});
        traces::Script script = traces::export_script(world.trace());
        auto parsed = traces::parse_script(traces::write_script(script), "exported.scs");
        RC_ASSERT(parsed.ok());
        std::string failure = replay_failure(*parsed);
        if (!failure.empty()) RC_FAIL(sim::format_program(program) + "\n" + failure);
    });
    CHECK(ok);
}

TEST_CASE("generated_programs_are_deterministic") {
    properties::GeneratorOptions options;
    options.faults_max = 2;
    bool ok = rc::check("same program, same choices, byte-identical trace", [&] {
        sim::Program program = *properties::gen_program(options);
        std::string first = sim::run_program(program, {}).trace().str();
        std::string second = sim::run_program(program, {}).trace().str();
        RC_ASSERT(first == second);
    });
    CHECK(ok);
}
