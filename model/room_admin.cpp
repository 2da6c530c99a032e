// muc#admin: changing and listing affiliations and roles (prosody-muc.md §3).
#include <algorithm>
#include <cassert>

#include "model/namespaces.hpp"
#include "model/room.hpp"
#include "model/stringprep.hpp"

namespace mucsim::model {

namespace {

const Element* first_child_element(const Element& element) {
    for (const Node& node : element.children) {
        if (node.is_element()) return &node.element();
    }
    return nullptr;
}

std::optional<std::string> optional_child_text(const Element& element, std::string_view name) {
    const Element* child = element.child(name);
    if (child == nullptr) return std::nullopt;
    return child->text_content();
}

}  // namespace

// ---------------------------------------------------------------- set

// <iq type='set'><query xmlns='…#admin'><item …/>…</query></iq>: each item
// changes an affiliation (jid, or nick of an occupant) or a role (nick).
// XEP-0045 §9.2, §9.5, §10.5, §10.8: the admin sends "the changed items (i.e., only
// the "delta")", several in one request (Examples 118, 131); Prosody processes only
// the first. Here every item applies, in document order, all or nothing: each is
// checked against the room as the items before it left it, and if any is refused
// (§9.2: "the service SHOULD NOT apply any of the requested changes and MUST deny
// the request") the room is put back as it was and only the error is sent.
void Room::handle_admin_set(const Inbound& in, Outbox& out) {
    const Element* query = first_child_element(in.element());
    assert(query != nullptr);
    std::vector<const Element*> items;
    for (const Node& node : query->children) {
        if (node.is_element()) items.push_back(&node.element());
    }
    if (items.empty()) return reply_error(in, StanzaError::cancel("bad-request"), out);
    if (items.size() > admin_items_max) {
        return reply_error(in, StanzaError::modify("not-acceptable", "Too many items"), out);
    }
    // One item is checked in full before it changes anything; several need a way back.
    std::optional<Room> before;
    if (items.size() > 1) before = *this;
    AdminOutcome outcome;
    for (const Element* item : items) {
        if (auto error = apply_admin_item(in, *item, outcome)) {
            if (before) *this = std::move(*before);
            return reply_error(in, *error, out);
        }
    }
    auto flush = [&](Outbox& box) {
        for (Element& stanza : box.take()) out.send(std::move(stanza));
    };
    bool send_result = !(outcome.affiliation && faults_.has(Fault::drop_iq_reply));
    if (outcome.kick) {
        // XEP-0045 §8.2: the kicked occupants are told, "After removing the kicked
        // occupant(s), the service MUST then inform the moderator of success" and "After
        // informing the moderator, the service MUST then inform all of the remaining
        // occupants". Prosody sends the iq result last, as it still does here for
        // requests without a kick (its scripts muc_members_only_change and issue1224
        // expect the presence before the result of an affiliation change).
        flush(outcome.kicked);
        if (send_result) reply_result(in, out);
        flush(outcome.notices);
        return;
    }
    flush(outcome.notices);
    if (send_result) reply_result(in, out);
}

// One item of a muc#admin set: checked, then applied. A refused item has changed nothing.
std::optional<StanzaError> Room::apply_admin_item(const Inbound& in, const Element& item, AdminOutcome& outcome) {
    std::optional<Jid> jid;
    if (item.has_attribute("jid")) {
        auto parsed = Jid::parse(item.attribute("jid"));
        if (!parsed) return StanzaError::modify("jid-malformed");
        if (parsed->is_full()) return StanzaError::modify("jid-malformed", "Bare JID expected, got full JID");
        jid = *parsed;
    }
    std::optional<std::string> nick;
    if (item.has_attribute("nick")) {
        nick = resourceprep(item.attribute("nick"));
        if (!nick) return StanzaError::modify("jid-malformed", "invalid nickname");
        if (nick->size() > nick_bytes_max) return StanzaError::modify("not-acceptable", "Nickname is too long");
    }
    bool has_affiliation = item.has_attribute("affiliation");
    bool has_role = item.has_attribute("role");
    if (!jid && nick) {
        // Some clients name the occupant by nick only (issue 1224).
        if (const Occupant* occupant = occupant_by_nick(*nick)) jid = occupant->bare_jid;
    } else if (has_role && !nick && jid) {
        auto it = nick_by_session_.find(*jid);
        if (it != nick_by_session_.end()) nick = it->second;
    }
    std::optional<std::string> reason = optional_child_text(item, "reason");
    if (has_affiliation && jid && !has_role) {
        AffiliationDataChange data;
        data.reason = reason;
        data.nick = nick;
        data.evict_squatter = nick.has_value();
        auto error = set_affiliation(in.from, *jid, item.attribute("affiliation"), reason, data, outcome.notices);
        if (!error) outcome.affiliation = true;
        return error;
    }
    if (has_role && nick && !has_affiliation) {
        bool kick = item.attribute("role") == "none";
        auto error = set_role(in.from, *nick, item.attribute("role"), reason, outcome.notices,
                              kick ? &outcome.kicked : nullptr);
        if (!error && kick) outcome.kick = true;
        return error;
    }
    return StanzaError::cancel("bad-request");
}

int Room::owners_other_than(const Jid& bare_jid) const {
    int owners = 0;
    for (const auto& [jid, record] : affiliations_) {
        if (record.affiliation == Affiliation::owner && jid != bare_jid) ++owners;
    }
    return owners;
}

std::optional<StanzaError> Room::set_affiliation(const std::optional<Jid>& actor, const Jid& jid,
                                                 std::string_view affiliation_text,
                                                 const std::optional<std::string>& reason,
                                                 const AffiliationDataChange& data, Outbox& out) {
    std::optional<Affiliation> affiliation = parse_affiliation(affiliation_text);
    if (!affiliation) return StanzaError::modify("not-acceptable");
    Jid target = jid.bare();
    bool host_only = target.node().empty();
    Affiliation current = stored_affiliation(target);
    if (actor) {
        int other_owners = owners_other_than(target);
        if (faults_.has(Fault::allow_last_owner_removal)) other_owners = std::max(other_owners, 1);
        // Banning one's whole domain bans oneself too (XEP-0045 §9.1, §9.2).
        bool actor_is_target = actor->bare() == target || (host_only && actor->domain() == target.domain());
        AffiliationChange change{affiliation_of(*actor), current, *affiliation, actor_is_target, other_owners};
        if (auto refusal = check_affiliation_change(change)) return refusal;
    }
    bool is_new = affiliations_.find(target) == affiliations_.end();
    if (*affiliation != Affiliation::none && is_new && affiliations_.size() >= affiliations_max) {
        return StanzaError::wait("resource-constraint");
    }
    // XEP-0045 §9.1: a ban "MUST remove the outcast's nickname from the list of registered
    // nicknames" (and §9.2); Prosody keeps an outcast's reserved nick. Nor does a ban
    // reserve the nick it names.
    bool reserves_nick = data.nick.has_value() && *affiliation != Affiliation::outcast;
    if (data.evict_squatter && reserves_nick) {
        // The nick is being reserved for someone else: its holder is kicked first.
        // Prosody kicks before checking the actor's permission (prosody-muc.md §3.2), so
        // anyone could kick an occupant by "reserving" their nick for another JID; here a
        // refused change has changed nothing (XEP-0045 §9 introduction: such a request
        // "MUST be denied").
        const Occupant* squatter = occupant_by_nick(*data.nick);
        if (squatter != nullptr && squatter->bare_jid != target) {
            set_role(std::nullopt, *data.nick, "none", std::string("This nickname is reserved"), out);
        }
    }

    if (*affiliation == Affiliation::none) {
        affiliations_.erase(target);
    } else {
        AffiliationRecord& record = affiliations_[target];
        record.affiliation = *affiliation;
        switch (data.mode) {
            case AffiliationDataChange::Mode::merge:
                if (data.nick) record.reserved_nick = *data.nick;
                if (data.reason) record.reason = data.reason;
                break;
            case AffiliationDataChange::Mode::replace:
                record.reserved_nick = data.nick.value_or("");
                record.reason.reset();
                break;
            case AffiliationDataChange::Mode::clear:
                record.reserved_nick.clear();
                record.reason.reset();
                break;
        }
        if (*affiliation == Affiliation::outcast) record.reserved_nick.clear();
    }

    // Roles follow the new affiliation: down always, up when the default is higher.
    Role new_role = default_role_for(*affiliation);
    bool downgrade = rank(current) > rank(*affiliation);
    std::vector<std::pair<std::string, Role>> updated;  // nick, previous role
    for (Occupant& o : occupants_) {
        bool affected = o.bare_jid == target ||
                        (host_only && *affiliation == Affiliation::outcast && o.bare_jid.domain() == target.domain());
        if (!affected) continue;
        updated.emplace_back(o.nick, o.role);
        if (o.role != new_role && (downgrade || rank(o.role) < rank(new_role))) o.role = new_role;
    }
    announce_affiliation(target, *affiliation, new_role, actor, reason, updated, out);
    return std::nullopt;
}

// Tells the room: presences for the affected occupants, or, when the user is
// not in the room, a message to the occupants who may know (§3.2).
void Room::announce_affiliation(const Jid& target, Affiliation affiliation, Role new_role,
                                const std::optional<Jid>& actor, const std::optional<std::string>& reason,
                                const std::vector<std::pair<std::string, Role>>& updated, Outbox& out) {
    XParts x;
    if (new_role == Role::none) {
        int ban = faults_.has(Fault::wrong_ban_status) ? 307 : 301;
        x.base.push_back(status_code(affiliation == Affiliation::outcast ? ban : 321));
    }
    if (updated.empty()) {
        if (faults_.has(Fault::drop_nonoccupant_affiliation_notice)) return;
        Element message = make_stanza("message", room_jid_text_, room_jid_text_);
        Element& x_element = message.add(muc_user_x());
        for (const Element& e : x.base) x_element.append(e);
        Element& item = x_element.add(ns_element("item", ns::muc_user));
        item.set("affiliation", affiliation_name(affiliation));
        item.set("jid", target.str());
        if (reason) item.append(ns_element("reason", ns::muc_user, *reason));
        for (const Occupant& o : occupants_) {
            if (config_.whois == Whois::moderators && o.role != Role::moderator) continue;
            send_to_occupant(o, message, out);
        }
        return;
    }
    // Everyone removed leaves before anyone is told.
    std::vector<std::pair<Occupant, Role>> views;
    for (const auto& [nick, old_role] : updated) views.emplace_back(*find_occupant(nick), old_role);
    for (const auto& [view, old_role] : views) {
        if (view.role == Role::none) remove_occupant(view.nick);
    }
    for (const auto& [view, old_role] : views) {
        if (faults_.has(Fault::skip_affiliation_presence)) {
            Outbox all;
            publicise(view, x, ItemExtras{{}, actor, reason}, old_role, false, all);
            keep_own_copies(all, view, out);
        } else {
            publicise(view, x, ItemExtras{{}, actor, reason}, old_role, false, out);
        }
        bool moderator_changed = (old_role == Role::moderator) != (view.role == Role::moderator);
        if (view.role == Role::none || config_.whois != Whois::moderators || !moderator_changed) continue;
        // What they may see of others changed: send them everyone again.
        for (const Session& s : view.sessions) {
            send_occupant_list(s.jid, [&](const Occupant& o) { return o.bare_jid != target; }, out);
        }
    }
}

std::optional<StanzaError> Room::set_role(const std::optional<Jid>& actor, std::string_view nick,
                                          std::string_view role_text, const std::optional<std::string>& reason,
                                          Outbox& out, Outbox* kicked_out) {
    const Occupant* found = occupant_by_nick(nick);
    if (found == nullptr) return StanzaError::modify("item-not-found");
    std::optional<Role> role = parse_role(role_text);
    if (!role) return StanzaError::modify("not-acceptable");
    if (actor) {
        RoleChange change{affiliation_of(*actor), role_of_session(*actor), affiliation_of(found->bare_jid),
                          found->role, *role};
        if (auto refusal = check_role_change(change)) return refusal;
    }
    Occupant view = *found;
    Role prev_role = view.role;
    view.role = *role;
    XParts x;
    if (*role == Role::none) {
        x.base.push_back(status_code(307));
        remove_occupant(view.nick);
    } else {
        store_occupant(view);
    }
    if (*role != Role::none && faults_.has(Fault::self_presence_without_110_on_role_change)) {
        Outbox produced;
        publicise(view, x, ItemExtras{{}, actor, reason}, prev_role, false, produced);
        for (Element& stanza : produced.take()) {
            if (view.session(*Jid::parse(stanza.attribute("to"))) != nullptr) {
                stanza.child("x", ns::muc_user)->remove_children("status", ns::muc_user);
            }
            out.send(std::move(stanza));
        }
        return std::nullopt;
    }
    if (*role != Role::none || kicked_out == nullptr) {
        publicise(view, x, ItemExtras{{}, actor, reason}, prev_role, false, out);
        return std::nullopt;
    }
    // The kicked occupant's own copies apart from the others' (XEP-0045 §8.2 order).
    Outbox produced;
    publicise(view, x, ItemExtras{{}, actor, reason}, prev_role, false, produced);
    for (Element& stanza : produced.take()) {
        bool own = std::any_of(view.sessions.begin(), view.sessions.end(),
                               [&](const Session& s) { return s.jid.str() == stanza.attribute("to"); });
        (own ? *kicked_out : out).send(std::move(stanza));
    }
    return std::nullopt;
}

std::optional<StanzaError> Room::set_affiliation_internal(const Jid& jid, std::string_view affiliation,
                                                          std::optional<std::string> reason, Outbox& out) {
    AffiliationDataChange data;
    data.reason = reason;
    return set_affiliation(std::nullopt, jid, affiliation, reason, data, out);
}

// ---------------------------------------------------------------- get

void Room::handle_admin_get(const Inbound& in, Outbox& out) const {
    const Element* query = first_child_element(in.element());
    assert(query != nullptr);
    const Element* item = first_child_element(*query);
    if (item == nullptr) return reply_error(in, StanzaError::cancel("bad-request"), out);
    Affiliation actor = affiliation_of(in.from);
    std::optional<Affiliation> wanted_affiliation = parse_affiliation(item->attribute("affiliation"));
    std::optional<Role> wanted_role = parse_role(item->attribute("role"));
    bool has_affiliation = item->has_attribute("affiliation");
    bool has_role = item->has_attribute("role");
    Element reply = iq_result(in.element(), in.to.str(), in.from.str());
    Element& list = reply.add(ns_element("query", ns::muc_admin));
    if (has_affiliation && wanted_affiliation && !has_role) {
        bool manager = rank(actor) >= rank(Affiliation::admin) && rank(actor) >= rank(*wanted_affiliation);
        // XEP-0045 §10.8: for the admin list, "If the <user@host> of the 'from' address does
        // not match the bare JID of a room owner, the service MUST return a <forbidden/>
        // error to the sender in semi-anonymous rooms"; Prosody lets admins read it.
        // (Non-anonymous rooms: the XEP's MAY, Prosody's choice.)
        if (*wanted_affiliation == Affiliation::admin && config_.whois == Whois::moderators &&
            actor != Affiliation::owner) {
            manager = false;
        }
        bool member_of_open_list = config_.members_only && config_.whois == Whois::anyone &&
                                   rank(actor) >= rank(Affiliation::member);
        if (!manager && !member_of_open_list) return reply_error(in, StanzaError::auth("forbidden"), out);
        for (const auto& [bare, record] : affiliations_) {
            if (record.affiliation != *wanted_affiliation) continue;
            Element& entry = list.add(ns_element("item", ns::muc_admin));
            entry.set("affiliation", affiliation_name(record.affiliation));
            entry.set("jid", bare.str());
            if (!record.reserved_nick.empty()) entry.set("nick", record.reserved_nick);
            if (record.reason) entry.append(ns_element("reason", ns::muc_admin, *record.reason));
        }
    } else if (has_role && wanted_role && !has_affiliation) {
        const Occupant* self = occupant_by_session(in.from);
        Role role = self ? self->role : default_role_for(actor);
        if (role != Role::moderator) return reply_error(in, StanzaError::auth("forbidden"), out);
        for (const Occupant& o : occupants_) {
            if (o.role != *wanted_role) continue;
            for (const Session& s : o.sessions) {
                Element& entry = list.add(ns_element("item", ns::muc_admin));
                entry.set("affiliation", affiliation_name(affiliation_of(o.bare_jid)));
                entry.set("role", role_name(o.role));
                entry.set("jid", s.jid.str());
                entry.set("nick", o.nick);
            }
        }
    } else {
        return reply_error(in, StanzaError::cancel("bad-request"), out);
    }
    out.send(std::move(reply));
}

}  // namespace mucsim::model
