// The room's state and the building blocks every handler shares: occupant
// bookkeeping, JID visibility, items, and the presence broadcast of Prosody's
// publicise_occupant_status (prosody-muc.md §1.5, §1.6, §3.2).
#include "model/room.hpp"

#include <algorithm>
#include <cassert>
#include <set>

#include "model/namespaces.hpp"

namespace mucsim::model {

namespace {

constexpr std::string_view hats_ns = "urn:xmpp:hats:0";

bool is_muc_payload(const Element& element) {
    return element.ns == ns::muc || element.ns == ns::muc_user || element.ns == hats_ns ||
           element.ns == ns::occupant_id;
}

}  // namespace

// ---------------------------------------------------------------- values

void Outbox::send(Element stanza) {
    assert(!stanza.attribute("from").empty() && "every stanza the service sends has a from");
    assert(!stanza.attribute("to").empty() && "every stanza the service sends has a to");
    stanzas_.push_back(std::move(stanza));
}

const Session& Occupant::primary() const {
    assert(!sessions.empty());
    for (const Session& s : sessions) {
        if (s.presence.attribute("type") != "unavailable") return s;
    }
    return sessions.front();
}

const Session* Occupant::session(const Jid& real_jid) const {
    for (const Session& s : sessions) {
        if (s.jid == real_jid) return &s;
    }
    return nullptr;
}

Session* Occupant::session(const Jid& real_jid) {
    return const_cast<Session*>(std::as_const(*this).session(real_jid));
}

bool RoleSet::contains(Role role) const {
    switch (role) {
        case Role::none: return none;
        case Role::visitor: return visitor;
        case Role::participant: return participant;
        case Role::moderator: return moderator;
    }
    return false;
}

Element muc_user_x() { return ns_element("x", ns::muc_user); }

Element status_code(int code) {
    assert(code >= 100 && code <= 999);
    Element status = ns_element("status", ns::muc_user);
    status.set("code", std::to_string(code));
    return status;
}

Element filtered_copy(const Element& stanza) {
    Element copy = stanza;
    copy.remove_attribute("from");
    copy.remove_attribute("to");
    copy.children.erase_if([](const Node& n) { return n.is_element() && is_muc_payload(n.element()); });
    return copy;
}

// ---------------------------------------------------------------- room state

Room::Room(Jid room_jid, std::string service_host, std::int64_t now_ms, std::string_view language, FaultSet faults)
    : jid_(std::move(room_jid)),
      room_jid_text_(jid_.bare_str()),
      service_host_(std::move(service_host)),
      faults_(faults) {
    assert(jid_.is_bare() && !jid_.node().empty());
    config_.language = language;
    locked_until_ms_ = now_ms + lock_duration_ms;
}

void Room::expire_lock(std::int64_t now_ms) {
    if (locked_until_ms_ && now_ms >= *locked_until_ms_) locked_until_ms_.reset();
}

Occupant* Room::find_occupant(std::string_view nick) {
    for (Occupant& o : occupants_) {
        if (o.nick == nick) return &o;
    }
    return nullptr;
}

const Occupant* Room::occupant_by_nick(std::string_view nick) const {
    for (const Occupant& o : occupants_) {
        if (o.nick == nick) return &o;
    }
    return nullptr;
}

const Occupant* Room::occupant_by_session(const Jid& real_jid) const {
    auto it = nick_by_session_.find(real_jid);
    if (it == nick_by_session_.end()) return nullptr;
    const Occupant* occupant = occupant_by_nick(it->second);
    assert(occupant != nullptr && "the session index names only occupants");
    return occupant;
}

// Inserts or replaces the occupant with this nick, keeping its place in join
// order, and re-indexes its sessions. Only live sessions are kept.
void Room::store_occupant(Occupant occupant) {
    assert(occupant.role != Role::none && "an occupant without a role has left");
    std::erase_if(occupant.sessions, [](const Session& s) { return s.presence.attribute("type") == "unavailable"; });
    assert(!occupant.sessions.empty() && occupant.sessions.size() <= sessions_per_occupant_max);
    std::erase_if(nick_by_session_, [&](const auto& entry) { return entry.second == occupant.nick; });
    for (const Session& s : occupant.sessions) nick_by_session_[s.jid] = occupant.nick;
    if (Occupant* existing = find_occupant(occupant.nick)) {
        *existing = std::move(occupant);
        return;
    }
    assert(occupants_.size() < occupants_max);
    occupants_.push_back(std::move(occupant));
}

void Room::remove_occupant(std::string_view nick) {
    std::erase_if(nick_by_session_, [&](const auto& entry) { return entry.second == nick; });
    auto removed = std::erase_if(occupants_, [&](const Occupant& o) { return o.nick == nick; });
    assert(removed == 1);
    (void)removed;
}

void Room::remove_session(Occupant& occupant, const Jid& real_jid) {
    std::erase_if(occupant.sessions, [&](const Session& s) { return s.jid == real_jid; });
}

std::string Room::occupant_jid(std::string_view nick) const {
    std::string out = room_jid_text_;
    out += '/';
    out.append(nick);
    return out;
}

Affiliation Room::stored_affiliation(const Jid& bare_jid) const {
    auto it = affiliations_.find(bare_jid);
    return it == affiliations_.end() ? Affiliation::none : it->second.affiliation;
}

Affiliation Room::affiliation_of(const Jid& jid) const {
    Affiliation affiliation = stored_affiliation(jid.bare());
    if (affiliation != Affiliation::none) return affiliation;
    // A whole domain may be banned.
    if (stored_affiliation(Jid::from_parts("", jid.domain())) == Affiliation::outcast) return Affiliation::outcast;
    return Affiliation::none;
}

std::optional<Jid> Room::reserved_by(std::string_view nick) const {
    for (const auto& [bare, record] : affiliations_) {
        if (!record.reserved_nick.empty() && record.reserved_nick == nick) return bare;
    }
    return std::nullopt;
}

std::string Room::reserved_nick_of(const Jid& bare_jid) const {
    auto it = affiliations_.find(bare_jid);
    return it == affiliations_.end() ? std::string() : it->second.reserved_nick;
}

Role Room::role_of_session(const Jid& real_jid) const {
    const Occupant* occupant = occupant_by_session(real_jid);
    return occupant ? occupant->role : Role::none;
}

Role Room::default_role_for(Affiliation affiliation) const {
    return default_role(affiliation, config_.members_only, config_.moderated);
}

bool Room::can_see_real_jids(Role viewer_role) const {
    if (faults_.has(Fault::leak_real_jid)) return true;
    return config_.whois == Whois::anyone || viewer_role == Role::moderator;
}

// Only moderators see real JIDs in a semi-anonymous room (XEP-0045 §4.2),
// whatever their affiliation: an owner who made itself a visitor sees none.
// A session not in the room yet (a joiner) counts with the role it will get.
// (Found by `mucsim check`, no-real-jid-leak: this used to let owners and
// admins see JIDs in occupant lists whatever their role.)
bool Room::is_anonymous_for(const Jid& real_jid) const {
    if (config_.whois == Whois::anyone) return false;
    Role role = role_of_session(real_jid);
    if (role == Role::none) role = default_role_for(affiliation_of(real_jid));
    return !can_see_real_jids(role);
}

void Room::reply_error(const Inbound& in, const StanzaError& error, Outbox& out) const {
    if (in.type == "error") return;  // never answer an error with an error
    out.send(error_reply(in.element(), in.to.str(), in.from.str(), error));
}

void Room::reply_result(const Inbound& in, Outbox& out) const {
    out.send(iq_result(in.element(), in.to.str(), in.from.str()));
}

void Room::send_to_occupant(const Occupant& occupant, const Element& stanza, Outbox& out) const {
    for (const Session& s : occupant.sessions) {
        Element copy = stanza;
        copy.set("to", s.jid.str());
        out.send(std::move(copy));
    }
}

void Room::keep_own_copies(Outbox& produced, const Occupant& occupant, Outbox& out) {
    for (Element& stanza : produced.take()) {
        auto to = Jid::parse(stanza.attribute("to"));
        if (to && occupant.session(*to) != nullptr) out.send(std::move(stanza));
    }
}

// ---------------------------------------------------------------- presence building

void Room::add_items(Element& x, const Occupant& occupant, bool anonymous, const ItemExtras& extras,
                     bool with_actor_jid) const {
    std::string_view affiliation = affiliation_name(affiliation_of(occupant.bare_jid));
    std::string actor_nick;
    if (extras.actor) {
        auto it = nick_by_session_.find(*extras.actor);
        if (it != nick_by_session_.end()) actor_nick = it->second;
    }
    auto add_item = [&](const Jid* real_jid) {
        Element& item = x.add(ns_element("item", ns::muc_user));
        item.set("affiliation", affiliation);
        item.set("role", role_name(occupant.role));
        if (real_jid) item.set("jid", real_jid->str());
        if (!extras.nick.empty()) item.set("nick", extras.nick);
        bool actor_jid = with_actor_jid && extras.actor;
        if (!actor_nick.empty() || actor_jid) {
            Element& actor = item.add(ns_element("actor", ns::muc_user));
            if (!actor_nick.empty()) actor.set("nick", actor_nick);
            if (actor_jid) actor.set("jid", extras.actor->str());
        }
        if (extras.reason) item.append(ns_element("reason", ns::muc_user, *extras.reason));
    };
    if (anonymous) {
        add_item(nullptr);
        return;
    }
    for (const Session& s : occupant.sessions) add_item(&s.jid);
}

Element Room::base_presence(const Occupant& occupant, bool force_unavailable) const {
    if (!occupant.sessions.empty() && !force_unavailable) {
        const Session& primary = occupant.primary();
        bool usable = occupant.role != Role::none || primary.presence.attribute("type") == "unavailable";
        if (usable) return primary.presence;
    }
    // Leaving without a leave presence of its own: a generated one.
    Element generated = client_element("presence");
    generated.set("type", "unavailable");
    return generated;
}

// Broadcasts an occupant's presence: to every other occupant first (with or
// without real JIDs), then to the occupant's own sessions with status 110.
void Room::publicise(const Occupant& occupant, const XParts& x, const ItemExtras& extras,
                     std::optional<Role> prev_role, bool force_unavailable, Outbox& out) const {
    // An occupant may have no session left here (a session moving into another
    // own nick): others then see it leave with no item.
    assert(occupant.sessions.size() <= sessions_per_occupant_max);
    Element base = base_presence(occupant, force_unavailable);
    base.set("from", occupant_jid(occupant.nick));
    auto build_x = [&](const std::vector<Element>& prefix, bool anonymous, bool with_actor_jid) {
        Element x_element = muc_user_x();
        for (const Element& e : prefix) x_element.append(e);
        add_items(x_element, occupant, anonymous, extras, with_actor_jid);
        return x_element;
    };
    Element self_x = build_x(x.self ? *x.self : x.base, false, false);

    bool broadcast = config_.presence_broadcast.contains(occupant.role) || force_unavailable;
    bool was_broadcast = prev_role && config_.presence_broadcast.contains(*prev_role);
    if (broadcast || was_broadcast) {
        Element full = base;
        full.append(build_x(x.base, false, true));
        Element anon = base;
        anon.append(build_x(x.base, true, false));
        Element same_person = base;
        same_person.append(self_x);
        for (const Occupant& viewer : occupants_) {
            if (viewer.nick == occupant.nick) continue;
            const Element& chosen = can_see_real_jids(viewer.role)         ? full
                                    : viewer.bare_jid == occupant.bare_jid ? same_person
                                                                           : anon;
            Element copy = chosen;
            if (!broadcast) copy.set("type", "unavailable");
            send_to_occupant(viewer, copy, out);
        }
    }

    self_x.append(status_code(110));
    if (occupant.role == Role::none) {
        Element self = base;
        self.append(self_x);
        send_to_occupant(occupant, self, out);
        return;
    }
    for (const Session& s : occupant.sessions) {
        Element own = s.presence;
        own.set("from", occupant_jid(occupant.nick));
        own.set("to", s.jid.str());
        own.append(self_x);
        out.send(std::move(own));
    }
}

// An occupant's presence as `viewer` sees it, without status codes (probes).
Element Room::presence_for_viewer(const Occupant& occupant, const Occupant& viewer) const {
    Element presence = base_presence(occupant, false);
    presence.set("from", occupant_jid(occupant.nick));
    Element x = muc_user_x();
    bool full = can_see_real_jids(viewer.role) || viewer.bare_jid == occupant.bare_jid;
    add_items(x, occupant, !full, {}, full);
    presence.append(std::move(x));
    return presence;
}

void Room::send_occupant_list(const Jid& to, const std::function<bool(const Occupant&)>& include,
                              Outbox& out) const {
    bool anonymous = is_anonymous_for(to);
    Jid to_bare = to.bare();
    std::set<Jid> present;
    for (const Occupant& o : occupants_) {
        present.insert(o.bare_jid);
        if (!include(o)) continue;
        if (to_bare != o.bare_jid && !config_.presence_broadcast.contains(o.role)) continue;
        Element presence = o.primary().presence;
        presence.set("from", occupant_jid(o.nick));
        presence.set("to", to.str());
        Element x = muc_user_x();
        add_items(x, o, anonymous && to_bare != o.bare_jid, {}, false);
        presence.append(std::move(x));
        out.send(std::move(presence));
    }
    if (!config_.presence_broadcast.none) return;
    // Affiliated users who are not here, as unavailable presences.
    for (const auto& [bare, record] : affiliations_) {
        const std::string& nick = record.reserved_nick;
        if ((nick.empty() && anonymous) || present.count(bare) > 0) continue;
        Element presence = make_stanza("presence", nick.empty() ? room_jid_text_ : occupant_jid(nick), to.str());
        presence.set("type", "unavailable");
        Element& item = presence.add(muc_user_x()).add(ns_element("item", ns::muc_user));
        item.set("affiliation", affiliation_name(record.affiliation));
        item.set("role", "none");
        if (!nick.empty()) item.set("nick", nick);
        if (!anonymous) item.set("jid", bare.str());
        out.send(std::move(presence));
    }
}

// ---------------------------------------------------------------- encoding and invariants

void Room::encode(std::string& out, const Renaming& renaming) const {
    out += "room{";
    encode_string(out, room_jid_text_);
    const RoomConfig& c = config_;
    for (const std::string* text : {&c.name, &c.description, &c.language, &c.password}) encode_string(out, *text);
    for (bool flag : {c.persistent, c.public_room, c.members_only, c.allow_member_invites, c.change_subject,
                      c.moderated, c.presence_broadcast.none, c.presence_broadcast.visitor,
                      c.presence_broadcast.participant, c.presence_broadcast.moderator, c.allow_modpm, c.archiving}) {
        out += flag ? '1' : '0';
    }
    encode_int(out, static_cast<int>(c.whois));
    encode_int(out, c.history_length);
    encode_int(out, c.default_history_messages);
    encode_int(out, static_cast<int>(c.allow_pm));
    encode_int(out, static_cast<std::int64_t>(affiliations_.size()));
    // Keyed by bare JID: under a renaming, the order is that of the new names.
    std::vector<std::pair<std::string, std::string>> affiliations;
    for (const auto& [bare, record] : affiliations_) {
        std::string entry;
        encode_int(entry, rank(record.affiliation));
        encode_string(entry, renaming.word(record.reserved_nick));
        entry += record.reason ? '1' : '0';
        encode_string(entry, record.reason.value_or(""));
        affiliations.emplace_back(renaming.jid(bare.str()), std::move(entry));
    }
    if (!renaming.empty()) std::sort(affiliations.begin(), affiliations.end());
    for (const auto& [bare, entry] : affiliations) {
        encode_string(out, bare);
        out += entry;
    }
    encode_int(out, static_cast<std::int64_t>(occupants_.size()));
    for (const Occupant& o : occupants_) {  // join order is state: kept
        encode_string(out, renaming.word(o.nick));
        encode_jid(out, o.bare_jid.str(), renaming);
        encode_int(out, rank(o.role));
        encode_int(out, static_cast<std::int64_t>(o.sessions.size()));
        for (const Session& s : o.sessions) {
            encode_jid(out, s.jid.str(), renaming);
            encode_element(out, s.presence, renaming);
        }
    }
    encode_string(out, subject_.text);
    encode_string(out, renaming.word(subject_.setter_nick));
    out += subject_.ever_changed ? '1' : '0';
    encode_int(out, subject_.changed_ms);
    encode_int(out, static_cast<std::int64_t>(history_.size()));
    for (const HistoryEntry& entry : history_) {
        encode_element(out, entry.message, renaming);
        encode_int(out, entry.stamp_s);
    }
    encode_int(out, locked_until_ms_.value_or(-1));
    out += '}';
}

void Room::check_invariants() const {
    assert(occupants_.size() <= occupants_max);
    assert(affiliations_.size() <= affiliations_max);
    assert(config_.history_length >= 0 && config_.history_length <= history_max);
    assert(history_.size() <= static_cast<std::size_t>(history_max));
    assert(!destroyed_ || occupants_.empty());
    std::size_t sessions = 0;
    std::vector<std::string_view> nicks;  // cheap enough to run after every stanza
    nicks.reserve(occupants_.size());
    for (const Occupant& o : occupants_) {
        assert(!o.nick.empty() && "every occupant has a nick");
        nicks.push_back(o.nick);
        assert(o.role != Role::none && "occupants in the room have a role");
        assert(!o.sessions.empty() && o.sessions.size() <= sessions_per_occupant_max);
        for (const Session& s : o.sessions) {
            assert(s.jid.bare_view() == o.bare_jid.str() && "all sessions of an occupant share its bare JID");
            assert(s.presence.attribute("type") != "unavailable" && "only live sessions are kept");
            auto it = nick_by_session_.find(s.jid);
            assert(it != nick_by_session_.end() && it->second == o.nick &&
                   "every occupant session is in the session index");
            (void)it;
            ++sessions;
        }
    }
    std::sort(nicks.begin(), nicks.end());
    assert(std::adjacent_find(nicks.begin(), nicks.end()) == nicks.end() && "nicks are unique");
    assert(nick_by_session_.size() == sessions && "the session index names only occupant sessions");
    for (const auto& [bare, record] : affiliations_) {
        assert(bare.is_bare() && record.affiliation != Affiliation::none);
        (void)bare;
        (void)record;
    }
    (void)sessions;
}

}  // namespace mucsim::model
