#include "model/affiliation.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mucsim::model;

namespace {

constexpr Affiliation all_affiliations[] = {Affiliation::outcast, Affiliation::none, Affiliation::member,
                                            Affiliation::admin, Affiliation::owner};
constexpr Role all_roles[] = {Role::none, Role::visitor, Role::participant, Role::moderator};

std::string describe(const std::optional<StanzaError>& error) {
    return error ? error->type + "/" + error->condition : "allowed";
}

bool is_owner_or_admin(Affiliation a) { return a == Affiliation::owner || a == Affiliation::admin; }

// XEP-0045 §9.1, §10.3-§10.8 (docs/FIDELITY.md), stated independently of the
// implementation: who may make the change, and with which error when not.
std::string expected_affiliation_outcome(Affiliation actor, Affiliation current, Affiliation requested,
                                         bool actor_is_target, int other_owners) {
    if (!is_owner_or_admin(actor)) return "auth/forbidden";  // §9 introduction
    if (actor_is_target && requested == Affiliation::outcast) return "cancel/conflict";  // §9.1
    if (actor == Affiliation::owner) {
        bool lowers_itself = actor_is_target && rank(requested) < rank(current);
        return lowers_itself && other_owners == 0 ? "cancel/conflict" : "allowed";  // §10.4
    }
    if (current == Affiliation::owner && requested == Affiliation::outcast) return "cancel/not-allowed";  // Ex. 115
    if (is_owner_or_admin(current) || is_owner_or_admin(requested)) return "auth/forbidden";  // §10.3-§10.8
    return "allowed";
}

// Prosody's rules (prosody-muc.md §3.3) with XEP-0045 §8.4 and §9.7 added.
std::string expected_role_outcome(Affiliation actor_affiliation, Role actor_role, Affiliation target_affiliation,
                                  Role target_role, Role requested) {
    if (rank(actor_affiliation) < rank(target_affiliation)) return "cancel/not-allowed";
    if (requested == Role::visitor && is_owner_or_admin(target_affiliation)) return "cancel/not-allowed";  // §8.4
    bool touches_moderator = target_role == Role::moderator || requested == Role::moderator;
    if (touches_moderator && !is_owner_or_admin(actor_affiliation)) return "cancel/not-allowed";
    bool revokes_moderator = target_role == Role::moderator && requested == Role::participant;
    if (actor_affiliation == Affiliation::admin && is_owner_or_admin(target_affiliation) && revokes_moderator) {
        return "cancel/not-allowed";  // §9.7
    }
    if (actor_role != Role::moderator) return "cancel/not-allowed";
    return "allowed";
}

}  // namespace

TEST_CASE("affiliation_and_role_names_round_trip_and_rank_like_prosody") {
    for (Affiliation a : all_affiliations) CHECK(parse_affiliation(affiliation_name(a)) == a);
    for (Role r : all_roles) CHECK(parse_role(role_name(r)) == r);
    CHECK_FALSE(parse_affiliation("Owner").has_value());
    CHECK_FALSE(parse_role("").has_value());
    CHECK(rank(Affiliation::outcast) == -1);
    CHECK(rank(Affiliation::owner) == 3);
    CHECK(rank(Role::visitor) == 1);
}

TEST_CASE("default_role_follows_affiliation_and_room_type") {
    struct Row {
        Affiliation affiliation;
        bool members_only;
        bool moderated;
        Role role;
    };
    const Row rows[] = {
        {Affiliation::owner, false, false, Role::moderator},  {Affiliation::owner, true, true, Role::moderator},
        {Affiliation::admin, true, false, Role::moderator},   {Affiliation::member, false, true, Role::participant},
        {Affiliation::member, true, false, Role::participant}, {Affiliation::none, false, false, Role::participant},
        {Affiliation::none, false, true, Role::visitor},      {Affiliation::none, true, false, Role::none},
        {Affiliation::none, true, true, Role::none},          {Affiliation::outcast, false, false, Role::none},
        {Affiliation::outcast, true, true, Role::none},
    };
    for (const Row& row : rows) {
        CAPTURE(affiliation_name(row.affiliation));
        CAPTURE(row.members_only);
        CAPTURE(row.moderated);
        CHECK(default_role(row.affiliation, row.members_only, row.moderated) == row.role);
    }
}

TEST_CASE("affiliation_changes_literal_table") {
    struct Row {
        Affiliation actor, current, requested;
        bool self;
        int other_owners;
        const char* outcome;
    };
    const Row rows[] = {
        {Affiliation::owner, Affiliation::none, Affiliation::member, false, 0, "allowed"},
        {Affiliation::owner, Affiliation::owner, Affiliation::none, false, 1, "allowed"},  // demote another owner
        {Affiliation::owner, Affiliation::owner, Affiliation::admin, true, 0, "cancel/conflict"},  // last owner
        {Affiliation::owner, Affiliation::owner, Affiliation::outcast, true, 0, "cancel/conflict"},
        {Affiliation::owner, Affiliation::owner, Affiliation::member, true, 1, "allowed"},  // another owner remains
        {Affiliation::owner, Affiliation::owner, Affiliation::owner, true, 0, "allowed"},   // no downgrade
        // XEP-0045 §9.1: banning oneself is a conflict, even with another owner (Prosody: allowed).
        {Affiliation::owner, Affiliation::owner, Affiliation::outcast, true, 1, "cancel/conflict"},
        {Affiliation::owner, Affiliation::admin, Affiliation::outcast, false, 0, "allowed"},
        {Affiliation::admin, Affiliation::none, Affiliation::member, false, 1, "allowed"},
        {Affiliation::admin, Affiliation::member, Affiliation::outcast, false, 1, "allowed"},
        {Affiliation::admin, Affiliation::outcast, Affiliation::none, false, 1, "allowed"},
        // §9.1: an admin banning herself (Prosody: not-allowed).
        {Affiliation::admin, Affiliation::admin, Affiliation::outcast, true, 1, "cancel/conflict"},
        // §9.1, Example 115: an admin banning an owner.
        {Affiliation::admin, Affiliation::owner, Affiliation::outcast, false, 1, "cancel/not-allowed"},
        // §10.3-§10.8: the owner and admin lists are the owners' (Prosody: not-allowed).
        {Affiliation::admin, Affiliation::none, Affiliation::admin, false, 1, "auth/forbidden"},
        {Affiliation::admin, Affiliation::none, Affiliation::owner, false, 1, "auth/forbidden"},
        {Affiliation::admin, Affiliation::admin, Affiliation::member, false, 1, "auth/forbidden"},
        {Affiliation::admin, Affiliation::admin, Affiliation::outcast, false, 1, "auth/forbidden"},
        {Affiliation::admin, Affiliation::admin, Affiliation::none, true, 1, "auth/forbidden"},  // not even self
        {Affiliation::admin, Affiliation::owner, Affiliation::member, false, 0, "auth/forbidden"},
        // §9 introduction: non-admins may not (Prosody: not-allowed).
        {Affiliation::member, Affiliation::none, Affiliation::member, false, 1, "auth/forbidden"},
        {Affiliation::member, Affiliation::member, Affiliation::none, true, 1, "auth/forbidden"},
        {Affiliation::member, Affiliation::member, Affiliation::outcast, true, 1, "auth/forbidden"},
        {Affiliation::none, Affiliation::none, Affiliation::member, true, 1, "auth/forbidden"},
        {Affiliation::outcast, Affiliation::outcast, Affiliation::none, true, 1, "auth/forbidden"},
    };
    for (const Row& row : rows) {
        CAPTURE(affiliation_name(row.actor));
        CAPTURE(affiliation_name(row.current));
        CAPTURE(affiliation_name(row.requested));
        CAPTURE(row.self);
        auto error = check_affiliation_change({row.actor, row.current, row.requested, row.self, row.other_owners});
        CHECK(describe(error) == row.outcome);
        if (error) {
            CHECK(error->text.empty());
            CHECK(error->by.empty());
        }
    }
}

TEST_CASE("affiliation_changes_every_combination") {
    int checked = 0;
    for (Affiliation actor : all_affiliations) {
        for (Affiliation current : all_affiliations) {
            for (Affiliation requested : all_affiliations) {
                for (bool self : {false, true}) {
                    if (self && actor != current) continue;  // the actor's own affiliation is the current one
                    for (int other_owners : {0, 1, 2}) {
                        CAPTURE(affiliation_name(actor));
                        CAPTURE(affiliation_name(current));
                        CAPTURE(affiliation_name(requested));
                        CAPTURE(self);
                        CAPTURE(other_owners);
                        auto error = check_affiliation_change({actor, current, requested, self, other_owners});
                        CHECK(describe(error) ==
                              expected_affiliation_outcome(actor, current, requested, self, other_owners));
                        ++checked;
                    }
                }
            }
        }
    }
    CHECK(checked == (125 + 25) * 3);
}

TEST_CASE("role_changes_literal_table") {
    struct Row {
        Affiliation actor_affiliation;
        Role actor_role;
        Affiliation target_affiliation;
        Role target_role;
        Role requested;
        const char* outcome;
    };
    const Row rows[] = {
        // Moderators voice, devoice and kick lower-or-equal non-moderators.
        {Affiliation::none, Role::moderator, Affiliation::none, Role::participant, Role::visitor, "allowed"},
        {Affiliation::member, Role::moderator, Affiliation::none, Role::visitor, Role::participant, "allowed"},
        {Affiliation::member, Role::moderator, Affiliation::member, Role::participant, Role::none, "allowed"},
        {Affiliation::member, Role::moderator, Affiliation::admin, Role::participant, Role::none, "cancel/not-allowed"},
        // Granting or revoking moderator takes owner or admin.
        {Affiliation::member, Role::moderator, Affiliation::none, Role::participant, Role::moderator,
         "cancel/not-allowed"},
        {Affiliation::admin, Role::moderator, Affiliation::none, Role::participant, Role::moderator, "allowed"},
        {Affiliation::admin, Role::moderator, Affiliation::admin, Role::moderator, Role::none, "allowed"},  // kick
        {Affiliation::admin, Role::moderator, Affiliation::owner, Role::moderator, Role::none, "cancel/not-allowed"},
        {Affiliation::owner, Role::moderator, Affiliation::owner, Role::moderator, Role::participant, "allowed"},
        {Affiliation::owner, Role::moderator, Affiliation::admin, Role::moderator, Role::participant, "allowed"},
        // XEP-0045 §9.7: an admin may not revoke an admin's moderator role (Prosody: allowed).
        {Affiliation::admin, Role::moderator, Affiliation::admin, Role::moderator, Role::participant,
         "cancel/not-allowed"},
        // §8.4: nobody revokes the voice of an admin or owner, not even an owner (Prosody: allowed).
        {Affiliation::owner, Role::moderator, Affiliation::admin, Role::moderator, Role::visitor, "cancel/not-allowed"},
        {Affiliation::owner, Role::moderator, Affiliation::owner, Role::moderator, Role::visitor, "cancel/not-allowed"},
        {Affiliation::owner, Role::moderator, Affiliation::admin, Role::participant, Role::visitor,
         "cancel/not-allowed"},
        {Affiliation::owner, Role::moderator, Affiliation::member, Role::participant, Role::visitor, "allowed"},
        // The actor must be a moderator in the room.
        {Affiliation::owner, Role::none, Affiliation::none, Role::participant, Role::none, "cancel/not-allowed"},
        {Affiliation::admin, Role::participant, Affiliation::none, Role::participant, Role::visitor,
         "cancel/not-allowed"},
        {Affiliation::none, Role::participant, Affiliation::none, Role::participant, Role::none, "cancel/not-allowed"},
    };
    for (const Row& row : rows) {
        CAPTURE(affiliation_name(row.actor_affiliation));
        CAPTURE(role_name(row.actor_role));
        CAPTURE(affiliation_name(row.target_affiliation));
        CAPTURE(role_name(row.target_role));
        CAPTURE(role_name(row.requested));
        auto error = check_role_change(
            {row.actor_affiliation, row.actor_role, row.target_affiliation, row.target_role, row.requested});
        CHECK(describe(error) == row.outcome);
    }
}

TEST_CASE("role_changes_every_combination") {
    int checked = 0;
    for (Affiliation actor_affiliation : all_affiliations) {
        for (Role actor_role : all_roles) {
            for (Affiliation target_affiliation : all_affiliations) {
                for (Role target_role : all_roles) {
                    if (target_role == Role::none) continue;  // only occupants have roles to change
                    for (Role requested : all_roles) {
                        CAPTURE(affiliation_name(actor_affiliation));
                        CAPTURE(role_name(actor_role));
                        CAPTURE(affiliation_name(target_affiliation));
                        CAPTURE(role_name(target_role));
                        CAPTURE(role_name(requested));
                        auto error = check_role_change(
                            {actor_affiliation, actor_role, target_affiliation, target_role, requested});
                        CHECK(describe(error) == expected_role_outcome(actor_affiliation, actor_role,
                                                                       target_affiliation, target_role, requested));
                        ++checked;
                    }
                }
            }
        }
    }
    CHECK(checked == 5 * 4 * 5 * 3 * 4);
}
