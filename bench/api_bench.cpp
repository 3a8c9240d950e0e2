// The JSON API's lists and the console's pages on a big SQLite database: 1,000,000 contacts
// (one message each), 100,000 registrations over 100 courses, 10,000 residents' requests,
// and for the console's overview 100,000 messages sent in the last 13 days with their funnel
// events. Runs the real `sapa serve` on it and times each list's first page and a deep page
// (keyset cursors), with and without filters, as a viewer (NIKs masked). Then checks that the lists
// do not hold up the writer: /readyz (an empty unit of work through the writer, committed) idle and
// while two clients read deep pages without a pause.
//
//   api_bench [DB]     DB: the database to fill (kept; filled only when missing)
//
// Target (bench/README.md, "JSON API lists"): every page within 200 ms.

#include "app/api_tokens.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/http_test_client.hpp"
#include "support/sapa_process.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace sapa;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr long contacts = 1'000'000;
constexpr long registrations = 100'000;
constexpr long requests = 10'000;

void fill(const std::string& path) {
    auto started = clock_type::now();
    storage::sqlite_store::open(path).reset();  // schema at the latest version
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA synchronous = OFF");
    db.exec("PRAGMA cache_size = -65536");
    db.exec("BEGIN");
    SQLite::Statement contact(db,
                              "INSERT INTO contacts (id, address, language, fields, first_seen, "
                              "last_seen) VALUES (?, ?, ?, ?, ?, ?)");
    SQLite::Statement message(db,
                              "INSERT INTO messages (id, contact_id, direction, channel, "
                              "gateway_message_id, text, status, created_at, status_at) VALUES "
                              "(?, ?, 'in', 'sms', ?, 'halo', 'received', ?, ?)");
    SQLite::Statement group(
        db, "INSERT INTO contact_groups (group_name, contact_id) VALUES ('desa-a', ?)");
    const std::int64_t then = 1'700'000'000;
    const char* kecamatan[] = {"Tempursari", "Pronojiwo", "Candipuro", "Pasirian", "Tempeh"};
    for (long i = 1; i <= contacts; ++i) {
        char address[32], nik[32], sid[40];
        std::snprintf(address, sizeof address, "+62813%08ld", i);
        std::snprintf(nik, sizeof nik, "3508%012ld", i);
        std::snprintf(sid, sizeof sid, "SMapibench%024ld", i);
        nlohmann::json fields = {
            {"nama", "Warga " + std::to_string(i)}, {"nik", nik}, {"kecamatan", kecamatan[i % 5]}};
        contact.bind(1, static_cast<std::int64_t>(i));
        contact.bind(2, address);
        contact.bind(3, i % 10 == 0 ? "en" : "id");
        contact.bind(4, fields.dump());
        contact.bind(5, then + i);
        contact.bind(6, then + i);
        contact.exec();
        contact.reset();
        message.bind(1, static_cast<std::int64_t>(i));
        message.bind(2, static_cast<std::int64_t>(i));
        message.bind(3, sid);
        message.bind(4, then + i);
        message.bind(5, then + i);
        message.exec();
        message.reset();
        if (i % 10 == 3) {
            group.bind(1, static_cast<std::int64_t>(i));
            group.exec();
            group.reset();
        }
    }
    SQLite::Statement reg(db,
                          "INSERT INTO registrations (contact_id, course, code, status, fields, "
                          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (long i = 0; i < registrations; ++i) {
        const long contact_id = i * 10 + 1;
        char course[16], code[32], nik[32];
        std::snprintf(course, sizeof course, "C%03ld", i % 100);
        std::snprintf(code, sizeof code, "C%03ld-%04ld", i % 100, i / 100 + 1);
        std::snprintf(nik, sizeof nik, "3508%012ld", contact_id);
        const long seat = i / 100;
        reg.bind(1, static_cast<std::int64_t>(contact_id));
        reg.bind(2, course);
        reg.bind(3, code);
        reg.bind(4, seat % 17 == 5 ? "cancelled" : seat < 600 ? "registered" : "waitlisted");
        reg.bind(5, nlohmann::json{{"nama", "Warga"}, {"nik", nik}}.dump());
        reg.bind(6, then + contacts + i);
        reg.bind(7, then + contacts + i);
        reg.exec();
        reg.reset();
    }
    db.exec(
        "INSERT INTO course_counters (course, issued) SELECT course, count(*) FROM registrations "
        "GROUP BY course");
    SQLite::Statement event(db,
                            "INSERT INTO events (message_id, contact_id, kind, node, detail, "
                            "created_at) VALUES (?, ?, 'handoff_requested', 'lumajang/petugas', "
                            "'tolong telepon saya', ?)");
    for (long i = 0; i < requests; ++i) {
        const long contact_id = i * 100 + 7;
        event.bind(1, static_cast<std::int64_t>(contact_id));
        event.bind(2, static_cast<std::int64_t>(contact_id));
        event.bind(3, then + contact_id);
        event.exec();
        event.reset();
    }
    db.exec("COMMIT");
    db.exec("ANALYZE");
    std::cout << "filled " << path << " in "
              << std::chrono::duration<double>(clock_type::now() - started).count() << " s\n";
}

// The overview's period: a campaign over the last 13 days to a tenth of the contacts (one
// message each, a quarter on WhatsApp, some failed), with the funnel's events: three in five
// read a warning, one in five starts to sign up, one in twenty registers. Added once (to a
// database filled before too), dated from when it is added.
constexpr long reached = 100'000;

void fill_recent(const std::string& path) {
    storage::sqlite_store::open(path).reset();  // schema at the latest version
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    if (db.execAndGet("SELECT count(*) FROM events WHERE kind = 'node_entered'").getInt64() > 0)
        return;
    auto started = clock_type::now();
    db.exec("PRAGMA synchronous = OFF");
    db.exec("BEGIN");
    SQLite::Statement message(
        db,
        "INSERT INTO messages (contact_id, direction, channel, text, status, status_reason, "
        "created_at, status_at) VALUES (?, 'out', ?, 'Hati-hati calo', ?, ?, ?, ?)");
    SQLite::Statement event(db,
                            "INSERT INTO events (message_id, contact_id, kind, node, created_at) "
                            "VALUES (?, ?, ?, ?, ?)");
    const std::int64_t now = std::time(nullptr), from = now - 13 * 86400;
    for (long i = 0; i < reached; ++i) {
        const std::int64_t contact_id = i * 10 + 1 + i % 7, at = from + i * (13 * 86400) / reached;
        message.bind(1, contact_id);
        message.bind(2, i % 4 == 0 ? "wa" : "sms");
        message.bind(3, i % 50 == 0 ? "failed" : i % 3 == 0 ? "sent" : "delivered");
        if (i % 50 == 0)
            message.bind(4, i % 100 == 0 ? "unreachable" : "not on WhatsApp");
        else
            message.bind(4);
        message.bind(5, at);
        message.bind(6, at);
        message.exec();
        message.reset();
        const auto message_id = db.getLastInsertRowid();
        auto add = [&](const char* kind, const char* node) {
            event.bind(1, message_id);
            event.bind(2, contact_id);
            event.bind(3, kind);
            event.bind(4, node);
            event.bind(5, at + 60);
            event.exec();
            event.reset();
        };
        if (i % 5 < 3) add("node_entered", "lumajang/ilegal_1");
        if (i % 5 == 0) add("node_entered", "lumajang/daftar");
        if (i % 20 == 0) add("registration_completed", "lumajang/daftar");
        if (i % 5 == 4) add("node_entered", "lumajang/menu");
    }
    db.exec("COMMIT");
    db.exec("ANALYZE");
    std::cout << "added the overview's period to " << path << " in "
              << std::chrono::duration<double>(clock_type::now() - started).count() << " s\n";
}

struct timing {
    double median_ms = 0, max_ms = 0;
    std::size_t items = 0;
};

// `header` authenticates: the API's bearer token or the console's session cookie.
timing time_get(unsigned short port,
                const std::pair<std::string, std::string>& header,
                const std::string& target,
                int runs) {
    std::vector<double> ms;
    timing t;
    for (int i = 0; i < runs + 1; ++i) {  // the first warms the cache
        testing::test_request r{"GET", target, {header}, {}};
        auto start = clock_type::now();
        auto answer = testing::http_call(port, r, std::chrono::seconds(30));
        double took = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
        if (answer.status != 200) {
            std::cerr << target << ": " << answer.status << " " << answer.body << "\n";
            std::exit(1);
        }
        if (i == 0) {
            if (auto body = nlohmann::json::parse(answer.body, nullptr, false); body.is_object())
                t.items = body["items"].size();
            else  // a console page: its table rows
                for (auto at = answer.body.find("<tr"); at != std::string::npos;
                     at = answer.body.find("<tr", at + 1))
                    ++t.items;
            continue;
        }
        ms.push_back(took);
    }
    std::sort(ms.begin(), ms.end());
    t.median_ms = ms[ms.size() / 2];
    t.max_ms = ms.back();
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path db =
        argc > 1 ? argv[1] : std::filesystem::temp_directory_path() / "sapa-api-bench.db";
    if (!std::filesystem::exists(db)) fill(db.string());
    fill_recent(db.string());
    std::string token;
    const std::string session = app::random_secret();
    {
        auto store = storage::sqlite_store::open(db.string());
        store->revoke_api_token("bench");
        token = *app::create_api_token(*store, "bench", app::staff_role::viewer, 1);
        // A signed-in console viewer, made directly in the store (no Argon2id wait).
        store->add_staff({0, "bench", "not a password hash", "viewer", 1});
        auto account = store->find_staff("bench");
        store->end_staff_session(app::hash_token(session));
        const auto now = static_cast<messaging::unix_seconds>(std::time(nullptr));
        store->add_staff_session({app::hash_token(session), account->id, "csrf", now, now});
    }
    {
        // The overview's kept days (storage/sqlite/sqlite_overview.cpp) go: its first request
        // below counts every day of the period and keeps them.
        SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
        raw.exec("DELETE FROM rollup_days");
    }
    testing::temp_dir dir;
    const auto port = testing::free_port();
    nlohmann::json config = {
        {"server", {{"listen_address", "127.0.0.1"}, {"port", port}, {"io_threads", 2}}},
        {"storage", {{"database_path", std::filesystem::absolute(db).string()}}},
        {"dialogs", {{"paths", {std::string(SAPA_SOURCE_DIR) + "/dialogs"}}}},
        {"channels", nlohmann::json::array()},
        {"logging", {{"level", "warn"}}}};
    std::ofstream(dir.path() / "sapa.json") << config.dump(2);
    testing::sapa_process sapa(dir.path() / "sapa.json", {}, port, dir.path() / "sapa.log");

    // The overview's first request, no day kept yet (it marks, counts and keeps them: two
    // small units of work on the writer), with /readyz asked meanwhile, without a pause.
    {
        std::atomic<bool> done{false};
        std::vector<double> ready_ms;
        std::thread probe([&] {
            while (!done) {
                auto start = clock_type::now();
                testing::http_call(port, {"GET", "/readyz", {}, {}});
                ready_ms.push_back(
                    std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
            }
        });
        auto start = clock_type::now();
        auto r = testing::http_call(
            port, {"GET", "/console/overview", {{"Cookie", "sapa_session=" + session}}, {}});
        const double first_ms =
            std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
        done = true;
        probe.join();
        std::sort(ready_ms.begin(), ready_ms.end());
        std::printf(
            "console: overview (14 days), first request, no day kept: %.2f ms (status %d); "
            "/readyz meanwhile: %zu calls, median %.2f ms, max %.2f ms\n",
            first_ms,
            r.status,
            ready_ms.size(),
            ready_ms.empty() ? 0.0 : ready_ms[ready_ms.size() / 2],
            ready_ms.empty() ? 0.0 : ready_ms.back());
    }

    const std::vector<std::pair<std::string, std::string>> cases = {
        {"registrations, first page", "/api/v1/registrations"},
        {"registrations, deep page", "/api/v1/registrations?after=99900"},
        {"registrations, course, first page", "/api/v1/registrations?course=C042"},
        {"registrations, course, deep page", "/api/v1/registrations?course=C042&after=99000"},
        {"registrations, waitlisted, deep page",
         "/api/v1/registrations?status=waitlisted&after=99000"},
        {"contacts, first page", "/api/v1/contacts"},
        {"contacts, deep page", "/api/v1/contacts?after=999900"},
        {"contacts, language=en, deep page", "/api/v1/contacts?language=en&after=990000"},
        {"contacts, group, deep page", "/api/v1/contacts?group=desa-a&after=990000"},
        {"contacts, course, first page", "/api/v1/contacts?course=C042"},
        {"contacts, course, deep page", "/api/v1/contacts?course=C042&after=990000"},
        {"requests, first page", "/api/v1/requests"},
        {"requests, deep page", "/api/v1/requests?after=9900"},
        {"requests, open, deep page", "/api/v1/requests?status=open&after=9900"},
        {"registrations, 500 a page, deep", "/api/v1/registrations?limit=500&after=99000"},
    };
    std::printf(
        "%-42s %6s %10s %10s\n", "list (50 a page unless said)", "items", "median ms", "max ms");
    bool all_within = true;
    for (const auto& [name, target] : cases) {
        auto t = time_get(port, {"Authorization", "Bearer " + token}, target, 20);
        all_within = all_within && t.max_ms <= 200;
        std::printf("%-42s %6zu %10.2f %10.2f\n", name.c_str(), t.items, t.median_ms, t.max_ms);
    }

    // The console's pages, as a signed-in viewer (server-rendered HTML; rows counted).
    const std::vector<std::pair<std::string, std::string>> pages = {
        {"console: inbox, first page", "/console/inbox"},
        {"console: inbox, open only", "/console/inbox?status=open"},
        {"console: inbox, deep page", "/console/inbox?before=100"},
        {"console: inbox, open only, deep page", "/console/inbox?status=open&before=100"},
        {"console: registrations, first page", "/console/registrations"},
        {"console: registrations, deep page", "/console/registrations?before=1000"},
        {"console: registrations, newer page", "/console/registrations?after=50000"},
        {"console: registrations, course", "/console/registrations?course=C042"},
        {"console: registrations, course, deep", "/console/registrations?course=C042&before=2000"},
        {"console: registrations, waitlisted, deep",
         "/console/registrations?status=waitlisted&before=90000"},
        {"console: registrations, search, no match", "/console/registrations?q=Warga+500"},
        {"console: registrations, search, a code", "/console/registrations?q=C042-050"},
        {"console: registrations, search, all match", "/console/registrations?q=warga"},
        {"console: registrations, search, course", "/console/registrations?course=C042&q=C042-00"},
        {"console: one contact's conversation", "/console/conversation?contact=%2B6281300500000"},
        {"console: overview (14 days)", "/console/overview"},
        {"console: overview, 7 days", "/console/overview?days=7"},
    };
    for (const auto& [name, target] : pages) {
        auto t = time_get(port, {"Cookie", "sapa_session=" + session}, target, 20);
        all_within = all_within && t.max_ms <= 200;
        std::printf("%-42s %6zu %10.2f %10.2f\n", name.c_str(), t.items, t.median_ms, t.max_ms);
    }

    // The writer while lists are read: /readyz commits an empty unit of work.
    auto readyz = [&](int n) {
        std::vector<double> ms;
        for (int i = 0; i < n; ++i) {
            auto start = clock_type::now();
            testing::http_call(port, {"GET", "/readyz", {}, {}});
            ms.push_back(
                std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
        }
        std::sort(ms.begin(), ms.end());
        return std::pair{ms[ms.size() / 2], ms.back()};
    };
    auto idle = readyz(100);
    std::atomic<bool> stop{false};
    std::atomic<long> lists{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 2; ++i)
        readers.emplace_back([&] {
            while (!stop) {
                testing::http_call(port,
                                   {"GET",
                                    "/api/v1/contacts?limit=500&after=500000",
                                    {{"Authorization", "Bearer " + token}},
                                    {}});
                ++lists;
            }
        });
    auto busy = readyz(100);
    stop = true;
    for (auto& t : readers)
        t.join();
    std::printf(
        "/readyz (a write through the writer): idle median %.2f ms max %.2f ms; "
        "during %ld deep 500-item lists median %.2f ms max %.2f ms\n",
        idle.first,
        idle.second,
        lists.load(),
        busy.first,
        busy.second);
    std::printf("%s\n", all_within ? "every page within 200 ms" : "SOME PAGE OVER 200 ms");
    sapa.stop();
    return all_within ? 0 : 1;
}
