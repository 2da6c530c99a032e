#pragma once
// Injected faults: named, realistic MUC bugs the service can be told to have
// at run time (--inject NAME). They prove the properties are sharp: each
// invariant is shown, in a test, to catch at least one of them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mucsim::model {

enum class Fault : std::uint8_t {
    drop_nonoccupant_affiliation_notice,  // no message to occupants when a non-occupant's affiliation changes
    skip_affiliation_presence,            // an occupant's affiliation change is not shown to the others
    wrong_ban_status,                     // a ban removes the occupant with 307 instead of 301
    self_presence_before_others,          // a joiner gets its own presence before the occupants'
    missing_status_110,                   // a joiner's own presence lacks status 110
    skip_leave_broadcast,                 // the others are not told when an occupant leaves
    leak_real_jid,                        // real JIDs shown to everyone in semi-anonymous rooms
    admit_outcast,                        // outcasts may join
    skip_members_only_kick,               // turning members-only on leaves non-members inside
    drop_iq_reply,                        // an affiliation change gets no iq result
    allow_last_owner_removal,             // the last owner may give up ownership
    ignore_nick_conflict,                 // a second user may take an occupied nick
    drop_nick_change_presence,            // after a nick change, the others never see the new nick
    visitor_may_speak,                    // visitors' messages are broadcast in moderated rooms
    missing_status_201,                   // a new room's creation presence lacks status 201
    skip_join_broadcast,                  // the occupants are not shown a newcomer
    drop_empty_subject_on_join,           // a joiner of a room without a subject gets no <subject/>
    self_presence_without_110_on_role_change,  // a role change's self-presence lacks 110
    status_100_to_everyone,               // a joiner's presence carries 100 to everyone, in any room
    history_delay_without_from,           // history's <delay/> has no from (the room's JID)
    admit_invisible_nick,                 // a nick of spaces only is admitted
    error_removal_333_to_self_only,       // an error removal tells only the removed user 333
};

struct FaultInfo {
    Fault fault;
    std::string_view name;
    std::string_view description;
};

const std::vector<FaultInfo>& all_faults();
std::optional<Fault> parse_fault(std::string_view name);
std::string_view fault_name(Fault fault);

class FaultSet {
public:
    bool has(Fault fault) const { return (bits_ >> static_cast<unsigned>(fault)) & 1U; }
    void add(Fault fault) { bits_ |= 1ULL << static_cast<unsigned>(fault); }
    bool empty() const { return bits_ == 0; }
    std::vector<std::string> names() const;
    bool operator==(const FaultSet&) const = default;

private:
    std::uint64_t bits_ = 0;
};

}  // namespace mucsim::model
