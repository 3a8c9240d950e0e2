#pragma once
// Expands the stored broadcasts into outbound jobs while `sapa serve` runs: a thread of its
// own (never an io thread, never the HTTP path) calls app::broadcasts::expand() every
// `interval`, giving each channel room for `lead` seconds of sending at its rate beyond the
// jobs already queued, so a broadcast of a million never floods the queue.

#include "app/broadcasts.hpp"
#include "storage/store.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace sapa::server {

struct broadcast_driver_options {
    std::chrono::milliseconds interval{1000};
    double lead_seconds = 10;
};

class broadcast_driver {
  public:
    broadcast_driver(app::broadcasts& broadcasts,
                     storage::store& store,
                     std::map<std::string, double> send_rates,  // per channel, per second
                     std::function<messaging::unix_seconds()> clock,
                     broadcast_driver_options options = {});
    ~broadcast_driver();  // stops
    broadcast_driver(const broadcast_driver&) = delete;
    broadcast_driver& operator=(const broadcast_driver&) = delete;

    // Called on the driver's thread at every tick, before the expansion (reminders turn into
    // broadcasts there). Set before start().
    std::function<void(messaging::unix_seconds now)> on_tick;

    void start();
    // Asks the thread to stop after the expansion in progress; does not wait. Any thread.
    void request_stop();
    // request_stop(), and waits for the thread.
    void stop();

  private:
    void run();

    app::broadcasts& broadcasts_;
    storage::store& store_;
    std::map<std::string, double> rates_;
    std::function<messaging::unix_seconds()> clock_;
    broadcast_driver_options options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace sapa::server
