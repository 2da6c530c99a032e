#pragma once
// The MUC service: a XEP-0045 component (conference.localhost by default).
//
// It is pure: one stanza in (its `from` already stamped by the user's server
// with the sender's full JID), the stanzas it sends out, in order. Time and
// ids are handed to it; it reads no clock and no random source, so the same
// inputs give the same outputs, and a copy of the service is a snapshot.
// Where XEP-0045 leaves a choice, it does what Prosody does
// (../shared/docs/prosody-muc.md).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/faults.hpp"
#include "model/jid.hpp"
#include "model/room.hpp"
#include "model/xml.hpp"

namespace mucsim::model {

// Deterministic ids for stanzas and form sessions the service creates.
class Ids {
public:
    explicit Ids(std::string prefix = "m") : prefix_(std::move(prefix)) {}
    std::string next();
    std::uint64_t issued() const { return next_ - 1; }
    bool operator==(const Ids&) const = default;

private:
    std::string prefix_;
    std::uint64_t next_ = 1;
};

// What the service is handed with each stanza instead of reading the world.
struct Environment {
    std::int64_t now_ms = 0;  // virtual Unix time in milliseconds (delay stamps, lock expiry)
    Ids* ids = nullptr;       // never null when handling
};

struct ServiceConfig {
    std::string host = "conference.localhost";
    // Bare JIDs of the component's admins (ad-hoc destroy, …).
    std::vector<std::string> admins = {"admin@localhost"};
    // Bugs to have on purpose (model/faults.hpp); none by default.
    FaultSet faults;
};

// Limits of the service as a whole.
inline constexpr std::size_t rooms_max = 1000;
inline constexpr std::size_t tombstones_max = 100;
inline constexpr std::int64_t tombstone_ttl_ms = 31LL * 24 * 60 * 60 * 1000;

// What a destroyed persistent room leaves for a while (prosody-muc.md §1.2).
struct Tombstone {
    std::int64_t expires_ms = 0;
    DestroyNotice notice;
};

class MucService {
public:
    explicit MucService(ServiceConfig config = {});
    MucService(const MucService&);
    MucService& operator=(const MucService&);
    MucService(MucService&&) noexcept;
    MucService& operator=(MucService&&) noexcept;
    ~MucService();

    const ServiceConfig& config() const { return config_; }

    // Handles one stanza addressed to the service or one of its rooms. The
    // stanza's `from` is a full JID (stamped by the server). Every returned
    // stanza has `from` and `to` set; they are in the order they are sent.
    std::vector<Element> handle(const Element& stanza, const Environment& env);

    // Appends a canonical encoding of the whole service state: equal states
    // give equal bytes, whatever the allocation or insertion history. The
    // simulator hashes it to deduplicate explored states.
    void encode(std::string& out, const Renaming& renaming = {}) const;

    std::size_t room_count() const { return rooms_.size(); }
    // Read-only view of a room by its bare JID, or nullptr.
    const Room* room(const std::string& room_bare_jid) const;

    const std::map<std::string, Room, std::less<>>& rooms() const { return rooms_; }
    std::size_t tombstone_count() const { return tombstones_.size(); }

private:
    using RoomIterator = std::map<std::string, Room, std::less<>>::iterator;

    bool addressed_to_host(std::string_view to) const;
    void handle_service(const Inbound& in, Outbox& out);
    void handle_room(const Inbound& in, Outbox& out);
    bool answer_tombstone(const Inbound& in, Outbox& out);
    void handle_missing_room(const Inbound& in, Outbox& out);
    void create_room(const Inbound& in, Outbox& out);
    // After a room handled a stanza: forget it if it was destroyed or emptied.
    void finish_room(RoomIterator it, std::size_t occupants_before, std::int64_t now_ms);
    void bury(const Room& room, std::int64_t now_ms);

    // Service-level iqs (§6.3, §7.2).
    void service_disco_info(const Inbound& in, const Element& query, Outbox& out) const;
    void service_disco_items(const Inbound& in, const Element& query, Outbox& out) const;
    void handle_command(const Inbound& in, const Element& command, Outbox& out);
    Element destroy_command(const Inbound& in, const SubmittedForm& form, Outbox& out);
    Element set_affiliation_command(const Inbound& in, const SubmittedForm& form, Outbox& out);
    Element command_form(std::string_view node) const;
    bool is_admin(const Jid& jid) const;
    void reply_error(const Inbound& in, const StanzaError& error, Outbox& out) const;

    ServiceConfig config_;
    std::vector<Jid> admins_;  // prepared bare JIDs of config_.admins
    // Keyed by the room's node (its local part), ordered: determinism.
    std::map<std::string, Room, std::less<>> rooms_;
    std::map<std::string, Tombstone, std::less<>> tombstones_;
};

}  // namespace mucsim::model
