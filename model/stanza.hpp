#pragma once
// Stanza helpers: stanza errors and replies exactly as Prosody builds them
// (prosody-muc.md §0), time stamps (XEP-0082), and small builders.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/renaming.hpp"
#include "model/xml.hpp"

namespace mucsim::model {

// A stanza error (RFC 6120 §8.3). `text` and `by` are empty when absent.
struct StanzaError {
    std::string type;       // cancel, modify, auth, wait, continue
    std::string condition;  // e.g. "item-not-found"
    std::string text;
    std::string by;

    static StanzaError cancel(std::string_view condition, std::string_view text = {}, std::string_view by = {});
    static StanzaError modify(std::string_view condition, std::string_view text = {}, std::string_view by = {});
    static StanzaError auth(std::string_view condition, std::string_view text = {}, std::string_view by = {});
    static StanzaError wait(std::string_view condition, std::string_view text = {}, std::string_view by = {});

    bool operator==(const StanzaError&) const = default;
};

// A new stanza in the client namespace.
Element make_stanza(std::string_view name, std::string_view from, std::string_view to);
// A child element in the client namespace (body, subject, status, …).
Element client_element(std::string_view name, std::string_view text = {});
// An element in the namespace `ns`, with `text` when not empty (an empty
// element has no text node, as a parsed one has none).
Element ns_element(std::string_view name, std::string_view ns, std::string_view text = {});

// The error reply to `original`, sent from `from` to `to`: same name, same id
// (absent when the original had none), type error, no payload, one <error>
// child. `by` is dropped when it equals `from`. The original must not be an
// error itself.
Element error_reply(const Element& original, std::string_view from, std::string_view to, const StanzaError& error);
// The same, addressed by swapping the original's from and to.
Element error_reply(const Element& original, const StanzaError& error);
// An empty iq result to `iq`, from `from` to `to`, with the iq's id.
Element iq_result(const Element& iq, std::string_view from, std::string_view to);

// An error element read from a stanza of type error (util.stanza get_error).
struct ErrorInfo {
    bool present = false;                  // the stanza has an <error> child
    std::string condition;                 // "undefined-condition" when none is given
    std::optional<std::string> text;
};
ErrorInfo read_error(const Element& stanza);
// Errors that show a client is gone, so that its session is removed (§2.5).
bool is_kickable_error(const Element& stanza);

// XEP-0082 date-time in whole seconds: "2025-01-01T12:00:00Z".
std::string format_stamp(std::int64_t unix_ms);
// Parses a XEP-0082 date-time to Unix seconds (fractions dropped, offsets applied).
std::optional<std::int64_t> parse_stamp_s(std::string_view text);

// Strict decimal integer (optional sign), as Lua's tonumber for integers.
std::optional<std::int64_t> parse_integer(std::string_view text);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
// A stable 64-bit hash (FNV-1a) as 16 hex digits: not secret, only stable.
std::string stable_hash(std::string_view bytes);

// Canonical encoding for state hashing: length-prefixed, attribute order
// ignored (sorted), so that equal values give equal bytes.
void encode_string(std::string& out, std::string_view text);
void encode_int(std::string& out, std::int64_t value);
void encode_element(std::string& out, const Element& element);
// The same with JID-shaped attribute values renamed (for symmetry).
void encode_element(std::string& out, const Element& element, const Renaming& renaming);
// 64 bits of a state encoding (eight bytes a round, then splitmix64):
// fingerprints of explored states and of queued stanzas.
std::uint64_t fingerprint64(std::string_view bytes);
// A JID-shaped text, renamed (no copy when the renaming is empty).
void encode_jid(std::string& out, std::string_view text, const Renaming& renaming);

}  // namespace mucsim::model
