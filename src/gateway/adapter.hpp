#pragma once
// One adapter per provider account: it translates that provider's webhooks into
// channel-neutral messages and our replies into the provider's formats. Adapters are pure
// (no I/O, no clock) and immutable after construction, so one instance may serve many
// threads at once. Reference: shared gateways.md sections 0-2.

#include "gateway/error.hpp"
#include "gateway/webhook.hpp"
#include "messaging/message.hpp"

#include <boost/system/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::gateway {

class adapter {
  public:
    virtual ~adapter() = default;
    adapter() = default;
    adapter(const adapter&) = delete;
    adapter& operator=(const adapter&) = delete;

    // "twilio", "whatsapp_cloud", "generic_json": for logs.
    virtual const char* name() const noexcept = 0;

    // Verifies the signature first (a missing header is refused like a wrong one), then
    // translates the body. Fails with an errc; never throws on any input. Messages and
    // statuses the adapter does not understand are skipped with a note, not refused.
    virtual boost::system::result<parsed_webhook> parse(const webhook_request& req) const = 0;

    // The provider account this adapter answers for, as webhooks name it (Meta's
    // phone_number_id); empty when the provider's webhooks name none.
    virtual std::string account_id() const { return {}; }

    // True when replies travel in the HTTP answer to the inbound webhook (acknowledge()),
    // false when they must be sent through render_send().
    virtual bool replies_inline() const noexcept = 0;

    // The HTTP answer to a webhook that parse() accepted. Adapters that reply inline put
    // `replies` in it; the others ignore them and just answer 200.
    virtual http_reply acknowledge(
        const std::vector<messaging::outbound_message>& replies) const = 0;

    // The answer to a provider's subscription handshake, or nullopt when `req` is not one
    // (the caller then goes on with parse()).
    virtual std::optional<http_reply> handshake(const webhook_request& req) const = 0;

    // The send-API call that delivers `message` to `to` (E.164). `interactive` allows buttons
    // and lists where the provider has them; otherwise the message's full text is sent.
    // WhatsApp Cloud: reply buttons for up to 3 options with titles of at most 20 characters,
    // a list for up to 10 options with titles of at most 24, with the option keys as ids (a
    // tap comes back as the key); anything else, or a body over 1024 characters, is sent as
    // the full text. Text over the provider's limit (Twilio 1600, WhatsApp 4096 characters)
    // is cut there; the script checker warns about such texts long before.
    // Returns a request with an empty method when this adapter has no send API configured.
    virtual api_request render_send(const std::string& to,
                                    const messaging::outbound_message& message,
                                    bool interactive) const = 0;

    // The send-API call that delivers an approved template to `to` (E.164), for a provider
    // that only allows templates outside its customer-service window (WhatsApp Cloud: a
    // "template" message with the name, the language code and one body text parameter per
    // value). An empty method: this adapter sends no templates.
    virtual api_request render_template(const std::string& to,
                                        const messaging::message_template& t) const {
        (void)to;
        (void)t;
        return {};
    }

    // Classifies the answer to a render_send() request. `http_status` <= 0 means no answer
    // (connection failure or timeout), which is retried.
    virtual send_outcome interpret_send(int http_status, const std::string& body) const = 0;

    // For a send whose outcome a crash left unknown: the request listing what the provider
    // sent to `to` (E.164) since `since` (unix seconds). Empty method: the provider offers no
    // such lookup (the default).
    virtual api_request render_lookup(const std::string& /*to*/,
                                      messaging::unix_seconds /*since*/) const {
        return {};
    }
    // Whether the answer to render_lookup() lists `message` (the same text) sent to `to`.
    virtual lookup_outcome interpret_lookup(int /*http_status*/,
                                            const std::string& /*body*/,
                                            const std::string& /*to*/,
                                            const messaging::outbound_message& /*message*/) const {
        return {lookup_outcome::retry, {}, "no lookup"};
    }
};

// Twilio Programmable Messaging (SMS, or WhatsApp through Twilio when `is_whatsapp`).
// Replies inline with TwiML. render_send() needs the REST settings; without an account sid
// it returns an empty request. `channel_number` is the channel's number as configured
// ("+14155550100", "whatsapp:+14155238886" or a short code): an inbound message whose To is
// another number (compared without "whatsapp:", normalised) fails with errc::wrong_recipient.
// Empty: To is not checked (tests and tools only; the server always passes it).
struct twilio_rest_settings {
    std::string account_sid{};  // "AC..."
    std::string from{};         // our number, E.164
    // "MG...": sent as MessagingServiceSid instead of From (the service picks the sender).
    std::string messaging_service_sid{};
    // Where Twilio posts the message's statuses ("https://host/webhooks/sms/status"); empty:
    // none asked for.
    std::string status_callback{};
    std::string api_base = "https://api.twilio.com";
};
std::unique_ptr<adapter> make_twilio_adapter(std::string auth_token,
                                             bool is_whatsapp,
                                             twilio_rest_settings rest = {},
                                             std::string_view channel_number = {});

// Meta WhatsApp Cloud API. `graph_base_url` includes the version,
// e.g. "https://graph.facebook.com/v25.0".
std::unique_ptr<adapter> make_whatsapp_cloud_adapter(std::string app_secret,
                                                     std::string verify_token,
                                                     std::string access_token,
                                                     std::string phone_number_id,
                                                     std::string graph_base_url);

// Sapa's own JSON webhook for custom bridges (docs/generic-json.md). Replies inline; when
// `send_url` is given, render_send() posts messages there, signed like the webhooks.
std::unique_ptr<adapter> make_generic_json_adapter(std::string shared_secret,
                                                   std::string send_url = {});

// WhatsApp's customer-service window: free-form messages (text, interactive) may be sent
// only within 24 hours of the resident's last inbound message; after that only approved
// templates. Strictly less than 24 h, because the send happens a moment after the check.
// `last_inbound_unix` <= 0 means no inbound message was ever seen.
bool within_customer_service_window(messaging::unix_seconds last_inbound_unix,
                                    messaging::unix_seconds now_unix) noexcept;

}  // namespace sapa::gateway
