// End to end: the JSON API (/api/v1) of a running `sapa serve` over a real socket: bearer
// tokens and roles, paged lists with filters, NIKs masked for viewers, staff actions (request
// done, cancel with waitlist promotion) and publishing scripts (checked first).

#include "cli/commands.hpp"
#include "support/running_sapa.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <sstream>

using namespace sapa::testing;

namespace {

// Script "n": DAFTAR asks a NIK and registers for course "K" (one seat); `menu` is the menu's
// text.
std::string nik_script(const std::string& menu = "Menu. Ketik DAFTAR.") {
    return R"({"id": "n", "version": 1, "languages": ["id"], "start": "menu",
  "settings": {"kapasitas": {"value": 1, "description": "seats"}},
  "keywords": [{"words": {"id": ["DAFTAR"]}, "goto": "tanya_nik"}],
  "nodes": {
    "menu": {"say": {"id": ")" +
           menu + R"("}, "actions": [{"type": "end"}]},
    "tanya_nik": {"say": {"id": "NIK Anda?"}, "ask": {"type": "nik", "save": "nik"},
                  "next": "daftar"},
    "daftar": {"actions": [{"type": "register", "course": "K", "code_prefix": "K",
                            "capacity": "settings.kapasitas", "fields": ["nik"]}],
               "branch": [{"if": "registration.status == \"waitlisted\"", "goto": "tunggu"}],
               "next": "terdaftar"},
    "terdaftar": {"say": {"id": "Terdaftar {{registration.code}}"}, "actions": [{"type": "end"}]},
    "tunggu": {"say": {"id": "Daftar tunggu nomor {{registration.position}}"},
               "actions": [{"type": "end"}]}
  }})";
}

std::string new_token(const std::string& config, const std::string& name, const std::string& role) {
    std::istringstream in;
    std::ostringstream out, err;
    REQUIRE(sapa::cli::run({"token", "create", name, "--role", role, "--config", config},
                           {in, out, err}) == 0);
    auto token = out.str();
    while (!token.empty() && token.back() == '\n')
        token.pop_back();
    return token;
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE("the JSON API answers by token role, pages its lists and publishes scripts") {
        sapa_options o;
        o.channels = {channel::sms};
        o.sms_script = "n";
        o.extra_dialogs = {{"n.json", nik_script()}};
        running_sapa sapa(o);
        const auto config = (sapa.dir.path() / "sapa.json").string();
        int sid = 0;
        auto say = [&](const std::string& from, const std::string& text) {
            auto r = sapa.twilio(from, text, "SMapi" + std::to_string(++sid));
            REQUIRE(r.status == 200);
            return r.body;
        };
        const std::string ani = "+6281234500401", budi = "+6281234500402", citra = "+6281234500403";
        say(ani, "DAFTAR");
        CHECK(contains(say(ani, "3508010101900001"), "Terdaftar K-0001"));
        say(budi, "DAFTAR");
        CHECK(contains(say(budi, "3508010101900002"), "Daftar tunggu nomor 1"));
        say(citra, "DAFTAR");
        CHECK(contains(say(citra, "3508010101900003"), "Daftar tunggu nomor 2"));

        const auto viewer = new_token(config, "dash", "viewer");
        const auto staff = new_token(config, "desk", "staff");
        const auto admin = new_token(config, "ops", "admin");
        CHECK(viewer.starts_with("sapa_"));
        CHECK(viewer.size() == 5 + 64);
        auto call = [&](const std::string& method,
                        const std::string& target,
                        const std::string& token,
                        const std::string& body = {}) {
            test_request r{method, target, {}, body};
            if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
            if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
            auto answer = http_call(sapa.port, r);
            INFO(method << " " << target << " -> " << answer.status << " " << answer.body);
            return std::make_pair(answer.status, json::parse(answer.body, nullptr, false));
        };

        // No token, an unknown one, a role too low.
        auto [status, body] = call("GET", "/api/v1/registrations", "");
        CHECK(status == 401);
        CHECK(body["error"].is_string());
        CHECK(call("GET", "/api/v1/registrations", "sapa_" + std::string(64, '0')).first == 401);
        CHECK(call("GET", "/api/v1/registrations", "not-a-token").first == 401);
        std::tie(status, body) =
            call("POST", "/api/v1/registrations/K-0001/cancel?course=K", viewer);
        CHECK(status == 403);
        CHECK(contains(body["error"].get<std::string>(), "staff"));

        // Viewers never see a full NIK; staff do.
        std::tie(status, body) = call("GET", "/api/v1/registrations?course=K", viewer);
        REQUIRE(status == 200);
        REQUIRE(body["items"].size() == 3);
        CHECK(body["items"][0]["code"] == "K-0001");
        CHECK(body["items"][0]["nik"] == "************0001");
        CHECK(body["next"].is_null());
        std::tie(status, body) = call("GET", "/api/v1/registrations?course=K", staff);
        CHECK(body["items"][0]["nik"] == "3508010101900001");

        // Pages: keyset cursors, filters.
        std::tie(status, body) = call("GET", "/api/v1/registrations?limit=2", viewer);
        REQUIRE(body["items"].size() == 2);
        REQUIRE(body["next"].is_string());
        std::tie(status, body) =
            call("GET",
                 "/api/v1/registrations?limit=2&after=" + body["next"].get<std::string>(),
                 viewer);
        REQUIRE(body["items"].size() == 1);
        CHECK(body["items"][0]["code"] == "K-0003");
        CHECK(body["next"].is_null());
        std::tie(status, body) = call("GET", "/api/v1/registrations?status=waitlisted", viewer);
        CHECK(body["items"].size() == 2);
        CHECK(call("GET", "/api/v1/registrations?status=maybe", viewer).first == 400);
        CHECK(call("GET", "/api/v1/registrations?limit=0", viewer).first == 400);
        CHECK(call("GET", "/api/v1/registrations?colour=red", viewer).first == 400);
        std::tie(status, body) = call("GET", "/api/v1/contacts?limit=2", viewer);
        REQUIRE(status == 200);
        CHECK(body["items"].size() == 2);
        CHECK(body["items"][0]["contact"] == ani);
        std::tie(status, body) = call("GET", "/api/v1/contacts?language=en", viewer);
        CHECK(body["items"].empty());
        std::tie(status, body) = call("GET", "/api/v1/requests?status=open", viewer);
        CHECK(status == 200);
        CHECK(body["items"].empty());
        CHECK(call("POST", "/api/v1/requests/99/done", staff).first == 404);

        // Staff cancel: the waitlist moves up.
        std::tie(status, body) =
            call("POST", "/api/v1/registrations/K-0001/cancel?course=K", staff);
        REQUIRE(status == 200);
        CHECK(body["status"] == "cancelled");
        REQUIRE(body["promoted"].size() == 1);
        CHECK(body["promoted"][0]["code"] == "K-0002");
        CHECK(body["promoted"][0]["contact"] == budi);
        CHECK(call("POST", "/api/v1/registrations/K-0099/cancel?course=K", staff).first == 404);
        std::tie(status, body) = call("GET", "/api/v1/registrations?status=registered", viewer);
        REQUIRE(body["items"].size() == 1);
        CHECK(body["items"][0]["code"] == "K-0002");

        // Staff confirm, mark attended, promote; nonsense is refused (409).
        std::tie(status, body) =
            call("POST", "/api/v1/registrations/K-0002/confirm?course=K", staff);
        REQUIRE(status == 200);
        CHECK(body["status"] == "confirmed");
        CHECK(body["changed"] == true);
        CHECK(call("POST", "/api/v1/registrations/K-0002/confirm?course=K", viewer).first == 403);
        std::tie(status, body) =
            call("POST", "/api/v1/registrations/K-0003/attended?course=K", staff);
        CHECK(status == 409);
        CHECK(contains(body["error"].get<std::string>(), "waitlist"));
        std::tie(status, body) =
            call("POST", "/api/v1/registrations/K-0003/promote", staff, R"({"course": "K"})");
        REQUIRE(status == 200);
        CHECK(body["status"] == "registered");
        CHECK(body["position"] == 2);  // staff may add a seat to a full course
        CHECK(body["told_on"].is_string());
        std::tie(status, body) =
            call("POST", "/api/v1/registrations/K-0002/attended?course=K", staff);
        CHECK(body["status"] == "attended");
        CHECK(call("POST", "/api/v1/registrations/K-0099/promote?course=K", staff).first == 404);
        std::tie(status, body) = call("GET", "/api/v1/registrations?status=attended", viewer);
        REQUIRE(body["items"].size() == 1);
        CHECK(body["items"][0]["code"] == "K-0002");

        // Scripts: listed; a broken candidate is refused with the checker's messages; a good
        // one goes live. Only admins publish.
        std::tie(status, body) = call("GET", "/api/v1/scripts", viewer);
        REQUIRE(status == 200);
        REQUIRE(body["items"].size() == 1);
        CHECK(body["items"][0]["live"] == true);
        json broken = {{"files", {{{"name", "n.json"}, {"text", R"({"id": "n", "nodes": {}})"}}}}};
        CHECK(call("POST", "/api/v1/scripts", staff, broken.dump()).first == 403);
        std::tie(status, body) = call("POST", "/api/v1/scripts", admin, broken.dump());
        CHECK(status == 422);
        CHECK_FALSE(body["problems"].empty());
        CHECK(contains(say("+6281234500404", "halo"), "Menu. Ketik DAFTAR."));
        json good = {{"files", {{{"name", "n.json"}, {"text", nik_script("Menu versi API.")}}}},
                     {"note", "new menu"}};
        std::tie(status, body) = call("POST", "/api/v1/scripts", admin, good.dump());
        CHECK(status == 201);
        CHECK(body["version"] == 2);
        CHECK(contains(say("+6281234500405", "halo"), "Menu versi API."));
        std::tie(status, body) = call("GET", "/api/v1/scripts", viewer);
        REQUIRE(body["items"].size() == 2);
        CHECK(body["items"][0]["published_by"] == "token ops");
        CHECK(body["items"][0]["note"] == "api: new menu");

        // A revoked token stops working.
        std::istringstream in;
        std::ostringstream out, err;
        REQUIRE(sapa::cli::run({"token", "revoke", "dash", "--config", config}, {in, out, err}) ==
                0);
        CHECK(wait_until([&] { return call("GET", "/api/v1/scripts", viewer).first == 401; }));
        std::ostringstream listed;
        REQUIRE(sapa::cli::run({"token", "list", "--config", config}, {in, listed, err}) == 0);
        CHECK(contains(listed.str(), "desk  staff"));
        CHECK_FALSE(contains(listed.str(), "dash"));
        CHECK_FALSE(contains(listed.str(), staff));  // never the token itself

        // What tokens changed is in the console's audit log, under the token's name.
        SQLite::Database db(sapa.db.string(), SQLite::OPEN_READONLY);
        auto has = [&](const std::string& who, const std::string& action) {
            SQLite::Statement q(db,
                                "SELECT count(*) FROM audit_log WHERE staff = ? AND action = ?");
            q.bind(1, who);
            q.bind(2, action);
            return q.executeStep() && q.getColumn(0).getInt() > 0;
        };
        CHECK(has("token desk", "cancel_registration"));
        CHECK(has("token desk", "promote_registration"));
        CHECK(has("token ops", "publish_scripts"));
    }
}
