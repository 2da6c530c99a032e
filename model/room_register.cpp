// Registration (jabber:iq:register, reserved nicks), service discovery on the
// room, and the routing of iqs to the room (prosody-muc.md §6, §8).
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

Element feature(std::string_view var) {
    Element element = ns_element("feature", ns::disco_info);
    element.set("var", var);
    return element;
}

Element registration_form() {
    Form form;
    form.fields.push_back(hidden_field("FORM_TYPE", ns::muc_register));
    FormField nick = text_field("muc#register_roomnick", "Nickname", std::nullopt);
    nick.required = true;
    form.fields.push_back(nick);
    return render_form(form);
}

}  // namespace

// ---------------------------------------------------------------- iq routing

void Room::handle_iq(const Inbound& in, Outbox& out) {
    if (in.to.is_full()) return handle_iq_to_occupant(in, out);
    if (in.type == "result" || in.type == "error") return;  // nothing is awaited
    const Element* payload = first_child_element(in.element());
    bool get = in.type == "get";
    bool set = in.type == "set";
    if (payload != nullptr && payload->name == "query") {
        if (payload->ns == ns::disco_info && get) return handle_disco_info(in, out);
        if (payload->ns == ns::disco_items && get) return handle_disco_items(in, out);
        if (payload->ns == ns::muc_admin && get) return handle_admin_get(in, out);
        if (payload->ns == ns::muc_admin && set) return handle_admin_set(in, out);
        if (payload->ns == ns::muc_owner && get) return handle_owner_get(in, out);
        if (payload->ns == ns::muc_owner && set) return handle_owner_set(in, out);
        if (payload->ns == ns::iq_register) return handle_register(in, out);
    }
    if (payload != nullptr && payload->is("vCard", ns::vcard)) {
        // Room vCards are not kept here: nothing to read; only owners may try to write.
        if (get) return reply_error(in, StanzaError::cancel("item-not-found"), out);
        if (affiliation_of(in.from) != Affiliation::owner) return reply_error(in, StanzaError::auth("forbidden"), out);
        return reply_error(in, StanzaError::cancel("feature-not-implemented"), out);
    }
    reply_error(in, StanzaError::cancel("service-unavailable"), out);
}

// ---------------------------------------------------------------- registration

void Room::handle_register(const Inbound& in, Outbox& out) {
    Affiliation affiliation = affiliation_of(in.from);
    if (affiliation == Affiliation::outcast) return reply_error(in, StanzaError::auth("forbidden"), out);
    if (affiliation == Affiliation::none) return reply_error(in, StanzaError::auth("registration-required"), out);
    if (in.type == "set") return handle_register_set(in, affiliation, out);
    Element reply = iq_result(in.element(), in.to.str(), in.from.str());
    Element& query = reply.add(ns_element("query", ns::iq_register));
    std::string nick = reserved_nick_of(in.from.bare());
    if (nick.empty()) {
        query.append(registration_form());
    } else {
        query.append(ns_element("registered", ns::iq_register));
        query.append(ns_element("username", ns::iq_register, nick));
    }
    out.send(std::move(reply));
}

void Room::handle_register_set(const Inbound& in, Affiliation affiliation, Outbox& out) {
    const Element* query = first_child_element(in.element());
    assert(query != nullptr);
    Jid user = in.from.bare();
    if (query->child("remove", ns::iq_register)) {
        // A member becomes unaffiliated; owners and admins only lose their nick.
        std::string_view kept = affiliation == Affiliation::member ? "none" : affiliation_name(affiliation);
        AffiliationDataChange data;
        data.mode = AffiliationDataChange::Mode::clear;
        if (auto error = set_affiliation(std::nullopt, user, kept, std::nullopt, data, out)) {
            return reply_error(in, *error, out);
        }
        return reply_result(in, out);
    }
    const Element* x = query->child("x", ns::data_forms);
    if (x == nullptr) return reply_error(in, StanzaError::modify("bad-request", "Missing dataform"), out);
    SubmittedForm form = read_form(*x);
    if (form.form_type() != ns::muc_register) return reply_error(in, StanzaError::modify("bad-request", "Error in form"), out);
    std::string wanted = form.first_value("muc#register_roomnick").value_or("");
    if (wanted.empty()) {
        return reply_error(
            in, StanzaError::modify("bad-request", "Error in form: muc#register_roomnick: Required value missing"), out);
    }
    std::optional<std::string> nick = resourceprep(wanted, Prep::strict);
    if (!nick) return reply_error(in, StanzaError::modify("bad-request", "Invalid Nickname"), out);
    if (nick->size() > nick_bytes_max) return reply_error(in, StanzaError::modify("not-acceptable", "Nickname is too long"), out);
    const Occupant* holder = occupant_by_nick(*nick);
    if (holder != nullptr && holder->bare_jid != user) return reply_error(in, StanzaError::cancel("conflict"), out);
    std::optional<Jid> owner = reserved_by(*nick);
    if (owner && *owner != user) return reply_error(in, StanzaError::cancel("conflict"), out);
    if (reserved_nick_of(user) != *nick) {
        AffiliationDataChange data;
        data.mode = AffiliationDataChange::Mode::replace;
        data.nick = nick;
        if (auto error = set_affiliation(std::nullopt, user, affiliation_name(affiliation), std::nullopt, data, out)) {
            return reply_error(in, *error, out);
        }
    }
    reply_result(in, out);
}

// ---------------------------------------------------------------- discovery

void Room::handle_disco_info(const Inbound& in, Outbox& out) const {
    const Element* request = first_child_element(in.element());
    assert(request != nullptr);
    std::string node(request->attribute("node"));
    Element reply = iq_result(in.element(), in.to.str(), in.from.str());
    Element& query = reply.add(ns_element("query", ns::disco_info));
    if (request->has_attribute("node")) query.set("node", node);
    if (node == "x-roomuser-item") {
        std::string nick = reserved_nick_of(in.from.bare());
        if (!nick.empty()) {
            Element& identity = query.add(ns_element("identity", ns::disco_info));
            identity.set("category", "conference");
            identity.set("type", "text");
            identity.set("name", nick);
        }
        return out.send(std::move(reply));
    }
    if (!node.empty()) return out.send(std::move(reply));  // no other node has anything to say

    Element& identity = query.add(ns_element("identity", ns::disco_info));
    identity.set("category", "conference");
    identity.set("type", "text");
    if (!config_.name.empty()) identity.set("name", config_.name);
    // occupant-id, MAM, stanza-id and room vCards are not implemented, so not announced.
    for (std::string_view var : {"http://jabber.org/protocol/muc", "http://jabber.org/protocol/muc#stable_id",
                                 "http://jabber.org/protocol/muc#self-ping-optimization"}) {
        query.append(feature(var));
    }
    query.append(feature(config_.members_only ? "muc_membersonly" : "muc_open"));
    query.append(feature(config_.password.empty() ? "muc_unsecured" : "muc_passwordprotected"));
    query.append(feature(config_.whois == Whois::anyone ? "muc_nonanonymous" : "muc_semianonymous"));
    query.append(feature(config_.moderated ? "muc_moderated" : "muc_unmoderated"));
    query.append(feature(config_.public_room ? "muc_public" : "muc_hidden"));
    query.append(feature(config_.persistent ? "muc_persistent" : "muc_temporary"));
    query.append(feature(ns::iq_register));
    query.append(feature(ns::muc_request));

    Form info;
    info.type = "result";
    info.fields.push_back(hidden_field("FORM_TYPE", ns::muc_roominfo));
    info.fields.push_back(text_field("muc#roominfo_occupants", "Number of occupants", std::to_string(occupants_.size())));
    info.fields.push_back(boolean_field("{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites",
                                        "Allow members to invite new members", config_.allow_member_invites));
    info.fields.push_back(boolean_field("muc#roomconfig_allowinvites", "Allow users to invite other users",
                                        !config_.members_only || config_.allow_member_invites));
    info.fields.push_back(text_field("muc#roomconfig_roomname", "Title",
                                     config_.name.empty() ? std::nullopt : std::optional<std::string_view>(config_.name)));
    info.fields.push_back(text_field("muc#roominfo_description", "Description", config_.description));
    info.fields.push_back(text_field("muc#roominfo_lang", "", config_.language));
    info.fields.push_back(boolean_field("muc#roomconfig_changesubject", "",
                                        config_.change_subject ? std::optional<bool>(true) : std::nullopt));
    query.append(render_form(info));
    out.send(std::move(reply));
}

void Room::handle_disco_items(const Inbound& in, Outbox& out) const {
    Element reply = iq_result(in.element(), in.to.str(), in.from.str());
    reply.append(ns_element("query", ns::disco_items));
    out.send(std::move(reply));
}

}  // namespace mucsim::model
