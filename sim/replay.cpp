#include "sim/replay.hpp"

#include <fmt/format.h>

#include <cassert>

#include "model/namespaces.hpp"
#include "traces/variables.hpp"

namespace mucsim::sim {

namespace {

std::string compact(const model::Element& stanza) { return model::stanza_to_string(stanza); }

// The in-process backend: the world, run until quiet after each action.
class WorldBackend final : public ReplayBackend {
public:
    explicit WorldBackend(const ReplayOptions& options) : options_(options), world_(world_config(options)) {}

    std::optional<std::string> add_client(const std::string& name, const model::Jid& jid) override {
        if (jid.domain() != options_.server.domain) {
            return fmt::format("jid '{}' is not on the simulated server '{}'", jid.str(), options_.server.domain);
        }
        // The world names a bare JID's resource after the client's position.
        model::Jid bound = jid.is_full() ? jid : jid.with_resource(fmt::format("mucsim{}", world_.client_count() + 1));
        for (std::size_t i = 0; i < world_.client_count(); ++i) {
            const Client& other = world_.client(static_cast<ClientIndex>(i));
            if (other.full_jid != bound) continue;
            return fmt::format("jid '{}' is already the JID of client '{}'", bound.str(), other.name);
        }
        world_.add_client(name, jid);
        return std::nullopt;
    }

    std::string full_jid(ClientIndex c) const override { return world_.client(c).full_jid.str(); }
    bool online(ClientIndex c) const override { return world_.client(c).state == LinkState::online; }

    std::optional<std::string> connect(ClientIndex c) override {
        world_.send_connect(c);
        world_.run_until_quiet();
        return std::nullopt;
    }

    std::optional<std::string> disconnect(ClientIndex c) override {
        world_.send_disconnect(c);
        world_.run_until_quiet();
        return std::nullopt;
    }

    std::optional<std::string> send(ClientIndex c, model::Element stanza) override {
        world_.send_stanza(c, std::move(stanza));
        world_.run_until_quiet();
        return std::nullopt;
    }

    Next next_received(ClientIndex c) override {
        Fifo<model::Element>& inbox = world_.client(c).inbox;
        if (inbox.empty()) return {};
        Next next{std::move(inbox.front()), {}};
        inbox.pop_front();
        return next;
    }

    model::Result<std::vector<model::Element>, std::string> pending(ClientIndex c) override {
        const Fifo<model::Element>& inbox = world_.client(c).inbox;
        return std::vector<model::Element>(inbox.begin(), inbox.end());
    }

    std::string silence() const override { return "the world is quiet"; }

    traces::Trace trace() const override { return world_.trace(); }

    std::size_t stanzas_delivered() const override {
        std::size_t total = 0;
        for (std::size_t i = 0; i < world_.client_count(); ++i) {
            total += world_.client(static_cast<ClientIndex>(i)).received_total;
        }
        return total;
    }

private:
    static WorldConfig world_config(const ReplayOptions& options) {
        WorldConfig config;
        config.server = options.server;
        return config;
    }

    const ReplayOptions& options_;
    World world_;
};

class Replayer {
public:
    Replayer(const traces::Script& script, ReplayBackend& backend, bool strict_order, traces::MatchMode match,
             bool keep_log = true)
        : script_(script), backend_(backend), strict_order_(strict_order), match_(match), keep_log_(keep_log) {}

    ReplayResult run() {
        if (!add_clients()) return finish();
        for (const traces::Action& action : script_.actions) {
            ++result_.actions_run;
            if (!run_action(action)) break;
        }
        result_.passed = result_.failures.empty();
        return finish();
    }

private:
    ReplayResult finish() {
        result_.trace = backend_.trace();
        result_.stanzas_delivered = backend_.stanzas_delivered();
        return std::move(result_);
    }

    void fail(const traces::Action& action, std::string explanation) {
        result_.failures.push_back({action.line, fmt::format("{} {}", action.client, traces::action_verb(action.kind)),
                                    std::move(explanation)});
    }

    // The text is made only when the log is kept: writing every stanza out
    // was a fifth of a replay.
    template <class Text>
    void log(int line, Text text) {
        if (keep_log_) result_.log.push_back({line, text()});
    }

    bool add_clients() {
        for (const traces::ClientDecl& decl : script_.clients) {
            auto jid = model::Jid::parse(decl.property("jid"));
            if (!jid) {
                result_.failures.push_back({decl.line, fmt::format("[Client] {}", decl.name),
                                            fmt::format("invalid jid: {}", jid.error().message)});
                return false;
            }
            model::Jid full = *jid;
            if (!decl.property("resource").empty()) full = full.with_resource(decl.property("resource"));
            if (auto error = backend_.add_client(decl.name, full)) {
                result_.failures.push_back({decl.line, fmt::format("[Client] {}", decl.name), std::move(*error)});
                return false;
            }
            clients_.push_back(decl.name);
            bindings_[decl.name] = backend_.full_jid(static_cast<ClientIndex>(clients_.size() - 1));
        }
        return true;
    }

    ClientIndex find_client(std::string_view name) const {
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            if (clients_[i] == name) return static_cast<ClientIndex>(i);
        }
        return no_client;
    }

    bool run_action(const traces::Action& action) {
        ClientIndex c = find_client(action.client);
        assert(c != no_client && "the parser checks client names");
        switch (action.kind) {
            case traces::ActionKind::connects: {
                auto error = backend_.connect(c);
                bindings_[action.client] = backend_.full_jid(c);
                if (error) {
                    fail(action, std::move(*error));
                    return false;
                }
                log(action.line, [&] { return fmt::format("{} connects as {}", action.client, bindings_[action.client]); });
                return true;
            }
            case traces::ActionKind::disconnects:
                log(action.line, [&] { return fmt::format("{} disconnects", action.client); });
                if (auto error = backend_.disconnect(c)) {
                    fail(action, std::move(*error));
                    return false;
                }
                return true;
            case traces::ActionKind::sends: return sends(action, c);
            case traces::ActionKind::receives: return receives(action, c);
            case traces::ActionKind::receives_nothing: return receives_nothing(action, c);
        }
        assert(false);
        return false;
    }

    bool sends(const traces::Action& action, ClientIndex c) {
        assert(action.stanza);
        auto stanza = traces::substitute(*action.stanza, bindings_);
        if (!stanza) {
            fail(action, stanza.error());
            return false;
        }
        if (!backend_.online(c)) {
            // As scansion does: a send on a closed connection goes nowhere.
            result_.warnings.push_back(
                fmt::format("line {}: {} is not connected; its stanza was not sent", action.line, action.client));
            log(action.line, [&] { return fmt::format("{} sends (ignored, not connected): {}", action.client, compact(*stanza)); });
            return true;
        }
        log(action.line, [&] { return fmt::format("{} sends: {}", action.client, compact(*stanza)); });
        if (auto error = backend_.send(c, std::move(stanza).value())) {
            fail(action, std::move(*error));
            return false;
        }
        return true;
    }

    bool receives(const traces::Action& action, ClientIndex c) {
        assert(action.stanza);
        auto expected = traces::substitute(*action.stanza, bindings_);
        if (!expected) {
            fail(action, expected.error());
            return false;
        }
        std::vector<model::Element> skipped;
        std::optional<traces::Mismatch> closest;
        std::size_t closest_index = 0;
        backend_.begin_receive(c);
        while (true) {
            ReplayBackend::Next next = backend_.next_received(c);
            if (!next.error.empty()) {
                fail(action, fmt::format("{}\n{}", next.error,
                                         no_match_explanation(*expected, skipped, closest, closest_index, "")));
                return false;
            }
            if (!next.stanza) break;
            model::Element received = std::move(*next.stanza);
            auto mismatch = traces::match_stanza(*expected, received, captures_, match_);
            if (!mismatch) {
                log(action.line, [&] { return fmt::format("{} receives: {}", action.client, compact(received)); });
                return true;
            }
            if (strict_order_) {
                fail(action, fmt::format("strict order: the next stanza does not match\n{}",
                                         traces::explain_mismatch(*mismatch, *expected, received)));
                return false;
            }
            if (!closest || better_explanation(*mismatch, received, *closest, skipped[closest_index], *expected)) {
                closest = mismatch;
                closest_index = skipped.size();
            }
            log(action.line, [&] { return fmt::format("{} skips: {}", action.client, compact(received)); });
            result_.skipped.push_back({action.line, action.client, received});
            skipped.push_back(std::move(received));
        }
        fail(action, no_match_explanation(*expected, skipped, closest, closest_index, backend_.silence()));
        return false;
    }

    // The better explanation is a stanza of the expected kind from the
    // expected sender, then the mismatch that got further into the stanza.
    static bool better_explanation(const traces::Mismatch& a, const model::Element& a_stanza, const traces::Mismatch& b,
                                   const model::Element& b_stanza, const model::Element& expected) {
        auto kinship = [&](const model::Element& s) {
            return (s.name == expected.name ? 2 : 0) + (s.attribute("from") == expected.attribute("from") ? 1 : 0);
        };
        if (kinship(a_stanza) != kinship(b_stanza)) return kinship(a_stanza) > kinship(b_stanza);
        auto depth = [](const std::string& path) { return std::count(path.begin(), path.end(), '/'); };
        return depth(a.path) > depth(b.path);
    }

    static std::string no_match_explanation(const model::Element& expected, const std::vector<model::Element>& skipped,
                                            const std::optional<traces::Mismatch>& closest,
                                            std::size_t closest_index, std::string_view silence) {
        if (skipped.empty()) {
            std::string why = silence.empty() ? std::string() : fmt::format(" ({})", silence);
            return fmt::format("nothing was received{}\n  expected:\n{}", why,
                               model::pretty(expected, model::ns::client, 2));
        }
        std::string text = fmt::format("none of the {} stanza(s) received matches; the closest, #{}:\n{}",
                                       skipped.size(), closest_index + 1,
                                       traces::explain_mismatch(*closest, expected, skipped[closest_index]));
        text += "\n  all received while waiting:";
        for (std::size_t i = 0; i < skipped.size(); ++i) text += fmt::format("\n    #{} {}", i + 1, compact(skipped[i]));
        return text;
    }

    bool receives_nothing(const traces::Action& action, ClientIndex c) {
        auto queued = backend_.pending(c);
        if (!queued) {
            fail(action, queued.error());
            return false;
        }
        if (queued->empty()) {
            log(action.line, [&] { return fmt::format("{} receives nothing", action.client); });
            return true;
        }
        std::string text = fmt::format("expected nothing, but {} stanza(s) are queued:", queued->size());
        for (const model::Element& s : *queued) text += fmt::format("\n{}", model::pretty(s, model::ns::client, 2));
        fail(action, std::move(text));
        return false;
    }

    const traces::Script& script_;
    ReplayBackend& backend_;
    bool strict_order_;
    traces::MatchMode match_;
    bool keep_log_;
    std::vector<std::string> clients_;
    traces::Bindings bindings_;
    traces::Captures captures_;
    ReplayResult result_;
};

}  // namespace

ReplayResult replay(const traces::Script& script, const ReplayOptions& options) {
    WorldBackend backend(options);
    return Replayer(script, backend, options.strict_order, options.match, options.keep_log).run();
}

ReplayResult replay(const traces::Script& script, ReplayBackend& backend, bool strict_order,
                    traces::MatchMode match) {
    return Replayer(script, backend, strict_order, match).run();
}

}  // namespace mucsim::sim
