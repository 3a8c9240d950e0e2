#pragma once
// Shared by the fault tests: a real `sapa serve` with small limits, a Twilio SMS channel and a
// WhatsApp Cloud channel whose replies go to a fake Graph API; signed webhook senders; raw
// POSIX sockets for abusive clients; and read-only checks of the SQLite file.

#include "storage/sqlite_store.hpp"
#include "support/http_test_client.hpp"
#include "support/sapa_process.hpp"
#include "support/signing.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace sapa::fault {

using namespace sapa::testing;
using json = nlohmann::json;

inline const std::string twilio_token = "fault-twilio-token";
inline const std::string meta_secret = "fault-meta-secret";
inline const std::string meta_access = "fault-access-token";
inline const std::string phone_number_id = "5550001111";

struct server_limits {
    int read_timeout_seconds = 10;
    int idle_timeout_seconds = 60;
    int max_connections = 1024;
    std::size_t body_limit_bytes = 65536;
    std::size_t header_limit_bytes = 8192;
};

// One message of the conversation log, as the store exported it.
struct logged_message {
    std::int64_t id = 0;
    std::string contact, direction, channel, gateway_message_id, text, status;
    std::int64_t reply_to = 0;
};

// A Sapa with the bundled dialogs, channel "sms" (Twilio, inline TwiML replies) and channel
// "wa" (WhatsApp Cloud, replies through `graph`).
struct fault_sapa {
    temp_dir dir;
    fake_gateway graph;
    unsigned short port = free_port();
    std::filesystem::path db = dir.path() / "sapa.db";
    std::unique_ptr<sapa_process> process;

    explicit fault_sapa(server_limits limits = {}) {
        json server = {{"listen_address", "127.0.0.1"},
                       {"port", port},
                       {"io_threads", 2},
                       {"read_timeout_seconds", limits.read_timeout_seconds},
                       {"idle_timeout_seconds", limits.idle_timeout_seconds},
                       {"max_connections", limits.max_connections},
                       {"body_limit_bytes", limits.body_limit_bytes},
                       {"header_limit_bytes", limits.header_limit_bytes}};
        json sms = {{"name", "sms"},
                    {"type", "twilio"},
                    {"script", "lumajang"},
                    {"number", "+6281100000000"},
                    {"auth_token_env", "SAPA_FAULT_TWILIO_TOKEN"}};
        json wa = {{"name", "wa"},
                   {"type", "whatsapp_cloud"},
                   {"script", "lumajang"},
                   {"phone_number_id", phone_number_id},
                   {"app_secret_env", "SAPA_FAULT_META_SECRET"},
                   {"verify_token_env", "SAPA_FAULT_META_VERIFY"},
                   {"access_token_env", "SAPA_FAULT_META_ACCESS"},
                   {"api_base_url", graph.base_url()},
                   {"send_rate_per_second", 200}};
        json config = json::object();
        config["server"] = server;
        config["storage"] = {{"database_path", db.string()}};
        config["dialogs"] = {{"paths", json::array({std::string(SAPA_SOURCE_DIR) + "/dialogs"})}};
        config["channels"] = json::array({sms, wa});
        std::ofstream(dir.path() / "sapa.json") << config.dump(2);
        start();
    }

    void start() {
        process = std::make_unique<sapa_process>(
            dir.path() / "sapa.json",
            std::map<std::string, std::string>{{"SAPA_FAULT_TWILIO_TOKEN", twilio_token},
                                               {"SAPA_FAULT_META_SECRET", meta_secret},
                                               {"SAPA_FAULT_META_VERIFY", "fault-verify"},
                                               {"SAPA_FAULT_META_ACCESS", meta_access}},
            port,
            dir.path() / "sapa.log");
    }

    std::string log_text() const {
        std::ifstream in(dir.path() / "sapa.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    std::string url(const std::string& target) const {
        return "http://127.0.0.1:" + std::to_string(port) + target;
    }

    // A signed Twilio SMS webhook, as Twilio sends it.
    test_request twilio_request(const std::string& from,
                                const std::string& body,
                                const std::string& sid) const {
        std::map<std::string, std::string> params = {{"MessageSid", sid},
                                                     {"AccountSid", "AC0000"},
                                                     {"From", from},
                                                     {"To", "+6281100000000"},
                                                     {"Body", body},
                                                     {"NumMedia", "0"}};
        return {
            "POST",
            "/webhooks/sms",
            {{"Content-Type", "application/x-www-form-urlencoded"},
             {"X-Twilio-Signature", twilio_signature(twilio_token, url("/webhooks/sms"), params)}},
            form_encode(params)};
    }

    // A signed WhatsApp Cloud webhook carrying one text message.
    static test_request whatsapp_request(const std::string& wa_id,
                                         const std::string& text,
                                         const std::string& id) {
        json value = {
            {"messaging_product", "whatsapp"},
            {"metadata",
             {{"display_phone_number", "6281100000000"}, {"phone_number_id", phone_number_id}}},
            {"contacts", {{{"profile", {{"name", "Warga"}}}, {"wa_id", wa_id}}}},
            {"messages",
             {{{"from", wa_id},
               {"id", id},
               {"timestamp", "1718000000"},
               {"type", "text"},
               {"text", {{"body", text}}}}}}};
        json body = {
            {"object", "whatsapp_business_account"},
            {"entry", {{{"id", "1"}, {"changes", {{{"field", "messages"}, {"value", value}}}}}}}};
        return signed_whatsapp_body(body.dump());
    }

    static test_request signed_whatsapp_body(const std::string& raw) {
        return {"POST",
                "/webhooks/wa",
                {{"Content-Type", "application/json"},
                 {"X-Hub-Signature-256", sha256_signature(meta_secret, raw)}},
                raw};
    }

    // The whole conversation log (call after the server stopped or was killed).
    std::vector<logged_message> conversation_log() const {
        struct sink final : sapa::storage::row_sink {
            std::vector<std::string> columns;
            std::vector<logged_message> rows;
            void begin(const std::vector<sapa::storage::export_column>& c) override {
                for (const auto& col : c)
                    columns.push_back(col.name);
            }
            void row(const std::vector<sapa::storage::export_value>& values) override {
                logged_message m;
                for (std::size_t i = 0; i < values.size(); ++i) {
                    const auto& name = columns[i];
                    if (auto* n = std::get_if<std::int64_t>(&values[i])) {
                        if (name == "id") m.id = *n;
                        if (name == "reply_to") m.reply_to = *n;
                    }
                    auto* s = std::get_if<std::string>(&values[i]);
                    if (!s) continue;
                    if (name == "contact") m.contact = *s;
                    if (name == "direction") m.direction = *s;
                    if (name == "channel") m.channel = *s;
                    if (name == "gateway_message_id") m.gateway_message_id = *s;
                    if (name == "text") m.text = *s;
                    if (name == "status") m.status = *s;
                }
                rows.push_back(std::move(m));
            }
            void end() override {}
        } rows;
        auto store = sapa::storage::sqlite_store::open(db.string());
        store->export_rows(sapa::storage::export_kind::conversations, {}, rows);
        return std::move(rows.rows);
    }

    // PRAGMA integrity_check on the file, read-only ("ok" when sound).
    std::string integrity_check() const {
        SQLite::Database file(db.string(), SQLite::OPEN_READONLY);
        return file.execAndGet("PRAGMA integrity_check").getString();
    }
};

// A plain TCP connection to 127.0.0.1, for clients that misbehave on purpose.
class raw_connection {
  public:
    explicit raw_connection(unsigned short port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
    }
    ~raw_connection() { close(); }
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;

    bool connected() const { return fd_ >= 0; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    // False when the peer has gone (reset or closed).
    bool send(const std::string& bytes) {
        if (fd_ < 0) return false;
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // Reads what arrives within `wait`; `closed` tells whether the peer closed (or reset).
    std::string receive(std::chrono::milliseconds wait, bool* closed = nullptr) {
        std::string out;
        if (closed) *closed = false;
        if (fd_ < 0) {
            if (closed) *closed = true;
            return out;
        }
        auto deadline = std::chrono::steady_clock::now() + wait;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return out;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
            char buffer[4096];
            auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                if (closed) *closed = true;
                return out;
            }
            out.append(buffer, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_ = -1;
};

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The status codes of the HTTP responses in a raw byte stream, in order.
inline std::vector<int> response_statuses(const std::string& stream) {
    std::vector<int> out;
    for (auto pos = stream.find("HTTP/1.1 "); pos != std::string::npos;
         pos = stream.find("HTTP/1.1 ", pos + 1))
        out.push_back(std::stoi(stream.substr(pos + 9, 3)));
    return out;
}

}  // namespace sapa::fault
