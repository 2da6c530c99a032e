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
        {4, gen::map(client, [=](int c) {
             auto a = make(c, sim::Verb::join, room);
             a.nick = nick_of(c);
             return a;
         })},
        // §7.2.14: a joiner asks for a few stanzas of history (0: none).
        {1, gen::apply(
                [=](int c, std::uint32_t stanzas) {
                    auto a = make(c, sim::Verb::join, room);
                    a.nick = nick_of(c);
                    a.history_stanzas = stanzas;
                    return a;
                },
                client, gen::inRange<std::uint32_t>(0, 4))},
        {1, gen::apply(
                [=](int c, int other) {
                    auto a = make(c, sim::Verb::join, room);
                    a.nick = nick_of(other);
                    return a;
                },
                client, client)},
        // Nicks real clients send that a room must judge (§17.1: no empty or
        // invisible nick; blanks inside or around a visible one are a nick).
        {1, gen::apply(
                [=](int c, int shape, bool change) {
                    auto a = make(c, change ? sim::Verb::nick : sim::Verb::join, room);
                    const std::string& own = nick_of(c);
                    const std::string shapes[] = {" ", "   ", " " + own, own + " ", own + " " + own};
                    a.nick = shapes[shape];
                    return a;
                },
                client, gen::inRange(0, 5), gen::arbitrary<bool>())},
        {3, gen::map(client, [=](int c) { return make(c, sim::Verb::leave, room); })},
        {1, gen::map(client, [=](int c) {
             auto a = make(c, sim::Verb::leave, room);
             a.text = "gone fishing";  // §7.14: a custom exit message
             return a;
         })},
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
        // Members-only and moderated weigh more than when the client verbs and
        // escalations were added (3 and 1): those dilute the room states where
        // the members-only kick and visitors live (a voice request needs a
        // moderated room too), and bench --only faults slowed without this.
        {4, gen::apply(
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
        {2, gen::apply(
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
        {1, gen::apply(
                [=](int c, std::string payload) {
                    auto a = make(c, sim::Verb::say, room);
                    a.text = fmt::format("hello from {}", name_of(c));
                    a.payload = std::move(payload);
                    return a;
                },
                client, gen::element<std::string>("muc-user", "muc-user-item", "subject", "delay", "ext"))},
        {1, gen::apply(
                [=](int c, int target, std::string payload) {
                    auto a = make(c, sim::Verb::pm, room);
                    a.nick = nick_of(target);
                    a.text = "psst";
                    a.payload = std::move(payload);
                    return a;
                },
                client, client, gen::elementOf(sim::message_payloads()))},
        {1, gen::apply(
                [=](int c, int target, std::string aff) {
                    auto a = make(c, sim::Verb::affiliation_by_nick, room);
                    a.nick = nick_of(target);
                    a.value = std::move(aff);
                    return a;
                },
                client, client, affiliation)},
        // §11.1: the client answers the room with an error; the room may remove it (333).
        {1, gen::apply(
                [=](int c, std::string kind, int target, bool to_occupant) {
                    auto a = make(c, sim::Verb::error_reply, room);
                    a.value = std::move(kind);
                    if (to_occupant) a.nick = nick_of(target);
                    return a;
                },
                client, gen::element<std::string>("presence", "message", "iq"), client, gen::arbitrary<bool>())},
        {2, gen::map(client, [=](int c) { return make(c, sim::Verb::voice, room); })},
        // The room's name and description, which disco#info then shows (§6.4, §16.5.4).
        {1, gen::apply(
                [=](int c, bool description) {
                    auto a = make(c, sim::Verb::config, room);
                    a.option = description ? "description" : "name";
                    a.value = description ? "Where Juliet is on the balcony" : "Capulet's orchard";
                    return a;
                },
                client, gen::arbitrary<bool>())},
        {1, gen::apply(
                [=](int c, bool items, int target, bool to_occupant) {
                    auto a = make(c, items ? sim::Verb::disco_items : sim::Verb::disco_info, room);
                    if (to_occupant) a.nick = nick_of(target);
                    return a;
                },
                client, gen::arbitrary<bool>(), client, gen::arbitrary<bool>())},
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
        {2, gen::apply(
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

// Kicks (§8.2) and bans (§9.1) across affiliation pairs (an owner acting on
// an admin, an admin on an admin) need the target promoted first:
// drawn one by one, "make X admin, then kick X" would be rare in ten actions.
// The owner (client 0, who created the room) promotes the target (and, half
// the time, the actor to admin), then the actor — the owner, an admin, or
// anyone else, refused — kicks or bans it.
rc::Gen<std::vector<sim::ProgramAction>> gen_escalation(const GeneratorOptions& options, int clients) {
    using namespace rc;
    const std::string room = options.room;
    return gen::apply(
        [=](int actor, int target, std::string promoted_to, bool ban, bool actor_admin) {
            std::vector<sim::ProgramAction> steps;
            auto promote = [&](int who, std::string to) {
                auto a = make(0, sim::Verb::affiliation, room);
                a.target = name_of(who);
                a.value = std::move(to);
                steps.push_back(std::move(a));
            };
            if (actor_admin && actor != 0) promote(actor, "admin");
            promote(target, std::move(promoted_to));
            auto act = make(actor, ban ? sim::Verb::affiliation : sim::Verb::role, room);
            if (ban) {
                act.target = name_of(target);
                act.value = "outcast";
            } else {
                act.nick = name_of(target);
                act.value = "none";
            }
            steps.push_back(std::move(act));
            return steps;
        },
        gen::inRange(0, clients), gen::inRange(0, clients), gen::element<std::string>("admin", "admin", "owner"),
        gen::arbitrary<bool>(), gen::arbitrary<bool>());
}

// One step of a program's body: mostly one action, now and then an escalation.
rc::Gen<std::vector<sim::ProgramAction>> gen_step(const GeneratorOptions& options, int clients) {
    using namespace rc;
    return gen::weightedOneOf<std::vector<sim::ProgramAction>>({
        // One escalation in 21 steps: with more, promoted users crowd out the
        // visitors and unaffiliated occupants other faults need.
        {20, gen::map(gen_action(options, clients), [](sim::ProgramAction a) { return std::vector{std::move(a)}; })},
        {1, gen_escalation(options, clients)},
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
            gen::tuple(gen::resize(options.actions_max,
                                   gen::container<std::vector<std::vector<sim::ProgramAction>>>(gen_step(options, clients))),
                       gen_choices(static_cast<std::size_t>(options.actions_max) * 2),
                       gen::inRange(0, 5)),
            [options, clients](std::tuple<std::vector<std::vector<sim::ProgramAction>>, std::vector<std::uint32_t>, int> body) {
                auto& [steps, choices, opening] = body;
                sim::Program program;
                program.clients = sim::cast(clients);
                program.faults_max = options.faults_max;
                // The opening: everyone connects; the first client creates
                // and unlocks the room, so that the body acts on a live room.
                for (int c = 0; c < clients; ++c) program.actions.push_back(make(c, sim::Verb::connect, ""));
                auto join = make(0, sim::Verb::join, options.room);
                join.nick = name_of(0);
                program.actions.push_back(join);
                // Now and then with the form spelled `empty` (§10.1.2 Example 156).
                auto instant = make(0, sim::Verb::config, options.room);
                instant.option = opening == 0 ? "empty" : "instant";
                program.actions.push_back(instant);
                std::size_t opening_size = program.actions.size();
                std::size_t body_max = static_cast<std::size_t>(options.actions_max);
                for (auto& step : steps) {
                    for (auto& a : step) {
                        if (program.actions.size() - opening_size < body_max) program.actions.push_back(std::move(a));
                    }
                }
                program.choices = std::move(choices);
                return program;
            });
    });
}

}  // namespace mucsim::properties
