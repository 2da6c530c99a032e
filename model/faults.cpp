#include "model/faults.hpp"

namespace mucsim::model {

const std::vector<FaultInfo>& all_faults() {
    static const std::vector<FaultInfo> faults{
        {Fault::drop_nonoccupant_affiliation_notice, "drop-nonoccupant-affiliation-notice",
         "occupants are not told when the affiliation of a user outside the room changes"},
        {Fault::skip_affiliation_presence, "skip-affiliation-presence",
         "an occupant's changed affiliation is shown to that occupant only"},
        {Fault::wrong_ban_status, "wrong-ban-status", "a banned occupant is removed with status 307 (kick), not 301"},
        {Fault::self_presence_before_others, "self-presence-before-others",
         "a joiner gets its own presence before those of the occupants"},
        {Fault::missing_status_110, "missing-status-110", "a joiner's own presence lacks status 110"},
        {Fault::skip_leave_broadcast, "skip-leave-broadcast", "the occupants are not told when someone leaves"},
        {Fault::leak_real_jid, "leak-real-jid", "real JIDs are shown to everyone, also in semi-anonymous rooms"},
        {Fault::admit_outcast, "admit-outcast", "outcasts are let in"},
        {Fault::skip_members_only_kick, "skip-members-only-kick",
         "making a room members-only leaves the non-members inside"},
        {Fault::drop_iq_reply, "drop-iq-reply", "an accepted affiliation change gets no iq result"},
        {Fault::allow_last_owner_removal, "allow-last-owner-removal", "the last owner may give up ownership"},
        {Fault::ignore_nick_conflict, "ignore-nick-conflict", "a second user may take a nick already in use"},
        {Fault::drop_nick_change_presence, "drop-nick-change-presence",
         "after a nick change the occupants get the 303 but never the new nick's presence"},
        {Fault::visitor_may_speak, "visitor-may-speak", "visitors' messages are broadcast in moderated rooms"},
        {Fault::missing_status_201, "missing-status-201", "the presence that creates a room lacks status 201"},
        {Fault::skip_join_broadcast, "skip-join-broadcast", "the occupants are not shown a newcomer's presence"},
        {Fault::drop_empty_subject_on_join, "drop-empty-subject-on-join",
         "a joiner of a room that has no subject gets no (empty) subject message"},
        {Fault::self_presence_without_110_on_role_change, "self-presence-without-110-on-role-change",
         "when an occupant's role changes, its own presence lacks status 110"},
        {Fault::status_100_to_everyone, "status-100-to-everyone",
         "a joiner's presence carries status 100 to every occupant, in semi-anonymous rooms too"},
        {Fault::history_delay_without_from, "history-delay-without-from",
         "discussion history's <delay/> lacks the room's JID as from"},
        {Fault::admit_invisible_nick, "admit-invisible-nick", "a nick of only spaces is let in"},
        {Fault::error_removal_333_to_self_only, "error-removal-333-to-self-only",
         "an occupant removed for an error reply is told 333, the others are not"},
    };
    return faults;
}

std::optional<Fault> parse_fault(std::string_view name) {
    for (const FaultInfo& info : all_faults()) {
        if (info.name == name) return info.fault;
    }
    return std::nullopt;
}

std::string_view fault_name(Fault fault) {
    for (const FaultInfo& info : all_faults()) {
        if (info.fault == fault) return info.name;
    }
    return "?";
}

std::vector<std::string> FaultSet::names() const {
    std::vector<std::string> out;
    for (const FaultInfo& info : all_faults()) {
        if (has(info.fault)) out.emplace_back(info.name);
    }
    return out;
}

}  // namespace mucsim::model
