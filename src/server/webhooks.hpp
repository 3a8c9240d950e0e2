#pragma once
// The gateways' webhooks, translated: the channel's adapter verifies and parses the HTTP
// request, the use cases (app::conversations) handle each message and status, and the
// adapter turns the outcome back into the gateway's answer, only once it is durable.
//
//   POST /webhooks/{channel}         inbound messages (and, for Meta, statuses)
//   GET  /webhooks/{channel}         Meta's verification handshake
//   POST /webhooks/{channel}/status  delivery-status callbacks (Twilio StatusCallback)
//
// A status whose provider id is unknown (Twilio's inline TwiML replies have none) changes
// nothing and is still answered 200, so the gateway does not retry it for days.

#include "app/conversations.hpp"
#include "gateway/adapter.hpp"
#include "server/http_types.hpp"
#include "server/router.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sapa::server {

struct channel_binding {
    app::channel channel;  // name as in the URL: /webhooks/{name}
    std::shared_ptr<const gateway::adapter> adapter;
};

using clock_source = std::function<messaging::unix_seconds()>;

class webhooks {
  public:
    // `public_base_url` ("https://sapa.example.id"): the address gateways call, used to
    // rebuild the URL Twilio signed. Empty: "http://" + the Host header.
    webhooks(std::vector<channel_binding> channels,
             app::conversations& conversations,
             clock_source clock,
             std::string public_base_url);

    // Adds the three webhook routes.
    void add_routes(router& routes);

  private:
    void handle(const std::string& channel_name,
                bool status_route,
                http_request request,
                responder respond);
    void handle_for(const channel_binding& channel,
                    bool status_route,
                    http_request request,
                    responder respond);

    std::vector<channel_binding> channels_;
    app::conversations& conversations_;
    clock_source clock_;
    std::string public_base_url_;
};

}  // namespace sapa::server
