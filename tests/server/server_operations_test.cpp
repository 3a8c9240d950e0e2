// End to end, for operators (issue 20): Meta webhooks routed by phone_number_id across
// channels, the Twilio URL never taken from Host, /readyz, /metrics, request ids and JSON logs.

#include "support/running_sapa.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace sapa::testing;

namespace {

// The value of the first sample line of /metrics that starts with `series` ("name{...}"),
// or -1 when there is none.
double metric(const std::string& scrape, const std::string& series) {
    std::istringstream in(scrape);
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
}

std::string header_of(const test_response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
        std::string lower = k;
        for (auto& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == name) return v;
    }
    return {};
}

// One Meta webhook with several values, one per (phone_number_id, message), signed.
test_request meta_values(const std::string& channel,
                         const std::vector<std::pair<std::string, json>>& values) {
    json changes = json::array();
    for (const auto& [number_id, fields] : values) {
        json value = {
            {"messaging_product", "whatsapp"},
            {"metadata",
             {{"display_phone_number", "6281100000000"}, {"phone_number_id", number_id}}}};
        for (const auto& [k, v] : fields.items())
            value[k] = v;
        changes.push_back({{"field", "messages"}, {"value", value}});
    }
    json body = {{"object", "whatsapp_business_account"},
                 {"entry", {{{"id", "1"}, {"changes", changes}}}}};
    return running_sapa::signed_whatsapp_body(body.dump(), channel);
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE("Meta webhooks go to the channel of their phone_number_id, whichever URL they hit") {
        running_sapa sapa;
        // A message for the second number (wa-menu), posted to the first number's URL.
        const std::string menu_wa = "6281234500201";
        REQUIRE(
            http_call(sapa.port,
                      meta_values("wa",
                                  {{menu_phone_number_id,
                                    running_sapa::text_message(menu_wa, "halo", "wamid.ROUTE1")}}))
                .status == 200);
        // One webhook with a value for each number, posted to the second number's URL.
        const std::string lumajang_wa = "6281234500202";
        const std::string menu_wa2 = "6281234500203";
        REQUIRE(http_call(
                    sapa.port,
                    meta_values("wa-menu",
                                {{phone_number_id,
                                  running_sapa::text_message(lumajang_wa, "halo", "wamid.ROUTE2")},
                                 {menu_phone_number_id,
                                  running_sapa::text_message(menu_wa2, "halo", "wamid.ROUTE3")}}))
                    .status == 200);

        // Each reply goes out from its own number: /<phone_number_id>/messages.
        auto sent_from = [&](const std::string& number_id, const std::string& to) {
            for (const auto& r : sapa.graph.requests())
                if (r.target == "/" + number_id + "/messages" && contains(r.body, to)) return true;
            return false;
        };
        CHECK(wait_until([&] {
            return sent_from(menu_phone_number_id, menu_wa) &&
                   sent_from(phone_number_id, lumajang_wa) &&
                   sent_from(menu_phone_number_id, menu_wa2);
        }));
        CHECK_FALSE(sent_from(phone_number_id, menu_wa));
        CHECK_FALSE(sent_from(menu_phone_number_id, lumajang_wa));

        REQUIRE(sapa.process->stop() == 0);
        auto channel_of_inbound = [&](const std::string& wa_id) {
            for (const auto& r : sapa.conversation_of("+" + wa_id).rows)
                if (column(r, "direction") == "in") return column(r, "channel");
            return std::string("(not stored)");
        };
        CHECK(channel_of_inbound(menu_wa) == "wa-menu");
        CHECK(channel_of_inbound(lumajang_wa) == "wa");
        CHECK(channel_of_inbound(menu_wa2) == "wa-menu");
    }

    TEST_CASE(
        "Meta numbers of two apps: each routed by its id and checked with its own app secret") {
        temp_dir dir;
        const auto port = free_port();
        fake_gateway graph;
        auto cloud = [&](const std::string& name, const std::string& id, const std::string& env) {
            return json{{"name", name},
                        {"type", "whatsapp_cloud"},
                        {"script", "lumajang"},
                        {"phone_number_id", id},
                        {"app_secret_env", env},
                        {"verify_token_env", "SAPA_TEST_META_VERIFY"},
                        {"access_token_env", "SAPA_TEST_META_ACCESS"},
                        {"api_base_url", graph.base_url()},
                        {"send_rate_per_second", 50}};
        };
        json config = {{"server", {{"listen_address", "127.0.0.1"}, {"port", port}}},
                       {"storage", {{"database_path", (dir.path() / "sapa.db").string()}}},
                       {"dialogs", {{"paths", {std::string(SAPA_SOURCE_DIR) + "/dialogs"}}}},
                       {"channels",
                        {cloud("wa", "1111111111", "SAPA_TEST_META_SECRET"),
                         cloud("wa2", "2222222222", "SAPA_TEST_SECOND_APP_SECRET")}}};
        std::ofstream(dir.path() / "sapa.json") << config.dump(2);
        auto env = secrets_env();
        env["SAPA_TEST_SECOND_APP_SECRET"] = "second-app-secret";
        sapa_process sapa(dir.path() / "sapa.json", env, port, dir.path() / "sapa.log");

        auto signed_with = [](const std::string& secret, test_request r) {
            for (auto& [k, v] : r.headers)
                if (k == "X-Hub-Signature-256") v = sha256_signature(secret, r.body);
            return r;
        };
        // The second app's number, signed with the second app's secret, on the first URL.
        auto second = meta_values(
            "wa",
            {{"2222222222", running_sapa::text_message("6281234500271", "halo", "wamid.APP2")}});
        CHECK(http_call(port, signed_with("second-app-secret", second)).status == 200);
        // The first app's number signed with the second app's secret is not the first app's.
        auto forged = meta_values(
            "wa",
            {{"1111111111", running_sapa::text_message("6281234500272", "halo", "wamid.APP1")}});
        CHECK(http_call(port, signed_with("second-app-secret", forged)).status == 500);
        CHECK(http_call(port, signed_with("a-guess", second)).status == 403);
        REQUIRE(sapa.stop() == 0);

        auto store = sapa::storage::sqlite_store::open((dir.path() / "sapa.db").string());
        collected_rows rows;
        store->export_rows(sapa::storage::export_kind::conversations, {}, rows);
        std::vector<std::string> stored;
        for (const auto& r : rows.rows)
            if (column(r, "direction") == "in")
                stored.push_back(column(r, "channel") + " " + column(r, "gateway_message_id"));
        CHECK(stored == std::vector<std::string>{"wa2 wamid.APP2"});
    }

    TEST_CASE(
        "a Meta message for a number no channel has is logged, counted and not acknowledged") {
        running_sapa sapa;
        const std::string stranger = "6281234500211";
        const std::string known = "6281234500212";
        auto answer = http_call(
            sapa.port,
            meta_values(
                "wa",
                {{"9999999999", running_sapa::text_message(stranger, "halo", "wamid.LOST1")},
                 {phone_number_id, running_sapa::text_message(known, "halo", "wamid.KEPT1")}}));
        // Not a 200: Meta delivers it again, once a channel has the number.
        CHECK(answer.status == 500);
        CHECK(contains(answer.body, "9999999999"));
        // A status for an unknown number changes nothing, is counted, and is acknowledged.
        CHECK(
            http_call(sapa.port,
                      meta_values(
                          "wa",
                          {{"9999999999",
                            {{"statuses", {running_sapa::status("wamid.x", stranger, "read")}}}}}))
                .status == 200);
        auto scrape = http_call(sapa.port, {"GET", "/metrics", {}, ""});
        REQUIRE(scrape.status == 200);
        CHECK(metric(scrape.body, R"(sapa_webhook_unrouted_total{channel="wa",kind="message"})") ==
              1);
        CHECK(metric(scrape.body, R"(sapa_webhook_unrouted_total{channel="wa",kind="status"})") ==
              1);
        // The message routed beside it is stored: a redelivery finds it, not a second turn.
        CHECK(http_call(sapa.port,
                        meta_values("wa",
                                    {{phone_number_id,
                                      running_sapa::text_message(known, "halo", "wamid.KEPT1")}}))
                  .status == 200);

        REQUIRE(sapa.process->stop() == 0);
        CHECK(sapa.conversation_of("+" + stranger).rows.empty());
        int known_inbound = 0;
        for (const auto& r : sapa.conversation_of("+" + known).rows)
            if (column(r, "direction") == "in") ++known_inbound;
        CHECK(known_inbound == 1);
        auto log = sapa.log_text();
        CAPTURE(log);
        CHECK(contains(log, "phone_number_id 9999999999 not stored"));
        CHECK(contains(log, "+62812****0211"));
        CHECK_FALSE(contains(log, stranger));
    }

    TEST_CASE("the Twilio signature is checked against public_base_url, never the Host header") {
        running_sapa sapa;  // public_base_url: http://127.0.0.1:PORT
        std::map<std::string, std::string> params = {{"MessageSid", "SMhost1"},
                                                     {"AccountSid", "AC0000"},
                                                     {"From", "+6281234500221"},
                                                     {"To", "+6281100000000"},
                                                     {"Body", "halo"}};
        // Signed for a URL of the caller's choosing, and a Host header to match it.
        auto forged = twilio_signature(twilio_token, "http://evil.example/webhooks/sms", params);
        auto r = http_call(sapa.port,
                           {"POST",
                            "/webhooks/sms",
                            {{"Host", "evil.example"},
                             {"Content-Type", "application/x-www-form-urlencoded"},
                             {"X-Twilio-Signature", forged}},
                            form_encode(params)});
        CHECK(r.status == 403);
        CHECK(sapa.twilio("+6281234500221", "halo", "SMhost2").status == 200);
    }

    TEST_CASE("readyz answers 200 when the database writes and every channel is on") {
        running_sapa sapa;
        auto ready = http_call(sapa.port, {"GET", "/readyz", {}, ""});
        CHECK(ready.status == 200);
        CHECK(ready.body == "ready\n");
        CHECK(http_call(sapa.port, {"GET", "/healthz", {}, ""}).status == 200);
        REQUIRE(sapa.process->stop() == 0);
    }

    TEST_CASE("readyz answers 503 with the reason when a channel is off") {
        temp_dir dir;
        const auto port = free_port();
        json config = {{"server",
                        {{"listen_address", "127.0.0.1"},
                         {"port", port},
                         {"public_base_url", "https://sapa.example.id"}}},
                       {"storage", {{"database_path", (dir.path() / "sapa.db").string()}}},
                       {"dialogs", {{"paths", {std::string(SAPA_SOURCE_DIR) + "/dialogs"}}}},
                       {"channels",
                        {{{"name", "sms"},
                          {"type", "twilio"},
                          {"script", "example"},
                          {"number", "+6281100000000"},
                          {"auth_token_env", "SAPA_TEST_TWILIO_TOKEN"}},
                         {{"name", "generic"},
                          {"type", "generic_json"},
                          {"script", "example"},
                          {"secret_env", "SAPA_TEST_UNSET_SECRET"}}}}};
        std::ofstream(dir.path() / "sapa.json") << config.dump(2);
        sapa_process sapa(dir.path() / "sapa.json", secrets_env(), port, dir.path() / "sapa.log");
        auto r = http_call(port, {"GET", "/readyz", {}, ""});
        CHECK(r.status == 503);
        CHECK(contains(r.body,
                       "channel \"generic\" is off: environment variable "
                       "SAPA_TEST_UNSET_SECRET is not set"));
        CHECK(http_call(port, {"GET", "/healthz", {}, ""}).status == 200);  // still alive
        CHECK(sapa.stop() == 0);
    }

    TEST_CASE("metrics count requests, messages, queue and commits after signed webhooks") {
        running_sapa sapa;
        REQUIRE(sapa.twilio("+6281234500231", "halo", "SMmet1").status == 200);
        REQUIRE(sapa.whatsapp("6281234500232", "halo", "wamid.MET1").status == 200);
        REQUIRE(sapa.twilio("+6281234500231", "halo", "SMmet2", false).status == 403);
        REQUIRE(sapa.graph.wait_for_successes(1, std::chrono::seconds(5)));
        std::string body;
        REQUIRE(wait_until([&] {
            body = http_call(sapa.port, {"GET", "/metrics", {}, ""}).body;
            return metric(body, R"(sapa_messages_sent_total{channel="wa",via="api"})") >= 1;
        }));
        auto scrape = http_call(sapa.port, {"GET", "/metrics", {}, ""});
        REQUIRE(scrape.status == 200);
        CHECK(contains(header_of(scrape, "content-type"), "text/plain; version=0.0.4"));
        const auto& m = scrape.body;
        CAPTURE(m);
        CHECK(metric(m, R"(sapa_http_requests_total{route="/webhooks/{channel}",status="200"})") >=
              2);
        CHECK(metric(m, R"(sapa_http_requests_total{route="/webhooks/{channel}",status="403"})") ==
              1);
        CHECK(metric(m, R"(sapa_messages_received_total{channel="sms"})") == 1);
        CHECK(metric(m, R"(sapa_messages_received_total{channel="wa"})") == 1);
        CHECK(metric(m, R"(sapa_messages_sent_total{channel="sms",via="inline"})") >= 1);
        CHECK(metric(m, R"(sapa_webhook_duration_seconds_count{channel="sms"})") == 2);
        CHECK(metric(m, R"(sapa_webhook_duration_seconds_bucket{channel="sms",le="+Inf"})") == 2);
        CHECK(metric(m, "sapa_store_commit_duration_seconds_count") >= 2);
        CHECK(metric(m, "sapa_store_commit_batch_size_count") >= 2);
        // No phone number in any label.
        CHECK_FALSE(contains(m, "6281234500231"));
        CHECK_FALSE(contains(m, "6281234500232"));
        REQUIRE(sapa.process->stop() == 0);
    }

    TEST_CASE("a Graph API that stays busy shows in the queue depth and the retry counter") {
        sapa_options options;
        options.channels = {channel::wa};
        running_sapa sapa(options);
        sapa.graph.plan({503, R"({"error":{"message":"busy"}})", {}});
        REQUIRE(sapa.whatsapp("6281234500241", "halo", "wamid.Q1").status == 200);
        std::string m;
        REQUIRE(wait_until([&] {
            m = http_call(sapa.port, {"GET", "/metrics", {}, ""}).body;
            return metric(m, R"(sapa_outbound_retries_total{channel="wa",reason="http_503"})") == 1;
        }));
        CAPTURE(m);
        CHECK(metric(m, R"(sapa_outbound_queue_depth{channel="wa"})") >= 1);
        CHECK(metric(m, R"(sapa_outbound_queue_oldest_age_seconds{channel="wa"})") >= 0);
        REQUIRE(sapa.process->stop() == 0);
    }

    TEST_CASE("each request has an id: a sane X-Request-Id is kept, any other is replaced") {
        running_sapa sapa;
        auto given =
            http_call(sapa.port, {"GET", "/healthz", {{"X-Request-Id", "lb-42.a_b:c"}}, ""});
        CHECK(header_of(given, "x-request-id") == "lb-42.a_b:c");
        auto made = http_call(sapa.port, {"GET", "/healthz", {}, ""});
        auto id = header_of(made, "x-request-id");
        CHECK(id.size() == 16);
        auto refused =
            http_call(sapa.port, {"GET", "/healthz", {{"X-Request-Id", "bad id\" {}"}}, ""});
        CHECK(header_of(refused, "x-request-id").size() == 16);
        auto webhook = sapa.twilio_request("+6281234500251", "halo", "SMrid1");
        webhook.headers.emplace_back("X-Request-Id", "twilio-req-1");
        REQUIRE(http_call(sapa.port, webhook).status == 200);
        REQUIRE(sapa.process->stop() == 0);
        auto log = sapa.log_text();
        CAPTURE(log);
        CHECK(contains(log, "GET /healthz 200"));
        CHECK(contains(log, "request_id=lb-42.a_b:c"));
        CHECK(contains(log, "request_id=" + id));
        CHECK(contains(log, "channel=sms contact=+62812****0251 request_id=twilio-req-1"));
    }

    TEST_CASE("logging.format json writes one object per line with ms time, level and request id") {
        sapa_options options;
        options.log_format = "json";
        running_sapa sapa(options);
        REQUIRE(sapa.whatsapp("6281234500261", "halo", "wamid.JSON1").status == 200);
        auto stray = meta_values(
            "wa", {{"9999999999", running_sapa::text_message("6281234500262", "x", "wamid.J2")}});
        stray.headers.emplace_back("X-Request-Id", "meta-req-7");
        REQUIRE(http_call(sapa.port, stray).status == 500);
        REQUIRE(sapa.process->stop() == 0);
        auto text = sapa.log_text();
        CAPTURE(text);
        std::istringstream in(text);
        int lines = 0, webhook_lines = 0, warned = 0;
        for (std::string line; std::getline(in, line);) {
            if (line.empty()) continue;
            ++lines;
            auto j = json::parse(line);  // throws, failing the test, when a line is not JSON
            REQUIRE(j.is_object());
            auto time = j.at("time").get<std::string>();
            CHECK(time.size() == 24);  // 2026-11-27T20:40:00.123Z
            CHECK(time[19] == '.');
            CHECK(time.back() == 'Z');
            CHECK(j.contains("level"));
            CHECK(j.contains("message"));
            auto message = j.at("message").get<std::string>();
            if (message.starts_with("POST /webhooks/wa 200")) {
                ++webhook_lines;
                CHECK(j.at("request_id").get<std::string>().size() == 16);
                CHECK(contains(message, "contact=+62812****0261"));
            }
            if (contains(message, "not stored")) {
                ++warned;
                CHECK(j.at("level") == "warn");
                CHECK(j.at("request_id") == "meta-req-7");
            }
        }
        CHECK(lines >= 3);
        CHECK(webhook_lines == 1);
        CHECK(warned == 1);
        CHECK_FALSE(contains(text, "6281234500261"));
        CHECK_FALSE(contains(text, "6281234500262"));
    }
}
