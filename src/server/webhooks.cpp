#include "server/webhooks.hpp"

#include "messaging/address.hpp"
#include "server/log.hpp"
#include "storage/error.hpp"

#include <mutex>

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
        } else {
            std::vector<messaging::outbound_message> all;
            if (inline_replies) {
                for (auto& per_message : replies)
                    for (auto& m : per_message)
                        all.push_back(std::move(m));
            }
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
                   std::string public_base_url)
    : channels_(std::move(channels)),
      conversations_(conversations),
      clock_(std::move(clock)),
      public_base_url_(std::move(public_base_url)) {}

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

void webhooks::handle_for(const channel_binding& binding,
                          bool status_route,
                          http_request request,
                          responder respond) {
    const auto& name = binding.channel.name;
    gateway::webhook_request req;
    if (public_base_url_.empty()) {
        req.url.reserve(7 + request.host.size() + request.target.size());
        req.url += "http://";
        req.url += request.host;
    } else {
        req.url.reserve(public_base_url_.size() + request.target.size());
        req.url += public_base_url_;
    }
    req.url += request.target;
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

    auto parsed = binding.adapter->parse(req);
    if (!parsed) {
        auto r = response_for(parsed.error());
        r.log_channel = name;
        return respond(std::move(r));
    }
    const auto now = clock_();
    // Debug only: a note may quote what the gateway sent as the sender (Twilio's "skipped:
    // sender is not a phone number"), and numbers never reach the info log.
    for (const auto& note : parsed->notes)
        log(log_level::debug, "channel=" + name + " " + note);

    auto pending = std::make_shared<pending_webhook>();
    pending->remaining = parsed->messages.size() + (parsed->statuses.empty() ? 0 : 1);
    pending->replies.resize(parsed->messages.size());
    pending->inline_replies = binding.channel.replies == storage::route::inline_reply;
    pending->respond = std::move(respond);
    pending->adapter = binding.adapter;
    pending->log_channel = name;
    if (!parsed->messages.empty())
        pending->log_contact = messaging::mask_phone(parsed->messages.front().from);

    if (pending->remaining == 0) {
        pending->remaining = 1;
        return pending->part_done({});
    }
    if (!parsed->statuses.empty()) {
        conversations_.record_statuses(
            name, std::move(parsed->statuses), now, [pending, name](boost::system::error_code ec) {
                if (ec)
                    log(log_level::error,
                        "channel=" + name + " cannot store a delivery status: " + ec.message());
                pending->part_done(ec);
            });
    }
    for (std::size_t i = 0; i < parsed->messages.size(); ++i) {
        auto& m = parsed->messages[i];
        m.received_at = now;
        conversations_.receive(std::move(m), binding.channel, [pending, i](app::inbound_result r) {
            if (r) {
                std::lock_guard lock(pending->mutex);
                for (auto& reply : r->replies)
                    pending->replies[i].push_back(std::move(reply.message));
            }
            pending->part_done(r ? boost::system::error_code{} : r.error());
        });
    }
}

}  // namespace sapa::server
