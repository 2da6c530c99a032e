#include "live/connection.hpp"

#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <fcntl.h>

#include "model/jid.hpp"
#include "model/namespaces.hpp"

namespace mucsim::live {

namespace {

constexpr std::string_view sasl_ns = "urn:ietf:params:xml:ns:xmpp-sasl";
constexpr std::string_view bind_ns = "urn:ietf:params:xml:ns:xmpp-bind";
constexpr std::string_view session_ns = "urn:ietf:params:xml:ns:xmpp-session";
constexpr std::string_view tls_ns = "urn:ietf:params:xml:ns:xmpp-tls";
constexpr std::string_view stream_errors_ns = "urn:ietf:params:xml:ns:xmpp-streams";
constexpr std::size_t read_chunk = 64 * 1024;

std::string base64(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    while (i + 2 < bytes.size()) {
        auto n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16) |
                 (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                 static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
        i += 3;
    }
    if (i + 1 == bytes.size()) {
        auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        auto n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16) |
                 (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

int remaining_ms(Deadline deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 24LL * 3600 * 1000));
}

// The first child in `ns` that is not <text/>: the condition of an error.
std::string condition_of(const model::Element& error, std::string_view ns) {
    for (const model::Element* child : error.elements()) {
        if (child->ns == ns && child->name != "text") return child->name;
    }
    return "undefined-condition";
}

std::string text_suffix(const model::Element& error, std::string_view ns) {
    std::string text = error.child_text("text", ns);
    return text.empty() ? std::string() : fmt::format(" ({})", text);
}

// scansion's own attributes (scansion:strict) mean nothing to a server.
void strip_scansion(model::Element& element) {
    std::erase_if(element.attributes, [](const model::Attribute& a) {
        return a.name.starts_with("scansion:") || a.name.starts_with(fmt::format("{{{}}}", model::ns::scansion));
    });
    for (model::Node& node : element.children) {
        if (node.is_element()) strip_scansion(node.element());
    }
}

}  // namespace

Connection::Connection(ServerAddress server, SessionOptions options)
    : server_(std::move(server)), options_(std::move(options)), stream_(options_.limits) {}

Connection::~Connection() { abort(); }

std::string Connection::where() const {
    std::string who = full_jid_.empty() ? account_ : full_jid_;
    return who.empty() ? server_.str() : fmt::format("{} ({})", server_.str(), who);
}

std::string Connection::fail(std::string what) {
    if (error_.empty()) error_ = fmt::format("{}: {}", where(), what);
    return error_;
}

model::Result<std::unique_ptr<Connection>, std::string> Connection::open(const ServerAddress& server,
                                                                         const SessionOptions& options) {
    std::unique_ptr<Connection> c(new Connection(server, options));
    auto jid = model::Jid::parse(options.jid);
    if (!jid || jid->node().empty()) {
        return fmt::format("{}: '{}' is not a user JID to log in with", server.str(), options.jid);
    }
    c->account_ = jid->bare_str();
    c->domain_ = std::string(jid->domain());
    if (c->options_.resource.empty() && jid->is_full()) c->options_.resource = std::string(jid->resource());
    if (auto error = c->connect_tcp()) return *error;
    if (auto error = c->open_stream(deadline_in(options.reply_ms))) return *error;
    auto features = c->next_element(deadline_in(options.reply_ms), "waiting for the stream features");
    if (!features) return features.error();
    if (auto error = c->authenticate(*features, deadline_in(options.reply_ms))) return *error;
    c->stream_.restart();
    if (auto error = c->open_stream(deadline_in(options.reply_ms))) return *error;
    features = c->next_element(deadline_in(options.reply_ms), "waiting for the stream features after authenticating");
    if (!features) return features.error();
    if (auto error = c->bind(*features, deadline_in(options.reply_ms))) return *error;
    // Stanzas that came with the answer to binding; a stream that ended
    // right after it shows at the next wait.
    (void)c->dispatch();
    return c;
}

std::optional<std::string> Connection::connect_tcp() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string port = std::to_string(server_.port);
    int rc = ::getaddrinfo(server_.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0) return fail(fmt::format("cannot resolve '{}': {}", server_.host, ::gai_strerror(rc)));
    std::string last_error = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last_error = std::strerror(errno);
            continue;
        }
        int result = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (result != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int ready = ::poll(&p, 1, options_.connect_ms);
            if (ready == 0) {
                last_error = fmt::format("no answer within {} ms", options_.connect_ms);
                ::close(fd);
                continue;
            }
            int so_error = 0;
            socklen_t length = sizeof so_error;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
            result = so_error == 0 ? 0 : -1;
            errno = so_error;
        }
        if (result != 0) {
            last_error = std::strerror(errno);
            ::close(fd);
            continue;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fd_ = fd;
        break;
    }
    ::freeaddrinfo(found);
    if (fd_ < 0) return fail(fmt::format("cannot connect: {} (is the server running?)", last_error));
    return std::nullopt;
}

std::optional<std::string> Connection::write(std::string_view bytes, Deadline deadline) {
    if (!alive()) return error_.empty() ? fail("the connection is closed") : error_;
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{fd_, POLLOUT, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) == 0) {
                return fail(fmt::format("the server has not read what was sent for {} ms", options_.reply_ms));
            }
            continue;
        }
        return fail(fmt::format("cannot send: {}", std::strerror(errno)));
    }
    return std::nullopt;
}

std::optional<std::string> Connection::read_some(Deadline deadline, bool* timed_out) {
    *timed_out = false;
    if (!alive()) return error_.empty() ? fail("the connection is closed") : error_;
    while (true) {
        pollfd p{fd_, POLLIN, 0};
        int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return fail(fmt::format("poll: {}", std::strerror(errno)));
        if (ready == 0) {
            *timed_out = true;
            return std::nullopt;
        }
        char buffer[read_chunk];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (n < 0) return fail(fmt::format("cannot read: {}", std::strerror(errno)));
        if (n == 0) {
            if (closing_) {
                ::close(fd_);
                fd_ = -1;
                return std::nullopt;
            }
            return fail(stream_.opened() ? "the server closed the connection without closing the stream"
                                         : "the server closed the connection before opening a stream");
        }
        if (!stream_.feed(std::string_view(buffer, static_cast<std::size_t>(n)))) {
            return fail(fmt::format("the server sent bad XML: {}", stream_.error()));
        }
        return std::nullopt;
    }
}

std::optional<std::string> Connection::open_stream(Deadline deadline) {
    std::string header = fmt::format(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "to='{}' version='1.0' xml:lang='en'>",
        model::escape_xml(domain_));
    if (auto error = write(header, deadline)) return error;
    while (!stream_.opened()) {
        bool timed_out = false;
        if (auto error = read_some(deadline, &timed_out)) return error;
        if (timed_out) return fail(fmt::format("no stream header within {} ms (is it an XMPP c2s port?)", options_.reply_ms));
    }
    return std::nullopt;
}

std::string Connection::stream_error_text(const model::Element& error) const {
    return fmt::format("stream error: {}{}", condition_of(error, stream_errors_ns), text_suffix(error, stream_errors_ns));
}

model::Result<model::Element, std::string> Connection::next_element(Deadline deadline, std::string_view waiting_for) {
    while (true) {
        if (stream_.has_element()) {
            model::Element element = stream_.take();
            if (element.is("error", streams_ns)) return fail(stream_error_text(element));
            return element;
        }
        if (stream_.closed()) return fail(fmt::format("the server closed the stream while {}", waiting_for));
        bool timed_out = false;
        if (auto error = read_some(deadline, &timed_out)) return *error;
        if (timed_out) return fail(fmt::format("no answer within {} ms while {}", options_.reply_ms, waiting_for));
    }
}

std::optional<std::string> Connection::authenticate(const model::Element& features, Deadline deadline) {
    if (!features.is("features", streams_ns)) {
        return fail(fmt::format("expected the stream features, received <{}>", features.name));
    }
    const model::Element* mechanisms = features.child("mechanisms", sasl_ns);
    bool plain = false;
    std::string offered;
    if (mechanisms) {
        for (const model::Element* m : mechanisms->elements("mechanism", sasl_ns)) {
            offered += (offered.empty() ? "" : ", ") + m->text_content();
            plain = plain || m->text_content() == "PLAIN";
        }
    }
    if (!plain) {
        const model::Element* tls = features.child("starttls", tls_ns);
        if (tls && tls->child("required", tls_ns)) {
            return fail("the server requires TLS; mucsim speaks plain c2s only (Prosody: c2s_require_encryption = false)");
        }
        return fail(fmt::format("the server offers no SASL PLAIN (offers: {}); mucsim needs it without TLS "
                                "(Prosody: allow_unencrypted_plain_auth = true)",
                                offered.empty() ? "nothing" : offered));
    }
    auto jid = model::Jid::parse(account_);
    assert(jid);
    std::string credentials = std::string(1, '\0') + std::string(jid->node()) + '\0' + options_.password;
    std::string auth = fmt::format("<auth xmlns='{}' mechanism='PLAIN'>{}</auth>", sasl_ns, base64(credentials));
    if (auto error = write(auth, deadline)) return error;
    auto answer = next_element(deadline, "waiting for the answer to SASL PLAIN");
    if (!answer) return answer.error();
    if (answer->is("success", sasl_ns)) return std::nullopt;
    if (answer->is("failure", sasl_ns)) {
        return fail(fmt::format("authentication failed: {}{}", condition_of(*answer, sasl_ns), text_suffix(*answer, sasl_ns)));
    }
    return fail(fmt::format("expected the answer to SASL PLAIN, received <{}>", answer->name));
}

std::optional<std::string> Connection::bind(const model::Element& features, Deadline deadline) {
    if (!features.is("features", streams_ns) || !features.child("bind", bind_ns)) {
        return fail("the server offers no resource binding after authentication");
    }
    std::string resource = options_.resource.empty()
                               ? std::string()
                               : fmt::format("<resource>{}</resource>", model::escape_xml(options_.resource));
    std::string request = fmt::format("<iq type='set' id='mucsim-bind'><bind xmlns='{}'>{}</bind></iq>", bind_ns, resource);
    if (auto error = write(request, deadline)) return error;
    auto answer = next_element(deadline, "waiting for the resource to be bound");
    if (!answer) return answer.error();
    if (answer->name != "iq" || answer->attribute("id") != "mucsim-bind") {
        return fail(fmt::format("expected the answer to resource binding, received {}", model::stanza_to_string(*answer)));
    }
    if (answer->attribute("type") != "result") {
        const model::Element* error = answer->child("error");
        return fail(fmt::format("binding the resource '{}' failed: {}", options_.resource,
                                error ? condition_of(*error, model::ns::stanzas) : "no error element"));
    }
    const model::Element* bound = answer->child("bind", bind_ns);
    full_jid_ = bound ? bound->child_text("jid", bind_ns) : std::string();
    if (full_jid_.empty()) return fail("the server bound a resource but did not say which JID");
    // RFC 6120 §7.1: the session iq only when the server says it is not optional.
    const model::Element* session = features.child("session", session_ns);
    if (session && !session->child("optional", session_ns)) {
        std::string iq = fmt::format("<iq type='set' id='mucsim-session'><session xmlns='{}'/></iq>", session_ns);
        if (auto error = write(iq, deadline)) return error;
        auto result = next_element(deadline, "waiting for the session to be established");
        if (!result) return result.error();
        if (result->attribute("type") != "result") return fail("establishing the session failed");
    }
    return std::nullopt;
}

std::optional<std::string> Connection::send(const model::Element& stanza) {
    model::Element copy = stanza;
    strip_scansion(copy);
    return write(model::stanza_to_string(copy), deadline_in(options_.reply_ms));
}

std::optional<std::string> Connection::dispatch() {
    while (stream_.has_element()) {
        model::Element element = stream_.take();
        if (element.is("error", streams_ns)) return fail(stream_error_text(element));
        if (is_pong(element)) {
            if (!pending_ping_.empty() && answers_this_barrier(element.attribute("id"))) pending_ping_.clear();
            continue;  // a late answer to a ping sent again is no stanza either
        }
        ++stanzas_received_;
        inbox_.push_back(std::move(element));
    }
    if (stream_.closed() && !closing_) return fail("the server closed the stream");
    return std::nullopt;
}

Received Connection::receive(Deadline deadline) {
    bool timed_out = false;
    while (true) {
        // What was parsed already comes first, even when the stream then ended.
        std::optional<std::string> error = dispatch();
        if (!inbox_.empty()) {
            Received r{std::move(inbox_.front()), {}};
            inbox_.pop_front();
            return r;
        }
        if (error) return {std::nullopt, *error};
        if (!alive()) return {std::nullopt, error_.empty() ? fail("the connection is closed") : error_};
        if (timed_out) return {};
        (void)read_some(deadline, &timed_out);  // a failure shows as !alive() above
    }
}

std::optional<std::string> Connection::drain_until(Deadline deadline) {
    bool timed_out = false;
    while (true) {
        if (auto error = dispatch()) return error;
        if (!alive()) return error_.empty() ? std::nullopt : std::optional<std::string>(error_);
        if (timed_out) return std::nullopt;
        if (auto error = read_some(deadline, &timed_out)) {
            (void)dispatch();
            return error;
        }
    }
}

std::string barrier_target(const model::Element& stanza, std::string_view server_domain) {
    auto to = model::Jid::parse(stanza.attribute("to"));
    if (!to || to->domain() == server_domain) return {};
    return to->bare_str();
}

bool Connection::is_pong(const model::Element& element) {
    if (element.name != "iq" || !element.attribute("id").starts_with(ping_id_prefix)) return false;
    return element.attribute("type") == "result" || element.attribute("type") == "error";
}

bool Connection::answers_this_barrier(std::string_view id) const {
    id.remove_prefix(std::min(id.size(), ping_id_prefix.size()));
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), number);
    return ec == std::errc() && end == id.data() + id.size() && number >= first_ping_id_ && number < next_id_;
}

std::optional<std::string> Connection::send_ping(std::string_view to) {
    assert(pending_ping_.empty());
    first_ping_id_ = next_id_;
    ping_target_ = to;
    return resend_ping();
}

std::optional<std::string> Connection::resend_ping() {
    std::string_view to = ping_target_;
    std::string id = fmt::format("{}{}", ping_id_prefix, next_id_++);
    model::Element iq("iq", std::string(model::ns::client));
    iq.set("type", "get").set("id", id).set("to", to.empty() ? std::string_view(domain_) : to);
    iq.append(model::Element("ping", std::string(model::ns::ping)));
    if (auto error = send(iq)) return error;
    pending_ping_ = id;
    return std::nullopt;
}

std::optional<std::string> Connection::await_pong(Deadline deadline) {
    bool timed_out = false;
    Deadline resend_at = Clock::now() + std::chrono::milliseconds(ping_resend_ms);
    while (true) {
        std::optional<std::string> error = dispatch();
        if (pending_ping_.empty()) return std::nullopt;
        if (error) return error;
        if (!alive()) return error_.empty() ? fail("the connection is closed") : error_;
        if (timed_out && Clock::now() >= deadline) {
            return fail(fmt::format("{} did not answer a ping within {} ms",
                                    ping_target_.empty() ? std::string("the server") : ping_target_,
                                    options_.reply_ms));
        }
        if (timed_out) {  // only rooms get a ping again: the server never drops one
            if (auto failure = resend_ping()) return failure;
            resend_at = Clock::now() + std::chrono::milliseconds(ping_resend_ms);
        }
        Deadline wait_until = ping_target_.empty() ? deadline : std::min(deadline, resend_at);
        if (auto failure = read_some(wait_until, &timed_out)) {
            (void)dispatch();  // stanzas before the failure still reach the inbox
            return failure;
        }
    }
}

std::optional<std::string> Connection::ping(Deadline deadline, std::string_view to) {
    if (auto error = send_ping(to)) return error;
    return await_pong(deadline);
}

std::optional<std::string> Connection::close(Deadline deadline) {
    if (fd_ < 0) return std::nullopt;
    if (!alive()) {
        abort();
        return std::nullopt;
    }
    closing_ = true;
    if (auto error = write("</stream:stream>", deadline)) {
        abort();
        return error;
    }
    while (fd_ >= 0 && !stream_.closed()) {
        bool timed_out = false;
        if (auto error = read_some(deadline, &timed_out)) {
            abort();
            return error;
        }
        if (auto error = dispatch()) {
            abort();
            return error;
        }
        if (timed_out) {
            std::string error = fail(fmt::format("the server did not close the stream within {} ms", options_.reply_ms));
            abort();
            return error;
        }
    }
    abort();
    return std::nullopt;
}

void Connection::abort() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

}  // namespace mucsim::live
