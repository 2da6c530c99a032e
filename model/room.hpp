#pragma once
// One room of the MUC service: occupants and their sessions, affiliations,
// configuration, subject, history, lock. A plain value: copying a room
// copies its whole state.
//
// Each handler takes one stanza addressed to the room (or to an occupant of
// it) and appends what the room sends, in order, to an Outbox. Behaviour is
// Prosody's (../shared/docs/prosody-muc.md); section numbers below refer to it.
// Where Prosody departs from a MUST of XEP-0045 the room follows the XEP
// instead: docs/FIDELITY.md lists every such place.
// Deliberately omitted: occupant-id (XEP-0421), MAM and stanza-id (XEP-0313,
// XEP-0359), room vCards and avatars, hats.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/affiliation.hpp"
#include "model/data_form.hpp"
#include "model/faults.hpp"
#include "model/jid.hpp"
#include "model/stanza.hpp"
#include "model/renaming.hpp"
#include "model/xml.hpp"

namespace mucsim::model {

class Ids;

// Limits on everything a room holds (hostile input must not exhaust memory).
inline constexpr std::size_t occupants_max = 200;
inline constexpr std::size_t sessions_per_occupant_max = 16;
inline constexpr std::size_t affiliations_max = 1000;
inline constexpr int history_max = 100;  // upper bound of muc#roomconfig_historylength
// Nicks longer than this (in bytes, once prepared) are refused with
// modify/not-acceptable wherever one is taken: joins, nick changes,
// registration, reserved nicks in muc#admin items. mucsim's limit: Prosody
// has none below the 1023 bytes of a JID resource.
inline constexpr std::size_t nick_bytes_max = 256;
inline constexpr std::int64_t lock_duration_ms = 5 * 60 * 1000;
inline constexpr std::size_t admin_items_max = 100;  // <item>s in one muc#admin set

// The stanzas a handler sends, in order. Every stanza has from and to.
class Outbox {
public:
    void send(Element stanza);
    const std::vector<Element>& stanzas() const { return stanzas_; }
    std::vector<Element> take() { return std::move(stanzas_); }

private:
    std::vector<Element> stanzas_;
};

// One stanza as the service received it, addressed and typed.
struct Inbound {
    const Element* stanza = nullptr;  // never null
    Jid from;                         // the sender (a full JID from a client)
    Jid to;                           // prepared; its bare part is the room
    std::string type;                 // "" when absent
    std::int64_t now_ms = 0;
    Ids* ids = nullptr;  // never null

    const Element& element() const { return *stanza; }
};

struct Session {
    Jid jid;           // the real full JID
    Element presence;  // its last presence, without from/to and MUC payloads
    bool operator==(const Session&) const = default;
};

struct Occupant {
    std::string nick;
    Jid bare_jid;
    Role role = Role::none;
    std::vector<Session> sessions;  // in join order; the first available one is primary

    const Session& primary() const;
    const Session* session(const Jid& real_jid) const;
    Session* session(const Jid& real_jid);
    bool operator==(const Occupant&) const = default;
};

struct AffiliationRecord {
    Affiliation affiliation = Affiliation::none;
    std::string reserved_nick;          // empty when none
    std::optional<std::string> reason;  // stored with the affiliation (trunk)
    bool operator==(const AffiliationRecord&) const = default;
};

enum class Whois { moderators, anyone };
// muc#roomconfig_allowpm: from whom private messages are allowed.
enum class PmPolicy { everyone, participants, moderators, members, nobody };

struct RoleSet {
    bool none = false;
    bool visitor = true;
    bool participant = true;
    bool moderator = true;
    bool contains(Role role) const;
    bool operator==(const RoleSet&) const = default;
};

struct RoomConfig {
    std::string name;
    std::string description;
    std::string language;
    bool persistent = false;
    bool public_room = false;
    std::string password;
    bool members_only = false;
    bool allow_member_invites = false;
    bool change_subject = false;
    bool moderated = false;
    Whois whois = Whois::moderators;
    int history_length = 20;
    int default_history_messages = 20;
    RoleSet presence_broadcast;
    PmPolicy allow_pm = PmPolicy::everyone;
    bool allow_modpm = false;
    bool archiving = true;  // muc#roomconfig_enablearchiving (stored only: no archive here)
    bool operator==(const RoomConfig&) const = default;
};

struct Subject {
    std::string text;
    std::string setter_nick;   // empty: from the room itself
    bool ever_changed = false;  // once changed, a delay is attached
    std::int64_t changed_ms = 0;
    bool operator==(const Subject&) const = default;
};

struct HistoryEntry {
    Element message;  // the broadcast copy, without `to`, delay appended
    std::int64_t stamp_s = 0;
    bool operator==(const HistoryEntry&) const = default;
};

// What a destroyed room leaves behind (§1.2), kept by the service.
struct DestroyNotice {
    std::optional<std::string> alternate;
    std::optional<std::string> reason;
};

class Room {
public:
    // A new room, locked, with the default configuration.
    // `faults` are bugs to have on purpose (model/faults.hpp): configuration, not state.
    Room(Jid room_jid, std::string service_host, std::int64_t now_ms, std::string_view language,
         FaultSet faults = {});

    // The presence that created the room (§1.4).
    void handle_first_presence(const Inbound& in, Outbox& out);
    void handle_presence(const Inbound& in, Outbox& out);
    void handle_message(const Inbound& in, Outbox& out);
    void handle_iq(const Inbound& in, Outbox& out);

    // Removes everyone (§7): each occupant gets its own unavailable presence.
    void destroy(const DestroyNotice& notice, std::optional<std::string> password, Outbox& out);
    // Internal affiliation change (no actor, no permission check): ad-hoc
    // commands. Returns the error, if any.
    std::optional<StanzaError> set_affiliation_internal(const Jid& jid, std::string_view affiliation,
                                                        std::optional<std::string> reason, Outbox& out);
    // The lock ends lazily when its time has come (§1.4).
    void expire_lock(std::int64_t now_ms);

    const Jid& jid() const { return jid_; }
    const RoomConfig& config() const { return config_; }
    const std::vector<Occupant>& occupants() const { return occupants_; }
    const std::map<Jid, AffiliationRecord>& affiliations() const { return affiliations_; }
    const Subject& subject() const { return subject_; }
    const std::vector<HistoryEntry>& history() const { return history_; }
    bool locked() const { return locked_until_ms_.has_value(); }
    bool destroyed() const { return destroyed_.has_value(); }
    const std::optional<DestroyNotice>& destroy_notice() const { return destroyed_; }

    // The affiliation of a (full or bare) JID, domain bans included.
    Affiliation affiliation_of(const Jid& jid) const;
    const Occupant* occupant_by_nick(std::string_view nick) const;
    const Occupant* occupant_by_session(const Jid& real_jid) const;
    std::string reserved_nick_of(const Jid& bare_jid) const;

    void encode(std::string& out, const Renaming& renaming = {}) const;
    // Asserts the room's invariants (programmer errors only).
    void check_invariants() const;

    bool operator==(const Room&) const = default;

private:
    // What goes into a muc#user <x> before the items: status codes or <destroy>.
    struct XParts {
        std::vector<Element> base;                 // for everyone
        std::optional<std::vector<Element>> self;  // for the occupant's own copies, when different
    };
    // Extras on each <item>: the nick attribute, actor and reason children.
    struct ItemExtras {
        std::string nick;
        std::optional<Jid> actor;  // real full JID of the actor
        std::optional<std::string> reason;
    };
    struct AffiliationDataChange {
        enum class Mode { merge, replace, clear } mode = Mode::merge;
        std::optional<std::string> nick;
        std::optional<std::string> reason;
        bool evict_squatter = false;  // kick whoever else holds `nick` (muc#admin, §3.2)
    };
    // What a muc#admin set sends, held back until every item has applied.
    struct AdminOutcome {
        Outbox kicked;   // the kicked occupants' own copies (role none)
        Outbox notices;  // everything else the changes send
        bool kick = false;
        bool affiliation = false;
    };

    // ---- room.cpp: state and shared building blocks
    Occupant* find_occupant(std::string_view nick);
    void store_occupant(Occupant occupant);
    void remove_occupant(std::string_view nick);
    void remove_session(Occupant& occupant, const Jid& real_jid);
    std::string occupant_jid(std::string_view nick) const;
    const std::string& room_jid() const { return room_jid_text_; }
    Affiliation stored_affiliation(const Jid& bare_jid) const;
    std::optional<Jid> reserved_by(std::string_view nick) const;
    Role role_of_session(const Jid& real_jid) const;
    Role default_role_for(Affiliation affiliation) const;
    bool can_see_real_jids(Role viewer_role) const;
    bool is_anonymous_for(const Jid& real_jid) const;
    void reply_error(const Inbound& in, const StanzaError& error, Outbox& out) const;
    void reply_result(const Inbound& in, Outbox& out) const;
    void send_to_occupant(const Occupant& occupant, const Element& stanza, Outbox& out) const;
    // Injected faults: passes on only what `occupant`'s own sessions receive.
    static void keep_own_copies(Outbox& produced, const Occupant& occupant, Outbox& out);

    void add_items(Element& x, const Occupant& occupant, bool anonymous, const ItemExtras& extras,
                   bool with_actor_jid) const;
    Element base_presence(const Occupant& occupant, bool force_unavailable) const;
    void publicise(const Occupant& occupant, const XParts& x, const ItemExtras& extras,
                   std::optional<Role> prev_role, bool force_unavailable, Outbox& out) const;
    Element presence_for_viewer(const Occupant& occupant, const Occupant& viewer) const;
    // The occupant list for `to` (§1.5): occupants for which `include` holds,
    // then, when `none` is broadcast, unavailable presences of absent affiliated users.
    void send_occupant_list(const Jid& to, const std::function<bool(const Occupant&)>& include,
                            Outbox& out) const;

    // ---- room_presence.cpp: joining, leaving, nick changes, probes (§1, §2)
    void handle_presence_to_occupant(const Inbound& in, const std::string& nick, Outbox& out);
    void handle_normal_presence(const Inbound& in, const std::string& nick, Outbox& out);
    std::optional<StanzaError> join_refusal(const Inbound& in, std::string_view nick, bool creating) const;
    std::optional<StanzaError> nick_refusal(const Inbound& in, std::string_view nick) const;
    void join(const Inbound& in, const std::string& nick, Outbox& out);
    void update_presence(const Inbound& in, const Occupant& orig, Outbox& out);
    void change_nick(const Inbound& in, const Occupant& orig, const std::string& nick, Outbox& out);
    void leave(const Inbound& in, const Occupant& orig, Outbox& out);
    // Is `leaving` (on its last session) the last occupant of a room still locked (§10.1.3)?
    bool abandons_locked_room(const Occupant& leaving) const;
    void respond_to_probe(const Inbound& in, const std::string& nick, Outbox& out) const;
    void handle_kickable(const Inbound& in, Outbox& out);
    void send_history(const Inbound& in, Outbox& out) const;
    void send_subject(const Jid& to, Outbox& out) const;

    // ---- room_admin.cpp: affiliations and roles (§3)
    void handle_admin_set(const Inbound& in, Outbox& out);
    std::optional<StanzaError> apply_admin_item(const Inbound& in, const Element& item, AdminOutcome& outcome);
    void handle_admin_get(const Inbound& in, Outbox& out) const;
    std::optional<StanzaError> set_affiliation(const std::optional<Jid>& actor, const Jid& jid,
                                               std::string_view affiliation, const std::optional<std::string>& reason,
                                               const AffiliationDataChange& data, Outbox& out);
    void announce_affiliation(const Jid& target, Affiliation affiliation, Role new_role,
                              const std::optional<Jid>& actor, const std::optional<std::string>& reason,
                              const std::vector<std::pair<std::string, Role>>& updated, Outbox& out);
    // A kick (role none) sends the kicked occupant's own copies to `kicked_out` when given.
    std::optional<StanzaError> set_role(const std::optional<Jid>& actor, std::string_view nick,
                                        std::string_view role, const std::optional<std::string>& reason,
                                        Outbox& out, Outbox* kicked_out = nullptr);
    int owners_other_than(const Jid& bare_jid) const;

    // ---- room_owner.cpp: configuration and destruction (§4, §7)
    void handle_owner_get(const Inbound& in, Outbox& out) const;
    void handle_owner_set(const Inbound& in, Outbox& out);
    void process_config_form(const Inbound& in, const Element& x, Outbox& out);
    std::vector<int> apply_config(const SubmittedForm& form, Outbox& out);
    bool set_members_only(bool members_only, Outbox& out);
    bool set_presence_broadcast(RoleSet roles, Outbox& out);
    Element config_form() const;

    // ---- room_message.cpp: groupchat, private messages, invitations (§5)
    void handle_groupchat(const Inbound& in, Outbox& out);
    void change_subject(const Inbound& in, const Element& message, const Occupant& occupant, Outbox& out);
    void broadcast_message(const Element& message, std::int64_t now_ms, Outbox& out);
    void add_to_history(const Element& message, std::int64_t now_ms);
    void handle_private_message(const Inbound& in, Outbox& out);
    std::optional<StanzaError> private_message_refusal(const Occupant& sender, const Occupant& recipient) const;
    void handle_invite(const Inbound& in, const Element& invite, Outbox& out);
    void handle_decline(const Inbound& in, const Element& decline, Outbox& out) const;
    void handle_voice_request(const Inbound& in, const SubmittedForm& form, Outbox& out);
    void handle_iq_to_occupant(const Inbound& in, Outbox& out) const;

    // ---- room_register.cpp: registration and discovery (§6)
    void handle_register(const Inbound& in, Outbox& out);
    void handle_register_set(const Inbound& in, Affiliation affiliation, Outbox& out);
    void handle_disco_info(const Inbound& in, Outbox& out) const;
    void handle_disco_items(const Inbound& in, Outbox& out) const;

    Jid jid_;
    std::string room_jid_text_;
    std::string service_host_;
    RoomConfig config_;
    std::map<Jid, AffiliationRecord> affiliations_;  // by bare JID (or bare domain)
    std::vector<Occupant> occupants_;                // in join order
    std::map<Jid, std::string> nick_by_session_;     // every live session → its nick
    Subject subject_;
    std::vector<HistoryEntry> history_;  // oldest first, at most history_length
    std::optional<std::int64_t> locked_until_ms_;
    std::optional<DestroyNotice> destroyed_;
    FaultSet faults_;
};

// The muc#user <x> element.
Element muc_user_x();
Element status_code(int code);
// A presence or message copy as stored: no from/to, no MUC payloads (§8).
Element filtered_copy(const Element& stanza);

}  // namespace mucsim::model
