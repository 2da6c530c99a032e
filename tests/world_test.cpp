#include "sim/world.hpp"

#include <doctest/doctest.h>

#include <set>

#include "model/namespaces.hpp"
#include "sim/program.hpp"

using namespace mucsim;

namespace {

sim::Program program(std::string_view text) {
    auto p = sim::parse_program(text, "test.prog");
    REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().str()));
    return std::move(p).value();
}

// The processed inputs of a trace, as "Name:id-or-kind".
std::vector<std::string> processing_order(const traces::Trace& trace) {
    std::vector<std::string> order;
    for (const traces::Event& e : trace.events()) {
        if (e.kind == traces::EventKind::connect) {
            order.push_back(trace.clients()[static_cast<std::size_t>(e.client)].name + ":connect");
            continue;
        }
        if (e.kind != traces::EventKind::process) continue;
        std::string id(e.stanza.attribute("id"));
        order.push_back(trace.clients()[static_cast<std::size_t>(e.client)].name + ":" +
                        (id.empty() ? e.stanza.name : id));
    }
    return order;
}

// The affiliation that the last notification about `jid` in an inbox announced.
std::string last_announced_affiliation(const sim::Client& client, std::string_view jid) {
    std::string found;
    for (const model::Element& s : client.inbox) {
        const model::Element* x = s.child("x", model::ns::muc_user);
        if (s.name != "message" || !x) continue;
        const model::Element* item = x->child("item");
        if (item && item->attribute("jid") == jid) found = item->attribute("affiliation");
    }
    return found;
}

constexpr std::string_view two_owners = R"(clients Romeo=romeo@localhost Juliet=juliet@localhost Nurse=nurse@localhost
Romeo: connect
Romeo: join room Romeo
Romeo: config room instant
Romeo: affiliation room Juliet owner
Juliet: connect
Juliet: join room Juliet
Romeo: affiliation room Nurse member
Juliet: affiliation room Nurse outcast
)";

}  // namespace

TEST_CASE("choice_zero_runs_a_program_in_the_order_written") {
    sim::World world = sim::run_program(program(two_owners), {});
    CHECK(processing_order(world.trace()) ==
          std::vector<std::string>{"Romeo:connect", "Romeo:presence", "Romeo:a3", "Romeo:a4", "Juliet:connect",
                                   "Juliet:presence", "Romeo:a7", "Juliet:a8"});
    CHECK(world.quiet());
    CHECK(world.steps() == 8);  // six stanzas and two connects
}

TEST_CASE("two_owners_changing_one_affiliation_at_once_give_both_outcomes") {
    sim::Program p = program(two_owners);
    sim::World member_last = sim::run_program(p, {});
    sim::ChoiceSequence zeros;
    sim::World probe = sim::load_program(p, {});
    probe.run_until_quiet(zeros);
    // Flip only the last decision: the race between the two changes.
    std::vector<std::uint32_t> flipped = zeros.taken();
    REQUIRE(!flipped.empty());
    flipped.back() = 1;
    p.choices = flipped;
    sim::World outcast_last = sim::run_program(p, {});

    CHECK(processing_order(member_last.trace()).back() == "Juliet:a8");
    CHECK(processing_order(outcast_last.trace()).back() == "Romeo:a7");
    const sim::Client& romeo_a = member_last.client(member_last.find_client("Romeo"));
    const sim::Client& romeo_b = outcast_last.client(outcast_last.find_client("Romeo"));
    CHECK(last_announced_affiliation(romeo_a, "nurse@localhost") == "outcast");
    CHECK(last_announced_affiliation(romeo_b, "nurse@localhost") == "member");
}

TEST_CASE("the_same_program_and_choices_give_a_byte_identical_trace") {
    sim::Program p = program(two_owners);
    p.choices = {1, 0, 1, 1, 0, 1};
    CHECK(sim::run_program(p, {}).trace().str() == sim::run_program(p, {}).trace().str());
}

TEST_CASE("different_choices_give_different_processing_orders") {
    sim::Program p = program(two_owners);
    std::set<std::vector<std::string>> orders;
    for (std::uint32_t first = 0; first < 2; ++first) {
        for (std::uint32_t second = 0; second < 2; ++second) {
            p.choices = {first, second, 1, 0, 1};
            orders.insert(processing_order(sim::run_program(p, {}).trace()));
        }
    }
    CHECK(orders.size() == 4);
}

TEST_CASE("a_dropped_connection_loses_what_was_in_flight_and_leaves_the_room") {
    sim::Program p = program(R"(clients Romeo=romeo@localhost Juliet=juliet@localhost
faults 1
Romeo: connect
Romeo: join room Romeo
Romeo: config room instant
Juliet: connect
Juliet: join room Juliet
Juliet: say room "never sent"
)");
    sim::World world = sim::load_program(p, {});
    // Run until Juliet's message is in flight, then drop her.
    while (true) {
        std::vector<sim::Choice> options = world.choices();
        REQUIRE(!options.empty());
        const sim::Client& juliet = world.client(1);
        if (!juliet.link.empty() && juliet.link.front().kind == sim::InputKind::stanza &&
            juliet.link.front().stanza.name == "message") {
            break;
        }
        world.apply(options.front());
    }
    std::vector<sim::Choice> options = world.choices();
    auto drop = std::find(options.begin(), options.end(), sim::Choice{sim::ChoiceKind::drop, 1});
    REQUIRE(drop != options.end());
    world.apply(*drop);
    CHECK(world.faults_left() == 0);
    CHECK(world.client(1).state == sim::LinkState::dropped);
    CHECK(world.client(1).link.empty());
    // The server left the room for her: Romeo saw her go.
    const model::Element& last = world.client(0).inbox.back();
    CHECK(last.name == "presence");
    CHECK(last.attribute("type") == "unavailable");
    CHECK(last.attribute("from") == "room@conference.localhost/Juliet");
    // Her message never reached the room.
    for (const model::Element& s : world.client(0).inbox) CHECK_FALSE((s.name == "message" && s.child("body") != nullptr));
    // No fault budget left: no fault choices.
    for (const sim::Choice& c : world.choices()) CHECK(c.kind == sim::ChoiceKind::process);
}

TEST_CASE("a_reconnected_client_continues_its_backlog") {
    sim::Program p = program(R"(clients Romeo=romeo@localhost
faults 2
Romeo: connect
Romeo: join room Romeo
Romeo: config room instant
Romeo: say room "after"
)");
    sim::World world = sim::load_program(p, {});
    world.apply(world.choices().front());  // connect
    world.apply({sim::ChoiceKind::drop, 0});
    CHECK(world.client(0).state == sim::LinkState::dropped);
    CHECK(world.choices() == std::vector<sim::Choice>{{sim::ChoiceKind::reconnect, 0}});
    world.apply({sim::ChoiceKind::reconnect, 0});
    CHECK(world.client(0).state == sim::LinkState::online);
    CHECK(world.client(0).link.size() == 1);
    // The join was in flight when the connection dropped: it is lost, and the
    // client goes on with what came after it.
    CHECK(world.client(0).link.front().stanza.name == "iq");
}

TEST_CASE("a_copied_world_is_a_snapshot") {
    sim::World world = sim::load_program(program(two_owners), {});
    for (int i = 0; i < 4; ++i) world.apply(world.choices().front());
    sim::World snapshot = world;
    std::string before;
    snapshot.encode(before);
    std::uint64_t hash_before = snapshot.hash();
    world.run_until_quiet();
    std::string after;
    snapshot.encode(after);
    CHECK(before == after);
    CHECK(snapshot.hash() == hash_before);
    CHECK(world.hash() != hash_before);
    // Running the snapshot on gives the same end state as the original.
    snapshot.run_until_quiet();
    CHECK(snapshot.hash() == world.hash());
    CHECK(snapshot.trace() == world.trace());
}

TEST_CASE("virtual_time_and_ids_advance_per_processed_input") {
    sim::World world = sim::run_program(program(two_owners), {});
    CHECK(world.now_ms() == sim::default_start_ms + 8 * 1000);
    const auto& events = world.trace().events();
    CHECK(events.front().time_ms == sim::default_start_ms);
    for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i].number == events[i - 1].number + 1);
}
