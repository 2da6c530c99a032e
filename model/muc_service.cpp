// The MUC service: addressing, room creation and removal, tombstones, and
// what the service JID itself answers (prosody-muc.md §1.2, §6.3, §7.2, §8).
#include "model/muc_service.hpp"

#include <algorithm>
#include <cassert>

#include "model/namespaces.hpp"
#include "model/stringprep.hpp"

namespace mucsim::model {

namespace {

constexpr std::string_view destroy_node = "http://prosody.im/protocol/muc#destroy";
constexpr std::string_view set_affiliation_node = "http://prosody.im/protocol/muc#set-affiliation";
constexpr std::string_view no_permission = "You don't have permission to execute this command";

struct CommandInfo {
    std::string_view node;
    std::string_view name;
};
// Sorted by node, as Prosody lists them.
constexpr CommandInfo commands[] = {
    {destroy_node, "Destroy Rooms"},
    {set_affiliation_node, "Set affiliation in room"},
};

const CommandInfo* find_command(std::string_view node) {
    for (const CommandInfo& command : commands) {
        if (command.node == node) return &command;
    }
    return nullptr;
}

const Element* first_child_element(const Element& element) {
    for (const Node& node : element.children) {
        if (node.is_element()) return &node.element();
    }
    return nullptr;
}

bool is_stanza_name(std::string_view name) { return name == "presence" || name == "message" || name == "iq"; }

Element identity(std::string_view category, std::string_view type, std::string_view name) {
    Element element = ns_element("identity", ns::disco_info);
    element.set("category", category);
    element.set("type", type);
    if (!name.empty()) element.set("name", name);
    return element;
}

Element feature(std::string_view var) {
    Element element = ns_element("feature", ns::disco_info);
    element.set("var", var);
    return element;
}

Element command_element(std::string_view node, std::string_view status, std::string_view sessionid) {
    Element command = ns_element("command", ns::commands);
    command.set("node", node);
    command.set("status", status);
    if (!sessionid.empty()) command.set("sessionid", sessionid);
    return command;
}

Element note(std::string_view type, std::string_view text) {
    Element element = ns_element("note", ns::commands);
    element.set("type", type);
    if (!text.empty()) element.text(text);
    return element;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& line : lines) {
        if (!out.empty()) out += '\n';
        out += line;
    }
    return out;
}

}  // namespace

std::string Ids::next() { return prefix_ + std::to_string(next_++); }

MucService::MucService(ServiceConfig config) : config_(std::move(config)) {
    assert(!config_.host.empty());
    for (const std::string& admin : config_.admins) {
        auto jid = Jid::parse(admin);
        if (jid) admins_.push_back(jid->bare());
    }
}

MucService::MucService(const MucService&) = default;
MucService& MucService::operator=(const MucService&) = default;
MucService::MucService(MucService&&) noexcept = default;
MucService& MucService::operator=(MucService&&) noexcept = default;
MucService::~MucService() = default;

const Room* MucService::room(const std::string& room_bare_jid) const {
    auto jid = Jid::parse(room_bare_jid);
    if (!jid || jid->domain() != config_.host || jid->node().empty()) return nullptr;
    auto it = rooms_.find(jid->node());
    return it == rooms_.end() ? nullptr : &it->second;
}

bool MucService::is_admin(const Jid& jid) const {
    Jid bare = jid.bare();
    return std::find(admins_.begin(), admins_.end(), bare) != admins_.end();
}

void MucService::reply_error(const Inbound& in, const StanzaError& error, Outbox& out) const {
    if (in.type == "error") return;
    out.send(error_reply(in.element(), in.to.str(), in.from.str(), error));
}

// ---------------------------------------------------------------- entry

// Whether `to` names this service's host, or is no JID at all. Replies go
// mostly to the prepared full JIDs of senders: those are read without
// preparing them again.
bool MucService::addressed_to_host(std::string_view to) const {
    std::size_t slash = to.find('/');
    std::string_view bare = to.substr(0, slash);
    std::size_t at = bare.find('@');
    std::string_view domain = at == std::string_view::npos ? bare : bare.substr(at + 1);
    bool plain = !domain.empty() && std::all_of(domain.begin(), domain.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    });
    if (plain && (slash == std::string_view::npos || slash + 1 < to.size())) return domain == config_.host;
    auto target = Jid::parse(to);
    return !target || target->domain() == config_.host;
}

std::vector<Element> MucService::handle(const Element& stanza, const Environment& env) {
    assert(env.ids != nullptr);
    if (!is_stanza_name(stanza.name) || (stanza.ns != ns::client && !stanza.ns.empty())) return {};
    auto from = Jid::parse(stanza.attribute("from"));
    auto to = Jid::parse(stanza.attribute("to"));
    // Without a sender there is nobody to answer; stanzas from the service's
    // own domain would only echo; those for other hosts are not ours.
    if (!from || from->domain() == config_.host) return {};
    if (!to || to->domain() != config_.host) return {};
    Inbound in{&stanza, *from, *to, std::string(stanza.attribute("type")), env.now_ms, env.ids};
    Outbox out;
    bool iq_request = stanza.name == "iq" && (in.type == "get" || in.type == "set");
    if (stanza.name == "iq" && !iq_request && in.type != "result" && in.type != "error") {
        reply_error(in, StanzaError::modify("bad-request", "Invalid IQ type"), out);
    } else if (iq_request && !stanza.has_attribute("id")) {
        reply_error(in, StanzaError::modify("bad-request", "Missing required 'id' attribute"), out);
    } else if (iq_request && stanza.element_count() != 1) {
        reply_error(in, StanzaError::modify("bad-request", "Incorrect number of children for IQ stanza"), out);
    } else if (in.to.node().empty()) {
        handle_service(in, out);
    } else {
        handle_room(in, out);
    }
    std::vector<Element> sent = out.take();
    // Nothing goes back to the service itself (e.g. a decline "to" the room).
    std::erase_if(sent, [&](const Element& e) { return addressed_to_host(e.attribute("to")); });
    return sent;
}

// ---------------------------------------------------------------- rooms

void MucService::handle_room(const Inbound& in, Outbox& out) {
    // mucsim's nick limit (room.hpp), checked before a room is created or changed.
    if (in.element().name == "presence" && in.type.empty() && in.to.resource().size() > nick_bytes_max) {
        return reply_error(in, StanzaError::modify("not-acceptable", "Nickname is too long", in.to.bare().str()), out);
    }
    if (answer_tombstone(in, out)) return;
    auto it = rooms_.find(in.to.node());
    if (it == rooms_.end()) return handle_missing_room(in, out);
    Room& room = it->second;
    room.expire_lock(in.now_ms);
    std::size_t before = room.occupants().size();
    const std::string& name = in.element().name;
    if (name == "presence") {
        room.handle_presence(in, out);
    } else if (name == "message") {
        room.handle_message(in, out);
    } else {
        room.handle_iq(in, out);
    }
    finish_room(it, before, in.now_ms);
}

// A destroyed persistent room answers `gone` until its tombstone expires;
// a component admin may recreate it sooner (§1.2).
bool MucService::answer_tombstone(const Inbound& in, Outbox& out) {
    auto it = tombstones_.find(in.to.node());
    if (it == tombstones_.end()) return false;
    bool admin_recreates = is_admin(in.from) && in.element().name == "presence" && in.type.empty();
    if (in.now_ms >= it->second.expires_ms || admin_recreates) {
        tombstones_.erase(it);
        return false;
    }
    if (in.type == "error") return true;
    const DestroyNotice& notice = it->second.notice;
    Element reply = error_reply(in.element(), in.to.str(), in.from.str(),
                                StanzaError::cancel("gone", notice.reason.value_or(""), config_.host));
    if (notice.alternate) reply.child("error")->child("gone")->text("xmpp:" + *notice.alternate + "?join");
    out.send(std::move(reply));
    return true;
}

void MucService::handle_missing_room(const Inbound& in, Outbox& out) {
    if (in.type == "error") return;
    if (!nodeprep(in.to.node(), Prep::strict)) {
        return reply_error(in, StanzaError::modify("jid-malformed", {}, config_.host), out);
    }
    const Element& stanza = in.element();
    if (stanza.name == "presence") {
        if (in.type.empty() && in.to.is_full() && stanza.child("x", ns::muc)) return create_room(in, out);
        return reply_error(in, StanzaError::cancel("item-not-found", {}, config_.host), out);
    }
    if (stanza.name == "message") return reply_error(in, StanzaError::cancel("item-not-found", {}, config_.host), out);
    if (in.type == "result") return;
    const Element* payload = first_child_element(stanza);
    assert(payload != nullptr);
    if (payload->is("vCard", ns::vcard)) return reply_error(in, StanzaError::cancel("item-not-found"), out);
    bool muc_namespace = payload->ns == ns::disco_info || payload->ns == ns::disco_items ||
                         payload->ns == ns::muc_admin || payload->ns == ns::muc_owner || payload->ns == ns::iq_register;
    if (in.to.is_full() || muc_namespace) {
        return reply_error(in, StanzaError::cancel("item-not-found", {}, config_.host), out);
    }
    reply_error(in, StanzaError::cancel("service-unavailable"), out);
}

void MucService::create_room(const Inbound& in, Outbox& out) {
    if (rooms_.size() >= rooms_max) {
        return reply_error(in, StanzaError::wait("resource-constraint", {}, config_.host), out);
    }
    Room room(in.to.bare(), config_.host, in.now_ms, in.element().attribute("xml:lang"), config_.faults);
    room.handle_first_presence(in, out);
    // A first presence refused (an invisible nick, say) creates nothing: the
    // joiner is told no, and no one owns a room nobody entered. (Prosody keeps
    // such a room, locked: docs/LIVE.md.)
    if (room.occupants().empty()) return;
    room.check_invariants();
    rooms_.emplace(in.to.node(), std::move(room));
}

void MucService::finish_room(RoomIterator it, std::size_t occupants_before, std::int64_t now_ms) {
    const Room& room = it->second;
    if (room.destroyed()) {
        if (room.config().persistent) bury(room, now_ms);
        rooms_.erase(it);
        return;
    }
    // An empty room that is not persistent goes away when its last occupant leaves.
    if (occupants_before > 0 && room.occupants().empty() && !room.config().persistent) {
        rooms_.erase(it);
        return;
    }
    room.check_invariants();
}

void MucService::bury(const Room& room, std::int64_t now_ms) {
    assert(room.destroy_notice().has_value());
    if (tombstones_.size() >= tombstones_max) {
        // Make room by forgetting the tombstone that would expire first.
        auto oldest = std::min_element(tombstones_.begin(), tombstones_.end(), [](const auto& a, const auto& b) {
            return a.second.expires_ms < b.second.expires_ms;
        });
        tombstones_.erase(oldest);
    }
    tombstones_[std::string(room.jid().node())] = Tombstone{now_ms + tombstone_ttl_ms, *room.destroy_notice()};
}

// ---------------------------------------------------------------- the service JID

void MucService::handle_service(const Inbound& in, Outbox& out) {
    const Element& stanza = in.element();
    if (stanza.name != "iq" || in.to.is_full()) {
        return reply_error(in, StanzaError::cancel("item-not-found", {}, config_.host), out);
    }
    if (in.type == "result" || in.type == "error") return;
    const Element* payload = first_child_element(stanza);
    assert(payload != nullptr);
    bool get = in.type == "get";
    if (payload->is("query", ns::disco_info) && get) return service_disco_info(in, *payload, out);
    if (payload->is("query", ns::disco_items) && get) return service_disco_items(in, *payload, out);
    if (payload->is("command", ns::commands) && !get && find_command(payload->attribute("node"))) {
        return handle_command(in, *payload, out);
    }
    if (payload->is("unique", ns::muc_unique) && get) {
        std::string name = in.ids->next();
        std::transform(name.begin(), name.end(), name.begin(), [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        });
        Element reply = iq_result(stanza, in.to.str(), in.from.str());
        reply.append(ns_element("unique", ns::muc_unique, name));
        return out.send(std::move(reply));
    }
    if (payload->is("query", ns::muc_admin) || payload->is("query", ns::muc_owner)) {
        return reply_error(in, StanzaError::cancel("item-not-found", {}, config_.host), out);
    }
    if (payload->is("vCard", ns::vcard) && get) return reply_error(in, StanzaError::cancel("item-not-found"), out);
    reply_error(in, StanzaError::cancel("service-unavailable"), out);
}

void MucService::service_disco_info(const Inbound& in, const Element& request, Outbox& out) const {
    std::string node(request.attribute("node"));
    Element reply = iq_result(in.element(), in.to.str(), in.from.str());
    Element& query = reply.add(ns_element("query", ns::disco_info));
    if (request.has_attribute("node")) query.set("node", node);
    if (node.empty()) {
        // occupant-id, MAM and vCards are not implemented, so not announced.
        query.append(identity("conference", "text", "Prosody Chatrooms"));
        for (std::string_view var : {ns::disco_info, ns::disco_items, ns::muc, ns::muc_unique, ns::commands}) {
            query.append(feature(var));
        }
    } else if (node == ns::commands) {
        query.append(identity("automation", "command-list", "Ad-Hoc Commands"));
    } else if (const CommandInfo* command = find_command(node)) {
        if (!is_admin(in.from)) {
            return reply_error(in, StanzaError::auth("forbidden", "This item is not available to you"), out);
        }
        query.append(identity("automation", "command-node", command->name));
        query.append(feature(ns::commands));
        query.append(feature(ns::data_forms));
    } else {
        return reply_error(in, StanzaError::cancel("item-not-found", "Node does not exist"), out);
    }
    out.send(std::move(reply));
}

void MucService::service_disco_items(const Inbound& in, const Element& request, Outbox& out) const {
    std::string node(request.attribute("node"));
    Element reply = iq_result(in.element(), in.to.str(), in.from.str());
    Element& query = reply.add(ns_element("query", ns::disco_items));
    if (request.has_attribute("node")) query.set("node", node);
    if (node.empty()) {
        for (const auto& [room_node, room] : rooms_) {
            if (!room.config().public_room) continue;
            Element& item = query.add(ns_element("item", ns::disco_items));
            item.set("jid", room.jid().str());
            if (!room.config().name.empty()) item.set("name", room.config().name);
        }
    } else if (node == ns::commands) {
        for (const CommandInfo& command : commands) {
            if (!is_admin(in.from)) break;
            Element& item = query.add(ns_element("item", ns::disco_items));
            item.set("name", command.name);
            item.set("node", command.node);
            item.set("jid", config_.host);
        }
    } else {
        return reply_error(in, StanzaError::cancel("item-not-found", "Node does not exist"), out);
    }
    out.send(std::move(reply));
}

// ---------------------------------------------------------------- ad-hoc commands

void MucService::handle_command(const Inbound& in, const Element& command, Outbox& out) {
    std::string_view node = command.attribute("node");
    assert(find_command(node) != nullptr);
    if (!is_admin(in.from)) {
        Element reply = error_reply(in.element(), in.to.str(), in.from.str(), StanzaError::auth("forbidden", no_permission));
        Element canceled = command_element(node, "canceled", {});
        canceled.append(note("error", no_permission));
        reply.append(std::move(canceled));
        return out.send(std::move(reply));
    }
    std::string sessionid(command.attribute("sessionid"));
    if (sessionid.empty()) sessionid = in.ids->next();
    Element reply = iq_result(in.element(), in.to.str(), in.from.str());
    const Element* form = command.child("x", ns::data_forms);
    if (command.attribute("action") == "cancel") {
        reply.append(command_element(node, "canceled", sessionid));
    } else if (form == nullptr) {
        Element executing = command_element(node, "executing", sessionid);
        Element& actions = executing.add(ns_element("actions", ns::commands));
        actions.set("execute", "complete");
        actions.append(ns_element("next", ns::commands));
        actions.append(ns_element("complete", ns::commands));
        executing.append(command_form(node));
        reply.append(std::move(executing));
    } else {
        SubmittedForm submitted = read_form(*form);
        Element result = node == destroy_node ? destroy_command(in, submitted, out)
                                              : set_affiliation_command(in, submitted, out);
        result.set("sessionid", sessionid);
        reply.append(std::move(result));
    }
    out.send(std::move(reply));
}

Element MucService::command_form(std::string_view node) const {
    Form form;
    if (node == destroy_node) {
        form.title = "Destroy rooms";
        form.instructions = "Select the rooms to destroy";
        form.fields.push_back(hidden_field("FORM_TYPE", destroy_node));
        FormField rooms;
        rooms.var = "rooms";
        rooms.type = "list-multi";
        rooms.label = "Rooms to destroy:";
        rooms.required = true;
        for (const auto& [room_node, room] : rooms_) rooms.options.push_back({room.jid().str(), room.jid().str()});
        form.fields.push_back(rooms);
        return render_form(form);
    }
    form.title = "Set affiliation";
    form.fields.push_back(hidden_field("FORM_TYPE", set_affiliation_node));
    for (auto [var, label] : {std::pair<std::string_view, std::string_view>{"room", "Room"}, {"jid", "JID"}}) {
        FormField field;
        field.var = var;
        field.type = "jid-single";
        field.label = label;
        field.required = true;
        form.fields.push_back(field);
    }
    FormField affiliation;
    affiliation.var = "affiliation";
    affiliation.type = "list-single";
    affiliation.label = "Affiliation";
    affiliation.required = true;
    for (std::string_view option : {"owner", "admin", "member", "none", "outcast"}) {
        affiliation.options.push_back({std::string(option), std::string(option)});
    }
    form.fields.push_back(affiliation);
    form.fields.push_back(text_field("reason", "", std::nullopt));
    return render_form(form);
}

// Destroys each listed room that exists, in the order given.
Element MucService::destroy_command(const Inbound& in, const SubmittedForm& form, Outbox& out) {
    const SubmittedField* field = form.field("rooms");
    if (field == nullptr || field->values.empty()) {
        Element completed = command_element(destroy_node, "completed", {});
        completed.append(note("error", "rooms: Required value missing"));
        return completed;
    }
    std::vector<std::string> destroyed;
    for (const std::string& value : field->values) {
        auto jid = Jid::parse(value);
        if (!jid || jid->domain() != config_.host || jid->node().empty()) continue;
        auto it = rooms_.find(jid->node());
        if (it == rooms_.end()) continue;
        it->second.destroy(DestroyNotice{}, std::nullopt, out);
        destroyed.push_back(it->second.jid().str());
        if (it->second.config().persistent) bury(it->second, in.now_ms);
        rooms_.erase(it);
    }
    Element completed = command_element(destroy_node, "completed", {});
    completed.append(note("info", "The following rooms were destroyed:\n" + join_lines(destroyed)));
    return completed;
}

Element MucService::set_affiliation_command(const Inbound& in, const SubmittedForm& form, Outbox& out) {
    std::vector<std::string> errors;
    auto read_jid = [&](std::string_view var) -> std::optional<Jid> {
        std::string text = form.first_value(var).value_or("");
        if (text.empty()) {
            errors.push_back(std::string(var) + ": Required value missing");
            return std::nullopt;
        }
        auto jid = Jid::parse(text);
        if (!jid) errors.push_back(std::string(var) + ": Invalid JID: " + text);
        return jid ? std::optional<Jid>(*jid) : std::nullopt;
    };
    std::optional<Jid> room_jid = read_jid("room");
    std::optional<Jid> user_jid = read_jid("jid");
    std::string affiliation = form.first_value("affiliation").value_or("");
    if (affiliation.empty()) errors.push_back("affiliation: Required value missing");
    if (!errors.empty()) {
        Element completed = command_element(set_affiliation_node, "completed", {});
        completed.append(note("error", join_lines(errors)));
        return completed;
    }
    auto it = room_jid->domain() == config_.host ? rooms_.find(room_jid->node()) : rooms_.end();
    if (it == rooms_.end()) {
        Element canceled = command_element(set_affiliation_node, "canceled", {});
        canceled.append(note("error", "No such room"));
        return canceled;
    }
    std::optional<std::string> reason = form.first_value("reason");
    std::size_t before = it->second.occupants().size();
    auto error = it->second.set_affiliation_internal(*user_jid, affiliation, reason, out);
    finish_room(it, before, in.now_ms);
    if (error) {
        Element canceled = command_element(set_affiliation_node, "canceled", {});
        canceled.append(note("error", "Affiliation change failed: " + error->type + ":" + error->condition));
        return canceled;
    }
    Element completed = command_element(set_affiliation_node, "completed", {});
    completed.append(note("info", "Affiliation updated"));
    return completed;
}

// ---------------------------------------------------------------- encoding

void MucService::encode(std::string& out, const Renaming& renaming) const {
    out += "muc{";
    encode_string(out, config_.host);
    encode_int(out, static_cast<std::int64_t>(rooms_.size()));
    for (const auto& [node, room] : rooms_) room.encode(out, renaming);
    encode_int(out, static_cast<std::int64_t>(tombstones_.size()));
    for (const auto& [node, tombstone] : tombstones_) {
        encode_string(out, node);
        encode_int(out, tombstone.expires_ms);
        encode_string(out, tombstone.notice.alternate.value_or(""));
        out += tombstone.notice.alternate ? '1' : '0';
        encode_string(out, tombstone.notice.reason.value_or(""));
        out += tombstone.notice.reason ? '1' : '0';
    }
    out += '}';
}

}  // namespace mucsim::model
