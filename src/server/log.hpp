#pragma once
// Log lines on standard error: "2026-11-27T20:40:00Z info message". Phone numbers are masked
// by the callers (messaging::mask_phone) before anything reaches info level.

#include <string_view>

namespace sapa::server {

enum class log_level { debug, info, warn, error };

void set_log_level(log_level level);
bool log_enabled(log_level level);
void log(log_level level, std::string_view message);

}  // namespace sapa::server
