#include "server/webhook_service.hpp"

#include "messaging/address.hpp"

#include <atomic>
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
                return plain_response(400, ec.message());
        }
    }
    if (ec == storage::errc::invalid_address) return plain_response(400, "invalid sender address");
    // The store could not commit: the gateway retries later and nothing was acknowledged.
    if (ec == storage::errc::write_failed || ec == storage::errc::shutting_down)
        return plain_response(503, "temporarily unavailable, retry later");
    return plain_response(500, "internal error");
}

http_response from_gateway(const gateway::http_reply& reply) {
    http_response r;
    r.status = reply.status;
    r.body = reply.body;
    r.content_type = reply.content_type.empty() ? "text/plain; charset=utf-8" : reply.content_type;
    return r;
}

// The answers of one webhook whose messages are being made durable, possibly several (Meta
// batches). The last durable callback answers the gateway.
struct pending_webhook {
    std::mutex mutex;
    std::size_t remaining = 0;
    std::vector<std::vector<engine::outbound_message>> replies;  // per message, in order
    boost::system::error_code error;
    responder respond;
    std::shared_ptr<const gateway::adapter> adapter;
    http_response base;  // log fields
};

}  // namespace

webhook_service::webhook_service(std::vector<channel_binding> channels,
                                 storage::store& store,
                                 catalog_source scripts,
                                 clock_source clock,
                                 std::string public_base_url)
    : channels_(std::move(channels)),
      store_(store),
      scripts_(std::move(scripts)),
      clock_(std::move(clock)),
      public_base_url_(std::move(public_base_url)) {}

void webhook_service::handle(http_request request, responder respond) {
    if (request.path == "/healthz") {
        if (request.method != "GET" && request.method != "HEAD") {
            auto r = plain_response(405, "method not allowed");
            r.headers.emplace_back("Allow", "GET");
            return respond(std::move(r));
        }
        http_response r;
        r.content_type = "application/json";
        r.body = "{\"status\":\"ok\"}\n";
        return respond(std::move(r));
    }
    constexpr std::string_view prefix = "/webhooks/";
    if (!request.path.starts_with(prefix)) return respond(plain_response(404, "not found"));
    std::string rest = request.path.substr(prefix.size());
    bool status_route = false;
    if (rest.ends_with("/status")) {
        rest.resize(rest.size() - 7);
        status_route = true;
    }
    for (const auto& channel : channels_) {
        if (channel.name != rest) continue;
        return handle_webhook(channel, status_route, std::move(request), std::move(respond));
    }
    return respond(plain_response(404, "unknown channel"));
}

void webhook_service::handle_webhook(const channel_binding& channel,
                                     bool status_route,
                                     http_request request,
                                     responder respond) {
    gateway::webhook_request req;
    req.method = request.method;
    req.path = request.path;
    req.query = request.query;
    req.headers = std::move(request.headers);
    req.body = std::move(request.body);
    req.url =
        (public_base_url_.empty() ? "http://" + request.host : public_base_url_) + request.target;

    if (req.method == "GET" && !status_route) {
        if (auto reply = channel.adapter->handshake(req)) {
            auto r = from_gateway(*reply);
            r.log_channel = channel.name;
            return respond(std::move(r));
        }
    }
    if (req.method != "POST") {
        auto r = plain_response(405, "method not allowed");
        r.headers.emplace_back("Allow", "POST");
        r.log_channel = channel.name;
        return respond(std::move(r));
    }

    auto parsed = channel.adapter->parse(req);
    if (!parsed) {
        auto r = response_for(parsed.error());
        r.log_channel = channel.name;
        return respond(std::move(r));
    }
    const auto now = clock_();

    for (const auto& s : parsed->statuses) {
        auto status = storage::delivery_status_from_string(s.status);
        if (!status) continue;
        store_.update_delivery(
            channel.name, s.provider_message_id, *status, s.raw_code, s.reason, now);
    }

    auto pending = std::make_shared<pending_webhook>();
    pending->remaining = parsed->messages.size();
    pending->replies.resize(parsed->messages.size());
    pending->respond = std::move(respond);
    pending->adapter = channel.adapter;
    pending->base.log_channel = channel.name;
    if (!parsed->messages.empty())
        pending->base.log_contact = messaging::mask_phone(parsed->messages.front().from);

    if (parsed->messages.empty()) {
        auto r = from_gateway(channel.adapter->acknowledge({}));
        r.log_channel = channel.name;
        return pending->respond(std::move(r));
    }

    auto scripts = scripts_();
    const bool by_api = !channel.adapter->replies_inline();
    for (std::size_t i = 0; i < parsed->messages.size(); ++i) {
        auto& m = parsed->messages[i];
        storage::inbound_message in{.channel = channel.name,
                                    .gateway_message_id = m.gateway_message_id,
                                    .contact_address = m.from,
                                    .text = m.text,
                                    .received_at = now,
                                    .replies_by_api = by_api};
        storage::turn_function turn = [scripts, script = channel.script, text = m.text, now](
                                          const engine::contact_state& state,
                                          engine::registrar& registrations) {
            return engine::handle_message(*scripts, script, state, text, now, registrations);
        };
        auto on_durable = [this, pending, i, by_api, channel_name = channel.name](
                              storage::outcome_or_error outcome) {
            bool last = false;
            {
                std::lock_guard lock(pending->mutex);
                if (outcome) {
                    for (auto& r : outcome->replies)
                        pending->replies[i].push_back(std::move(r.message));
                } else if (!pending->error) {
                    pending->error = outcome.error();
                }
                last = --pending->remaining == 0;
            }
            if (by_api && outcome && !outcome->replies.empty() && on_outbound_queued)
                on_outbound_queued(channel_name);
            if (!last) return;
            http_response r;
            if (pending->error) {
                r = response_for(pending->error);
            } else {
                std::vector<engine::outbound_message> all;
                for (auto& per_message : pending->replies)
                    for (auto& m : per_message)
                        all.push_back(std::move(m));
                r = from_gateway(pending->adapter->acknowledge(by_api ? decltype(all){} : all));
            }
            r.log_channel = pending->base.log_channel;
            r.log_contact = pending->base.log_contact;
            pending->respond(std::move(r));
        };
        store_.submit(std::move(in), std::move(turn), std::move(on_durable));
    }
}

}  // namespace sapa::server
