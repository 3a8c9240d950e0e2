#pragma once
// Login throttling: from the `allowed`-th failed login in a row for one key (an account, a client
// address), each further attempt must wait, 30 seconds after the first extra failure and
// twice as long after each next one, at most 15 minutes. A success clears the key.
// Thread-safe. Memory is bounded: keys with nothing to wait for are dropped when it fills.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace sapa::console {

class login_throttle {
  public:
    explicit login_throttle(int allowed) : allowed_(allowed < 1 ? 1 : allowed) {}

    // Seconds before `key` may try again at `now`; 0: now.
    std::int64_t wait_seconds(const std::string& key, std::int64_t now);
    void failed(const std::string& key, std::int64_t now);
    void succeeded(const std::string& key);

    static constexpr std::int64_t first_delay = 30;
    static constexpr std::int64_t longest_delay = 15 * 60;

  private:
    struct entry {
        int failures = 0;
        std::int64_t blocked_until = 0;
    };
    int allowed_;
    std::mutex mutex_;
    std::map<std::string, entry> keys_;
};

}  // namespace sapa::console
