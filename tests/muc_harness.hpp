#pragma once
// Drives the MUC service directly with stanzas written as XML, the way the
// user's server would hand them over (from stamped, to prepared).

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "model/muc_service.hpp"
#include "model/namespaces.hpp"
#include "model/xml.hpp"

namespace mucsim::test {

using model::Element;

inline constexpr std::int64_t new_year_ms = 1735732800000;  // 2025-01-01T12:00:00Z

inline Element xml(std::string_view text) {
    model::ParseOptions options;
    options.default_ns = std::string(model::ns::client);
    auto parsed = model::parse_xml(text, options);
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message));
    return *parsed;
}

inline std::string str(const Element& stanza) { return model::stanza_to_string(stanza); }

// The status codes inside a stanza's muc#user <x>, in order.
inline std::vector<int> statuses(const Element& stanza) {
    std::vector<int> codes;
    const Element* x = stanza.child("x", model::ns::muc_user);
    if (x == nullptr) return codes;
    for (const Element* status : x->elements("status")) codes.push_back(std::stoi(std::string(status->attribute("code"))));
    return codes;
}

inline const Element* item_of(const Element& stanza) {
    const Element* x = stanza.child("x", model::ns::muc_user);
    return x ? x->child("item", model::ns::muc_user) : nullptr;
}

inline std::string error_condition(const Element& stanza) {
    const Element* error = stanza.child("error");
    if (error == nullptr) return "";
    for (const Element* child : error->elements()) {
        if (child->name != "text") return std::string(error->attribute("type")) + "/" + child->name;
    }
    return "?";
}

struct Harness {
    model::MucService service;
    model::Ids ids{"id"};
    std::int64_t now_ms = new_year_ms;

    std::vector<Element> send(const Element& stanza) {
        model::Environment env{now_ms, &ids};
        return service.handle(stanza, env);
    }
    std::vector<Element> send(std::string_view text) { return send(xml(text)); }

    std::string encoded() const {
        std::string out;
        service.encode(out);
        return out;
    }

    std::vector<Element> join(std::string_view user, std::string_view room_nick, std::string_view extra = {}) {
        return send("<presence from='" + std::string(user) + "' to='" + std::string(room_nick) +
                    "' xml:lang='en'><x xmlns='http://jabber.org/protocol/muc'>" + std::string(extra) +
                    "</x></presence>");
    }

    std::vector<Element> configure(std::string_view owner, std::string_view room, std::string_view fields) {
        return send("<iq type='set' id='config' from='" + std::string(owner) + "' to='" + std::string(room) +
                    "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
                    "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>" +
                    std::string(fields) + "</x></query></iq>");
    }

    // Creates `room` with `owner` as Romeo and unlocks it with the instant form.
    void instant_room(std::string_view owner = "romeo@localhost/pda", std::string_view room = "room@conference.localhost",
                      std::string_view nick = "Romeo") {
        auto created = join(owner, std::string(room) + "/" + std::string(nick));
        REQUIRE(created.size() == 2);
        auto unlocked = send("<iq type='set' id='instant' from='" + std::string(owner) + "' to='" + std::string(room) +
                             "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                             "<x xmlns='jabber:x:data' type='submit'/></query></iq>");
        REQUIRE(unlocked.size() == 1);
        REQUIRE(unlocked[0].attribute("type") == "result");
    }

    std::vector<Element> set_affiliation(std::string_view actor, std::string_view jid, std::string_view affiliation,
                                         std::string_view room = "room@conference.localhost") {
        return send("<iq type='set' id='aff' from='" + std::string(actor) + "' to='" + std::string(room) +
                    "'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='" +
                    std::string(affiliation) + "' jid='" + std::string(jid) + "'/></query></iq>");
    }
};

// The stanzas addressed to `to`, in order.
inline std::vector<Element> to(const std::vector<Element>& stanzas, std::string_view jid) {
    std::vector<Element> out;
    for (const Element& s : stanzas) {
        if (s.attribute("to") == jid) out.push_back(s);
    }
    return out;
}

// "name from→to [type]" lines: order and addressing at a glance.
inline std::vector<std::string> routes(const std::vector<Element>& stanzas) {
    std::vector<std::string> out;
    for (const Element& s : stanzas) {
        std::string line = s.name + " " + std::string(s.attribute("from")) + " -> " + std::string(s.attribute("to"));
        if (s.has_attribute("type")) line += " " + std::string(s.attribute("type"));
        out.push_back(line);
    }
    return out;
}

}  // namespace mucsim::test
