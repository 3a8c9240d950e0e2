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
    line += escape_controls(message);
    line += "\n";
    // One write per line, so lines from several threads do not interleave.
    std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string escape_controls(std::string_view text) {
    auto is_control = [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    };
    std::string out;
    out.reserve(text.size());
    std::size_t run = 0;  // plain runs are copied whole: most messages have no control at all
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!is_control(text[i])) continue;
        out.append(text.substr(run, i - run));
        run = i + 1;
        switch (text[i]) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default: {
                static constexpr char hex[] = "0123456789abcdef";
                auto u = static_cast<unsigned char>(text[i]);
                out += "\\x";
                out += hex[u >> 4];
                out += hex[u & 0xf];
            }
        }
    }
    out.append(text.substr(run));
    return out;
}

}  // namespace sapa::server
