#pragma once
// One outgoing HTTP(S) request with a deadline, for sending through gateway APIs. HTTPS
// verifies the server certificate against the system's trust store and the host name.

#include "gateway/webhook.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <string>

namespace sapa::server {

struct http_result {
    int status = 0;  // 0: no answer (connection failed, timed out, TLS failed)
    std::string body;
    std::string error;  // why there was no answer, in words for the log
};

// `tls` must be a client context; configure_client_tls() prepares one.
boost::asio::awaitable<http_result> fetch(const gateway::api_request& request,
                                          std::chrono::seconds timeout,
                                          boost::asio::ssl::context& tls);

// Loads the system trust store and turns verification on (or off, for tests only).
void configure_client_tls(boost::asio::ssl::context& tls, bool verify_certificates);

}  // namespace sapa::server
