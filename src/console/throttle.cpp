#include "console/throttle.hpp"

#include <algorithm>

namespace sapa::console {
namespace {

constexpr std::size_t max_keys = 100000;

}  // namespace

std::int64_t login_throttle::wait_seconds(const std::string& key, std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto it = keys_.find(key);
    if (it == keys_.end()) return 0;
    return std::max<std::int64_t>(0, it->second.blocked_until - now);
}

void login_throttle::failed(const std::string& key, std::int64_t now) {
    std::lock_guard lock(mutex_);
    if (keys_.size() >= max_keys) {
        std::erase_if(keys_, [now](const auto& kv) { return kv.second.blocked_until <= now; });
        if (keys_.size() >= max_keys) keys_.clear();  // a flood of addresses: start over
    }
    auto& e = keys_[key];
    ++e.failures;
    const int extra = e.failures - allowed_ + 1;  // the allowed-th failure: the first wait
    if (extra <= 0) return;
    std::int64_t delay = first_delay;
    for (int i = 1; i < extra && delay < longest_delay; ++i)
        delay *= 2;
    e.blocked_until = now + std::min(delay, longest_delay);
}

void login_throttle::succeeded(const std::string& key) {
    std::lock_guard lock(mutex_);
    keys_.erase(key);
}

}  // namespace sapa::console
