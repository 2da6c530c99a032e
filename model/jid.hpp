#pragma once
// A Jabber ID: node@domain/resource (RFC 6122). Parsing prepares each part
// (nodeprep, nameprep, resourceprep), so two JIDs are equal exactly when their
// prepared forms are: node and domain compare case-insensitively, the
// resource exactly.
//
// The prepared JID is kept as one string with the parts' lengths: str() is
// free, and a JID costs one allocation at most.

#include <compare>
#include <cstdint>
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

    std::string_view node() const { return std::string_view(text_).substr(0, node_bytes_); }
    std::string_view domain() const {
        return std::string_view(text_).substr(node_bytes_ == 0 ? 0 : node_bytes_ + 1, domain_bytes_);
    }
    std::string_view resource() const {
        std::size_t bare = bare_bytes();
        return bare == text_.size() ? std::string_view() : std::string_view(text_).substr(bare + 1);
    }

    bool empty() const { return domain_bytes_ == 0; }
    bool is_bare() const { return bare_bytes() == text_.size(); }
    bool is_full() const { return !is_bare(); }
    bool is_domain() const { return node_bytes_ == 0 && is_bare(); }

    Jid bare() const;
    Jid with_resource(std::string_view resource) const;

    const std::string& str() const { return text_; }
    std::string bare_str() const { return std::string(bare_view()); }
    std::string_view bare_view() const { return std::string_view(text_).substr(0, bare_bytes()); }

    bool operator==(const Jid& other) const { return text_ == other.text_; }
    std::strong_ordering operator<=>(const Jid& other) const { return text_ <=> other.text_; }

private:
    std::size_t bare_bytes() const { return node_bytes_ == 0 ? domain_bytes_ : node_bytes_ + 1 + domain_bytes_; }
    void assign(std::string_view node, std::string_view domain, std::string_view resource);
    bool assign_if_prepared(std::string_view text);

    std::string text_;
    std::uint16_t node_bytes_ = 0;    // each part is at most 1023 bytes
    std::uint16_t domain_bytes_ = 0;
};

}  // namespace mucsim::model
