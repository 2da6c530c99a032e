#pragma once
// scansion's variables: ${Romeo's full JID} and ${Romeo's JID}.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"
#include "model/xml.hpp"

namespace mucsim::traces {

struct VariableRef {
    std::string client;  // "Juliet's phone" in ${Juliet's phone's full JID}
    bool full = false;   // full JID, or bare
};

// Reads the inside of ${...}; the error says which forms exist.
model::Result<VariableRef, std::string> parse_variable(std::string_view inside);

// Every ${...} written in the attribute values and text of an element, in
// document order (the inside text only).
std::vector<std::string> variables_in(const model::Element& element);

// Full JIDs by client name, for substitution.
using Bindings = std::map<std::string, std::string, std::less<>>;

// Replaces every variable; fails naming the first one that cannot be bound.
model::Result<model::Element, std::string> substitute(const model::Element& element, const Bindings& bindings);

// The reverse, for writing traces as scripts: each full JID becomes
// ${Name's full JID} and each bare JID ${Name's JID}, in attribute values.
model::Element abstract_jids(const model::Element& element, const Bindings& bindings);

}  // namespace mucsim::traces
