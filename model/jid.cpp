#include "model/jid.hpp"

#include <fmt/format.h>

#include <cassert>

#include "model/stringprep.hpp"

namespace mucsim::model {

Result<Jid> Jid::parse(std::string_view text) {
    if (text.empty()) return InputError{0, 0, "empty JID"};
    // RFC 6122 section 2.1: the first '/' ends the domain; '@' before it ends the node.
    std::size_t slash = text.find('/');
    std::string_view before_resource = text.substr(0, slash);
    std::size_t at = before_resource.find('@');
    std::string_view node = at == std::string_view::npos ? std::string_view() : before_resource.substr(0, at);
    std::string_view domain = at == std::string_view::npos ? before_resource : before_resource.substr(at + 1);
    Jid jid;
    if (at != std::string_view::npos) {
        std::optional<std::string> prepared = nodeprep(node);
        if (!prepared) return InputError{0, 0, fmt::format("invalid node '{}' in JID '{}'", node, text)};
        jid.node_ = std::move(*prepared);
    }
    std::optional<std::string> prepared_domain = nameprep(domain);
    if (!prepared_domain) return InputError{0, 0, fmt::format("invalid domain '{}' in JID '{}'", domain, text)};
    jid.domain_ = std::move(*prepared_domain);
    if (slash != std::string_view::npos) {
        std::string_view resource = text.substr(slash + 1);
        std::optional<std::string> prepared = resourceprep(resource);
        if (!prepared) return InputError{0, 0, fmt::format("invalid resource '{}' in JID '{}'", resource, text)};
        jid.resource_ = std::move(*prepared);
    }
    return jid;
}

Jid Jid::from_parts(std::string_view node, std::string_view domain, std::string_view resource) {
    Jid jid;
    jid.node_ = node;
    jid.domain_ = domain;
    jid.resource_ = resource;
    assert(!jid.domain_.empty());
    return jid;
}

Jid Jid::bare() const {
    Jid jid = *this;
    jid.resource_.clear();
    return jid;
}

Jid Jid::with_resource(std::string_view resource) const {
    Jid jid = *this;
    jid.resource_ = resource;
    return jid;
}

std::string Jid::bare_str() const {
    if (node_.empty()) return domain_;
    std::string out;
    out.reserve(node_.size() + 1 + domain_.size());
    out += node_;
    out += '@';
    out += domain_;
    return out;
}

std::string Jid::str() const {
    std::string out = bare_str();
    if (!resource_.empty()) {
        out += '/';
        out += resource_;
    }
    return out;
}

}  // namespace mucsim::model
