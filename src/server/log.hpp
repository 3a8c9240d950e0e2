#pragma once
// Log lines on standard error: "2026-11-27T20:40:00Z info message". Phone numbers are masked
// by the callers (messaging::mask_phone) before anything reaches info level. Messages often
// quote what a remote party sent (an upstream error text, a path), so control characters are
// escaped here, for every line: a newline in them cannot forge a log line of its own.

#include <string>
#include <string_view>

namespace sapa::server {

enum class log_level { debug, info, warn, error };

void set_log_level(log_level level);
bool log_enabled(log_level level);
// Writes one line; control characters in `message` are escaped (see escape_controls).
void log(log_level level, std::string_view message);

// `text` with each C0 control character and DEL escaped: "\n", "\r", "\t", others as
// "\x1b". Everything else, UTF-8 included, is kept as it is.
std::string escape_controls(std::string_view text);

}  // namespace sapa::server
