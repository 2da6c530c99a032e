#include "model/renaming.hpp"

#include <cassert>

namespace mucsim::model {

namespace {
constexpr std::size_t words_max = 64;
}

void Renaming::add(std::string from, std::string to) {
    assert(words_.size() < words_max);
    assert(!from.empty() && !to.empty());
    words_.emplace_back(std::move(from), std::move(to));
}

std::string_view Renaming::word(std::string_view text) const {
    for (const auto& [from, to] : words_) {
        if (from == text) return to;
    }
    return text;
}

std::string Renaming::jid(std::string_view text) const {
    if (words_.empty()) return std::string(text);
    std::size_t slash = text.find('/');
    std::string_view bare = text.substr(0, slash);
    std::size_t at = bare.find('@');
    if (at == std::string_view::npos && slash == std::string_view::npos) return std::string(word(text));
    std::string out;
    out.reserve(text.size() + 8);
    if (at != std::string_view::npos) {
        out += word(bare.substr(0, at));
        out += '@';
        out += bare.substr(at + 1);
    } else {
        out += bare;
    }
    if (slash != std::string_view::npos) {
        out += '/';
        out += word(text.substr(slash + 1));
    }
    return out;
}

}  // namespace mucsim::model
