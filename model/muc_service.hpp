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
#include <memory>
#include <string>
#include <vector>

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
};

class Room;  // model/room.hpp

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
    void encode(std::string& out) const;

    std::size_t room_count() const { return rooms_.size(); }
    // Read-only view of a room by its bare JID, or nullptr.
    const Room* room(const std::string& room_bare_jid) const;

private:
    ServiceConfig config_;
    // Keyed by the room's node (its local part), ordered: determinism.
    std::map<std::string, std::unique_ptr<Room>> rooms_;
};

}  // namespace mucsim::model
