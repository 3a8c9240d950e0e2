#include "server/log.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace sapa::server {
namespace {
std::atomic<log_level> threshold{log_level::info};
std::atomic<log_format> format_in_use{log_format::text};

std::string timestamp(long long unix_milliseconds) {
    std::time_t seconds = static_cast<std::time_t>(unix_milliseconds / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char stamp[40];
    auto n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(
        stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(unix_milliseconds % 1000));
    return stamp;
}
}  // namespace

void set_log_level(log_level level) {
    threshold = level;
}

void set_log_format(log_format format) {
    format_in_use = format;
}

std::string format_log_line(log_format format,
                            log_level level,
                            long long unix_milliseconds,
                            std::string_view message,
                            std::string_view request_id) {
    static constexpr const char* names[] = {"debug", "info", "warn", "error"};
    const char* name = names[static_cast<int>(level)];
    if (format == log_format::json) {
        nlohmann::ordered_json line = {{"time", timestamp(unix_milliseconds)},
                                       {"level", name},
                                       {"message", std::string(message)}};
        if (!request_id.empty()) line["request_id"] = std::string(request_id);
        return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    }
    std::string line = timestamp(unix_milliseconds) + " " + name + " ";
    line += escape_controls(message);
    if (!request_id.empty()) {
        line += " request_id=";
        line += escape_controls(request_id);
    }
    line += "\n";
    return line;
}

bool log_enabled(log_level level) {
    return level >= threshold.load();
}

void log(log_level level, std::string_view message, std::string_view request_id) {
    if (!log_enabled(level)) return;
    using namespace std::chrono;
    auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    auto line = format_log_line(format_in_use.load(), level, now, message, request_id);
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
