#pragma once
// The real `sapa serve` binary on a loopback port with a generated config (the bundled
// dialogs, the channels a suite asks for, a fake Graph API), and helpers that sign requests
// as each gateway does and read the rows of its SQLite file. The server and fault suites
// share it so that both drive Sapa exactly as the gateways would.

#include "storage/sqlite/sqlite_store.hpp"
#include "support/http_test_client.hpp"
#include "support/sapa_process.hpp"
#include "support/signing.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sapa::testing {

using json = nlohmann::json;

inline const std::string twilio_token = "test-twilio-token";
inline const std::string meta_secret = "test-meta-secret";
inline const std::string meta_verify = "test-verify-token";
inline const std::string meta_access = "test-access-token";
inline const std::string generic_secret = "test-generic-secret";
inline const std::string phone_number_id = "1234567890";       // channel "wa" (lumajang)
inline const std::string menu_phone_number_id = "2222222222";  // channel "wa-menu" (example)

// The environment every test child gets: the secrets the generated config names.
std::map<std::string, std::string> secrets_env();

// Every row of one export, each as column -> text.
struct collected_rows final : sapa::storage::row_sink {
    std::vector<std::string> columns;
    std::vector<std::map<std::string, std::string>> rows;
    void begin(const std::vector<sapa::storage::export_column>& c) override;
    void row(const std::vector<sapa::storage::export_value>& values) override;
    void end() override {}

    // The outbound rows, oldest first.
    std::vector<std::map<std::string, std::string>> outbound() const;
};

using row = std::map<std::string, std::string>;

// A column of an exported row, or "" when the row has none.
inline std::string column(const row& r, const std::string& name) {
    auto it = r.find(name);
    return it == r.end() ? std::string() : it->second;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Polls `done` every 20 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

std::string read_text_file(const std::filesystem::path& path);

// The "server" section's limits; the defaults are Sapa's own.
struct server_limits {
    int read_timeout_seconds = 10;
    int idle_timeout_seconds = 60;
    int max_connections = 1024;
    int max_connections_per_client = 0;  // 0: not in the config (Sapa's default, half)
    std::size_t body_limit_bytes = 65536;
    std::size_t header_limit_bytes = 8192;
};

// The channels a running_sapa can serve, all on the bundled dialogs:
//   sms      Twilio SMS, lumajang, replies inline as TwiML
//   wa       WhatsApp Cloud, lumajang, plain text menus
//   wa_menu  "wa-menu": WhatsApp Cloud, example, interactive menus (buttons and lists)
//   generic  generic JSON, example
// Both WhatsApp channels reply through the fake Graph API.
enum class channel { sms, wa, wa_menu, generic };

struct sapa_options {
    std::vector<channel> channels = {channel::sms, channel::wa, channel::wa_menu, channel::generic};
    server_limits limits;
    int whatsapp_send_rate_per_second = 50;
    // Non-empty: the store is PostgreSQL at this URL (given to Sapa in the environment, as
    // storage.url_env asks), its tables in `postgres_schema`, instead of SQLite in `db`.
    std::string postgres_url;
    std::string postgres_schema;
    std::string log_format;  // logging.format; empty: not in the config (text)
    // Channel "sms": the script it runs, and whether it also sends through the (fake) Twilio
    // Messages API (account sid twilio_account_sid, statuses to /webhooks/sms/status).
    std::string sms_script = "lumajang";
    bool twilio_send_api = false;
    double twilio_send_rate_per_second = 50;
    // >= 0: storage.batch_max_wait_ms (SQLite), for tests whose blocking store calls come one
    // at a time (the sender's).
    int batch_max_wait_ms = -1;
    // Non-empty: storage.synchronous ("normal": a commit survives the process being killed,
    // not the machine losing power, which is all a kill test needs).
    std::string synchronous;
    // More dialog scripts: file name -> JSON, written to a folder of the test's own.
    std::map<std::string, std::string> extra_dialogs;
    // The "sending_rules" section. No quiet hours by default: the tests run at any hour and
    // a proactive message must go when they expect it.
    json sending_rules = {{"quiet_hours", json::array()}};
};

inline const std::string twilio_account_sid = "AC0123456789abcdef0123456789abcdef";

struct running_sapa {
    temp_dir dir;
    fake_gateway graph;
    fake_gateway twilio_api;  // answers as Twilio's Messages API: {"sid": "SMfake<n>"}
    unsigned short port = free_port();
    std::filesystem::path db = dir.path() / "sapa.db";
    std::filesystem::path log_file = dir.path() / "sapa.log";
    std::unique_ptr<sapa_process> process;
    std::string postgres_url;  // see sapa_options
    std::string postgres_schema;

    // Writes the config and starts Sapa.
    explicit running_sapa(const sapa_options& options = {});

    // (Re)starts Sapa on the same config, port and database, e.g. after a kill.
    void start();

    std::string url(const std::string& target) const;
    std::string log_text() const;

    // The requests are built apart from sending them so that a test can also put them on a
    // connection of its own (pipelined, under load).

    // A form POST signed as Twilio signs it, to `target` ("/webhooks/sms/status").
    test_request twilio_form_request(const std::string& target,
                                     const std::map<std::string, std::string>& params,
                                     bool sign_correctly = true) const;
    test_response twilio_form(const std::string& target,
                              const std::map<std::string, std::string>& params,
                              bool sign_correctly = true) const;

    // An inbound SMS on channel "sms", as Twilio sends it.
    test_request twilio_request(const std::string& from,
                                const std::string& body,
                                const std::string& sid,
                                bool sign_correctly = true) const;
    test_response twilio(const std::string& from,
                         const std::string& body,
                         const std::string& sid,
                         bool sign_correctly = true) const;

    // `raw` signed as Meta signs it, to /webhooks/<channel>.
    static test_request signed_whatsapp_body(const std::string& raw,
                                             const std::string& channel = "wa");

    // A Meta webhook whose value holds `value_fields` (messages, statuses, contacts...).
    static test_request meta_request(const std::string& channel,
                                     const std::string& number_id,
                                     const json& value_fields);
    test_response meta(const std::string& channel,
                       const std::string& number_id,
                       const json& value_fields) const;

    static json text_message(const std::string& wa_id,
                             const std::string& text,
                             const std::string& id);

    // One text message on channel "wa".
    static test_request whatsapp_request(const std::string& wa_id,
                                         const std::string& text,
                                         const std::string& id);
    test_response whatsapp(const std::string& wa_id,
                           const std::string& text,
                           const std::string& id) const;

    // One Meta status object; `error_code` adds errors[] as Meta does for "failed".
    static json status(const std::string& wamid,
                       const std::string& recipient,
                       const std::string& status,
                       int error_code = 0,
                       const std::string& error_title = {});

    // (A vector, not a json: nlohmann reads a one-element braced list as that element.)
    test_response whatsapp_statuses(const std::vector<json>& statuses) const;

    test_response generic(const std::string& raw_body, const std::string& signature) const;
    test_response generic(const json& body) const;

    // Rows of the conversation log. Works while Sapa runs (a second reader, like
    // `sapa export`) and after it stopped.
    collected_rows conversation_rows(const sapa::storage::export_filter& filter = {}) const;
    collected_rows conversation_of(const std::string& contact) const;
};

}  // namespace sapa::testing
