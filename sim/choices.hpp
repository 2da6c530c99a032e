#pragma once
// All non-determinism is a choice sequence: a list of small integers, read in
// order. A decision among n > 1 options takes the next value modulo n; when
// the sequence runs out, choice 0 applies. Random testing draws sequences,
// shrinking pushes them towards zeros, the explorer enumerates them.

#include <cstdint>
#include <string>
#include <vector>

#include "traces/trace.hpp"

namespace mucsim::sim {

enum class ChoiceKind : std::uint8_t {
    process,    // the server takes the input at the head of the client's link
    drop,       // fault: the client's connection drops now
    reconnect,  // fault: a dropped client connects again
    send,       // the client puts its next input on its link (sends not eager)
    deliver,    // the oldest stanza on its way to the client arrives (deliveries not eager)
};

std::string_view choice_kind_name(ChoiceKind kind);

struct Choice {
    ChoiceKind kind = ChoiceKind::process;
    traces::ClientIndex client = traces::no_client;
    bool operator==(const Choice&) const = default;
};

class ChoiceSequence {
public:
    ChoiceSequence() = default;
    explicit ChoiceSequence(std::vector<std::uint32_t> values) : values_(std::move(values)) {}

    // Picks one of `options_count` options (> 0). A single option takes no value.
    std::size_t pick(std::size_t options_count);

    const std::vector<std::uint32_t>& values() const { return values_; }
    // The indices actually taken at each decision with more than one option,
    // normalised (value modulo options): replaying them gives the same run.
    const std::vector<std::uint32_t>& taken() const { return taken_; }
    std::size_t position() const { return position_; }

private:
    std::vector<std::uint32_t> values_;
    std::vector<std::uint32_t> taken_;
    std::size_t position_ = 0;
};

std::string format_choices(const std::vector<std::uint32_t>& values);

}  // namespace mucsim::sim
