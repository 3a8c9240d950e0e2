#pragma once
// The plain values a gateway adapter reads and writes. The server fills a webhook_request from
// its HTTP request and sends back an http_reply; the delivery queue performs api_requests and
// hands the answers back to the adapter. Nothing here knows about sockets.

#include "messaging/message.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sapa::gateway {

// One HTTP request as the provider sent it.
struct webhook_request {
    std::string method;  // "POST", "GET"
    // The full public URL the provider called, scheme://host[:port]/path?query, exactly as
    // configured at the provider (Twilio signs it). Behind a proxy this is the public URL, not
    // the local one. Empty: Twilio's signature cannot be checked (never rebuilt from Host).
    std::string url;
    std::string path;   // "/twilio/sms"
    std::string query;  // raw query string without '?', still percent-encoded
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercase
    std::string body;                                          // raw bytes, never re-encoded

    // The first header with this name (matched case-insensitively), or nullopt.
    std::optional<std::string_view> header(std::string_view name) const;
};

// The messages and statuses a webhook carries, in the channel-neutral vocabulary.
using messaging::inbound_message;
using messaging::status_update;

// Messages and statuses a webhook carries for another account of the same provider app
// (Meta posts every number of an app to one callback URL): `account_id` is that number's
// phone_number_id. The server hands them to the channel configured with that id.
struct account_values {
    std::string account_id;
    std::vector<inbound_message> messages;
    std::vector<status_update> statuses;
};

struct parsed_webhook {
    std::vector<inbound_message> messages;
    std::vector<status_update> statuses;
    // Values for other accounts than the adapter's own, one entry per account, in order.
    std::vector<account_values> other_accounts;
    // Items the adapter skipped (unsupported message type, repeated id...), one line each,
    // for the log. Skipping is not an error: the provider still gets its 200.
    std::vector<std::string> notes;
};

struct http_reply {
    int status = 200;
    std::string content_type;  // empty with an empty body
    std::string body;
};

// An HTTP call to a provider's send API, ready for the delivery queue to perform.
// An empty method means there is nothing to send (the adapter has no send API configured).
struct api_request {
    std::string method;
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct send_outcome {
    enum kind { sent, retry, failed };
    kind result = failed;
    std::string provider_message_id;  // with sent: the id later status updates refer to
    std::string raw_code;             // provider error code, empty when none
    std::string reason;               // plain words, empty when sent
};

// What the provider says it sent to a number (adapter::interpret_lookup): the message was
// found (its id), is not there, or the answer was no answer (try again later).
struct lookup_outcome {
    enum kind { found, not_found, retry };
    kind result = retry;
    std::string provider_message_id;  // with found
    std::string reason;               // with retry, plain words
};

}  // namespace sapa::gateway
