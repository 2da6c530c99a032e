#include "live/xml_stream.hpp"

#include <expat.h>
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <vector>

namespace mucsim::live {

namespace {

constexpr char ns_separator = '\n';  // cannot occur in a name or a normalised URI
constexpr std::string_view xml_namespace = "http://www.w3.org/XML/1998/namespace";
constexpr std::size_t queued_elements_max = 100000;  // a peer that floods us is cut off

bool is_whitespace(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::pair<std::string, std::string> split_expanded(const char* expanded) {
    std::string_view full(expanded);
    std::size_t cut = full.rfind(ns_separator);
    if (cut == std::string_view::npos) return {std::string(), std::string(full)};
    return {std::string(full.substr(0, cut)), std::string(full.substr(cut + 1))};
}

std::string attribute_key(const char* expanded) {
    auto [uri, local] = split_expanded(expanded);
    if (uri.empty()) return local;
    if (uri == xml_namespace) return "xml:" + local;
    return "{" + uri + "}" + local;
}

}  // namespace

struct XmlStream::State {
    XML_Parser parser = nullptr;
    XmlStream* owner = nullptr;
    std::vector<model::Element> stack;  // stack[0]: the stream element, stack[1..]: the element being built
    XML_Index element_start = 0;        // byte offset where the current top-level element began
    XML_Index fed = 0;                  // bytes given to the parser so far
    std::string error;

    ~State() {
        if (parser) XML_ParserFree(parser);
    }

    void stop(std::string message) {
        if (!error.empty()) return;
        error = std::move(message);
        XML_StopParser(parser, XML_FALSE);
    }

    bool element_too_big() const {
        return stack.size() > 1 &&
               static_cast<std::size_t>(XML_GetCurrentByteIndex(parser) - element_start) > owner->limits_.bytes_max;
    }

    static void XMLCALL on_start(void* data, const char* name, const char** attrs) {
        auto& s = *static_cast<State*>(data);
        const model::ParseLimits& limits = s.owner->limits_;
        if (s.stack.size() == 1) s.element_start = XML_GetCurrentByteIndex(s.parser);
        if (static_cast<int>(s.stack.size()) > limits.depth_max) {
            return s.stop(fmt::format("an element nested deeper than {} levels", limits.depth_max));
        }
        auto [uri, local] = split_expanded(name);
        model::Element element(std::move(local), std::move(uri));
        int count = 0;
        for (const char** a = attrs; a[0] != nullptr; a += 2) {
            if (++count > limits.attributes_max) {
                return s.stop(fmt::format("more than {} attributes on <{}>", limits.attributes_max, element.name));
            }
            element.attributes.push_back({attribute_key(a[0]), a[1]});
        }
        if (s.stack.empty()) {
            if (element.name != "stream" || element.ns != streams_ns) {
                return s.stop(fmt::format("the stream does not begin with <stream:stream> but with <{}> in '{}'",
                                          element.name, element.ns));
            }
            s.owner->header_ = element;
            s.owner->opened_ = true;
        }
        if (s.element_too_big()) return s.stop(fmt::format("an element larger than {} bytes", limits.bytes_max));
        s.stack.push_back(std::move(element));
    }

    static void XMLCALL on_end(void* data, const char* /*name*/) {
        auto& s = *static_cast<State*>(data);
        assert(!s.stack.empty());
        if (s.element_too_big()) {
            return s.stop(fmt::format("an element larger than {} bytes", s.owner->limits_.bytes_max));
        }
        model::Element done = std::move(s.stack.back());
        s.stack.pop_back();
        remove_children_if(done, [](const model::Node& n) { return n.is_text() && is_whitespace(n.text()); });
        if (s.stack.empty()) {
            s.owner->closed_ = true;
            return;
        }
        if (s.stack.size() == 1) {
            if (s.owner->elements_.size() >= queued_elements_max) {
                return s.stop(fmt::format("more than {} elements not taken", queued_elements_max));
            }
            s.owner->elements_.push_back(std::move(done));
        } else {
            s.stack.back().append(std::move(done));
        }
    }

    static void XMLCALL on_text(void* data, const char* text, int length) {
        auto& s = *static_cast<State*>(data);
        if (s.stack.size() <= 1) return;  // whitespace keepalives between stanzas
        if (s.element_too_big()) {
            return s.stop(fmt::format("an element larger than {} bytes", s.owner->limits_.bytes_max));
        }
        s.stack.back().text(std::string_view(text, static_cast<std::size_t>(length)));
    }

    static void XMLCALL on_doctype(void* data, const char*, const char*, const char*, int) {
        static_cast<State*>(data)->stop("a DOCTYPE in the stream (RFC 6120 §11.1 forbids it)");
    }
};

XmlStream::XmlStream(model::ParseLimits limits) : limits_(limits) { install(); }

XmlStream::~XmlStream() = default;

void XmlStream::install() {
    state_ = std::make_unique<State>();
    state_->owner = this;
    state_->parser = XML_ParserCreateNS("UTF-8", ns_separator);
    assert(state_->parser && "out of memory creating the XML parser");
    XML_SetUserData(state_->parser, state_.get());
    XML_SetElementHandler(state_->parser, State::on_start, State::on_end);
    XML_SetCharacterDataHandler(state_->parser, State::on_text);
    XML_SetStartDoctypeDeclHandler(state_->parser, State::on_doctype);
    XML_SetParamEntityParsing(state_->parser, XML_PARAM_ENTITY_PARSING_NEVER);
}

void XmlStream::restart() {
    install();
    opened_ = false;
    closed_ = false;
    error_.clear();
    header_ = model::Element();
    elements_.clear();
}

bool XmlStream::feed(std::string_view bytes) {
    if (!error_.empty()) return false;
    if (bytes.empty()) return true;
    if (closed_) {
        if (is_whitespace(bytes)) return true;
        error_ = "data after the end of the stream";
        return false;
    }
    state_->fed += static_cast<XML_Index>(bytes.size());
    XML_Status status = XML_Parse(state_->parser, bytes.data(), static_cast<int>(bytes.size()), XML_FALSE);
    if (!state_->error.empty()) {
        error_ = state_->error;
        return false;
    }
    if (status != XML_STATUS_OK) {
        error_ = fmt::format("XML is not well-formed: {} (line {}, column {})",
                             XML_ErrorString(XML_GetErrorCode(state_->parser)),
                             XML_GetCurrentLineNumber(state_->parser), XML_GetCurrentColumnNumber(state_->parser) + 1);
        return false;
    }
    if (state_->stack.size() > 1 &&
        static_cast<std::size_t>(state_->fed - state_->element_start) > limits_.bytes_max) {
        error_ = fmt::format("an element larger than {} bytes", limits_.bytes_max);
        return false;
    }
    return true;
}

model::Element XmlStream::take() {
    assert(!elements_.empty());
    model::Element element = std::move(elements_.front());
    elements_.pop_front();
    return element;
}

}  // namespace mucsim::live
