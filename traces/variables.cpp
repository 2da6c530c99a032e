#include "traces/variables.hpp"

#include <fmt/format.h>

#include <cassert>

namespace mucsim::traces {

namespace {

constexpr std::string_view full_suffix = "'s full JID";
constexpr std::string_view bare_suffix = "'s JID";

// Calls `on_variable(inside)` for each ${inside} in `text`; returns the text
// with each replaced by what it returns.
template <class F>
std::string rewrite_variables(std::string_view text, F&& on_variable) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        std::size_t open = text.find("${", pos);
        std::size_t close = open == std::string_view::npos ? open : text.find('}', open + 2);
        if (open == std::string_view::npos || close == std::string_view::npos) {
            out.append(text.substr(pos));
            return out;
        }
        out.append(text.substr(pos, open - pos));
        out.append(on_variable(text.substr(open + 2, close - open - 2)));
        pos = close + 1;
    }
}

template <class F>
void for_each_string(model::Element& element, F&& f) {
    for (model::Attribute& a : element.attributes) f(a.value);
    for (model::Node& node : element.children) {
        if (node.is_text()) {
            f(node.text());
        } else {
            for_each_string(node.element(), f);
        }
    }
}

template <class F>
void for_each_string(const model::Element& element, F&& f) {
    for (const model::Attribute& a : element.attributes) f(a.value);
    for (const model::Node& node : element.children) {
        if (node.is_text()) {
            f(node.text());
        } else {
            for_each_string(node.element(), f);
        }
    }
}

}  // namespace

model::Result<VariableRef, std::string> parse_variable(std::string_view inside) {
    if (inside.ends_with(full_suffix) && inside.size() > full_suffix.size()) {
        return VariableRef{std::string(inside.substr(0, inside.size() - full_suffix.size())), true};
    }
    if (inside.ends_with(bare_suffix) && inside.size() > bare_suffix.size()) {
        return VariableRef{std::string(inside.substr(0, inside.size() - bare_suffix.size())), false};
    }
    return fmt::format("unknown variable '${{{}}}': expected ${{NAME's full JID}} or ${{NAME's JID}}", inside);
}

std::vector<std::string> variables_in(const model::Element& element) {
    std::vector<std::string> found;
    for_each_string(element, [&](const std::string& text) {
        rewrite_variables(text, [&](std::string_view inside) {
            found.emplace_back(inside);
            return std::string();
        });
    });
    return found;
}

model::Result<model::Element, std::string> substitute(const model::Element& element, const Bindings& bindings) {
    model::Element out = element;
    std::string error;
    for_each_string(out, [&](std::string& text) {
        if (text.find("${") == std::string::npos) return;
        text = rewrite_variables(text, [&](std::string_view inside) -> std::string {
            auto ref = parse_variable(inside);
            if (!ref) {
                if (error.empty()) error = ref.error();
                return {};
            }
            auto bound = bindings.find(ref->client);
            if (bound == bindings.end()) {
                if (error.empty()) error = fmt::format("'${{{}}}' names no connected client", inside);
                return {};
            }
            if (ref->full) return bound->second;
            return bound->second.substr(0, bound->second.find('/'));
        });
    });
    if (!error.empty()) return error;
    return out;
}

model::Element abstract_jids(const model::Element& element, const Bindings& bindings) {
    model::Element out = element;
    for (model::Attribute& a : out.attributes) {
        for (const auto& [name, full_jid] : bindings) {
            std::string_view bare = std::string_view(full_jid).substr(0, full_jid.find('/'));
            if (a.value == full_jid) {
                a.value = fmt::format("${{{}{}}}", name, full_suffix);
                break;
            }
            if (a.value == bare) {
                a.value = fmt::format("${{{}{}}}", name, bare_suffix);
                break;
            }
        }
    }
    for (model::Node& node : out.children) {
        if (node.is_element()) node.element() = abstract_jids(node.element(), bindings);
    }
    return out;
}

}  // namespace mucsim::traces
