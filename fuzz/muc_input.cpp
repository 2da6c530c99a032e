#include "fuzz/muc_input.hpp"

#include <span>
#include <string_view>

#include "model/namespaces.hpp"

namespace mucsim::fuzz {

namespace {

using model::Element;
namespace ns = model::ns;

constexpr std::string_view host = "conference.localhost";

const std::string huge_nick(1100, 'n');       // a valid JID resource, a very long nick
const std::string too_long_nick(1500, 'N');   // longer than a JID resource may be
const std::string long_text(3000, 't');

const std::string rooms[] = {"room", "lobby", "ROOM", "members", "bad room", ""};
const std::string nicks[] = {"Romeo", "Juliet", "Nurse", "romeo", " ", "\xf0\x9f\xa4\x96\xef\xb8\x8f", "\xe2\x80\x8b",
                             "a/b", "", huge_nick, too_long_nick, "\xe2\x85\xa8"};
const std::string bogus_targets[] = {
    "@conference.localhost", "room@", "room@conference.localhost/", "room@@conference.localhost",
    "room@conference.localhost/" + too_long_nick, "ro\"om@conference.localhost", "room@other.example",
    "juliet@localhost/chamber", "localhost", "room@CONFERENCE.localhost/Nick", "conference.localhost/x",
    "x@conference.localhost/Romeo", "romeo@localhost", "", "/nick", "room@conference.localhost/\xe2\x80\x8b"};
const std::string jids[] = {"romeo@localhost",     "juliet@localhost", "admin@localhost",  "romeo@localhost/balcony",
                            "localhost",           "nurse@localhost",  "bogus@@localhost", "room@conference.localhost",
                            "JULIET@LOCALHOST/x",  "", "conference.localhost", "nurse@other.example"};
const std::string texts[] = {"", "hello", " ", "&<>'\"", long_text, "\t\n", "\xc3\xbcn\xc3\xaf", "secret"};
const std::string ids[] = {"a1", "a2", "", "same"};
const std::string affiliations[] = {"owner", "admin", "member", "none", "outcast", "bogus", ""};
const std::string roles[] = {"moderator", "participant", "visitor", "none", "bogus", ""};
const std::string message_types[] = {"groupchat", "chat", "normal", "", "error", "headline", "bogus"};
const std::string presence_types[] = {"", "unavailable", "error", "probe", "subscribe", "subscribed", "bogus"};
const std::string shows[] = {"away", "chat", "dnd", "xa", "bogus", ""};
const std::string iq_types[] = {"get", "set", "result", "error", "bogus", ""};
const std::string numbers[] = {"0", "1", "5", "-1", "abc", "99999999999999999999", "", "20", "100", "101"};
const std::string stamps[] = {"2025-01-01T11:59:00Z", "garbage", "1970-01-01T00:00:00Z", "2025-01-01T12:00:00.5+01:00"};
const std::string config_vars[] = {
    "muc#roomconfig_roomname",          "muc#roomconfig_roomdesc",
    "muc#roomconfig_lang",              "muc#roomconfig_persistentroom",
    "muc#roomconfig_publicroom",        "muc#roomconfig_roomsecret",
    "muc#roomconfig_membersonly",       "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites",
    "muc#roomconfig_changesubject",     "muc#roomconfig_moderatedroom",
    "muc#roomconfig_whois",             "muc#roomconfig_historylength",
    "muc#roomconfig_defaulthistorymessages", "muc#roomconfig_presencebroadcast",
    "muc#roomconfig_allowpm",           "muc#roomconfig_enablearchiving",
    "{xmpp:prosody.im}muc#allow_modpm", "muc#roomconfig_unknown",
};
const std::string config_values[] = {"0",        "1",  "true",    "false", "",          "anyone", "moderators",
                                      "20",       "-5", "abc",     "999999", "en",       "visitor", "none",
                                      "participant", "moderator", "secret", "affiliated", "2"};
const std::string form_types[] = {"submit", "cancel", "form", "result", ""};
const std::string error_conditions[] = {"gone", "item-not-found", "recipient-unavailable", "redirect",
                                        "remote-server-not-found", "remote-server-timeout", "service-unavailable",
                                        "bad-request", "undefined-condition"};
const std::string error_types[] = {"cancel", "modify", "wait", "auth", "continue", "bogus"};
const std::string unknown_namespaces[] = {"urn:unknown", "vcard-temp", "urn:xmpp:ping", "jabber:iq:version",
                                          "http://jabber.org/protocol/commands", ""};
const std::string element_names[] = {"presence", "message", "iq", "foo", "query", "x"};
const std::string element_namespaces[] = {"jabber:client", "urn:x", "http://jabber.org/protocol/muc", ""};

enum Kind : std::uint8_t {
    join,
    leave,
    nick_change,
    presence,
    groupchat,
    subject,
    private_message,
    admin_set,
    admin_get,
    owner_get,
    owner_set,
    destroy,
    register_nick,
    invite,
    decline,
    disco,
    unknown_namespace,
    bounced_error,
    garbage,
    voice_request,
    odd_iq,
    disconnect,
    connect,
    run,
    kinds_count
};

Element client(std::string_view name) { return Element(std::string(name), std::string(ns::client)); }
Element in_ns(std::string_view name, std::string_view ns_) { return Element(std::string(name), std::string(ns_)); }

// Text as a parser would give it: no empty text node (<a></a> has no children).
Element with_text(Element e, std::string_view text) {
    if (!text.empty()) e.text(text);
    return e;
}

std::string room_jid(ByteReader& in) {
    const std::string& room = in.from(rooms);
    return room.empty() ? std::string(host) : room + "@" + std::string(host);
}

// A target: mostly well-formed, sometimes bogus.
std::string target(ByteReader& in, bool occupant) {
    std::uint8_t b = in.byte();
    if (b % 8 == 7) return in.from(bogus_targets);
    std::string room = room_jid(in);
    if (!occupant) return room;
    return room + "/" + in.from(nicks);
}

void set_to(Element& stanza, ByteReader& in, bool occupant) {
    std::string to = target(in, occupant);
    stanza.set("to", to);
}

void maybe_id(Element& stanza, ByteReader& in, bool usually) {
    std::uint8_t b = in.byte();
    bool with = usually ? b % 8 != 0 : b % 2 == 0;
    if (with) stanza.set("id", ids[(b >> 3) % std::size(ids)]);
}

void maybe_type(Element& stanza, ByteReader& in, const std::string& type) {
    if (!type.empty()) stanza.set("type", type);
    (void)in;
}

Element text_child(std::string_view name, std::string_view ns_, ByteReader& in) {
    Element e = in_ns(name, ns_);
    const std::string& text = in.from(texts);
    if (!text.empty()) e.text(text);
    return e;
}

Element data_field(std::string_view var, std::string_view value) {
    Element field = in_ns("field", ns::data_forms);
    if (!var.empty()) field.set("var", var);
    field.append(with_text(in_ns("value", ns::data_forms), value));
    return field;
}

Element form(ByteReader& in, std::string_view form_type, std::span<const std::string> vars,
             std::span<const std::string> values) {
    Element x = in_ns("x", ns::data_forms);
    const std::string& type = in.from(form_types);
    if (!type.empty()) x.set("type", type);
    std::uint8_t shape = in.byte();
    if (shape % 4 != 0) x.append(data_field("FORM_TYPE", shape % 4 == 3 ? "urn:bogus" : form_type));
    std::size_t fields = in.pick(6);
    for (std::size_t i = 0; i < fields; ++i) {
        Element field = in_ns("field", ns::data_forms);
        field.set("var", vars[in.pick(vars.size())]);
        std::size_t count = in.pick(3);
        for (std::size_t v = 0; v < count; ++v) {
            field.append(with_text(in_ns("value", ns::data_forms), values[in.pick(values.size())]));
        }
        x.append(std::move(field));
    }
    return x;
}

Element iq(ByteReader& in, std::string_view type, bool occupant, Element query) {
    Element stanza = client("iq");
    if (!type.empty()) stanza.set("type", type);
    set_to(stanza, in, occupant);
    maybe_id(stanza, in, true);
    stanza.append(std::move(query));
    return stanza;
}

Element admin_item(ByteReader& in) {
    Element item = in_ns("item", ns::muc_admin);
    std::uint8_t b = in.byte();
    if (b & 1) {
        const std::string& a = in.from(affiliations);
        if (!a.empty()) item.set("affiliation", a);
    }
    if (b & 2) {
        const std::string& r = in.from(roles);
        if (!r.empty()) item.set("role", r);
    }
    if (b & 4) item.set("jid", in.from(jids));
    if (b & 8) item.set("nick", in.from(nicks));
    if (b & 16) item.append(text_child("reason", ns::muc_admin, in));
    if (b & 32) item.append(in_ns("actor", ns::muc_admin).set("nick", in.from(nicks)));
    return item;
}

Element build_stanza(Kind kind, ByteReader& in) {
    switch (kind) {
        case join: {
            Element p = client("presence");
            set_to(p, in, true);
            std::uint8_t b = in.byte();
            if (b % 8 != 0) {
                Element x = in_ns("x", ns::muc);
                if (b & 8) x.append(with_text(in_ns("password", ns::muc), in.from(texts)));
                if (b & 16) {
                    Element history = in_ns("history", ns::muc);
                    std::uint8_t h = in.byte();
                    if (h & 1) history.set("maxstanzas", in.from(numbers));
                    if (h & 2) history.set("maxchars", in.from(numbers));
                    if (h & 4) history.set("seconds", in.from(numbers));
                    if (h & 8) history.set("since", in.from(stamps));
                    x.append(std::move(history));
                }
                p.append(std::move(x));
            }
            if (b & 32) p.append(with_text(client("show"), in.from(shows)));
            if (b & 64) p.append(text_child("status", ns::client, in));
            return p;
        }
        case leave: {
            Element p = client("presence");
            p.set("type", "unavailable");
            set_to(p, in, true);
            if (in.flag()) p.append(text_child("status", ns::client, in));
            return p;
        }
        case nick_change: {
            Element p = client("presence");
            set_to(p, in, true);
            return p;
        }
        case presence: {
            Element p = client("presence");
            maybe_type(p, in, in.from(presence_types));
            set_to(p, in, in.byte() % 4 != 0);
            maybe_id(p, in, false);
            std::uint8_t b = in.byte();
            if (b & 1) {
                const std::string& show = in.from(shows);
                if (!show.empty()) p.append(client("show").text(show));
            }
            if (b & 2) p.append(text_child("status", ns::client, in));
            if (b & 4) p.append(with_text(client("priority"), in.from(numbers)));
            if (b & 8) p.append(in_ns("x", ns::muc_user).append(in_ns("item", ns::muc_user).set("affiliation", "owner")));
            if (b & 16) p.append(in_ns("x", ns::vcard_update).append(in_ns("photo", ns::vcard_update).text("abc")));
            return p;
        }
        case groupchat: {
            Element m = client("message");
            maybe_type(m, in, in.byte() % 4 != 0 ? std::string("groupchat") : in.from(message_types));
            set_to(m, in, in.byte() % 8 == 0);
            maybe_id(m, in, true);
            std::uint8_t b = in.byte();
            if (b % 8 != 0) m.append(text_child("body", ns::client, in));
            if (b & 8) m.append(in_ns("x", ns::muc_user).append(in_ns("item", ns::muc_user).set("nick", "x")));
            if (b & 16) m.append(in_ns("delay", ns::delay).set("stamp", in.from(stamps)));
            if (b & 32) m.append(in_ns("stanza-id", ns::stanza_id).set("id", "forged").set("by", "room@conference.localhost"));
            if (b & 64) m.append(text_child("thread", ns::client, in));
            return m;
        }
        case subject: {
            Element m = client("message");
            maybe_type(m, in, in.byte() % 4 != 0 ? std::string("groupchat") : in.from(message_types));
            set_to(m, in, false);
            maybe_id(m, in, false);
            m.append(text_child("subject", ns::client, in));
            if (in.flag()) m.append(text_child("body", ns::client, in));
            return m;
        }
        case private_message: {
            Element m = client("message");
            maybe_type(m, in, in.byte() % 4 != 0 ? std::string("chat") : in.from(message_types));
            set_to(m, in, true);
            maybe_id(m, in, true);
            std::uint8_t b = in.byte();
            if (b % 4 != 0) m.append(text_child("body", ns::client, in));
            if (b & 4) m.append(in_ns("x", ns::muc_user));
            return m;
        }
        case admin_set: {
            Element query = in_ns("query", ns::muc_admin);
            std::size_t items = in.pick(4);
            for (std::size_t i = 0; i < items; ++i) query.append(admin_item(in));
            return iq(in, in.byte() % 4 != 0 ? "set" : in.from(iq_types), false, std::move(query));
        }
        case admin_get: {
            Element query = in_ns("query", ns::muc_admin);
            if (in.byte() % 4 != 0) query.append(admin_item(in));
            return iq(in, in.byte() % 4 != 0 ? "get" : in.from(iq_types), false, std::move(query));
        }
        case owner_get: {
            Element query = in_ns("query", ns::muc_owner);
            return iq(in, in.byte() % 4 != 0 ? "get" : in.from(iq_types), false, std::move(query));
        }
        case owner_set: {
            Element query = in_ns("query", ns::muc_owner);
            if (in.byte() % 8 != 0) query.append(form(in, ns::muc_roomconfig, config_vars, config_values));
            return iq(in, in.byte() % 4 != 0 ? "set" : in.from(iq_types), false, std::move(query));
        }
        case destroy: {
            Element d = in_ns("destroy", ns::muc_owner);
            std::uint8_t b = in.byte();
            if (b & 1) d.set("jid", in.from(jids));
            if (b & 2) d.append(text_child("reason", ns::muc_owner, in));
            if (b & 4) d.append(text_child("password", ns::muc_owner, in));
            Element query = in_ns("query", ns::muc_owner);
            query.append(std::move(d));
            if (b & 8) query.append(form(in, ns::muc_roomconfig, config_vars, config_values));
            return iq(in, "set", false, std::move(query));
        }
        case register_nick: {
            Element query = in_ns("query", ns::iq_register);
            std::uint8_t b = in.byte();
            static const std::string register_vars[] = {"muc#register_roomnick", "muc#register_first",
                                                        "muc#register_url", "FORM_TYPE"};
            if (b & 1) query.append(form(in, ns::muc_register, register_vars, nicks));
            if (b & 2) query.append(in_ns("remove", ns::iq_register));
            if (b & 4) query.append(text_child("username", ns::iq_register, in));
            return iq(in, b & 8 ? "get" : "set", false, std::move(query));
        }
        case invite:
        case decline: {
            Element m = client("message");
            if (in.byte() % 4 == 0) maybe_type(m, in, in.from(message_types));
            set_to(m, in, in.byte() % 8 == 0);
            maybe_id(m, in, false);
            Element x = in_ns("x", ns::muc_user);
            std::size_t count = 1 + in.pick(2);
            for (std::size_t i = 0; i < count; ++i) {
                Element e = in_ns(kind == invite ? "invite" : "decline", ns::muc_user);
                std::uint8_t b = in.byte();
                if (b % 8 != 0) e.set("to", in.from(jids));
                if (b & 8) e.append(text_child("reason", ns::muc_user, in));
                if (b & 16) e.append(in_ns("continue", ns::muc_user).set("thread", "t1"));
                x.append(std::move(e));
            }
            if (in.byte() % 4 == 0) x.append(in_ns("password", ns::muc_user).text("secret"));
            m.append(std::move(x));
            if (in.byte() % 4 == 0) m.append(in_ns("x", ns::conference).set("jid", "room@conference.localhost"));
            return m;
        }
        case disco: {
            Element query = in_ns("query", in.flag() ? ns::disco_info : ns::disco_items);
            if (in.byte() % 4 == 0) query.set("node", in.from(texts));
            std::string type = in.byte() % 4 != 0 ? "get" : in.from(iq_types);
            bool to_occupant = in.byte() % 4 == 0;
            return iq(in, type, to_occupant, std::move(query));
        }
        case unknown_namespace: {
            std::uint8_t b = in.byte();
            const std::string& uri = in.from(unknown_namespaces);
            if (b % 2 == 0) {
                return iq(in, in.from(iq_types), b & 2, in_ns(b & 4 ? "ping" : "query", uri));
            }
            Element m = client("message");
            maybe_type(m, in, in.from(message_types));
            set_to(m, in, b & 2);
            m.append(in_ns("unknown", uri.empty() ? std::string_view("urn:unknown") : std::string_view(uri)));
            return m;
        }
        case bounced_error: {
            Element stanza = client(element_names[in.pick(3)]);
            stanza.set("type", "error");
            set_to(stanza, in, in.byte() % 4 != 0);
            maybe_id(stanza, in, false);
            std::uint8_t b = in.byte();
            if (b % 8 != 0) {
                Element error = client("error");
                if (b & 8) error.set("type", in.from(error_types));
                if (b & 16) error.append(in_ns(in.from(error_conditions), ns::stanzas));
                if (b & 32) error.append(text_child("text", ns::stanzas, in));
                stanza.append(std::move(error));
            }
            if (b & 64) stanza.append(text_child("body", ns::client, in));
            return stanza;
        }
        case garbage: {
            Element stanza = in_ns(in.from(element_names), in.from(element_namespaces));
            std::size_t attributes = in.pick(5);
            static const std::string attribute_names[] = {"to", "type", "id", "from", "xml:lang", "x"};
            for (std::size_t i = 0; i < attributes; ++i) {
                const std::string& name = in.from(attribute_names);
                std::uint8_t b = in.byte();
                if (name == "to") {
                    stanza.set(name, b & 1 ? in.from(bogus_targets) : target(in, true));
                } else {
                    stanza.set(name, in.from(texts));
                }
            }
            std::size_t children = in.pick(3);
            for (std::size_t i = 0; i < children; ++i) {
                stanza.append(in_ns(in.from(element_names), in.from(element_namespaces)));
            }
            return stanza;
        }
        case voice_request: {
            Element m = client("message");
            set_to(m, in, false);
            static const std::string request_vars[] = {"muc#role", "muc#jid", "muc#roomnick", "muc#request_allow"};
            m.append(form(in, ns::muc_request, request_vars, config_values));
            return m;
        }
        case odd_iq: {
            Element stanza = client("iq");
            std::uint8_t b = in.byte();
            if (b & 1) stanza.set("type", in.from(iq_types));
            if (b & 2) stanza.set("id", in.from(ids));
            set_to(stanza, in, b & 4);
            if (b & 8) stanza.append(in_ns("query", ns::muc_admin));
            if (b & 16) stanza.append(in_ns("query", ns::muc_owner));
            return stanza;
        }
        default: break;
    }
    return client("message");
}

}  // namespace

const std::vector<std::string>& fuzz_room_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const std::string& room : rooms) {
            if (!room.empty()) out.push_back(room + "@" + std::string(host));
        }
        return out;
    }();
    return names;
}

Step read_step(ByteReader& in) {
    Step step;
    step.client = in.pick(muc_client_count);
    auto kind = static_cast<Kind>(in.pick(kinds_count));
    switch (kind) {
        case disconnect: step.kind = StepKind::disconnect; return step;
        case connect: step.kind = StepKind::connect; return step;
        case run: {
            step.kind = StepKind::run;
            std::size_t count = in.pick(16);
            for (std::size_t i = 0; i < count; ++i) step.choices.push_back(in.byte());
            return step;
        }
        default: break;
    }
    step.kind = StepKind::stanza;
    step.stanza = build_stanza(kind, in);
    return step;
}

namespace {

// Seeds are written as decisions: each number is one byte.
std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out += static_cast<char>(v);
    return out;
}

}  // namespace

std::vector<std::string> muc_seeds() {
    // Each line is one step, byte by byte in the order read_step reads them;
    // the last byte of a step (1) says "handle it now". Read back with
    // MUCSIM_FUZZ_PRINT=1 build-fuzz/fuzz/fuzz_muc SEED.
    // Romeo joins room as Romeo (creates it), then unlocks it (instant form).
    std::string create = bytes({0, join, 0, 0, 0, 1, 1,                   //
                                0, owner_set, 1, 0, 1, 0, 1, 0, 0, 1, 1});  //
    std::string juliet_joins = bytes({2, join, 0, 0, 1, 1, 1});
    std::string juliet_says_hello = bytes({2, groupchat, 1, 1, 0, 0, 1, 1, 1, 1});
    std::string juliet_pms_romeo = bytes({2, private_message, 1, 0, 0, 0, 1, 1, 1, 1});
    // Romeo makes nurse@localhost a member and juliet@localhost an admin.
    std::string affiliate = bytes({0, admin_set, 2, 5, 2, 5, 5, 1, 1, 1, 0, 0, 1, 1});
    // Romeo sets members-only on and history length 20.
    std::string configure = bytes({0, owner_set, 1, 0, 1, 2, 6, 1, 1, 11, 1, 7, 1, 0, 0, 1, 1});
    // Romeo kicks Juliet (role none).
    std::string kick = bytes({0, admin_set, 1, 10, 3, 1, 1, 0, 0, 1, 1});
    // Romeo destroys the room with a reason.
    std::string kill = bytes({0, destroy, 2, 1, 0, 0, 9, 1});
    // Both sessions of Romeo join as Romeo.
    std::string two_sessions = bytes({0, join, 0, 0, 0, 1, 1, 1, join, 0, 0, 0, 1, 1});
    return {
        create,
        create + juliet_joins + juliet_says_hello + juliet_pms_romeo,
        create + juliet_joins + affiliate + configure,
        create + juliet_joins + kick + juliet_joins,
        create + juliet_joins + juliet_says_hello + affiliate + kill,
        two_sessions + juliet_joins,
    };
}

}  // namespace mucsim::fuzz
