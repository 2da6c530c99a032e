#pragma once
// A Jabber ID: node@domain/resource (RFC 6122). Parsing prepares each part
// (nodeprep, nameprep, resourceprep), so two JIDs are equal exactly when their
// prepared forms are: node and domain compare case-insensitively, the
// resource exactly.

#include <compare>
#include <string>
#include <string_view>

#include "model/result.hpp"

namespace mucsim::model {

class Jid {
public:
    Jid() = default;

    // Parses and prepares. The error says which part is wrong and why.
    static Result<Jid> parse(std::string_view text);
    // For JIDs the program itself builds from parts known to be valid.
    static Jid from_parts(std::string_view node, std::string_view domain, std::string_view resource = {});

    const std::string& node() const { return node_; }
    const std::string& domain() const { return domain_; }
    const std::string& resource() const { return resource_; }

    bool empty() const { return domain_.empty(); }
    bool is_bare() const { return resource_.empty(); }
    bool is_full() const { return !resource_.empty(); }
    bool is_domain() const { return node_.empty() && resource_.empty(); }

    Jid bare() const;
    Jid with_resource(std::string_view resource) const;

    std::string str() const;
    std::string bare_str() const;

    bool operator==(const Jid&) const = default;
    auto operator<=>(const Jid&) const = default;

private:
    std::string node_;
    std::string domain_;
    std::string resource_;
};

}  // namespace mucsim::model
