#include "model/stringprep.hpp"

#include <stringprep.h>

#include <algorithm>
#include <cassert>
#include <vector>

namespace mucsim::model {

namespace {

constexpr std::size_t part_bytes_max = 1023;  // RFC 6122: each part at most 1023 bytes

bool is_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// libidn does the full job; ASCII input, by far the common case in a
// simulation, takes a shortcut that gives the same answers.
std::optional<std::string> prep_with_libidn(std::string_view input, const Stringprep_profile* profile, Prep mode) {
    // Preparation may grow the text (case folding), so leave room.
    std::vector<char> buffer(input.size() * 4 + 16, '\0');
    std::copy(input.begin(), input.end(), buffer.begin());
    Stringprep_profile_flags flags = mode == Prep::strict ? STRINGPREP_NO_UNASSIGNED : Stringprep_profile_flags{};
    int rc = stringprep(buffer.data(), buffer.size(), flags, profile);
    if (rc != STRINGPREP_OK) return std::nullopt;
    std::string out(buffer.data());
    if (out.size() > part_bytes_max) return std::nullopt;
    return out;
}

bool ascii_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

}  // namespace

// RFC 6122 appendix A.5: characters prohibited in a node, besides controls and space.
static bool node_prohibited(char c) {
    return ascii_control(c) || c == ' ' || c == '"' || c == '&' || c == '\'' || c == '/' || c == ':' || c == '<' ||
           c == '>' || c == '@';
}

static std::string ascii_lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

std::optional<std::string> nodeprep(std::string_view node, Prep mode) {
    if (node.empty() || node.size() > part_bytes_max) return std::nullopt;
    if (!is_ascii(node)) return prep_with_libidn(node, stringprep_xmpp_nodeprep, mode);
    if (std::any_of(node.begin(), node.end(), node_prohibited)) return std::nullopt;
    return ascii_lowercase(node);
}

static bool domain_char(char c) {
    // Host names: letters, digits, hyphens, dots (and IP literals).
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '[' || c == ']' || c == ':';
}

std::optional<std::string> nameprep(std::string_view domain, Prep mode) {
    if (domain.empty() || domain.size() > part_bytes_max) return std::nullopt;
    if (!is_ascii(domain)) {
        // Nameprep's NFKC may yield ASCII a host name may not hold (U+00A8
        // becomes a space and a combining mark): the result obeys the ASCII rules.
        std::optional<std::string> prepared = prep_with_libidn(domain, stringprep_nameprep, mode);
        if (!prepared || prepared->empty()) return std::nullopt;
        bool ascii_ok = std::all_of(prepared->begin(), prepared->end(),
                                    [](char c) { return static_cast<unsigned char>(c) >= 0x80 || domain_char(c); });
        if (!ascii_ok || prepared->front() == '.' || prepared->find("..") != std::string::npos) return std::nullopt;
        if (prepared->back() == '.') prepared->pop_back();  // as below: preparing twice changes nothing
        if (prepared->empty()) return std::nullopt;
        return prepared;
    }
    if (!std::all_of(domain.begin(), domain.end(), domain_char)) return std::nullopt;
    if (domain.front() == '.' || domain.find("..") != std::string_view::npos) return std::nullopt;
    if (domain.back() == '.') domain.remove_suffix(1);  // a trailing dot names the same host
    if (domain.empty()) return std::nullopt;
    return ascii_lowercase(domain);
}

std::optional<std::string> resourceprep(std::string_view resource, Prep mode) {
    if (resource.empty() || resource.size() > part_bytes_max) return std::nullopt;
    if (!is_ascii(resource)) return prep_with_libidn(resource, stringprep_xmpp_resourceprep, mode);
    // Printable ASCII, space included, is unchanged by resourceprep.
    if (std::any_of(resource.begin(), resource.end(), ascii_control)) return std::nullopt;
    return std::string(resource);
}

}  // namespace mucsim::model
