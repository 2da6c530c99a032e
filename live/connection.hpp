#pragma once
// One client connection to a live XMPP server: plain c2s over TCP (RFC 6120),
// no TLS. Opening it does everything a scansion client does on `connects`:
// TCP connect, stream header, SASL PLAIN, stream restart, resource binding
// (and the legacy session iq when the server insists), no initial presence.
//
// Every wait is bounded by a deadline. Whatever goes wrong — a refused
// connection, an authentication failure, a stream error, a stream the server
// closes, a server that never answers — ends as an error message naming the
// server's host:port, the account, and what happened; the connection is then
// dead and says so. Single-threaded: one owner drives it.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "live/address.hpp"
#include "live/xml_stream.hpp"
#include "model/result.hpp"
#include "model/xml.hpp"

namespace mucsim::live {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline deadline_in(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

struct SessionOptions {
    std::string jid;          // the account: bare (user@domain) or full
    std::string password = "password";
    std::string resource;     // to bind; "" lets the server choose (a full jid's resource wins)
    int connect_ms = 5000;    // TCP connect
    int reply_ms = 5000;      // each answer of the server while opening and closing
    model::ParseLimits limits{};
};

// What a wait for the next stanza gave: a stanza, nothing before the
// deadline (error empty), or the connection failed (error set).
struct Received {
    std::optional<model::Element> stanza;
    std::string error;
};

// Who handles a stanza a client sends, to ping as its barrier: the bare JID
// it is addressed to when that is on another domain than the client's server
// (a room, or the MUC service itself), else "" (the server).
std::string barrier_target(const model::Element& stanza, std::string_view server_domain);

class Connection {
public:
    // Connects, authenticates and binds; an error names host:port and the step.
    static model::Result<std::unique_ptr<Connection>, std::string> open(const ServerAddress& server,
                                                                       const SessionOptions& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const std::string& full_jid() const { return full_jid_; }
    bool alive() const { return fd_ >= 0 && error_.empty(); }
    // Why the connection is dead ("" while alive).
    const std::string& error() const { return error_; }
    // A barrier to a room is sent again after this long unanswered: ejabberd
    // drops what waits for a room that ends (its last occupant left), and
    // the ping sent again finds no room and is answered by the service.
    static constexpr int ping_resend_ms = 250;

    // "127.0.0.1:5222 (romeo@localhost/balcony)": for messages.
    std::string where() const;

    // Writes a stanza (bounded by reply_ms when the socket is full).
    std::optional<std::string> send(const model::Element& stanza);

    // Stanzas received and not yet taken, oldest first. Pongs of barriers are
    // never queued.
    std::deque<model::Element>& inbox() { return inbox_; }
    // The next stanza: from the inbox, or the first to arrive before the deadline.
    Received receive(Deadline deadline);
    // Reads whatever arrives until the deadline (for a quiet period).
    std::optional<std::string> drain_until(Deadline deadline);

    // A barrier (XEP-0199 ping on this connection to `to`, the server's
    // domain when empty): returns once it is answered, with a result or an
    // error. The entity pinged handles its stanzas in order and writes to a
    // connection in order, so by then it has handled everything sent to it
    // before, and every stanza it wrote to this connection before answering
    // is in the inbox. Only the entity that handled a stanza can say so:
    // ejabberd's MUC runs beside the server, and a ping to the server's
    // domain comes back before the room has answered (docs/LIVE.md,
    // "Barriers"); barrier_target names that entity.
    std::optional<std::string> ping(Deadline deadline, std::string_view to = {});
    // The two halves of ping, to have pings in flight on several connections.
    std::optional<std::string> send_ping(std::string_view to = {});
    std::optional<std::string> await_pong(Deadline deadline);

    // Closes the stream: </stream:stream>, then waits (bounded) for the
    // server to close its side; stanzas that arrive meanwhile go to the inbox.
    std::optional<std::string> close(Deadline deadline);
    // Drops the TCP connection without closing the stream.
    void abort();

    std::uint64_t stanzas_received() const { return stanzas_received_; }

private:
    Connection(ServerAddress server, SessionOptions options);

    std::optional<std::string> connect_tcp();
    std::optional<std::string> open_stream(Deadline deadline);
    std::optional<std::string> authenticate(const model::Element& features, Deadline deadline);
    std::optional<std::string> bind(const model::Element& features, Deadline deadline);
    std::optional<std::string> write(std::string_view bytes, Deadline deadline);
    // Reads once (waiting until the deadline for data) and parses. An error
    // message when the connection failed; nullopt on data or timeout.
    std::optional<std::string> read_some(Deadline deadline, bool* timed_out);
    // The next top-level element while opening the session.
    model::Result<model::Element, std::string> next_element(Deadline deadline, std::string_view waiting_for);
    // Moves parsed stanzas to the inbox, answering pongs; an error on a stream error.
    std::optional<std::string> dispatch();
    std::string fail(std::string what);
    static constexpr std::string_view ping_id_prefix = "mucsim-ping-";
    static bool is_pong(const model::Element& element);
    bool answers_this_barrier(std::string_view id) const;
    std::optional<std::string> resend_ping();
    std::string stream_error_text(const model::Element& error) const;

    ServerAddress server_;
    SessionOptions options_;
    std::string account_;  // bare JID
    std::string domain_;
    std::string full_jid_;
    int fd_ = -1;
    XmlStream stream_;
    std::deque<model::Element> inbox_;
    std::string error_;
    bool closing_ = false;
    std::uint64_t next_id_ = 1;
    std::string pending_ping_;  // id of the ping in flight, "" when none
    std::string ping_target_;   // whom it was sent to ("" the server)
    std::uint64_t first_ping_id_ = 0;  // ids first_ping_id_.. of this barrier answer it
    std::uint64_t stanzas_received_ = 0;
};

}  // namespace mucsim::live
