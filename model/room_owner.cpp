// muc#owner: the configuration form, its submission and its effects, and
// destruction by an owner (prosody-muc.md §4, §7.1).
#include <algorithm>
#include <cassert>
#include <set>

#include "model/namespaces.hpp"
#include "model/room.hpp"

namespace mucsim::model {

namespace {

constexpr std::string_view only_owners = "Only owners can configure rooms";
constexpr std::string_view allow_member_invites_var = "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites";
constexpr std::string_view allow_modpm_var = "{xmpp:prosody.im}muc#allow_modpm";

const Element* first_child_element(const Element& element) {
    for (const Node& node : element.children) {
        if (node.is_element()) return &node.element();
    }
    return nullptr;
}

struct PmOption {
    PmPolicy policy;
    std::string_view value;
    std::string_view label;
};
constexpr PmOption pm_options[] = {
    {PmPolicy::everyone, "visitor", "Everyone"},   {PmPolicy::participants, "participant", "Participants"},
    {PmPolicy::moderators, "moderator", "Moderators"}, {PmPolicy::members, "affiliated", "Members"},
    {PmPolicy::nobody, "none", "No one"},
};

std::string_view pm_value(PmPolicy policy) {
    for (const PmOption& option : pm_options) {
        if (option.policy == policy) return option.value;
    }
    assert(false && "unknown PM policy");
    return "visitor";
}

FormField described(FormField field, std::string_view desc) {
    field.desc = desc;
    return field;
}

// Booleans Prosody keeps as "absent when off" render with no value then.
std::optional<bool> on_or_absent(bool value) { return value ? std::optional<bool>(true) : std::nullopt; }

FormField list_field(std::string_view var, std::string_view type, std::string_view label) {
    FormField field;
    field.var = var;
    field.type = type;
    field.label = label;
    return field;
}

}  // namespace

// ---------------------------------------------------------------- get

void Room::handle_owner_get(const Inbound& in, Outbox& out) const {
    if (affiliation_of(in.from) != Affiliation::owner) {
        return reply_error(in, StanzaError::auth("forbidden", only_owners), out);
    }
    Element reply = iq_result(in.element(), in.to.str(), in.from.str());
    reply.add(ns_element("query", ns::muc_owner)).append(config_form());
    out.send(std::move(reply));
}

Element Room::config_form() const {
    const RoomConfig& c = config_;
    Form form;
    form.title = "Configuration for " + room_jid_text_;
    form.instructions = "Complete and submit this form to configure the room.";
    auto& f = form.fields;
    f.push_back(hidden_field("FORM_TYPE", ns::muc_roomconfig));
    f.push_back(fixed_field("Room information"));
    f.push_back(text_field("muc#roomconfig_roomname", "Title",
                           c.name.empty() ? std::nullopt : std::optional<std::string_view>(c.name)));
    f.push_back(described(text_field("muc#roomconfig_roomdesc", "Description", c.description),
                          "A brief description of the room"));
    FormField language = described(text_field("muc#roomconfig_lang", "Language tag for room (e.g. 'en', 'de', 'fr' etc.)",
                                              c.language),
                                   "Indicate the primary language spoken in this room");
    language.datatype = "xs:language";
    f.push_back(language);
    f.push_back(described(boolean_field("muc#roomconfig_persistentroom",
                                        "Persistent (room should remain even when it is empty)", on_or_absent(c.persistent)),
                          "Rooms are automatically deleted when they are empty, unless this option is enabled"));
    f.push_back(described(boolean_field("muc#roomconfig_publicroom", "Include room information in public lists",
                                        c.public_room),
                          "Enable this to allow people to find the room"));
    f.push_back(fixed_field("Access to the room"));
    FormField secret = text_field("muc#roomconfig_roomsecret", "Password", c.password);
    secret.type = "text-private";
    f.push_back(secret);
    f.push_back(described(boolean_field("muc#roomconfig_membersonly", "Only allow members to join",
                                        on_or_absent(c.members_only)),
                          "Enable this to only allow access for room owners, admins and members"));
    f.push_back(boolean_field(allow_member_invites_var, "Allow members to invite new members",
                              on_or_absent(c.allow_member_invites)));
    f.push_back(fixed_field("Permissions in the room"));
    f.push_back(described(boolean_field("muc#roomconfig_changesubject", "Allow anyone to set the room's subject",
                                        on_or_absent(c.change_subject)),
                          "Choose whether anyone, or only moderators, may set the room's subject"));
    f.push_back(described(boolean_field("muc#roomconfig_moderatedroom", "Moderated (require permission to speak)",
                                        on_or_absent(c.moderated)),
                          "In moderated rooms occupants must be given permission to speak by a room moderator"));
    FormField whois = list_field("muc#roomconfig_whois", "list-single", "Addresses (JIDs) of room occupants may be viewed by:");
    whois.options = {{"Moderators only", "moderators"}, {"Anyone", "anyone"}};
    whois.values = {c.whois == Whois::anyone ? "anyone" : "moderators"};
    f.push_back(whois);
    f.push_back(fixed_field("Other options"));
    FormField length = described(text_field("muc#roomconfig_historylength", "Maximum number of history messages returned by room",
                                            std::to_string(c.history_length)),
                                 "Specify the maximum number of previous messages that should be sent to users when they join the room");
    length.datatype = "xs:integer";
    f.push_back(length);
    FormField defaults = described(text_field("muc#roomconfig_defaulthistorymessages",
                                              "Default number of history messages returned by room",
                                              std::to_string(c.default_history_messages)),
                                   "Specify the number of previous messages sent to new users when they join the room");
    defaults.datatype = "xs:integer";
    f.push_back(defaults);
    FormField broadcast = list_field("muc#roomconfig_presencebroadcast", "list-multi", "Only show participants with roles:");
    for (Role role : {Role::none, Role::visitor, Role::participant, Role::moderator}) {
        broadcast.options.push_back({std::string(role_name(role)), std::string(role_name(role))});
        if (c.presence_broadcast.contains(role)) broadcast.values.emplace_back(role_name(role));
    }
    f.push_back(broadcast);
    FormField pm = list_field("muc#roomconfig_allowpm", "list-single", "Allow private messages from");
    for (const PmOption& option : pm_options) pm.options.push_back({std::string(option.label), std::string(option.value)});
    pm.values = {std::string(pm_value(c.allow_pm))};
    f.push_back(pm);
    f.push_back(boolean_field(allow_modpm_var, "Always allow private messages to and from moderators", c.allow_modpm));
    f.push_back(boolean_field("muc#roomconfig_enablearchiving", "Enable archiving?", c.archiving));
    return render_form(form);
}

// ---------------------------------------------------------------- set

void Room::handle_owner_set(const Inbound& in, Outbox& out) {
    if (affiliation_of(in.from) != Affiliation::owner) {
        return reply_error(in, StanzaError::auth("forbidden", only_owners), out);
    }
    const Element* query = first_child_element(in.element());
    assert(query != nullptr);
    const Element* child = first_child_element(*query);
    if (child == nullptr) return reply_error(in, StanzaError::modify("bad-request"), out);
    if (child->name == "destroy") {
        DestroyNotice notice;
        if (child->has_attribute("jid")) notice.alternate = std::string(child->attribute("jid"));
        if (const Element* reason = child->child("reason")) notice.reason = reason->text_content();
        std::optional<std::string> password;
        if (const Element* p = child->child("password")) password = p->text_content();
        destroy(notice, password, out);
        return reply_result(in, out);
    }
    if (child->is("x", ns::data_forms)) return process_config_form(in, *child, out);
    reply_error(in, StanzaError::cancel("service-unavailable"), out);
}

void Room::process_config_form(const Inbound& in, const Element& x, Outbox& out) {
    SubmittedForm form = read_form(x);
    if (form.type == "cancel") {
        // XEP-0045 §10.1.3, Example 162: "If the room owner cancels the initial
        // configuration, the service MUST destroy the room, making sure to send unavailable
        // presence to the room owner"; Prosody answers with a result and the room stays
        // locked. As for an owner's <destroy/> (§10.9), the presences come before the result.
        // A later configuration (the room no longer locked) is cancelled by the result alone.
        if (locked()) destroy(DestroyNotice{}, std::nullopt, out);
        return reply_result(in, out);
    }
    if (form.type != "submit") return reply_error(in, StanzaError::cancel("bad-request", "Not a submitted form"), out);
    if (form.has_children && form.form_type() != ns::muc_roomconfig) {
        return reply_error(in, StanzaError::cancel("bad-request", "Form is not of type room configuration"), out);
    }
    locked_until_ms_.reset();
    std::vector<int> codes = apply_config(form, out);
    reply_result(in, out);
    if (codes.empty()) return;
    Element message = make_stanza("message", room_jid_text_, room_jid_text_);
    message.set("type", "groupchat");
    Element& status = message.add(muc_user_x());
    for (int code : codes) status.append(status_code(code));
    for (const Occupant& o : occupants_) send_to_occupant(o, message, out);
}

// Applies the submitted fields, in the form's order; only fields present
// change anything. Returns the status codes to announce, ascending.
std::vector<int> Room::apply_config(const SubmittedForm& form, Outbox& out) {
    std::set<int> codes;
    auto present = [&](std::string_view var) { return form.field(var) != nullptr; };
    auto text = [&](std::string_view var) { return form.first_value(var).value_or(""); };
    auto flag = [&](std::string_view var) { return parse_boolean(text(var)).value_or(false); };
    auto update_text = [&](std::string_view var, std::string& setting) {
        if (!present(var) || text(var) == setting) return;
        setting = text(var);
        codes.insert(104);
    };
    auto update_flag = [&](std::string_view var, bool& setting) {
        if (!present(var) || flag(var) == setting) return;
        setting = flag(var);
        codes.insert(104);
    };
    update_text("muc#roomconfig_roomname", config_.name);
    update_text("muc#roomconfig_roomdesc", config_.description);
    update_text("muc#roomconfig_lang", config_.language);
    update_flag("muc#roomconfig_persistentroom", config_.persistent);
    update_flag("muc#roomconfig_publicroom", config_.public_room);
    update_text("muc#roomconfig_roomsecret", config_.password);
    if (present("muc#roomconfig_membersonly") && set_members_only(flag("muc#roomconfig_membersonly"), out)) {
        codes.insert(104);
    }
    update_flag(allow_member_invites_var, config_.allow_member_invites);
    update_flag("muc#roomconfig_changesubject", config_.change_subject);
    update_flag("muc#roomconfig_moderatedroom", config_.moderated);
    if (present("muc#roomconfig_whois")) {
        std::string whois = text("muc#roomconfig_whois");
        Whois wanted = whois == "anyone" ? Whois::anyone : Whois::moderators;
        if ((whois == "anyone" || whois == "moderators") && wanted != config_.whois) {
            config_.whois = wanted;
            codes.insert(wanted == Whois::anyone ? 172 : 173);
        }
    }
    if (present("muc#roomconfig_historylength")) {
        // Always announced as a change; not trimmed until the next message.
        auto length = parse_integer(text("muc#roomconfig_historylength"));
        config_.history_length = static_cast<int>(std::clamp<std::int64_t>(length.value_or(20), 0, history_max));
        codes.insert(104);
    }
    if (present("muc#roomconfig_defaulthistorymessages")) {
        auto wanted = parse_integer(text("muc#roomconfig_defaulthistorymessages"));
        std::int64_t value = std::min<std::int64_t>(wanted.value_or(20), config_.history_length);
        config_.default_history_messages = static_cast<int>(std::clamp<std::int64_t>(value, 0, history_max));
    }
    if (const SubmittedField* field = form.field("muc#roomconfig_presencebroadcast")) {
        RoleSet roles{false, false, false, false};
        for (const std::string& value : field->values) {
            if (value == "none") roles.none = true;
            if (value == "visitor") roles.visitor = true;
            if (value == "participant") roles.participant = true;
            if (value == "moderator") roles.moderator = true;
        }
        if (set_presence_broadcast(roles, out)) codes.insert(104);
    }
    if (present("muc#roomconfig_allowpm")) {
        std::string value = text("muc#roomconfig_allowpm");
        for (const PmOption& option : pm_options) {
            if (option.value != value || option.policy == config_.allow_pm) continue;
            config_.allow_pm = option.policy;
            codes.insert(104);
        }
    }
    update_flag(allow_modpm_var, config_.allow_modpm);
    if (present("muc#roomconfig_enablearchiving")) {
        config_.archiving = flag("muc#roomconfig_enablearchiving");
        codes.insert(config_.archiving ? 170 : 171);
    }
    return {codes.begin(), codes.end()};
}

// Turning members-only on removes everyone without an affiliation (322).
bool Room::set_members_only(bool members_only, Outbox& out) {
    if (config_.members_only == members_only) return false;
    config_.members_only = members_only;
    if (!members_only || faults_.has(Fault::skip_members_only_kick)) return true;
    std::vector<std::pair<Occupant, Role>> removed;  // with the role each had
    for (const Occupant& o : occupants_) {
        if (rank(affiliation_of(o.bare_jid)) <= rank(Affiliation::none)) removed.emplace_back(o, o.role);
    }
    for (auto& [o, role_before] : removed) {
        o.role = Role::none;
        remove_occupant(o.nick);
    }
    XParts x;
    x.base.push_back(status_code(322));
    // XEP-0045 §10.2: the 322 goes to the removed users "as well as any
    // remaining occupants". Prosody tells only the removed users; here the
    // XEP's MUST wins (found by `mucsim check`, occupant-change-presence).
    for (const auto& [o, role_before] : removed) publicise(o, x, {}, role_before, false, out);
    return true;
}

// Occupants whose role becomes visible are announced; those whose role stops
// being visible are shown leaving to the others.
bool Room::set_presence_broadcast(RoleSet roles, Outbox& out) {
    if (config_.presence_broadcast == roles) return false;
    RoleSet old = config_.presence_broadcast;
    config_.presence_broadcast = roles;
    for (const Occupant& o : occupants_) {
        if (roles.contains(o.role) && !old.contains(o.role)) {
            publicise(o, XParts{}, {}, std::nullopt, false, out);
        } else if (old.contains(o.role) && !roles.contains(o.role)) {
            publicise(o, XParts{}, {}, std::nullopt, true, out);
        }
    }
    return true;
}

// ---------------------------------------------------------------- destroy

void Room::destroy(const DestroyNotice& notice, std::optional<std::string> password, Outbox& out) {
    XParts x;
    Element destroy_element = ns_element("destroy", ns::muc_user);
    if (notice.alternate) destroy_element.set("jid", *notice.alternate);
    if (notice.reason) destroy_element.append(ns_element("reason", ns::muc_user, *notice.reason));
    if (password) destroy_element.append(ns_element("password", ns::muc_user, *password));
    x.base.push_back(std::move(destroy_element));
    std::vector<std::pair<Occupant, Role>> removed;
    for (const Occupant& o : occupants_) removed.emplace_back(o, o.role);
    occupants_.clear();
    nick_by_session_.clear();
    // The room is empty now: each occupant hears only of itself.
    for (auto& [occupant, prev_role] : removed) {
        occupant.role = Role::none;
        publicise(occupant, x, {}, prev_role, false, out);
    }
    destroyed_ = notice;
    locked_until_ms_.reset();
}

}  // namespace mucsim::model
