#include "live/address.hpp"

#include <fmt/format.h>

#include <charconv>

namespace mucsim::live {

std::string ServerAddress::str() const {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

model::Result<ServerAddress, std::string> parse_server_address(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return fmt::format("'{}' is not a server address: {} (expected HOST:PORT, e.g. 127.0.0.1:5222)", text, why);
    };
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return bad("an IPv6 address is written [ADDRESS]:PORT");
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) return bad("no port");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return bad("an IPv6 address is written [ADDRESS]:PORT");
    }
    if (host.empty()) return bad("no host");
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
        return bad("the port is a number from 1 to 65535");
    }
    return ServerAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace mucsim::live
