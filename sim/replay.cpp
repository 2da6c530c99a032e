#include "sim/replay.hpp"

#include <fmt/format.h>

#include <cassert>

#include "model/namespaces.hpp"
#include "traces/variables.hpp"

namespace mucsim::sim {

namespace {

std::string compact(const model::Element& stanza) { return model::stanza_to_string(stanza); }

class Replayer {
public:
    Replayer(const traces::Script& script, const ReplayOptions& options)
        : script_(script), options_(options), world_(world_config(options)) {}

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
    static WorldConfig world_config(const ReplayOptions& options) {
        WorldConfig config;
        config.server = options.server;
        return config;
    }

    ReplayResult finish() {
        result_.trace = world_.trace();
        for (std::size_t i = 0; i < world_.client_count(); ++i) {
            result_.stanzas_delivered += world_.client(static_cast<ClientIndex>(i)).received_total;
        }
        return std::move(result_);
    }

    void fail(const traces::Action& action, std::string explanation) {
        result_.failures.push_back({action.line, fmt::format("{} {}", action.client, traces::action_verb(action.kind)),
                                    std::move(explanation)});
    }

    void log(int line, std::string text) { result_.log.push_back({line, std::move(text)}); }

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
            if (full.domain() != options_.server.domain) {
                result_.failures.push_back(
                    {decl.line, fmt::format("[Client] {}", decl.name),
                     fmt::format("jid '{}' is not on the simulated server '{}'", full.str(), options_.server.domain)});
                return false;
            }
            // The world names a bare JID's resource after the client's position.
            model::Jid bound = full.is_full() ? full
                                              : full.with_resource(fmt::format("mucsim{}", world_.client_count() + 1));
            for (std::size_t i = 0; i < world_.client_count(); ++i) {
                const Client& other = world_.client(static_cast<ClientIndex>(i));
                if (other.full_jid != bound) continue;
                result_.failures.push_back({decl.line, fmt::format("[Client] {}", decl.name),
                                            fmt::format("jid '{}' is already the JID of client '{}'", bound.str(),
                                                        other.name)});
                return false;
            }
            ClientIndex c = world_.add_client(decl.name, full);
            bindings_[decl.name] = world_.client(c).full_jid.str();
        }
        return true;
    }

    bool run_action(const traces::Action& action) {
        ClientIndex c = world_.find_client(action.client);
        assert(c != no_client && "the parser checks client names");
        switch (action.kind) {
            case traces::ActionKind::connects:
                log(action.line, fmt::format("{} connects as {}", action.client, bindings_[action.client]));
                world_.send_connect(c);
                world_.run_until_quiet();
                return true;
            case traces::ActionKind::disconnects:
                log(action.line, fmt::format("{} disconnects", action.client));
                world_.send_disconnect(c);
                world_.run_until_quiet();
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
        if (world_.client(c).state != LinkState::online) {
            // As scansion does: a send on a closed connection goes nowhere.
            result_.warnings.push_back(
                fmt::format("line {}: {} is not connected; its stanza was not sent", action.line, action.client));
            log(action.line, fmt::format("{} sends (ignored, not connected): {}", action.client, compact(*stanza)));
            return true;
        }
        log(action.line, fmt::format("{} sends: {}", action.client, compact(*stanza)));
        world_.send_stanza(c, std::move(stanza).value());
        world_.run_until_quiet();
        return true;
    }

    bool receives(const traces::Action& action, ClientIndex c) {
        assert(action.stanza);
        auto expected = traces::substitute(*action.stanza, bindings_);
        if (!expected) {
            fail(action, expected.error());
            return false;
        }
        std::deque<model::Element>& inbox = world_.client(c).inbox;
        std::vector<model::Element> skipped;
        std::optional<traces::Mismatch> closest;
        std::size_t closest_index = 0;
        while (!inbox.empty()) {
            model::Element received = std::move(inbox.front());
            inbox.pop_front();
            auto mismatch = traces::match_stanza(*expected, received, captures_);
            if (!mismatch) {
                log(action.line, fmt::format("{} receives: {}", action.client, compact(received)));
                return true;
            }
            if (options_.strict_order) {
                fail(action, fmt::format("strict order: the next stanza does not match\n{}",
                                         traces::explain_mismatch(*mismatch, *expected, received)));
                return false;
            }
            if (!closest || better_explanation(*mismatch, received, *closest, skipped[closest_index], *expected)) {
                closest = mismatch;
                closest_index = skipped.size();
            }
            log(action.line, fmt::format("{} skips: {}", action.client, compact(received)));
            result_.skipped.push_back({action.line, action.client, received});
            skipped.push_back(std::move(received));
        }
        fail(action, no_match_explanation(*expected, skipped, closest, closest_index));
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
                                            std::size_t closest_index) {
        if (skipped.empty()) {
            return fmt::format("nothing was received (the world is quiet)\n  expected:\n{}",
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
        std::deque<model::Element>& inbox = world_.client(c).inbox;
        if (inbox.empty()) {
            log(action.line, fmt::format("{} receives nothing", action.client));
            return true;
        }
        std::string text = fmt::format("expected nothing, but {} stanza(s) are queued:", inbox.size());
        for (const model::Element& s : inbox) text += fmt::format("\n{}", model::pretty(s, model::ns::client, 2));
        fail(action, std::move(text));
        return false;
    }

    const traces::Script& script_;
    const ReplayOptions& options_;
    World world_;
    traces::Bindings bindings_;
    traces::Captures captures_;
    ReplayResult result_;
};

}  // namespace

ReplayResult replay(const traces::Script& script, const ReplayOptions& options) {
    return Replayer(script, options).run();
}

}  // namespace mucsim::sim
