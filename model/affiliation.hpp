#pragma once
// Affiliations and roles (XEP-0045 §5) and the rules for changing them, as
// pure functions over plain values so that they can be table-tested.
//
// Ranks follow Prosody: outcast −1 < none 0 < member 1 < admin 2 < owner 3;
// role none 0 < visitor 1 < participant 2 < moderator 3.

#include <optional>
#include <string_view>

#include "model/stanza.hpp"

namespace mucsim::model {

enum class Affiliation : signed char { outcast = -1, none = 0, member = 1, admin = 2, owner = 3 };
enum class Role : signed char { none = 0, visitor = 1, participant = 2, moderator = 3 };

inline int rank(Affiliation affiliation) { return static_cast<int>(affiliation); }
inline int rank(Role role) { return static_cast<int>(role); }

std::string_view affiliation_name(Affiliation affiliation);
std::string_view role_name(Role role);
std::optional<Affiliation> parse_affiliation(std::string_view name);
std::optional<Role> parse_role(std::string_view name);

// The role an occupant with this affiliation gets on entering (§3.1 of
// prosody-muc.md): owner/admin → moderator; member → participant; none →
// participant, visitor when moderated, none (cannot enter) when members-only;
// outcast → none.
Role default_role(Affiliation affiliation, bool members_only, bool moderated);

// May `actor` change the affiliation of a user from `current` to `requested`?
// `other_owners` counts the owners other than the target. An internal change
// (registration, invitation, ad-hoc command) is not checked at all.
// Errors carry no text and no `by` (they come from the room's bare JID).
// XEP-0045's rules (§9, §10.3-§10.8), which are stricter than Prosody's in
// their error conditions (docs/FIDELITY.md): in order,
//   1. an owner or admin banning himself: cancel/conflict (§9.1);
//   2. an owner lowering himself with no other owner: cancel/conflict (§10.4);
//   3. owners may do anything else;
//   4. an admin banning an owner: cancel/not-allowed (§9.1, Example 115);
//   5. an admin granting, revoking or changing owner or admin status:
//      auth/forbidden (the owner and admin lists are the owners', §10.3-§10.8);
//   6. admins manage members, outcasts and the unaffiliated;
//   7. anyone else: auth/forbidden (§9 introduction).
struct AffiliationChange {
    Affiliation actor = Affiliation::none;  // the actor's affiliation (domain bans included)
    Affiliation current = Affiliation::none;  // the target's stored affiliation
    Affiliation requested = Affiliation::none;
    bool actor_is_target = false;  // the target is the actor's bare JID (or the actor's whole domain)
    int other_owners = 0;
};
std::optional<StanzaError> check_affiliation_change(const AffiliationChange& change);

// May `actor` give the occupant `target` the role `requested`? The actor's role
// is none when the actor is not in the room. Prosody's rules (prosody-muc.md
// §3.3) plus two of XEP-0045's that Prosody lacks, all cancel/not-allowed:
//   1. nobody changes the role of someone with a higher affiliation (§8.2);
//   2. nobody revokes the voice of an admin or owner (§8.4, §5.1.1 "***");
//   3. granting or revoking moderator takes an owner or admin (§9.6, §9.7);
//   4. an admin does not revoke the moderator role of an admin or owner (§9.7);
//   5. the actor must be a moderator in the room (§8).
struct RoleChange {
    Affiliation actor_affiliation = Affiliation::none;
    Role actor_role = Role::none;
    Affiliation target_affiliation = Affiliation::none;
    Role target_role = Role::none;
    Role requested = Role::none;
};
std::optional<StanzaError> check_role_change(const RoleChange& change);

}  // namespace mucsim::model
