#pragma once
// Sends the replies that API gateways (Meta WhatsApp Cloud) cannot take inline: claims jobs
// from the store's durable outbound queue, performs the adapter's HTTP request, and records
// the outcome. Per channel: a send-rate limit; retries with exponential backoff and jitter on
// timeouts, 5xx and 429; no retry on other 4xx (failed, reason in plain words). Jobs survive
// restarts in the store, and a job is handed to one send at a time.

#include "app/sending_rules.hpp"
#include "gateway/adapter.hpp"
#include "messaging/message.hpp"
#include "server/metrics.hpp"
#include "storage/store.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sapa::server {

struct sender_channel {
    std::string name;
    std::shared_ptr<const gateway::adapter> adapter;
    double send_rate_per_second = 1.0;
    bool interactive = false;
};

struct sender_options {
    std::chrono::milliseconds poll_interval{1000};  // look for due jobs at least this often
    std::chrono::seconds request_timeout{15};
    std::chrono::seconds first_retry{2};  // doubles per attempt, with jitter
    std::chrono::seconds max_retry{600};
    bool verify_certificates = true;  // HTTPS; never turn off outside tests
    // Counts sends, retries and failures (sapa_messages_sent_total,
    // sapa_outbound_retries_total, sapa_outbound_failures_total) when given.
    metrics_registry* metrics = nullptr;
    // The sending rules for proactive jobs (reply_to == 0): a hold defers the job to its end
    // without counting an attempt or using the channel's send rate (quiet hours). Never asked
    // about replies. Empty: nothing is held.
    std::function<std::optional<app::hold>(const storage::outbound_job&, messaging::unix_seconds)>
        hold_proactive;
};

class outbound_sender {
  public:
    outbound_sender(boost::asio::io_context& io,
                    storage::store& store,
                    std::vector<sender_channel> channels,
                    std::function<messaging::unix_seconds()> clock,
                    sender_options options = {});
    ~outbound_sender();
    outbound_sender(const outbound_sender&) = delete;
    outbound_sender& operator=(const outbound_sender&) = delete;

    void start();
    // Finishes sends in flight, then stops; queued jobs stay in the store for the next start.
    void stop();
    // A job was queued for `channel`: look now instead of at the next poll. Any thread.
    void wake(const std::string& channel);

  private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace sapa::server
