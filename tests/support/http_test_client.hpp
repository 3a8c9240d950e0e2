#pragma once
// Test helpers on real loopback sockets: a blocking HTTP client, and a fake gateway API that
// records what Sapa sends and answers as a test tells it to.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sapa::testing {

struct test_response {
    int status = 0;  // 0: no answer (connection refused, closed, timed out)
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

struct test_request {
    std::string method = "POST";
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// One request on a new connection to 127.0.0.1:port.
test_response http_call(unsigned short port,
                        const test_request& request,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Raw bytes on a new connection; returns whatever came back before the peer closed or the
// timeout (for malformed and pipelined requests).
std::string raw_exchange(unsigned short port,
                         const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// An application/x-www-form-urlencoded body (or query) as name -> value, decoded.
std::map<std::string, std::string> decode_form(const std::string& text);

// An HTTP server on 127.0.0.1 standing in for a gateway's send API. Each request is recorded;
// the answer comes from the queue of planned answers, or 200 `default_body` when it is empty.
class fake_gateway {
  public:
    struct planned {
        int status = 200;
        std::string body;
        std::chrono::milliseconds delay{0};  // a long delay is a hang
    };
    struct received {
        std::string method, target, authorization, body;
    };

    fake_gateway();  // starts listening on an ephemeral port
    ~fake_gateway();
    unsigned short port() const;
    std::string base_url() const;  // "http://127.0.0.1:PORT"

    void plan(planned answer);  // answers the next request not yet planned for
    // Twilio's message list: GET .../Messages.json?To=X answers {"messages": [...]} with
    // every message POSTed to X and answered 2xx ({"sid", "to", "body"}), newest first.
    void answer_twilio_lookups();
    void set_default_body(std::string body);
    // Down: every connection is reset before a request is read. Up: answers again.
    void go_down();
    void come_up();

    std::vector<received> requests() const;
    // Waits until at least `n` requests were answered with 2xx, or the timeout.
    bool wait_for_successes(std::size_t n, std::chrono::milliseconds timeout) const;

  private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace sapa::testing
