#include "server/outbound_sender.hpp"

#include "messaging/address.hpp"
#include "server/http_client.hpp"
#include "server/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <type_traits>

namespace sapa::server {

namespace net = boost::asio;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

namespace {

// Exponential backoff with full jitter: a random wait in [base/2, base], base doubling per
// attempt up to `max`, so retries from many jobs do not arrive at the gateway together.
std::chrono::seconds backoff(int attempts,
                             std::chrono::seconds first,
                             std::chrono::seconds max,
                             std::mt19937& random) {
    long long base = first.count();
    for (int i = 1; i < attempts && base < max.count(); ++i)
        base *= 2;
    base = std::min<long long>(base, max.count());
    std::uniform_int_distribution<long long> pick((base + 1) / 2, std::max<long long>(base, 1));
    return std::chrono::seconds(pick(random));
}

// A failure's reason as a metric label: the provider's code, the HTTP status, or why there
// was no answer. Few values, unlike the words stored with the message.
std::string reason_label(int http_status, const std::string& raw_code) {
    if (!raw_code.empty()) return "code_" + raw_code;
    if (http_status <= 0) return "no_answer";
    return "http_" + std::to_string(http_status);
}
}  // namespace

struct outbound_sender::impl : std::enable_shared_from_this<impl> {
    struct channel_state {
        sender_channel config;
        net::strand<net::io_context::executor_type> strand;
        net::steady_timer timer;
        bool woken = false;  // a wake arrived while sending: look again before sleeping
        explicit channel_state(sender_channel c, net::io_context& io)
            : config(std::move(c)), strand(net::make_strand(io)), timer(strand) {}
    };

    net::io_context& io;
    storage::store& store;
    std::function<messaging::unix_seconds()> clock;
    sender_options options;
    net::ssl::context tls{net::ssl::context::tls_client};
    std::vector<std::unique_ptr<channel_state>> channels;
    std::atomic<bool> stopping{false};
    std::mt19937 random{std::random_device{}()};
    std::mutex random_mutex;
    // The store's calls wait for the writer's commit and its fsync: they run on this thread,
    // not on an io thread the HTTP sessions share. While one runs, io.run() keeps going (the
    // awaiting coroutine holds work on its strand), so a stop waits for it.
    net::thread_pool store_thread{1};

    impl(net::io_context& io_,
         storage::store& store_,
         std::vector<sender_channel> configs,
         std::function<messaging::unix_seconds()> clock_,
         sender_options options_)
        : io(io_), store(store_), clock(std::move(clock_)), options(options_) {
        configure_client_tls(tls, options.verify_certificates);
        for (auto& c : configs)
            channels.push_back(std::make_unique<channel_state>(std::move(c), io));
    }

    // `call()` on the store's thread; the coroutine resumes on its strand with the result.
    template <class Call>
    net::awaitable<std::invoke_result_t<Call&>> on_store_thread(Call call) {
        co_return co_await net::co_spawn(
            store_thread,
            [&call]() -> net::awaitable<std::invoke_result_t<Call&>> { co_return call(); },
            net::use_awaitable);
    }

    void count(const char* name, const channel_state& ch, const std::string& reason) {
        if (!options.metrics) return;
        metric_labels labels = {{"channel", ch.config.name}};
        if (reason.empty())
            labels.emplace_back("via", "api");
        else
            labels.emplace_back("reason", reason);
        options.metrics->add(name, labels);
    }

    std::chrono::seconds retry_delay(int attempts) {
        std::lock_guard lock(random_mutex);
        return backoff(attempts + 1, options.first_retry, options.max_retry, random);
    }

    // --- Sends in doubt (issue 17): a proactive message (reply_to == 0: a broadcast, a seat
    // freed) whose send began and never recorded an outcome, because the process died
    // mid-send, is not sent again blindly: a duplicate broadcast SMS is worse than a missed
    // one. Replies to residents keep the resend. ---

    // Whether a send of `job` is recorded before its request goes out.
    static bool records_attempt(const storage::outbound_job& job) { return job.reply_to == 0; }

    // Settles a job in doubt with the provider: true when nothing more is to be done (found:
    // sent; no lookup: failed "outcome unknown after a crash"; no answer: left leased, looked
    // up again when the lease ends); false when the provider does not have it (send it).
    net::awaitable<bool> settle_in_doubt(channel_state& ch, const storage::outbound_job& job) {
        if (!job.in_doubt_since || !records_attempt(job)) co_return false;
        const auto& adapter = *ch.config.adapter;
        auto lookup = adapter.render_lookup(job.contact, job.in_doubt_since);
        const auto who =
            "channel=" + ch.config.name + " send to " + messaging::mask_phone(job.contact);
        if (!lookup.method.empty()) {
            auto answer = co_await fetch(lookup, options.request_timeout, tls);
            auto found =
                adapter.interpret_lookup(answer.status, answer.body, job.contact, job.message);
            if (found.result == gateway::lookup_outcome::not_found) {
                log(log_level::info,
                    who + " was in doubt after a restart; the provider has not got it: sending");
                co_return false;
            }
            if (found.result == gateway::lookup_outcome::found) {
                const auto done = clock();
                co_await on_store_thread(
                    [&] { store.complete_outbound(job.id, found.provider_message_id, done); });
                count("sapa_messages_sent_total", ch, {});
                log(log_level::info,
                    who + " was in doubt after a restart; the provider has it: sent");
                co_return true;
            }
            log(log_level::warn, who + " is in doubt and cannot be looked up yet: " + found.reason);
            co_return true;  // the lease runs out and the lookup is tried again
        }
        const auto done = clock();
        co_await on_store_thread([&] {
            store.fail_outbound(job.id, "in_doubt", "outcome unknown after a crash", done);
        });
        count("sapa_outbound_failures_total", ch, "in_doubt");
        log(log_level::warn, who + " failed: outcome unknown after a crash (not sent again)");
        co_return true;
    }

    net::awaitable<void> send_one(channel_state& ch, const storage::outbound_job& job) {
        const auto& adapter = *ch.config.adapter;
        if (co_await settle_in_doubt(ch, job)) co_return;
        const auto now = clock();
        if (std::string(adapter.name()) == "whatsapp_cloud") {
            auto contact =
                co_await on_store_thread([&] { return store.load_contact(job.contact); });
            auto last_inbound = contact ? contact->session.last_active : 0;
            if (!gateway::within_customer_service_window(last_inbound, now)) {
                co_await on_store_thread([&] {
                    store.fail_outbound(job.id,
                                        "window",
                                        "more than 24 hours since the resident last wrote; "
                                        "WhatsApp only allows approved templates now",
                                        now);
                });
                count("sapa_outbound_failures_total", ch, "window");
                co_return;
            }
        }
        auto request = adapter.render_send(job.contact, job.message, ch.config.interactive);
        if (request.method.empty()) {
            co_await on_store_thread([&] {
                store.fail_outbound(
                    job.id, "config", "the channel has no send API configured", now);
            });
            count("sapa_outbound_failures_total", ch, "config");
            co_return;
        }
        if (records_attempt(job))
            co_await on_store_thread([&] { store.begin_outbound_attempt(job.id, now); });
        auto answer = co_await fetch(request, options.request_timeout, tls);
        auto outcome = adapter.interpret_send(answer.status, answer.body);
        const auto done = clock();
        switch (outcome.result) {
            case gateway::send_outcome::sent:
                co_await on_store_thread(
                    [&] { store.complete_outbound(job.id, outcome.provider_message_id, done); });
                count("sapa_messages_sent_total", ch, {});
                break;
            case gateway::send_outcome::retry: {
                auto delay = retry_delay(job.attempts);
                std::string reason = outcome.reason.empty() ? answer.error : outcome.reason;
                co_await on_store_thread(
                    [&] { store.retry_outbound(job.id, done + delay.count(), reason); });
                count("sapa_outbound_retries_total",
                      ch,
                      reason_label(answer.status, outcome.raw_code));
                log(log_level::warn,
                    "channel=" + ch.config.name + " send to " + messaging::mask_phone(job.contact) +
                        " will be retried in " + std::to_string(delay.count()) + "s: " + reason);
                break;
            }
            case gateway::send_outcome::failed:
                co_await on_store_thread(
                    [&] { store.fail_outbound(job.id, outcome.raw_code, outcome.reason, done); });
                count("sapa_outbound_failures_total",
                      ch,
                      reason_label(answer.status, outcome.raw_code));
                log(log_level::warn,
                    "channel=" + ch.config.name + " send to " + messaging::mask_phone(job.contact) +
                        " failed: " + outcome.reason);
                break;
        }
    }

    net::awaitable<void> run_channel(channel_state& ch) {
        auto self = shared_from_this();
        const double rate = std::max(ch.config.send_rate_per_second, 0.001);
        const auto spacing = std::chrono::microseconds(static_cast<long long>(1e6 / rate));
        auto next_send = std::chrono::steady_clock::now();
        while (!stopping) {
            ch.woken = false;
            // A small batch, so a wake for another contact is not delayed by a long one.
            int limit = static_cast<int>(std::clamp(rate, 1.0, 32.0));
            std::vector<storage::outbound_job> jobs;
            try {
                const auto now = clock();
                jobs = co_await on_store_thread(
                    [&] { return store.claim_outbound(ch.config.name, now, limit); });
            } catch (const std::exception& e) {
                log(log_level::error,
                    "channel=" + ch.config.name + " cannot read the outbound queue: " + e.what());
            }
            for (const auto& job : jobs) {
                if (stopping) break;  // the lease runs out and the job is sent after a restart
                // Loop: a wake() cancels the timer too, and must not break the send rate.
                while (!stopping && std::chrono::steady_clock::now() < next_send) {
                    ch.timer.expires_at(next_send);
                    co_await ch.timer.async_wait(use_tuple);
                }
                if (stopping) break;
                next_send = std::max(next_send, std::chrono::steady_clock::now()) + spacing;
                try {
                    co_await send_one(ch, job);
                } catch (const std::exception& e) {
                    log(log_level::error,
                        "channel=" + ch.config.name + " send failed: " + e.what());
                }
            }
            if (stopping) break;
            if (!jobs.empty() || ch.woken) continue;
            ch.timer.expires_after(options.poll_interval);
            co_await ch.timer.async_wait(use_tuple);  // cancelled by wake() or stop()
        }
    }
};

outbound_sender::outbound_sender(net::io_context& io,
                                 storage::store& store,
                                 std::vector<sender_channel> channels,
                                 std::function<messaging::unix_seconds()> clock,
                                 sender_options options)
    : impl_(std::make_shared<impl>(io, store, std::move(channels), std::move(clock), options)) {}

outbound_sender::~outbound_sender() = default;

void outbound_sender::start() {
    for (auto& ch : impl_->channels) {
        net::co_spawn(ch->strand, impl_->run_channel(*ch), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log(log_level::error, std::string("outbound sender stopped: ") + ex.what());
            }
        });
    }
}

void outbound_sender::stop() {
    auto self = impl_;
    self->stopping = true;
    for (auto& ch : self->channels) {
        net::post(ch->strand, [c = ch.get()] { c->timer.cancel(); });
    }
}

void outbound_sender::wake(const std::string& channel) {
    auto self = impl_;
    for (auto& ch : self->channels) {
        if (ch->config.name != channel) continue;
        net::post(ch->strand, [c = ch.get()] {
            c->woken = true;
            c->timer.cancel();
        });
    }
}

}  // namespace sapa::server
