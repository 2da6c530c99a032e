#pragma once
// scansion's matching of a received stanza against an expected one
// (../shared/docs/scansion.md, "Matching a received stanza").
//
// An element in jabber:client is matched non-strictly: expected attributes
// must be present with equal values, each expected child must match some
// received child. An element in any other namespace is matched strictly:
// the same attributes, the same children in the same order. The attribute
// scansion:strict="true|false" overrides the mode of its element only.
// Expected text, trimmed, must equal received text when it is not empty.
//
// MatchMode::xep also leaves free what XEP-0045 leaves free and scansion
// does not: the order of a strict element's children (servers order the
// <item/> and <status/> children of a muc#user <x/> differently, and the
// status codes among themselves). The children are still the same ones, as
// many, with the same attributes: only their order is free. And a muc#user
// <item/> expected without a role may say role='none' (XEP-0045 §9.3's own
// example does; Prosody leaves it out).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/xml.hpp"

namespace mucsim::traces {

using Captures = std::map<std::string, std::string, std::less<>>;

enum class MatchMode { scansion, xep };

// "scansion" or "xep"; nullopt for anything else.
std::optional<MatchMode> parse_match_mode(std::string_view text);

struct Mismatch {
    std::string path;    // e.g. /presence/x/item[1]
    std::string reason;  // e.g. attribute 'role': expected 'moderator', received 'none'
};

// nullopt when `received` matches `expected`. Captures are recorded only on
// a match.
std::optional<Mismatch> match_stanza(const model::Element& expected, const model::Element& received,
                                     Captures& captures, MatchMode mode = MatchMode::scansion);

inline bool matches(const model::Element& expected, const model::Element& received, Captures& captures,
                    MatchMode mode = MatchMode::scansion) {
    return !match_stanza(expected, received, captures, mode).has_value();
}

// A mismatch explained for people: where, what, and both stanzas.
std::string explain_mismatch(const Mismatch& mismatch, const model::Element& expected,
                             const model::Element& received);

}  // namespace mucsim::traces
