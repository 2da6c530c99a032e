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
    bool owner_or_admin = change.actor == Affiliation::owner || change.actor == Affiliation::admin;
    // XEP-0045 §9.1: "If an admin or owner attempts to ban himself, the service MUST deny
    // the request and return a <conflict/> error"; Prosody refuses an admin with
    // not-allowed and lets an owner with a co-owner ban himself.
    if (owner_or_admin && change.actor_is_target && change.requested == Affiliation::outcast) {
        return StanzaError::cancel("conflict");
    }
    if (change.actor == Affiliation::owner) {
        // Owners may do anything, except leave the room without an owner.
        if (change.actor_is_target && is_downgrade && change.other_owners == 0) {
            return StanzaError::cancel("conflict");
        }
        return std::nullopt;
    }
    auto is_owner_or_admin = [](Affiliation a) { return a == Affiliation::owner || a == Affiliation::admin; };
    if (change.actor == Affiliation::admin) {
        // §9.1, Example 115: an admin banning an owner gets not-allowed.
        if (change.current == Affiliation::owner && change.requested == Affiliation::outcast) {
            return StanzaError::cancel("not-allowed");
        }
        // XEP-0045 §10.3-§10.8: only owners grant or revoke owner and admin status and
        // modify those lists; "If a non-owner attempts to modify the owner [admin] list,
        // the service MUST deny the request and return a <forbidden/> error". Prosody:
        // not-allowed.
        if (is_owner_or_admin(change.requested) || is_owner_or_admin(change.current)) {
            return StanzaError::auth("forbidden");
        }
        return std::nullopt;  // admins manage members and outcasts
    }
    // XEP-0045 §9 (introduction): admin requests from a non-admin MUST get <forbidden/>
    // (and §10.5, §10.8 for the owner and admin lists). Prosody: not-allowed.
    return StanzaError::auth("forbidden");
}

std::optional<StanzaError> check_role_change(const RoleChange& change) {
    auto is_owner_or_admin = [](Affiliation a) { return a == Affiliation::owner || a == Affiliation::admin; };
    // Nobody can touch someone of a higher affiliation.
    if (rank(change.actor_affiliation) < rank(change.target_affiliation)) return StanzaError::cancel("not-allowed");
    // XEP-0045 §8.4 (and §5.1.1 "***"): "a service MUST NOT allow the voice privileges of
    // an admin or owner to be removed by anyone"; Prosody lets an owner do it.
    if (change.requested == Role::visitor && is_owner_or_admin(change.target_affiliation)) {
        return StanzaError::cancel("not-allowed");
    }
    // Granting or revoking moderator takes an owner or admin.
    if (change.target_role == Role::moderator || change.requested == Role::moderator) {
        if (!is_owner_or_admin(change.actor_affiliation)) return StanzaError::cancel("not-allowed");
    }
    // XEP-0045 §9.7: "an admin MUST NOT be allowed to revoke moderator status from a user
    // whose affiliation is "owner" or "admin""; Prosody lets an admin do it to an admin.
    // (Kicking, role none, stays allowed: §8.2 forbids it only from a lower affiliation.)
    if (change.actor_affiliation == Affiliation::admin && is_owner_or_admin(change.target_affiliation) &&
        change.target_role == Role::moderator && change.requested == Role::participant) {
        return StanzaError::cancel("not-allowed");
    }
    // And the actor must be a moderator in the room.
    if (change.actor_role != Role::moderator) return StanzaError::cancel("not-allowed");
    return std::nullopt;
}

}  // namespace mucsim::model
