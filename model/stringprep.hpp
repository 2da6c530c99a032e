#pragma once
// The stringprep profiles of RFC 6122 that XMPP servers (Prosody among them)
// apply to JIDs, through GNU libidn as Prosody does. Strict preparation also
// refuses code points unassigned in Unicode 3.2 (new emoji, for instance).

#include <optional>
#include <string>
#include <string_view>

namespace mucsim::model {

enum class Prep { lenient, strict };

std::optional<std::string> nodeprep(std::string_view node, Prep mode = Prep::lenient);
std::optional<std::string> nameprep(std::string_view domain, Prep mode = Prep::lenient);
std::optional<std::string> resourceprep(std::string_view resource, Prep mode = Prep::lenient);

}  // namespace mucsim::model
