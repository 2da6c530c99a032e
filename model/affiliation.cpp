#include "model/affiliation.hpp"

#include <cassert>

namespace mucsim::model {

std::string_view affiliation_name(Affiliation affiliation) {
    switch (affiliation) {
        case Affiliation::outcast: return "outcast";
        case Affiliation::none: return "none";
        case Affiliation::member: return "member";
        case Affiliation::admin: return "admin";
        case Affiliation::owner: return "owner";
    }
    assert(false && "unknown affiliation");
    return "none";
}

std::string_view role_name(Role role) {
    switch (role) {
        case Role::none: return "none";
        case Role::visitor: return "visitor";
        case Role::participant: return "participant";
        case Role::moderator: return "moderator";
    }
    assert(false && "unknown role");
    return "none";
}

std::optional<Affiliation> parse_affiliation(std::string_view name) {
    for (Affiliation a : {Affiliation::outcast, Affiliation::none, Affiliation::member, Affiliation::admin,
                          Affiliation::owner}) {
        if (affiliation_name(a) == name) return a;
    }
    return std::nullopt;
}

std::optional<Role> parse_role(std::string_view name) {
    for (Role r : {Role::none, Role::visitor, Role::participant, Role::moderator}) {
        if (role_name(r) == name) return r;
    }
    return std::nullopt;
}

Role default_role(Affiliation affiliation, bool members_only, bool moderated) {
    switch (affiliation) {
        case Affiliation::owner:
        case Affiliation::admin: return Role::moderator;
        case Affiliation::member: return Role::participant;
        case Affiliation::none:
            if (members_only) return Role::none;
            return moderated ? Role::visitor : Role::participant;
        case Affiliation::outcast: return Role::none;
    }
    assert(false && "unknown affiliation");
    return Role::none;
}

std::optional<StanzaError> check_affiliation_change(const AffiliationChange& change) {
    assert(change.other_owners >= 0);
    bool is_downgrade = rank(change.current) > rank(change.requested);
    if (change.actor == Affiliation::owner) {
        // Owners may do anything, except leave the room without an owner.
        if (change.actor_is_target && is_downgrade && change.other_owners == 0) {
            return StanzaError::cancel("conflict");
        }
        return std::nullopt;
    }
    // Admins may only manage members and outcasts; nobody else may do anything.
    bool admin_may = change.actor == Affiliation::admin && change.requested != Affiliation::owner &&
                     change.requested != Affiliation::admin && change.current != Affiliation::owner &&
                     change.current != Affiliation::admin;
    if (!admin_may) return StanzaError::cancel("not-allowed");
    return std::nullopt;
}

std::optional<StanzaError> check_role_change(const RoleChange& change) {
    // Nobody can touch someone of a higher affiliation.
    if (rank(change.actor_affiliation) < rank(change.target_affiliation)) return StanzaError::cancel("not-allowed");
    // Granting or revoking moderator takes an owner or admin.
    if (change.target_role == Role::moderator || change.requested == Role::moderator) {
        if (change.actor_affiliation != Affiliation::owner && change.actor_affiliation != Affiliation::admin) {
            return StanzaError::cancel("not-allowed");
        }
    }
    // And the actor must be a moderator in the room.
    if (change.actor_role != Role::moderator) return StanzaError::cancel("not-allowed");
    return std::nullopt;
}

}  // namespace mucsim::model
