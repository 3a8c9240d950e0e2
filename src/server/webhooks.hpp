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
//
// Meta posts every number of an app to one callback URL: each value of a Meta webhook goes
// to the channel configured with its metadata.phone_number_id, whichever channel's URL it
// arrived on, once the signature verifies with that channel's app secret (a webhook whose
// signature fails with the URL's channel is read by another Meta channel whose secret it
// checks with: numbers of two apps may share a URL). A message for a
// number no channel has is logged (number masked), counted (sapa_webhook_unrouted_total) and
// not acknowledged: the webhook is answered 500, so Meta delivers it again, and the messages
// routed beside it are found stored on redelivery.

#include "app/conversations.hpp"
#include "gateway/adapter.hpp"
#include "server/http_types.hpp"
#include "server/metrics.hpp"
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
    // rebuild the URL Twilio signed. Empty: Twilio's signatures cannot verify (the Host
    // header is never used for it; the config requires the address with a Twilio channel).
    // `metrics`, when given, counts messages in and out and unrouted Meta messages.
    webhooks(std::vector<channel_binding> channels,
             app::conversations& conversations,
             clock_source clock,
             std::string public_base_url,
             metrics_registry* metrics = nullptr);

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
    const channel_binding* by_account(const std::string& account) const;
    void count(const std::string& name, const std::string& channel, std::size_t n) const;

    std::vector<channel_binding> channels_;
    app::conversations& conversations_;
    clock_source clock_;
    std::string public_base_url_;
    metrics_registry* metrics_ = nullptr;
};

}  // namespace sapa::server
