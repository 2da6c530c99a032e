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
struct AffiliationChange {
    Affiliation actor = Affiliation::none;  // the actor's affiliation (domain bans included)
    Affiliation current = Affiliation::none;  // the target's stored affiliation
    Affiliation requested = Affiliation::none;
    bool actor_is_target = false;
    int other_owners = 0;
};
std::optional<StanzaError> check_affiliation_change(const AffiliationChange& change);

// May `actor` give the occupant `target` the role `requested`? The actor's role
// is none when the actor is not in the room.
struct RoleChange {
    Affiliation actor_affiliation = Affiliation::none;
    Role actor_role = Role::none;
    Affiliation target_affiliation = Affiliation::none;
    Role target_role = Role::none;
    Role requested = Role::none;
};
std::optional<StanzaError> check_role_change(const RoleChange& change);

}  // namespace mucsim::model
