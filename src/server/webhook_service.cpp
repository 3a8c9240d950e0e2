#include "server/webhook_service.hpp"

#include "messaging/address.hpp"
#include "messaging/message.hpp"
#include "server/log.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

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
    std::vector<std::vector<engine::outbound_message>> replies;  // per message, in order
    boost::system::error_code error;
    bool by_api = false;
    responder respond;
    std::shared_ptr<const gateway::adapter> adapter;
    http_response base;  // log fields

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
            std::vector<engine::outbound_message> all;
            if (!by_api) {
                std::size_t count = 0;
                for (const auto& per_message : replies)
                    count += per_message.size();
                all.reserve(count);
                for (auto& per_message : replies)
                    for (auto& m : per_message)
                        all.push_back(std::move(m));
            }
            r = from_gateway(adapter->acknowledge(all));
        }
        r.log_channel = base.log_channel;
        r.log_contact = base.log_contact;
        respond(std::move(r));
    }
};

}  // namespace

// One thread that applies delivery statuses in arrival order, so a status webhook waits for its
// commit without holding an io thread.
struct webhook_service::status_writer {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
    std::thread thread{[this] { run(); }};  // last: starts once the rest is built

    ~status_writer() {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        wake.notify_all();
        thread.join();
    }

    void post(std::function<void()> job) {
        {
            std::lock_guard lock(mutex);
            jobs.push_back(std::move(job));
        }
        wake.notify_one();
    }

    void run() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex);
                wake.wait(lock, [this] { return !jobs.empty() || stopping; });
                if (jobs.empty()) return;  // stopping, and everything received is written
                job = std::move(jobs.front());
                jobs.pop_front();
            }
            job();
        }
    }
};

webhook_service::webhook_service(std::vector<channel_binding> channels,
                                 storage::store& store,
                                 catalog_source scripts,
                                 clock_source clock,
                                 std::string public_base_url)
    : channels_(std::move(channels)),
      store_(store),
      scripts_(std::move(scripts)),
      clock_(std::move(clock)),
      public_base_url_(std::move(public_base_url)),
      statuses_(std::make_unique<status_writer>()) {}

webhook_service::~webhook_service() = default;

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
    std::string_view rest(request.path);
    rest.remove_prefix(prefix.size());
    bool status_route = false;
    if (rest.ends_with("/status")) {
        rest.remove_suffix(7);
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
    // Debug only: a note may quote what the gateway sent as the sender (Twilio's "skipped:
    // sender is not a phone number"), and numbers never reach the info log.
    for (const auto& note : parsed->notes)
        log(log_level::debug, "channel=" + channel.name + " " + note);

    auto pending = std::make_shared<pending_webhook>();
    pending->remaining = parsed->messages.size() + (parsed->statuses.empty() ? 0 : 1);
    pending->replies.resize(parsed->messages.size());
    pending->by_api = !channel.adapter->replies_inline();
    pending->respond = std::move(respond);
    pending->adapter = channel.adapter;
    pending->base.log_channel = channel.name;
    if (!parsed->messages.empty())
        pending->base.log_contact = messaging::mask_phone(parsed->messages.front().from);

    if (pending->remaining == 0) {
        pending->remaining = 1;
        return pending->part_done({});
    }

    if (!parsed->statuses.empty()) {
        statuses_->post([this,
                         pending,
                         statuses = std::move(parsed->statuses),
                         now,
                         channel_name = channel.name] {
            boost::system::error_code ec;
            for (const auto& s : statuses) {
                auto status = messaging::delivery_status_from_string(s.status);
                if (!status) continue;
                try {
                    bool moved = store_.update_delivery(
                        channel_name, s.provider_message_id, *status, s.raw_code, s.reason, now);
                    if (!moved && log_enabled(log_level::debug))
                        log(log_level::debug,
                            "channel=" + channel_name + " status " + s.status + " of " +
                                s.provider_message_id +
                                " changed nothing (unknown id or not "
                                "forward)");
                } catch (const boost::system::system_error& e) {
                    ec = e.code();
                    log(log_level::error,
                        "channel=" + channel_name + " cannot store a delivery status: " + e.what());
                    break;
                } catch (const std::exception& e) {
                    ec = storage::errc::write_failed;
                    log(log_level::error,
                        "channel=" + channel_name + " cannot store a delivery status: " + e.what());
                    break;
                }
            }
            pending->part_done(ec);
        });
    }

    if (parsed->messages.empty()) return;
    auto scripts = scripts_();
    const bool by_api = pending->by_api;
    for (std::size_t i = 0; i < parsed->messages.size(); ++i) {
        auto& m = parsed->messages[i];
        // The message is not read again: its strings move, and only the text is copied (the
        // turn needs it besides the store).
        storage::inbound_message in{.channel = channel.name,
                                    .gateway_message_id = std::move(m.gateway_message_id),
                                    .contact_address = std::move(m.from),
                                    .text = m.text,
                                    .received_at = now,
                                    .replies_by_api = by_api};
        storage::turn_function turn =
            [scripts, script = channel.script, text = std::move(m.text), now](
                const engine::contact_state& state, engine::registrar& registrations) {
                return engine::handle_message(*scripts, script, state, text, now, registrations);
            };
        auto on_durable = [this, pending, i, by_api, channel_name = channel.name](
                              storage::outcome_or_error outcome) {
            if (outcome) {
                std::lock_guard lock(pending->mutex);
                for (auto& r : outcome->replies)
                    pending->replies[i].push_back(std::move(r.message));
            }
            if (by_api && outcome && !outcome->replies.empty() && on_outbound_queued)
                on_outbound_queued(channel_name);
            pending->part_done(outcome ? boost::system::error_code{} : outcome.error());
        };
        store_.submit(std::move(in), std::move(turn), std::move(on_durable));
    }
}

}  // namespace sapa::server
