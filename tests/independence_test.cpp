// The independence relation's claim, checked on generated worlds: two steps
// it calls independent commute (either order, the same world) and neither
// disables the other.

#include "properties/independence.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "sim/program.hpp"
#include "sim/world.hpp"

using namespace mucsim;

namespace {

constexpr int clients_count = 3;

sim::ProgramAction action(int client, sim::Verb verb) {
    sim::ProgramAction a;
    a.client = client;
    a.verb = verb;
    a.room = "room";
    return a;
}

model::Element stanza(const std::vector<sim::ProgramClient>& cast, const sim::ProgramAction& a, int id) {
    sim::StanzaContext context;
    context.host = "conference.localhost";
    context.id = fmt::format("i{}", id);
    context.current_nick = cast[static_cast<std::size_t>(a.client)].name;
    if (!a.target.empty()) {
        for (const auto& c : cast) {
            if (c.name == a.target) context.target_jid = c.jid.bare_str();
        }
    }
    return sim::build_stanza(a, context);
}

// A fine-grained world (sends and deliveries are steps) where every client
// has a random program of joins, messages, affiliation changes and leaves
// pending, one drop allowed.
sim::World generated_world(std::mt19937& random) {
    sim::WorldConfig config;
    config.eager_sends = false;
    config.eager_deliveries = false;
    config.faults_max = 1;
    config.step_ms = 0;
    sim::World world(config);
    std::vector<sim::ProgramClient> cast = sim::cast(clients_count);
    for (const auto& c : cast) world.add_client(c.name, c.jid);
    for (int c = 0; c < clients_count; ++c) world.send_connect(c);
    int id = 0;
    for (int c = 0; c < clients_count; ++c) {
        sim::ProgramAction join = action(c, sim::Verb::join);
        join.nick = cast[static_cast<std::size_t>(c)].name;
        world.send_stanza(c, stanza(cast, join, ++id));
        int more = static_cast<int>(random() % 4);
        for (int k = 0; k < more; ++k) {
            sim::ProgramAction a;
            switch (random() % 3) {
                case 0:
                    a = action(c, sim::Verb::say);
                    a.text = "hello";
                    break;
                case 1:
                    a = action(c, sim::Verb::affiliation);
                    a.target = cast[random() % clients_count].name;
                    a.value = random() % 2 ? "member" : "owner";
                    break;
                default: a = action(c, sim::Verb::leave); break;
            }
            world.send_stanza(c, stanza(cast, a, ++id));
        }
    }
    return world;
}

std::string encoding(const sim::World& world) {
    std::string out;
    world.encode(out);
    return out;
}

bool enabled(const sim::World& world, const sim::Choice& choice) {
    std::vector<sim::Choice> options = world.choices();
    return std::find(options.begin(), options.end(), choice) != options.end();
}

struct Tally {
    int commuting_pairs = 0;       // claimed independent, checked
    int dependent_pairs = 0;       // claimed dependent, both orders possible
    int dependent_that_differ = 0;  // of those, orders that really differ
};

// Every pair of enabled steps in this world.
void check_pairs(const sim::World& world, Tally& tally) {
    std::vector<sim::Choice> options = world.choices();
    for (std::size_t i = 0; i < options.size(); ++i) {
        for (std::size_t j = i + 1; j < options.size(); ++j) {
            const sim::Choice& a = options[i];
            const sim::Choice& b = options[j];
            CAPTURE(sim::choice_kind_name(a.kind));
            CAPTURE(a.client);
            CAPTURE(sim::choice_kind_name(b.kind));
            CAPTURE(b.client);
            sim::World ab = world;
            ab.apply(a);
            sim::World ba = world;
            ba.apply(b);
            bool b_after_a = enabled(ab, b);
            bool a_after_b = enabled(ba, a);
            if (properties::independent(a, b)) {
                ++tally.commuting_pairs;
                REQUIRE(b_after_a);
                REQUIRE(a_after_b);
                ab.apply(b);
                ba.apply(a);
                REQUIRE(encoding(ab) == encoding(ba));
            } else if (b_after_a && a_after_b) {
                ++tally.dependent_pairs;
                ab.apply(b);
                ba.apply(a);
                if (encoding(ab) != encoding(ba)) ++tally.dependent_that_differ;
            }
        }
    }
}

}  // namespace

TEST_CASE("steps_called_independent_commute_in_generated_worlds") {
    Tally tally;
    for (std::uint32_t seed = 1; seed <= 40; ++seed) {
        CAPTURE(seed);
        std::mt19937 random(seed);
        sim::World world = generated_world(random);
        // A random walk to the end, checking every pair on the way.
        for (int step = 0; step < 400; ++step) {
            std::vector<sim::Choice> options = world.choices();
            if (options.empty()) break;
            check_pairs(world, tally);
            world.apply(options[random() % options.size()]);
        }
    }
    MESSAGE("independent pairs checked: ", tally.commuting_pairs, "; dependent pairs: ", tally.dependent_pairs,
            " of which orders differ: ", tally.dependent_that_differ);
    CHECK(tally.commuting_pairs > 1000);
    // The encodings see what a wrong claim would hide: many dependent pairs
    // (two inputs taken by the server) end in different worlds.
    CHECK(tally.dependent_that_differ > 10);
}

TEST_CASE("two_server_steps_are_never_independent") {
    using sim::ChoiceKind;
    for (auto a : {ChoiceKind::process, ChoiceKind::drop, ChoiceKind::reconnect}) {
        for (auto b : {ChoiceKind::process, ChoiceKind::drop, ChoiceKind::reconnect}) {
            CHECK_FALSE(properties::independent({a, 0}, {b, 1}));
        }
    }
    CHECK_FALSE(properties::independent({ChoiceKind::send, 1}, {ChoiceKind::process, 1}));
    CHECK_FALSE(properties::independent({ChoiceKind::deliver, 1}, {ChoiceKind::drop, 1}));
    CHECK(properties::independent({ChoiceKind::deliver, 1}, {ChoiceKind::process, 1}));
    CHECK(properties::independent({ChoiceKind::send, 0}, {ChoiceKind::process, 1}));
}
