// Presence to a room: creation, joining, sessions, nick changes, leaving,
// probes, error bounces, history and subject on join (prosody-muc.md §1, §2).
#include <algorithm>
#include <cassert>

#include "model/muc_service.hpp"
#include "model/namespaces.hpp"
#include "model/room.hpp"
#include "model/stringprep.hpp"

namespace mucsim::model {

namespace {

constexpr std::string_view not_connected = "You are not currently connected to this chat";

// Prosody's `nick:find("%S")`: is there any non-whitespace character?
bool is_invisible(std::string_view nick) {
    return std::all_of(nick.begin(), nick.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    });
}

Element generated_unavailable() {
    Element presence = client_element("presence");
    presence.set("type", "unavailable");
    return presence;
}

}  // namespace

// ---------------------------------------------------------------- routing

void Room::handle_presence(const Inbound& in, Outbox& out) {
    if (!in.to.is_bare()) {
        handle_presence_to_occupant(in, std::string(in.to.resource()), out);
        return;
    }
    // Presence to the bare room JID: an occupant's goes to their nick (some
    // clients send presence updates there); anyone else's is unhandled.
    auto it = nick_by_session_.find(in.from);
    if (it == nick_by_session_.end()) {
        // XEP-0045 §7.2.1, Example 19: "If the user does not specify a room nickname ...,
        // the service MUST return a <jid-malformed/> error" (modify). Prosody answers every
        // non-occupant's presence to the bare room JID with service-unavailable, as this
        // still does for the typed ones (an available presence is the join attempt).
        if (in.type.empty()) return reply_error(in, StanzaError::modify("jid-malformed", {}, room_jid_text_), out);
        reply_error(in, StanzaError::cancel("service-unavailable"), out);
        return;
    }
    Inbound redirected = in;
    redirected.to = Jid::from_parts(jid_.node(), jid_.domain(), it->second);
    handle_presence_to_occupant(redirected, it->second, out);
}

void Room::handle_presence_to_occupant(const Inbound& in, const std::string& nick, Outbox& out) {
    if (in.type == "error") {
        handle_kickable(in, out);
    } else if (in.type.empty() || in.type == "unavailable" || in.type == "probe") {
        handle_normal_presence(in, nick, out);
    } else if (in.type != "result" && in.type != "visible" && in.type != "invisible") {
        reply_error(in, StanzaError::modify("bad-request", {}, room_jid_text_), out);
    }
}

void Room::handle_normal_presence(const Inbound& in, const std::string& nick, Outbox& out) {
    const Occupant* orig = occupant_by_session(in.from);
    bool has_muc_x = in.element().child("x", ns::muc) != nullptr;
    if (orig == nullptr && !has_muc_x && in.type.empty()) {
        reply_error(in, StanzaError::cancel("item-not-found", not_connected, room_jid_text_), out);
        return;
    }
    if (in.type == "unavailable") {
        if (orig != nullptr) leave(in, Occupant(*orig), out);
        return;
    }
    if (in.type == "probe") {
        respond_to_probe(in, nick, out);
        return;
    }
    if (orig == nullptr) {
        join(in, nick, out);
    } else if (orig->nick == nick) {
        update_presence(in, Occupant(*orig), out);
    } else {
        change_nick(in, Occupant(*orig), nick, out);
    }
}

// ---------------------------------------------------------------- checks

// Nick checks shared by joins and changes: strict prep, visibility, reservation.
std::optional<StanzaError> Room::nick_refusal(const Inbound& in, std::string_view nick) const {
    if (!resourceprep(nick, Prep::strict)) {
        return StanzaError::modify("jid-malformed", "Nickname must pass strict validation", room_jid_text_);
    }
    if (is_invisible(nick) && !faults_.has(Fault::admit_invisible_nick)) return StanzaError::modify("not-allowed", "Invisible Nicknames are forbidden", room_jid_text_);
    std::optional<Jid> owner = reserved_by(nick);
    if (owner && *owner != in.from.bare()) return StanzaError::cancel("conflict", {}, room_jid_text_);
    return std::nullopt;
}

// The join checks of §1.3, in Prosody's order.
std::optional<StanzaError> Room::join_refusal(const Inbound& in, std::string_view nick, bool creating) const {
    if (auto refusal = nick_refusal(in, nick)) return refusal;
    Affiliation affiliation = affiliation_of(in.from);
    if (config_.members_only && rank(affiliation) <= rank(Affiliation::none)) {
        return StanzaError::auth("registration-required", {}, room_jid_text_);
    }
    if (affiliation == Affiliation::outcast && !faults_.has(Fault::admit_outcast)) {
        return StanzaError::auth("forbidden", {}, room_jid_text_);
    }
    if (!config_.password.empty()) {
        const Element* muc_x = in.element().child("x", ns::muc);
        std::string given = muc_x ? muc_x->child_text("password", ns::muc) : std::string();
        if (given != config_.password) return StanzaError::auth("not-authorized", {}, room_jid_text_);
    }
    if (!creating && locked()) return StanzaError::cancel("item-not-found", {}, service_host_);
    const Occupant* holder = occupant_by_nick(nick);
    bool taken = holder != nullptr && holder->bare_jid != in.from.bare();
    if (taken && !faults_.has(Fault::ignore_nick_conflict)) return StanzaError::cancel("conflict", {}, room_jid_text_);
    if (taken) holder = nullptr;  // injected fault: the newcomer takes the nick over
    if (holder == nullptr && occupants_.size() >= occupants_max) {
        return StanzaError::wait("resource-constraint", {}, room_jid_text_);
    }
    if (holder != nullptr && holder->sessions.size() >= sessions_per_occupant_max) {
        return StanzaError::wait("resource-constraint", {}, room_jid_text_);
    }
    return std::nullopt;
}

// ---------------------------------------------------------------- creation and joining

void Room::handle_first_presence(const Inbound& in, Outbox& out) {
    assert(occupants_.empty() && affiliations_.empty());
    assert(in.type.empty() && in.to.is_full());
    const Element* muc_x = in.element().child("x", ns::muc);
    assert(muc_x != nullptr);
    config_.password = muc_x->child_text("password", ns::muc);
    affiliations_[in.from.bare()] = AffiliationRecord{Affiliation::owner, {}, std::nullopt};
    const std::string nick(in.to.resource());
    if (auto refusal = join_refusal(in, nick, true)) {
        // The room stays, empty and locked (an edge case Prosody has too).
        reply_error(in, *refusal, out);
        return;
    }
    Occupant creator{nick, in.from.bare(), default_role_for(Affiliation::owner), {}};
    creator.sessions.push_back({in.from, filtered_copy(in.element())});
    store_occupant(creator);
    XParts x;
    if (!faults_.has(Fault::missing_status_201)) x.base.push_back(status_code(201));
    if (config_.whois == Whois::anyone || faults_.has(Fault::status_100_to_everyone)) x.base.push_back(status_code(100));
    publicise(creator, x, {}, std::nullopt, false, out);
    send_history(in, out);
    send_subject(in.from, out);
}

void Room::join(const Inbound& in, const std::string& nick, Outbox& out) {
    if (auto refusal = join_refusal(in, nick, false)) {
        reply_error(in, *refusal, out);
        return;
    }
    const Occupant* existing = occupant_by_nick(nick);
    if (existing != nullptr && existing->bare_jid != in.from.bare()) {
        assert(faults_.has(Fault::ignore_nick_conflict));
        remove_occupant(nick);  // the holder silently loses the nick
        existing = nullptr;
    }
    Affiliation affiliation = affiliation_of(in.from);
    if (affiliation == Affiliation::outcast && faults_.has(Fault::admit_outcast)) affiliation = Affiliation::none;
    Occupant occupant = existing ? *existing : Occupant{nick, in.from.bare(), default_role_for(affiliation), {}};
    assert(occupant.role != Role::none && "the join checks refuse those without a role");
    occupant.sessions.push_back({in.from, filtered_copy(in.element())});
    store_occupant(occupant);
    const Jid& session = in.from;
    auto send_list = [&] {
        send_occupant_list(in.from, [&](const Occupant& o) { return o.session(session) == nullptr; }, out);
    };
    bool self_first = faults_.has(Fault::self_presence_before_others);
    if (!self_first) send_list();
    XParts x;
    x.self.emplace();
    if (config_.whois == Whois::anyone) x.self->push_back(status_code(100));
    if (faults_.has(Fault::status_100_to_everyone)) {
        x.base.push_back(status_code(100));
        x.self.reset();  // everyone gets the base codes
    }
    Outbox presences;
    publicise(*occupant_by_nick(nick), x, {}, std::nullopt, false, presences);
    for (Element& stanza : presences.take()) {
        bool to_joiner = stanza.attribute("to") == in.from.str();
        if (faults_.has(Fault::missing_status_110) && to_joiner) {
            stanza.child("x", ns::muc_user)->remove_children("status", ns::muc_user);
        }
        if (faults_.has(Fault::skip_join_broadcast) && !to_joiner) continue;
        out.send(std::move(stanza));
    }
    if (self_first) send_list();
    send_history(in, out);
    send_subject(in.from, out);
}

// Same nick: a presence update, or a re-join when it carries the muc <x> (§2.3).
void Room::update_presence(const Inbound& in, const Occupant& orig, Outbox& out) {
    if (auto refusal = nick_refusal(in, orig.nick)) {
        reply_error(in, *refusal, out);
        return;
    }
    bool rejoin = in.element().child("x", ns::muc) != nullptr;
    Occupant occupant = orig;
    occupant.session(in.from)->presence = filtered_copy(in.element());
    store_occupant(occupant);
    const Jid& session = in.from;
    if (rejoin) send_occupant_list(in.from, [&](const Occupant& o) { return o.session(session) == nullptr; }, out);
    publicise(*occupant_by_nick(orig.nick), XParts{}, {}, orig.role, false, out);
    if (rejoin) {
        send_history(in, out);
        send_subject(in.from, out);
    }
}

// ---------------------------------------------------------------- nick change

void Room::change_nick(const Inbound& in, const Occupant& orig, const std::string& nick, Outbox& out) {
    std::optional<Occupant> dest;  // a copy: the occupant list changes below
    if (const Occupant* found = occupant_by_nick(nick)) dest = *found;
    std::optional<StanzaError> refusal = nick_refusal(in, nick);
    if (!refusal && dest && dest->bare_jid != in.from.bare()) {
        if (!faults_.has(Fault::ignore_nick_conflict)) {
            refusal = StanzaError::cancel("conflict", {}, room_jid_text_);
        } else {
            remove_occupant(nick);  // injected fault: the holder silently loses the nick
            dest.reset();
        }
    }
    // A new occupant appears unless this session was the old nick's only one.
    if (!refusal && !dest && orig.sessions.size() > 1 && occupants_.size() >= occupants_max) {
        refusal = StanzaError::wait("resource-constraint", {}, room_jid_text_);
    }
    if (!refusal && dest && dest->sessions.size() >= sessions_per_occupant_max) {
        refusal = StanzaError::wait("resource-constraint", {}, room_jid_text_);
    }
    if (refusal) {
        reply_error(in, *refusal, out);
        return;
    }
    bool first_dest_session = !dest.has_value();
    bool last_orig_session = orig.sessions.size() == 1;
    std::string orig_from = occupant_jid(orig.nick);
    std::string_view affiliation = affiliation_name(affiliation_of(in.from));

    // The old nick: this session leaves it.
    Occupant old_view = orig;
    old_view.session(in.from)->presence = generated_unavailable();
    XParts old_x;
    ItemExtras old_extras{nick, std::nullopt, std::nullopt};
    if (!first_dest_session) {
        // Moving into a nick another own session already holds.
        Element notice = make_stanza("presence", occupant_jid(nick), in.from.str());
        notice.set("type", "unavailable");
        notice.append(client_element("status", "you are joining pre-existing session " + nick));
        Element& item = notice.add(muc_user_x()).add(ns_element("item", ns::muc_user));
        item.set("affiliation", affiliation);
        item.set("role", "none");
        out.send(std::move(notice));
    }
    if (first_dest_session && last_orig_session) {
        old_x.base.push_back(status_code(303));
    } else {
        // The moving session alone sees its nick change.
        remove_session(old_view, in.from);
        Element own = make_stanza("presence", orig_from, in.from.str());
        own.set("type", "unavailable");
        Element& x = own.add(muc_user_x());
        Element& item = x.add(ns_element("item", ns::muc_user));
        item.set("affiliation", affiliation);
        item.set("role", role_name(orig.role));
        item.set("jid", in.from.str());
        item.set("nick", nick);
        x.append(status_code(303));
        x.append(status_code(110));
        out.send(std::move(own));
        old_extras.nick.clear();
    }
    if (last_orig_session) {
        remove_occupant(orig.nick);
    } else {
        store_occupant(old_view);
    }
    publicise(old_view, old_x, old_extras, orig.role, false, out);

    // The new nick: the session arrives there, keeping its role.
    Occupant new_occupant = dest ? *dest : Occupant{nick, in.from.bare(), orig.role, {}};
    new_occupant.sessions.push_back({in.from, filtered_copy(in.element())});
    store_occupant(new_occupant);
    bool resync = in.element().child("x", ns::muc) != nullptr;
    const Jid& session = in.from;
    if (resync) send_occupant_list(in.from, [&](const Occupant& o) { return o.session(session) == nullptr; }, out);
    XParts new_x;
    new_x.self.emplace();
    if (faults_.has(Fault::drop_nick_change_presence)) {
        Outbox all;
        publicise(*occupant_by_nick(nick), new_x, {}, orig.role, false, all);
        keep_own_copies(all, *occupant_by_nick(nick), out);
    } else {
        publicise(*occupant_by_nick(nick), new_x, {}, orig.role, false, out);
    }
    if (!last_orig_session) {
        // Show the session the nick it left behind, still occupied.
        const Occupant* left_behind = occupant_by_nick(orig.nick);
        assert(left_behind != nullptr);
        Element presence = left_behind->primary().presence;
        presence.set("from", orig_from);
        presence.set("to", in.from.str());
        Element x = muc_user_x();
        add_items(x, *left_behind, false, {}, false);
        presence.append(std::move(x));
        out.send(std::move(presence));
    }
    if (resync) {
        send_history(in, out);
        send_subject(in.from, out);
    }
}

// ---------------------------------------------------------------- leaving

void Room::leave(const Inbound& in, const Occupant& orig, Outbox& out) {
    bool last_session = orig.sessions.size() == 1;
    if (last_session && abandons_locked_room(orig)) return destroy(DestroyNotice{}, std::nullopt, out);
    Occupant view = orig;
    if (last_session) view.role = Role::none;
    view.session(in.from)->presence = filtered_copy(in.element());
    if (last_session) {
        remove_occupant(orig.nick);
    } else {
        Occupant remaining = orig;
        remove_session(remaining, in.from);
        store_occupant(remaining);
    }
    if (faults_.has(Fault::skip_leave_broadcast)) {
        Outbox all;
        publicise(view, XParts{}, {}, orig.role, false, all);
        return keep_own_copies(all, view, out);
    }
    publicise(view, XParts{}, {}, orig.role, false, out);
}

// XEP-0045 §10.1.3 (last paragraph): "If the room owner becomes unavailable for any
// reason before submitting the form (e.g., a lost connection), ... The service MUST then
// destroy the room, sending a presence stanza of type "unavailable" from the room to the
// owner including a <destroy/> element". Prosody destroys the room silently (the owner
// gets an ordinary leave presence). A locked room admits nobody but its creator, so the
// occupant leaving it last is the owner (or was, if he gave ownership away).
bool Room::abandons_locked_room(const Occupant& leaving) const {
    return locked() && occupants_.size() == 1 && occupants_.front().nick == leaving.nick;
}

// An error from an occupant's session removes that session (§2.5).
void Room::handle_kickable(const Inbound& in, Outbox& out) {
    const Occupant* found = occupant_by_session(in.from);
    if (found == nullptr) return;
    Occupant occupant = *found;
    ErrorInfo error = read_error(in.element());
    std::string message = "Kicked: ";
    if (error.present) {
        std::string condition = error.condition;
        std::replace(condition.begin(), condition.end(), '-', ' ');
        message += condition;
    } else {
        message += "presence error";
    }
    if (error.text && config_.whois == Whois::anyone) message += ": " + *error.text;
    Element unavailable = generated_unavailable();
    unavailable.append(client_element("status", message));
    if (occupant.sessions.size() == 1 && abandons_locked_room(occupant)) {
        return destroy(DestroyNotice{}, std::nullopt, out);
    }
    if (occupant.sessions.size() == 1) {
        Role prev_role = occupant.role;
        occupant.role = Role::none;
        occupant.session(in.from)->presence = std::move(unavailable);
        remove_occupant(occupant.nick);
        XParts x;
        x.base.push_back(status_code(333));
        if (faults_.has(Fault::error_removal_333_to_self_only)) {
            x.self = x.base;
            x.base.clear();
        }
        publicise(occupant, x, {}, prev_role, false, out);
        return;
    }
    remove_session(occupant, in.from);
    store_occupant(occupant);
    publicise(occupant, XParts{}, {}, occupant.role, false, out);
}

// ---------------------------------------------------------------- probes

void Room::respond_to_probe(const Inbound& in, const std::string& nick, Outbox& out) const {
    const Occupant* prober = occupant_by_session(in.from);
    if (prober == nullptr) {
        reply_error(in, StanzaError::cancel("not-acceptable", not_connected, room_jid_text_), out);
        return;
    }
    const Occupant* probed = occupant_by_nick(nick);
    if (probed != nullptr) {
        send_to_occupant(*prober, presence_for_viewer(*probed, *prober), out);
        return;
    }
    std::optional<Jid> owner = reserved_by(nick);
    if (!owner) return;
    Element presence = make_stanza("presence", occupant_jid(nick), in.from.str());
    presence.set("type", "unavailable");
    Element& item = presence.add(muc_user_x()).add(ns_element("item", ns::muc_user));
    item.set("affiliation", affiliation_name(affiliation_of(*owner)));
    item.set("role", "none");
    item.set("nick", nick);
    if (!is_anonymous_for(in.from)) item.set("jid", owner->str());
    out.send(std::move(presence));
}

// ---------------------------------------------------------------- history and subject

// History for a joining session (§5.4), oldest first, within the <history> limits.
void Room::send_history(const Inbound& in, Outbox& out) const {
    const Element* muc_x = in.element().child("x", ns::muc);
    const Element* limits = muc_x ? muc_x->child("history", ns::muc) : nullptr;
    std::optional<std::int64_t> maxchars, maxstanzas, since_s;
    if (limits != nullptr) {
        maxchars = parse_integer(limits->attribute("maxchars"));
        maxstanzas = parse_integer(limits->attribute("maxstanzas"));
        if (limits->has_attribute("since")) since_s = parse_stamp_s(limits->attribute("since"));
        if (auto seconds = parse_integer(limits->attribute("seconds"))) {
            std::int64_t cut = in.now_ms / 1000 - *seconds;
            since_s = since_s ? std::max(*since_s, cut) : cut;
        }
    }
    if (!maxchars && !maxstanzas && !since_s) maxstanzas = config_.default_history_messages;
    std::string to = in.from.str();
    std::int64_t count = 0;
    std::int64_t chars = 0;
    for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
        if (maxchars) {
            chars += static_cast<std::int64_t>(stanza_to_string(it->message).size() + to.size());
            if (chars > *maxchars) break;
        }
        if (since_s && *since_s > it->stamp_s) break;
        if (maxstanzas && count + 1 > *maxstanzas) break;
        ++count;
    }
    for (auto it = history_.end() - count; it != history_.end(); ++it) {
        Element message = it->message;
        message.set("to", to);
        if (faults_.has(Fault::history_delay_without_from)) {
            if (Element* delay = message.child("delay", ns::delay)) delay->remove_attribute("from");
        }
        out.send(std::move(message));
    }
}

void Room::send_subject(const Jid& to, Outbox& out) const {
    if (subject_.text.empty() && faults_.has(Fault::drop_empty_subject_on_join)) return;
    std::string from = subject_.setter_nick.empty() ? room_jid_text_ : occupant_jid(subject_.setter_nick);
    Element message = make_stanza("message", from, to.str());
    message.set("type", "groupchat");
    message.append(client_element("subject", subject_.text));
    if (subject_.ever_changed) {
        Element delay = ns_element("delay", ns::delay);
        delay.set("from", room_jid_text_);
        delay.set("stamp", format_stamp(subject_.changed_ms));
        message.append(std::move(delay));
    }
    out.send(std::move(message));
}

}  // namespace mucsim::model
