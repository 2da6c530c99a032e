// fuzz_muc: the MUC service fed stanza sequences built from the fuzz bytes
// (fuzz/muc_input.hpp) by four clients through the in-process world — the
// user's server stamps and prepares them as in every run of mucsim.
//
// Checked after every scheduler run: every room's invariants
// (Room::check_invariants), every delivered stanza well-formed (it
// serialises and parses back to itself) and addressed to its recipient; at
// the end, a copy of the service encodes like the original (snapshots), and a
// second run of the same input ends in the same state (determinism).
//
// MUCSIM_FUZZ_PRINT=1 prints each step (to read what an input does).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/muc_input.hpp"
#include "model/muc_service.hpp"
#include "model/room.hpp"
#include "model/xml.hpp"
#include "sim/world.hpp"

using namespace mucsim;

namespace {

bool printing() {
    static const bool on = std::getenv("MUCSIM_FUZZ_PRINT") != nullptr;
    return on;
}

const model::ParseOptions& reparse_options() {
    static const model::ParseOptions options = [] {
        model::ParseOptions o;
        o.default_ns = "jabber:client";
        o.drop_whitespace_text = false;  // the serialiser adds none: keep what the stanza has
        o.limits.bytes_max = 64u << 20;
        return o;
    }();
    return options;
}

void check_delivered(sim::World& world) {
    for (std::size_t i = 0; i < world.client_count(); ++i) {
        sim::Client& client = world.client(static_cast<sim::ClientIndex>(i));
        for (const model::Element& stanza : client.inbox) {
            std::string wire = model::stanza_to_string(stanza);
            auto parsed = model::parse_xml(wire, reparse_options());
            if (!parsed) fuzz::fail("a delivered stanza is not well-formed", wire + "\n" + parsed.error().message);
            if (!(*parsed == stanza)) fuzz::fail("a delivered stanza does not survive the wire", wire);
            auto to = model::Jid::parse(stanza.attribute("to"));
            if (!to || (*to != client.full_jid && *to != client.full_jid.bare())) {
                fuzz::fail("a stanza was delivered to a client it is not addressed to",
                           client.full_jid.str() + " got " + wire);
            }
            if (printing()) std::fprintf(stderr, "    -> %s: %s\n", client.name.c_str(), wire.c_str());
        }
        client.inbox.clear();  // bounded memory over long inputs
    }
}

void check_rooms(const sim::World& world) {
    const model::MucService& muc = world.server().muc();
    for (const std::string& name : fuzz::fuzz_room_names()) {
        if (const model::Room* room = muc.room(name)) room->check_invariants();
    }
}

void settle(sim::World& world, sim::ChoiceSequence& choices) {
    world.run_until_quiet(choices);
    check_rooms(world);
    check_delivered(world);
}

std::string run(const std::uint8_t* data, std::size_t size) {
    sim::WorldConfig config;
    config.record_trace = false;
    config.faults_max = 2;
    sim::World world(config);
    for (const fuzz::MucClient& c : fuzz::muc_clients) {
        auto jid = model::Jid::parse(c.jid);
        fuzz::check(jid.ok(), "a fuzz client's JID parses");
        sim::ClientIndex index = world.add_client(c.name, *jid);
        world.send_connect(index);
    }
    world.run_until_quiet();
    fuzz::ByteReader in(data, size);
    constexpr std::size_t steps_max = 512;
    for (std::size_t steps = 0; !in.done() && steps < steps_max; ++steps) {
        fuzz::Step step = fuzz::read_step(in);
        auto client = static_cast<sim::ClientIndex>(step.client);
        switch (step.kind) {
            case fuzz::StepKind::stanza:
                if (printing()) {
                    std::fprintf(stderr, "%s sends %s\n", fuzz::muc_clients[step.client].name,
                                 model::stanza_to_string(step.stanza).c_str());
                }
                world.send_stanza(client, std::move(step.stanza));
                break;
            case fuzz::StepKind::disconnect:
                if (printing()) std::fprintf(stderr, "%s disconnects\n", fuzz::muc_clients[step.client].name);
                world.send_disconnect(client);
                break;
            case fuzz::StepKind::connect:
                if (printing()) std::fprintf(stderr, "%s connects\n", fuzz::muc_clients[step.client].name);
                world.send_connect(client);
                break;
            case fuzz::StepKind::run: {
                if (printing()) std::fprintf(stderr, "run with %zu choices\n", step.choices.size());
                sim::ChoiceSequence choices(std::move(step.choices));
                settle(world, choices);
                continue;
            }
        }
        // Most steps are handled at once; one in four waits, so that the
        // next run interleaves several clients' stanzas.
        if (in.byte() % 4 != 0) {
            sim::ChoiceSequence zeros;
            settle(world, zeros);
        }
    }
    sim::ChoiceSequence zeros;
    settle(world, zeros);

    std::string state;
    world.server().muc().encode(state);
    model::MucService copy = world.server().muc();
    std::string copied;
    copy.encode(copied);
    fuzz::check(copied == state, "a copy of the service encodes differently from the original");
    return state;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string first = run(data, size);
    if (printing()) return 0;
    std::string second = run(data, size);
    fuzz::check(first == second, "the same input gave two different service states (determinism)");
    return 0;
}
