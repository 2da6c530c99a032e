#include "sim/choices.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cassert>

namespace mucsim::sim {

std::string_view choice_kind_name(ChoiceKind kind) {
    switch (kind) {
        case ChoiceKind::process: return "process";
        case ChoiceKind::drop: return "drop";
        case ChoiceKind::reconnect: return "reconnect";
        case ChoiceKind::send: return "send";
        case ChoiceKind::deliver: return "deliver";
    }
    assert(false);
    return "?";
}

std::size_t ChoiceSequence::pick(std::size_t options_count) {
    assert(options_count > 0);
    if (options_count == 1) return 0;
    std::uint32_t value = position_ < values_.size() ? values_[position_] : 0;
    ++position_;
    auto index = static_cast<std::uint32_t>(value % options_count);
    taken_.push_back(index);
    return index;
}

std::string format_choices(const std::vector<std::uint32_t>& values) {
    return fmt::format("{}", fmt::join(values, " "));
}

}  // namespace mucsim::sim
