// Messages: groupchat, subject, history, private messages, mediated
// invitations and declines, voice requests, iqs between occupants
// (prosody-muc.md §5).
#include <cassert>

#include "model/muc_service.hpp"
#include "model/namespaces.hpp"
#include "model/room.hpp"

namespace mucsim::model {

namespace {

constexpr std::string_view not_connected = "You are not currently connected to this chat";
constexpr std::string_view hints_ns = "urn:xmpp:hints";
constexpr std::string_view legacy_delay_ns = "jabber:x:delay";
constexpr std::string_view eme_ns = "urn:xmpp:eme:0";
constexpr std::string_view chat_markers_ns = "urn:xmpp:chat-markers:0";

const Element* first_child_element(const Element& element) {
    for (const Node& node : element.children) {
        if (node.is_element()) return &node.element();
    }
    return nullptr;
}

// Is this message kept in the history (§5.1)?
bool is_historic(const Element& message) {
    if (message.child("no-store", hints_ns) || message.child("no-permanent-store", hints_ns)) return false;
    if (message.child("store", hints_ns)) return true;
    if (message.child("body", ns::client)) return true;
    if (message.child("encryption", eme_ns)) return true;
    for (const Element* child : message.elements()) {
        if (child->ns == chat_markers_ns) return true;
    }
    return false;
}

std::string invite_text(std::string_view who, std::string_view verb, std::string_view room, std::string_view reason) {
    std::string text = std::string(who) + " " + std::string(verb) + " " + std::string(room);
    if (!reason.empty()) text += " (" + std::string(reason) + ")";
    return text;
}

FormField described_field(std::string_view var, std::string_view type, std::string_view label, std::string_view desc) {
    FormField field;
    field.var = var;
    field.type = type;
    field.label = label;
    field.desc = desc;
    return field;
}

}  // namespace

void Room::handle_message(const Inbound& in, Outbox& out) {
    if (in.to.is_full()) return handle_private_message(in, out);
    if (in.type == "groupchat") return handle_groupchat(in, out);
    if (in.type == "error") {
        if (is_kickable_error(in.element())) handle_kickable(in, out);
        return;
    }
    if (in.type.empty() || in.type == "normal") {
        if (const Element* x = in.element().child("x", ns::muc_user)) {
            const Element* payload = first_child_element(*x);
            if (payload != nullptr && payload->name == "invite" && payload->has_attribute("to")) {
                return handle_invite(in, *payload, out);
            }
            if (payload != nullptr && payload->name == "decline" && payload->has_attribute("to")) {
                return handle_decline(in, *payload, out);
            }
            return reply_error(in, StanzaError::cancel("bad-request"), out);
        }
        if (const Element* form = in.element().child("x", ns::data_forms)) {
            SubmittedForm submitted = read_form(*form);
            if (submitted.form_type() == ns::muc_request) return handle_voice_request(in, submitted, out);
        }
    }
    reply_error(in, StanzaError::cancel("service-unavailable"), out);
}

// ---------------------------------------------------------------- groupchat

void Room::handle_groupchat(const Inbound& in, Outbox& out) {
    Element message = in.element();
    if (!message.has_attribute("id")) message.set("id", in.ids->next());
    auto refuse = [&](const StanzaError& error) { out.send(error_reply(message, in.to.str(), in.from.str(), error)); };
    const Occupant* occupant = occupant_by_session(in.from);
    Role role = occupant ? occupant->role : Role::none;
    if (role == Role::none) return refuse(StanzaError::cancel("not-acceptable", not_connected));
    if (role == Role::visitor && !faults_.has(Fault::visitor_may_speak)) {
        return refuse(StanzaError::auth("forbidden", "You do not currently have permission to speak in this chat"));
    }
    if (message.child("subject", ns::client) && !message.child("body", ns::client) &&
        !message.child("thread", ns::client)) {
        return change_subject(in, message, *occupant, out);
    }
    // Delays claiming to be from the room are not the sender's to give.
    message.children.erase_if([&](const Node& n) {
        if (!n.is_element()) return false;
        const Element& e = n.element();
        bool room_delay = (e.is("delay", ns::delay) || e.is("x", legacy_delay_ns)) && e.attribute("from") == room_jid_text_;
        bool room_stanza_id = e.is("stanza-id", ns::stanza_id) && e.attribute("by") == room_jid_text_;
        return room_delay || room_stanza_id || e.ns == ns::occupant_id;
    });
    message.set("from", occupant_jid(occupant->nick));
    broadcast_message(message, in.now_ms, out);
}

void Room::change_subject(const Inbound& in, const Element& message, const Occupant& occupant, Outbox& out) {
    bool allowed = occupant.role == Role::moderator ||
                   (occupant.role == Role::participant && config_.change_subject);
    if (!allowed) {
        StanzaError error = StanzaError::auth("forbidden", "You are not allowed to change the subject");
        out.send(error_reply(message, in.to.str(), in.from.str(), error));
        return;
    }
    std::string text = message.child("subject", ns::client)->text_content();
    if (subject_.text == text && subject_.setter_nick == occupant.nick) return;  // nothing changes
    subject_ = Subject{text, occupant.nick, true, in.now_ms};
    Element announcement = make_stanza("message", occupant_jid(occupant.nick), room_jid_text_);
    announcement.set("type", "groupchat");
    announcement.append(client_element("subject", text));
    broadcast_message(announcement, in.now_ms, out);
}

void Room::broadcast_message(const Element& message, std::int64_t now_ms, Outbox& out) {
    if (is_historic(message)) add_to_history(message, now_ms);
    for (const Occupant& o : occupants_) send_to_occupant(o, message, out);
}

void Room::add_to_history(const Element& message, std::int64_t now_ms) {
    if (config_.history_length == 0) {
        history_.clear();
        return;
    }
    Element stored = message;
    stored.remove_attribute("to");
    Element delay = ns_element("delay", ns::delay);
    delay.set("from", room_jid_text_);
    delay.set("stamp", format_stamp(now_ms));
    stored.append(std::move(delay));
    history_.push_back({std::move(stored), now_ms / 1000});
    while (history_.size() > static_cast<std::size_t>(config_.history_length)) history_.erase(history_.begin());
}

// ---------------------------------------------------------------- private messages

void Room::handle_private_message(const Inbound& in, Outbox& out) {
    const Occupant* sender = occupant_by_session(in.from);
    if (sender == nullptr) {
        return reply_error(in, StanzaError::cancel("not-acceptable", not_connected, room_jid_text_), out);
    }
    if (in.type == "groupchat") return reply_error(in, StanzaError::modify("bad-request", {}, room_jid_text_), out);
    if (in.type == "error" && is_kickable_error(in.element())) return handle_kickable(in, out);
    const Occupant* recipient = occupant_by_nick(in.to.resource());
    if (recipient == nullptr) {
        return reply_error(in, StanzaError::cancel("item-not-found", "Recipient not in room", room_jid_text_), out);
    }
    if (in.type != "error") {
        if (auto refusal = private_message_refusal(*sender, *recipient)) {
            // The refusal reaches every session of the sender.
            for (const Session& s : sender->sessions) {
                out.send(error_reply(in.element(), in.to.str(), s.jid.str(), *refusal));
            }
            return;
        }
    }
    Element message = filtered_copy(in.element());
    message.append(muc_user_x());
    message.set("from", occupant_jid(sender->nick));
    send_to_occupant(*recipient, message, out);
}

std::optional<StanzaError> Room::private_message_refusal(const Occupant& sender, const Occupant& recipient) const {
    if (sender.nick == recipient.nick) return std::nullopt;
    if (config_.allow_modpm && (sender.role == Role::moderator || recipient.role == Role::moderator)) {
        return std::nullopt;
    }
    auto refuse = [&](std::string_view text) {
        return StanzaError::cancel("policy-violation", text, room_jid_text_);
    };
    switch (config_.allow_pm) {
        case PmPolicy::everyone: return std::nullopt;
        case PmPolicy::participants:
            if (rank(sender.role) >= rank(Role::participant)) return std::nullopt;
            return refuse("Private messages are restricted from guests");
        case PmPolicy::moderators:
            if (sender.role == Role::moderator) return std::nullopt;
            return refuse("Private messages are restricted from non-moderators");
        case PmPolicy::members:
            if (rank(affiliation_of(sender.bare_jid)) >= rank(Affiliation::member)) return std::nullopt;
            return refuse("Private messages are restricted from non-members");
        case PmPolicy::nobody: return refuse("Private messages are restricted in this group");
    }
    return std::nullopt;
}

// ---------------------------------------------------------------- invitations

void Room::handle_invite(const Inbound& in, const Element& invite, Outbox& out) {
    auto invitee = Jid::parse(invite.attribute("to"));
    if (!invitee) return reply_error(in, StanzaError::cancel("jid-malformed"), out);
    const Occupant* inviter = occupant_by_session(in.from);
    Affiliation inviter_affiliation = affiliation_of(in.from);
    Role role = inviter ? inviter->role : default_role_for(inviter_affiliation);
    if (rank(role) <= rank(Role::visitor)) return reply_error(in, StanzaError::auth("forbidden"), out);
    if (config_.members_only) {
        Affiliation required = config_.allow_member_invites ? Affiliation::member : Affiliation::admin;
        if (rank(inviter_affiliation) < rank(required)) return reply_error(in, StanzaError::auth("forbidden"), out);
    }
    // In semi-anonymous rooms the invitee sees the inviter's in-room JID.
    std::string from = in.from.str();
    bool mask = config_.whois == Whois::moderators &&
                default_role_for(affiliation_of(*invitee)) != Role::moderator && inviter != nullptr;
    if (mask) from = occupant_jid(inviter->nick);
    std::string reason = invite.child_text("reason");

    Element message = filtered_copy(in.element());
    message.set("from", room_jid_text_);
    message.set("to", invitee->str());
    Element& x = message.add(muc_user_x());
    Element& invite_element = x.add(ns_element("invite", ns::muc_user));
    invite_element.set("from", from);
    invite_element.append(ns_element("reason", ns::muc_user, reason));
    if (!config_.password.empty()) x.append(ns_element("password", ns::muc_user, config_.password));
    if (config_.members_only && rank(affiliation_of(*invitee)) <= rank(Affiliation::none)) {
        // The invitation is the membership.
        set_affiliation_internal(invitee->bare(), "member", "Invited by " + from, out);
    }
    if (!message.child("body", ns::client)) {
        message.append(client_element("body", invite_text(from, "invited you to the room", room_jid_text_, reason)));
    }
    Element conference = ns_element("x", ns::conference);
    conference.set("jid", room_jid_text_);
    if (!reason.empty()) conference.text(reason);
    message.append(std::move(conference));
    out.send(std::move(message));
}

void Room::handle_decline(const Inbound& in, const Element& decline, Outbox& out) const {
    auto declinee = Jid::parse(decline.attribute("to"));
    if (!declinee) return reply_error(in, StanzaError::cancel("jid-malformed"), out);
    std::string reason = decline.child_text("reason");
    Element message = filtered_copy(in.element());
    message.set("from", room_jid_text_);
    message.set("to", declinee->str());
    Element& decline_element = message.add(muc_user_x()).add(ns_element("decline", ns::muc_user));
    decline_element.set("from", in.from.str());
    decline_element.append(ns_element("reason", ns::muc_user, reason));
    if (!message.child("body", ns::client)) {
        message.append(
            client_element("body", invite_text(in.from.str(), "declined your invite to the room", room_jid_text_, reason)));
    }
    if (declinee->bare() == jid_) {
        if (const Occupant* occupant = occupant_by_nick(declinee->resource())) {
            return send_to_occupant(*occupant, message, out);
        }
    }
    out.send(std::move(message));
}

// ---------------------------------------------------------------- voice requests

void Room::handle_voice_request(const Inbound& in, const SubmittedForm& form, Outbox& out) {
    const Occupant* occupant = occupant_by_session(in.from);
    if (occupant == nullptr) return;  // only occupants ask or answer
    if (occupant->role == Role::moderator) {
        auto allow = parse_boolean(form.first_value("muc#request_allow").value_or(""));
        if (!allow || !*allow) return;
        auto requester = Jid::parse(form.first_value("muc#jid").value_or(""));
        if (!requester) return;
        const Occupant* affected = occupant_by_session(*requester);
        if (affected == nullptr || affected->role != Role::visitor) return;
        std::string nick = affected->nick;
        if (auto error = set_role(in.from, nick, "participant", std::string("Voice granted"), out)) {
            reply_error(in, *error, out);
        }
        return;
    }
    if (occupant->role != Role::visitor) return;
    Form request;
    request.title = "Voice Request";
    request.fields.push_back(hidden_field("FORM_TYPE", ns::muc_request));
    FormField jid = described_field("muc#jid", "jid-single", "User ID", "The user's JID (address)");
    jid.values = {in.from.str()};
    request.fields.push_back(jid);
    FormField nick = described_field("muc#roomnick", "text-single", "Room nickname", "The user's nickname within the room");
    nick.values = {occupant->nick};
    request.fields.push_back(nick);
    FormField role = described_field("muc#role", "list-single", "Requested role", "");
    for (Role r : {Role::none, Role::visitor, Role::participant, Role::moderator}) {
        role.options.push_back({std::string(role_name(r)), std::string(role_name(r))});
    }
    role.values = {"participant"};
    request.fields.push_back(role);
    FormField allow = described_field("muc#request_allow", "boolean", "Grant voice to this person?",
                                      "Specify whether this person is able to speak in a moderated room");
    allow.values = {"0"};
    request.fields.push_back(allow);
    Element message = make_stanza("message", room_jid_text_, room_jid_text_);
    message.set("type", "normal");
    message.append(render_form(request));
    for (const Occupant& o : occupants_) {
        if (o.role == Role::moderator) send_to_occupant(o, message, out);
    }
}

// ---------------------------------------------------------------- iq between occupants

// An iq to room/nick goes to the target's primary session under the sender's
// in-room JID; the id carries what is needed to route the answer back.
void Room::handle_iq_to_occupant(const Inbound& in, Outbox& out) const {
    const Occupant* target = occupant_by_nick(in.to.resource());
    if (in.type == "result" || in.type == "error") {
        if (target == nullptr) return;
        auto decoded = base64_decode(in.element().attribute("id"));
        if (!decoded) return;
        std::size_t first = decoded->find('\0');
        std::size_t second = first == std::string::npos ? first : decoded->find('\0', first + 1);
        if (second == std::string::npos) return;
        auto responder = Jid::parse(decoded->substr(0, first));
        std::string original_id = decoded->substr(first + 1, second - first - 1);
        std::string hash = decoded->substr(second + 1);
        if (!responder || !(in.from == *responder || in.from == responder->bare())) return;
        auto responder_nick = nick_by_session_.find(*responder);
        if (responder_nick == nick_by_session_.end()) return;
        for (const Session& s : target->sessions) {
            if (stable_hash(room_jid_text_ + '\0' + s.jid.str()) != hash) continue;
            Element answer = in.element();
            answer.set("from", occupant_jid(responder_nick->second));
            answer.set("to", s.jid.str());
            answer.set("id", original_id);
            out.send(std::move(answer));
            return;
        }
        return;
    }
    auto current = nick_by_session_.find(in.from);
    if (current == nick_by_session_.end()) {
        // XEP-0045 §6.6: "If a non-occupant attempts to send a disco request to an address
        // of the form <room@service/nick>, a MUC service MUST return a <bad-request/>
        // error"; Prosody answers not-acceptable, as it still does here for other iqs.
        const Element* request = first_child_element(in.element());
        bool disco = request != nullptr && (request->is("query", ns::disco_info) || request->is("query", ns::disco_items));
        if (disco) return reply_error(in, StanzaError::modify("bad-request", not_connected, room_jid_text_), out);
        return reply_error(in, StanzaError::cancel("not-acceptable", not_connected, room_jid_text_), out);
    }
    if (target == nullptr) {
        return reply_error(in, StanzaError::cancel("item-not-found", "Recipient not in room", room_jid_text_), out);
    }
    const Element* payload = first_child_element(in.element());
    if (target->nick == current->second && in.type == "get" && payload && payload->is("ping", ns::ping)) {
        return reply_result(in, out);  // XEP-0410 self-ping
    }
    const Jid& to = target->primary().jid;
    std::string id = std::string(in.element().attribute("id"));
    std::string packed = to.str() + '\0' + id + '\0' + stable_hash(room_jid_text_ + '\0' + in.from.str());
    Element forwarded = in.element();
    forwarded.set("from", occupant_jid(current->second));
    forwarded.set("id", base64_encode(packed));
    bool to_account = payload && (payload->ns == ns::vcard || payload->ns == "http://jabber.org/protocol/pubsub" ||
                                  payload->ns == "urn:ietf:params:xml:ns:vcard-4.0");
    forwarded.set("to", to_account ? to.bare_str() : to.str());
    out.send(std::move(forwarded));
}

}  // namespace mucsim::model
