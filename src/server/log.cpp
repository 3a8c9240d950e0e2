#include "server/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace sapa::server {
namespace {
std::atomic<log_level> threshold{log_level::info};
}

void set_log_level(log_level level) {
    threshold = level;
}

bool log_enabled(log_level level) {
    return level >= threshold.load();
}

void log(log_level level, std::string_view message) {
    if (!log_enabled(level)) return;
    static constexpr const char* names[] = {"debug", "info", "warn", "error"};
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::string line = std::string(stamp) + " " + names[static_cast<int>(level)] + " ";
    line.append(message);
    line += "\n";
    // One write per line, so lines from several threads do not interleave.
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace sapa::server
