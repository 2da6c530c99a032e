#pragma once
// The user's server: what sits between the virtual clients and the MUC.
//
// It does what Prosody's c2s and router do to a client's stanza before the
// MUC sees it, and nothing the scripts do not rely on: stamp `from` with the
// session's full JID and `xml:lang` with the stream language; prepare `to`
// (answering jid-malformed when it cannot); add the XEP-0153 vCard update to
// each available presence; route to the MUC component or to local sessions;
// echo a client's broadcast presence to its own available sessions; track
// directed presence, so that a session that ends sends unavailable presence
// to every room it was in. No rosters, no offline storage, no s2s.

#include <string>
#include <vector>

#include "model/jid.hpp"
#include "model/muc_service.hpp"
#include "model/xml.hpp"
#include "traces/trace.hpp"

namespace mucsim::sim {

using traces::ClientIndex;
using traces::no_client;

struct ServerConfig {
    std::string domain = "localhost";
    std::string lang = "en";  // the stream language stamped on client stanzas
    model::ServiceConfig muc;
};

// A stanza and the client it reached (no_client: nobody; it was dropped).
struct Routed {
    ClientIndex to = no_client;
    model::Element stanza;
};

struct Session {
    ClientIndex client = no_client;
    model::Jid full_jid;
    std::string full_jid_text;  // full_jid.str(), kept: routing compares it often
    bool available = false;  // sent broadcast presence
    // JIDs (prepared strings) that were sent available presence, in order.
    std::vector<std::string> directed_presence;
    bool operator==(const Session&) const = default;
};

class Server {
public:
    explicit Server(ServerConfig config);

    const ServerConfig& config() const { return config_; }
    const model::MucService& muc() const { return muc_; }
    model::MucService& muc() { return muc_; }

    void bind(ClientIndex client, const model::Jid& full_jid);
    // Ends a session: unavailable presence to every JID that had directed
    // presence, with `status` as its <status> text when not empty.
    std::vector<Routed> unbind(ClientIndex client, std::string_view status, const model::Environment& env);
    bool is_bound(ClientIndex client) const { return find_session(client) != nullptr; }

    // One stanza from a client's stream, stamped, routed, and everything it caused.
    std::vector<Routed> process(ClientIndex from, model::Element stanza, const model::Environment& env);

    // Sessions in the order of their (renamed) full JIDs: bind order is no state.
    void encode(std::string& out, const model::Renaming& renaming = {}) const;

private:
    const Session* find_session(ClientIndex client) const;
    Session* find_session(ClientIndex client);
    const Session* find_session(const model::Jid& full_jid) const;
    const Session* find_session_text(std::string_view full_jid) const;

    void stamp(const Session& session, model::Element& stanza) const;
    void track_directed_presence(Session& session, const model::Element& presence, const model::Jid& to);
    void route(model::Element stanza, const model::Jid& to, const model::Environment& env, std::vector<Routed>& out);
    void route_to_muc(const model::Element& stanza, const model::Environment& env, std::vector<Routed>& out);
    void route_to_local(model::Element stanza, const model::Jid& to, std::vector<Routed>& out);
    void answer_server(const model::Element& stanza, std::vector<Routed>& out);
    void broadcast_own_presence(const Session& session, const model::Element& presence, std::vector<Routed>& out);

    ServerConfig config_;
    model::MucService muc_;
    std::vector<Session> sessions_;  // in bind order
};

// An error reply to `original`, as a server builds it: from and to swapped,
// same id, no payload. `text` is optional.
model::Element error_reply(const model::Element& original, std::string_view type, std::string_view condition,
                           std::string_view text = {});

}  // namespace mucsim::sim
