#include "server/broadcast_driver.hpp"

#include "server/log.hpp"

#include <algorithm>
#include <cmath>

namespace sapa::server {

broadcast_driver::broadcast_driver(app::broadcasts& broadcasts,
                                   storage::store& store,
                                   std::map<std::string, double> send_rates,
                                   std::function<messaging::unix_seconds()> clock,
                                   broadcast_driver_options options)
    : broadcasts_(broadcasts),
      store_(store),
      rates_(std::move(send_rates)),
      clock_(std::move(clock)),
      options_(options) {}

broadcast_driver::~broadcast_driver() {
    stop();
}

void broadcast_driver::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { run(); });
}

void broadcast_driver::request_stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
}

void broadcast_driver::stop() {
    request_stop();
    if (thread_.joinable()) thread_.join();
}

void broadcast_driver::run() {
    for (;;) {
        try {
            if (on_tick) on_tick(clock_());
        } catch (const std::exception& e) {
            log(log_level::error, std::string("reminders: cannot fire: ") + e.what());
        }
        try {
            std::map<std::string, std::int64_t> backlog;
            for (const auto& b : store_.outbound_backlog())
                backlog[b.channel] = b.jobs;
            auto room = [&](const std::string& channel) -> std::int64_t {
                auto it = rates_.find(channel);
                const double rate = it == rates_.end() ? 1.0 : std::max(it->second, 0.001);
                const auto lead =
                    static_cast<std::int64_t>(std::ceil(rate * options_.lead_seconds));
                return std::max<std::int64_t>(0,
                                              std::max<std::int64_t>(lead, 1) - backlog[channel]);
            };
            const auto queued = broadcasts_.expand(clock_(), room);
            if (queued > 0)
                log(log_level::debug,
                    "broadcasts: queued " + std::to_string(queued) + " recipients");
        } catch (const std::exception& e) {
            log(log_level::error, std::string("broadcasts: cannot expand: ") + e.what());
        }
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
    }
}

}  // namespace sapa::server
