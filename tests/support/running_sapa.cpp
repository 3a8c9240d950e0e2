#include "support/running_sapa.hpp"

#include "storage/postgres/postgres_store.hpp"

#include <fstream>
#include <sstream>
#include <thread>

namespace sapa::testing {

std::map<std::string, std::string> secrets_env() {
    return {{"SAPA_TEST_TWILIO_TOKEN", twilio_token},
            {"SAPA_TEST_META_SECRET", meta_secret},
            {"SAPA_TEST_META_VERIFY", meta_verify},
            {"SAPA_TEST_META_ACCESS", meta_access},
            {"SAPA_TEST_GENERIC_SECRET", generic_secret}};
}

void collected_rows::begin(const std::vector<sapa::storage::export_column>& c) {
    for (const auto& col : c)
        columns.push_back(col.name);
}

void collected_rows::row(const std::vector<sapa::storage::export_value>& values) {
    std::map<std::string, std::string> r;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (auto* s = std::get_if<std::string>(&values[i])) r[columns[i]] = *s;
        if (auto* n = std::get_if<std::int64_t>(&values[i])) r[columns[i]] = std::to_string(*n);
    }
    rows.push_back(std::move(r));
}

std::vector<std::map<std::string, std::string>> collected_rows::outbound() const {
    std::vector<std::map<std::string, std::string>> out;
    for (const auto& r : rows)
        if (r.count("direction") && r.at("direction") == "out") out.push_back(r);
    return out;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

namespace {

json whatsapp_channel(const std::string& name,
                      const std::string& script,
                      const std::string& number_id,
                      const std::string& api_base_url,
                      int send_rate_per_second) {
    return {{"name", name},
            {"type", "whatsapp_cloud"},
            {"script", script},
            {"phone_number_id", number_id},
            {"app_secret_env", "SAPA_TEST_META_SECRET"},
            {"verify_token_env", "SAPA_TEST_META_VERIFY"},
            {"access_token_env", "SAPA_TEST_META_ACCESS"},
            {"api_base_url", api_base_url},
            {"send_rate_per_second", send_rate_per_second}};
}

}  // namespace

running_sapa::running_sapa(const sapa_options& options) {
    twilio_api.set_default_body(R"({"sid":"SMfake{n}","status":"queued"})");
    const auto& limits = options.limits;
    json server = {{"listen_address", "127.0.0.1"},
                   {"port", port},
                   {"io_threads", 2},
                   {"read_timeout_seconds", limits.read_timeout_seconds},
                   {"idle_timeout_seconds", limits.idle_timeout_seconds},
                   {"max_connections", limits.max_connections},
                   {"body_limit_bytes", limits.body_limit_bytes},
                   {"header_limit_bytes", limits.header_limit_bytes},
                   {"public_base_url", "http://127.0.0.1:" + std::to_string(port)}};
    if (limits.max_connections_per_client > 0)
        server["max_connections_per_client"] = limits.max_connections_per_client;
    auto rate = options.whatsapp_send_rate_per_second;
    json channels = json::array();
    for (auto c : options.channels) {
        switch (c) {
            case channel::sms: {
                json sms = {{"name", "sms"},
                            {"type", "twilio"},
                            {"script", options.sms_script},
                            {"number", "+6281100000000"},
                            {"auth_token_env", "SAPA_TEST_TWILIO_TOKEN"}};
                if (options.twilio_send_api) {
                    sms["account_sid"] = twilio_account_sid;
                    sms["api_base_url"] = twilio_api.base_url();
                    sms["send_rate_per_second"] = options.twilio_send_rate_per_second;
                    server["public_base_url"] = url("");
                }
                channels.push_back(sms);
                break;
            }
            case channel::wa:
                channels.push_back(
                    whatsapp_channel("wa", "lumajang", phone_number_id, graph.base_url(), rate));
                break;
            case channel::wa_menu: {
                auto menu = whatsapp_channel(
                    "wa-menu", "example", menu_phone_number_id, graph.base_url(), rate);
                menu["interactive"] = true;
                channels.push_back(menu);
                break;
            }
            case channel::generic:
                channels.push_back({{"name", "generic"},
                                    {"type", "generic_json"},
                                    {"script", "example"},
                                    {"secret_env", "SAPA_TEST_GENERIC_SECRET"}});
                break;
        }
    }
    json config = json::object();
    config["server"] = server;
    postgres_url = options.postgres_url;
    postgres_schema = options.postgres_schema;
    if (postgres_url.empty()) {
        config["storage"] = {{"database_path", db.string()}};
        if (!options.synchronous.empty()) config["storage"]["synchronous"] = options.synchronous;
        if (options.batch_max_wait_ms >= 0)
            config["storage"]["batch_max_wait_ms"] = options.batch_max_wait_ms;
    } else {
        config["storage"] = {{"type", "postgres"},
                             {"url_env", "SAPA_TEST_DATABASE_URL"},
                             {"schema", postgres_schema},
                             {"outbound_lease_seconds", 3}};
    }
    json dialog_paths = json::array({std::string(SAPA_SOURCE_DIR) + "/dialogs"});
    if (!options.extra_dialogs.empty()) {
        auto extra = dir.path() / "dialogs";
        std::filesystem::create_directories(extra);
        for (const auto& [name, text] : options.extra_dialogs)
            std::ofstream(extra / name) << text;
        dialog_paths.push_back(extra.string());
    }
    config["dialogs"] = {{"paths", dialog_paths}};
    config["channels"] = channels;
    if (!options.log_format.empty()) config["logging"] = {{"format", options.log_format}};
    if (!options.sending_rules.is_null()) config["sending_rules"] = options.sending_rules;
    std::ofstream(dir.path() / "sapa.json") << config.dump(2);
    start();
}

void running_sapa::start() {
    auto env = secrets_env();
    if (!postgres_url.empty()) env["SAPA_TEST_DATABASE_URL"] = postgres_url;
    process = std::make_unique<sapa_process>(dir.path() / "sapa.json", env, port, log_file);
}

std::string running_sapa::url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(port) + target;
}

std::string running_sapa::log_text() const {
    return read_text_file(log_file);
}

test_request running_sapa::twilio_form_request(const std::string& target,
                                               const std::map<std::string, std::string>& params,
                                               bool sign_correctly) const {
    auto signature =
        twilio_signature(sign_correctly ? twilio_token : "wrong-token", url(target), params);
    return {
        "POST",
        target,
        {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Twilio-Signature", signature}},
        form_encode(params)};
}

test_response running_sapa::twilio_form(const std::string& target,
                                        const std::map<std::string, std::string>& params,
                                        bool sign_correctly) const {
    return http_call(port, twilio_form_request(target, params, sign_correctly));
}

test_request running_sapa::twilio_request(const std::string& from,
                                          const std::string& body,
                                          const std::string& sid,
                                          bool sign_correctly) const {
    return twilio_form_request("/webhooks/sms",
                               {{"MessageSid", sid},
                                {"AccountSid", "AC0000"},
                                {"From", from},
                                {"To", "+6281100000000"},
                                {"Body", body},
                                {"NumMedia", "0"}},
                               sign_correctly);
}

test_response running_sapa::twilio(const std::string& from,
                                   const std::string& body,
                                   const std::string& sid,
                                   bool sign_correctly) const {
    return http_call(port, twilio_request(from, body, sid, sign_correctly));
}

test_request running_sapa::signed_whatsapp_body(const std::string& raw,
                                                const std::string& channel) {
    return {"POST",
            "/webhooks/" + channel,
            {{"Content-Type", "application/json"},
             {"X-Hub-Signature-256", sha256_signature(meta_secret, raw)}},
            raw};
}

test_request running_sapa::meta_request(const std::string& channel,
                                        const std::string& number_id,
                                        const json& value_fields) {
    json value = {
        {"messaging_product", "whatsapp"},
        {"metadata", {{"display_phone_number", "6281100000000"}, {"phone_number_id", number_id}}}};
    for (const auto& [k, v] : value_fields.items())
        value[k] = v;
    json body = {
        {"object", "whatsapp_business_account"},
        {"entry", {{{"id", "1"}, {"changes", {{{"field", "messages"}, {"value", value}}}}}}}};
    return signed_whatsapp_body(body.dump(), channel);
}

test_response running_sapa::meta(const std::string& channel,
                                 const std::string& number_id,
                                 const json& value_fields) const {
    return http_call(port, meta_request(channel, number_id, value_fields));
}

json running_sapa::text_message(const std::string& wa_id,
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

test_request running_sapa::whatsapp_request(const std::string& wa_id,
                                            const std::string& text,
                                            const std::string& id) {
    return meta_request("wa", phone_number_id, text_message(wa_id, text, id));
}

test_response running_sapa::whatsapp(const std::string& wa_id,
                                     const std::string& text,
                                     const std::string& id) const {
    return http_call(port, whatsapp_request(wa_id, text, id));
}

json running_sapa::status(const std::string& wamid,
                          const std::string& recipient,
                          const std::string& status,
                          int error_code,
                          const std::string& error_title) {
    json s = {{"id", wamid},
              {"recipient_id", recipient},
              {"status", status},
              {"timestamp", "1718000100"},
              {"type", "message"}};
    if (error_code) s["errors"] = {{{"code", error_code}, {"title", error_title}}};
    return s;
}

test_response running_sapa::whatsapp_statuses(const std::vector<json>& statuses) const {
    json value;
    value["statuses"] = statuses;
    return meta("wa", phone_number_id, value);
}

test_response running_sapa::generic(const std::string& raw_body,
                                    const std::string& signature) const {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}};
    if (!signature.empty()) headers.emplace_back("X-Sapa-Signature", signature);
    return http_call(port, {"POST", "/webhooks/generic", headers, raw_body});
}

test_response running_sapa::generic(const json& body) const {
    auto raw = body.dump();
    return generic(raw, sha256_signature(generic_secret, raw));
}

collected_rows running_sapa::conversation_rows(const sapa::storage::export_filter& filter) const {
    std::unique_ptr<sapa::storage::store> store;
    if (postgres_url.empty()) {
        store = sapa::storage::sqlite_store::open(db.string());
    } else {
        sapa::storage::postgres_options options;
        options.url = postgres_url;
        options.schema = postgres_schema;
        store = sapa::storage::postgres_store::open(std::move(options));
    }
    collected_rows rows;
    store->export_rows(sapa::storage::export_kind::conversations, filter, rows);
    return rows;
}

collected_rows running_sapa::conversation_of(const std::string& contact) const {
    sapa::storage::export_filter filter;
    filter.contact = contact;
    return conversation_rows(filter);
}

}  // namespace sapa::testing
