#pragma once
// Answers the gateways' HTTP requests: routes by channel, lets the channel's adapter verify
// and translate, runs each inbound message through the store (which runs the engine inside
// its transaction) and answers only once the message is durable.
//
// Routes:
//   GET  /healthz                    200 when serving
//   POST /webhooks/{channel}         inbound messages (and, for Meta, statuses)
//   GET  /webhooks/{channel}         Meta's verification handshake
//   POST /webhooks/{channel}/status  delivery-status callbacks (Twilio StatusCallback)
//
// Delivery statuses are written by a thread of this service, not on the io thread that
// received them: the store's update_delivery blocks until its commit, and the gateway hears
// 200 only after that commit. A status whose provider id is unknown (Twilio's inline TwiML
// replies have none) changes nothing and is still answered 200, so the gateway does not retry
// it for days.

#include "dialog/catalog.hpp"
#include "gateway/adapter.hpp"
#include "server/http_types.hpp"
#include "storage/store.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sapa::server {

struct channel_binding {
    std::string name;    // as in the URL: /webhooks/{name}
    std::string script;  // dialog script id this channel runs
    std::shared_ptr<const gateway::adapter> adapter;
};

// The scripts currently served; a reload swaps what it returns. Must not return null.
using catalog_source = std::function<std::shared_ptr<const dialog::catalog>()>;
using clock_source = std::function<engine::unix_seconds()>;

class webhook_service final : public request_handler {
  public:
    // `public_base_url` ("https://sapa.example.id"): the address gateways call, used to
    // rebuild the URL Twilio signed. Empty: "http://" + the Host header.
    webhook_service(std::vector<channel_binding> channels,
                    storage::store& store,
                    catalog_source scripts,
                    clock_source clock,
                    std::string public_base_url);

    ~webhook_service() override;  // finishes the delivery statuses already received
    webhook_service(const webhook_service&) = delete;
    webhook_service& operator=(const webhook_service&) = delete;

    void handle(http_request request, responder respond) override;

    // Called after a reply was queued for an API gateway, so the sender can wake up.
    std::function<void(const std::string& channel)> on_outbound_queued;

  private:
    void handle_webhook(const channel_binding& channel,
                        bool status_route,
                        http_request request,
                        responder respond);

    struct status_writer;

    std::vector<channel_binding> channels_;
    storage::store& store_;
    catalog_source scripts_;
    clock_source clock_;
    std::string public_base_url_;
    std::unique_ptr<status_writer> statuses_;
};

}  // namespace sapa::server
