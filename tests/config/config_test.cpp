// Proves config.hpp is self-contained: it is included first.
#include "config/config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace sapa::config;

namespace {

const fs::path source_dir = SAPA_SOURCE_DIR;
const fs::path base = "/srv/sapa/config";

// The message of the config_error that parsing `text` throws, or "no error".
std::string error_of(std::string_view text) {
    try {
        parse_config(text, base);
    } catch (const config_error& e) {
        return e.what();
    }
    return "no error";
}

// A channel object of each type with everything it requires, for the error tests.
const std::string twilio_channel =
    R"({"name": "sms", "type": "twilio", "script": "lumajang", "number": "+14155550100",
        "auth_token_env": "TWILIO_AUTH_TOKEN"})";
const std::string cloud_channel =
    R"({"name": "wa", "type": "whatsapp_cloud", "script": "lumajang",
        "phone_number_id": "1234567890", "app_secret_env": "WA_APP_SECRET",
        "verify_token_env": "WA_VERIFY_TOKEN", "access_token_env": "WA_ACCESS_TOKEN"})";

// What a *_env key that cannot be a variable name gets; its value is never part of it.
const std::string env_name_problem =
    "/storage/url_env: must be the name of an environment variable (capital letters, digits "
    "and _, not starting with a digit, at most 64 characters, such as TWILIO_AUTH_TOKEN). The "
    "value looks like a secret, so it is not shown: put the secret in the environment and its "
    "variable's name here";

// Channels, with the public address a Twilio channel needs.
std::string with_channels(const std::string& list) {
    return R"({"server": {"public_base_url": "https://sapa.example.id"}, "channels": [)" + list +
           "]}";
}

// A temporary file removed at the end of the test.
struct temp_file {
    fs::path path;
    explicit temp_file(const std::string& text, const std::string& name = "sapa.json") {
        static int counter = 0;
        auto dir = fs::temp_directory_path() / ("sapa-config-test-" + std::to_string(::getpid()) +
                                                "-" + std::to_string(++counter));
        fs::create_directories(dir);
        path = dir / name;
        std::ofstream(path) << text;
    }
    ~temp_file() { fs::remove_all(path.parent_path()); }
};

}  // namespace

TEST_SUITE("config") {
    TEST_CASE("public_base_url is checked as a URL and required with a Twilio channel") {
        auto base_url_error = [](const std::string& url) {
            return error_of(R"({"server": {"public_base_url": ")" + url + R"("}})");
        };
        for (const char* bad : {"https://host:abc",
                                "https://host:0",
                                "https://host:65536",
                                "https://host:",
                                "https://user:pw@host",
                                "https://host/?x=1",
                                "https://host/#top",
                                "ftp://host",
                                "https://",
                                "https:host",
                                "https://ho st"}) {
            CAPTURE(bad);
            CHECK(base_url_error(bad).starts_with("/server/public_base_url: must be an address"));
        }
        for (const char* good : {"https://sapa.example.id",
                                 "http://127.0.0.1:8080",
                                 "https://[::1]:443/",
                                 "https://sapa.example.id/bot"}) {
            CAPTURE(good);
            CHECK(base_url_error(good) == "no error");
        }
        // The Host header must never be what Twilio's signature is checked against.
        CHECK(error_of(R"({"channels": [)" + twilio_channel + "]}") ==
              "/server/public_base_url: must be set when a Twilio channel is configured "
              "(/channels/0 \"sms\"): the public https:// address Twilio calls, such as "
              "https://sapa.example.id, whose URLs Twilio signs");
        CHECK(error_of(R"({"channels": [)" + cloud_channel + "]}") == "no error");
    }

    TEST_CASE("the console section has safe defaults and checked values") {
        auto c = parse_config("{}", ".").console;
        CHECK(c.enabled);
        CHECK_FALSE(c.secure_cookies);
        CHECK(c.trusted_proxies.empty());
        CHECK(c.session_idle_minutes == 30);
        CHECK(c.session_max_hours == 12);
        CHECK(c.login_failures_allowed == 5);
        auto set = parse_config(
                       R"({"console": {"secure_cookies": true, "trusted_proxies": ["10.0.0.1"],
                                       "session_idle_minutes": 10, "session_max_hours": 2}})",
                       ".")
                       .console;
        CHECK(set.secure_cookies);
        CHECK(set.trusted_proxies == std::vector<std::string>{"10.0.0.1"});
        CHECK(set.session_idle_minutes == 10);
        CHECK(set.session_max_hours == 2);
        CHECK(set.port == 0);  // the server's own address only
        CHECK(parse_config(R"({"console": {"listen_address": "10.0.0.5", "port": 8443}})", ".")
                  .console.port == 8443);
        CHECK(error_of(R"({"console": {"listen_address": "intranet"}})") ==
              "/console/listen_address: must be an IP address such as 127.0.0.1 or 10.0.0.5");
        CHECK(error_of(R"({"console": {"trusted_proxies": ["proxy.local"]}})") ==
              "/console/trusted_proxies/0: must be an IP address such as 127.0.0.1");
        CHECK(error_of(R"({"console": {"session_idle_minutes": 0}})") ==
              "/console/session_idle_minutes: must be a whole number between 1 and 1440");
        CHECK(error_of(R"({"console": {"secure": true}})")
                  .starts_with("/console/secure: unknown key"));
    }

    TEST_CASE("reminders are read and checked with errors naming the field") {
        auto with = [](const std::string& reminder) {
            return R"({"channels": [)" + cloud_channel + R"(], "reminders": [)" + reminder + "]}";
        };
        auto c = parse_config(with(R"({"name": "menjahit-h3", "channel": "wa", "course": "menjahit",
                     "date_setting": "settings.course_start", "days_before": 3,
                     "time": "08:30", "node": "pengingat",
                     "template": {"name": "pengingat_kursus", "parameters": ["3"]}})"),
                              base);
        REQUIRE(c.reminders.size() == 1);
        const auto& r = c.reminders[0];
        CHECK(r.date_setting == "course_start");
        CHECK(r.days_before == 3);
        CHECK(r.time_minute == 8 * 60 + 30);
        CHECK(r.node == "pengingat");
        CHECK(r.template_name == "pengingat_kursus");
        CHECK(r.template_language == "id");
        CHECK(r.template_parameters == std::vector<std::string>{"3"});
        const std::string ok = R"("name": "h3", "course": "K", "date_setting": "mulai", )"
                               R"("days_before": 3, "time": "08:00", )";
        CHECK(error_of(with("{" + ok + R"("channel": "sms", "text": "x"})")) ==
              "/reminders/0/channel: no channel \"sms\" in /channels");
        CHECK(error_of(with("{" + ok + R"("channel": "wa"})")) ==
              "/reminders/0/node: give exactly one of \"node\" (a node of the script) and "
              "\"text\"");
        CHECK(error_of(with("{" + ok + R"("channel": "wa", "node": "a", "text": "b"})")) ==
              "/reminders/0/text: give exactly one of \"node\" (a node of the script) and "
              "\"text\"");
        CHECK(error_of(with(R"({"name": "h3", "channel": "wa", "course": "K", )"
                            R"("date_setting": "mulai", "days_before": 3, "time": "8 pagi", )"
                            R"("text": "x"})")) ==
              "/reminders/0/time: must be a time of day as \"HH:MM\", from \"00:00\" to "
              "\"23:59\"");
        CHECK(error_of(with(R"({"name": "h3", "channel": "wa", "course": "K", )"
                            R"("date_setting": "mulai", "days_before": -1, "time": "08:00", )"
                            R"("text": "x"})")) ==
              "/reminders/0/days_before: must be a whole number between 0 and 365");
        CHECK(error_of(with("{" + ok + R"("channel": "wa", "text": "x"}, {)" + ok +
                            R"("channel": "wa", "text": "y"})")) ==
              "/reminders/1/name: \"h3\" is already the name of /reminders/0");
    }

    TEST_CASE("logging.format is text by default, or json") {
        CHECK(service_config{}.logging.format == log_format::text);
        CHECK(parse_config(R"({"logging": {"format": "json"}})", base).logging.format ==
              log_format::json);
        CHECK(parse_config(R"({"logging": {"format": "TEXT"}})", base).logging.format ==
              log_format::text);
        CHECK(
            error_of(R"({"logging": {"format": "xml"}})").starts_with("/logging/format: unknown"));
    }

    TEST_CASE("a default service_config has the documented defaults") {
        service_config c;
        CHECK(c.server.listen_address == "127.0.0.1");
        CHECK(c.server.port == 8080);
        CHECK(c.server.io_threads == 2);
        CHECK(c.server.body_limit_bytes == 65536);
        CHECK(c.server.header_limit_bytes == 8192);
        CHECK(c.server.read_timeout_seconds == 10);
        CHECK(c.server.idle_timeout_seconds == 60);
        CHECK(c.server.max_connections == 1024);
        CHECK(c.server.max_connections_per_client == 0);  // half of max_connections
        CHECK(c.server.public_base_url.empty());
        CHECK(c.warnings.empty());
        CHECK(c.storage.database_path == "../var/sapa.db");
        CHECK(c.storage.synchronous == sync_mode::full);
        CHECK(c.storage.busy_timeout_ms == 5000);
        CHECK(c.storage.batch_max_messages == 256);
        CHECK(c.storage.batch_max_wait_ms == 2);
        CHECK(c.dialogs.paths == std::vector<fs::path>{"../dialogs"});
        CHECK_FALSE(c.dialogs.session_timeout_minutes);
        CHECK(c.channels.empty());
        CHECK(c.logging.level == log_level::info);
    }

    TEST_CASE("designated initializers build a config in code") {
        service_config c{
            .server = {.listen_address = "0.0.0.0", .port = 9090},
            .storage = {.database_path = ":memory:", .synchronous = sync_mode::normal},
            .channels = {{.name = "sms",
                          .type = gateway_type::twilio,
                          .script = "lumajang",
                          .number = "+14155550100",
                          .auth_token_env = "TWILIO_AUTH_TOKEN"}},
        };
        CHECK(c.server.port == 9090);
        CHECK(c.server.io_threads == 2);
        CHECK(c.channels.at(0).send_rate_per_second == 1.0);
    }

    TEST_CASE("an empty object gives the defaults with paths resolved against the folder") {
        auto c = parse_config("{}", base);
        CHECK(c.server.port == 8080);
        CHECK(c.storage.database_path == "/srv/sapa/var/sapa.db");
        CHECK(c.dialogs.paths == std::vector<fs::path>{"/srv/sapa/dialogs"});
    }

    TEST_CASE("storage on PostgreSQL: type, the URL's variable, schema and lease") {
        auto defaults = parse_config("{}", base);
        CHECK(defaults.storage.type == store_type::sqlite);
        CHECK(defaults.storage.url_env == "SAPA_DATABASE_URL");
        CHECK(defaults.storage.outbound_lease_seconds == 60);
        auto c = parse_config(
            R"({"storage": {"type": "postgres", "url_env": "SAPA_PG_URL", "schema": "sapa_lmj",
                            "outbound_lease_seconds": 5}})",
            base);
        CHECK(c.storage.type == store_type::postgres);
        CHECK(c.storage.url_env == "SAPA_PG_URL");
        CHECK(c.storage.schema == "sapa_lmj");
        CHECK(c.storage.outbound_lease_seconds == 5);
        CHECK(error_of(R"({"storage": {"type": "mysql"}})") ==
              R"(/storage/type: unknown store type "mysql" (expected sqlite, postgres))");
        CHECK(error_of(R"({"storage": {"schema": "Sapa; DROP"}})") ==
              "/storage/schema: must be a plain name (a-z, 0-9, _; at most 63)");
        CHECK(error_of(R"({"storage": {"outbound_lease_seconds": 0}})")
                  .starts_with("/storage/outbound_lease_seconds: "));
    }

    TEST_CASE("absolute paths and :memory: are kept") {
        auto c = parse_config(
            R"({"storage": {"database_path": ":memory:"},
                "dialogs": {"paths": ["/usr/share/sapa/dialogs/", "extra/one.json"]}})",
            base);
        CHECK(c.storage.database_path == ":memory:");
        CHECK(c.dialogs.paths ==
              std::vector<fs::path>{"/usr/share/sapa/dialogs/", "/srv/sapa/config/extra/one.json"});
    }

    TEST_CASE("every field is read") {
        auto c = parse_config(R"({
            "comment": "comments are allowed in every object",
            "server": {"comment": ["even", "lists"], "listen_address": "::", "port": 9000,
                       "io_threads": 4, "body_limit_bytes": 1024, "header_limit_bytes": 4096,
                       "read_timeout_seconds": 5, "idle_timeout_seconds": 30,
                       "max_connections": 10, "max_connections_per_client": 4,
                       "public_base_url": "https://sapa.example.id/"},
            "admin": {"token_env": "MY_ADMIN"},
            "storage": {"database_path": "data/s.db", "synchronous": "normal",
                        "busy_timeout_ms": 0, "batch_max_messages": 1, "batch_max_wait_ms": 0},
            "dialogs": {"paths": ["d"], "session_timeout_minutes": 120},
            "channels": [
              {"comment": "SMS", "name": "sms", "type": "twilio", "script": "lumajang",
               "number": "+14155550100", "auth_token_env": "TWILIO_AUTH_TOKEN",
               "account_sid": "AC0123456789abcdef0123456789abcdef",
               "api_base_url": "http://127.0.0.1:9999/", "send_rate_per_second": 0.5},
              {"name": "wa", "type": "whatsapp_cloud", "script": "lumajang",
               "number": "+62 811 0000 0000", "phone_number_id": "1234567890",
               "app_secret_env": "A", "verify_token_env": "V", "access_token_env": "T",
               "send_rate_per_second": 80, "interactive": true},
              {"name": "generic", "type": "generic_json", "script": "example",
               "secret_env": "GENERIC_SECRET"}],
            "logging": {"level": "DEBUG"}})",
                              base);
        CHECK(c.server.listen_address == "::");
        CHECK(c.server.port == 9000);
        CHECK(c.server.io_threads == 4);
        CHECK(c.server.body_limit_bytes == 1024);
        CHECK(c.server.header_limit_bytes == 4096);
        CHECK(c.server.read_timeout_seconds == 5);
        CHECK(c.server.idle_timeout_seconds == 30);
        CHECK(c.server.max_connections == 10);
        CHECK(c.server.max_connections_per_client == 4);
        CHECK(c.server.public_base_url == "https://sapa.example.id");
        REQUIRE(c.warnings.size() == 1);
        CHECK(c.warnings[0].rfind("/admin: no longer used", 0) == 0);
        CHECK(c.storage.database_path == "/srv/sapa/config/data/s.db");
        CHECK(c.storage.synchronous == sync_mode::normal);
        CHECK(c.storage.busy_timeout_ms == 0);
        CHECK(c.storage.batch_max_messages == 1);
        CHECK(c.storage.batch_max_wait_ms == 0);
        CHECK(c.dialogs.paths == std::vector<fs::path>{"/srv/sapa/config/d"});
        CHECK(c.dialogs.session_timeout_minutes == 120);
        REQUIRE(c.channels.size() == 3);
        const auto& sms = c.channels[0];
        CHECK(sms.type == gateway_type::twilio);
        CHECK(sms.account_sid == "AC0123456789abcdef0123456789abcdef");
        CHECK(sms.auth_token_env == "TWILIO_AUTH_TOKEN");
        CHECK(sms.api_base_url == "http://127.0.0.1:9999");
        CHECK(sms.send_rate_per_second == 0.5);
        CHECK_FALSE(sms.interactive);
        const auto& wa = c.channels[1];
        CHECK(wa.type == gateway_type::whatsapp_cloud);
        CHECK(wa.number == "+62 811 0000 0000");
        CHECK(wa.phone_number_id == "1234567890");
        CHECK(wa.app_secret_env == "A");
        CHECK(wa.verify_token_env == "V");
        CHECK(wa.access_token_env == "T");
        CHECK(wa.api_base_url == "https://graph.facebook.com/v25.0");
        CHECK(wa.send_rate_per_second == 80);
        CHECK(wa.interactive);
        const auto& generic = c.channels[2];
        CHECK(generic.type == gateway_type::generic_json);
        CHECK(generic.script == "example");
        CHECK(generic.secret_env == "GENERIC_SECRET");
        CHECK(generic.api_base_url.empty());
        CHECK(c.logging.level == log_level::debug);
    }

    TEST_CASE("the default API base URLs") {
        CHECK(default_api_base_url(gateway_type::twilio) == "https://api.twilio.com");
        CHECK(default_api_base_url(gateway_type::whatsapp_cloud) ==
              "https://graph.facebook.com/v25.0");
        CHECK(default_api_base_url(gateway_type::generic_json).empty());
        auto c = parse_config(with_channels(twilio_channel), base);
        CHECK(c.channels.at(0).api_base_url == "https://api.twilio.com");
    }

    TEST_CASE("names of the enums") {
        CHECK(to_string(gateway_type::twilio) == "twilio");
        CHECK(to_string(gateway_type::whatsapp_cloud) == "whatsapp_cloud");
        CHECK(to_string(gateway_type::generic_json) == "generic_json");
        CHECK(to_string(sync_mode::full) == "FULL");
        CHECK(to_string(sync_mode::normal) == "NORMAL");
        CHECK(to_string(log_level::warn) == "warn");
    }

    // The position is where the parser gave up: the last character of the offending token.
    TEST_CASE("JSON syntax errors give line:column") {
        CHECK(error_of("{\n  \"server\": {\n    \"port\": 8080,\n  }\n}") ==
              "4:3: invalid JSON: syntax error while parsing object key - unexpected '}'; "
              "expected string literal");
        CHECK(error_of("") ==
              "1:1: invalid JSON: syntax error while parsing value - unexpected end of input; "
              "expected '[', '{', or a literal");
        CHECK(error_of("{\"server\": {\"port\": 80 80}}") ==
              "1:25: invalid JSON: syntax error while parsing object - unexpected number "
              "literal; expected '}'");
    }

    // nlohmann reports a number too large for a double apart from syntax errors, without its
    // position (the same hole as regression loader_number_overflow).
    TEST_CASE("a number too large for JSON is an error at its place") {
        CHECK(error_of("{\n  \"server\": {\"port\": 9e999}\n}") ==
              "2:22: invalid JSON: the number 9e999 is too large");
    }

    TEST_CASE("a key given twice is an error") {
        CHECK(error_of(R"({"server": {"port": 80, "port": 81}})") == "/server/port: appears twice");
        CHECK(error_of(with_channels(twilio_channel + R"(, {"name": "a", "name": "b"})")) ==
              "/channels/1/name: appears twice");
        CHECK(error_of(R"({"dialogs": {"paths": [[], {"x": 1, "x": 2}]}})") ==
              "/dialogs/paths/1/x: appears twice");
    }

    TEST_CASE("unknown keys are errors, with a suggestion when one is close") {
        CHECK(error_of(R"({"sever": {}})") == R"(/sever: unknown key (did you mean "server"?))");
        CHECK(error_of(R"({"server": {"prot": 1}})") ==
              R"(/server/prot: unknown key (did you mean "port"?))");
        CHECK(error_of(R"({"database": "x.db"})") ==
              "/database: unknown key (expected server, admin, storage, dialogs, channels, "
              "logging, sending_rules, console, reminders)");
        CHECK(error_of(R"({"storage": {"path": "x.db"}})") ==
              "/storage/path: unknown key (expected type, url_env, schema, database_path, "
              "synchronous, busy_timeout_ms, batch_max_messages, batch_max_wait_ms, "
              "outbound_lease_seconds)");
        CHECK(
            error_of(with_channels(R"({"name": "sms", "type": "twilio", "auth_tokn_env": "X"})")) ==
            R"(/channels/0/auth_tokn_env: unknown key (did you mean "auth_token_env"?))");
        CHECK(error_of(R"({"a/b~c": 1})") ==
              "/a~1b~0c: unknown key (expected server, admin, storage, dialogs, channels, "
              "logging, sending_rules, console, reminders)");
    }

    TEST_CASE("keys of another gateway type are errors") {
        CHECK(error_of(
                  with_channels(R"({"name": "sms", "type": "twilio", "app_secret_env": "X"})")) ==
              "/channels/0/app_secret_env: not used by twilio channels");
        CHECK(error_of(
                  with_channels(R"({"name": "g", "type": "generic_json", "interactive": true})")) ==
              "/channels/0/interactive: not used by generic_json channels");
    }

    TEST_CASE("wrong types and values name the key and what is expected") {
        CHECK(error_of("[]") == "the config must be a JSON object");
        CHECK(error_of(R"({"server": 8080})") == "/server: must be an object");
        CHECK(error_of(R"({"server": {"port": 0}})") ==
              "/server/port: must be a whole number between 1 and 65535");
        CHECK(error_of(R"({"server": {"port": 65536}})") ==
              "/server/port: must be a whole number between 1 and 65535");
        CHECK(error_of(R"({"server": {"port": "8080"}})") ==
              "/server/port: must be a whole number between 1 and 65535");
        CHECK(error_of(R"({"server": {"port": 80.5}})") ==
              "/server/port: must be a whole number between 1 and 65535");
        CHECK(error_of(R"({"server": {"io_threads": -1}})") ==
              "/server/io_threads: must be a whole number between 1 and 64");
        CHECK(error_of(R"({"server": {"body_limit_bytes": 99999999999999999999}})") ==
              "/server/body_limit_bytes: must be a whole number between 1024 and 16777216");
        CHECK(error_of(R"({"server": {"max_connections_per_client": -1}})") ==
              "/server/max_connections_per_client: must be a whole number between 0 and 100000");
        CHECK(error_of(R"({"server": {"listen_address": "localhost"}})") ==
              "/server/listen_address: must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, "
              "not a host name");
        CHECK(error_of(R"({"server": {"listen_address": 127}})") ==
              "/server/listen_address: must be a string");
        const std::string bad_base_url =
            "/server/public_base_url: must be an address such as https://sapa.example.id "
            "(http:// or https://, a host, a port from 1 to 65535 if any; no user, query or "
            "fragment)";
        CHECK(error_of(R"({"server": {"public_base_url": "sapa.example.id"}})") == bad_base_url);
        CHECK(error_of(R"({"storage": {"url_env": "s3cr3t-t0ken!"}})") == env_name_problem);
        CHECK(error_of(R"({"storage": {"synchronous": "OFF"}})") ==
              R"(/storage/synchronous: unknown synchronous mode "OFF" (expected FULL, NORMAL))");
        CHECK(error_of(R"({"storage": {"synchronous": 1}})") ==
              "/storage/synchronous: must be a string: one of FULL, NORMAL");
        CHECK(error_of(R"({"storage": {"database_path": ""}})") ==
              "/storage/database_path: must not be empty");
        CHECK(error_of(R"({"dialogs": {"paths": []}})") ==
              "/dialogs/paths: must be a list of one or more files or folders");
        CHECK(error_of(R"({"dialogs": {"paths": ["a", 2]}})") ==
              "/dialogs/paths/1: must be a string");
        CHECK(error_of(R"({"dialogs": {"session_timeout_minutes": 0}})") ==
              "/dialogs/session_timeout_minutes: must be a whole number between 1 and 10080");
        CHECK(error_of(R"({"logging": {"level": "verbose"}})") ==
              R"(/logging/level: unknown log level "verbose" (expected debug, info, warn, error))");
        CHECK(error_of(R"({"channels": {}})") == "/channels: must be a list");
        CHECK(error_of(R"({"channels": ["sms"]})") == "/channels/0: must be an object");
    }

    TEST_CASE("a secret pasted into an env key is refused without being shown") {
        // Shaped like the real thing: a Meta access token and a Twilio auth token (lowercase
        // hexadecimal starting with a letter) pass a letters-and-digits check.
        const std::string meta_token = "EAAGm0PX4ZCpsBAKZAZAZBZCAbcDeF1234567890xyzZBZC";
        const std::string twilio_token = "ab3f5c0e9d8b7a6f5e4d3c2b1a0f9e8d";
        for (const auto& secret : {meta_token, twilio_token, std::string(65, 'A')}) {
            auto admin = error_of(R"({"storage": {"url_env": ")" + secret + R"("}})");
            CHECK(admin == env_name_problem);
            CHECK(admin.find(secret) == std::string::npos);
            auto channel = error_of(with_channels(
                R"({"name": "sms", "type": "twilio", "script": "lumajang",
                    "number": "+14155550100", "auth_token_env": ")" +
                secret + R"("})"));
            CHECK(
                channel.starts_with("/channels/0/auth_token_env: must be the name of an "
                                    "environment variable"));
            CHECK(channel.find(secret) == std::string::npos);
        }
        CHECK(error_of(R"({"storage": {"url_env": "sapa_admin_token"}})") == env_name_problem);
        CHECK(error_of(R"({"storage": {"url_env": "9_LIVES"}})") == env_name_problem);
        // Names as every config writes them still pass, up to 64 characters.
        CHECK(error_of(R"({"storage": {"url_env": "_SAPA_ADMIN_TOKEN2"}})") == "no error");
        CHECK(error_of(R"({"storage": {"url_env": ")" + std::string(64, 'A') + R"("}})") ==
              "no error");
    }

    TEST_CASE("channel errors") {
        CHECK(error_of(with_channels(R"({"name": "sms", "type": "twillio"})")) ==
              "/channels/0/type: unknown gateway type \"twillio\" (expected twilio, "
              "whatsapp_cloud, generic_json)");
        CHECK(error_of(with_channels(R"({"name": "sms"})")) == "/channels/0/type: required");
        CHECK(error_of(with_channels(R"({"type": "twilio"})")) == "/channels/0/name: required");
        CHECK(error_of(with_channels(R"({"name": "SMS 1", "type": "twilio"})")) ==
              "/channels/0/name: must be 1 to 32 lowercase letters, digits, '-' or '_'");
        CHECK(error_of(with_channels(R"({"name": "sms", "type": "twilio"})")) ==
              "/channels/0/script: required");
        CHECK(error_of(with_channels(
                  R"({"name": "sms", "type": "twilio", "script": "lumajang.json"})")) ==
              "/channels/0/script: must be a dialog script id (letters, digits, '-' and '_')");
        CHECK(
            error_of(with_channels(R"({"name": "sms", "type": "twilio", "script": "lumajang"})")) ==
            "/channels/0/number: required for twilio channels (the Twilio number)");
        CHECK(error_of(with_channels(R"({"name": "sms", "type": "twilio", "script": "lumajang",
                                         "number": "081234567890"})")) ==
              "/channels/0/number: must be \"+\" and 7 to 15 digits (\"whatsapp:+...\" for "
              "WhatsApp), or a short code of 3 to 8 digits");
        CHECK(error_of(with_channels(R"({"name": "sms", "type": "twilio", "script": "lumajang",
                                         "number": "+14155550100"})")) ==
              "/channels/0/auth_token_env: required for twilio channels (the name of the "
              "environment variable holding the Twilio auth token)");
        CHECK(error_of(with_channels(R"({"name": "sms", "type": "twilio", "script": "lumajang",
                                         "number": "+14155550100", "auth_token_env": "X",
                                         "account_sid": "AC123"})")) ==
              "/channels/0/account_sid: must be \"AC\" followed by 32 hexadecimal digits");
        CHECK(error_of(with_channels(R"({"name": "wa", "type": "whatsapp_cloud",
                                         "script": "lumajang"})")) ==
              "/channels/0/phone_number_id: required for whatsapp_cloud channels (the phone "
              "number id from the Meta app dashboard)");
        CHECK(error_of(with_channels(R"({"name": "wa", "type": "whatsapp_cloud",
                                         "script": "lumajang", "phone_number_id": "12-34"})")) ==
              "/channels/0/phone_number_id: must be the digits of the phone number id");
        CHECK(error_of(with_channels(R"({"name": "wa", "type": "whatsapp_cloud",
                                         "script": "lumajang", "phone_number_id": "1234"})")) ==
              "/channels/0/app_secret_env: required for whatsapp_cloud channels (the name of the "
              "environment variable holding the Meta app secret)");
        CHECK(error_of(with_channels(R"({"name": "g", "type": "generic_json",
                                         "script": "lumajang"})")) ==
              "/channels/0/secret_env: required for generic_json channels (the name of the "
              "environment variable holding the shared secret)");
        CHECK(error_of(with_channels(R"({"name": "g", "type": "generic_json",
                                         "script": "lumajang", "secret_env": "G",
                                         "send_rate_per_second": 0})")) ==
              "/channels/0/send_rate_per_second: must be a number between 0.1 and 1000");
        CHECK(error_of(with_channels(R"({"name": "wa", "type": "whatsapp_cloud",
                    "script": "l", "phone_number_id": "1", "app_secret_env": "A",
                    "verify_token_env": "V", "access_token_env": "T", "interactive": "yes"})")) ==
              "/channels/0/interactive: must be true or false");
        CHECK(error_of(with_channels(R"({"name": "wa", "type": "whatsapp_cloud",
                    "script": "l", "phone_number_id": "1", "app_secret_env": "A",
                    "verify_token_env": "V", "access_token_env": "T",
                    "api_base_url": "graph.facebook.com"})")) ==
              "/channels/0/api_base_url: must be an address such as "
              "https://graph.facebook.com/v25.0 (http:// or https://, a host, a port from 1 to "
              "65535 if any; no user, query or fragment)");
        CHECK(error_of(with_channels(R"({"name": "g", "type": "generic_json", "script": "l",
                    "secret_env": "G", "api_base_url": "bridge.example.id/send"})")) ==
              "/channels/0/api_base_url: must be empty or the URL outbound messages are sent to, "
              "such as https://bridge.example.id/send");
    }

    TEST_CASE("a generic_json send URL is kept exactly") {
        auto c = parse_config(with_channels(R"({"name": "g", "type": "generic_json",
            "script": "l", "secret_env": "G",
            "api_base_url": "https://bridge.example.id/send/?box=2"})"),
                              base);
        CHECK(c.channels.at(0).api_base_url == "https://bridge.example.id/send/?box=2");
    }

    TEST_CASE("twilio numbers: SMS, WhatsApp and short codes") {
        for (const char* number : {"+6281234567890", "whatsapp:+14155238886", "384387"}) {
            auto text = with_channels(R"({"name": "t", "type": "twilio", "script": "s",
                "auth_token_env": "X", "number": ")" +
                                      std::string(number) + "\"}");
            CHECK(parse_config(text, base).channels.at(0).number == number);
        }
    }

    TEST_CASE("channel names, Twilio numbers and phone number ids are unique") {
        CHECK(error_of(
                  with_channels(twilio_channel + ", " + cloud_channel + ", " + twilio_channel)) ==
              R"(/channels/2/name: "sms" is already the name of /channels/0)");
        auto second_sms = R"({"name": "sms2", "type": "twilio", "script": "lumajang",
                              "number": "+14155550100", "auth_token_env": "TWILIO_AUTH_TOKEN"})";
        CHECK(error_of(with_channels(twilio_channel + ", " + second_sms)) ==
              R"(/channels/1/number: "+14155550100" is already the number of /channels/0)");
        auto second_wa = R"({"name": "wa2", "type": "whatsapp_cloud", "script": "lumajang",
            "phone_number_id": "1234567890", "app_secret_env": "A",
            "verify_token_env": "V", "access_token_env": "T"})";
        CHECK(error_of(with_channels(cloud_channel + ", " + second_wa)) ==
              "/channels/1/phone_number_id: \"1234567890\" is already the phone_number_id of "
              "/channels/0");
    }

    TEST_CASE("load_config puts the file name in front of the message") {
        temp_file syntax("{\n  \"server\": {\"port\": 8080,}\n}");
        auto syntax_message = syntax.path.string() +
                              ":2:27: invalid JSON: syntax error while parsing object key - "
                              "unexpected '}'; expected string literal";
        CHECK_THROWS_WITH_AS(load_config(syntax.path), syntax_message.c_str(), config_error);
        temp_file key(R"({"server": {"port": 0}})");
        auto key_message =
            key.path.string() + ": /server/port: must be a whole number between 1 and 65535";
        CHECK_THROWS_WITH_AS(load_config(key.path), key_message.c_str(), config_error);
        auto missing = fs::temp_directory_path() / "sapa-config-test-missing.json";
        auto missing_message = missing.string() + ": cannot read the config file (no such file)";
        CHECK_THROWS_WITH_AS(load_config(missing), missing_message.c_str(), config_error);
    }

    TEST_CASE("sending_rules: quiet hours, zone and caps are read, defaults otherwise") {
        auto defaults = parse_config("{}", base).sending_rules;
        CHECK(defaults.time_zone == "Asia/Jakarta");
        CHECK(defaults.utc_offset_minutes == 420);
        REQUIRE(defaults.quiet_hours.size() == 2);
        CHECK(defaults.quiet_hours[0].from_minute == 21 * 60);
        CHECK(defaults.quiet_hours[0].until_minute == 7 * 60);
        CHECK(defaults.quiet_hours[1].weekdays == std::vector<int>{5});

        auto c = parse_config(R"({"sending_rules": {"time_zone": "Asia/Makassar",
            "quiet_hours": [{"from": "22:00", "until": "06:30"},
                            {"days": ["Friday", "sunday"], "from": "11:45", "until": "13:15"}],
            "daily_segment_cap": 12, "loop_within_seconds": 3, "loop_times_in_a_row": 4}})",
                              base)
                     .sending_rules;
        CHECK(c.utc_offset_minutes == 480);
        REQUIRE(c.quiet_hours.size() == 2);
        CHECK(c.quiet_hours[0].until_minute == 6 * 60 + 30);
        CHECK(c.quiet_hours[1].weekdays == std::vector<int>{5, 0});
        CHECK(c.daily_segment_cap == 12);
        CHECK(c.loop_within_seconds == 3);
        CHECK(c.loop_times_in_a_row == 4);
        CHECK(parse_config(R"({"sending_rules": {"quiet_hours": []}})", base)
                  .sending_rules.quiet_hours.empty());
    }

    TEST_CASE("sending_rules: errors name the field") {
        CHECK(error_of(R"({"sending_rules": {"time_zone": "Asia/Singapore"}})") ==
              "/sending_rules/time_zone: unknown time zone \"Asia/Singapore\" (expected one of "
              "Asia/Jakarta, Asia/Pontianak, Asia/Makassar, Asia/Jayapura, WIB, WITA, WIT)");
        CHECK(
            error_of(R"({"sending_rules": {"quiet_hours": [{"from": "21:00", "until": "7"}]}})") ==
            "/sending_rules/quiet_hours/0/until: must be a time of day as \"HH:MM\", from "
            "\"00:00\" to \"23:59\"");
        CHECK(
            error_of(R"({"sending_rules": {"quiet_hours": [{"from": "24:00", "until": "07:00"}]}})")
                .starts_with("/sending_rules/quiet_hours/0/from: must be a time of day"));
        CHECK(
            error_of(R"({"sending_rules": {"quiet_hours": [{"from": "07:00", "until": "07:00"}]}})")
                .starts_with("/sending_rules/quiet_hours/0/until: must differ"));
        CHECK(error_of(R"({"sending_rules": {"quiet_hours": [{"from": "07:00"}]}})") ==
              "/sending_rules/quiet_hours/0/until: required");
        CHECK(error_of(R"({"sending_rules": {"quiet_hours": [{"days": ["jumat"], "from": "11:30",
              "until": "13:00"}]}})")
                  .starts_with("/sending_rules/quiet_hours/0/days/0: unknown day \"jumat\""));
        CHECK(error_of(R"({"sending_rules": {"daily_segment_cap": -1}})")
                  .starts_with("/sending_rules/daily_segment_cap: must be a whole number"));
        CHECK(error_of(R"({"sending_rules": {"loop_times_in_a_row": 1}})")
                  .starts_with("/sending_rules/loop_times_in_a_row: must be 0"));
        CHECK(error_of(R"({"sending_rules": {"quiet": []}})")
                  .starts_with("/sending_rules/quiet: unknown key"));
    }

    TEST_CASE("load_config resolves paths against the config file's folder") {
        temp_file file(R"({"storage": {"database_path": "db/sapa.db"}})");
        auto c = load_config(file.path);
        CHECK(c.storage.database_path == file.path.parent_path() / "db/sapa.db");
        CHECK(c.dialogs.paths.at(0) == (file.path.parent_path() / "../dialogs").lexically_normal());
    }

    TEST_CASE("config/sapa.json loads: the Lumajang channels") {
        auto c = load_config(source_dir / "config/sapa.json");
        CHECK(c.server.listen_address == "127.0.0.1");
        CHECK(c.server.port == 8080);
        CHECK(c.storage.database_path == (source_dir / "var/sapa.db").lexically_normal());
        CHECK(c.dialogs.paths ==
              std::vector<fs::path>{(source_dir / "dialogs").lexically_normal()});
        REQUIRE(c.channels.size() == 4);
        CHECK(c.channels[0].name == "sms");
        CHECK(c.channels[0].type == gateway_type::twilio);
        CHECK(c.channels[1].name == "wa-twilio");
        CHECK(c.channels[1].type == gateway_type::twilio);
        CHECK(c.channels[1].number.starts_with("whatsapp:+"));
        CHECK(c.channels[2].name == "wa");
        CHECK(c.channels[2].type == gateway_type::whatsapp_cloud);
        CHECK(c.channels[2].interactive);
        CHECK(c.channels[3].name == "generic");
        CHECK(c.channels[3].type == gateway_type::generic_json);
        for (const auto& channel : c.channels)
            CHECK(channel.script == "lumajang");
        CHECK(c.sending_rules.utc_offset_minutes == 420);
        CHECK(c.sending_rules.quiet_hours.size() == 2);
        CHECK(c.sending_rules.daily_segment_cap == 40);
        CHECK(c.sending_rules.loop_times_in_a_row == 8);
    }

    TEST_CASE("docker/sapa.json loads: listens on all addresses, data on the volume") {
        auto c = load_config(source_dir / "docker/sapa.json");
        CHECK(c.server.listen_address == "0.0.0.0");
        CHECK(c.server.port == 8080);
        CHECK(c.storage.database_path == "/var/lib/sapa/sapa.db");
        CHECK(c.dialogs.paths == std::vector<fs::path>{"/usr/share/sapa/dialogs"});
        auto local = load_config(source_dir / "config/sapa.json");
        REQUIRE(c.channels.size() == local.channels.size());
        for (std::size_t i = 0; i < c.channels.size(); ++i)
            CHECK(c.channels[i].name == local.channels[i].name);
    }

    TEST_CASE("secret() reads the environment, unset and empty are both missing") {
        ::setenv("SAPA_TEST_SECRET", "hunter2", 1);
        CHECK(secret("SAPA_TEST_SECRET") == "hunter2");
        ::setenv("SAPA_TEST_SECRET", "", 1);
        CHECK_FALSE(secret("SAPA_TEST_SECRET"));
        ::unsetenv("SAPA_TEST_SECRET");
        CHECK_FALSE(secret("SAPA_TEST_SECRET"));
    }

    TEST_CASE("missing_secrets lists each unset secret of each channel") {
        auto c = parse_config(R"({"server": {"public_base_url": "https://sapa.example.id"},
            "channels": [
            {"name": "sms", "type": "twilio", "script": "s", "number": "+14155550100",
             "auth_token_env": "SAPA_TEST_TWILIO"},
            {"name": "wa", "type": "whatsapp_cloud", "script": "s", "phone_number_id": "1",
             "app_secret_env": "SAPA_TEST_APP", "verify_token_env": "SAPA_TEST_VERIFY",
             "access_token_env": "SAPA_TEST_ACCESS"},
            {"name": "g", "type": "generic_json", "script": "s", "secret_env": "SAPA_TEST_G"}]})",
                              base);
        ::setenv("SAPA_TEST_TWILIO", "x", 1);
        ::setenv("SAPA_TEST_VERIFY", "x", 1);
        ::unsetenv("SAPA_TEST_APP");
        ::unsetenv("SAPA_TEST_ACCESS");
        ::unsetenv("SAPA_TEST_G");
        CHECK(missing_secrets(c) ==
              std::vector<std::string>{
                  R"(channel "wa": SAPA_TEST_APP is not set (app_secret_env))",
                  R"(channel "wa": SAPA_TEST_ACCESS is not set (access_token_env))",
                  R"(channel "g": SAPA_TEST_G is not set (secret_env))",
              });
        ::unsetenv("SAPA_TEST_TWILIO");
        ::unsetenv("SAPA_TEST_VERIFY");
    }
}
