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

std::optional<std::string> nodeprep(std::string_view node, Prep mode) {
    if (node.empty() || node.size() > part_bytes_max) return std::nullopt;
    if (!is_ascii(node)) return prep_with_libidn(node, stringprep_xmpp_nodeprep, mode);
    std::string out;
    out.reserve(node.size());
    for (char c : node) {
        // RFC 6122 appendix A.5: these are prohibited in a node.
        if (ascii_control(c) || c == ' ' || c == '"' || c == '&' || c == '\'' || c == '/' || c == ':' ||
            c == '<' || c == '>' || c == '@') {
            return std::nullopt;
        }
        out += ascii_lower(c);
    }
    return out;
}

std::optional<std::string> nameprep(std::string_view domain, Prep mode) {
    if (domain.empty() || domain.size() > part_bytes_max) return std::nullopt;
    if (!is_ascii(domain)) return prep_with_libidn(domain, stringprep_nameprep, mode);
    std::string out;
    out.reserve(domain.size());
    for (char c : domain) {
        // Domains are host names: letters, digits, hyphens, dots (and IP literals).
        bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '[' || c == ']' || c == ':';
        if (!allowed) return std::nullopt;
        out += ascii_lower(c);
    }
    if (out.front() == '.' || out.find("..") != std::string::npos) return std::nullopt;
    if (out.back() == '.') out.pop_back();  // a trailing dot names the same host
    if (out.empty()) return std::nullopt;
    return out;
}

std::optional<std::string> resourceprep(std::string_view resource, Prep mode) {
    if (resource.empty() || resource.size() > part_bytes_max) return std::nullopt;
    if (!is_ascii(resource)) return prep_with_libidn(resource, stringprep_xmpp_resourceprep, mode);
    // Printable ASCII, space included, is unchanged by resourceprep.
    if (std::any_of(resource.begin(), resource.end(), ascii_control)) return std::nullopt;
    return std::string(resource);
}

}  // namespace mucsim::model
