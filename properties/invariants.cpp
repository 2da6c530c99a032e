#include "properties/invariants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <limits>

#include "model/jid.hpp"
#include "model/namespaces.hpp"

namespace mucsim::properties {

namespace {

using model::Element;
using traces::ClientIndex;
using traces::Event;
using traces::EventKind;
using traces::no_client;

// ------------------------------------------------------------ reading a step

ClientIndex client_of(const traces::Trace& trace, std::string_view full_jid) {
    const auto& clients = trace.clients();
    for (std::size_t i = 0; i < clients.size(); ++i) {
        if (clients[i].full_jid == full_jid) return static_cast<ClientIndex>(i);
    }
    return no_client;
}

struct Found {
    std::size_t index = 0;
    const Element* stanza = nullptr;
    explicit operator bool() const { return stanza != nullptr; }
};

template <class Pred>
std::vector<Found> emissions_to(const Event& event, std::string_view to, Pred&& pred) {
    std::vector<Found> out;
    for (std::size_t i = 0; i < event.emitted.size(); ++i) {
        const Element& s = event.emitted[i].stanza;
        if (s.attribute("to") == to && pred(s)) out.push_back({i, &s});
    }
    return out;
}

template <class Pred>
Found first_to(const Event& event, std::string_view to, Pred&& pred) {
    auto all = emissions_to(event, to, pred);
    return all.empty() ? Found{} : all.front();
}

bool from_is(const Element& s, std::string_view jid) { return prepared(s.attribute("from")) == jid; }

std::string occupant_jid(std::string_view room, std::string_view nick) { return fmt::format("{}/{}", room, nick); }

// The step's input, when it is a stanza the server processed.
const Element* input_of(const StepContext& ctx) {
    if (ctx.event.kind != EventKind::process || !ctx.event.is_stanza) return nullptr;
    return &ctx.event.stanza;
}

const Element* admin_item(const Element& input) {
    if (input.name != "iq" || input.attribute("type") != "set") return nullptr;
    const Element* query = input.child("query", model::ns::muc_admin);
    return query ? query->child("item", model::ns::muc_admin) : nullptr;
}

bool accepted(const StepContext& ctx, const Element& input) {
    const Element* response = iq_response(ctx.event, input.attribute("from"), input.attribute("id"));
    return response && response->attribute("type") == "result";
}

// ------------------------------------------------------------ building demands

Element client_element(std::string_view name) { return Element(std::string(name), std::string(model::ns::client)); }
Element user_element(std::string_view name) { return Element(std::string(name), std::string(model::ns::muc_user)); }

// <x xmlns='…muc#user'> matched loosely: its children in any order, extra
// ones allowed; the property only demands what it lists.
Element loose_user_x() {
    Element x = user_element("x");
    x.set("scansion:strict", "false");
    return x;
}

Element loose_item(std::string_view affiliation, std::string_view role) {
    Element item = user_element("item");
    item.set("scansion:strict", "false");
    if (!affiliation.empty()) item.set("affiliation", affiliation);
    if (!role.empty()) item.set("role", role);
    return item;
}

Element status(std::string_view code) { return user_element("status").set("code", code); }

Element presence_from(std::string_view from, bool unavailable) {
    Element p = client_element("presence");
    p.set("from", from);
    if (unavailable) p.set("type", "unavailable");
    return p;
}

Element stanza_error(std::string_view kind, std::string_view type, std::string_view condition) {
    Element s = client_element(kind);
    s.set("type", "error");
    s.append(client_element("error").set("type", type).append(
        Element(std::string(condition), std::string(model::ns::stanzas))));
    return s;
}

Demand demand(ClientIndex client, Element stanza) { return Demand{client, std::move(stanza), false}; }

Violation violation(const StepContext& ctx, ClientIndex client, std::string explanation) {
    Violation v;
    v.event = ctx.event.number;
    v.step = ctx.event.step;
    v.client = client;
    v.explanation = std::move(explanation);
    return v;
}

std::string name_of(const traces::Trace& trace, ClientIndex c) {
    if (c == no_client) return "(nobody)";
    return trace.clients()[static_cast<std::size_t>(c)].name;
}

std::string name_of_jid(const traces::Trace& trace, std::string_view full_jid) {
    ClientIndex c = client_of(trace, full_jid);
    return c == no_client ? std::string(full_jid) : name_of(trace, c);
}

// "Juliet (user2@localhost)" for a client's bare JID, the JID otherwise.
std::string name_of_user(const traces::Trace& trace, std::string_view bare_jid) {
    for (const traces::ClientInfo& c : trace.clients()) {
        if (bare_of(c.full_jid) == bare_jid) return fmt::format("{} ({})", c.name, bare_jid);
    }
    return std::string(bare_jid);
}

// ------------------------------------------------------------ 1. non-occupant affiliation notice

std::optional<Violation> nonoccupant_affiliation_notice(const StepContext& ctx) {
    const Element* input = input_of(ctx);
    if (!input) return std::nullopt;
    const Element* item = admin_item(*input);
    if (!item || !item->has_attribute("affiliation") || !item->has_attribute("jid")) return std::nullopt;
    auto affiliation = parse_affiliation(item->attribute("affiliation"));
    std::string room_jid = prepared(input->attribute("to"));
    const RoomView* room = ctx.before.room(room_jid);
    if (!affiliation || !room || !accepted(ctx, *input)) return std::nullopt;
    std::string target = bare_of(item->attribute("jid"));
    if (room->occupant_of_user(target) || room->affiliation_of(target) == *affiliation) return std::nullopt;
    const Element* response = iq_response(ctx.event, input->attribute("from"), input->attribute("id"));
    std::size_t response_index = emission_index(ctx.event, response);
    ClientIndex sender = client_of(ctx.trace, input->attribute("from"));
    for (const auto& [nick, occupant] : room->occupants) {
        if (!room->whois_anyone && occupant.role != Role::moderator) continue;
        for (const std::string& session : occupant.sessions) {
            Found notice = first_to(ctx.event, session, [&](const Element& s) {
                const Element* notice_item = user_item(s);
                return s.name == "message" && from_is(s, room_jid) && notice_item &&
                       bare_of(notice_item->attribute("jid")) == target &&
                       notice_item->attribute("affiliation") == affiliation_name(*affiliation);
            });
            if (notice && notice.index < response_index) continue;
            ClientIndex client = client_of(ctx.trace, session);
            Violation v = violation(
                ctx, client,
                fmt::format("{} ({} in the room) was {} told that {}, who is not in the room, is now {}{}",
                            name_of(ctx.trace, client), nick, notice ? "only after the iq result" : "not",
                            name_of_user(ctx.trace, target), affiliation_name(*affiliation),
                            room->whois_anyone ? "" : " (the room is semi-anonymous: moderators are told)"));
            Element expected = client_element("message");
            expected.set("from", room_jid);
            expected.append(loose_user_x().append(
                loose_item(affiliation_name(*affiliation), {}).set("jid", target)));
            v.demands.push_back(demand(client, std::move(expected)));
            if (client == sender && sender != no_client) {
                Element result = client_element("iq");
                result.set("type", "result").set("id", input->attribute("id"));
                v.demands.push_back(demand(client, std::move(result)));
            }
            return v;
        }
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 2. occupant change presence

struct ExpectedChange {
    const OccupantView* target = nullptr;
    Affiliation affiliation = Affiliation::none;
    Role role = Role::none;
    std::string_view removal_code;  // empty when the occupant stays
};

std::optional<ExpectedChange> expected_change(const RoomView& room, const Element& item) {
    ExpectedChange change;
    if (item.has_attribute("jid")) {
        change.target = room.occupant_of_user(bare_of(item.attribute("jid")));
    } else if (auto it = room.occupants.find(std::string(item.attribute("nick"))); it != room.occupants.end()) {
        change.target = &it->second;
    }
    if (!change.target) return std::nullopt;
    const OccupantView& t = *change.target;
    if (auto affiliation = parse_affiliation(item.attribute("affiliation"))) {
        Affiliation before = room.affiliation_of(t.bare_jid);
        if (*affiliation == before) return std::nullopt;
        change.affiliation = *affiliation;
        change.role = role_after_affiliation_change(before, *affiliation, t.role, room);
        if (change.role == Role::none) change.removal_code = *affiliation == Affiliation::outcast ? "301" : "321";
        return change;
    }
    auto role = parse_role(item.attribute("role"));
    if (!role || *role == t.role) return std::nullopt;
    change.affiliation = room.affiliation_of(t.bare_jid);
    change.role = *role;
    if (*role == Role::none) change.removal_code = "307";
    return change;
}

bool announces(const Element& s, std::string_view from, const ExpectedChange& change) {
    if (s.name != "presence" || !from_is(s, from)) return false;
    bool removed = !change.removal_code.empty();
    if ((s.attribute("type") == "unavailable") != removed) return false;
    const Element* item = user_item(s);
    if (!item || item->attribute("affiliation") != affiliation_name(change.affiliation) ||
        item->attribute("role") != role_name(change.role)) {
        return false;
    }
    return !removed || has_status(s, change.removal_code);
}

Element announcement(std::string_view from, const ExpectedChange& change) {
    bool removed = !change.removal_code.empty();
    Element x = loose_user_x();
    if (removed) x.append(status(change.removal_code));
    x.append(loose_item(affiliation_name(change.affiliation), role_name(change.role)));
    return presence_from(from, removed).append(std::move(x));
}

std::optional<Violation> occupant_change_presence(const StepContext& ctx) {
    const Element* input = input_of(ctx);
    if (!input) return std::nullopt;
    const Element* item = admin_item(*input);
    std::string room_jid = prepared(input->attribute("to"));
    const RoomView* room = ctx.before.room(room_jid);
    if (!item || !room || !accepted(ctx, *input)) return std::nullopt;
    auto change = expected_change(*room, *item);
    if (!change) return std::nullopt;
    std::string from = occupant_jid(room_jid, change->target->nick);
    for (const auto& [nick, occupant] : room->occupants) {
        bool is_target = &occupant == change->target;
        if (!is_target && !room->default_broadcast) continue;
        for (const std::string& session : occupant.sessions) {
            if (first_to(ctx.event, session, [&](const Element& s) { return announces(s, from, *change); })) continue;
            ClientIndex client = client_of(ctx.trace, session);
            Violation v = violation(
                ctx, client,
                fmt::format("{} was not shown {} as affiliation '{}' role '{}'{}", name_of(ctx.trace, client),
                            change->target->nick, affiliation_name(change->affiliation), role_name(change->role),
                            change->removal_code.empty() ? std::string()
                                                         : fmt::format(", removed with status {}", change->removal_code)));
            Element expected = announcement(from, *change);
            if (is_target) expected.child("x")->append(status("110"));
            v.demands.push_back(demand(client, std::move(expected)));
            return v;
        }
    }
    return std::nullopt;
}

// Turning members-only on removes every occupant without affiliation, with
// status 322 in the unavailable presence sent to them and to the remaining
// occupants (XEP-0045 §10.2: "MUST").
std::optional<Violation> members_only_removal(const StepContext& ctx) {
    const Element* input = input_of(ctx);
    if (!input || input->name != "iq" || input->attribute("type") != "set") return std::nullopt;
    const Element* query = input->child("query", model::ns::muc_owner);
    const Element* form = query ? query->child("x", model::ns::data_forms) : nullptr;
    std::string room_jid = prepared(input->attribute("to"));
    const RoomView* room = ctx.before.room(room_jid);
    const RoomView* after = ctx.after.room(room_jid);
    if (!form || !room || !after || room->members_only || !after->members_only) return std::nullopt;
    for (const auto& [nick, occupant] : room->occupants) {
        if (room->affiliation_of(occupant.bare_jid) != Affiliation::none) continue;
        std::string from = occupant_jid(room_jid, nick);
        for (const std::string& session : occupant.sessions) {
            Found removal = first_to(ctx.event, session, [&](const Element& s) {
                return s.name == "presence" && s.attribute("type") == "unavailable" && from_is(s, from) &&
                       has_status(s, "322");
            });
            if (removal) continue;
            ClientIndex client = client_of(ctx.trace, session);
            Violation v = violation(ctx, client,
                                    fmt::format("{} ({}), not a member, was not removed with status 322 when the "
                                                "room became members-only",
                                                name_of(ctx.trace, client), nick));
            v.demands.push_back(demand(client, presence_from(from, true).append(
                                                   loose_user_x().append(status("322")).append(
                                                       loose_item("none", "none")).append(status("110")))));
            return v;
        }
        if (!room->default_broadcast) continue;
        for (const auto& [other_nick, other] : room->occupants) {
            if (room->affiliation_of(other.bare_jid) == Affiliation::none) continue;  // removed too
            for (const std::string& session : other.sessions) {
                Found told = first_to(ctx.event, session, [&](const Element& s) {
                    return s.name == "presence" && s.attribute("type") == "unavailable" && from_is(s, from) &&
                           has_status(s, "322");
                });
                if (told) continue;
                ClientIndex client = client_of(ctx.trace, session);
                Violation v = violation(ctx, client,
                                        fmt::format("{} ({}) was not told with status 322 that {}, not a member, was "
                                                    "removed when the room became members-only",
                                                    name_of(ctx.trace, client), other_nick, nick));
                v.demands.push_back(demand(client, presence_from(from, true).append(loose_user_x().append(status("322")))));
                return v;
            }
        }
    }
    return std::nullopt;
}

std::optional<Violation> affiliation_role_change(const StepContext& ctx) {
    if (auto v = occupant_change_presence(ctx)) return v;
    return members_only_removal(ctx);
}

// ------------------------------------------------------------ 3. join

struct Join {
    std::string session;
    std::string room_jid;
    std::string nick;
    Found self;
    const RoomView* room_before = nullptr;  // null for a new room
};

// A join that the server accepted: an available presence with the MUC <x>
// from a session not yet in the room, answered with its own presence (110).
std::optional<Join> accepted_join(const StepContext& ctx) {
    const Element* input = input_of(ctx);
    if (!input || input->name != "presence" || input->has_attribute("type")) return std::nullopt;
    if (!input->child("x", model::ns::muc)) return std::nullopt;
    Join join;
    join.session = std::string(input->attribute("from"));
    join.room_jid = bare_of(input->attribute("to"));
    join.room_before = ctx.before.room(join.room_jid);
    if (join.room_before && join.room_before->occupant_of_session(join.session)) return std::nullopt;
    join.self = first_to(ctx.event, join.session, [&](const Element& s) {
        return is_own_presence(ctx.event, s) && !s.has_attribute("type") && bare_of(s.attribute("from")) == join.room_jid;
    });
    if (!join.self) return std::nullopt;
    join.nick = resource_of(join.self.stanza->attribute("from"));
    return join;
}

// The joiner's own presence as a counterexample demands it: 110, and 201 only
// for create-201 (each rule demands what it states, so that its script passes
// on a server that breaks another rule, an old one sending no 201, say).
Element self_presence_demand(const Join& join, bool with_201 = false) {
    Element x = loose_user_x();
    if (with_201 && !join.room_before) x.append(status("201"));
    x.append(status("110"));
    return presence_from(occupant_jid(join.room_jid, join.nick), false).append(std::move(x));
}

// §7.2.2: "the "self-presence" sent by the room to the new user MUST include a status code of 110".
std::optional<Violation> join_self_110(const StepContext& ctx) {
    auto join = accepted_join(ctx);
    if (!join || has_status(*join->self.stanza, "110")) return std::nullopt;
    ClientIndex joiner = client_of(ctx.trace, join->session);
    Violation v = violation(ctx, joiner, fmt::format("{} joined {} but its own presence lacks status 110",
                                                     name_of(ctx.trace, joiner), join->room_jid));
    v.demands.push_back(demand(joiner, self_presence_demand(*join)));
    return v;
}

// §10.1.1: "The initial presence stanza received by the owner from the room MUST include ... status code 201".
// Was a presence to this room refused before? Prosody keeps the room that a
// refused first presence (an invisible nick) created; the next join enters it
// and creates nothing, so it owes no 201.
bool addressed_before(const StepContext& ctx, const std::string& room_jid) {
    for (const traces::Event& e : ctx.trace.events()) {
        if (e.number >= ctx.event.number) break;
        if (e.kind == EventKind::process && e.is_stanza && e.stanza.name == "presence" &&
            bare_of(e.stanza.attribute("to")) == room_jid) {
            return true;
        }
    }
    return false;
}

std::optional<Violation> create_201(const StepContext& ctx) {
    auto join = accepted_join(ctx);
    if (!join || join->room_before || has_status(*join->self.stanza, "201")) return std::nullopt;
    if (addressed_before(ctx, join->room_jid)) return std::nullopt;
    ClientIndex joiner = client_of(ctx.trace, join->session);
    Violation v = violation(ctx, joiner, fmt::format("{} created {} but its own presence lacks status 201",
                                                     name_of(ctx.trace, joiner), join->room_jid));
    v.demands.push_back(demand(joiner, self_presence_demand(*join, true)));
    return v;
}

// §7.2.2: "This self-presence MUST NOT be sent to the new occupant until the room has sent the
// presence of all other occupants to the new occupant".
std::optional<Violation> join_occupants_first(const StepContext& ctx) {
    auto join = accepted_join(ctx);
    if (!join || !join->room_before || !join->room_before->default_broadcast) return std::nullopt;
    const RoomView& room = *join->room_before;
    const OccupantView* own = room.occupant_of_user(bare_of(join->session));
    ClientIndex joiner = client_of(ctx.trace, join->session);
    for (const auto& [nick, occupant] : room.occupants) {
        if (&occupant == own) continue;
        std::string from = occupant_jid(join->room_jid, nick);
        Found seen = first_to(ctx.event, join->session, [&](const Element& s) {
            return s.name == "presence" && !s.has_attribute("type") && from_is(s, from);
        });
        if (seen && seen.index < join->self.index) continue;
        Violation v = violation(ctx, joiner, fmt::format("{} joining {} got {}'s presence {}", name_of(ctx.trace, joiner),
                                                         join->room_jid, nick, seen ? "after its own" : "never"));
        v.demands.push_back(demand(joiner, presence_from(from, false)));
        v.demands.push_back(demand(joiner, self_presence_demand(*join)));
        return v;
    }
    return std::nullopt;
}

// §7.2.15: after its own presence (and the history) the joiner gets the current subject;
// "If there is no subject set, the room MUST return an empty <subject/> element".
std::optional<Violation> join_subject(const StepContext& ctx) {
    auto join = accepted_join(ctx);
    if (!join) return std::nullopt;
    ClientIndex joiner = client_of(ctx.trace, join->session);
    // What the trace knows of the current subject: none in a new room.
    std::optional<std::string> current = join->room_before ? join->room_before->subject : std::string();
    Found subject = first_to(ctx.event, join->session, [&](const Element& s) {
        return s.attribute("type") == "groupchat" && bare_of(s.attribute("from")) == join->room_jid &&
               subject_of(s).has_value();
    });
    std::string why;
    if (!subject) {
        why = current && current->empty() ? "no (empty) subject, though the room has none" : "no subject";
    } else if (subject.index < join->self.index) {
        why = "the subject before its own presence";
    } else if (current && *subject_of(*subject.stanza) != *current) {
        why = fmt::format("the subject '{}', but the current subject is '{}'", *subject_of(*subject.stanza), *current);
    }
    if (why.empty()) return std::nullopt;
    Violation v = violation(ctx, joiner, fmt::format("{} joining {} got {}", name_of(ctx.trace, joiner), join->room_jid, why));
    v.demands.push_back(demand(joiner, self_presence_demand(*join)));
    Element expected = client_element("message").set("type", "groupchat");
    Element subject_element = client_element("subject");
    if (current && !current->empty()) subject_element.text(*current);
    expected.append(std::move(subject_element));
    v.demands.push_back(demand(joiner, std::move(expected)));
    return v;
}

// §7.2.2: "the service MUST also send presence from the new participant's occupant JID to the
// full JIDs of all the occupants" (unless muc#roomconfig_presencebroadcast says otherwise).
std::optional<Violation> join_announced(const StepContext& ctx) {
    auto join = accepted_join(ctx);
    if (!join || !join->room_before || !join->room_before->default_broadcast) return std::nullopt;
    const RoomView& room = *join->room_before;
    const OccupantView* own = room.occupant_of_user(bare_of(join->session));
    std::string self_from = occupant_jid(join->room_jid, join->nick);
    for (const auto& [nick, occupant] : room.occupants) {
        if (&occupant == own) continue;
        for (const std::string& session : occupant.sessions) {
            if (first_to(ctx.event, session, [&](const Element& s) {
                    return s.name == "presence" && !s.has_attribute("type") && from_is(s, self_from);
                })) {
                continue;
            }
            ClientIndex client = client_of(ctx.trace, session);
            Violation v = violation(ctx, client, fmt::format("{} ({}) was not shown {} joining",
                                                             name_of(ctx.trace, client), nick, join->nick));
            v.demands.push_back(demand(client, presence_from(self_from, false)));
            return v;
        }
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 4. leave

std::optional<Violation> check_leave(const StepContext& ctx, std::string_view session, const RoomView& room,
                                     const OccupantView& leaver, bool leaver_connected) {
    if (leaver.sessions.size() > 1) return std::nullopt;  // one session of several: the occupant stays
    std::string from = occupant_jid(room.jid, leaver.nick);
    auto gone = [&](const Element& s) {
        return s.name == "presence" && s.attribute("type") == "unavailable" && from_is(s, from);
    };
    if (room.default_broadcast) {
        for (const auto& [nick, occupant] : room.occupants) {
            if (&occupant == &leaver) continue;
            for (const std::string& other : occupant.sessions) {
                if (first_to(ctx.event, other, gone)) continue;
                ClientIndex client = client_of(ctx.trace, other);
                Violation v = violation(ctx, client, fmt::format("{} ({}) was not told that {} left",
                                                                 name_of(ctx.trace, client), nick, leaver.nick));
                v.demands.push_back(demand(client, presence_from(from, true)));
                return v;
            }
        }
    }
    if (!leaver_connected) return std::nullopt;
    Found own = first_to(ctx.event, session, gone);
    if (own && is_self_presence(*own.stanza)) return std::nullopt;
    ClientIndex client = client_of(ctx.trace, session);
    Violation v = violation(ctx, client,
                            fmt::format("{} left {} but its own unavailable presence {}", name_of(ctx.trace, client),
                                        room.jid, own ? "lacks status 110" : "never came"));
    v.demands.push_back(demand(client, presence_from(from, true).append(loose_user_x().append(status("110")))));
    return v;
}

std::optional<Violation> leave_presence(const StepContext& ctx) {
    if (ctx.event.kind == EventKind::disconnect) {
        const std::string& session = ctx.trace.clients()[static_cast<std::size_t>(ctx.event.client)].full_jid;
        for (const auto& [room_jid, nick] : ctx.before.occupancies(session)) {
            const RoomView* room = ctx.before.room(room_jid);
            if (auto v = check_leave(ctx, session, *room, *room->occupant_of_session(session), false)) return v;
        }
        return std::nullopt;
    }
    const Element* input = input_of(ctx);
    if (!input || input->name != "presence" || input->attribute("type") != "unavailable") return std::nullopt;
    std::string session(input->attribute("from"));
    const RoomView* room = ctx.before.room(bare_of(input->attribute("to")));
    const OccupantView* leaver = room ? room->occupant_of_session(session) : nullptr;
    if (!leaver) return std::nullopt;
    return check_leave(ctx, session, *room, *leaver, true);
}

// ------------------------------------------------------------ 5. real JIDs

bool is_moderator_anywhere(const RoomView* before, const RoomView* after, std::string_view session) {
    for (const RoomView* room : {before, after}) {
        const OccupantView* o = room ? room->occupant_of_session(session) : nullptr;
        if (o && o->role == Role::moderator) return true;
    }
    return false;
}

bool own_nick(const RoomView* before, const RoomView* after, std::string_view session, std::string_view nick) {
    for (const RoomView* room : {before, after}) {
        const OccupantView* o = room ? room->occupant_of_session(session) : nullptr;
        if (o && o->nick == nick) return true;
    }
    return false;
}

// The JIDs in the muc#user items of a stanza (items and their actors).
std::vector<std::string> item_jids(const Element& stanza) {
    std::vector<std::string> out;
    const Element* x = stanza.child("x", model::ns::muc_user);
    if (!x) return out;
    for (const Element* item : x->elements("item", model::ns::muc_user)) {
        if (item->has_attribute("jid")) out.emplace_back(item->attribute("jid"));
        const Element* actor = item->child("actor", model::ns::muc_user);
        if (actor && actor->has_attribute("jid")) out.emplace_back(actor->attribute("jid"));
    }
    return out;
}

// Does the stanza show the real JID of one of the trace's users? A JID a client
// made up in a payload the room passes on (a groupchat's muc#user <x/>, also
// in history) discloses nothing the room knew.
bool shows_real_jid(const Element& stanza, const traces::Trace& trace) {
    std::vector<std::string> shown = item_jids(stanza);
    return std::any_of(shown.begin(), shown.end(), [&](const std::string& jid) {
        std::string bare = bare_of(prepared(jid));
        return std::any_of(trace.clients().begin(), trace.clients().end(),
                           [&](const traces::ClientInfo& c) { return bare_of(c.full_jid) == bare; });
    });
}

Element without_real_jids(const Element& stanza) {
    Element expected = presence_from(stanza.attribute("from"), stanza.attribute("type") == "unavailable");
    Element x = loose_user_x();
    const Element* observed = stanza.child("x", model::ns::muc_user);
    for (const Element* child : observed->elements()) {
        Element copy = *child;
        if (copy.name == "item") {
            copy.remove_attribute("jid");
            if (Element* actor = copy.child("actor", model::ns::muc_user)) actor->remove_attribute("jid");
        }
        x.append(std::move(copy));
    }
    return expected.append(std::move(x));
}

std::optional<Violation> no_real_jid_leak(const StepContext& ctx) {
    for (const traces::Emission& e : ctx.event.emitted) {
        const Element& s = e.stanza;
        if ((s.name != "presence" && s.name != "message") || !shows_real_jid(s, ctx.trace)) continue;
        std::string room_jid = bare_of(s.attribute("from"));
        const RoomView* before = ctx.before.room(room_jid);
        const RoomView* after = ctx.after.room(room_jid);
        if ((before && before->whois_anyone) || (after && after->whois_anyone) || (!before && !after)) continue;
        std::string session = prepared(s.attribute("to"));
        bool occupant = (before && before->occupant_of_session(session)) || (after && after->occupant_of_session(session));
        if (!occupant || is_moderator_anywhere(before, after, session)) continue;
        std::string nick = resource_of(s.attribute("from"));
        if (s.name == "presence" && own_nick(before, after, session, nick)) continue;
        ClientIndex client = client_of(ctx.trace, session);
        Violation v = violation(ctx, client,
                                fmt::format("{}, not a moderator of semi-anonymous {}, was shown a real JID in {}",
                                            name_of(ctx.trace, client), room_jid, model::stanza_to_string(s)));
        v.forbidden.push_back(&s);
        if (s.name == "presence") {
            v.demands.push_back(demand(client, without_real_jids(s)));
            return v;
        }
        // A message that must not be sent at all: what came before it, then nothing.
        for (const Found& f : emissions_to(ctx.event, session, [](const Element&) { return true; })) {
            if (f.stanza == &s) break;
            v.demands.push_back(demand(client, *f.stanza));
        }
        v.demands.push_back(Demand{client, std::nullopt, true});
        return v;
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 6. admission

std::optional<Violation> admission(const StepContext& ctx) {
    auto join = accepted_join(ctx);
    if (join && join->room_before) {
        const RoomView& room = *join->room_before;
        std::string user = bare_of(join->session);
        const Element* x = ctx.event.stanza.child("x", model::ns::muc);
        std::string password = x ? x->child_text("password", model::ns::muc) : std::string();
        std::string_view why;
        std::string_view type;
        std::string_view condition;
        if (room.members_only && room.affiliation_of(user) == Affiliation::none) {
            why = "a non-member entered a members-only room", type = "auth", condition = "registration-required";
        } else if (room.affiliation_of(user) == Affiliation::outcast) {
            why = "an outcast entered the room", type = "auth", condition = "forbidden";
        } else if (!room.password.empty() && password != room.password && !room.occupant_of_user(user)) {
            why = "a user entered a password-protected room without the password", type = "auth",
            condition = "not-authorized";
        }
        if (!why.empty()) {
            ClientIndex client = client_of(ctx.trace, join->session);
            Violation v = violation(ctx, client, fmt::format("{}: {} joined {} as {}", why, name_of(ctx.trace, client),
                                                             join->room_jid, join->nick));
            v.forbidden.push_back(join->self.stanza);
            v.demands.push_back(demand(client, stanza_error("presence", type, condition)
                                                   .set("from", occupant_jid(join->room_jid, join->nick))));
            return v;
        }
    }
    // Whatever the step, nobody stays who may not be there.
    for (const auto& [room_jid, room] : ctx.after.rooms()) {
        for (const auto& [nick, occupant] : room.occupants) {
            Affiliation a = room.affiliation_of(occupant.bare_jid);
            bool banned = a == Affiliation::outcast;
            bool nonmember = room.members_only && a == Affiliation::none;
            if (!banned && !nonmember) continue;
            const std::string& session = occupant.sessions.front();
            ClientIndex client = client_of(ctx.trace, session);
            Violation v = violation(ctx, client,
                                    fmt::format("{} ({}) is still in {} as {}", name_of(ctx.trace, client), nick,
                                                room_jid, banned ? "an outcast" : "a non-member of a members-only room"));
            v.demands.push_back(demand(client, presence_from(occupant_jid(room_jid, nick), true)
                                                   .append(loose_user_x().append(loose_item({}, "none")))));
            return v;
        }
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 7. one iq response

std::optional<Violation> iq_response_once(const StepContext& ctx) {
    const Element* input = input_of(ctx);
    if (!input || input->name != "iq") return std::nullopt;
    std::string_view type = input->attribute("type");
    if (type != "get" && type != "set") return std::nullopt;
    auto to = model::Jid::parse(input->attribute("to"));
    if (to && !to->node().empty() && to->is_full()) return std::nullopt;  // to an occupant: answered by its client
    std::string_view from = input->attribute("from");
    std::size_t responses = emissions_to(ctx.event, from, [&](const Element& s) {
                                return s.name == "iq" && s.attribute("id") == input->attribute("id") &&
                                       (s.attribute("type") == "result" || s.attribute("type") == "error");
                            }).size();
    if (responses == 1) return std::nullopt;
    ClientIndex client = client_of(ctx.trace, from);
    Violation v = violation(ctx, client, fmt::format("{}'s iq '{}' got {} responses", name_of(ctx.trace, client),
                                                     input->attribute("id"), responses));
    v.demands.push_back(demand(client, client_element("iq").set("id", input->attribute("id"))));
    return v;
}

// ------------------------------------------------------------ 8. an owner

std::optional<Violation> owner_exists(const StepContext& ctx) {
    for (const auto& [room_jid, room] : ctx.after.rooms()) {
        if (!room.created_in_trace || room.owner_count() > 0) continue;
        const Element* input = input_of(ctx);
        ClientIndex client = input ? client_of(ctx.trace, input->attribute("from")) : ctx.event.client;
        Violation v = violation(ctx, client, fmt::format("{} has no owner left", room_jid));
        if (input && input->name == "iq") {
            v.demands.push_back(demand(client, stanza_error("iq", "cancel", "conflict").set("id", input->attribute("id"))));
        }
        return v;
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 9. one nick, one user

std::optional<Violation> nick_unique(const StepContext& ctx) {
    for (const traces::Emission& e : ctx.event.emitted) {
        const Element& s = e.stanza;
        if (!is_self_presence(s) || s.has_attribute("type")) continue;
        std::string room_jid = bare_of(s.attribute("from"));
        std::string nick = resource_of(s.attribute("from"));
        const RoomView* room = ctx.before.room(room_jid);
        if (!room) continue;
        auto holder = room->occupants.find(nick);
        std::string user = bare_of(s.attribute("to"));
        if (holder == room->occupants.end() || holder->second.bare_jid == user) continue;
        // The holder may have been moved out earlier in the same step.
        bool vacated = false;
        for (const traces::Emission& earlier : ctx.event.emitted) {
            if (&earlier.stanza == &s) break;
            vacated = vacated || (earlier.stanza.attribute("type") == "unavailable" &&
                                  prepared(earlier.stanza.attribute("from")) == occupant_jid(room_jid, nick));
        }
        if (vacated) continue;
        ClientIndex client = client_of(ctx.trace, prepared(s.attribute("to")));
        Violation v = violation(ctx, client, fmt::format("{} got nick '{}' in {} while {} holds it",
                                                         name_of(ctx.trace, client), nick, room_jid,
                                                         holder->second.bare_jid));
        v.forbidden.push_back(&s);
        v.demands.push_back(demand(client, stanza_error("presence", "cancel", "conflict").set("from", occupant_jid(room_jid, nick))));
        return v;
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 10. convergence

std::optional<Violation> convergence(const traces::Trace& trace, const ReferenceModel& model) {
    ClientViews views;
    for (const Event& event : trace.events()) views.follow(event);
    return views.check(trace, model);
}

// ------------------------------------------------------------ 11. who may speak

std::optional<Violation> unauthorized_message(const StepContext& ctx) {
    const Element* input = input_of(ctx);
    if (!input || input->name != "message" || input->attribute("type") != "groupchat") return std::nullopt;
    if (!input->child("body")) return std::nullopt;
    std::string room_jid = prepared(input->attribute("to"));
    const RoomView* room = ctx.before.room(room_jid);
    if (!room) return std::nullopt;
    std::string_view from = input->attribute("from");
    const OccupantView* sender = room->occupant_of_session(from);
    if (sender && sender->role != Role::visitor) return std::nullopt;
    ClientIndex client = client_of(ctx.trace, from);
    std::string who = sender ? "a visitor" : "a non-occupant";
    for (const traces::Emission& e : ctx.event.emitted) {
        const Element& s = e.stanza;
        if (s.name != "message" || s.attribute("type") != "groupchat" || bare_of(s.attribute("from")) != room_jid) continue;
        if (!s.child("body")) continue;
        Violation v = violation(ctx, client, fmt::format("{}'s message from {} was broadcast to {}",
                                                         name_of(ctx.trace, client), who, name_of_jid(ctx.trace, s.attribute("to"))));
        v.forbidden.push_back(&s);
        Element error = client_element("message").set("type", "error");
        if (input->has_attribute("id")) error.set("id", input->attribute("id"));
        v.demands.push_back(demand(client, std::move(error)));
        return v;
    }
    if (first_to(ctx.event, from, [](const Element& s) { return s.name == "message" && s.attribute("type") == "error"; })) {
        return std::nullopt;
    }
    Violation v = violation(ctx, client, fmt::format("{}'s groupchat message as {} got no error", name_of(ctx.trace, client), who));
    Element error = client_element("message").set("type", "error");
    if (input->has_attribute("id")) error.set("id", input->attribute("id"));
    v.demands.push_back(demand(client, std::move(error)));
    return v;
}

// ------------------------------------------------------------ 12. self-presence and its status codes

// Whether a presence the room sent is about its recipient: an unavailable one
// when the session was that occupant before the step, an available one when
// it is that occupant after it (a nick change's old nick leaves, the new one
// arrives; the nick a session leaves behind to another of its sessions is not
// its own any more).
bool about_recipient(const StepContext& ctx, const Element& s) {
    std::string nick = resource_of(s.attribute("from"));
    if (nick.empty()) return false;
    const ReferenceModel& model = s.attribute("type") == "unavailable" ? ctx.before : ctx.after;
    const RoomView* room = model.room(bare_of(s.attribute("from")));
    const OccupantView* o = room ? room->occupant_of_session(prepared(s.attribute("to"))) : nullptr;
    return o && o->nick == nick;
}

bool is_room_presence(const Element& s) {
    return s.name == "presence" && s.attribute("type") != "error" && !resource_of(s.attribute("from")).empty();
}

// §16.6.2: status 110, "Any room presence": "Inform user that presence refers to itself";
// §7.2.2 (joining), §7.6 (nick change), §7.14 (exit), §8.2 (kick) each show it.
std::optional<Violation> self_presence_110(const StepContext& ctx) {
    for (const traces::Emission& e : ctx.event.emitted) {
        const Element& s = e.stanza;
        if (!is_room_presence(s) || has_status(s, "110") || !about_recipient(ctx, s)) continue;
        ClientIndex client = client_of(ctx.trace, prepared(s.attribute("to")));
        bool unavailable = s.attribute("type") == "unavailable";
        Violation v = violation(ctx, client, fmt::format("{} got its own {}presence from {} without status 110",
                                                         name_of(ctx.trace, client), unavailable ? "unavailable " : "",
                                                         s.attribute("from")));
        v.demands.push_back(demand(client, presence_from(s.attribute("from"), unavailable)
                                               .append(loose_user_x().append(status("110")))));
        return v;
    }
    return std::nullopt;
}

// The observed presence with its muc#user <x> exactly as observed but for the
// codes left out: other status codes and the items' presence pinned, the
// items' attributes beyond affiliation and role left free.
Element presence_without_codes(const Element& s, const std::vector<std::string_view>& codes) {
    Element expected = presence_from(s.attribute("from"), s.attribute("type") == "unavailable");
    Element x = user_element("x");
    for (const Element* child : s.child("x", model::ns::muc_user)->elements()) {
        if (child->name == "status" && std::find(codes.begin(), codes.end(), child->attribute("code")) != codes.end()) {
            continue;
        }
        if (child->name == "item") {
            x.append(loose_item(child->attribute("affiliation"), child->attribute("role")));
        } else {
            x.append(*child);
        }
    }
    return expected.append(std::move(x));
}

// §16.6.2: 100 "Inform user that any occupant is allowed to see the user's full JID", 110
// "Inform user that presence refers to itself", 201 "Inform user that a new room has been
// created", 210 "Inform user that service has assigned or modified occupant's roomnick":
// codes about the user itself, so only in presence from its own occupant JID; and 100 only
// when that is so (§7.2.3: "If the room is non-anonymous ... the service MUST warn the user
// by including a status code of "100"").
std::optional<Violation> status_codes_context(const StepContext& ctx) {
    static constexpr std::string_view self_codes[] = {"100", "110", "201", "210"};
    for (const traces::Emission& e : ctx.event.emitted) {
        const Element& s = e.stanza;
        if (!is_room_presence(s) || !s.child("x", model::ns::muc_user)) continue;
        bool about = about_recipient(ctx, s);
        std::vector<std::string_view> wrong;
        for (std::string_view code : self_codes) {
            if (has_status(s, code) && !about) wrong.push_back(code);
        }
        std::string room_jid = bare_of(s.attribute("from"));
        const RoomView* before = ctx.before.room(room_jid);
        const RoomView* after = ctx.after.room(room_jid);
        bool known = (before && before->created_in_trace) || (after && after->created_in_trace);
        bool non_anonymous = (before && before->whois_anyone) || (after && after->whois_anyone);
        bool anonymous_100 = about && has_status(s, "100") && known && !non_anonymous;
        if (anonymous_100) wrong.push_back("100");
        if (wrong.empty()) continue;
        ClientIndex client = client_of(ctx.trace, prepared(s.attribute("to")));
        std::string codes;
        for (std::string_view code : wrong) codes += fmt::format("{}{}", codes.empty() ? "" : ", ", code);
        Violation v = violation(
            ctx, client,
            fmt::format("{} got presence from {} with status {}{}", name_of(ctx.trace, client), s.attribute("from"), codes,
                        anonymous_100 ? " in a semi-anonymous room" : ", but that is not its own occupant JID"));
        v.demands.push_back(demand(client, presence_without_codes(s, wrong)));
        return v;
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 13. discussion history

// §7.2.13: "Discussion history messages MUST be stamped with XEP-0203 information qualified by
// the 'urn:xmpp:delay' namespace ... The 'from' attribute MUST be set to the JID of the room itself."
std::optional<Violation> history_delay(const StepContext& ctx) {
    const Element* input = input_of(ctx);
    if (!input || input->name != "presence" || input->has_attribute("type") || !input->child("x", model::ns::muc)) {
        return std::nullopt;
    }
    std::string_view session = input->attribute("from");
    std::string room_jid = bare_of(input->attribute("to"));
    for (const Found& f : emissions_to(ctx.event, session, [&](const Element& s) {
             return s.name == "message" && s.attribute("type") == "groupchat" && s.child("body") &&
                    bare_of(s.attribute("from")) == room_jid;
         })) {
        // The sender may have put a <delay/> of its own in (it passes on): the room's is the one from the room.
        std::vector<const Element*> delays = f.stanza->elements("delay", model::ns::delay);
        if (std::any_of(delays.begin(), delays.end(),
                        [&](const Element* d) { return prepared(d->attribute("from")) == room_jid; })) {
            continue;
        }
        const Element* delay = delays.empty() ? nullptr : delays.back();
        ClientIndex client = client_of(ctx.trace, session);
        std::string what = !delay                        ? std::string("without a urn:xmpp:delay <delay/>")
                           : !delay->has_attribute("from") ? std::string("whose <delay/> has no from")
                                                           : fmt::format("whose <delay/> is from {}, not the room",
                                                                         delay->attribute("from"));
        Violation v = violation(ctx, client, fmt::format("{} joining {} got history from {} {}", name_of(ctx.trace, client),
                                                         room_jid, f.stanza->attribute("from"), what));
        Element expected = client_element("message").set("type", "groupchat").set("from", f.stanza->attribute("from"));
        expected.append(client_element("body").text(f.stanza->child_text("body")));
        Element stamp(std::string("delay"), std::string(model::ns::delay));
        stamp.set("scansion:strict", "false").set("from", room_jid);
        expected.append(std::move(stamp));
        v.demands.push_back(demand(client, std::move(expected)));
        return v;
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 14. visible nicks

bool is_invisible_nick(std::string_view nick) {
    return std::all_of(nick.begin(), nick.end(), [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

// §17.1: "a MUC service MUST NOT allow empty or invisible Room Nicknames (i.e., Room Nicknames
// that consist only of one or more space characters)".
std::optional<Violation> nick_visible(const StepContext& ctx) {
    for (const traces::Emission& e : ctx.event.emitted) {
        const Element& s = e.stanza;
        std::string_view from = s.attribute("from");
        if (s.name != "presence" || s.has_attribute("type") || from.find('/') == std::string_view::npos) continue;
        if (!is_own_presence(ctx.event, s) || !is_invisible_nick(resource_of(from))) continue;
        ClientIndex client = client_of(ctx.trace, prepared(s.attribute("to")));
        Violation v = violation(ctx, client, fmt::format("{} was let into {} as '{}', an {} nick", name_of(ctx.trace, client),
                                                         bare_of(from), resource_of(from),
                                                         resource_of(from).empty() ? "empty" : "invisible"));
        v.forbidden.push_back(&s);
        v.demands.push_back(demand(client, presence_from(from, false).set("type", "error")));
        return v;
    }
    return std::nullopt;
}

// ------------------------------------------------------------ 15. removal for an error

// §11.1: a service that supports the OPTIONAL 333 "MUST include the 333 status code in the
// resulting presence" and "The status code MUST also be included in presences sent to other
// occupants". Support shows in the removal itself: when any of its presences carries 333, all do.
std::optional<Violation> error_removal_333(const StepContext& ctx) {
    const Element* input = input_of(ctx);
    if (!input || input->attribute("type") != "error") return std::nullopt;
    std::string room_jid = bare_of(input->attribute("to"));
    const RoomView* room = ctx.before.room(room_jid);
    const OccupantView* removed = room ? room->occupant_of_session(input->attribute("from")) : nullptr;
    if (!removed) return std::nullopt;
    std::string from = occupant_jid(room_jid, removed->nick);
    std::vector<const Element*> removals;
    bool supported = false;
    for (const traces::Emission& e : ctx.event.emitted) {
        const Element& s = e.stanza;
        if (s.name != "presence" || s.attribute("type") != "unavailable" || !from_is(s, from)) continue;
        removals.push_back(&s);
        supported = supported || has_status(s, "333");
    }
    if (!supported) return std::nullopt;
    for (const Element* s : removals) {
        if (has_status(*s, "333")) continue;
        ClientIndex client = client_of(ctx.trace, prepared(s->attribute("to")));
        Violation v = violation(ctx, client,
                                fmt::format("{} was removed from {} for an error reply, with 333 to some, but {} got it "
                                            "without",
                                            removed->nick, room_jid, name_of(ctx.trace, client)));
        v.demands.push_back(demand(client, presence_from(from, true).append(loose_user_x().append(status("333")))));
        return v;
    }
    return std::nullopt;
}

std::vector<Invariant> build_catalogue() {
    return {
        {"nonoccupant-affiliation-notice", "9.3, 10.3, 10.6",
         "an affiliation change of a user not in the room is announced to the occupants (moderators, if "
         "semi-anonymous) before the iq result",
         nonoccupant_affiliation_notice, {}},
        {"occupant-change-presence", "5.1.3, 5.2.2, 8.2, 9.1, 9.4, 10.2",
         "an affiliation or role change of an occupant is shown to every occupant; removals carry 301, 307, 321 or 322",
         affiliation_role_change, {}},
        {"join-self-110", "7.2.2",
         "a joiner's own presence carries status 110: the self-presence \"MUST include a status code of 110\"",
         join_self_110, {}},
        {"create-201", "10.1.1",
         "the presence that creates a room carries status 201: \"The initial presence stanza received by the owner "
         "from the room MUST include ... status code 201\"",
         create_201, {}},
        {"join-occupants-first", "7.2.2",
         "a joiner gets every occupant's presence before its own: the self-presence \"MUST NOT be sent to the new "
         "occupant until the room has sent the presence of all other occupants\"",
         join_occupants_first, {}},
        {"join-subject", "7.2.15",
         "after its own presence a joiner gets the current subject, and \"If there is no subject set, the room MUST "
         "return an empty <subject/> element\"",
         join_subject, {}},
        {"join-announced", "7.2.2",
         "every occupant is shown a joiner: \"the service MUST also send presence from the new participant's occupant "
         "JID to the full JIDs of all the occupants\" (unless presence broadcast is configured)",
         join_announced, {}},
        {"leave-presence", "7.14, 17.3",
         "when an occupant leaves or its connection drops, every remaining occupant gets its unavailable presence; "
         "its own carries 110",
         leave_presence, {}},
        {"no-real-jid-leak", "7.2.4, 14.5",
         "in a semi-anonymous room, real JIDs are never shown to occupants who are not moderators", no_real_jid_leak, {}},
        {"admission", "7.2.5, 7.2.6, 7.2.7",
         "outcasts never become occupants; non-members never occupy a members-only room; a password room admits only "
         "the right password",
         admission, {}},
        {"iq-response", "17.4 (RFC 6120 8.2.3)", "every iq get or set gets exactly one response, result or error",
         iq_response_once, {}},
        {"owner-exists", "10.4, 10.5", "a room always has at least one owner", owner_exists, {}},
        {"nick-unique", "7.2.8", "a nick belongs to one bare JID at a time", nick_unique, {}},
        {"convergence", "7.2.2, 7.7",
         "once the world is quiet, each occupant's view of the room equals its occupants with their roles and "
         "affiliations",
         {}, convergence},
        {"unauthorized-message", "7.4, 5.1.1",
         "a groupchat message from a non-occupant or a visitor is not broadcast and is answered with an error",
         unauthorized_message, {}},
        {"self-presence-110", "16.6.2, 7.2.2, 7.6, 7.14",
         "every presence a room sends an occupant from its own occupant JID carries status 110 (\"Any room presence\": "
         "\"Inform user that presence refers to itself\"), on joining, role and affiliation changes, nick changes, "
         "leaving and removal",
         self_presence_110, {}},
        {"status-codes-context", "16.6.2, 7.2.3",
         "status codes about the user itself (100, 110, 201, 210) appear only in presence from the recipient's own "
         "occupant JID; 100 (\"any occupant is allowed to see the user's full JID\") only in a non-anonymous room",
         status_codes_context, {}},
        {"history-delay", "7.2.13",
         "\"Discussion history messages MUST be stamped with\" a <delay xmlns='urn:xmpp:delay'/> whose \"'from' "
         "attribute MUST be set to the JID of the room itself\"",
         history_delay, {}},
        {"nick-visible", "17.1",
         "no one enters or changes nick to an empty or whitespace-only nick: \"a MUC service MUST NOT allow empty or "
         "invisible Room Nicknames\"",
         nick_visible, {}},
        {"error-removal-333", "11.1",
         "when a service that supports 333 removes an occupant for an error reply, it \"MUST include the 333 status "
         "code\" in the removed user's presence, and \"MUST also\" in the presences sent to other occupants",
         error_removal_333, {}},
    };
}

}  // namespace

void ClientViews::follow(const traces::Event& event) {
    for (const traces::Emission& e : event.emitted) {
        const Element& s = e.stanza;
        if (s.name != "presence" || !s.child("x", model::ns::muc_user)) continue;
        std::string room_jid = bare_of(s.attribute("from"));
        std::string nick = resource_of(s.attribute("from"));
        std::string session = prepared(s.attribute("to"));
        if (nick.empty()) continue;
        auto& view = views_[{session, room_jid}];
        std::string_view type = s.attribute("type");
        if (is_own_presence(event, s)) changes_[{room_jid, nick}] = {event.number, event.step};
        if (type == "unavailable") {
            if (is_own_presence(event, s) && !has_status(s, "303")) {
                view.clear();  // it left: what it knew no longer counts
            } else {
                view.erase(nick);  // someone left, or changed nick (303)
            }
        } else if (type.empty()) {
            const Element* item = user_item(s);
            view[nick] = Seen{item ? parse_role(item->attribute("role")).value_or(Role::none) : Role::none,
                              item ? parse_affiliation(item->attribute("affiliation")).value_or(Affiliation::none)
                                   : Affiliation::none};
        }
    }
    std::erase_if(views_, [](const auto& entry) { return entry.second.empty(); });
}

std::optional<Violation> ClientViews::check(const traces::Trace& trace, const ReferenceModel& model) const {
    for (const auto& [room_jid, room] : model.rooms()) {
        if (!room.default_broadcast) continue;
        std::map<std::string, Seen> truth;
        for (const auto& [nick, o] : room.occupants) truth[nick] = Seen{o.role, o.affiliation};
        for (const std::string& session : room.sessions()) {
            auto found = views_.find({session, room_jid});
            static const std::map<std::string, Seen> nothing;
            const auto& view = found == views_.end() ? nothing : found->second;
            if (view == truth) continue;
            return disagreement(trace, room_jid, session, view, truth);
        }
    }
    return std::nullopt;
}

Violation ClientViews::disagreement(const traces::Trace& trace, const std::string& room_jid, const std::string& session,
                                    const std::map<std::string, Seen>& view,
                                    const std::map<std::string, Seen>& truth) const {
    // The first nick the two pictures disagree on.
    std::string nick;
    for (const auto& [n, seen] : truth) {
        auto it = view.find(n);
        if (it == view.end() || !(it->second == seen)) {
            nick = n;
            break;
        }
    }
    if (nick.empty()) {
        for (const auto& [n, seen] : view) {
            if (!truth.contains(n)) {
                nick = n;
                break;
            }
        }
    }
    ClientIndex client = client_of(trace, session);
    Violation v;
    v.client = client;
    auto change = changes_.find({room_jid, nick});
    if (change != changes_.end()) {
        v.event = change->second.first;
        v.step = change->second.second;
    }
    auto t = truth.find(nick);
    auto seen = view.find(nick);
    auto describe_seen = [](const Seen& s) {
        return fmt::format("{} {}", affiliation_name(s.affiliation), role_name(s.role));
    };
    v.explanation = fmt::format("once quiet, {} sees {} in {} as {}, but it is {}", name_of(trace, client), nick,
                                room_jid, seen == view.end() ? "absent" : describe_seen(seen->second),
                                t == truth.end() ? "not there" : describe_seen(t->second));
    std::string from = occupant_jid(room_jid, nick);
    if (t == truth.end()) {
        v.demands.push_back(demand(client, presence_from(from, true)));
    } else {
        v.demands.push_back(demand(client, presence_from(from, false).append(loose_user_x().append(
                                               loose_item(affiliation_name(t->second.affiliation), role_name(t->second.role))))));
    }
    return v;
}

void ClientViews::encode(std::string& out, const model::Renaming& renaming) const {
    std::vector<std::string> entries;
    for (const auto& [key, view] : views_) {
        std::string entry = renaming.jid(key.first);
        entry += '|';
        entry += key.second;
        entry += '{';
        std::vector<std::string> seen_by_nick;
        for (const auto& [nick, seen] : view) {
            std::string item(renaming.word(nick));
            item += static_cast<char>('0' + static_cast<int>(seen.role));
            item += static_cast<char>('1' + static_cast<int>(seen.affiliation));
            seen_by_nick.push_back(std::move(item));
        }
        if (!renaming.empty()) std::sort(seen_by_nick.begin(), seen_by_nick.end());
        for (const std::string& item : seen_by_nick) {
            entry += item;
            entry += ';';
        }
        entry += '}';
        entries.push_back(std::move(entry));
    }
    if (!renaming.empty()) std::sort(entries.begin(), entries.end());
    for (const std::string& entry : entries) out += entry;
}

const std::vector<Invariant>& invariants() {
    static const std::vector<Invariant> catalogue = build_catalogue();
    return catalogue;
}

const Invariant* find_invariant(std::string_view name) {
    for (const Invariant& i : invariants()) {
        if (i.name == name) return &i;
    }
    return nullptr;
}

namespace {

std::vector<const Invariant*> active_invariants(const std::vector<const Invariant*>& selected) {
    std::vector<const Invariant*> active = selected;
    if (active.empty()) {
        for (const Invariant& i : invariants()) active.push_back(&i);
    }
    return active;
}

}  // namespace

Violation named(Violation v, const Invariant& invariant) {
    v.property = invariant.name;
    v.section = invariant.section;
    v.statement = invariant.statement;
    return v;
}

std::vector<Violation> check_trace_each(const traces::Trace& trace, const std::vector<const Invariant*>& selected) {
    std::vector<const Invariant*> active = active_invariants(selected);
    std::vector<std::optional<Violation>> first(active.size());
    ReferenceModel model;
    for (const Event& event : trace.events()) {
        if (event.kind != EventKind::process && event.kind != EventKind::disconnect) continue;
        ReferenceModel before = model;
        model.apply(event);
        StepContext ctx{trace, event, before, model};
        for (std::size_t i = 0; i < active.size(); ++i) {
            if (first[i] || !active[i]->check_step) continue;
            if (auto v = active[i]->check_step(ctx)) first[i] = named(std::move(*v), *active[i]);
        }
    }
    for (std::size_t i = 0; i < active.size(); ++i) {
        if (first[i] || !active[i]->check_quiet) continue;
        if (auto v = active[i]->check_quiet(trace, model)) first[i] = named(std::move(*v), *active[i]);
    }
    std::vector<Violation> out;
    for (auto& v : first) {
        if (v) out.push_back(std::move(*v));
    }
    // Trace order; a quiet check's violation that names no event goes last.
    auto position = [](const Violation& v) { return v.event == 0 ? std::numeric_limits<std::uint64_t>::max() : v.event; };
    std::stable_sort(out.begin(), out.end(),
                     [&](const Violation& a, const Violation& b) { return position(a) < position(b); });
    return out;
}

std::vector<Violation> check_trace_all(const traces::Trace& trace, const std::vector<const Invariant*>& selected,
                                       std::size_t count_max) {
    assert(count_max >= 1);
    std::vector<const Invariant*> active = active_invariants(selected);
    std::vector<Violation> out;
    ReferenceModel model;
    for (const Event& event : trace.events()) {
        if (event.kind != EventKind::process && event.kind != EventKind::disconnect) continue;
        ReferenceModel before = model;
        model.apply(event);
        StepContext ctx{trace, event, before, model};
        for (const Invariant* invariant : active) {
            if (!invariant->check_step || out.size() >= count_max) continue;
            auto v = invariant->check_step(ctx);
            if (!v) continue;
            Violation w = named(std::move(*v), *invariant);
            // A state that stays wrong (an outcast still inside) is one violation, not one a step.
            bool again = std::any_of(out.begin(), out.end(), [&](const Violation& u) {
                return u.property == w.property && u.explanation == w.explanation;
            });
            if (!again) out.push_back(std::move(w));
        }
    }
    for (const Invariant* invariant : active) {
        if (!invariant->check_quiet || out.size() >= count_max) continue;
        if (auto v = invariant->check_quiet(trace, model)) out.push_back(named(std::move(*v), *invariant));
    }
    return out;
}

std::optional<Violation> check_trace(const traces::Trace& trace, const std::vector<const Invariant*>& selected) {
    std::vector<const Invariant*> active = active_invariants(selected);
    ReferenceModel model;
    for (const Event& event : trace.events()) {
        if (event.kind != EventKind::process && event.kind != EventKind::disconnect) continue;
        ReferenceModel before = model;
        model.apply(event);
        StepContext ctx{trace, event, before, model};
        for (const Invariant* invariant : active) {
            if (!invariant->check_step) continue;
            if (auto v = invariant->check_step(ctx)) return named(std::move(*v), *invariant);
        }
    }
    for (const Invariant* invariant : active) {
        if (!invariant->check_quiet) continue;
        if (auto v = invariant->check_quiet(trace, model)) return named(std::move(*v), *invariant);
    }
    return std::nullopt;
}

std::string describe(const Violation& violation, const traces::Trace& trace) {
    std::string client = violation.client == no_client ? "-" : name_of(trace, violation.client);
    return fmt::format("{} (XEP-0045 §{}): {}\n  at step {} (trace event #{}), client {}: {}", violation.property,
                       violation.section, violation.statement, violation.step, violation.event, client,
                       violation.explanation);
}

}  // namespace mucsim::properties
