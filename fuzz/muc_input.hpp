#pragma once
// The structured input of fuzz_muc: fuzz bytes read as a sequence of steps,
// each a client (of four: two sessions of Romeo, Juliet, the service admin)
// and something it does — a stanza built from a small dictionary of the
// shapes the MUC service knows (joins, nick changes, presence types,
// groupchat, private messages, subjects, muc#admin items, muc#owner forms,
// registration, invitations, destruction, disco, unknown namespaces, errors
// bounced back, missing or garbage attributes, huge nicks, bogus JIDs), a
// disconnect or reconnect, or a scheduler run with choices taken from the
// bytes. Every byte string is a valid input: the service is reached on every
// execution, not only the parser's error path.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/xml.hpp"

namespace mucsim::fuzz {

// Reads decisions from the bytes; past the end every decision is 0.
class ByteReader {
public:
    ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool done() const { return position_ >= size_; }
    std::uint8_t byte() { return done() ? 0 : data_[position_++]; }
    // One of n options (n > 0).
    std::size_t pick(std::size_t n) { return n <= 1 ? 0 : byte() % n; }
    bool flag() { return (byte() & 1) != 0; }
    template <class T, std::size_t N>
    const T& from(const T (&options)[N]) {
        return options[pick(N)];
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t position_ = 0;
};

struct MucClient {
    const char* name;
    const char* jid;  // full
};

inline constexpr MucClient muc_clients[] = {
    {"Romeo", "romeo@localhost/balcony"},
    {"Romeo's phone", "romeo@localhost/phone"},
    {"Juliet", "juliet@localhost/chamber"},
    {"Admin", "admin@localhost/console"},
};
inline constexpr std::size_t muc_client_count = sizeof(muc_clients) / sizeof(muc_clients[0]);

// The rooms the dictionary names (local parts), for invariant checks.
const std::vector<std::string>& fuzz_room_names();

enum class StepKind : std::uint8_t { stanza, disconnect, connect, run };

struct Step {
    StepKind kind = StepKind::stanza;
    std::size_t client = 0;
    model::Element stanza;               // kind == stanza
    std::vector<std::uint32_t> choices;  // kind == run
};

// The next step. Stanza kinds are numbered by the first byte after the client.
Step read_step(ByteReader& in);

// Byte strings that build meaningful sequences (create, configure, join,
// talk, change affiliations, destroy), as seeds for the corpus.
std::vector<std::string> muc_seeds();

}  // namespace mucsim::fuzz
