#include "traces/matcher.hpp"

#include <fmt/format.h>

#include <cassert>

#include "model/namespaces.hpp"
#include "traces/script.hpp"

namespace mucsim::traces {

namespace {

constexpr std::string_view any_value = "{scansion:any}";
constexpr std::string_view capture_prefix = "{scansion:capture:";
constexpr int depth_max = 256;

std::string_view trim(std::string_view text) {
    std::size_t begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    std::size_t end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

bool is_scansion_attribute(std::string_view name) { return name.starts_with("scansion:"); }

bool is_strict(const model::Element& expected) {
    std::string_view mode = expected.attribute("scansion:strict");
    if (mode == "true") return true;
    if (mode == "false") return false;
    return expected.ns != model::ns::client;
}

std::string describe(const model::Element& e) {
    if (e.ns == model::ns::client) return fmt::format("<{}>", e.name);
    return fmt::format("<{} xmlns='{}'>", e.name, e.ns);
}

class Matcher {
public:
    Matcher(Captures& captures, MatchMode mode) : captures_(captures), mode_(mode) {}

    std::optional<Mismatch> element(const model::Element& expected, const model::Element& received,
                                    const std::string& path, int depth) {
        assert(depth <= depth_max);
        if (expected.name != received.name || expected.ns != received.ns) {
            return Mismatch{path, fmt::format("expected {}, received {}", describe(expected), describe(received))};
        }
        bool strict = is_strict(expected);
        if (auto m = attributes(expected, received, path, strict)) return m;
        if (auto m = text(expected, received, path)) return m;
        if (depth == depth_max) return Mismatch{path, "elements nested too deeply to compare"};
        if (!strict) return loose_children(expected, received, path, depth);
        if (mode_ == MatchMode::xep) return unordered_children(expected, received, path, depth);
        return strict_children(expected, received, path, depth);
    }

private:
    std::optional<Mismatch> attributes(const model::Element& expected, const model::Element& received,
                                       const std::string& path, bool strict) {
        for (const model::Attribute& a : expected.attributes) {
            if (is_scansion_attribute(a.name)) continue;
            const std::string* value = received.find_attribute(a.name);
            if (!value) return Mismatch{path, fmt::format("attribute '{}' is missing (expected '{}')", a.name, a.value)};
            if (auto m = attribute_value(a, *value, path)) return m;
        }
        if (!strict) return std::nullopt;
        for (const model::Attribute& a : received.attributes) {
            if (is_scansion_attribute(a.name)) continue;
            if (!expected.has_attribute(a.name) && !free_attribute(expected, a)) {
                return Mismatch{path, fmt::format("unexpected attribute {}='{}' (strict element)", a.name, a.value)};
            }
        }
        return std::nullopt;
    }

    // XEP-0045 §9.3's own example of a notice about a user not in the room
    // has role='none' on the <item/>; Prosody leaves the role out. Absent
    // and "none" say the same, so xep matching takes either.
    bool free_attribute(const model::Element& expected, const model::Attribute& received) const {
        if (mode_ != MatchMode::xep) return false;
        return expected.name == "item" && expected.ns == model::ns::muc_user && received.name == "role" &&
               received.value == "none";
    }

    std::optional<Mismatch> attribute_value(const model::Attribute& expected, const std::string& received,
                                            const std::string& path) {
        if (expected.value == any_value) return std::nullopt;
        if (expected.value.starts_with(capture_prefix) && expected.value.ends_with('}')) {
            std::string name = expected.value.substr(capture_prefix.size(),
                                                     expected.value.size() - capture_prefix.size() - 1);
            auto found = captures_.find(name);
            if (found == captures_.end()) {
                captures_.emplace(name, received);
                return std::nullopt;
            }
            if (found->second == received) return std::nullopt;
            return Mismatch{path, fmt::format("attribute '{}': expected the captured '{}' ({}), received '{}'",
                                              expected.name, found->second, name, received)};
        }
        if (expected.value == received) return std::nullopt;
        return Mismatch{path, fmt::format("attribute '{}': expected '{}', received '{}'", expected.name,
                                          expected.value, received)};
    }

    std::optional<Mismatch> text(const model::Element& expected, const model::Element& received,
                                 const std::string& path) {
        std::string expected_text = expected.text_content();
        std::string_view want = trim(expected_text);
        if (want.empty()) return std::nullopt;
        std::string received_text = received.text_content();
        std::string_view got = trim(received_text);
        if (want == got) return std::nullopt;
        return Mismatch{path, fmt::format("text: expected '{}', received '{}'", want, got)};
    }

    std::optional<Mismatch> strict_children(const model::Element& expected, const model::Element& received,
                                            const std::string& path, int depth) {
        std::vector<const model::Element*> want = expected.elements();
        std::vector<const model::Element*> got = received.elements();
        for (std::size_t i = 0; i < want.size() && i < got.size(); ++i) {
            if (auto m = element(*want[i], *got[i], child_path(path, *want[i], i), depth + 1)) return m;
        }
        if (want.size() > got.size()) {
            return Mismatch{path, fmt::format("child {} {} is missing (strict element: {} children expected, {} "
                                              "received)",
                                              got.size() + 1, describe(*want[got.size()]), want.size(), got.size())};
        }
        if (got.size() > want.size()) {
            return Mismatch{path, fmt::format("unexpected child {} {} (strict element: {} children expected, {} "
                                              "received)",
                                              want.size() + 1, describe(*got[want.size()]), want.size(), got.size())};
        }
        return std::nullopt;
    }

    // A strict element's children in any order: as many, each expected one
    // matched by a different received one (the first that matches).
    std::optional<Mismatch> unordered_children(const model::Element& expected, const model::Element& received,
                                               const std::string& path, int depth) {
        std::vector<const model::Element*> want = expected.elements();
        std::vector<const model::Element*> got = received.elements();
        if (want.size() != got.size()) {
            return Mismatch{path, fmt::format("{} children expected, {} received (strict element; their order is "
                                              "free)",
                                              want.size(), got.size())};
        }
        std::vector<bool> used(got.size(), false);
        for (std::size_t w = 0; w < want.size(); ++w) {
            std::optional<Mismatch> closest;
            bool found = false;
            for (std::size_t g = 0; g < got.size() && !found; ++g) {
                if (used[g]) continue;
                Captures saved = captures_;
                auto m = element(*want[w], *got[g], child_path(path, *want[w], w), depth + 1);
                if (!m) {
                    used[g] = found = true;
                    break;
                }
                captures_ = std::move(saved);
                bool same_kind = want[w]->name == got[g]->name && want[w]->ns == got[g]->ns;
                if (same_kind && !closest) closest = std::move(m);
            }
            if (found) continue;
            if (closest) return closest;
            return Mismatch{path, fmt::format("no received child matches {} (expected child {}; order is free)",
                                              describe(*want[w]), w + 1)};
        }
        return std::nullopt;
    }

    std::optional<Mismatch> loose_children(const model::Element& expected, const model::Element& received,
                                           const std::string& path, int depth) {
        std::vector<const model::Element*> got = received.elements();
        std::size_t index = 0;
        for (const model::Element* want : expected.elements()) {
            std::optional<Mismatch> closest;
            bool found = false;
            for (std::size_t i = 0; i < got.size() && !found; ++i) {
                Captures saved = captures_;  // a failed candidate must not leave captures behind
                auto m = element(*want, *got[i], child_path(path, *want, i), depth + 1);
                if (!m) {
                    found = true;
                    break;
                }
                captures_ = std::move(saved);
                bool same_kind = want->name == got[i]->name && want->ns == got[i]->ns;
                if (same_kind && !closest) closest = std::move(m);
            }
            if (!found) {
                if (closest) return closest;
                return Mismatch{path, fmt::format("no received child matches {} (expected child {})",
                                                  describe(*want), index + 1)};
            }
            ++index;
        }
        return std::nullopt;
    }

    static std::string child_path(const std::string& path, const model::Element& child, std::size_t index) {
        return fmt::format("{}/{}[{}]", path, child.name, index + 1);
    }

    Captures& captures_;
    MatchMode mode_;
};

}  // namespace

std::optional<MatchMode> parse_match_mode(std::string_view text) {
    if (text == "scansion") return MatchMode::scansion;
    if (text == "xep") return MatchMode::xep;
    return std::nullopt;
}

std::optional<Mismatch> match_stanza(const model::Element& expected, const model::Element& received,
                                     Captures& captures, MatchMode mode) {
    Captures attempt = captures;
    Matcher matcher(attempt, mode);
    auto mismatch = matcher.element(expected, received, "/" + expected.name, 0);
    if (!mismatch) captures = std::move(attempt);
    return mismatch;
}

std::string explain_mismatch(const Mismatch& mismatch, const model::Element& expected,
                             const model::Element& received) {
    return fmt::format("at {}: {}\n  expected:\n{}\n  received:\n{}", mismatch.path, mismatch.reason,
                       model::pretty(expected, model::ns::client, 2), model::pretty(received, model::ns::client, 2));
}

}  // namespace mucsim::traces
