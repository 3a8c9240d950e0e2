#pragma once
// The HTTP/1.1 listener gateways call: keep-alive, bounded bodies and headers, read and idle
// timeouts, a connection limit, and a graceful stop. One coroutine per connection on its own
// strand; what a request means is the request_handler's business.

#include "server/http_types.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sapa::server {

struct http_limits {
    std::size_t body_limit_bytes = 64 * 1024;
    // Paths starting with one of these (publishing dialog scripts, which run larger than any
    // webhook) may carry up to large_body_limit_bytes; every other request body_limit_bytes.
    std::vector<std::string> large_body_paths{};
    std::size_t large_body_limit_bytes = 1024 * 1024;
    std::size_t header_limit_bytes = 8 * 1024;
    // From a request's first byte to its last; also from a connection's accept to its first
    // byte, so sockets opened and left silent are cut early.
    std::chrono::seconds read_timeout{10};
    std::chrono::seconds idle_timeout{60};  // keep-alive wait for the next request
    int max_connections = 1024;
    // At most this many of them from one client address (IPv4 address, IPv6 /64): one client
    // cannot lock the others out. 0: half of max_connections, rounded up.
    int max_connections_per_client = 0;

    // The per-client share in effect: at least 1, at most max_connections.
    int client_share() const;
};

// One line per finished request (status, latency, channel, masked contact). The request has
// its method, target, path, query and host; its headers and body went to the handler.
using access_logger = std::function<void(
    const http_request&, const http_response&, std::chrono::microseconds latency)>;

class http_server {
  public:
    // Binds at once (throws boost::system::system_error when the address is taken).
    http_server(boost::asio::io_context& io,
                const std::string& address,
                unsigned short port,
                http_limits limits,
                request_handler& handler,
                access_logger log = {});
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    unsigned short port() const;  // the bound port (useful with port 0)
    void start();
    // Stops accepting, lets requests in progress finish and closes idle connections. The
    // io_context runs out of work once the last connection is gone.
    void stop();
    std::size_t open_connections() const;

  private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace sapa::server
