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

#include <map>
#include <optional>
#include <string>

#include "model/xml.hpp"

namespace mucsim::traces {

using Captures = std::map<std::string, std::string, std::less<>>;

struct Mismatch {
    std::string path;    // e.g. /presence/x/item[1]
    std::string reason;  // e.g. attribute 'role': expected 'moderator', received 'none'
};

// nullopt when `received` matches `expected`. Captures are recorded only on
// a match.
std::optional<Mismatch> match_stanza(const model::Element& expected, const model::Element& received,
                                     Captures& captures);

inline bool matches(const model::Element& expected, const model::Element& received, Captures& captures) {
    return !match_stanza(expected, received, captures).has_value();
}

// A mismatch explained for people: where, what, and both stanzas.
std::string explain_mismatch(const Mismatch& mismatch, const model::Element& expected,
                             const model::Element& received);

}  // namespace mucsim::traces
