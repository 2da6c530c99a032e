#include "model/stanza.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <span>
#include <cassert>
#include <charconv>
#include <cstring>

#include "model/namespaces.hpp"

namespace mucsim::model {

namespace {

StanzaError make_error(std::string_view type, std::string_view condition, std::string_view text,
                       std::string_view by) {
    assert(!condition.empty());
    return StanzaError{std::string(type), std::string(condition), std::string(text), std::string(by)};
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

// Reads exactly `digits` decimal digits at `pos`.
std::optional<unsigned> read_digits(std::string_view text, std::size_t pos, std::size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = pos; i < pos + digits; ++i) {
        char c = text[i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value;
}

bool expect(std::string_view text, std::size_t pos, char c) { return pos < text.size() && text[pos] == c; }

constexpr std::string_view base64_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

StanzaError StanzaError::cancel(std::string_view condition, std::string_view text, std::string_view by) {
    return make_error("cancel", condition, text, by);
}
StanzaError StanzaError::modify(std::string_view condition, std::string_view text, std::string_view by) {
    return make_error("modify", condition, text, by);
}
StanzaError StanzaError::auth(std::string_view condition, std::string_view text, std::string_view by) {
    return make_error("auth", condition, text, by);
}
StanzaError StanzaError::wait(std::string_view condition, std::string_view text, std::string_view by) {
    return make_error("wait", condition, text, by);
}

Element make_stanza(std::string_view name, std::string_view from, std::string_view to) {
    Element stanza{std::string(name), std::string(ns::client)};
    stanza.set("from", from);
    stanza.set("to", to);
    return stanza;
}

Element client_element(std::string_view name, std::string_view text) {
    Element element{std::string(name), std::string(ns::client)};
    if (!text.empty()) element.text(text);
    return element;
}

Element ns_element(std::string_view name, std::string_view element_ns, std::string_view text) {
    Element element{std::string(name), std::string(element_ns)};
    if (!text.empty()) element.text(text);
    return element;
}

Element error_reply(const Element& original, std::string_view from, std::string_view to, const StanzaError& error) {
    assert(original.attribute("type") != "error" && "never answer an error with an error");
    Element reply = make_stanza(original.name, from, to);
    if (const std::string* id = original.find_attribute("id")) reply.set("id", *id);
    reply.set("type", "error");
    Element& error_element = reply.add(client_element("error"));
    error_element.set("type", error.type);
    if (!error.by.empty() && error.by != from) error_element.set("by", error.by);
    error_element.append(ns_element(error.condition, ns::stanzas));
    if (!error.text.empty()) error_element.append(ns_element("text", ns::stanzas, error.text));
    return reply;
}

Element error_reply(const Element& original, const StanzaError& error) {
    return error_reply(original, original.attribute("to"), original.attribute("from"), error);
}

Element iq_result(const Element& iq, std::string_view from, std::string_view to) {
    assert(iq.name == "iq");
    Element reply = make_stanza("iq", from, to);
    if (const std::string* id = iq.find_attribute("id")) reply.set("id", *id);
    reply.set("type", "result");
    return reply;
}

ErrorInfo read_error(const Element& stanza) {
    ErrorInfo info;
    const Element* error = stanza.child("error");
    if (error == nullptr) return info;
    info.present = true;
    for (const Element* child : error->elements()) {
        if (child->ns != ns::stanzas) continue;
        if (!info.text && child->name == "text") {
            info.text = child->text_content();
        } else if (info.condition.empty() && child->name != "text") {
            info.condition = child->name;
        }
    }
    if (info.condition.empty()) info.condition = "undefined-condition";
    return info;
}

bool is_kickable_error(const Element& stanza) {
    ErrorInfo info = read_error(stanza);
    if (!info.present) return true;  // "malformed error"
    static constexpr std::array<std::string_view, 9> kickable = {
        "gone", "internal-server-error", "item-not-found", "jid-malformed", "recipient-unavailable",
        "redirect", "remote-server-not-found", "remote-server-timeout", "service-unavailable"};
    for (std::string_view condition : kickable) {
        if (info.condition == condition) return true;
    }
    return false;
}

std::string format_stamp(std::int64_t unix_ms) {
    std::int64_t seconds = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
    std::int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    std::int64_t rest = seconds - days * 86400;
    assert(rest >= 0 && rest < 86400);
    Civil date = civil_from_days(days);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", date.year, date.month, date.day, rest / 3600,
                       (rest / 60) % 60, rest % 60);
}

std::optional<std::int64_t> parse_stamp_s(std::string_view text) {
    auto year = read_digits(text, 0, 4);
    auto month = read_digits(text, 5, 2);
    auto day = read_digits(text, 8, 2);
    auto hour = read_digits(text, 11, 2);
    auto minute = read_digits(text, 14, 2);
    auto second = read_digits(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    if (!expect(text, 4, '-') || !expect(text, 7, '-') || !expect(text, 10, 'T') || !expect(text, 13, ':') ||
        !expect(text, 16, ':')) {
        return std::nullopt;
    }
    if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    if (expect(text, pos, '.')) {
        ++pos;
        std::size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 32) ++pos, ++digits;
        if (digits == 0) return std::nullopt;
    }
    std::int64_t offset_s = 0;
    if (expect(text, pos, 'Z')) {
        ++pos;
    } else if (expect(text, pos, '+') || expect(text, pos, '-')) {
        int sign = text[pos] == '-' ? -1 : 1;
        auto oh = read_digits(text, pos + 1, 2);
        auto om = read_digits(text, pos + 4, 2);
        if (!oh || !om || !expect(text, pos + 3, ':')) return std::nullopt;
        offset_s = sign * (static_cast<std::int64_t>(*oh) * 3600 + static_cast<std::int64_t>(*om) * 60);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    std::int64_t days = days_from_civil(*year, *month, *day);
    return days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_s;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
    // Lua's tonumber accepts surrounding spaces.
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n')) text.remove_suffix(1);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += base64_alphabet[(n >> shift) & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += base64_alphabet[(n >> 18) & 63];
        out += base64_alphabet[(n >> 12) & 63];
        out += rest == 2 ? base64_alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        unsigned n = 0;
        int padding = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            char c = text[i + j];
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                ++padding;
                n <<= 6;
                continue;
            }
            if (padding > 0) return std::nullopt;
            std::size_t index = base64_alphabet.find(c);
            if (index == std::string_view::npos) return std::nullopt;
            n = (n << 6) | static_cast<unsigned>(index);
        }
        out += static_cast<char>((n >> 16) & 0xff);
        if (padding < 2) out += static_cast<char>((n >> 8) & 0xff);
        if (padding < 1) out += static_cast<char>(n & 0xff);
    }
    return out;
}

// Numbers are written with to_chars: state encodings are built for every
// explored state, so they must not allocate per field.
void encode_string(std::string& out, std::string_view text) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, text.size());
    assert(ec == std::errc());
    out.append(digits, end);
    out += ':';
    out.append(text);
}

void encode_int(std::string& out, std::int64_t value) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    assert(ec == std::errc());
    out.append(digits, end);
    out += ';';
}

void encode_element(std::string& out, const Element& element) { encode_element(out, element, Renaming{}); }

void encode_jid(std::string& out, std::string_view text, const Renaming& renaming) {
    if (renaming.empty()) {
        encode_string(out, text);
    } else {
        encode_string(out, renaming.jid(text));
    }
}

void encode_element(std::string& out, const Element& element, const Renaming& renaming) {
    out += '<';
    encode_string(out, element.name);
    encode_string(out, element.ns);
    // Sorted by name: the order attributes were set in is not state. A
    // stanza has a few; more than the stack holds go to the heap.
    constexpr std::size_t on_stack_max = 16;
    std::array<const Attribute*, on_stack_max> on_stack{};
    std::vector<const Attribute*> on_heap;
    std::span<const Attribute*> attributes;
    if (element.attributes.size() <= on_stack_max) {
        attributes = std::span<const Attribute*>(on_stack.data(), element.attributes.size());
    } else {
        on_heap.resize(element.attributes.size());
        attributes = std::span<const Attribute*>(on_heap);
    }
    for (std::size_t i = 0; i < element.attributes.size(); ++i) attributes[i] = &element.attributes[i];
    std::sort(attributes.begin(), attributes.end(), [](const Attribute* a, const Attribute* b) { return a->name < b->name; });
    encode_int(out, static_cast<std::int64_t>(attributes.size()));
    for (const Attribute* a : attributes) {
        encode_string(out, a->name);
        encode_jid(out, a->value, renaming);
    }
    encode_int(out, static_cast<std::int64_t>(element.children.size()));
    for (const Node& node : element.children) {
        if (node.is_text()) {
            out += 't';
            encode_string(out, node.text());
        } else {
            encode_element(out, node.element(), renaming);
        }
    }
    out += '>';
}

std::uint64_t fingerprint64(std::string_view bytes) {
    // Eight bytes a round (multiply and fold), then splitmix64: encodings are
    // kilobytes, and byte-at-a-time FNV was a tenth of the explorer's time.
    constexpr std::uint64_t prime = 0x9E3779B97F4A7C15ULL;
    std::uint64_t h = 1469598103934665603ULL ^ (bytes.size() * prime);
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, bytes.data() + i, 8);
        h = (h ^ word) * prime;
        h ^= h >> 32;
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
    h = (h ^ tail) * prime;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

std::string stable_hash(std::string_view bytes) {
    std::uint64_t hash = 14695981039346656037ull;
    for (char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return fmt::format("{:016x}", hash);
}

}  // namespace mucsim::model
