#pragma once
// Where a live server is: HOST:PORT, as given to --server.

#include <cstdint>
#include <string>
#include <string_view>

#include "model/result.hpp"

namespace mucsim::live {

struct ServerAddress {
    std::string host;  // a name or an address; IPv6 without brackets
    std::uint16_t port = 5222;

    // "host:port", or "[v6]:port".
    std::string str() const;
    bool operator==(const ServerAddress&) const = default;
};

// "localhost:5222", "127.0.0.1:15222", "[::1]:5222"; the port is required.
model::Result<ServerAddress, std::string> parse_server_address(std::string_view text);

}  // namespace mucsim::live
