#include "model/xml.hpp"

#include <expat.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cassert>
#include <memory>

namespace mucsim::model {

namespace {

constexpr char ns_separator = '\n';  // cannot occur in a name or a normalised URI
constexpr std::string_view xml_namespace = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view wrapper_name = "mucsim-parse-root";

bool is_whitespace(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    });
}

}  // namespace

Element::Element(std::string name_, std::string ns_) : name(std::move(name_)), ns(std::move(ns_)) {}

const std::string* Element::find_attribute(std::string_view attribute_name) const {
    for (const Attribute& a : attributes) {
        if (a.name == attribute_name) return &a.value;
    }
    return nullptr;
}

std::string_view Element::attribute(std::string_view attribute_name) const {
    const std::string* value = find_attribute(attribute_name);
    return value ? std::string_view(*value) : std::string_view();
}

bool Element::has_attribute(std::string_view attribute_name) const {
    return find_attribute(attribute_name) != nullptr;
}

Element& Element::set(std::string_view attribute_name, std::string_view value) {
    for (Attribute& a : attributes) {
        if (a.name == attribute_name) {
            a.value = value;
            return *this;
        }
    }
    attributes.push_back({std::string(attribute_name), std::string(value)});
    return *this;
}

void Element::remove_attribute(std::string_view attribute_name) {
    std::erase_if(attributes, [&](const Attribute& a) { return a.name == attribute_name; });
}

Element& Element::append(Element child) {
    children.emplace_back(std::move(child));
    return *this;
}

Element& Element::text(std::string_view content) {
    // No empty text node: a parser never makes one, so an element built
    // with one would not equal itself written and read back.
    if (content.empty()) return *this;
    if (!children.empty() && children.back().is_text()) {
        children.back().text().append(content);
    } else {
        children.emplace_back(std::string(content));
    }
    return *this;
}

Element& Element::add(Element child) {
    children.emplace_back(std::move(child));
    return children.back().element();
}

const Element* Element::child(std::string_view child_name, std::string_view child_ns) const {
    for (const Node& node : children) {
        if (!node.is_element()) continue;
        const Element& e = node.element();
        if (e.name == child_name && (child_ns.empty() || e.ns == child_ns)) return &e;
    }
    return nullptr;
}

Element* Element::child(std::string_view child_name, std::string_view child_ns) {
    // Mutable access: the children must be this element's own (copy on write).
    for (Node& node : children) {
        if (!node.is_element()) continue;
        Element& e = node.element();
        if (e.name == child_name && (child_ns.empty() || e.ns == child_ns)) return &e;
    }
    return nullptr;
}

std::vector<const Element*> Element::elements() const {
    std::vector<const Element*> result;
    for (const Node& node : children) {
        if (node.is_element()) result.push_back(&node.element());
    }
    return result;
}

std::vector<const Element*> Element::elements(std::string_view child_name,
                                              std::string_view child_ns) const {
    std::vector<const Element*> result;
    for (const Node& node : children) {
        if (!node.is_element()) continue;
        const Element& e = node.element();
        if (e.name == child_name && (child_ns.empty() || e.ns == child_ns)) result.push_back(&e);
    }
    return result;
}

std::size_t Element::element_count() const {
    return static_cast<std::size_t>(
        std::count_if(children.begin(), children.end(), [](const Node& n) { return n.is_element(); }));
}

std::string Element::text_content() const {
    std::string result;
    for (const Node& node : children) {
        if (node.is_text()) result += node.text();
    }
    return result;
}

std::string Element::child_text(std::string_view child_name, std::string_view child_ns) const {
    const Element* c = child(child_name, child_ns);
    return c ? c->text_content() : std::string();
}

void Element::remove_children(std::string_view child_name, std::string_view child_ns) {
    children.erase_if([&](const Node& n) {
        return n.is_element() && n.element().name == child_name && n.element().ns == child_ns;
    });
}

bool Element::operator==(const Element& other) const {
    if (name != other.name || ns != other.ns) return false;
    if (attributes.size() != other.attributes.size()) return false;
    // Attribute order carries no meaning in XML.
    for (const Attribute& a : attributes) {
        const std::string* value = other.find_attribute(a.name);
        if (!value || *value != a.value) return false;
    }
    return children == other.children;
}

// ---------------------------------------------------------------- parsing

namespace {

struct ParseState {
    const ParseOptions* options = nullptr;
    XML_Parser parser = nullptr;
    std::vector<Element> stack;  // stack[0] is the wrapper
    std::vector<Element> roots;
    bool stray_text = false;
    int stray_text_line = 0;
    std::string error;  // set by a handler that stopped the parser
    int error_line = 0;
    int error_column = 0;
};

std::pair<std::string, std::string> split_expanded(const char* expanded) {
    std::string_view full(expanded);
    std::size_t cut = full.rfind(ns_separator);
    if (cut == std::string_view::npos) return {std::string(), std::string(full)};
    return {std::string(full.substr(0, cut)), std::string(full.substr(cut + 1))};
}

std::string attribute_key(const char* expanded, const ParseOptions& options) {
    auto [uri, local] = split_expanded(expanded);
    if (uri.empty()) return local;
    if (uri == xml_namespace) return "xml:" + local;
    for (const auto& [prefix, prefix_uri] : options.predeclared_prefixes) {
        if (uri == prefix_uri) return prefix + ":" + local;
    }
    return "{" + uri + "}" + local;
}

void stop_with(ParseState& state, std::string message) {
    if (!state.error.empty()) return;
    state.error = std::move(message);
    state.error_line = static_cast<int>(XML_GetCurrentLineNumber(state.parser));
    state.error_column = static_cast<int>(XML_GetCurrentColumnNumber(state.parser)) + 1;
    XML_StopParser(state.parser, XML_FALSE);
}

void XMLCALL on_start(void* data, const char* name, const char** attrs) {
    auto& state = *static_cast<ParseState*>(data);
    const ParseLimits& limits = state.options->limits;
    if (static_cast<int>(state.stack.size()) > limits.depth_max) {
        return stop_with(state, fmt::format("elements nested deeper than {} levels", limits.depth_max));
    }
    auto [uri, local] = split_expanded(name);
    Element element(std::move(local), std::move(uri));
    int count = 0;
    for (const char** a = attrs; a[0] != nullptr; a += 2) {
        if (++count > limits.attributes_max) {
            return stop_with(state, fmt::format("more than {} attributes on <{}>",
                                                limits.attributes_max, element.name));
        }
        element.attributes.push_back({attribute_key(a[0], *state.options), a[1]});
    }
    state.stack.push_back(std::move(element));
}

void drop_whitespace_text(Element& element) {
    element.children.erase_if([](const Node& n) { return n.is_text() && is_whitespace(n.text()); });
}

void XMLCALL on_end(void* data, const char* /*name*/) {
    auto& state = *static_cast<ParseState*>(data);
    assert(!state.stack.empty());
    Element done = std::move(state.stack.back());
    state.stack.pop_back();
    if (state.options->drop_whitespace_text) drop_whitespace_text(done);
    if (state.stack.empty()) return;  // the wrapper closed
    if (state.stack.size() == 1) {
        state.roots.push_back(std::move(done));
    } else {
        state.stack.back().append(std::move(done));
    }
}

void XMLCALL on_text(void* data, const char* text, int length) {
    auto& state = *static_cast<ParseState*>(data);
    assert(!state.stack.empty());
    std::string_view chunk(text, static_cast<std::size_t>(length));
    if (state.stack.size() == 1) {
        // Text beside the root element, inside our wrapper.
        if (!is_whitespace(chunk) && !state.stray_text) {
            state.stray_text = true;
            state.stray_text_line = static_cast<int>(XML_GetCurrentLineNumber(state.parser)) - 1;
        }
        return;
    }
    state.stack.back().text(chunk);
}

std::string wrapper_open(const ParseOptions& options) {
    std::string open = fmt::format("<{}", wrapper_name);
    if (!options.default_ns.empty()) open += fmt::format(" xmlns=\"{}\"", escape_xml(options.default_ns));
    for (const auto& [prefix, uri] : options.predeclared_prefixes) {
        open += fmt::format(" xmlns:{}=\"{}\"", prefix, escape_xml(uri));
    }
    open += ">\n";
    return open;
}

}  // namespace

Result<Element> parse_xml(std::string_view text, const ParseOptions& options) {
    if (text.size() > options.limits.bytes_max) {
        return InputError{1, 1, fmt::format("XML of {} bytes exceeds the limit of {} bytes", text.size(),
                                            options.limits.bytes_max)};
    }
    if (text.find('\0') != std::string_view::npos) {
        return InputError{1, 1, "XML contains a NUL byte"};
    }
    std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
        XML_ParserCreateNS("UTF-8", ns_separator), &XML_ParserFree);
    if (!parser) return InputError{0, 0, "out of memory creating the XML parser"};
    ParseState state;
    state.options = &options;
    state.parser = parser.get();
    XML_SetUserData(parser.get(), &state);
    XML_SetElementHandler(parser.get(), on_start, on_end);
    XML_SetCharacterDataHandler(parser.get(), on_text);
    XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);

    // The text is wrapped in one element of ours, on a line of its own, so that
    // predeclared prefixes and the default namespace are in scope; line numbers
    // are shifted back by that one line.
    std::string document = wrapper_open(options);
    document.append(text);
    document += fmt::format("\n</{}>", wrapper_name);
    XML_Status status = XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()), XML_TRUE);

    // Lines of the wrapper are not the user's: line 1 is ours, and an error on
    // our closing line means the user's XML ended too early.
    int user_lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    auto user_line = [&](int line) { return std::clamp(line - 1, 1, user_lines); };
    if (!state.error.empty()) {
        return InputError{user_line(state.error_line), state.error_column, state.error};
    }
    if (status != XML_STATUS_OK) {
        int line = static_cast<int>(XML_GetCurrentLineNumber(parser.get()));
        int column = static_cast<int>(XML_GetCurrentColumnNumber(parser.get())) + 1;
        if (line - 1 > user_lines) {
            return InputError{user_lines, 1, "XML is not well-formed: it ends before every element is closed"};
        }
        return InputError{user_line(line), column,
                          fmt::format("XML is not well-formed: {}", XML_ErrorString(XML_GetErrorCode(parser.get())))};
    }
    if (state.stray_text) return InputError{std::max(1, state.stray_text_line), 1, "text outside the element"};
    if (state.roots.empty()) return InputError{1, 1, "no element found"};
    if (state.roots.size() > 1) {
        return InputError{1, 1, fmt::format("expected one element, found {}", state.roots.size())};
    }
    return std::move(state.roots.front());
}

// ---------------------------------------------------------------- writing

namespace {

// Attribute values are written in double quotes, so an apostrophe stays as it
// is ("${Juliet's JID}", as in Prosody's scripts); text escapes all five.
std::string escape(std::string_view text, bool in_attribute) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'':
                if (in_attribute) {
                    out += c;
                } else {
                    out += "&apos;";
                }
                break;
            // Line breaks as references: a script's stanza must stay on its
            // indented lines, and attribute values keep them only this way.
            case '\n': out += "&#10;"; break;
            case '\r': out += "&#13;"; break;
            case '\t': out += "&#9;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string escape_attribute(std::string_view text) { return escape(text, true); }

}  // namespace

std::string escape_xml(std::string_view text) { return escape(text, false); }

std::size_t invalid_xml_char_at(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
        unsigned char c = byte(i);
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return i;
            ++i;
            continue;
        }
        std::size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (length == 0 || i + length > text.size()) return i;
        std::uint32_t code = c & (0x7F >> length);
        for (std::size_t k = 1; k < length; ++k) {
            if ((byte(i + k) & 0xC0) != 0x80) return i;
            code = (code << 6) | (byte(i + k) & 0x3F);
        }
        static constexpr std::uint32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
        bool overlong = code < shortest[length];
        bool allowed = (code >= 0x20 && code <= 0xD7FF) || (code >= 0xE000 && code <= 0xFFFD) ||
                       (code >= 0x10000 && code <= 0x10FFFF);
        if (overlong || !allowed) return i;
        i += length;
    }
    return std::string_view::npos;
}

namespace {

void write_attributes(std::string& out, const Element& element, std::string_view parent_ns) {
    if (element.ns != parent_ns) {
        out += " xmlns=\"";
        out += escape_attribute(element.ns);
        out += '"';
    }
    int generated_prefix = 0;
    for (const Attribute& a : element.attributes) {
        if (a.name.starts_with('{')) {
            // An attribute in a namespace without a well-known prefix.
            std::size_t close = a.name.find('}');
            std::string_view uri = std::string_view(a.name).substr(1, close - 1);
            std::string_view local = std::string_view(a.name).substr(close + 1);
            ++generated_prefix;
            out += fmt::format(" xmlns:ns{}=\"{}\" ns{}:{}=\"{}\"", generated_prefix, escape_attribute(uri),
                               generated_prefix, local, escape_attribute(a.value));
            continue;
        }
        out += ' ';
        out += a.name;
        out += "=\"";
        out += escape_attribute(a.value);
        out += '"';
    }
}

void write_compact(std::string& out, const Element& element, std::string_view parent_ns) {
    out += '<';
    out += element.name;
    write_attributes(out, element, parent_ns);
    if (element.children.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    for (const Node& node : element.children) {
        if (node.is_text()) {
            out += escape_xml(node.text());
        } else {
            write_compact(out, node.element(), element.ns);
        }
    }
    out += "</";
    out += element.name;
    out += '>';
}

std::string_view trim(std::string_view text) {
    std::size_t begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    std::size_t end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

void write_pretty(std::string& out, const Element& element, std::string_view parent_ns, int depth) {
    out.append(static_cast<std::size_t>(depth), '\t');
    out += '<';
    out += element.name;
    write_attributes(out, element, parent_ns);
    bool has_elements = element.element_count() > 0;
    if (element.children.empty()) {
        out += "/>\n";
        return;
    }
    if (!has_elements) {
        // Text only: keep it on the element's line, exactly.
        out += '>';
        out += escape_xml(element.text_content());
        out += "</";
        out += element.name;
        out += ">\n";
        return;
    }
    out += ">\n";
    for (const Node& node : element.children) {
        if (node.is_element()) {
            write_pretty(out, node.element(), element.ns, depth + 1);
            continue;
        }
        std::string_view text = trim(node.text());
        if (text.empty()) continue;
        out.append(static_cast<std::size_t>(depth + 1), '\t');
        out += escape_xml(text);
        out += '\n';
    }
    out.append(static_cast<std::size_t>(depth), '\t');
    out += "</";
    out += element.name;
    out += ">\n";
}

}  // namespace

std::string to_string(const Element& element, std::string_view parent_ns) {
    std::string out;
    write_compact(out, element, parent_ns);
    return out;
}

std::string pretty(const Element& element, std::string_view parent_ns, int indent_base) {
    assert(indent_base >= 0);
    std::string out;
    write_pretty(out, element, parent_ns, indent_base);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

}  // namespace mucsim::model
