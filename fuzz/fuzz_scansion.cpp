// fuzz_scansion: the scansion parser on arbitrary text. A script that parses
// must be written back (write_script) into text that parses to the same
// script, and writing that again must give the same text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/normalise.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

// Scripts compared as scansion compares stanzas: text beside child elements
// is trimmed (the writer pretty-prints).
traces::Script normalised(traces::Script script) {
    for (traces::Action& action : script.actions) {
        if (action.stanza) action.stanza = fuzz::normalised(*action.stanza);
    }
    return script;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto script = traces::parse_script(text, "fuzz.scs");
    if (!script) {
        fuzz::check(!script.error().message.empty(), "a script error says what is wrong");
        fuzz::check(script.error().line >= 1, "a script error names a line", script.error().str());
        return 0;
    }
    std::string written = traces::write_script(*script);
    auto again = traces::parse_script(written, "written.scs");
    if (!again) fuzz::fail("write_script wrote a script that does not parse", again.error().str() + "\n" + written);
    if (!(normalised(*again) == normalised(*script))) fuzz::fail("write/parse round trip changed the script", written);
    std::string rewritten = traces::write_script(*again);
    fuzz::check(rewritten == written, "writing is not stable", written + "\n--- then:\n" + rewritten);
    return 0;
}
