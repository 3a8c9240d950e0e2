#include "server/webhooks.hpp"

#include "messaging/address.hpp"
#include "server/log.hpp"
#include "storage/error.hpp"

#include <mutex>
#include <string_view>

namespace sapa::server {
namespace {

// One mapping from what went wrong to what the gateway hears.
http_response response_for(const boost::system::error_code& ec) {
    using gateway::errc;
    if (ec.category() == gateway::gateway_category()) {
        switch (static_cast<errc>(ec.value())) {
            case errc::missing_signature:
            case errc::bad_signature:
            case errc::verification_failed:
                return plain_response(403, ec.message());
            case errc::unsupported_content_type:
                return plain_response(415, ec.message());
            case errc::malformed_body:
            case errc::invalid_utf8:
            case errc::missing_field:
            case errc::wrong_recipient:
            case errc::ambiguous_number:
                return plain_response(400, ec.message());
        }
    }
    if (ec == app::errc::invalid_address) return plain_response(400, "invalid sender address");
    // The store could not commit: the gateway retries later and nothing was acknowledged.
    if (ec == storage::errc::write_failed || ec == storage::errc::shutting_down)
        return plain_response(503, "temporarily unavailable, retry later");
    return plain_response(500, "internal error");
}

http_response from_gateway(gateway::http_reply reply) {
    http_response r;
    r.status = reply.status;
    r.body = std::move(reply.body);
    r.content_type = reply.content_type.empty() ? "text/plain; charset=utf-8" : reply.content_type;
    return r;
}

// The answers of one webhook whose messages and statuses are being made durable, possibly
// several (Meta batches both). The last durable part answers the gateway.
struct pending_webhook {
    std::mutex mutex;
    std::size_t remaining = 0;  // messages, plus one for all the statuses together
    std::vector<std::vector<messaging::outbound_message>> replies;  // per message, in order
    boost::system::error_code error;
    bool inline_replies = true;
    responder respond;
    std::shared_ptr<const gateway::adapter> adapter;
    std::string log_channel;
    std::string log_contact;
    // Phone number ids of messages no channel took: the webhook is not acknowledged.
    std::string unrouted;
    metrics_registry* metrics = nullptr;

    // One part is durable (or failed with `ec`). Answers when it was the last.
    void part_done(const boost::system::error_code& ec) {
        {
            std::lock_guard lock(mutex);
            if (ec && !error) error = ec;
            if (--remaining != 0) return;
        }
        http_response r;
        if (error) {
            r = response_for(error);
        } else if (!unrouted.empty()) {
            // Whatever was routed is durable (and a redelivery finds it stored); what was not
            // must come again, once a channel has its number.
            r = plain_response(500, "no channel for WhatsApp phone_number_id " + unrouted);
        } else {
            std::vector<messaging::outbound_message> all;
            if (inline_replies) {
                for (auto& per_message : replies)
                    for (auto& m : per_message)
                        all.push_back(std::move(m));
            }
            if (metrics && !all.empty())
                metrics->add("sapa_messages_sent_total",
                             {{"channel", log_channel}, {"via", "inline"}},
                             static_cast<double>(all.size()));
            r = from_gateway(adapter->acknowledge(all));
        }
        r.log_channel = log_channel;
        r.log_contact = log_contact;
        respond(std::move(r));
    }
};

}  // namespace

webhooks::webhooks(std::vector<channel_binding> channels,
                   app::conversations& conversations,
                   clock_source clock,
                   std::string public_base_url,
                   metrics_registry* metrics)
    : channels_(std::move(channels)),
      conversations_(conversations),
      clock_(std::move(clock)),
      public_base_url_(std::move(public_base_url)),
      metrics_(metrics) {}

void webhooks::add_routes(router& routes) {
    auto inbound = [this](http_request request, const route_params& p, responder respond) {
        handle(p.at("channel"), false, std::move(request), std::move(respond));
    };
    routes.add("POST", "/webhooks/{channel}", inbound);
    routes.add("GET", "/webhooks/{channel}", inbound);
    routes.add("POST",
               "/webhooks/{channel}/status",
               [this](http_request request, const route_params& p, responder respond) {
                   handle(p.at("channel"), true, std::move(request), std::move(respond));
               });
}

void webhooks::handle(const std::string& channel_name,
                      bool status_route,
                      http_request request,
                      responder respond) {
    for (const auto& binding : channels_) {
        if (binding.channel.name == channel_name)
            return handle_for(binding, status_route, std::move(request), std::move(respond));
    }
    respond(plain_response(404, "unknown channel"));
}

// The channel configured for Meta's phone_number_id `account`, or null.
const channel_binding* webhooks::by_account(const std::string& account) const {
    for (const auto& b : channels_)
        if (!account.empty() && b.adapter->account_id() == account) return &b;
    return nullptr;
}

void webhooks::count(const std::string& name, const std::string& channel, std::size_t n) const {
    if (metrics_ && n) metrics_->add(name, {{"channel", channel}}, static_cast<double>(n));
}

void webhooks::handle_for(const channel_binding& binding,
                          bool status_route,
                          http_request request,
                          responder respond) {
    const auto& name = binding.channel.name;
    const std::string request_id = request.request_id;
    auto note = [&](log_level level, const std::string& text) {
        log(level, "channel=" + name + " " + text, request_id);
    };
    gateway::webhook_request req;
    // The URL Twilio signed: the configured public address, never rebuilt from the Host
    // header (a caller's choice). Without one, Twilio's check refuses everything.
    if (!public_base_url_.empty()) req.url = public_base_url_ + request.target;
    req.method = std::move(request.method);
    req.path = std::move(request.path);
    req.query = std::move(request.query);
    req.headers = std::move(request.headers);
    req.body = std::move(request.body);

    if (req.method != "POST") {
        if (!status_route) {
            if (auto reply = binding.adapter->handshake(req)) {
                auto r = from_gateway(*reply);
                r.log_channel = name;
                return respond(std::move(r));
            }
        }
        auto r = plain_response(405, "method not allowed");
        r.headers.emplace_back("Allow", "POST");
        r.log_channel = name;
        return respond(std::move(r));
    }

    // Meta posts an app's numbers to the callback URL of that app, which may be another
    // channel's URL than the number's: a signature that does not check with this channel's
    // app secret may check with another channel's of the same provider, which then reads it.
    const channel_binding* reader = &binding;
    auto parsed = binding.adapter->parse(req);
    if (!parsed && parsed.error() == gateway::errc::bad_signature &&
        !binding.adapter->account_id().empty()) {
        for (const auto& other : channels_) {
            if (&other == &binding || other.adapter->account_id().empty() ||
                std::string_view(other.adapter->name()) != binding.adapter->name())
                continue;
            if (auto theirs = other.adapter->parse(req)) {
                parsed = std::move(theirs);
                reader = &other;
                break;
            }
        }
    }
    if (!parsed) {
        auto r = response_for(parsed.error());
        r.log_channel = name;
        return respond(std::move(r));
    }
    const auto now = clock_();
    // Debug only: a note may quote what the gateway sent as the sender (Twilio's "skipped:
    // sender is not a phone number"), and numbers never reach the info log.
    for (const auto& n : parsed->notes)
        note(log_level::debug, n);

    // What goes to which channel: this one's own part first, then the parts for the app's
    // other numbers (Meta posts all of them to one URL), each to the channel configured with
    // that phone_number_id once the signature verifies with that channel's own app secret.
    struct part {
        const channel_binding* channel;
        std::vector<messaging::inbound_message> messages;
        std::vector<messaging::status_update> statuses;
    };
    std::vector<part> parts;
    parts.push_back({reader, std::move(parsed->messages), std::move(parsed->statuses)});
    std::string unrouted;  // the phone number ids no channel has, for the answer
    for (auto& other : parsed->other_accounts) {
        const channel_binding* target = by_account(other.account_id);
        std::string why = "no channel has this phone_number_id";
        if (target) {
            auto theirs = target->adapter->parse(req);
            if (theirs) {
                parts.push_back({target, std::move(theirs->messages), std::move(theirs->statuses)});
                continue;
            }
            why = "channel " + target->channel.name +
                  " has it, but the signature does not verify with its app secret";
        }
        for (const auto& m : other.messages)
            note(log_level::warn,
                 "message " + m.gateway_message_id + " from " + messaging::mask_phone(m.from) +
                     " for phone_number_id " + other.account_id + " not stored: " + why +
                     "; answered 500 so that Meta delivers it again");
        if (!other.statuses.empty())
            note(log_level::warn,
                 std::to_string(other.statuses.size()) + " status(es) for phone_number_id " +
                     other.account_id + " ignored: " + why);
        if (metrics_) {
            if (!other.messages.empty())
                metrics_->add("sapa_webhook_unrouted_total",
                              {{"channel", name}, {"kind", "message"}},
                              static_cast<double>(other.messages.size()));
            if (!other.statuses.empty())
                metrics_->add("sapa_webhook_unrouted_total",
                              {{"channel", name}, {"kind", "status"}},
                              static_cast<double>(other.statuses.size()));
        }
        if (!other.messages.empty()) unrouted += (unrouted.empty() ? "" : ", ") + other.account_id;
    }

    auto pending = std::make_shared<pending_webhook>();
    pending->inline_replies = binding.channel.replies == storage::route::inline_reply;
    pending->respond = std::move(respond);
    pending->adapter = binding.adapter;
    pending->log_channel = name;
    pending->unrouted = std::move(unrouted);
    pending->metrics = metrics_;
    for (const auto& p : parts) {
        pending->remaining += p.messages.size() + (p.statuses.empty() ? 0 : 1);
        if (pending->log_contact.empty() && !p.messages.empty())
            pending->log_contact = messaging::mask_phone(p.messages.front().from);
    }
    std::size_t message_count = 0;
    for (const auto& p : parts)
        message_count += p.messages.size();
    pending->replies.resize(message_count);

    if (pending->remaining == 0) {
        pending->remaining = 1;
        return pending->part_done({});
    }
    std::size_t index = 0;
    for (auto& p : parts) {
        const auto& channel = p.channel->channel;
        if (!p.statuses.empty()) {
            conversations_.record_statuses(
                channel.name,
                std::move(p.statuses),
                now,
                [pending, channel = channel.name, request_id](boost::system::error_code ec) {
                    if (ec)
                        log(log_level::error,
                            "channel=" + channel +
                                " cannot store a delivery status: " + ec.message(),
                            request_id);
                    pending->part_done(ec);
                });
        }
        count("sapa_messages_received_total", channel.name, p.messages.size());
        for (auto& m : p.messages) {
            m.received_at = now;
            conversations_.receive(
                std::move(m), channel, [pending, i = index++](app::inbound_result r) {
                    if (r) {
                        std::lock_guard lock(pending->mutex);
                        for (auto& reply : r->replies)
                            pending->replies[i].push_back(std::move(reply.message));
                    }
                    pending->part_done(r ? boost::system::error_code{} : r.error());
                });
        }
    }
}

}  // namespace sapa::server
