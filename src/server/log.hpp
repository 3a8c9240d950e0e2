#pragma once
// Log lines on standard error, one per event. Text (the default):
//   2026-11-27T20:40:00.123Z info message request_id=4f2a...
// JSON (logging.format "json"), one object per line:
//   {"time":"2026-11-27T20:40:00.123Z","level":"info","message":"...","request_id":"4f2a..."}
// The request id is there when the line belongs to an HTTP request. Phone numbers are masked
// by the callers (messaging::mask_phone) before anything reaches info level. Messages often
// quote what a remote party sent (an upstream error text, a path), so control characters are
// escaped here, for every line: a newline in them cannot forge a log line of its own.

#include <string>
#include <string_view>

namespace sapa::server {

enum class log_level { debug, info, warn, error };
enum class log_format { text, json };

void set_log_level(log_level level);
void set_log_format(log_format format);
bool log_enabled(log_level level);
// Writes one line; control characters in `message` are escaped (see escape_controls; in JSON
// as JSON escapes them, invalid UTF-8 replaced). `request_id`: the HTTP request the line is
// about, or empty.
void log(log_level level, std::string_view message, std::string_view request_id = {});
// The line log() writes, for a time in milliseconds since the epoch (tests).
std::string format_log_line(log_format format,
                            log_level level,
                            long long unix_milliseconds,
                            std::string_view message,
                            std::string_view request_id);

// `text` with each C0 control character and DEL escaped: "\n", "\r", "\t", others as
// "\x1b". Everything else, UTF-8 included, is kept as it is.
std::string escape_controls(std::string_view text);

}  // namespace sapa::server
