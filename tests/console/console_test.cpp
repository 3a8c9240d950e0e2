// The staff console over a real loopback socket: sign-in, throttling, sessions and their
// expiry, CSRF, roles, the audit log, and the inbox (reply through the outbound queue, mark
// done, erase). In-process (memory store, a clock the test moves) so expiry needs no waiting.

#include "console/console.hpp"

#include "app/api_tokens.hpp"
#include "app/broadcasts.hpp"
#include "app/conversations.hpp"
#include "app/scripts.hpp"
#include "cli/commands.hpp"
#include "console/html.hpp"
#include "console/i18n.hpp"
#include "console/security.hpp"
#include "console/throttle.hpp"
#include "dialog/loader.hpp"
#include "server/http_server.hpp"
#include "server/router.hpp"
#include "storage/memory/memory_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/course_script.hpp"
#include "support/http_test_client.hpp"
#include "support/sapa_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <sstream>
#include <thread>

using namespace sapa;
using namespace sapa::testing;

namespace {

bool has(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string header(const test_response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (lower(k) == lower(name)) return v;
    return {};
}

std::vector<std::string> set_cookies(const test_response& r) {
    std::vector<std::string> out;
    for (const auto& [k, v] : r.headers)
        if (lower(k) == "set-cookie") out.push_back(v);
    return out;
}

// A turn that files a handoff request for any text starting "tolong", else says "ok".
engine::turn_result handoff_turn(const engine::contact_state& state,
                                 const messaging::inbound_message& m,
                                 engine::registrar&) {
    engine::turn_result r;
    r.state = state;
    if (m.text.starts_with("tolong"))
        r.events.push_back({.kind = engine::event_kind::handoff_requested,
                            .node = "t/petugas",
                            .detail = m.text,
                            .matched = {},
                            .data = {}});
    r.replies.push_back({.text = "ok", .body = {}, .options = {}});
    return r;
}

const app::channel wa{"wa", "k", storage::route::api};

// A pager link's cursor on `page` ("before=ID" or "after=ID", as `name` says).
std::string cursor_link(const std::string& page, const std::string& name) {
    auto at = page.find(name + "=");
    REQUIRE(at != std::string::npos);
    return page.substr(at, page.find('"', at) - at);
}

std::shared_ptr<const dialog::catalog> course_catalog() {
    static const auto catalog = [] {
        auto loaded = dialog::load_script(sapa::testing::course_script, "k.json");
        REQUIRE(loaded.script);
        return std::make_shared<const dialog::catalog>(std::vector<dialog::script>{*loaded.script});
    }();
    return catalog;
}

// Sapa's console on 127.0.0.1 with a memory store and a test clock.
struct console_server {
    // `engine`: residents talk to the course script "k" (DAFTAR); else "tolong..." files a request.
    explicit console_server(console::console_options o = {}, bool engine = false)
        : conversations(store,
                        course_catalog,
                        app::conversation_options{.channels = {wa},
                                                  .duplicate_window = 30,
                                                  .limits = {},
                                                  .turn = engine ? app::turn_function{}
                                                                 : app::turn_function{handoff_turn},
                                                  .replies = {},
                                                  .text_cost = {}}) {
        o.clock = [this] { return now.load(); };
        o.channels = {wa};
        o.scripts = &scripts;
        o.broadcasts = &broadcasts;
        if (o.login_failures_allowed == 5) o.login_failures_allowed = 3;
        staff_console = std::make_unique<console::console>(store, conversations, o);
        staff_console->add_routes(routes);
        server = std::make_unique<server::http_server>(
            io, "127.0.0.1", 0, server::http_limits{}, routes);
        server->start();
        thread = std::thread([this] { io.run(); });
    }
    ~console_server() {
        boost::asio::post(io, [this] { server->stop(); });
        thread.join();
    }

    void add(const std::string& name, const std::string& role) {
        REQUIRE(store.add_staff({0, name, console::hash_password(password), role, 0}) > 0);
    }
    void resident_writes(const std::string& from, const std::string& text, const std::string& id) {
        messaging::inbound_message m;
        m.channel = "wa";
        m.from = from;
        m.to = "1234567890";
        m.text = text;
        m.gateway_message_id = id;
        m.received_at = now.load();
        conversations.receive_now(m, wa);
    }
    bool audited(const std::string& action) {
        for (const auto& e : store.audit_log(0, 1000))
            if (e.action == action) return true;
        return false;
    }

    const std::string password = "kata-sandi-rahasia";
    std::atomic<long long> now{1'700'000'000};
    storage::memory_store store;
    app::conversations conversations;
    app::scripts scripts{store, {.required = {"k"}, .session_timeout_minutes = {}}};
    app::broadcasts broadcasts{store,
                               course_catalog,
                               app::conversation_options{.channels = {wa},
                                                         .duplicate_window = 30,
                                                         .limits = {},
                                                         .turn = {},
                                                         .replies = {},
                                                         .text_cost = {}}};
    server::router routes;
    boost::asio::io_context io;
    std::unique_ptr<console::console> staff_console;
    std::unique_ptr<server::http_server> server;
    std::thread thread;
};

// A browser: keeps cookies, reads the CSRF token of the last page.
struct browser {
    explicit browser(unsigned short p) : port(p) {}
    unsigned short port;
    std::map<std::string, std::string> cookies;
    std::string last_csrf;
    std::vector<std::pair<std::string, std::string>> extra_headers;

    test_response call(const std::string& method,
                       const std::string& target,
                       const std::string& body) {
        test_request q;
        q.method = method;
        q.target = target;
        q.body = body;
        q.headers = extra_headers;
        if (method == "POST")
            q.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        std::string jar;
        for (const auto& [k, v] : cookies)
            jar += (jar.empty() ? "" : "; ") + k + "=" + v;
        if (!jar.empty()) q.headers.emplace_back("Cookie", jar);
        auto r = http_call(port, q);
        for (const auto& c : set_cookies(r)) {
            auto eq = c.find('='), semi = c.find(';');
            auto name = c.substr(0, eq), value = c.substr(eq + 1, semi - eq - 1);
            if (has(c, "Max-Age=0")) {
                cookies.erase(name);
            } else {
                cookies[name] = value;
            }
        }
        auto at = r.body.find("name=\"csrf\" value=\"");
        if (at != std::string::npos) last_csrf = r.body.substr(at + 19, 64);
        return r;
    }
    test_response get(const std::string& target) { return call("GET", target, ""); }
    test_response post(const std::string& target, const std::string& form, bool with_csrf = true) {
        std::string body = with_csrf ? "csrf=" + last_csrf : "";
        if (!form.empty()) body += (body.empty() ? "" : "&") + form;
        return call("POST", target, body);
    }
    test_response login(const std::string& name, const std::string& password) {
        get("/console/login");
        return post("/console/login",
                    "name=" + name + "&password=" + console::url_encode(password));
    }
};

}  // namespace

TEST_SUITE("console") {
    TEST_CASE("console: a signed-out browser is sent to sign in and the stylesheet is public") {
        console_server s;
        browser b{s.server->port()};
        auto r = b.get("/console/inbox");
        CHECK(r.status == 303);
        CHECK(header(r, "Location") == "/console/login");
        r = b.get("/console/login");
        CHECK(r.status == 200);
        CHECK(has(r.body, "<html lang=\"id\">"));
        CHECK(has(r.body, "Kata sandi"));
        CHECK(has(header(r, "Content-Security-Policy"), "frame-ancestors 'none'"));
        r = b.get("/console/static/console.css");
        CHECK(r.status == 200);
        CHECK(has(header(r, "Content-Type"), "text/css"));
        CHECK(has(r.body, "max-width"));
    }

    TEST_CASE("console: the language link sets a cookie and comes back to a console page only") {
        console_server s;
        browser b{s.server->port()};
        auto r = b.get("/console/login");
        CHECK(has(r.body, "<html lang=\"id\">"));
        CHECK(has(r.body, "href=\"/console/language?to=en&amp;back=%2Fconsole%2Flogin\""));
        r = b.get("/console/language?to=en&back=%2Fconsole%2Flogin");
        CHECK(r.status == 303);
        CHECK(header(r, "Location") == "/console/login");
        CHECK(b.cookies["sapa_lang"] == "en");
        r = b.get("/console/login");
        CHECK(has(r.body, "<html lang=\"en\">"));
        CHECK(has(r.body, "Password"));
        CHECK(has(r.body, ">Bahasa Indonesia</a>"));
        for (const auto* away : {"%2F%2Fevil.example",
                                 "https%3A%2F%2Fevil.example",
                                 "%2Fconsolex",
                                 "%2Fconsole%2F%5C%5Cevil.example",
                                 ""}) {
            CAPTURE(away);
            CHECK(header(b.get(std::string("/console/language?to=id&back=") + away), "Location") ==
                  "/console");
        }
        CHECK(b.cookies["sapa_lang"] == "id");
        CHECK(has(b.get("/console/login").body, "Kata sandi"));

        // Without the cookie, Accept-Language decides; Indonesian is the default.
        browser other{s.server->port()};
        other.extra_headers = {{"Accept-Language", "en-GB,en;q=0.9,id;q=0.5"}};
        CHECK(has(other.get("/console/login").body, "Sign in to the staff console"));
        other.extra_headers = {{"Accept-Language", "fr-FR,id;q=0.8,en;q=0.7"}};
        CHECK(has(other.get("/console/login").body, "Masuk ke konsol petugas"));
        CHECK(console::language_of("", "") == console::language::id);
        CHECK(console::language_of("en", "id") == console::language::en);
        CHECK(console::language_of("xx", "de, en;q=0.2") == console::language::en);
        CHECK(console::language_of("", "en;q=0.3, in;q=0.6") == console::language::id);
    }

    TEST_CASE("console: translations fall back to Indonesian and fill named placeholders") {
        using console::language;
        CHECK(console::translate(language::en, "Kotak masuk") == "Inbox");
        CHECK(console::translate(language::id, "Kotak masuk") == "Kotak masuk");
        CHECK(console::translate(language::en, "Tidak ada di tabel") == "Tidak ada di tabel");
        CHECK(console::translate(language::en, "pesan|Masuk") == "Received");
        CHECK(console::translate(language::id, "pesan|Masuk") == "Masuk");
        CHECK(console::translate(language::en, "Masuk") == "Sign in");
        CHECK(console::fill("{n} dari {all} ({x})", {{"all", "9"}, {"n", "3"}}) ==
              "3 dari 9 ({x})");
        CHECK(console::fill("{", {}) == "{");
        // Every entry is non-empty and keeps its key's placeholders.
        for (const auto& [id, en] : console::english_table()) {
            CAPTURE(id);
            CHECK(!en.empty());
            auto names = [](std::string_view text) {
                std::vector<std::string> out;
                for (auto at = text.find('{'); at != std::string_view::npos;
                     at = text.find('{', at + 1))
                    out.emplace_back(text.substr(at, text.find('}', at) - at));
                std::sort(out.begin(), out.end());
                return out;
            };
            CHECK(names(id) == names(en));
        }
    }

    TEST_CASE("console: every page in English shows no Indonesian text of the console") {
        // Words of the console's own Indonesian texts; the test data avoids them.
        const std::vector<std::string> indonesian = {
            "Belum ",      "Tidak ",       "Permintaan", "Kirim",     "Warga",    "Kanal",
            "Segmen ",     "Segmen<",      "Siaran",     "Versi ",    "Periksa",  "Terbitkan",
            "Anggaran",    ">Pendaftaran", "Kursus",     "Ringkasan", "Keluar",   "Halaman",
            "Batalkan",    "Selesai",      "Terkirim",   "Antre",     "Hapus",    "Catatan",
            "Sebelumnya",  "Berikut",      "Langsung",   "Jejak",     "Kotak",    " dan ",
            " yang ",      " untuk ",      "Pesan",      "Tindakan",  "Waktu",    "Jenis",
            "Diterbitkan", "Aktif",        "Penerima",   "Pratinjau", "Mulai",    "Ya, ",
            "Kembali",     "Akses",        "ditolak",    "Kode",      "Saring",   "Unduh",
            "Kesehatan",   "Corong",       "simpul",     "kontak",    "Masuk",    "Nama akun",
            "Kata sandi",  "berkas",       "Terbuka",    "Diterima",  "Gagal",    "Menunggu",
            "Terjadi",     "detik",        "menit",      "sebagai",   "terakhir", "Percakapan",
            "Dibatalkan"};
        std::vector<std::pair<std::string, test_response>> pages;
        auto keep = [&pages](const std::string& what, test_response r) {
            pages.emplace_back(what, std::move(r));
        };

        {
            console_server s;
            s.add("ani", "admin");
            s.add("sari", "staff");
            REQUIRE(s.scripts.publish({{"k.json", course_script}}, "test", "start", s.now.load())
                        .published());
            s.resident_writes("+6281234500001", "tolong, call me", "w1");
            s.resident_writes("+6281234500002", "tolong, me too", "w2");
            browser b{s.server->port()};
            b.get("/console/language?to=en&back=%2Fconsole");
            keep("login", b.get("/console/login"));
            keep("wrong password", b.login("ani", "not-it"));
            b.login("ani", "not-it");
            b.login("ani", "not-it");
            keep("throttled", b.login("ani", "not-it"));
            s.now += 3600;
            REQUIRE(b.login("ani", s.password).status == 303);
            keep("inbox", b.get("/console/inbox"));
            keep("request", b.get("/console/inbox/1"));
            keep("request 404", b.get("/console/inbox/9"));
            keep("empty reply", b.post("/console/inbox/1/reply", "text="));
            keep("erase", b.get("/console/inbox/1/erase"));
            keep("sent", b.get("/console/inbox/1?msg=sent"));
            keep("done", b.get("/console/inbox/1?msg=done"));
            keep("conversation", b.get("/console/conversation?contact=%2B6281234500001"));
            keep("no contact", b.get("/console/conversation"));
            keep("registrations", b.get("/console/registrations"));
            keep("no registration", b.post("/console/registrations/cancel", "course=K&code=K-9"));
            keep("overview", b.get("/console/overview"));
            keep("scripts", b.get("/console/scripts"));
            keep("script version", b.get("/console/scripts/1"));
            keep("no script version", b.get("/console/scripts/9"));
            std::string broken = course_script;
            broken.replace(broken.find("\"next\": \"terdaftar\""), 19, "\"next\": \"tidak_ada\"");
            keep("refused",
                 b.post("/console/scripts", "name=k.json&script=" + console::url_encode(broken)));
            keep("empty publish", b.post("/console/scripts", "name=k.json&script="));
            keep("published", b.get("/console/scripts?msg=published&version=1"));
            keep("broadcasts", b.get("/console/broadcasts"));
            const std::string form =
                "segment=&channel=wa&text=" + console::url_encode("Class on Monday");
            keep("preview", b.post("/console/broadcasts/preview", form + "&node=menu"));
            keep("over budget", b.post("/console/broadcasts/preview", form + "&budget=1"));
            keep("bad segment",
                 b.post("/console/broadcasts/preview", "segment=x%3Dy&channel=wa&text=x"));
            keep("no channel", b.post("/console/broadcasts/preview", "channel=zz&text=x"));
            keep("no text", b.post("/console/broadcasts/preview", "channel=wa"));
            keep("bad start", b.post("/console/broadcasts/preview", form + "&start=soon"));
            keep("bad budget", b.post("/console/broadcasts/preview", form + "&budget=lots"));
            keep("no node", b.post("/console/broadcasts/preview", "channel=wa&node=tidak_ada"));
            auto created = b.post("/console/broadcasts", form + "&budget=100");
            REQUIRE(created.status == 303);
            keep("broadcast", b.get(header(created, "Location")));
            keep("cancelled broadcast",
                 b.get(header(b.post("/console/broadcasts/1/cancel", ""), "Location")));
            keep("no broadcast", b.get("/console/broadcasts/9"));
            keep("audit", b.get("/console/audit"));
            keep("csrf", b.post("/console/inbox/1/done", "", false));
            browser staff{s.server->port()};
            staff.extra_headers = {{"Accept-Language", "en"}};
            REQUIRE(staff.login("sari", s.password).status == 303);
            keep("refused role", staff.get("/console/audit"));
            keep("signed out", staff.get(header(staff.post("/console/logout", ""), "Location")));
        }
        {
            console_server s({}, true);
            s.add("ani", "admin");
            s.resident_writes("+6281234500001", "DAFTAR", "w1");
            s.resident_writes("+6281234500002", "DAFTAR", "w2");
            browser b{s.server->port()};
            b.extra_headers = {{"Accept-Language", "en-US,en;q=0.9"}};
            REQUIRE(b.login("ani", s.password).status == 303);
            keep("registrations with rows", b.get("/console/registrations"));
            keep("registration cancelled",
                 b.get(header(b.post("/console/registrations/cancel", "course=K&code=K-0001"),
                              "Location")));
            keep("overview with data", b.get("/console/overview"));
            keep("conversation with messages",
                 b.get("/console/conversation?contact=%2B6281234500002"));
        }
        for (const auto& [what, r] : pages) {
            CAPTURE(what);
            CHECK(has(r.body, "<html lang=\"en\">"));
            for (const auto& word : indonesian) {
                CAPTURE(word);
                // The script's own texts (the version page shows the file) are not the console's.
                if (what == "script version" || what == "refused") break;
                CHECK_FALSE(has(r.body, word));
            }
        }
        CHECK(console::untranslated() == std::vector<std::string>{});
    }

    TEST_CASE("console: the scripts page reads a chosen file with the script built into sapa") {
        console_server s;
        s.add("ani", "admin");
        browser b{s.server->port()};
        REQUIRE(b.login("ani", s.password).status == 303);
        auto r = b.get("/console/scripts");
        CHECK(has(r.body,
                  "<input type=\"file\" id=\"script-file\" accept=\".json,application/json\""));
        CHECK(has(r.body, "<div class=\"upload\" hidden>"));  // shown by the script only
        CHECK(has(r.body, "<script src=\"/console/static/console.js\" defer></script>"));
        CHECK(has(header(r, "Content-Security-Policy"), "script-src 'self'"));
        r = b.get("/console/static/console.js");
        CHECK(r.status == 200);
        CHECK(has(header(r, "Content-Type"), "text/javascript"));
        CHECK(has(r.body, "FileReader"));
        CHECK(has(r.body, "script-file"));
    }

    TEST_CASE("console: an account signs in with its password, gets a safe cookie and signs out") {
        console_server s;
        s.add("ani", "admin");
        browser b{s.server->port()};
        auto r = b.login("ani", s.password);
        CHECK(r.status == 303);
        CHECK(header(r, "Location") == "/console/inbox");
        std::string session;
        for (const auto& c : set_cookies(r))
            if (c.starts_with("sapa_session=")) session = c;
        CHECK(has(session, "HttpOnly"));
        CHECK(has(session, "SameSite=Strict"));
        CHECK(has(session, "Path=/console"));
        CHECK_FALSE(has(session, "Secure"));  // plain http, no trusted proxy
        const auto token = b.cookies["sapa_session"];
        CHECK(token.size() == 64);
        // Only the token's hash is stored.
        CHECK_FALSE(s.store.find_staff_session(token));
        CHECK(s.store.find_staff_session(app::hash_token(token)));

        r = b.get("/console/inbox");
        CHECK(r.status == 200);
        CHECK(has(r.body, "ani (admin)"));
        CHECK(header(r, "Cache-Control") == "no-store");
        CHECK(s.audited("login"));

        r = b.post("/console/logout", "");
        CHECK(r.status == 303);
        CHECK(has(header(r, "Location"), "/console/login"));
        CHECK_FALSE(s.store.find_staff_session(app::hash_token(token)));
        b.cookies["sapa_session"] = token;  // a copied cookie is worth nothing now
        CHECK(b.get("/console/inbox").status == 303);
        CHECK(s.audited("logout"));
    }

    TEST_CASE("console: a wrong password is refused and repeated failures make the next wait") {
        console_server s;  // 3 failures allowed
        s.add("ani", "staff");
        browser b{s.server->port()};
        auto r = b.login("ani", "salah-sekali-ini");
        CHECK(r.status == 401);
        CHECK(has(r.body, "Nama akun atau kata sandi salah."));
        CHECK(b.login("ani", "salah-lagi-ini").status == 401);
        CHECK(b.login("ani", "salah-ketiga").status == 401);
        // Locked: even the right password waits, and the page says for how long.
        r = b.login("ani", s.password);
        CHECK(r.status == 429);
        CHECK(has(r.body, "coba lagi dalam 30 detik"));
        CHECK(s.audited("login_throttled"));
        s.now += 31;
        CHECK(b.login("ani", s.password).status == 303);
        // The same client trying many names is held back too.
        browser other{s.server->port()};
        for (int i = 0; i < 3; ++i)
            CHECK(other.login("tebak" + std::to_string(i), "apa-saja-ya").status == 401);
        CHECK(other.login("ani", s.password).status == 429);
    }

    TEST_CASE("console: the throttle's wait grows and stops at fifteen minutes") {
        console::login_throttle t(2);
        t.failed("k", 0);
        CHECK(t.wait_seconds("k", 0) == 0);
        t.failed("k", 0);
        CHECK(t.wait_seconds("k", 0) == 30);
        t.failed("k", 0);
        CHECK(t.wait_seconds("k", 0) == 60);
        for (int i = 0; i < 10; ++i)
            t.failed("k", 0);
        CHECK(t.wait_seconds("k", 0) == 900);
        t.succeeded("k");
        CHECK(t.wait_seconds("k", 0) == 0);
    }

    TEST_CASE("console: a form without the session's CSRF token is refused") {
        console_server s;
        s.add("ani", "admin");
        browser b{s.server->port()};
        REQUIRE(b.login("ani", s.password).status == 303);
        b.get("/console/inbox");
        auto r = b.post("/console/logout", "", false);
        CHECK(r.status == 403);
        CHECK(has(r.body, "CSRF"));
        r = b.post("/console/logout", "csrf=" + std::string(64, 'a'), false);
        CHECK(r.status == 403);
        CHECK(b.get("/console/inbox").status == 200);  // still signed in
        CHECK(s.audited("csrf_refused"));
        // The sign-in form has its own token, tied to a cookie.
        browser fresh{s.server->port()};
        fresh.get("/console/login");
        fresh.cookies["sapa_login"] = std::string(64, 'b');
        r = fresh.post("/console/login", "name=ani&password=" + s.password);
        CHECK(r.status == 403);
        CHECK(fresh.cookies.count("sapa_session") == 0);
    }

    TEST_CASE("console: roles are checked on the server for every route") {
        console_server s;
        s.add("vina", "viewer");
        s.add("sari", "staff");
        s.add("ani", "admin");
        s.resident_writes("+6281234500001", "tolong hubungi saya", "w1");
        browser viewer{s.server->port()}, staff{s.server->port()}, admin{s.server->port()};
        REQUIRE(viewer.login("vina", s.password).status == 303);
        REQUIRE(staff.login("sari", s.password).status == 303);
        REQUIRE(admin.login("ani", s.password).status == 303);

        CHECK(viewer.get("/console/inbox").status == 200);
        CHECK(viewer.get("/console/inbox/1").status == 200);
        auto r = viewer.post("/console/inbox/1/done", "");
        CHECK(r.status == 403);
        CHECK(has(r.body, "Akses ditolak"));
        CHECK(viewer.post("/console/inbox/1/reply", "text=halo").status == 403);
        CHECK(viewer.get("/console/inbox/1/erase").status == 403);
        CHECK(viewer.get("/console/audit").status == 403);
        CHECK(staff.get("/console/audit").status == 403);
        CHECK(admin.get("/console/audit").status == 200);
        CHECK(s.audited("refused"));
        // The request is still open: nothing the viewer tried happened.
        CHECK(has(admin.get("/console/inbox/1").body, "Terbuka"));
    }

    TEST_CASE("console: sessions end after idle time and at their absolute limit") {
        console::console_options o;
        o.session_idle_seconds = 600;
        o.session_max_seconds = 3600;
        console_server s(o);
        s.add("ani", "staff");
        browser b{s.server->port()};
        REQUIRE(b.login("ani", s.password).status == 303);
        s.now += 599;
        CHECK(b.get("/console/inbox").status == 200);  // used: idle time starts again
        s.now += 599;
        CHECK(b.get("/console/inbox").status == 200);
        s.now += 601;
        auto r = b.get("/console/inbox");
        CHECK(r.status == 303);
        CHECK(header(r, "Location") == "/console/login?expired=1");
        CHECK(has(b.get("/console/login?expired=1").body, "Sesi Anda berakhir"));

        REQUIRE(b.login("ani", s.password).status == 303);
        for (int i = 0; i < 7; ++i) {
            s.now += 500;
            CHECK(b.get("/console/inbox").status == 200);
        }
        s.now += 500;  // 4000 s after signing in, though used 500 s ago
        CHECK(b.get("/console/inbox").status == 303);
        CHECK(s.audited("session_expired"));

        // A session left without signing out is swept at the next sign-in after it expired.
        browser abandoned{s.server->port()};
        REQUIRE(abandoned.login("ani", s.password).status == 303);
        const auto left = app::hash_token(abandoned.cookies["sapa_session"]);
        CHECK(s.store.find_staff_session(left));
        s.now += 601;
        browser next{s.server->port()};
        REQUIRE(next.login("ani", s.password).status == 303);
        CHECK_FALSE(s.store.find_staff_session(left));
    }

    TEST_CASE("console: cookies are Secure when configured or behind a trusted TLS proxy") {
        console::console_options o;
        o.trusted_proxies = {"127.0.0.1"};
        console_server s(o);
        s.add("ani", "staff");
        browser b{s.server->port()};
        b.extra_headers = {{"X-Forwarded-Proto", "https"}};
        auto r = b.login("ani", s.password);
        REQUIRE(r.status == 303);
        bool secure = false;
        for (const auto& c : set_cookies(r))
            if (c.starts_with("sapa_session=")) secure = has(c, "; Secure");
        CHECK(secure);

        console::console_options untrusted;
        console_server plain(untrusted);
        plain.add("ani", "staff");
        browser p{plain.server->port()};
        p.extra_headers = {{"X-Forwarded-Proto", "https"}};
        r = p.login("ani", plain.password);
        REQUIRE(r.status == 303);
        for (const auto& c : set_cookies(r))
            if (c.starts_with("sapa_session=")) CHECK_FALSE(has(c, "Secure"));
    }

    TEST_CASE("console: the inbox lists requests newest first, page by page") {
        console_server s;
        s.add("ani", "staff");
        for (int i = 0; i < 30; ++i) {
            s.now += 10;
            s.resident_writes("+62812345001" + std::to_string(10 + i),
                              "tolong nomor " + std::to_string(i),
                              "w" + std::to_string(i));
        }
        browser b{s.server->port()};
        REQUIRE(b.login("ani", s.password).status == 303);
        auto first = b.get("/console/inbox").body;
        CHECK(has(first, "tolong nomor 29"));
        CHECK(has(first, "tolong nomor 5"));
        CHECK_FALSE(has(first, "tolong nomor 4<"));
        CHECK(first.find("tolong nomor 29") < first.find("tolong nomor 28"));
        CHECK_FALSE(has(first, "Lebih baru"));
        auto second = b.get("/console/inbox?" + cursor_link(first, "before")).body;
        CHECK(has(second, "tolong nomor 4<"));
        CHECK(has(second, "tolong nomor 0<"));
        CHECK_FALSE(has(second, "tolong nomor 5<"));
        CHECK_FALSE(has(second, "Lebih lama"));
        auto back = b.get("/console/inbox?" + cursor_link(second, "after")).body;
        CHECK(has(back, "tolong nomor 29"));
        CHECK(has(back, "tolong nomor 5<"));
        CHECK_FALSE(has(back, "tolong nomor 4<"));
        // Only the open ones, page by page too.
        auto open = b.get("/console/inbox?status=open").body;
        CHECK(has(open, "tolong nomor 29"));
        CHECK(has(b.get("/console/inbox?status=open&" + cursor_link(open, "before")).body,
                  "tolong nomor 0<"));
        // A cursor that is not a row id is refused; one past every row shows what is older.
        CHECK(b.get("/console/inbox?before=abc").status == 400);
        CHECK(b.get("/console/inbox?after=-5").status == 400);
        CHECK(b.get("/console/registrations?before=1x").status == 400);
        CHECK(has(b.get("/console/inbox?before=999999999").body, "tolong nomor 29"));
        CHECK(has(b.get("/console/inbox?after=999999999").body, "tolong nomor 29"));
        CHECK(has(b.get("/console/inbox?before=1").body, "Belum ada permintaan"));
        CHECK(b.get("/console/inbox/9223372036854775807").status == 404);
        CHECK(b.get("/console/inbox?before=9223372036854775807").status == 200);
    }

    TEST_CASE("console: registrations newest first, page by page, filtered and searched") {
        console_server s({}, true);
        s.add("vina", "viewer");
        for (int i = 1; i <= 30; ++i)
            s.resident_writes(
                "+62812345002" + std::to_string(10 + i), "DAFTAR", "d" + std::to_string(i));
        browser b{s.server->port()};
        REQUIRE(b.login("vina", s.password).status == 303);
        auto first = b.get("/console/registrations").body;
        CHECK(first.find("K-0030") < first.find("K-0029"));
        CHECK(has(first, "K-0006"));
        CHECK_FALSE(has(first, "K-0005"));
        CHECK_FALSE(has(first, "Lebih baru"));
        auto older = b.get("/console/registrations?" + cursor_link(first, "before")).body;
        CHECK(has(older, "K-0005"));
        CHECK(has(older, "K-0001"));
        CHECK_FALSE(has(older, "K-0006"));
        CHECK_FALSE(has(older, "Lebih lama"));
        // The filters stay in the links; the store filters, so a page is full.
        auto waiting = b.get("/console/registrations?status=waitlisted").body;
        CHECK(has(waiting, "K-0006"));
        auto link = cursor_link(waiting, "before");
        CHECK(has(waiting, "status=waitlisted&amp;" + link));
        auto rest = b.get("/console/registrations?status=waitlisted&" + link).body;
        CHECK(has(rest, "K-0002"));
        CHECK_FALSE(has(rest, "K-0001"));
        auto found = b.get("/console/registrations?q=k-001").body;
        CHECK(has(found, "K-0010"));
        CHECK(has(found, "K-0019"));
        CHECK_FALSE(has(found, "K-0020"));
        CHECK_FALSE(has(found, "K-0009"));
        CHECK_FALSE(has(found, "Lebih lama"));
    }

    TEST_CASE(
        "console: staff reply through the outbound queue, mark done and erase after confirming") {
        console_server s;
        s.add("sari", "staff");
        s.resident_writes("+6281234500001", "tolong, NIK saya 3508011234567890", "w1");
        browser b{s.server->port()};
        REQUIRE(b.login("sari", s.password).status == 303);
        auto page = b.get("/console/inbox/1");
        REQUIRE(page.status == 200);
        CHECK(has(page.body, "3508011234567890"));  // staff see it whole
        auto r = b.post("/console/inbox/1/reply",
                        "text=" + console::url_encode("Petugas akan menelepon."));
        CHECK(r.status == 303);
        CHECK(header(r, "Location") == "/console/inbox/1?msg=sent");
        // The turn's "ok" first (one job per contact at a time), then the reply.
        auto jobs = s.store.claim_outbound("wa", s.now.load() + 1, 10);
        REQUIRE(jobs.size() == 1);
        CHECK(jobs[0].message.text == "ok");
        s.store.complete_outbound(jobs[0].id, "wamid.1", s.now.load());
        jobs = s.store.claim_outbound("wa", s.now.load() + 1, 10);
        REQUIRE(jobs.size() == 1);
        CHECK(jobs[0].contact == "+6281234500001");
        CHECK(jobs[0].message.text == "Petugas akan menelepon.");
        CHECK(has(b.get("/console/inbox/1").body, "Petugas akan menelepon."));

        CHECK(b.post("/console/inbox/1/done", "").status == 303);
        CHECK(has(b.get("/console/inbox/1").body, "Selesai"));

        // Erasing asks first; a POST without the confirmation only shows the question.
        page = b.get("/console/inbox/1/erase");
        CHECK(has(page.body, "tidak bisa dibatalkan"));
        r = b.post("/console/inbox/1/erase", "");
        CHECK(header(r, "Location") == "/console/inbox/1/erase");
        CHECK(s.store.load_contact("+6281234500001"));
        r = b.post("/console/inbox/1/erase", "confirm=yes");
        CHECK(r.status == 303);
        CHECK_FALSE(s.store.load_contact("+6281234500001"));
        page = b.get("/console/inbox/1");
        CHECK_FALSE(has(page.body, "3508011234567890"));
        CHECK(has(page.body, "[dihapus]"));
        for (const auto* action : {"reply", "mark_done", "erase"})
            CHECK(s.audited(action));
    }

    TEST_CASE("console: viewers never see a full NIK") {
        console_server s;
        s.add("vina", "viewer");
        s.resident_writes("+6281234500001", "tolong, NIK saya 3508011234567890", "w1");
        browser b{s.server->port()};
        REQUIRE(b.login("vina", s.password).status == 303);
        for (const auto* page : {"/console/inbox",
                                 "/console/inbox/1",
                                 "/console/conversation?contact=%2B6281234500001"}) {
            CAPTURE(page);
            auto body = b.get(page).body;
            CHECK_FALSE(has(body, "3508011234567890"));
            CHECK(has(body, "************7890"));
        }
        CHECK(console::mask_niks("a 1234567890123456 b 12345") == "a ************3456 b 12345");
    }

    TEST_CASE("console: passwords are Argon2id hashes and tokens are random") {
        auto h = console::hash_password("kata-sandi-rahasia");
        CHECK(h.starts_with("$argon2id$"));
        CHECK(console::password_matches("kata-sandi-rahasia", h));
        CHECK_FALSE(console::password_matches("kata-sandi-rahasiA", h));
        CHECK_FALSE(console::password_matches("x", "not a hash"));
        CHECK(app::random_secret() != app::random_secret());
        CHECK(console::same_secret("abc", "abc"));
        CHECK_FALSE(console::same_secret("abc", "abd"));
        CHECK_FALSE(console::same_secret("abc", "abcd"));
        CHECK_FALSE(console::same_secret("", ""));
    }

    TEST_CASE("sapa staff add stores an account whose password signs in") {
        temp_dir dir;
        const auto db = (dir.path() / "sapa.db").string();
        std::istringstream in("kata-sandi-rahasia\n");
        std::ostringstream out, err;
        CHECK(cli::run({"staff", "add", "ani", "--role", "admin", "--db", db},
                       {in, out, err, false}) == 0);
        CHECK(has(out.str(), "Account \"ani\" (admin) added"));
        std::istringstream again("kata-sandi-lain-lagi\n");
        CHECK(cli::run({"staff", "add", "ani", "--role", "viewer", "--db", db},
                       {again, out, err, false}) == 1);
        CHECK(has(err.str(), "exists already"));
        std::istringstream shorter("pendek\n");
        CHECK(cli::run({"staff", "add", "budi", "--role", "viewer", "--db", db},
                       {shorter, out, err, false}) == 2);
        CHECK(has(err.str(), "at least 10 characters"));
        std::istringstream any("kata-sandi-rahasia\n");
        CHECK(cli::run({"staff", "add", "budi", "--role", "boss", "--db", db},
                       {any, out, err, false}) == 2);
        auto store = storage::sqlite_store::open(db);
        auto ani = store->find_staff("ani");
        REQUIRE(ani);
        CHECK(ani->role == "admin");
        CHECK(ani->password_hash.starts_with("$argon2id$"));
        CHECK(console::password_matches("kata-sandi-rahasia", ani->password_hash));
        CHECK_FALSE(store->find_staff("budi"));
        CHECK(store->audit_log(0, 10).at(0).action == "account_added");
    }

    TEST_CASE("console: registrations filter, search, download as CSV and cancel with promotion") {
        console_server s({}, true);
        s.add("sari", "staff");
        s.add("vina", "viewer");
        s.resident_writes("+6281234500001", "DAFTAR", "w1");
        s.resident_writes("+6281234500002", "DAFTAR", "w2");
        s.resident_writes("+6281234500003", "DAFTAR", "w3");
        browser b{s.server->port()};
        REQUIRE(b.login("sari", s.password).status == 303);
        auto all = b.get("/console/registrations").body;
        CHECK(has(all, "K-0001"));
        CHECK(has(all, "K-0003"));
        auto waiting = b.get("/console/registrations?status=waitlisted").body;
        CHECK_FALSE(has(waiting, "K-0001<"));
        CHECK(has(waiting, "K-0002"));
        auto found = b.get("/console/registrations?q=k-0003").body;
        CHECK(has(found, "K-0003"));
        CHECK_FALSE(has(found, "K-0002"));
        CHECK(has(b.get("/console/registrations?course=X").body, "Tidak ada pendaftaran"));
        auto csv = b.get("/console/registrations.csv?status=waitlisted");
        CHECK(csv.status == 200);
        CHECK(has(header(csv, "Content-Type"), "text/csv"));
        CHECK(has(csv.body, "K-0002,K,waitlisted"));
        CHECK_FALSE(has(csv.body, "K-0001"));

        b.get("/console/registrations");
        auto r = b.post("/console/registrations/cancel", "course=K&code=K-0001");
        CHECK(r.status == 303);
        CHECK(has(header(r, "Location"), "promoted=K-0002"));
        auto after = b.get(header(r, "Location")).body;
        CHECK(has(after, "K-0002 naik dari daftar tunggu"));
        // The promoted resident is told through the outbound queue.
        bool told = false;
        for (const auto& job : s.store.claim_outbound("wa", s.now.load() + 1, 50))
            told = told || job.contact == "+6281234500002";
        CHECK(told);
        CHECK(b.post("/console/registrations/cancel", "course=K&code=K-0099").status == 404);
        CHECK(s.audited("cancel_registration"));
        CHECK(s.audited("export_csv"));

        browser v{s.server->port()};
        REQUIRE(v.login("vina", s.password).status == 303);
        auto page = v.get("/console/registrations").body;
        CHECK_FALSE(has(page, "Batalkan"));
        CHECK_FALSE(has(page, "Unduh CSV"));
        CHECK(v.get("/console/registrations.csv").status == 403);
        CHECK(v.post("/console/registrations/cancel", "course=K&code=K-0002").status == 403);
    }

    TEST_CASE("console: staff confirm, mark attended and promote registrations, viewers cannot") {
        console_server s({}, true);
        s.add("sari", "staff");
        s.add("vina", "viewer");
        s.resident_writes("+6281234500001", "DAFTAR", "w1");
        s.resident_writes("+6281234500002", "DAFTAR", "w2");
        s.resident_writes("+6281234500003", "DAFTAR", "w3");
        // The registration replies went out; only what the changes queue is looked at below.
        auto sent = [&s] {
            auto jobs = s.store.claim_outbound("wa", s.now.load() + 1, 50);
            for (const auto& job : jobs)
                s.store.complete_outbound(job.id, "wamid." + std::to_string(job.id), s.now.load());
            return jobs;
        };
        sent();
        browser b{s.server->port()};
        REQUIRE(b.login("sari", s.password).status == 303);
        auto page = b.get("/console/registrations").body;
        CHECK(has(page, "Konfirmasi K-0001"));
        CHECK(has(page, "Hadir K-0001"));
        CHECK(has(page, "Naikkan K-0002"));
        CHECK_FALSE(has(page, "Naikkan K-0001"));
        CHECK(has(page, "<option value=\"attended\""));

        auto r = b.post("/console/registrations/confirm", "course=K&code=K-0001");
        CHECK(r.status == 303);
        auto after = b.get(header(r, "Location")).body;
        CHECK(has(after, "K-0001 dikonfirmasi. Warga diberi tahu."));
        CHECK(has(b.get("/console/registrations?status=confirmed").body, "K-0001"));
        // The confirmation goes through the outbound queue, like a promotion.
        auto jobs = sent();
        REQUIRE(jobs.size() == 1);
        CHECK(jobs[0].contact == "+6281234500001");

        r = b.post("/console/registrations/attended", "course=K&code=K-0001");
        CHECK(r.status == 303);
        CHECK(has(b.get(header(r, "Location")).body, "K-0001 ditandai hadir."));
        CHECK(has(b.get("/console/registrations?status=attended").body, "K-0001"));
        CHECK(sent().empty());  // nothing sent
        // The resident who attended still holds the seat: DAFTAR again gives the same code.
        messaging::inbound_message again;
        again.channel = "wa";
        again.from = "+6281234500001";
        again.to = "1234567890";
        again.text = "DAFTAR";
        again.gateway_message_id = "w4";
        again.received_at = s.now.load();
        auto replies = s.conversations.receive_now(again, wa).replies;
        REQUIRE(replies.size() == 1);
        CHECK(replies[0].message.text == "Terdaftar K-0001");
        sent();

        r = b.post("/console/registrations/promote", "course=K&code=K-0003");
        CHECK(r.status == 303);
        after = b.get(header(r, "Location")).body;
        CHECK(has(after, "K-0003 naik dari daftar tunggu ke kursi nomor 2. Warga diberi tahu."));
        jobs = sent();
        REQUIRE(jobs.size() == 1);
        CHECK(jobs[0].contact == "+6281234500003");

        // Nonsense is refused with a reason; an unknown code is not found.
        b.get("/console/registrations");
        r = b.post("/console/registrations/confirm", "course=K&code=K-0002");  // waitlisted
        CHECK(r.status == 409);
        CHECK(has(r.body, "naikkan dulu"));
        CHECK(b.post("/console/registrations/promote", "course=K&code=K-0001").status == 409);
        CHECK(b.post("/console/registrations/attended", "course=K&code=K-0099").status == 404);
        CHECK(b.post("/console/registrations/confirm", "course=K&code=K-0002", false).status ==
              403);  // no CSRF token
        CHECK(s.audited("confirm_registration"));
        CHECK(s.audited("attended_registration"));
        CHECK(s.audited("promote_registration"));

        // The overview counts the attended.
        CHECK(has(b.get("/console/overview").body, "Hadir: 1"));

        browser v{s.server->port()};
        REQUIRE(v.login("vina", s.password).status == 303);
        page = v.get("/console/registrations").body;
        CHECK_FALSE(has(page, "Konfirmasi"));
        CHECK_FALSE(has(page, "Naikkan"));
        CHECK(v.post("/console/registrations/confirm", "course=K&code=K-0003").status == 403);
        CHECK(v.post("/console/registrations/attended", "course=K&code=K-0003").status == 403);
        CHECK(v.post("/console/registrations/promote", "course=K&code=K-0002").status == 403);
    }

    TEST_CASE("console: the overview draws the funnel as SVG and shows delivery health") {
        console_server s({}, true);
        s.add("vina", "viewer");
        s.resident_writes("+6281234500001", "DAFTAR", "w1");
        browser b{s.server->port()};
        REQUIRE(b.login("vina", s.password).status == 303);
        auto r = b.get("/console/overview");
        CHECK(r.status == 200);
        CHECK(has(r.body, "<svg class=\"chart\" role=\"img\""));
        CHECK(has(r.body, "Terdaftar: 1"));
        CHECK(has(r.body, "Kesehatan pengiriman"));
        CHECK(has(r.body, "<td>wa</td><td>0</td><td>0</td><td>0</td><td>1</td>"));  // queued
        CHECK(b.get("/console/overview?days=abc").status == 200);
    }

    TEST_CASE("console: an admin publishes a script that goes live and a broken one is refused") {
        console_server s;
        s.add("ani", "admin");
        // Named as `sapa serve` names the files of its dialogs folder: with the server's path,
        // which staff never see.
        REQUIRE(
            s.scripts
                .publish(
                    {{"/srv/sapa/dialogs/k.json", course_script}}, "test", "start", s.now.load())
                .published());
        const auto first = s.scripts.current_version();
        browser b{s.server->port()};
        REQUIRE(b.login("ani", s.password).status == 303);
        auto r = b.get("/console/scripts");
        CHECK(r.status == 200);
        CHECK(has(r.body, "Versi aktif: <strong>versi " + std::to_string(first)));
        CHECK(has(r.body, "Periksa dan terbitkan"));
        auto version = b.get("/console/scripts/" + std::to_string(first)).body;
        CHECK(has(version, "Menu. Ketik DAFTAR."));
        CHECK(has(version, "<h2>k.json</h2>"));
        CHECK_FALSE(has(version, "/srv/sapa"));

        // Good: a new version, live at once.
        std::string changed = course_script;
        changed.replace(changed.find("Menu. Ketik DAFTAR."), 19, "Menu baru. Ketik DAFTAR.");
        r = b.post("/console/scripts",
                   "name=k.json&note=menu+baru&script=" + console::url_encode(changed));
        // With warnings the page says so at once; without, it redirects to the versions.
        if (r.status == 303) r = b.get(header(r, "Location"));
        CHECK(r.status == 200);
        CHECK(has(r.body, "diterbitkan dan langsung aktif"));
        const auto second = s.scripts.current_version();
        CHECK(second > first);
        CHECK(s.scripts.current()->find("k") != nullptr);
        CHECK(s.audited("publish_scripts"));

        // Broken: refused with the checker's words; the live version stays.
        std::string broken = course_script;
        broken.replace(broken.find("\"next\": \"terdaftar\""), 19, "\"next\": \"tidak_ada\"");
        r = b.post("/console/scripts", "name=k.json&script=" + console::url_encode(broken));
        CHECK(r.status == 422);
        CHECK(has(r.body, "tidak ada yang diterbitkan"));
        CHECK(has(r.body, "tidak_ada"));
        CHECK(has(r.body, "k.json:"));
        CHECK_FALSE(has(r.body, "/srv/sapa"));
        CHECK(has(r.body, "tidak_ada&quot;"));  // the text is kept in the form to fix
        CHECK(s.scripts.current_version() == second);
        CHECK(s.audited("publish_refused"));
        r = b.post("/console/scripts", "name=k.json&script=%7Bnot+json");
        CHECK(r.status == 422);
        CHECK(s.scripts.current_version() == second);

        // Rolled back to the first: its files as the newest version.
        r = b.post("/console/scripts/" + std::to_string(first) + "/rollback", "");
        CHECK((r.status == 303 || r.status == 200));
        CHECK(s.scripts.current_version() > second);
        CHECK(has(b.get("/console/scripts").body, "rollback to version " + std::to_string(first)));
        CHECK(b.post("/console/scripts/999/rollback", "").status == 422);
    }

    TEST_CASE("console: viewers and staff read the scripts but may not publish or roll back") {
        console_server s;
        s.add("vina", "viewer");
        s.add("sari", "staff");
        REQUIRE(s.scripts.publish({{"k.json", course_script}}, "test", "start", s.now.load())
                    .published());
        const auto live = s.scripts.current_version();
        for (const char* name : {"vina", "sari"}) {
            CAPTURE(name);
            browser b{s.server->port()};
            REQUIRE(b.login(name, s.password).status == 303);
            auto r = b.get("/console/scripts");
            CHECK(r.status == 200);
            CHECK(!has(r.body, "Periksa dan terbitkan"));
            CHECK(b.get("/console/scripts/" + std::to_string(live)).status == 200);
            r = b.post("/console/scripts",
                       "name=k.json&script=" + console::url_encode(course_script));
            CHECK(r.status == 403);
            CHECK(has(r.body, "Akses ditolak"));
            CHECK(b.post("/console/scripts/" + std::to_string(live) + "/rollback", "").status ==
                  403);
        }
        CHECK(s.scripts.current_version() == live);
        CHECK(s.store.script_versions().size() == 1);
    }

    TEST_CASE(
        "console: a broadcast may carry a WhatsApp template, checked and shown before sending") {
        console_server s;
        s.add("sari", "staff");
        s.resident_writes("+6281234500001", "halo", "w1");
        browser b{s.server->port()};
        REQUIRE(b.login("sari", s.password).status == 303);
        auto r = b.get("/console/broadcasts");
        CHECK(has(r.body, "<legend>Templat WhatsApp (pilihan)</legend>"));
        CHECK(has(r.body, "name=\"template_params\""));
        const std::string form =
            "segment=&channel=wa&text=" + console::url_encode("Pelatihan besok");
        r = b.post("/console/broadcasts/preview",
                   form + "&template=pelatihan_baru&template_language=en_US&template_params=" +
                       console::url_encode("Senin\r\nBLK Lumajang\r\n"));
        CHECK(r.status == 200);
        CHECK(has(r.body,
                  "<dd id=\"template-shown\">pelatihan_baru (en_US): Senin · BLK Lumajang</dd>"));
        CHECK(has(r.body, "name=\"template\" value=\"pelatihan_baru\""));  // kept for sending
        // Refused in plain words, nothing stored.
        CHECK(has(b.post("/console/broadcasts/preview", form + "&template_params=x").body,
                  "Parameter templat perlu nama templat."));
        CHECK(b.post("/console/broadcasts/preview", form + "&template=Pelatihan+Baru").status ==
              400);
        CHECK(
            has(b.post("/console/broadcasts", form + "&template=p&template_language=english").body,
                "Bahasa templat ditulis seperti id, en atau en_US."));
        CHECK(s.broadcasts.list().empty());

        r = b.post("/console/broadcasts",
                   form + "&template=pelatihan_baru&template_params=" +
                       console::url_encode("Senin\nBLK Lumajang"));
        REQUIRE(r.status == 303);
        REQUIRE(s.broadcasts.list().size() == 1);
        const auto stored = s.broadcasts.list().front().fallback_template;
        REQUIRE(stored);
        CHECK(stored->name == "pelatihan_baru");
        CHECK(stored->language == "id");
        CHECK(stored->parameters == std::vector<std::string>{"Senin", "BLK Lumajang"});
        CHECK(has(b.get(header(r, "Location")).body, "pelatihan_baru (id): Senin · BLK Lumajang"));
    }

    TEST_CASE("console: staff preview a broadcast, create it and cancel it, viewers only read") {
        console_server s;
        s.add("sari", "staff");
        s.add("vina", "viewer");
        s.resident_writes("+6281234500001", "halo", "w1");
        s.resident_writes("+6281234500002", "halo", "w2");
        browser b{s.server->port()};
        REQUIRE(b.login("sari", s.password).status == 303);
        auto r = b.get("/console/broadcasts");
        CHECK(r.status == 200);
        CHECK(has(r.body, "Belum ada siaran"));
        CHECK(has(r.body, "Pratinjau"));

        const std::string form =
            "segment=&channel=wa&text=" + console::url_encode("Pelatihan besok");
        r = b.post("/console/broadcasts/preview", form);
        CHECK(r.status == 200);
        CHECK(has(r.body, "<dd id=\"recipients\">2 kontak</dd>"));
        CHECK(has(r.body, "Kirim siaran ke 2 kontak"));
        CHECK(s.broadcasts.list().empty());  // a preview writes nothing
        // Over budget: no confirm button, and create refuses too.
        r = b.post("/console/broadcasts/preview", form + "&budget=1");
        CHECK(has(r.body, "melebihi anggaran"));
        CHECK(!has(r.body, "Kirim siaran"));
        CHECK(b.post("/console/broadcasts", form + "&budget=1").status == 409);
        CHECK(b.post("/console/broadcasts/preview", "segment=warna%3Dbiru&channel=wa&text=x")
                  .status == 400);
        CHECK(has(b.post("/console/broadcasts/preview", "channel=wa&node=tidak_ada").body,
                  "Tidak ada simpul"));

        r = b.post("/console/broadcasts", form);
        REQUIRE(r.status == 303);
        const auto location = header(r, "Location");
        CHECK(has(location, "msg=created"));
        REQUIRE(s.broadcasts.list().size() == 1);
        const auto id = std::to_string(s.broadcasts.list().front().id);
        r = b.get(location);
        CHECK(has(r.body, "Penerima: 2"));
        CHECK(has(r.body, "Siap / berjalan"));
        CHECK(has(r.body, "Batalkan siaran"));
        CHECK(s.audited("create_broadcast"));

        browser v{s.server->port()};
        REQUIRE(v.login("vina", s.password).status == 303);
        CHECK(v.get("/console/broadcasts/" + id).status == 200);
        CHECK(!has(v.get("/console/broadcasts/" + id).body, "Batalkan siaran"));
        CHECK(v.post("/console/broadcasts/" + id + "/cancel", "").status == 403);
        CHECK(v.post("/console/broadcasts/preview", form).status == 403);

        r = b.post("/console/broadcasts/" + id + "/cancel", "");
        CHECK(r.status == 303);
        CHECK(has(b.get(header(r, "Location")).body, "Dibatalkan"));
        CHECK(s.broadcasts.list().front().status == storage::broadcast_status::cancelled);
        CHECK(s.audited("cancel_broadcast"));
        CHECK(b.post("/console/broadcasts/99/cancel", "").status == 404);
    }
}
