#pragma once
// The XML element: a plain value that compares, prints and parses.
//
// Names are local names with a namespace URI, as an XML stream sees them.
// Attributes keep their order. An attribute in no namespace is stored by its
// local name; one in the XML namespace as "xml:lang"; one in scansion's
// namespace as "scansion:strict"; any other as "{uri}local".

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/result.hpp"

namespace mucsim::model {

struct Node;

struct Attribute {
    std::string name;
    std::string value;
    bool operator==(const Attribute&) const = default;
};

// The children of an element, shared between copies of it until one of
// them changes (copy on write): sending a stanza to many recipients copies
// its attributes, not its payload. Reading through a const element never
// copies; any mutable access to a shared list first makes it one's own.
class Children {
public:
    Children() = default;

    const Node* begin() const;
    const Node* end() const;
    Node* begin();
    Node* end();
    std::size_t size() const;
    bool empty() const { return nodes_ == nullptr || size() == 0; }
    const Node& operator[](std::size_t index) const;
    const Node& front() const;
    const Node& back() const;
    Node& back();

    void push_back(Node node);
    template <class... Args>
    Node& emplace_back(Args&&... args);
    // Removes the nodes `keep_out` is true of; returns how many.
    template <class Pred>
    std::size_t erase_if(Pred keep_out);
    void clear() { nodes_.reset(); }

    bool operator==(const Children& other) const;

private:
    std::vector<Node>& own();

    std::shared_ptr<std::vector<Node>> nodes_;  // null when there are none
};

struct Element {
    std::string name;
    std::string ns;
    std::vector<Attribute> attributes;
    Children children;

    Element() = default;
    Element(std::string name_, std::string ns_);

    // Attributes.
    const std::string* find_attribute(std::string_view attribute_name) const;
    // The value, or "" when absent.
    std::string_view attribute(std::string_view attribute_name) const;
    bool has_attribute(std::string_view attribute_name) const;
    // Replaces the value in place, or appends a new attribute.
    Element& set(std::string_view attribute_name, std::string_view value);
    void remove_attribute(std::string_view attribute_name);

    // Children. `append` and `text` return *this for building.
    Element& append(Element child);
    Element& text(std::string_view content);
    // Appends and returns the new child.
    Element& add(Element child);

    // The first child element with this name (and namespace, when given).
    const Element* child(std::string_view child_name, std::string_view child_ns = {}) const;
    Element* child(std::string_view child_name, std::string_view child_ns = {});
    std::vector<const Element*> elements() const;
    std::vector<const Element*> elements(std::string_view child_name,
                                         std::string_view child_ns = {}) const;
    std::size_t element_count() const;
    // The direct text content, concatenated.
    std::string text_content() const;
    // The text of the first matching child, or "" when there is none.
    std::string child_text(std::string_view child_name, std::string_view child_ns = {}) const;
    void remove_children(std::string_view child_name, std::string_view child_ns);

    bool is(std::string_view element_name, std::string_view element_ns) const {
        return name == element_name && ns == element_ns;
    }

    bool operator==(const Element& other) const;
};

struct Node {
    std::variant<Element, std::string> value;

    Node(Element element) : value(std::move(element)) {}
    Node(std::string text) : value(std::move(text)) {}

    bool is_element() const { return value.index() == 0; }
    bool is_text() const { return value.index() == 1; }
    const Element& element() const { return std::get<0>(value); }
    Element& element() { return std::get<0>(value); }
    const std::string& text() const { return std::get<1>(value); }
    std::string& text() { return std::get<1>(value); }
    bool operator==(const Node&) const = default;
};

inline std::size_t Children::size() const { return nodes_ ? nodes_->size() : 0; }
inline const Node* Children::begin() const { return nodes_ ? nodes_->data() : nullptr; }
inline const Node* Children::end() const { return nodes_ ? nodes_->data() + nodes_->size() : nullptr; }
inline Node* Children::begin() { return nodes_ ? own().data() : nullptr; }
inline Node* Children::end() { return nodes_ ? own().data() + nodes_->size() : nullptr; }
inline const Node& Children::operator[](std::size_t index) const { return (*nodes_)[index]; }
inline const Node& Children::front() const { return nodes_->front(); }
inline const Node& Children::back() const { return nodes_->back(); }
inline Node& Children::back() { return own().back(); }
inline void Children::push_back(Node node) { own().push_back(std::move(node)); }

template <class... Args>
Node& Children::emplace_back(Args&&... args) {
    return own().emplace_back(std::forward<Args>(args)...);
}

template <class Pred>
std::size_t Children::erase_if(Pred keep_out) {
    if (!nodes_) return 0;
    return std::erase_if(own(), keep_out);
}

inline std::vector<Node>& Children::own() {
    if (!nodes_) {
        nodes_ = std::make_shared<std::vector<Node>>();
    } else if (nodes_.use_count() > 1) {
        nodes_ = std::make_shared<std::vector<Node>>(*nodes_);
    }
    return *nodes_;
}

inline bool Children::operator==(const Children& other) const {
    if (nodes_ == other.nodes_) return true;
    if (size() != other.size()) return false;
    return std::equal(begin(), end(), other.begin());
}

// Limits a parser enforces: hostile input must not exhaust memory or stack.
struct ParseLimits {
    std::size_t bytes_max = 1 << 20;
    int depth_max = 64;
    int attributes_max = 64;
};

struct ParseOptions {
    // Whitespace-only text between elements carries no meaning in stanzas.
    bool drop_whitespace_text = true;
    // The namespace of unprefixed elements when the text declares none.
    std::string default_ns;
    // Prefixes usable without a declaration (prefix, uri), as scansion
    // scripts use "scansion:strict" without declaring it.
    std::vector<std::pair<std::string, std::string>> predeclared_prefixes;
    ParseLimits limits;
};

// Parses exactly one root element (with namespace processing).
Result<Element> parse_xml(std::string_view text, const ParseOptions& options = {});

// Compact serialisation. `parent_ns` is the namespace in scope: an xmlns
// declaration is written only where an element's namespace differs from its
// parent's (for stanzas in a client stream, that is "jabber:client").
std::string to_string(const Element& element, std::string_view parent_ns = {});

// Indented serialisation, one tab per level, as Prosody's scansion recorder
// writes stanzas. Each line is prefixed with `indent_base` tabs.
std::string pretty(const Element& element, std::string_view parent_ns = {},
                   int indent_base = 0);

std::string escape_xml(std::string_view text);

// The byte offset of the first thing in `text` that is not a character XML
// allows (XML 1.0 Char: tab, line breaks, U+0020–U+D7FF, U+E000–U+FFFD,
// U+10000–U+10FFFF, in well-formed UTF-8), or npos when there is none. Text
// that goes into stanzas is checked with it, so that every stanza mucsim
// builds can be written and parsed back.
std::size_t invalid_xml_char_at(std::string_view text);

// A stanza written inside the "jabber:client" stream.
inline std::string stanza_to_string(const Element& stanza) {
    return to_string(stanza, "jabber:client");
}

}  // namespace mucsim::model
