// fuzz_replay: in-process replay (sim::replay) of fuzzed scansion scripts,
// in both modes. A replay never crashes, reports at most one failure, and is
// deterministic: the same script gives the same result and trace twice.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "sim/replay.hpp"
#include "traces/script.hpp"

using namespace mucsim;

namespace {

std::string summary(const sim::ReplayResult& result) {
    std::string out = result.passed ? "pass" : "fail";
    for (const sim::ReplayFailure& f : result.failures) out += "\n" + std::to_string(f.line) + " " + f.action + "\n" + f.explanation;
    out += "\n" + std::to_string(result.actions_run) + " " + std::to_string(result.stanzas_delivered) + " " +
           std::to_string(result.skipped.size()) + " " + std::to_string(result.warnings.size());
    out += "\n" + result.trace.str();
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto script = traces::parse_script(text, "fuzz.scs");
    if (!script) return 0;
    for (bool strict : {false, true}) {
        sim::ReplayOptions options;
        options.strict_order = strict;
        sim::ReplayResult result = sim::replay(*script, options);
        fuzz::check(result.failures.size() <= 1, "replay stops at the first failure");
        fuzz::check(result.passed == result.failures.empty(), "passed means no failure");
        fuzz::check(result.actions_run <= script->actions.size(), "no more actions run than written");
        sim::ReplayResult again = sim::replay(*script, options);
        fuzz::check(summary(again) == summary(result), "replay is not deterministic", summary(result));
    }
    return 0;
}
