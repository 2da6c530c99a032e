#include "model/jid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "model/stringprep.hpp"

namespace mucsim::model {

namespace {

bool lower_node_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u >= 0x7f || (c >= 'A' && c <= 'Z')) return false;
    return c != '"' && c != '&' && c != '\'' && c != '/' && c != ':' && c != '<' && c != '>' && c != '@';
}

bool lower_domain_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool resource_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
}

}  // namespace

// Already prepared ASCII, the common case in a simulation: preparing changes
// nothing, so the text is the JID and needs no stringprep.
bool Jid::assign_if_prepared(std::string_view text) {
    std::size_t slash = text.find('/');
    std::string_view bare = text.substr(0, slash);
    std::size_t at = bare.find('@');
    std::string_view node = at == std::string_view::npos ? std::string_view() : bare.substr(0, at);
    std::string_view domain = at == std::string_view::npos ? bare : bare.substr(at + 1);
    if (at != std::string_view::npos && (node.empty() || !std::all_of(node.begin(), node.end(), lower_node_char))) {
        return false;
    }
    if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos || !std::all_of(domain.begin(), domain.end(), lower_domain_char)) {
        return false;
    }
    if (slash != std::string_view::npos) {
        std::string_view resource = text.substr(slash + 1);
        if (resource.empty() || !std::all_of(resource.begin(), resource.end(), resource_char)) return false;
    }
    if (node.size() > 1023 || domain.size() > 1023 || text.size() - bare.size() > 1024) return false;
    text_ = text;
    node_bytes_ = static_cast<std::uint16_t>(node.size());
    domain_bytes_ = static_cast<std::uint16_t>(domain.size());
    return true;
}

Result<Jid> Jid::parse(std::string_view text) {
    if (text.empty()) return InputError{0, 0, "empty JID"};
    if (Jid fast; fast.assign_if_prepared(text)) return fast;
    // RFC 6122 section 2.1: the first '/' ends the domain; '@' before it ends the node.
    std::size_t slash = text.find('/');
    std::string_view before_resource = text.substr(0, slash);
    std::size_t at = before_resource.find('@');
    std::string_view node = at == std::string_view::npos ? std::string_view() : before_resource.substr(0, at);
    std::string_view domain = at == std::string_view::npos ? before_resource : before_resource.substr(at + 1);
    // RFC 7622 §3.3.1, §3.4: a localpart or resourcepart is at least one byte
    // once prepared. Preparation maps some characters to nothing (zero-width
    // spaces and joiners, soft hyphens): a nick made only of them names no
    // occupant, and the router refuses it as it refuses an empty one.
    std::optional<std::string> prepared_node;
    if (at != std::string_view::npos) {
        prepared_node = nodeprep(node);
        if (!prepared_node || prepared_node->empty()) {
            return InputError{0, 0, fmt::format("invalid node '{}' in JID '{}'", node, text)};
        }
    }
    std::optional<std::string> prepared_domain = nameprep(domain);
    if (!prepared_domain) return InputError{0, 0, fmt::format("invalid domain '{}' in JID '{}'", domain, text)};
    std::optional<std::string> prepared_resource;
    if (slash != std::string_view::npos) {
        std::string_view resource = text.substr(slash + 1);
        prepared_resource = resourceprep(resource);
        if (!prepared_resource || prepared_resource->empty()) {
            return InputError{0, 0, fmt::format("invalid resource '{}' in JID '{}'", resource, text)};
        }
    }
    Jid jid;
    jid.assign(prepared_node.value_or(""), *prepared_domain, prepared_resource.value_or(""));
    return jid;
}

void Jid::assign(std::string_view node, std::string_view domain, std::string_view resource) {
    assert(node.size() <= 1023 && domain.size() <= 1023 && resource.size() <= 1023);
    text_.clear();
    text_.reserve(node.size() + domain.size() + resource.size() + 2);
    if (!node.empty()) {
        text_ += node;
        text_ += '@';
    }
    text_ += domain;
    if (!resource.empty()) {
        text_ += '/';
        text_ += resource;
    }
    node_bytes_ = static_cast<std::uint16_t>(node.size());
    domain_bytes_ = static_cast<std::uint16_t>(domain.size());
}

Jid Jid::from_parts(std::string_view node, std::string_view domain, std::string_view resource) {
    assert(!domain.empty());
    Jid jid;
    jid.assign(node, domain, resource);
    return jid;
}

Jid Jid::bare() const {
    Jid jid;
    jid.text_ = std::string(bare_view());
    jid.node_bytes_ = node_bytes_;
    jid.domain_bytes_ = domain_bytes_;
    return jid;
}

Jid Jid::with_resource(std::string_view resource) const {
    Jid jid;
    jid.assign(node(), domain(), resource);
    return jid;
}

}  // namespace mucsim::model
