#include "properties/reference_model.hpp"

#include <algorithm>
#include <cassert>

#include "model/jid.hpp"
#include "model/namespaces.hpp"

namespace mucsim::properties {

namespace {

constexpr std::string_view affiliation_names[] = {"outcast", "none", "member", "admin", "owner"};
constexpr std::string_view role_names[] = {"none", "visitor", "participant", "moderator"};

bool form_true(std::string_view value) { return value == "1" || value == "true"; }

}  // namespace

std::optional<Affiliation> parse_affiliation(std::string_view text) {
    for (int i = 0; i < 5; ++i) {
        if (affiliation_names[i] == text) return static_cast<Affiliation>(i - 1);
    }
    return std::nullopt;
}

std::optional<Role> parse_role(std::string_view text) {
    for (int i = 0; i < 4; ++i) {
        if (role_names[i] == text) return static_cast<Role>(i);
    }
    return std::nullopt;
}

std::string_view affiliation_name(Affiliation a) { return affiliation_names[static_cast<int>(a) + 1]; }
std::string_view role_name(Role r) { return role_names[static_cast<int>(r)]; }

std::string prepared(std::string_view jid) {
    auto parsed = model::Jid::parse(jid);
    return parsed ? parsed->str() : std::string(jid);
}

std::string bare_of(std::string_view jid) { return prepared(jid.substr(0, jid.find('/'))); }

std::string resource_of(std::string_view jid) {
    std::size_t slash = jid.find('/');
    return slash == std::string_view::npos ? std::string() : std::string(jid.substr(slash + 1));
}

bool has_status(const model::Element& stanza, std::string_view code) {
    const model::Element* x = stanza.child("x", model::ns::muc_user);
    if (!x) return false;
    for (const model::Element* status : x->elements("status")) {
        if (status->attribute("code") == code) return true;
    }
    return false;
}

bool is_self_presence(const model::Element& stanza) { return stanza.name == "presence" && has_status(stanza, "110"); }

std::optional<std::string> subject_of(const model::Element& message) {
    if (message.name != "message" || message.attribute("type") == "error") return std::nullopt;
    const model::Element* subject = message.child("subject");
    if (!subject || message.child("body")) return std::nullopt;
    return message.child_text("subject");
}

bool is_own_presence(const traces::Event& event, const model::Element& stanza) {
    if (stanza.name != "presence") return false;
    if (is_self_presence(stanza)) return true;
    if (event.kind != traces::EventKind::process || !event.is_stanza) return false;
    const model::Element& input = event.stanza;
    if (input.name != "presence" || stanza.attribute("type") == "error") return false;
    return prepared(input.attribute("from")) == prepared(stanza.attribute("to")) &&
           prepared(input.attribute("to")) == prepared(stanza.attribute("from"));
}

const model::Element* user_item(const model::Element& stanza) {
    const model::Element* x = stanza.child("x", model::ns::muc_user);
    return x ? x->child("item", model::ns::muc_user) : nullptr;
}

const model::Element* iq_response(const traces::Event& event, std::string_view to, std::string_view id) {
    for (const traces::Emission& e : event.emitted) {
        const model::Element& s = e.stanza;
        if (s.name != "iq" || s.attribute("id") != id || s.attribute("to") != to) continue;
        std::string_view type = s.attribute("type");
        if (type == "result" || type == "error") return &s;
    }
    return nullptr;
}

std::size_t emission_index(const traces::Event& event, const model::Element* stanza) {
    for (std::size_t i = 0; i < event.emitted.size(); ++i) {
        if (&event.emitted[i].stanza == stanza) return i;
    }
    return event.emitted.size();
}

Role role_after_affiliation_change(Affiliation before, Affiliation after, Role current, const RoomView& room) {
    Role by_default = Role::participant;
    switch (after) {
        case Affiliation::owner:
        case Affiliation::admin: by_default = Role::moderator; break;
        case Affiliation::member: by_default = Role::participant; break;
        case Affiliation::none:
            by_default = room.members_only ? Role::none : room.moderated ? Role::visitor : Role::participant;
            break;
        case Affiliation::outcast: by_default = Role::none; break;
    }
    bool downgrade = static_cast<int>(after) < static_cast<int>(before);
    if (downgrade || static_cast<int>(by_default) > static_cast<int>(current)) return by_default;
    return current;
}

const OccupantView* RoomView::occupant_of_session(std::string_view full_jid) const {
    for (const auto& [nick, o] : occupants) {
        if (std::find(o.sessions.begin(), o.sessions.end(), full_jid) != o.sessions.end()) return &o;
    }
    return nullptr;
}

const OccupantView* RoomView::occupant_of_user(std::string_view bare_jid) const {
    for (const auto& [nick, o] : occupants) {
        if (o.bare_jid == bare_jid) return &o;
    }
    return nullptr;
}

Affiliation RoomView::affiliation_of(std::string_view bare_jid) const {
    auto it = affiliations.find(std::string(bare_jid));
    return it == affiliations.end() ? Affiliation::none : it->second;
}

int RoomView::owner_count() const {
    return static_cast<int>(std::count_if(affiliations.begin(), affiliations.end(),
                                          [](const auto& entry) { return entry.second == Affiliation::owner; }));
}

std::vector<std::string> RoomView::sessions() const {
    std::vector<std::string> out;
    for (const auto& [nick, o] : occupants) out.insert(out.end(), o.sessions.begin(), o.sessions.end());
    return out;
}

const RoomView* ReferenceModel::room(std::string_view room_jid) const {
    auto it = rooms_.find(room_jid);
    return it == rooms_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, std::string>> ReferenceModel::occupancies(std::string_view full_jid) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [jid, room] : rooms_) {
        if (const OccupantView* o = room.occupant_of_session(full_jid)) out.emplace_back(jid, o->nick);
    }
    return out;
}

void ReferenceModel::apply(const traces::Event& event) {
    if (event.kind != traces::EventKind::process && event.kind != traces::EventKind::disconnect) return;
    if (event.kind == traces::EventKind::process && event.is_stanza) apply_request(event);
    for (const traces::Emission& e : event.emitted) {
        if (is_own_presence(event, e.stanza)) apply_self_presence(e.stanza);
        if (e.stanza.name == "message") apply_announcement(e.stanza);
    }
    forget_empty_rooms();
}

// Requests the server accepted (an iq result to the sender) change what the
// model knows of affiliations, configuration and existence.
void ReferenceModel::apply_request(const traces::Event& event) {
    const model::Element& input = event.stanza;
    if (input.name == "message") {
        apply_invitation(event);
        apply_subject_change(event);
        return;
    }
    if (input.name != "iq" || input.attribute("type") != "set") return;
    const model::Element* response = iq_response(event, input.attribute("from"), input.attribute("id"));
    if (!response || response->attribute("type") != "result") return;
    std::string room_jid = prepared(input.attribute("to"));
    auto it = rooms_.find(room_jid);
    if (it == rooms_.end()) return;
    RoomView& room = it->second;
    if (const model::Element* admin = input.child("query", model::ns::muc_admin)) {
        if (const model::Element* item = admin->child("item", model::ns::muc_admin)) apply_admin_set(room, *item);
        return;
    }
    if (const model::Element* owner = input.child("query", model::ns::muc_owner)) {
        if (owner->child("destroy", model::ns::muc_owner)) {
            rooms_.erase(it);
            return;
        }
        const model::Element* form = owner->child("x", model::ns::data_forms);
        if (form && form->attribute("type") == "submit") apply_config(room, *form);
        return;
    }
    if (input.child("query", model::ns::iq_register)) {
        std::string user = bare_of(input.attribute("from"));
        if (room.affiliation_of(user) == Affiliation::none) room.affiliations[user] = Affiliation::member;
    }
}

// XEP-0045 §7.8.2: a service MAY make the invitee of a members-only room a
// member (Prosody does). A forwarded invitation is taken as that; a server
// that does not take the MAY refuses the invitee's join, which no invariant
// objects to.
void ReferenceModel::apply_invitation(const traces::Event& event) {
    const model::Element* x = event.stanza.child("x", model::ns::muc_user);
    const model::Element* invite = x ? x->child("invite", model::ns::muc_user) : nullptr;
    if (!invite) return;
    auto room = rooms_.find(prepared(event.stanza.attribute("to")));
    if (room == rooms_.end() || !room->second.members_only) return;
    std::string invitee = prepared(invite->attribute("to"));
    bool forwarded = false;
    for (const traces::Emission& e : event.emitted) {
        const model::Element* forwarded_x = e.stanza.child("x", model::ns::muc_user);
        forwarded = forwarded || (e.stanza.name == "message" && prepared(e.stanza.attribute("to")) == invitee &&
                                  forwarded_x && forwarded_x->child("invite", model::ns::muc_user));
    }
    std::string user = bare_of(invitee);
    if (forwarded && room->second.affiliation_of(user) == Affiliation::none) {
        room->second.affiliations[user] = Affiliation::member;
    }
}

// An occupant's subject change, taken as made when the room broadcast it
// (to the room's occupants, from the room or the setter's occupant JID).
void ReferenceModel::apply_subject_change(const traces::Event& event) {
    const model::Element& input = event.stanza;
    if (input.attribute("type") != "groupchat" || !subject_of(input)) return;
    auto room = rooms_.find(prepared(input.attribute("to")));
    if (room == rooms_.end()) return;
    for (const traces::Emission& e : event.emitted) {
        if (e.stanza.attribute("type") != "groupchat" || bare_of(e.stanza.attribute("from")) != room->first) continue;
        if (auto text = subject_of(e.stanza)) {
            room->second.subject = *text;
            return;
        }
    }
}

// The room telling its occupants that someone's affiliation changed (an
// invitation into a members-only room makes the invitee a member this way).
void ReferenceModel::apply_announcement(const model::Element& message) {
    if (!resource_of(message.attribute("from")).empty()) return;
    auto room = rooms_.find(prepared(message.attribute("from")));
    const model::Element* item = user_item(message);
    if (room == rooms_.end() || !item || !item->has_attribute("jid")) return;
    auto affiliation = parse_affiliation(item->attribute("affiliation"));
    if (!affiliation) return;
    std::string user = bare_of(item->attribute("jid"));
    if (*affiliation == Affiliation::none) {
        room->second.affiliations.erase(user);
    } else {
        room->second.affiliations[user] = *affiliation;
    }
}

void ReferenceModel::apply_admin_set(RoomView& room, const model::Element& item) {
    auto affiliation = parse_affiliation(item.attribute("affiliation"));
    if (!affiliation) return;  // a role change: visible through the occupant's own presence
    std::string user;
    if (item.has_attribute("jid")) {
        user = bare_of(item.attribute("jid"));
    } else if (auto it = room.occupants.find(std::string(item.attribute("nick"))); it != room.occupants.end()) {
        user = it->second.bare_jid;
    }
    if (user.empty()) return;
    if (*affiliation == Affiliation::none) {
        room.affiliations.erase(user);
    } else {
        room.affiliations[user] = *affiliation;
    }
}

void ReferenceModel::apply_config(RoomView& room, const model::Element& form) {
    for (const model::Element* field : form.elements("field", model::ns::data_forms)) {
        std::string_view var = field->attribute("var");
        std::string value = field->child_text("value", model::ns::data_forms);
        if (var == "muc#roomconfig_membersonly") room.members_only = form_true(value);
        if (var == "muc#roomconfig_whois") room.whois_anyone = value == "anyone";
        if (var == "muc#roomconfig_moderatedroom") room.moderated = form_true(value);
        if (var == "muc#roomconfig_persistentroom") room.persistent = form_true(value);
        if (var == "muc#roomconfig_roomsecret") room.password = value;
        if (var == "muc#roomconfig_presencebroadcast") room.default_broadcast = false;
    }
}

void ReferenceModel::apply_self_presence(const model::Element& presence) {
    std::string_view from = presence.attribute("from");
    std::string room_jid = bare_of(from);
    std::string nick = resource_of(from);
    std::string session = prepared(presence.attribute("to"));
    std::string_view type = presence.attribute("type");
    if (type == "error" || nick.empty()) return;
    if (type == "unavailable") {
        auto room = rooms_.find(room_jid);
        if (room == rooms_.end()) return;
        auto occupant = room->second.occupants.find(nick);
        if (occupant == room->second.occupants.end()) return;
        std::erase(occupant->second.sessions, session);
        if (occupant->second.sessions.empty()) room->second.occupants.erase(occupant);
        return;
    }
    if (!type.empty()) return;
    if (has_status(presence, "201")) {
        // A new room: its creator is its owner; defaults as Prosody's.
        RoomView fresh;
        fresh.jid = room_jid;
        fresh.created_in_trace = true;
        fresh.subject = "";
        fresh.affiliations[bare_of(session)] = Affiliation::owner;
        rooms_[room_jid] = std::move(fresh);
    }
    auto room_it = rooms_.find(room_jid);
    if (room_it == rooms_.end()) {
        // A room the trace did not see created (made before the trace began).
        RoomView unknown;
        unknown.jid = room_jid;
        room_it = rooms_.emplace(room_jid, std::move(unknown)).first;
    }
    RoomView& room = room_it->second;
    // A session is in one place in a room: leave any other nick first.
    for (auto it = room.occupants.begin(); it != room.occupants.end();) {
        if (it->first != nick) std::erase(it->second.sessions, session);
        it = (it->first != nick && it->second.sessions.empty()) ? room.occupants.erase(it) : std::next(it);
    }
    OccupantView& occupant = room.occupants[nick];
    occupant.nick = nick;
    occupant.bare_jid = bare_of(session);
    if (std::find(occupant.sessions.begin(), occupant.sessions.end(), session) == occupant.sessions.end()) {
        occupant.sessions.push_back(session);
    }
    if (const model::Element* item = user_item(presence)) {
        if (auto role = parse_role(item->attribute("role"))) occupant.role = *role;
        if (auto affiliation = parse_affiliation(item->attribute("affiliation"))) {
            occupant.affiliation = *affiliation;
            // Of a room the trace did not see created (made before it, or kept by a
            // server after a refused first presence), what the room says of an
            // occupant's affiliation is all there is to know.
            if (!room.created_in_trace && !room.affiliations.contains(occupant.bare_jid)) {
                room.affiliations[occupant.bare_jid] = *affiliation;
            }
        }
    }
}

void ReferenceModel::encode(std::string& out, const model::Renaming& renaming) const {
    for (const auto& [jid, room] : rooms_) {
        out += jid;
        out += '{';
        out += room.members_only ? 'M' : 'm';
        out += room.whois_anyone ? 'W' : 'w';
        out += room.moderated ? 'D' : 'd';
        out += room.persistent ? 'P' : 'p';
        out += room.default_broadcast ? 'B' : 'b';
        out += room.created_in_trace ? 'C' : 'c';
        out += room.password;
        out += '|';
        if (room.subject) {
            out += '"';
            out += *room.subject;
            out += '"';
        }
        out += '|';
        // Keyed by nick and by bare JID: in the order of the new names.
        std::vector<std::string> occupants;
        for (const auto& [nick, o] : room.occupants) {
            std::string entry(renaming.word(nick));
            entry += ':';
            entry += renaming.jid(o.bare_jid);
            entry += static_cast<char>('0' + static_cast<int>(o.role));
            entry += static_cast<char>('1' + static_cast<int>(o.affiliation));
            for (const std::string& session : o.sessions) {
                entry += renaming.jid(session);
                entry += ',';
            }
            occupants.push_back(std::move(entry));
        }
        std::vector<std::string> affiliations;
        for (const auto& [bare, a] : room.affiliations) {
            affiliations.push_back(renaming.jid(bare) + static_cast<char>('1' + static_cast<int>(a)));
        }
        if (!renaming.empty()) {
            std::sort(occupants.begin(), occupants.end());
            std::sort(affiliations.begin(), affiliations.end());
        }
        for (const std::string& entry : occupants) {
            out += entry;
            out += ';';
        }
        out += '|';
        for (const std::string& entry : affiliations) {
            out += entry;
            out += ';';
        }
        out += '}';
    }
}

void ReferenceModel::forget_empty_rooms() {
    // A non-persistent room that empties is gone, with its affiliations.
    std::erase_if(rooms_, [](const auto& entry) { return entry.second.occupants.empty() && !entry.second.persistent; });
}

}  // namespace mucsim::properties
