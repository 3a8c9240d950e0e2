#pragma once
// The service configuration: one JSON file (config/sapa.json), loaded once at start.
//
// Every field is documented here with its default in place; docs/configuration.md is the
// same list for staff. Secrets are never in the file: the file names the environment
// variables that hold them (`*_env` fields), and `secret()` reads them.
//
// Paths in the file are relative to the folder of the config file. `load_config` resolves
// them, so every path in a loaded `service_config` is absolute (except ":memory:").
//
// Thread safety: `service_config` is a plain value; share it read-only after loading.
//
// Every member has a default member initializer (`{}` at least), so designated
// initializers may leave any of them out without -Wmissing-field-initializers.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::config {

// The HTTP listener that receives gateway webhooks.
struct server_config {
    // IP address to listen on (an address, not a host name). 127.0.0.1 keeps a development
    // machine private; the container config (docker/sapa.json) uses 0.0.0.0.
    std::string listen_address = "127.0.0.1";
    // TCP port, 1..65535.
    std::uint16_t port = 8080;
    // Threads running the I/O loop, 1..64.
    int io_threads = 2;
    // Largest accepted request body; bigger requests get 413. 1 KiB..16 MiB.
    std::size_t body_limit_bytes = 65536;
    // Largest accepted request header block. 1 KiB..64 KiB.
    std::size_t header_limit_bytes = 8192;
    // Time allowed to receive one whole request, 1..300 s. A new connection must also send
    // its first byte within it.
    int read_timeout_seconds = 10;
    // A keep-alive connection with no new request for this long is closed, 1..3600 s.
    int idle_timeout_seconds = 60;
    // Connections open at once; more are refused until one closes. 1..100000.
    int max_connections = 1024;
    // Connections open at once from one client address (an IPv6 client: its /64), so one
    // client cannot take every connection and lock the others (gateways, health checks) out.
    // 0..100000; 0 (the default): half of max_connections, rounded up. Above max_connections
    // it is max_connections.
    int max_connections_per_client = 0;
    // The public address gateways call, such as "https://sapa.example.id" (no trailing
    // slash; one given is removed). Twilio signs the URL it called, so behind a reverse
    // proxy the server rebuilds that URL from this base plus the request path. Checked with
    // Boost.URL: http or https, a host, a port from 1 to 65535 if any, no user, query or
    // fragment. Required when a Twilio channel is configured (the Host header is never
    // used for it); may stay empty otherwise.
    std::string public_base_url{};
};

// SQLite write-ahead durability: FULL syncs every commit; NORMAL may lose the last commits
// (never corrupt the database) when the machine loses power.
enum class sync_mode { full, normal };

// Which store keeps the data: SQLite (one machine) or PostgreSQL (several instances).
enum class store_type { sqlite, postgres };

// The store: the embedded SQLite database, or a PostgreSQL server.
struct storage_config {
    // "sqlite" (default) or "postgres".
    store_type type = store_type::sqlite;
    // PostgreSQL: the environment variable holding the connection URL (it may carry a
    // password, so it never appears in the file).
    std::string url_env = "SAPA_DATABASE_URL";
    // PostgreSQL: the schema Sapa's tables live in (created if missing); empty: the
    // connection's default (public).
    std::string schema{};
    // Database file; relative to the config file's folder. ":memory:" keeps everything in
    // memory (tests, demos): nothing survives a restart.
    std::filesystem::path database_path = "../var/sapa.db";
    // "FULL" or "NORMAL".
    sync_mode synchronous = sync_mode::full;
    // How long a write waits for another connection's lock, 0..600000 ms.
    int busy_timeout_ms = 5000;
    // Inbound messages committed together in one transaction at most, 1..10000.
    int batch_max_messages = 256;
    // After a batch of fewer than 16 messages, how long the writer may wait for 16 to be
    // queued, 0..1000 ms (0: never wait). Under heavy load batches are big and nothing waits.
    int batch_max_wait_ms = 2;
    // An outbound job a sender claimed and did not finish (its process was killed) is handed
    // out again after this many seconds, 1..3600.
    int outbound_lease_seconds = 60;
};

// Where the dialog scripts come from.
struct dialogs_config {
    // Script files (*.json) or folders of them; relative to the config file's folder.
    std::vector<std::filesystem::path> paths = {"../dialogs"};
    // When set, replaces every script's own `session_timeout_minutes`, 1..10080 (a week).
    std::optional<int> session_timeout_minutes{};
};

enum class gateway_type {
    twilio,          // Twilio Programmable Messaging: SMS, or WhatsApp via Twilio
    whatsapp_cloud,  // Meta WhatsApp Cloud API
    generic_json,    // Sapa's own JSON webhook, for any other gateway or a test harness
};

// One way in: a gateway number (or WhatsApp phone number id) running one dialog script.
// Which fields a channel may have depends on its type; the loader rejects the others.
struct channel_config {
    // Required. Unique; lowercase letters, digits, '-' and '_', at most 32 characters. It
    // names the channel in logs, the database and its webhook URL.
    std::string name{};
    // Required. "twilio", "whatsapp_cloud" or "generic_json".
    gateway_type type = gateway_type::generic_json;
    // Required. Id of the dialog script this channel runs (`id` in the script file).
    std::string script{};
    // The gateway number residents write to. twilio: required, "+E164" for SMS,
    // "whatsapp:+E164" for WhatsApp, or an SMS short code (3..8 digits). whatsapp_cloud
    // and generic_json: optional, shown in logs only.
    std::string number{};
    // whatsapp_cloud only, required: the phone number id from the Meta app dashboard
    // (digits); webhooks are routed to the channel by it.
    std::string phone_number_id{};
    // twilio only, optional: the Account SID ("AC..."), not a secret. Needed to send
    // through Twilio's REST API rather than as the reply to the webhook.
    std::string account_sid{};
    // twilio only, optional: a Messaging Service SID ("MG..."). Messages sent by API then go
    // out "From" the service (its sender pool) instead of `number`. Needs account_sid.
    std::string messaging_service_sid{};

    // Names of the environment variables holding the secrets.
    std::string auth_token_env{};    // twilio, required: Twilio auth token (signature check)
    std::string app_secret_env{};    // whatsapp_cloud, required: Meta app secret (signature)
    std::string verify_token_env{};  // whatsapp_cloud, required: webhook verify token
    std::string access_token_env{};  // whatsapp_cloud, required: access token for sending
    std::string secret_env{};        // generic_json, required: shared secret

    // twilio and whatsapp_cloud: base URL of the gateway's send API, without a trailing
    // slash; left out of the file, the loader fills in `default_api_base_url(type)`, the
    // public API. Point it at a local fake in tests.
    // generic_json: optional URL that outbound messages are POSTed to (signed like the
    // webhooks); empty: replies travel only in the webhook responses.
    std::string api_base_url{};
    // Outbound messages per second this channel may send, 0.1..1000.
    double send_rate_per_second = 1.0;
    // whatsapp_cloud only: send menus as WhatsApp reply buttons (up to 3 options) or a list
    // (up to 10) instead of numbered text.
    bool interactive = false;
};

// Keep this order: `sapa serve` converts it to the server log level by value.
enum class log_level { debug, info, warn, error };

// Keep this order: `sapa serve` converts it to the server log format by value.
enum class log_format { text, json };

struct logging_config {
    // "debug", "info", "warn" or "error".
    log_level level = log_level::info;
    // "text" (one line per event) or "json" (one JSON object per line).
    log_format format = log_format::text;
};

// A quiet period in local time: no proactive message goes out from `from_minute` (minutes
// after midnight) until `until_minute`; until <= from runs past midnight. In the file:
// {"days": ["friday"], "from": "11:30", "until": "13:00"}; "days" left out: every day.
struct quiet_period_config {
    std::vector<int> weekdays{};  // 0 Sunday .. 6 Saturday; empty: every day
    int from_minute = 0;
    int until_minute = 0;
};

// When and how much Sapa writes to a contact (docs/configuration.md, "sending_rules").
struct sending_rules_config {
    // The time zone of contacts without a "timezone" field of their own: an Indonesian IANA
    // name ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura") or "WIB",
    // "WITA", "WIT". Anything else is refused.
    std::string time_zone = "Asia/Jakarta";
    int utc_offset_minutes = 7 * 60;  // of time_zone
    // Proactive messages (broadcasts, waitlist promotions, staff messages) wait for the end
    // of these; replies to a resident never do. Default: 21:00-07:00 every night, and
    // 11:30-13:00 on Fridays (the midday prayer). An empty list: never quiet.
    std::vector<quiet_period_config> quiet_hours = {{{}, 21 * 60, 7 * 60},
                                                    {{5}, 11 * 60 + 30, 13 * 60}};
    // SMS parts Sapa sends one contact in one day (its local day), replies included,
    // 0..10000; 0 (the default): no cap. Once reached, Sapa stops replying to it until the
    // next day. config/sapa.json sets 40.
    int daily_segment_cap = 0;
    // An auto-responder: a number that answered each of Sapa's last `loop_times_in_a_row`
    // messages within `loop_within_seconds` of it; Sapa does not answer it while that holds.
    // 1..3600 s; 2..100 times, or 0 (the default): no check. Off by default because a load
    // generator or a test walking a dialog answers that fast too; config/sapa.json sets 3 s
    // and 8 times.
    int loop_within_seconds = 3;
    int loop_times_in_a_row = 0;
};

// The staff console (/console on the server's address).
struct console_config {
    bool enabled = true;
    // Cookies marked Secure: set when browsers reach Sapa over https (a TLS proxy in front).
    // Without it, a request from a trusted proxy saying X-Forwarded-Proto: https gets them.
    bool secure_cookies = false;
    // Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (IP addresses).
    std::vector<std::string> trusted_proxies{};
    int session_idle_minutes = 30;   // signed out after this long without a request, 1..1440
    int session_max_hours = 12;      // and this long after signing in, 1..168
    int login_failures_allowed = 5;  // per account and per client address, then a delay
    // A listener of its own for the console (e.g. a private interface), besides the server's:
    // port 0 (the default) serves /console on the server's address and port only.
    std::string listen_address = "127.0.0.1";
    std::uint16_t port = 0;
};

// A reminder (RapidPro's campaign event): `days_before` the date in the course's start-date
// setting, at `time` (local time of sending_rules.time_zone, WIB by default), Sapa writes once
// to every contact registered for the course (segment course=C,status=registered), with the
// `node` (so the reply continues the dialog) or the `text`. In the file:
//   {"name": "menjahit-h3", "channel": "sms", "course": "menjahit",
//    "date_setting": "course_start", "days_before": 3, "time": "08:00",
//    "node": "pengingat_hadir"}
// The script's course, setting and node are checked when `sapa serve` starts and by
// `sapa reminders list`.
struct reminder_config {
    // Required. Unique; lowercase letters, digits, '-' and '_', at most 32 characters.
    std::string name{};
    // Required. The channel it goes out on (a `name` in /channels); its script has the setting.
    std::string channel{};
    // Required. The course whose registered contacts get it (as in register_course).
    std::string course{};
    // Required. The script setting holding the course's start date, "DD-MM-YYYY" or
    // "YYYY-MM-DD" (a setting without a value: the reminder is not scheduled).
    std::string date_setting{};
    // Days before the date, 0..365 (0: on the day).
    int days_before = 0;
    // "HH:MM", local time; as minutes after midnight.
    int time_minute = 8 * 60;
    // One of the two, required: the node to start (its question's answer continues the
    // dialog), or a plain text.
    std::string node{};
    std::string text{};
    // WhatsApp: the approved template sent instead when the 24-hour window is closed.
    std::string template_name{};
    std::string template_language = "id";
    std::vector<std::string> template_parameters{};
};

struct service_config {
    server_config server{};
    storage_config storage{};
    dialogs_config dialogs{};
    // Empty by default: `sapa serve` needs at least one.
    std::vector<channel_config> channels{};
    logging_config logging{};
    sending_rules_config sending_rules{};
    console_config console{};
    std::vector<reminder_config> reminders{};
    // What the file has that Sapa no longer uses, one line each ("/admin: ..."). The file
    // still loads, so an upgrade never stops a service; `sapa serve` logs them as warnings.
    std::vector<std::string> warnings{};
};

// A config file that cannot be used. The message starts with where the problem is: the key
// as a JSON pointer ("/server/port: must be ...") or, for a JSON syntax error, the
// line:column. `load_config` puts the file name in front of it.
class config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Reads, checks and resolves the config file at `path`. Relative paths in it are resolved
// against the file's folder. Throws config_error on the first problem found.
// Secrets are not looked up here (see `missing_secrets`).
service_config load_config(const std::filesystem::path& path);

// The same from text; relative paths are resolved against `base_directory`. Messages have
// no file name in front.
service_config parse_config(std::string_view json_text,
                            const std::filesystem::path& base_directory);

// The value of the environment variable `env_name`, or nothing when it is unset or empty.
std::optional<std::string> secret(const std::string& env_name);

// One line per secret that a channel needs and whose environment variable is unset or
// empty, such as `channel "sms": TWILIO_AUTH_TOKEN is not set (auth_token_env)`.
// (`sapa serve` starts anyway and keeps such a channel off, with a warning.)
std::vector<std::string> missing_secrets(const service_config& config);

// "https://api.twilio.com" (twilio; the adapter adds "/2010-04-01/Accounts/..."),
// "https://graph.facebook.com/v25.0" (whatsapp_cloud; the version is part of it), or ""
// (generic_json: no send URL, replies inline).
std::string_view default_api_base_url(gateway_type type);

std::string_view to_string(gateway_type type);
std::string_view to_string(sync_mode mode);
std::string_view to_string(log_level level);

}  // namespace sapa::config
