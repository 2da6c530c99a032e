#pragma once
// Normal form of an element for comparisons that ignore what pretty-printing
// may change: text beside child elements (mixed content) is trimmed, and
// dropped when nothing is left. Text-only elements keep their text exactly.

#include <string_view>

#include "model/xml.hpp"

namespace mucsim::fuzz {

inline std::string_view trim_blanks(std::string_view text) {
    std::size_t begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    std::size_t end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

inline model::Element normalised(const model::Element& element) {
    model::Element out(element.name, element.ns);
    out.attributes = element.attributes;
    bool mixed = element.element_count() > 0;
    for (const model::Node& node : element.children) {
        if (node.is_element()) {
            out.append(normalised(node.element()));
        } else if (!mixed) {
            out.text(node.text());
        } else if (std::string_view t = trim_blanks(node.text()); !t.empty()) {
            out.text(t);
        }
    }
    return out;
}

}  // namespace mucsim::fuzz
