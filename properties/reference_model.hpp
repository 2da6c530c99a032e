#pragma once
// The reference model: what a trace says about each room — who is in it under
// which nick with which role and affiliation, what affiliations were granted,
// how it is configured. It is built only from the trace (the inputs the
// server processed and what it emitted), never from the MUC implementation's
// insides, so that the same properties can judge any server.
//
// Occupancy comes from each occupant's own presence (the copy with status
// 110): the room telling a session "this is you" is what makes it an
// occupant. Affiliations and configuration come from requests the server
// answered with an iq result.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/renaming.hpp"
#include "model/xml.hpp"
#include "traces/trace.hpp"

namespace mucsim::properties {

enum class Affiliation : std::int8_t { outcast = -1, none = 0, member = 1, admin = 2, owner = 3 };
enum class Role : std::int8_t { none = 0, visitor = 1, participant = 2, moderator = 3 };

std::optional<Affiliation> parse_affiliation(std::string_view text);
std::optional<Role> parse_role(std::string_view text);
std::string_view affiliation_name(Affiliation a);
std::string_view role_name(Role r);

struct OccupantView {
    std::string nick;
    std::string bare_jid;
    std::vector<std::string> sessions;  // full JIDs, in join order
    Role role = Role::none;
    Affiliation affiliation = Affiliation::none;
    bool operator==(const OccupantView&) const = default;
};

struct RoomView {
    std::string jid;  // bare room JID
    std::map<std::string, OccupantView> occupants;     // by nick
    std::map<std::string, Affiliation> affiliations;   // by bare JID; none is absent
    bool members_only = false;
    bool whois_anyone = false;
    bool moderated = false;
    bool persistent = false;
    bool default_broadcast = true;  // presence broadcast never reconfigured
    bool created_in_trace = false;  // its affiliations are all known
    std::string password;
    // The current subject, when the trace shows it: empty in a room created in
    // the trace until a subject change is broadcast; unknown otherwise.
    std::optional<std::string> subject;

    const OccupantView* occupant_of_session(std::string_view full_jid) const;
    const OccupantView* occupant_of_user(std::string_view bare_jid) const;
    Affiliation affiliation_of(std::string_view bare_jid) const;
    int owner_count() const;
    // Every session of every occupant, in nick order.
    std::vector<std::string> sessions() const;
    bool operator==(const RoomView&) const = default;
};

// The role an occupant gets when its affiliation changes (prosody-muc.md
// §3.1, §3.2): the default for the new affiliation, applied when the
// affiliation went down or the default is higher than the current role.
Role role_after_affiliation_change(Affiliation before, Affiliation after, Role current, const RoomView& room);

class ReferenceModel {
public:
    // Follows one event of the trace: process and disconnect events change it.
    void apply(const traces::Event& event);

    const RoomView* room(std::string_view room_jid) const;
    const std::map<std::string, RoomView, std::less<>>& rooms() const { return rooms_; }
    // Where the session is an occupant: (room, nick) pairs.
    std::vector<std::pair<std::string, std::string>> occupancies(std::string_view full_jid) const;

    // Canonical bytes of what the model knows, clients renamed if asked.
    void encode(std::string& out, const model::Renaming& renaming = {}) const;

    bool operator==(const ReferenceModel&) const = default;

private:
    void apply_request(const traces::Event& event);
    void apply_self_presence(const model::Element& presence);
    void apply_admin_set(RoomView& room, const model::Element& item);
    void apply_announcement(const model::Element& message);
    void apply_invitation(const traces::Event& event);
    void apply_subject_change(const traces::Event& event);
    void apply_config(RoomView& room, const model::Element& form);
    void forget_empty_rooms();

    std::map<std::string, RoomView, std::less<>> rooms_;
};

// ---- stanza reading shared by the model and the invariants

// The iq response in an event's emissions to `to` with this id, or nullptr.
const model::Element* iq_response(const traces::Event& event, std::string_view to, std::string_view id);
std::size_t emission_index(const traces::Event& event, const model::Element* stanza);
bool has_status(const model::Element& stanza, std::string_view code);
bool is_self_presence(const model::Element& stanza);
// A message that sets or tells a room's subject (XEP-0045 §7.2.15, §8.1): a
// <subject/> and no <body/>; its text, or nullopt.
std::optional<std::string> subject_of(const model::Element& message);
// A presence the room sent a session about itself: marked with status 110,
// or (should the mark be missing) the room's answer from the very occupant
// JID the session's input in this step addressed.
bool is_own_presence(const traces::Event& event, const model::Element& stanza);
// The muc#user <item> of a presence or message, or nullptr.
const model::Element* user_item(const model::Element& stanza);
std::string bare_of(std::string_view jid);
// The prepared form of a JID, or the text itself when it does not parse.
std::string prepared(std::string_view jid);
std::string resource_of(std::string_view jid);

}  // namespace mucsim::properties
