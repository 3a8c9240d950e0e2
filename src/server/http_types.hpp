#pragma once
// Plain request/response values between the HTTP shell (http_server) and what answers the
// requests. No Beast types here, so handlers compile without Beast and test without sockets.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sapa::server {

struct http_request {
    std::string method;  // "GET", "POST"...
    std::string target;  // path and query as sent: "/webhooks/sms?x=1"
    std::string path;    // "/webhooks/sms"
    std::string query;   // "x=1"
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;
    std::string host;  // the Host header
    // The peer's IP address as text ("127.0.0.1"); empty when not known (tests without sockets).
    std::string remote_address;
    // This request's id, for the log lines about it: the client's X-Request-Id when it is
    // sane (request_id_acceptable), else a new one. The server echoes it in the response.
    std::string request_id;

    // The first header of that name (lower case), or "".
    const std::string& header(const std::string& lowercase_name) const;
};

struct http_response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
    // Filled in by the handler for the access log: the channel and a masked contact.
    std::string log_channel;
    std::string log_contact;
    // Filled in by the router: the route pattern that answered ("/webhooks/{channel}"),
    // empty when none did. For metrics, whose labels must stay few.
    std::string route;
};

// Answers one request. `respond` must be called exactly once, from any thread.
using responder = std::function<void(http_response)>;

class request_handler {
  public:
    virtual ~request_handler() = default;
    virtual void handle(http_request request, responder respond) = 0;
};

// A response whose body is one short line, for errors.
http_response plain_response(int status, std::string text);

// An incoming X-Request-Id worth keeping: 1 to 128 characters of A-Z a-z 0-9 . _ : -
bool request_id_acceptable(std::string_view id);
// A new request id: 16 random hexadecimal digits.
std::string new_request_id();

}  // namespace sapa::server
