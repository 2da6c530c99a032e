#pragma once
// A violation written as a runnable scansion script: the observed exchange up
// to the violating step, that step's input, then what the violated property
// demands, with the explanation as comments. It fails on the faulty service
// at that action and passes on a correct one.

#include <string>
#include <vector>

#include "properties/invariants.hpp"
#include "traces/script.hpp"
#include "traces/trace.hpp"

namespace mucsim::properties {

traces::Script counterexample_script(const traces::Trace& trace, const Violation& violation,
                                     const std::vector<std::string>& header);

}  // namespace mucsim::properties
