#pragma once
// A scripted TCP peer on 127.0.0.1 for the live backend's tests: it accepts
// one connection and plays steps — wait until the client has sent some text,
// then answer — so that every way a server can fail is reproducible without
// a server. Every wait is bounded; the thread ends on its own.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace mucsim::test {

struct FakeStep {
    std::string wait_for;  // text the client must have sent (cumulative), "" to answer at once
    std::string reply;
};

class FakeServer {
public:
    // `close_after`: close the connection after the last step; otherwise keep
    // reading until the client closes or `linger_ms` passes.
    explicit FakeServer(std::vector<FakeStep> steps, bool close_after = false, int linger_ms = 3000)
        : steps_(std::move(steps)), close_after_(close_after), linger_ms_(linger_ms) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(listener_, 4);
        socklen_t length = sizeof address;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    ~FakeServer() {
        finish();
        ::close(listener_);
    }

    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    std::uint16_t port() const { return port_; }
    // Stops serving (at once) and returns everything the client sent.
    std::string finish() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        return received_;
    }
    // Waits until the script has played and the client closed (or time ran out).
    std::string wait() {
        if (thread_.joinable()) thread_.join();
        return received_;
    }

    // A port nothing listens on (bound, then released).
    static std::uint16_t closed_port() {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        ::close(fd);
        return ntohs(address.sin_port);
    }

private:
    // Reads what is available within `ms`; false when the peer closed.
    bool read_some(int fd, int ms) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, ms) <= 0) return true;
        char buffer[4096];
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return false;
        received_.append(buffer, static_cast<std::size_t>(n));
        return true;
    }

    void serve() {
        pollfd p{listener_, POLLIN, 0};
        int waited = 0;
        while (!stop_ && ::poll(&p, 1, 50) == 0) {
            if ((waited += 50) > 5000) return;
        }
        if (stop_) return;
        int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        std::size_t seen = 0;  // where the next wait_for is searched from
        bool open = true;
        for (const FakeStep& step : steps_) {
            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (open && !step.wait_for.empty() && received_.find(step.wait_for, seen) == std::string::npos) {
                if (stop_ || std::chrono::steady_clock::now() > deadline) break;
                open = read_some(fd, 50);
            }
            std::size_t at = step.wait_for.empty() ? std::string::npos : received_.find(step.wait_for, seen);
            if (at != std::string::npos) seen = at + step.wait_for.size();
            if (open && !step.reply.empty()) ::send(fd, step.reply.data(), step.reply.size(), MSG_NOSIGNAL);
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(close_after_ ? 0 : linger_ms_);
        while (open && !stop_ && std::chrono::steady_clock::now() < deadline) open = read_some(fd, 50);
        ::close(fd);
    }

    std::vector<FakeStep> steps_;
    bool close_after_;
    int linger_ms_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::string received_;
    std::thread thread_;
};

// The server side of a session that goes well up to the bound resource.
inline std::vector<FakeStep> session_steps(const std::string& full_jid = "romeo@localhost/balcony") {
    const std::string header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "from='localhost' id='s1' version='1.0'>";
    return {
        {"<stream:stream", header + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                                    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"},
        {"</auth>", "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"},
        {"<stream:stream", header + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                                    "</stream:features>"},
        {"</iq>", "<iq type='result' id='mucsim-bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>" +
                      full_jid + "</jid></bind></iq>"},
    };
}

}  // namespace mucsim::test
