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
#include <deque>
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
        bool woken = false;           // a wake arrived while sending: look again before sleeping
        int in_flight = 0;            // sends started and not finished
        bool finished = false;        // a send finished: its contact's next job may be due now
        net::steady_timer send_done;  // cancelled when a send finishes
        explicit channel_state(sender_channel c, net::io_context& io)
            : config(std::move(c)),
              strand(net::make_strand(io)),
              timer(strand),
              send_done(strand) {}
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
    // The store's calls wait for the writer's commit and its fsync: they run on these
    // threads, not on an io thread the HTTP sessions share. Several, so that the outcomes of
    // overlapping sends share a commit (one thread did at most 175 sends/s on the benchmark
    // VM). While one runs, io.run() keeps going (the awaiting coroutine holds work on its
    // strand), so a stop waits for it.
    net::thread_pool store_thread{4};

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

    // WhatsApp delivers free-form messages only within 24 hours of the resident's last message
    // on the channel (not of a session Sapa moved: a started node is not the resident writing).
    static bool outside_window(const gateway::adapter& adapter,
                               const storage::outbound_job& job,
                               messaging::unix_seconds now) {
        return std::string_view(adapter.name()) == "whatsapp_cloud" &&
               !gateway::within_customer_service_window(job.last_inbound_at, now);
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
        gateway::api_request request;
        const messaging::message_template* as_template = nullptr;
        if (outside_window(adapter, job, now)) {
            if (!job.message.fallback_template) {
                co_await on_store_thread([&] {
                    store.fail_outbound(job.id,
                                        "window",
                                        "more than 24 hours since the resident last wrote on "
                                        "this channel, and WhatsApp then only delivers an "
                                        "approved template; this message has none (sapa "
                                        "broadcast create --template NAME)",
                                        now);
                });
                count("sapa_outbound_failures_total", ch, "window");
                co_return;
            }
            as_template = &*job.message.fallback_template;
            request = adapter.render_template(job.contact, *as_template);
        } else {
            request = adapter.render_send(job.contact, job.message, ch.config.interactive);
        }
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
        if (as_template && outcome.result == gateway::send_outcome::failed)
            outcome.reason = "WhatsApp refused template \"" + as_template->name + "\" (" +
                             as_template->language + "): " + outcome.reason;
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

    // A proactive job the sending rules hold is deferred (true); replies never are.
    net::awaitable<bool> deferred(channel_state& ch, const storage::outbound_job& job) {
        if (job.reply_to != 0 || !options.hold_proactive) co_return false;
        const auto now = clock();
        auto held = options.hold_proactive(job, now);
        if (!held || held->until <= now) co_return false;
        co_await on_store_thread([&] { store.defer_outbound(job.id, held->until, held->reason); });
        log(log_level::debug,
            "channel=" + ch.config.name + " message to " + messaging::mask_phone(job.contact) +
                " deferred: " + held->reason);
        co_return true;
    }

    // Due jobs of the channel, replies first (the store's order); none when the store fails.
    net::awaitable<std::deque<storage::outbound_job>> claim(channel_state& ch, int limit) {
        std::deque<storage::outbound_job> out;
        try {
            const auto now = clock();
            auto jobs = co_await on_store_thread(
                [&] { return store.claim_outbound(ch.config.name, now, limit); });
            for (auto& j : jobs)
                out.push_back(std::move(j));
        } catch (const std::exception& e) {
            log(log_level::error,
                "channel=" + ch.config.name + " cannot read the outbound queue: " + e.what());
        }
        co_return out;
    }

    // A wake during a batch: something was queued, most often a reply to a resident. Claims
    // a few more jobs at once and puts the replies first, so a broadcast's batch does not
    // hold an answer up; proactive jobs claimed with them wait at the end of the batch.
    net::awaitable<void> take_replies(channel_state& ch, std::deque<storage::outbound_job>& jobs) {
        ch.woken = false;
        auto more = co_await claim(ch, 4);
        std::deque<storage::outbound_job> replies;
        for (auto& j : more)
            (j.reply_to != 0 ? replies : jobs).push_back(std::move(j));
        while (!replies.empty()) {
            jobs.push_front(std::move(replies.back()));
            replies.pop_back();
        }
    }

    // Starts sending `job` on the channel's strand once fewer than `limit` sends are running.
    net::awaitable<void> start_send(channel_state& ch, storage::outbound_job job, int limit) {
        while (ch.in_flight >= limit) {
            ch.send_done.expires_at(std::chrono::steady_clock::time_point::max());
            co_await ch.send_done.async_wait(use_tuple);
        }
        ++ch.in_flight;
        net::co_spawn(
            ch.strand,
            [self = shared_from_this(), &ch, job = std::move(job)]() -> net::awaitable<void> {
                try {
                    co_await self->send_one(ch, job);
                } catch (const std::exception& e) {
                    log(log_level::error,
                        "channel=" + ch.config.name + " send failed: " + e.what());
                }
                --ch.in_flight;
                ch.send_done.cancel();
                ch.finished = true;
                ch.timer.cancel();  // a loop waiting for the next poll looks at once
            },
            net::detached);
    }

    net::awaitable<void> run_channel(channel_state& ch) {
        auto self = shared_from_this();
        const double rate = std::max(ch.config.send_rate_per_second, 0.001);
        const auto spacing = std::chrono::microseconds(static_cast<long long>(1e6 / rate));
        auto next_send = std::chrono::steady_clock::now();
        // Sends overlap, a few at a time: one send waits for the gateway and for the store's
        // commit, which at 100/s on a busy disk took longer than the 10 ms between sends.
        // The store hands out one job per contact at a time, so a contact's order holds.
        const int max_in_flight = std::clamp(static_cast<int>(rate / 20) + 1, 1, 16);
        const auto catch_up =
            std::max<std::chrono::microseconds>(4 * spacing, std::chrono::milliseconds(50));
        while (!stopping) {
            ch.woken = false;
            ch.finished = false;
            // A small batch, so a wake for another contact is not delayed by a long one.
            int limit = static_cast<int>(std::clamp(rate, 1.0, 32.0));
            auto jobs = co_await claim(ch, limit);
            const bool claimed = !jobs.empty();
            while (!jobs.empty()) {
                if (stopping) break;  // the lease runs out and the job is sent after a restart
                if (ch.woken) co_await take_replies(ch, jobs);
                auto job = std::move(jobs.front());
                jobs.pop_front();
                try {
                    if (co_await deferred(ch, job)) continue;  // uses no send slot
                } catch (const std::exception& e) {
                    log(log_level::error,
                        "channel=" + ch.config.name + " cannot defer a message: " + e.what());
                    continue;  // its lease runs out and it is looked at again
                }
                // Loop: a wake() cancels the timer too, and must not break the send rate.
                while (!stopping && std::chrono::steady_clock::now() < next_send) {
                    ch.timer.expires_at(next_send);
                    co_await ch.timer.async_wait(use_tuple);
                }
                if (stopping) break;
                if (ch.woken && job.reply_to == 0) {
                    // A reply was queued while this proactive job waited for its slot: the
                    // reply takes the slot, the job goes back to the front of the line.
                    jobs.push_front(std::move(job));
                    continue;
                }
                // On the schedule: a timer that fires late or a claim between batches must
                // not slow the pace (each lost 2-3.5 % at 100/s), so sends up to 50 ms (and
                // at least 4 sends) behind are made up at once; after a longer idle spell the
                // schedule starts again from now, so no burst makes up for the quiet.
                if (const auto now = std::chrono::steady_clock::now(); now - next_send > catch_up)
                    next_send = now;
                next_send += spacing;
                co_await start_send(ch, std::move(job), max_in_flight);
            }
            if (stopping) break;
            if (claimed || ch.woken || ch.finished) continue;
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
