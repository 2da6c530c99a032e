// What the program generator draws: every verb a real client uses, and kicks
// and bans across affiliation pairs within a short program.
#include "properties/generators.hpp"

#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <map>
#include <set>

using namespace mucsim;

namespace {

constexpr int programs = 2000;

std::vector<sim::Program> sample(const properties::GeneratorOptions& options) {
    std::vector<sim::Program> out;
    for (int seed = 0; seed < programs; ++seed) {
        out.push_back(properties::gen_program(options)(rc::Random(static_cast<std::uint64_t>(seed) + 1), rc::kNominalSize)
                          .value());
    }
    return out;
}

// Does the body (after the opening) promote someone to admin or owner, then
// kick or ban that someone, within its first `actions_max` actions?
bool escalates_early(const sim::Program& p, std::size_t actions_max) {
    std::size_t opening = p.clients.size() + 2;
    std::set<std::string> promoted;
    for (std::size_t i = opening; i < p.actions.size() && i < opening + actions_max; ++i) {
        const sim::ProgramAction& a = p.actions[i];
        if (a.verb == sim::Verb::affiliation && (a.value == "admin" || a.value == "owner")) promoted.insert(a.target);
        bool kick = a.verb == sim::Verb::role && a.value == "none" && promoted.count(a.nick);
        bool ban = a.verb == sim::Verb::affiliation && a.value == "outcast" && promoted.count(a.target);
        if (kick || ban) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("generator_draws_the_verbs_real_clients_use") {
    properties::GeneratorOptions options;
    std::map<std::string, int> seen;
    int empty_openings = 0;
    for (const sim::Program& p : sample(options)) {
        CHECK(p.actions.size() <= p.clients.size() + 2 + static_cast<std::size_t>(options.actions_max));
        if (p.actions[p.clients.size() + 1].option == "empty") ++empty_openings;
        for (const sim::ProgramAction& a : p.actions) {
            std::string key(sim::verb_name(a.verb));
            if (!a.payload.empty()) key += " with " + a.payload;
            if (a.history_stanzas) key += " history";
            if (a.verb == sim::Verb::leave && !a.text.empty()) key += " status";
            ++seen[key];
        }
    }
    for (std::string verb : {"leave status", "say with muc-user", "say with subject", "say with delay", "say with ext",
                             "say with muc-user-item", "pm with muc-user", "pm with muc-user-item", "affiliation-by-nick", "error", "voice",
                             "disco-info", "disco-items", "join history"}) {
        CAPTURE(verb);
        CHECK(seen[verb] > 0);
    }
    CHECK(empty_openings > programs / 10);
    CHECK(empty_openings < programs / 3);
}

TEST_CASE("generator_reaches_kicks_and_bans_of_promoted_users_in_ten_actions") {
    properties::GeneratorOptions options;
    int early = 0;
    for (const sim::Program& p : sample(options)) early += escalates_early(p, 10) ? 1 : 0;
    CAPTURE(early);
    CHECK(early > programs / 4);
}
