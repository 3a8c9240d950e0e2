#pragma once
// The server tests' fixture: the real `sapa serve` binary on a loopback port with a generated
// config (the bundled dialogs, four channels, a fake Graph API), and helpers that sign
// requests as each gateway does and read the rows of its SQLite file.

#include "storage/sqlite_store.hpp"
#include "support/http_test_client.hpp"
#include "support/sapa_process.hpp"
#include "support/signing.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sapa::testing::server {

using json = nlohmann::json;

inline const std::string twilio_token = "test-twilio-token";
inline const std::string meta_secret = "test-meta-secret";
inline const std::string meta_verify = "test-verify-token";
inline const std::string meta_access = "test-access-token";
inline const std::string generic_secret = "test-generic-secret";
inline const std::string phone_number_id = "1234567890";       // channel "wa" (lumajang)
inline const std::string menu_phone_number_id = "2222222222";  // channel "wa-menu" (example)

// Every row of one export, each as column -> text.
struct collected_rows final : sapa::storage::row_sink {
    std::vector<std::string> columns;
    std::vector<std::map<std::string, std::string>> rows;
    void begin(const std::vector<sapa::storage::export_column>& c) override {
        for (const auto& col : c)
            columns.push_back(col.name);
    }
    void row(const std::vector<sapa::storage::export_value>& values) override {
        std::map<std::string, std::string> r;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (auto* s = std::get_if<std::string>(&values[i])) r[columns[i]] = *s;
            if (auto* n = std::get_if<std::int64_t>(&values[i])) r[columns[i]] = std::to_string(*n);
        }
        rows.push_back(std::move(r));
    }
    void end() override {}

    // The outbound rows, oldest first.
    std::vector<std::map<std::string, std::string>> outbound() const {
        std::vector<std::map<std::string, std::string>> out;
        for (const auto& r : rows)
            if (r.count("direction") && r.at("direction") == "out") out.push_back(r);
        return out;
    }
};

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Polls `done` every 20 ms until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

inline std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The environment every test child gets: the secrets the generated config names.
inline std::map<std::string, std::string> secrets_env() {
    return {{"SAPA_TEST_TWILIO_TOKEN", twilio_token},
            {"SAPA_TEST_META_SECRET", meta_secret},
            {"SAPA_TEST_META_VERIFY", meta_verify},
            {"SAPA_TEST_META_ACCESS", meta_access},
            {"SAPA_TEST_GENERIC_SECRET", generic_secret}};
}

// A running Sapa with the bundled dialogs, four channels and a fake Graph API:
//   sms      Twilio SMS, lumajang
//   wa       WhatsApp Cloud, lumajang, plain text menus
//   wa-menu  WhatsApp Cloud, example, interactive menus (buttons and lists)
//   generic  generic JSON, example
struct running_sapa {
    temp_dir dir;
    fake_gateway graph;
    unsigned short port = free_port();
    std::filesystem::path db = dir.path() / "sapa.db";
    std::filesystem::path log_file = dir.path() / "sapa.log";
    std::unique_ptr<sapa_process> process;

    running_sapa() {
        json config = {
            {"server", {{"listen_address", "127.0.0.1"}, {"port", port}, {"io_threads", 2}}},
            {"storage", {{"database_path", db.string()}}},
            {"dialogs", {{"paths", {std::string(SAPA_SOURCE_DIR) + "/dialogs"}}}},
            {"channels",
             {{{"name", "sms"},
               {"type", "twilio"},
               {"script", "lumajang"},
               {"number", "+6281100000000"},
               {"auth_token_env", "SAPA_TEST_TWILIO_TOKEN"}},
              {{"name", "wa"},
               {"type", "whatsapp_cloud"},
               {"script", "lumajang"},
               {"phone_number_id", phone_number_id},
               {"app_secret_env", "SAPA_TEST_META_SECRET"},
               {"verify_token_env", "SAPA_TEST_META_VERIFY"},
               {"access_token_env", "SAPA_TEST_META_ACCESS"},
               {"api_base_url", graph.base_url()},
               {"send_rate_per_second", 50}},
              {{"name", "wa-menu"},
               {"type", "whatsapp_cloud"},
               {"script", "example"},
               {"phone_number_id", menu_phone_number_id},
               {"app_secret_env", "SAPA_TEST_META_SECRET"},
               {"verify_token_env", "SAPA_TEST_META_VERIFY"},
               {"access_token_env", "SAPA_TEST_META_ACCESS"},
               {"api_base_url", graph.base_url()},
               {"send_rate_per_second", 50},
               {"interactive", true}},
              {{"name", "generic"},
               {"type", "generic_json"},
               {"script", "example"},
               {"secret_env", "SAPA_TEST_GENERIC_SECRET"}}}}};
        std::ofstream(dir.path() / "sapa.json") << config.dump(2);
        start();
    }

    void start() {
        process =
            std::make_unique<sapa_process>(dir.path() / "sapa.json", secrets_env(), port, log_file);
    }

    std::string url(const std::string& target) const {
        return "http://127.0.0.1:" + std::to_string(port) + target;
    }

    // A form POST signed as Twilio signs it, to `target` ("/webhooks/sms/status").
    test_response twilio_form(const std::string& target,
                              const std::map<std::string, std::string>& params,
                              bool sign_correctly = true) const {
        auto signature =
            twilio_signature(sign_correctly ? twilio_token : "wrong-token", url(target), params);
        return http_call(port,
                         {"POST",
                          target,
                          {{"Content-Type", "application/x-www-form-urlencoded"},
                           {"X-Twilio-Signature", signature}},
                          form_encode(params)});
    }

    test_response twilio(const std::string& from,
                         const std::string& body,
                         const std::string& sid,
                         bool sign_correctly = true) const {
        return twilio_form("/webhooks/sms",
                           {{"MessageSid", sid},
                            {"AccountSid", "AC0000"},
                            {"From", from},
                            {"To", "+6281100000000"},
                            {"Body", body},
                            {"NumMedia", "0"}},
                           sign_correctly);
    }

    // A Meta webhook whose value holds `value_fields` (messages, statuses, contacts...).
    test_response meta(const std::string& channel,
                       const std::string& number_id,
                       const json& value_fields) const {
        json value = {
            {"messaging_product", "whatsapp"},
            {"metadata",
             {{"display_phone_number", "6281100000000"}, {"phone_number_id", number_id}}}};
        for (const auto& [k, v] : value_fields.items())
            value[k] = v;
        json body = {
            {"object", "whatsapp_business_account"},
            {"entry", {{{"id", "1"}, {"changes", {{{"field", "messages"}, {"value", value}}}}}}}};
        std::string raw = body.dump();
        return http_call(port,
                         {"POST",
                          "/webhooks/" + channel,
                          {{"Content-Type", "application/json"},
                           {"X-Hub-Signature-256", sha256_signature(meta_secret, raw)}},
                          raw});
    }

    static json text_message(const std::string& wa_id,
                             const std::string& text,
                             const std::string& id) {
        return {{"contacts", {{{"profile", {{"name", "Budi"}}}, {"wa_id", wa_id}}}},
                {"messages",
                 {{{"from", wa_id},
                   {"id", id},
                   {"timestamp", "1718000000"},
                   {"type", "text"},
                   {"text", {{"body", text}}}}}}};
    }

    test_response whatsapp(const std::string& wa_id,
                           const std::string& text,
                           const std::string& id) const {
        return meta("wa", phone_number_id, text_message(wa_id, text, id));
    }

    // One Meta status object; `error_code` adds errors[] as Meta does for "failed".
    static json status(const std::string& wamid,
                       const std::string& recipient,
                       const std::string& status,
                       int error_code = 0,
                       const std::string& error_title = {}) {
        json s = {{"id", wamid},
                  {"recipient_id", recipient},
                  {"status", status},
                  {"timestamp", "1718000100"},
                  {"type", "message"}};
        if (error_code) s["errors"] = {{{"code", error_code}, {"title", error_title}}};
        return s;
    }

    // (A vector, not a json: nlohmann reads a one-element braced list as that element.)
    test_response whatsapp_statuses(const std::vector<json>& statuses) const {
        json value;
        value["statuses"] = statuses;
        return meta("wa", phone_number_id, value);
    }

    test_response generic(const std::string& raw_body, const std::string& signature) const {
        std::vector<std::pair<std::string, std::string>> headers = {
            {"Content-Type", "application/json"}};
        if (!signature.empty()) headers.emplace_back("X-Sapa-Signature", signature);
        return http_call(port, {"POST", "/webhooks/generic", headers, raw_body});
    }
    test_response generic(const json& body) const {
        auto raw = body.dump();
        return generic(raw, sha256_signature(generic_secret, raw));
    }

    // Rows of the conversation log. Works while Sapa runs (a second reader, like
    // `sapa export`) and after it stopped.
    collected_rows conversation_of(const std::string& contact) const {
        auto store = sapa::storage::sqlite_store::open(db.string());
        collected_rows rows;
        sapa::storage::export_filter filter;
        filter.contact = contact;
        store->export_rows(sapa::storage::export_kind::conversations, filter, rows);
        return rows;
    }

    std::string log_text() const { return read_text_file(log_file); }
};

}  // namespace sapa::testing::server
