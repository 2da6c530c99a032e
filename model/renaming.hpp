#pragma once
// A renaming of clients, for canonical state encodings under client
// symmetry: two worlds that differ only by which client did what encode the
// same once each is renamed to its canonical order. A renaming maps the words
// that name a client — the node of its JID, its resource, its nick — to the
// words of another; everything else passes unchanged.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mucsim::model {

class Renaming {
public:
    Renaming() = default;

    // Maps `from` to `to` (and nothing else to `to`: add a permutation).
    void add(std::string from, std::string to);
    bool empty() const { return words_.empty(); }

    // A word as a whole: a nick, a JID's node or resource.
    std::string_view word(std::string_view text) const;
    // JID-shaped text: node and resource renamed as words; a text without
    // '@' or '/' renamed as a word.
    std::string jid(std::string_view text) const;

private:
    std::vector<std::pair<std::string, std::string>> words_;  // a few: searched in order
};

}  // namespace mucsim::model
