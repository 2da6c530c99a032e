#pragma once
// The incoming half of an XMPP stream (RFC 6120 §4), parsed as it arrives.
//
// Bytes go in as the socket delivers them; complete top-level elements come
// out in order as model::Element values, named the way model::parse_xml names
// them (namespace URI and local name; attributes in no namespace by their
// local name, in the XML namespace as "xml:lang", any other as "{uri}local").
// expat does the parsing, namespace-aware. Whitespace-only text is dropped,
// as parse_xml drops it. Hostile input is bounded: model::ParseLimits caps the
// bytes of one top-level element, its depth and its attributes; a DOCTYPE is
// refused.

#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "model/xml.hpp"

namespace mucsim::live {

inline constexpr std::string_view streams_ns = "http://etherx.jabber.org/streams";

// Removes the children `drop` is true of (written against the element's
// public interface only, whatever container holds the children).
template <class Pred>
void remove_children_if(model::Element& element, Pred drop) {
    auto old = std::move(element.children);
    element.children = decltype(element.children){};
    for (const model::Node& node : old) {
        if (!drop(node)) element.children.push_back(node);
    }
}

class XmlStream {
public:
    explicit XmlStream(model::ParseLimits limits = {});
    ~XmlStream();
    XmlStream(const XmlStream&) = delete;
    XmlStream& operator=(const XmlStream&) = delete;

    // Starts a new stream (after SASL success the server opens a new one).
    void restart();

    // Parses the next bytes. False when they are not well-formed XML or break
    // a limit; error() says why, and the stream takes no more input.
    bool feed(std::string_view bytes);

    // The stream header (<stream:stream>, without children) once read.
    bool opened() const { return opened_; }
    const model::Element& header() const { return header_; }
    // </stream:stream> was read.
    bool closed() const { return closed_; }
    const std::string& error() const { return error_; }

    bool has_element() const { return !elements_.empty(); }
    model::Element take();

    // Handlers of the parser; public for expat's C callbacks only.
    struct State;

private:
    void install();

    model::ParseLimits limits_;
    std::unique_ptr<State> state_;
    bool opened_ = false;
    bool closed_ = false;
    std::string error_;
    model::Element header_;
    std::deque<model::Element> elements_;
};

}  // namespace mucsim::live
