// fuzz_xml: the XML parser on arbitrary bytes, with the options mucsim uses
// (plain stanzas, and scansion's: jabber:client by default, scansion: prefix
// predeclared). Whatever parses must serialise and parse back to the same
// element, compactly and pretty-printed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/normalise.hpp"
#include "model/xml.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

void round_trip(std::string_view text, const model::ParseOptions& options, bool pretty_too) {
    auto parsed = model::parse_xml(text, options);
    if (!parsed) {
        fuzz::check(!parsed.error().message.empty(), "a parse error says what is wrong");
        fuzz::check(parsed.error().line >= 0 && parsed.error().column >= 0, "error positions are not negative");
        return;
    }
    // Escaping may make the text longer than the input: re-parse without the byte limit.
    model::ParseOptions again_options = options;
    again_options.limits.bytes_max = 64u << 20;

    std::string compact = model::to_string(*parsed, options.default_ns);
    auto again = model::parse_xml(compact, again_options);
    if (!again) fuzz::fail("compact serialisation does not parse", compact + "\n" + again.error().message);
    if (!(*again == *parsed)) fuzz::fail("compact round trip changed the element", compact);

    if (!pretty_too) return;
    std::string indented = model::pretty(*parsed, options.default_ns, 1);
    auto pretty_again = model::parse_xml(indented, again_options);
    if (!pretty_again) fuzz::fail("pretty serialisation does not parse", indented + "\n" + pretty_again.error().message);
    // Pretty-printing trims text that stands beside elements (mixed content);
    // text-only elements keep their text exactly.
    if (!(fuzz::normalised(*pretty_again) == fuzz::normalised(*parsed))) {
        fuzz::fail("pretty round trip changed the element", indented + "\n--- compact:\n" + compact);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    static const model::ParseOptions plain;
    static const model::ParseOptions scansion = traces::stanza_parse_options();
    static const model::ParseOptions keep_whitespace = [] {
        model::ParseOptions o = traces::stanza_parse_options();
        o.drop_whitespace_text = false;
        return o;
    }();
    round_trip(text, plain, true);
    round_trip(text, scansion, true);
    round_trip(text, keep_whitespace, false);
    return 0;
}
