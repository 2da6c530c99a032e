#include "sim/server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <span>
#include <cassert>

#include "model/namespaces.hpp"

namespace mucsim::sim {

namespace {

constexpr std::size_t sessions_max = 4096;
constexpr std::size_t directed_presence_max = 1024;  // rooms one session may be in

bool is_error_or_result(const model::Element& stanza) {
    std::string_view type = stanza.attribute("type");
    return type == "error" || (stanza.name == "iq" && type == "result");
}

void append_str(std::string& out, std::string_view text) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, text.size());
    out.append(digits, end);
    out += ':';
    out += text;
}

}  // namespace

model::Element error_reply(const model::Element& original, std::string_view type, std::string_view condition,
                           std::string_view text) {
    model::Element reply(original.name, std::string(model::ns::client));
    if (original.has_attribute("to")) reply.set("from", original.attribute("to"));
    if (original.has_attribute("from")) reply.set("to", original.attribute("from"));
    if (original.has_attribute("id")) reply.set("id", original.attribute("id"));
    reply.set("type", "error");
    model::Element& error = reply.add(model::Element("error", std::string(model::ns::client)));
    error.set("type", type);
    error.append(model::Element(std::string(condition), std::string(model::ns::stanzas)));
    if (!text.empty()) error.append(model::Element("text", std::string(model::ns::stanzas)).text(text));
    return reply;
}

Server::Server(ServerConfig config) : config_(std::move(config)), muc_(config_.muc) {}

const Session* Server::find_session(ClientIndex client) const {
    for (const Session& s : sessions_) {
        if (s.client == client) return &s;
    }
    return nullptr;
}

Session* Server::find_session(ClientIndex client) {
    return const_cast<Session*>(std::as_const(*this).find_session(client));
}

const Session* Server::find_session(const model::Jid& full_jid) const {
    for (const Session& s : sessions_) {
        if (s.full_jid == full_jid) return &s;
    }
    return nullptr;
}

const Session* Server::find_session_text(std::string_view full_jid) const {
    for (const Session& s : sessions_) {
        if (s.full_jid_text == full_jid) return &s;
    }
    return nullptr;
}

void Server::bind(ClientIndex client, const model::Jid& full_jid) {
    assert(full_jid.is_full());
    assert(full_jid.domain() == config_.domain);
    assert(!find_session(client));
    assert(!find_session(full_jid) && "two sessions cannot share a full JID");
    assert(sessions_.size() < sessions_max);
    sessions_.push_back(Session{client, full_jid, full_jid.str(), false, {}});
}

std::vector<Routed> Server::unbind(ClientIndex client, std::string_view status, const model::Environment& env) {
    std::vector<Routed> out;
    auto it = std::find_if(sessions_.begin(), sessions_.end(), [&](const Session& s) { return s.client == client; });
    assert(it != sessions_.end());
    Session session = std::move(*it);
    sessions_.erase(it);
    // As Prosody's mod_presence does at unbind: unavailable to every JID that
    // had directed presence, then to the user's other resources.
    for (const std::string& target : session.directed_presence) {
        model::Element unavailable("presence", std::string(model::ns::client));
        unavailable.set("type", "unavailable").set("from", session.full_jid.str()).set("to", target);
        if (!status.empty()) unavailable.append(model::Element("status", std::string(model::ns::client)).text(status));
        unavailable.set("xml:lang", config_.lang);
        auto to = model::Jid::parse(target);
        assert(to.ok());
        route(std::move(unavailable), *to, env, out);
    }
    if (session.available) {
        model::Element unavailable("presence", std::string(model::ns::client));
        unavailable.set("type", "unavailable").set("from", session.full_jid.str());
        broadcast_own_presence(session, unavailable, out);
    }
    return out;
}

void Server::stamp(const Session& session, model::Element& stanza) const {
    stanza.set("from", session.full_jid_text);
    if (!stanza.has_attribute("xml:lang")) stanza.set("xml:lang", config_.lang);
    // XEP-0153: Prosody's vcard_legacy adds the avatar hash (none here) to
    // each available presence, unless the client sent a <photo> itself.
    if (stanza.name == "presence" && !stanza.has_attribute("type")) {
        const model::Element* update = stanza.child("x", model::ns::vcard_update);
        if (!update || !update->child("photo")) {
            stanza.remove_children("x", model::ns::vcard_update);
            stanza.append(model::Element("x", std::string(model::ns::vcard_update))
                              .append(model::Element("photo", std::string(model::ns::vcard_update))));
        }
    }
}

std::vector<Routed> Server::process(ClientIndex from, model::Element stanza, const model::Environment& env) {
    std::vector<Routed> out;
    Session* session = find_session(from);
    assert(session && "only a bound session sends stanzas");
    if (stanza.ns != model::ns::client || (stanza.name != "message" && stanza.name != "presence" && stanza.name != "iq")) {
        return out;  // not a stanza: a real server would close the stream; the simulation ignores it
    }
    stamp(*session, stanza);
    if (!stanza.has_attribute("to")) {
        if (stanza.name == "presence") {
            std::string_view type = stanza.attribute("type");
            if (type.empty() || type == "unavailable") {
                session->available = type.empty();
                broadcast_own_presence(*session, stanza, out);
            }
            return out;
        }
        answer_server(stanza, out);
        return out;
    }
    std::string original_to(stanza.attribute("to"));
    auto to = model::Jid::parse(original_to);
    if (!to) {
        if (is_error_or_result(stanza)) return out;
        model::Element reply = error_reply(stanza, "modify", "jid-malformed",
                                           fmt::format("The destination address is invalid: {}", original_to));
        out.push_back({from, std::move(reply)});
        return out;
    }
    stanza.set("to", to->str());
    if (stanza.name == "presence") track_directed_presence(*session, stanza, *to);
    route(std::move(stanza), *to, env, out);
    return out;
}

void Server::track_directed_presence(Session& session, const model::Element& presence, const model::Jid& to) {
    if (to.domain() == config_.domain && to.node().empty()) return;
    std::string_view type = presence.attribute("type");
    std::string target = to.str();
    auto& list = session.directed_presence;
    auto it = std::find(list.begin(), list.end(), target);
    if (type.empty()) {
        if (it == list.end() && list.size() < directed_presence_max) list.push_back(target);
    } else if (type == "unavailable" || type == "error") {
        if (it != list.end()) list.erase(it);
    }
}

void Server::route(model::Element stanza, const model::Jid& to, const model::Environment& env, std::vector<Routed>& out) {
    if (to.domain() == config_.muc.host) {
        route_to_muc(stanza, env, out);
        return;
    }
    if (to.domain() == config_.domain) {
        route_to_local(std::move(stanza), to, out);
        return;
    }
    // s2s is off, as in Prosody's test configuration.
    if (is_error_or_result(stanza)) return;
    std::string from(stanza.attribute("from"));
    auto sender = model::Jid::parse(from);
    if (!sender || sender->domain() != config_.domain) return;
    model::Element reply = error_reply(stanza, "cancel", "remote-server-not-found");
    route_to_local(std::move(reply), *sender, out);
}

void Server::route_to_muc(const model::Element& stanza, const model::Environment& env, std::vector<Routed>& out) {
    for (model::Element& reply : muc_.handle(stanza, env)) {
        // The MUC answers the full JIDs the server stamped: most replies go
        // straight to a session, without preparing the JID again.
        if (const Session* session = find_session_text(reply.attribute("to"))) {
            out.push_back({session->client, std::move(reply)});
            continue;
        }
        std::string to_text(reply.attribute("to"));
        auto to = model::Jid::parse(to_text);
        assert(to.ok() && "the MUC addresses what it sends");
        if (!to) continue;
        if (to->domain() == config_.domain) {
            route_to_local(std::move(reply), *to, out);
        } else {
            out.push_back({no_client, std::move(reply)});  // to another server: s2s is off
        }
    }
}

void Server::route_to_local(model::Element stanza, const model::Jid& to, std::vector<Routed>& out) {
    if (to.node().empty()) {
        answer_server(stanza, out);
        return;
    }
    if (to.is_full()) {
        if (const Session* session = find_session(to)) {
            out.push_back({session->client, std::move(stanza)});
            return;
        }
        // RFC 6121 8.5.3.2: a message to an unavailable resource is treated as
        // sent to the bare JID, except groupchat; everything else is dropped.
        if (stanza.name != "message" || stanza.attribute("type") == "groupchat") {
            out.push_back({no_client, std::move(stanza)});
            return;
        }
    }
    if (stanza.name != "message") {
        if (stanza.name == "iq" && !is_error_or_result(stanza)) {
            // The account answers for itself; nothing is implemented there.
            model::Element reply = error_reply(stanza, "cancel", "service-unavailable");
            std::string from_text(reply.attribute("to"));
            auto from = model::Jid::parse(from_text);
            if (from && from->domain() == config_.domain) {
                if (const Session* s = find_session(*from)) out.push_back({s->client, std::move(reply)});
            }
            return;
        }
        out.push_back({no_client, std::move(stanza)});
        return;
    }
    // A message to a bare JID reaches every available session (all have
    // priority 0); with none available it is dropped (no offline storage).
    bool delivered = false;
    for (const Session& s : sessions_) {
        if (s.full_jid.node() != to.node() || !s.available) continue;
        model::Element copy = stanza;
        out.push_back({s.client, std::move(copy)});
        delivered = true;
    }
    if (!delivered) out.push_back({no_client, std::move(stanza)});
}

void Server::answer_server(const model::Element& stanza, std::vector<Routed>& out) {
    if (stanza.name != "iq" || is_error_or_result(stanza)) return;
    std::string from_text(stanza.attribute("from"));
    auto from = model::Jid::parse(from_text);
    if (!from) return;
    const Session* session = find_session(*from);
    if (!session) return;
    const model::Element* ping = stanza.child("ping", model::ns::ping);
    if (ping && stanza.attribute("type") == "get") {
        model::Element result("iq", std::string(model::ns::client));
        result.set("type", "result").set("id", stanza.attribute("id")).set("to", from->str());
        result.set("from", stanza.has_attribute("to") ? stanza.attribute("to") : std::string_view(config_.domain));
        out.push_back({session->client, std::move(result)});
        return;
    }
    out.push_back({session->client, error_reply(stanza, "cancel", "service-unavailable")});
}

void Server::broadcast_own_presence(const Session& session, const model::Element& presence, std::vector<Routed>& out) {
    // Prosody sends a broadcast presence to each available resource of the
    // user, the sender included.
    for (const Session& s : sessions_) {
        if (s.full_jid.node() != session.full_jid.node() || !s.available) continue;
        model::Element copy = presence;
        copy.set("to", s.full_jid.str());
        out.push_back({s.client, std::move(copy)});
    }
}

void Server::encode(std::string& out, const model::Renaming& renaming) const {
    out += "server{";
    // In the order of the (renamed) full JIDs: the order sessions connected
    // in is not state.
    auto write = [&](std::string& to, const Session& s, std::string_view jid) {
        append_str(to, jid);
        to += s.available ? ":1:" : ":0:";
        for (const std::string& d : s.directed_presence) {
            if (renaming.empty()) {
                append_str(to, d);
            } else {
                append_str(to, renaming.jid(d));
            }
        }
        to += ';';
    };
    if (renaming.empty()) {
        std::array<const Session*, 16> on_stack{};
        std::vector<const Session*> on_heap;
        std::span<const Session*> order;
        if (sessions_.size() <= on_stack.size()) {
            order = std::span<const Session*>(on_stack.data(), sessions_.size());
        } else {
            on_heap.resize(sessions_.size());
            order = std::span<const Session*>(on_heap);
        }
        for (std::size_t i = 0; i < sessions_.size(); ++i) order[i] = &sessions_[i];
        std::sort(order.begin(), order.end(),
                  [](const Session* a, const Session* b) { return a->full_jid_text < b->full_jid_text; });
        for (const Session* s : order) write(out, *s, s->full_jid_text);
    } else {
        std::vector<std::pair<std::string, const Session*>> renamed;
        renamed.reserve(sessions_.size());
        for (const Session& s : sessions_) renamed.emplace_back(renaming.jid(s.full_jid_text), &s);
        std::sort(renamed.begin(), renamed.end());
        for (const auto& [jid, s] : renamed) write(out, *s, jid);
    }
    out += '}';
    muc_.encode(out, renaming);
}

}  // namespace mucsim::sim
