#include "properties/generators.hpp"

#include <fmt/format.h>

#include <cassert>

namespace mucsim::properties {

namespace {

const std::string& name_of(int client) {
    static const std::vector<sim::ProgramClient> everyone = sim::cast(sim::cast_max);
    return everyone[static_cast<std::size_t>(client)].name;
}

sim::ProgramAction make(int client, sim::Verb verb, std::string room) {
    sim::ProgramAction a;
    a.client = client;
    a.verb = verb;
    a.room = std::move(room);
    return a;
}

}  // namespace

rc::Gen<sim::ProgramAction> gen_action(const GeneratorOptions& options, int clients) {
    using namespace rc;
    const std::string room = options.room;
    auto client = gen::inRange(0, clients);
    auto nick_of = [](int c) { return name_of(c); };
    auto affiliation = gen::element<std::string>("owner", "admin", "member", "none", "outcast");
    auto role = gen::element<std::string>("moderator", "participant", "visitor", "none");
    return gen::weightedOneOf<sim::ProgramAction>({
        // Mostly one's own name; now and then someone else's, where nick
        // conflicts live.
        {5, gen::map(client, [=](int c) {
             auto a = make(c, sim::Verb::join, room);
             a.nick = nick_of(c);
             return a;
         })},
        {1, gen::apply(
                [=](int c, int other) {
                    auto a = make(c, sim::Verb::join, room);
                    a.nick = nick_of(other);
                    return a;
                },
                client, client)},
        {3, gen::map(client, [=](int c) { return make(c, sim::Verb::leave, room); })},
        {8, gen::apply(
                [=](int c, int target, std::string aff) {
                    auto a = make(c, sim::Verb::affiliation, room);
                    a.target = name_of(target);
                    a.value = std::move(aff);
                    return a;
                },
                client, client, affiliation)},
        {3, gen::apply(
                [=](int c, int target, std::string r) {
                    auto a = make(c, sim::Verb::role, room);
                    a.nick = nick_of(target);
                    a.value = std::move(r);
                    return a;
                },
                client, client, role)},
        {3, gen::apply(
                [=](int c, bool on) {
                    auto a = make(c, sim::Verb::config, room);
                    a.option = "membersonly";
                    a.value = on ? "on" : "off";
                    return a;
                },
                client, gen::arbitrary<bool>())},
        {2, gen::apply(
                [=](int c, bool anyone) {
                    auto a = make(c, sim::Verb::config, room);
                    a.option = "whois";
                    a.value = anyone ? "anyone" : "moderators";
                    return a;
                },
                client, gen::arbitrary<bool>())},
        {1, gen::apply(
                [=](int c, bool on) {
                    auto a = make(c, sim::Verb::config, room);
                    a.option = "moderated";
                    a.value = on ? "on" : "off";
                    return a;
                },
                client, gen::arbitrary<bool>())},
        {3, gen::map(client, [=](int c) {
             auto a = make(c, sim::Verb::say, room);
             a.text = fmt::format("hello from {}", name_of(c));
             return a;
         })},
        {1, gen::apply(
                [=](int c, int target) {
                    auto a = make(c, sim::Verb::pm, room);
                    a.nick = nick_of(target);
                    a.text = "psst";
                    return a;
                },
                client, client)},
        {1, gen::map(client, [=](int c) {
             auto a = make(c, sim::Verb::subject, room);
             a.text = fmt::format("{}'s topic", name_of(c));
             return a;
         })},
        {1, gen::apply(
                [=](int c, int other) {
                    auto a = make(c, sim::Verb::nick, room);
                    a.nick = other == c ? nick_of(c) + "2" : nick_of(other);
                    return a;
                },
                client, client)},
        {1, gen::map(client, [=](int c) {
             auto a = make(c, sim::Verb::presence, room);
             a.value = "away";
             return a;
         })},
        {1, gen::apply(
                [=](int c, std::string aff) {
                    auto a = make(c, sim::Verb::list, room);
                    a.value = std::move(aff);
                    return a;
                },
                client, gen::element<std::string>("owner", "admin", "member", "outcast"))},
        {1, gen::map(client, [=](int c) {
             auto a = make(c, sim::Verb::register_nick, room);
             a.nick = nick_of(c);
             return a;
         })},
        {1, gen::apply(
                [=](int c, int target) {
                    auto a = make(c, sim::Verb::invite, room);
                    a.target = name_of(target);
                    return a;
                },
                client, client)},
        {1, gen::map(client, [=](int c) { return make(c, sim::Verb::disconnect, ""); })},
        {1, gen::map(client, [=](int c) { return make(c, sim::Verb::connect, ""); })},
    });
}

rc::Gen<std::vector<std::uint32_t>> gen_choices(std::size_t length_max) {
    using namespace rc;
    return gen::resize(static_cast<int>(length_max),
                       gen::container<std::vector<std::uint32_t>>(gen::inRange<std::uint32_t>(0, 8)));
}

rc::Gen<sim::Program> gen_program(const GeneratorOptions& options) {
    using namespace rc;
    assert(options.clients_min >= 1 && options.clients_max >= options.clients_min);
    return gen::mapcat(gen::inRange(options.clients_min, options.clients_max + 1), [options](int clients) {
        return gen::map(
            gen::pair(gen::resize(options.actions_max,
                                  gen::container<std::vector<sim::ProgramAction>>(gen_action(options, clients))),
                      gen_choices(static_cast<std::size_t>(options.actions_max) * 2)),
            [options, clients](std::pair<std::vector<sim::ProgramAction>, std::vector<std::uint32_t>> body) {
                sim::Program program;
                program.clients = sim::cast(clients);
                program.faults_max = options.faults_max;
                // The opening: everyone connects; the first client creates
                // and unlocks the room, so that the body acts on a live room.
                for (int c = 0; c < clients; ++c) program.actions.push_back(make(c, sim::Verb::connect, ""));
                auto join = make(0, sim::Verb::join, options.room);
                join.nick = name_of(0);
                program.actions.push_back(join);
                auto instant = make(0, sim::Verb::config, options.room);
                instant.option = "instant";
                program.actions.push_back(instant);
                for (auto& a : body.first) program.actions.push_back(std::move(a));
                program.choices = std::move(body.second);
                return program;
            });
    });
}

}  // namespace mucsim::properties
