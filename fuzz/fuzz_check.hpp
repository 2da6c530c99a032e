#pragma once
// What every fuzz target shares: a check that stops the run with a readable
// report (libFuzzer then saves the input as a crash), and equality helpers.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace mucsim::fuzz {

// Stops the fuzzer: an invariant of the code under test does not hold.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
    std::fprintf(stderr, "\n== fuzz check failed: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

inline void check(bool condition, std::string_view what, std::string_view detail = {}) {
    if (!condition) fail(what, detail);
}

}  // namespace mucsim::fuzz
