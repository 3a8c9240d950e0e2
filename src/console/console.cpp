#include "console/console.hpp"

#include "app/api_tokens.hpp"
#include "app/contacts.hpp"
#include "app/staff_role.hpp"
#include "console/html.hpp"
#include "console/i18n.hpp"
#include "console/security.hpp"
#include "console/throttle.hpp"
#include "messaging/address.hpp"

#include <boost/system/system_error.hpp>
#include <boost/url/parse_query.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <deque>
#include <limits>
#include <map>
#include <regex>
#include <sstream>

namespace sapa::console {

using server::http_request;
using server::http_response;
using server::responder;
using server::route_params;

namespace {

constexpr const char* session_cookie = "sapa_session";
constexpr const char* login_cookie = "sapa_login";
constexpr const char* language_cookie = "sapa_lang";
constexpr int page_size = 25;

using fields = std::map<std::string, std::string>;

// application/x-www-form-urlencoded (a form body or a query): the first value of each key.
// Undecodable input gives no fields. `encoded` is a std::string: Boost.URL 1.81's
// parse_query reads its input up to a NUL (see gateway/detail/text.cpp).
fields decode_fields(const std::string& encoded) {
    fields out;
    auto parsed = boost::urls::parse_query(encoded);
    if (!parsed) return out;
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    for (auto p : *parsed)
        out.emplace(p.key.decode(opts), p.value.decode(opts));
    return out;
}

std::string cookie_of(const http_request& req, std::string_view name) {
    std::string_view all = req.header("cookie");
    while (!all.empty()) {
        auto end = all.find(';');
        auto part = all.substr(0, end);
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        if (part.size() > name.size() && part.substr(0, name.size()) == name &&
            part[name.size()] == '=')
            return std::string(part.substr(name.size() + 1));
        if (end == std::string_view::npos) break;
        all.remove_prefix(end + 1);
    }
    return {};
}

std::string text_of(const storage::export_value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return {};
}

std::int64_t int_of(const storage::export_value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
    return 0;
}

std::optional<std::int64_t> number_of(std::string_view text) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
    return n;
}

// A page cursor of the query (before= or after=, a row id): 0 when absent, nullopt when it is
// not a row id.
std::optional<std::int64_t> cursor_of(const fields& query, const std::string& name) {
    auto it = query.find(name);
    if (it == query.end() || it->second.empty()) return 0;
    return number_of(it->second);
}

// Rows of an export kept as they stream by, those `accept` takes: either the last `keep` or
// the first `keep`. Memory stays at `keep` rows whatever the table's size.
class rows_sink final : public storage::row_sink {
  public:
    using row_values = std::vector<storage::export_value>;
    rows_sink(std::size_t keep,
              bool last,
              std::function<bool(const rows_sink&, const row_values&)> accept = {})
        : keep_(keep), last_(last), accept_(std::move(accept)) {}

    void begin(const std::vector<storage::export_column>& columns) override { columns_ = columns; }
    void row(const row_values& values) override {
        if (accept_ && !accept_(*this, values)) return;
        ++matched_;
        if (last_) {
            rows_.push_back(values);
            if (rows_.size() > keep_) rows_.pop_front();
        } else if (rows_.size() < keep_) {
            rows_.push_back(values);
        }
    }
    void end() override {}

    int column(std::string_view name) const {
        for (std::size_t i = 0; i < columns_.size(); ++i)
            if (columns_[i].name == name) return static_cast<int>(i);
        return -1;
    }
    std::string text(const row_values& r, std::string_view name) const {
        auto i = column(name);
        return i < 0 ? std::string() : text_of(r[static_cast<std::size_t>(i)]);
    }
    std::int64_t integer(const row_values& r, std::string_view name) const {
        auto i = column(name);
        return i < 0 ? 0 : int_of(r[static_cast<std::size_t>(i)]);
    }
    const std::vector<storage::export_column>& columns() const { return columns_; }
    const std::deque<row_values>& rows() const { return rows_; }
    std::size_t matched() const { return matched_; }

  private:
    std::size_t keep_;
    bool last_;
    std::function<bool(const rows_sink&, const row_values&)> accept_;
    std::vector<storage::export_column> columns_;
    std::deque<row_values> rows_;
    std::size_t matched_ = 0;
};

std::string_view request_label(std::string_view kind) {
    if (kind == "handoff") return N_("Minta petugas");
    if (kind == "erase") return N_("Hapus data");
    return kind;
}

std::string_view status_label(std::string_view status) {
    if (status == "open") return N_("Terbuka");
    if (status == "done") return N_("Selesai");
    if (status == "registered") return N_("Terdaftar");
    if (status == "waitlisted") return N_("Daftar tunggu");
    if (status == "cancelled") return N_("Dibatalkan");
    if (status == "confirmed") return N_("Dikonfirmasi");
    if (status == "attended") return N_("Hadir");
    if (status == "queued") return N_("Antre");
    if (status == "sent") return N_("Terkirim");
    if (status == "delivered") return N_("Diterima");
    if (status == "read") return N_("Dibaca");
    if (status == "failed") return N_("Gagal");
    if (status == "received") return N_("pesan|Masuk");
    return status;
}

}  // namespace

// --- The handlers ---

struct console::impl : std::enable_shared_from_this<impl> {
    impl(storage::store& s, app::conversations& c, console_options o)
        : store(s),
          conversations(c),
          options(std::move(o)),
          throttle(options.login_failures_allowed) {}

    storage::store& store;
    app::conversations& conversations;
    console_options options;
    login_throttle throttle;

    // What a signed-in handler sees.
    struct context {
        const http_request& request;
        const route_params& params;
        storage::staff_login login;
        app::staff_role role;
        fields form;
        fields query;
        unix_seconds now;
        language lang = language::id;

        frame frame_for(std::string title, std::string current) const {
            return {std::move(title),
                    login.account.name,
                    login.account.role,
                    login.session.csrf_token,
                    std::move(current),
                    lang,
                    request.path + (request.query.empty() ? "" : "?" + request.query)};
        }
        // `indonesian` in the staff member's language, its {placeholders} filled.
        std::string t(std::string_view indonesian) const {
            return std::string(translate(lang, indonesian));
        }
        std::string t(std::string_view indonesian, const placeholders& values) const {
            return fill(translate(lang, indonesian), values);
        }
        bool viewer() const { return role == app::staff_role::viewer; }
        // Free text as this role may see it.
        std::string shown(std::string_view text) const {
            return escape(viewer() ? mask_niks(text) : std::string(text));
        }
        std::string param(const std::string& name) const {
            auto it = params.find(name);
            return it == params.end() ? std::string() : it->second;
        }
        std::string field(const std::string& name) const {
            auto it = form.find(name);
            return it == form.end() ? std::string() : it->second;
        }
        std::string arg(const std::string& name) const {
            auto it = query.find(name);
            return it == query.end() ? std::string() : it->second;
        }
    };
    using page_function = std::function<http_response(context&)>;

    unix_seconds now() const {
        if (options.clock) return options.clock();
        using namespace std::chrono;
        return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    }

    bool trusted(const http_request& req) const {
        return std::find(options.trusted_proxies.begin(),
                         options.trusted_proxies.end(),
                         req.remote_address) != options.trusted_proxies.end();
    }

    // The browser's address: the last X-Forwarded-For hop when the peer is a trusted proxy.
    std::string client_of(const http_request& req) const {
        const auto& forwarded = req.header("x-forwarded-for");
        if (!trusted(req) || forwarded.empty()) return req.remote_address;
        auto start = forwarded.rfind(',');
        std::string last = forwarded.substr(start == std::string::npos ? 0 : start + 1);
        last.erase(0, last.find_first_not_of(' '));
        last.erase(last.find_last_not_of(' ') + 1);
        return last.empty() ? req.remote_address : last;
    }

    // The browser's language: its sapa_lang cookie, else its Accept-Language.
    static language language_of(const http_request& req) {
        return sapa::console::language_of(cookie_of(req, language_cookie),
                                          req.header("accept-language"));
    }

    bool over_https(const http_request& req) const {
        return options.secure_cookies ||
               (trusted(req) && req.header("x-forwarded-proto") == "https");
    }

    std::string cookie(const http_request& req,
                       const char* name,
                       const std::string& value,
                       bool clear = false) const {
        std::string c =
            std::string(name) + "=" + value + "; Path=/console; HttpOnly; SameSite=Strict";
        if (clear) c += "; Max-Age=0";
        if (over_https(req)) c += "; Secure";
        return c;
    }

    static http_response html(int status, std::string body) {
        http_response r;
        r.status = status;
        r.content_type = "text/html; charset=utf-8";
        r.body = std::move(body);
        return r;
    }

    static http_response redirect(const std::string& to) {
        http_response r;
        r.status = 303;
        r.headers.emplace_back("Location", to);
        r.body = "see " + to + "\n";
        return r;
    }

    static http_response message_page(int status,
                                      const std::string& title,
                                      const std::string& text,
                                      const frame* signed_in = nullptr) {
        frame f = signed_in ? *signed_in : frame{};
        f.title = title;
        return html(status,
                    page(f,
                         "<p class=\"error\">" + escape(text) + "</p><p><a href=\"/console\">" +
                             std::string(translate(f.lang, "Kembali ke konsol")) + "</a></p>"));
    }

    // Every console answer: not cached, not framed, only our own resources.
    static void secure(http_response& r) {
        r.headers.emplace_back("Cache-Control", "no-store");
        r.headers.emplace_back("X-Frame-Options", "DENY");
        r.headers.emplace_back("X-Content-Type-Options", "nosniff");
        r.headers.emplace_back("Referrer-Policy", "same-origin");
        r.headers.emplace_back(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    }

    void audit(const std::string& who,
               std::string action,
               std::string object,
               std::string detail = {}) {
        store.add_audit({0, now(), who, std::move(action), std::move(object), std::move(detail)});
    }

    // Runs `work` off the io threads and answers with what it returns; a failure is a 500 page.
    void blocking(responder respond,
                  std::function<http_response()> work,
                  language lang = language::id) {
        auto task = [respond = std::move(respond), work = std::move(work), lang]() mutable {
            http_response r;
            try {
                r = work();
            } catch (const std::exception& e) {
                frame f;
                f.lang = lang;
                r = message_page(500,
                                 std::string(translate(lang, "Terjadi kesalahan")),
                                 fill(translate(lang, "Permintaan tidak dapat diselesaikan: {why}"),
                                      {{"why", e.what()}}),
                                 &f);
            }
            secure(r);
            respond(std::move(r));
        };
        if (options.run_blocking) {
            options.run_blocking(std::move(task));
        } else {
            task();
        }
    }

    // A signed-in route: session, expiry, role, CSRF (POST), then `fn`.
    server::route_handler guarded(app::staff_role need, page_function fn) {
        return [self = shared_from_this(), need, fn = std::move(fn)](
                   http_request req, const route_params& params, responder respond) {
            auto shared_req = std::make_shared<http_request>(std::move(req));
            auto shared_params = std::make_shared<route_params>(params);
            const auto lang = language_of(*shared_req);
            self->blocking(
                std::move(respond),
                [self, need, fn, shared_req, shared_params] {
                    return self->run_guarded(need, fn, *shared_req, *shared_params);
                },
                lang);
        };
    }

    http_response run_guarded(app::staff_role need,
                              const page_function& fn,
                              const http_request& req,
                              const route_params& params) {
        const auto t = now();
        const auto token = cookie_of(req, session_cookie);
        std::optional<storage::staff_login> login;
        if (!token.empty()) login = store.find_staff_session(app::hash_token(token));
        if (!login) return redirect("/console/login");
        const auto& s = login->session;
        if (t - s.last_seen_at >= options.session_idle_seconds ||
            t - s.created_at >= options.session_max_seconds) {
            store.end_staff_session(s.token_hash);
            audit(login->account.name, "session_expired", "");
            auto r = redirect("/console/login?expired=1");
            r.headers.emplace_back("Set-Cookie", cookie(req, session_cookie, "", true));
            return r;
        }
        auto role = app::parse_staff_role(login->account.role).value_or(app::staff_role::viewer);
        context c{req, params, *login, role, {}, decode_fields(req.query), t, language_of(req)};
        if (!app::allows(role, need)) {
            audit(login->account.name,
                  "refused",
                  req.method + " " + req.path,
                  "needs " + std::string(app::to_string(need)));
            auto f = c.frame_for("", "");
            return message_page(
                403,
                c.t("Akses ditolak"),
                c.t("Halaman atau tindakan ini hanya untuk peran {need} ke atas. "
                    "Anda masuk sebagai {role}.",
                    {{"need", std::string(app::to_string(need))}, {"role", login->account.role}}),
                &f);
        }
        if (req.method == "POST") {
            c.form = decode_fields(req.body);
            if (!same_secret(c.field("csrf"), s.csrf_token)) {
                audit(login->account.name, "csrf_refused", req.method + " " + req.path);
                auto f = c.frame_for("", "");
                return message_page(
                    403,
                    c.t("Permintaan ditolak"),
                    c.t("Token formulir tidak cocok (perlindungan CSRF). Muat ulang "
                        "halaman, lalu coba lagi."),
                    &f);
            }
        }
        if (t - s.last_seen_at >= 60) store.touch_staff_session(s.token_hash, t);
        return fn(c);
    }

    // --- Sign in and out ---

    http_response login_page(const http_request& req,
                             int status,
                             const std::string& problem,
                             const std::string& name = {}) {
        auto csrf = app::random_secret();
        auto query = decode_fields(req.query);
        const auto lang = language_of(req);
        auto t = [lang](std::string_view text) { return std::string(translate(lang, text)); };
        std::string body;
        if (query.count("expired"))
            body += "<p class=\"notice\">" + t("Sesi Anda berakhir. Silakan masuk lagi.") + "</p>";
        if (query.count("out")) body += "<p class=\"notice\">" + t("Anda sudah keluar.") + "</p>";
        if (!problem.empty())
            body += "<p class=\"error\" role=\"alert\">" + escape(problem) + "</p>";
        body += "<form method=\"post\" action=\"/console/login\">" + csrf_field(csrf) +
                "<label for=\"name\">" + t("Nama akun") +
                "</label>"
                "<input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"username\" required "
                "value=\"" +
                escape(name) +
                "\">"
                "<label for=\"password\">" +
                t("Kata sandi") +
                "</label>"
                "<input type=\"password\" id=\"password\" name=\"password\" "
                "autocomplete=\"current-password\" required>"
                "<p><button type=\"submit\">" +
                t("Masuk") + "</button></p></form>";
        auto r = html(
            status,
            page({t("Masuk ke konsol petugas"), "", "", "", "", lang, "/console/login"}, body));
        r.headers.emplace_back("Set-Cookie", cookie(req, login_cookie, csrf));
        return r;
    }

    static std::string wait_words(std::int64_t seconds, language lang) {
        if (seconds < 120)
            return fill(translate(lang, "{n} detik"), {{"n", std::to_string(seconds)}});
        return fill(translate(lang, "{n} menit"), {{"n", std::to_string((seconds + 59) / 60)}});
    }

    http_response login(const http_request& req) {
        const auto t = now();
        auto form = decode_fields(req.body);
        const auto name = form["name"];
        const auto lang = language_of(req);
        if (!same_secret(form["csrf"], cookie_of(req, login_cookie)))
            return login_page(req,
                              403,
                              std::string(translate(lang,
                                                    "Formulir masuk sudah kedaluwarsa "
                                                    "(perlindungan CSRF). Silakan coba lagi.")),
                              name);
        const auto account_key = "account:" + name;
        const auto client_key = "client:" + client_of(req);
        auto wait =
            std::max(throttle.wait_seconds(account_key, t), throttle.wait_seconds(client_key, t));
        if (wait > 0) {
            audit(name, "login_throttled", "client " + client_of(req));
            return login_page(req,
                              429,
                              fill(translate(lang,
                                             "Terlalu banyak percobaan masuk yang gagal. Demi "
                                             "keamanan, coba lagi dalam {wait}."),
                                   {{"wait", wait_words(wait, lang)}}),
                              name);
        }
        auto account = name.empty() ? std::nullopt : store.find_staff(name);
        bool ok = false;
        if (account) {
            ok = password_matches(form["password"], account->password_hash);
        } else {
            spend_password_check_time(form["password"]);
        }
        if (!ok) {
            throttle.failed(account_key, t);
            throttle.failed(client_key, t);
            audit(name, "login_failed", "client " + client_of(req));
            return login_page(
                req, 401, std::string(translate(lang, "Nama akun atau kata sandi salah.")), name);
        }
        throttle.succeeded(account_key);
        throttle.succeeded(client_key);
        const auto token = app::random_secret();
        store.end_stale_staff_sessions(t - options.session_idle_seconds,
                                       t - options.session_max_seconds);
        store.add_staff_session({app::hash_token(token), account->id, app::random_secret(), t, t});
        audit(account->name, "login", "client " + client_of(req));
        auto r = redirect("/console/inbox");
        r.headers.emplace_back("Set-Cookie", cookie(req, session_cookie, token));
        r.headers.emplace_back("Set-Cookie", cookie(req, login_cookie, "", true));
        return r;
    }

    http_response logout(context& c) {
        store.end_staff_session(c.login.session.token_hash);
        audit(c.login.account.name, "logout", "");
        auto r = redirect("/console/login?out=1");
        r.headers.emplace_back("Set-Cookie", cookie(c.request, session_cookie, "", true));
        return r;
    }

    // --- Inbox ---

    std::string when(unix_seconds t) const {
        return storage::format_timestamp(t, options.utc_offset_minutes, false);
    }

    // A sink that keeps only request `id` (the requests stream by, one row held at most).
    static rows_sink request_sink(std::int64_t id) {
        return rows_sink(1, true, [id](const rows_sink& s, const rows_sink::row_values& r) {
            return s.integer(r, "id") == id;
        });
    }

    // Request `id`, which `sink` (request_sink(id)) looks for, or nullopt; `sink` keeps its
    // columns. One row read: the newest request below id + 1.
    std::optional<rows_sink::row_values> find_request(rows_sink& sink, std::int64_t id) {
        if (id == std::numeric_limits<std::int64_t>::max()) return std::nullopt;  // no id + 1
        storage::export_filter one;
        one.newest_first = true;
        one.before = id + 1;
        one.limit = 1;
        store.export_rows(storage::export_kind::requests, one, sink);
        if (sink.rows().empty()) return std::nullopt;
        return sink.rows().front();
    }

    // One page of an export, newest first.
    struct newest_page {
        rows_sink sink{page_size + 1, false};            // the columns, and the rows as read
        std::vector<const rows_sink::row_values*> rows;  // at most page_size, newest first
        std::int64_t newer = 0;                          // after= of the newer page; 0: none
        std::int64_t older = 0;                          // before= of the older page; 0: none
    };

    // The page of `kind` (with `f`'s filters) at the query's cursor: before=ID (rows older than
    // ID) or after=ID (the page of rows just newer than ID); neither, or fewer newer rows than
    // a page: the newest page. nullopt when a cursor is not a row id. One keyset query on the
    // store's read connection (`id < ? ORDER BY id DESC LIMIT n`), whatever the page.
    std::optional<newest_page> page_of(const context& c,
                                       storage::export_kind kind,
                                       storage::export_filter f) {
        const auto before = cursor_of(c.query, "before"), after = cursor_of(c.query, "after");
        if (!before || !after) return std::nullopt;
        auto p = std::make_optional<newest_page>();
        f.limit = page_size + 1;  // one more: is there another page?
        if (*after > 0) {
            f.after = *after;
            auto s = store.export_rows(kind, f, p->sink);
            if (s.rows > page_size) {
                const auto& rows = p->sink.rows();
                for (auto i = static_cast<std::ptrdiff_t>(page_size) - 1; i >= 0; --i)
                    p->rows.push_back(&rows[static_cast<std::size_t>(i)]);
                p->newer = s.last_id - 1;
                p->older = s.first_id;
                return p;
            }
            p->sink = rows_sink(page_size + 1, false);
            f.after = 0;
        } else {
            f.before = *before;
        }
        f.newest_first = true;
        auto s = store.export_rows(kind, f, p->sink);
        for (const auto& r : p->sink.rows())
            if (p->rows.size() < static_cast<std::size_t>(page_size)) p->rows.push_back(&r);
        if (s.rows > page_size) p->older = s.last_id + 1;
        if (f.before > 0) p->newer = s.rows > 0 ? s.first_id : f.before - 1;
        return p;
    }

    http_response bad_cursor(const context& c, const frame& f) {
        return message_page(
            400, c.t("Halaman tidak ada"), c.t("Penanda halaman itu tidak sah."), &f);
    }

    http_response inbox(context& c) {
        const bool open_only = c.arg("status") == "open";
        const auto f = c.frame_for(c.t("Kotak masuk"), "/console/inbox");
        storage::export_filter filter;
        if (open_only) filter.status = "open";
        const auto p = page_of(c, storage::export_kind::requests, filter);
        if (!p) return bad_cursor(c, f);
        const auto& sink = p->sink;
        std::string body = "<p>" +
                           c.t("Permintaan warga: minta petugas dan hapus data. Terbaru di atas.") +
                           "</p>"
                           "<p><a href=\"/console/inbox\">" +
                           c.t("Semua") + "</a> · <a href=\"/console/inbox?status=open\">" +
                           c.t("Hanya yang terbuka") + "</a></p>";
        if (p->rows.empty()) {
            body += "<p class=\"notice\">" + c.t("Belum ada permintaan.") + "</p>";
        } else {
            body +=
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
                "aria-label=\"" +
                c.t("Tabel") + "\"><table><thead><tr><th scope=\"col\">" + c.t("No.") +
                "</th>"
                "<th scope=\"col\">" +
                c.t("Waktu") + "</th><th scope=\"col\">" + c.t("Warga") +
                "</th><th scope=\"col\">" + c.t("Jenis") + "</th><th scope=\"col\">" +
                c.t("Pesan") + "</th><th scope=\"col\">" + c.t("Status") +
                "</th></tr></thead>"
                "<tbody>";
            for (const auto* row : p->rows) {
                const auto& r = *row;
                const auto id = sink.integer(r, "id");
                body += "<tr><td><a href=\"/console/inbox/" + std::to_string(id) + "\">" +
                        std::to_string(id) + "</a></td><td>" + when(sink.integer(r, "time")) +
                        "</td><td>" + escape(sink.text(r, "contact")) + "</td><td>" +
                        c.t(request_label(sink.text(r, "request"))) + "</td><td>" +
                        c.shown(sink.text(r, "words")) + "</td><td>" +
                        c.t(status_label(sink.text(r, "status"))) + "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        body += pager(open_only ? "/console/inbox?status=open" : "/console/inbox",
                      p->newer,
                      p->older,
                      c.lang);
        return html(200, page(f, body));
    }

    // A contact's messages, oldest first (the last `limit`), as a list.
    std::string thread(const context& c, const std::string& contact, int limit) {
        rows_sink sink(static_cast<std::size_t>(limit), true);
        storage::export_filter f;
        f.contact = contact;
        store.export_rows(storage::export_kind::conversations, f, sink);
        if (sink.rows().empty()) return "<p class=\"notice\">" + c.t("Belum ada pesan.") + "</p>";
        std::string out;
        if (sink.matched() > sink.rows().size())
            out += "<p class=\"meta\">" +
                   c.t("{shown} pesan terakhir dari {all}.",
                       {{"shown", std::to_string(sink.rows().size())},
                        {"all", std::to_string(sink.matched())}}) +
                   "</p>";
        out += "<ol class=\"thread\">";
        for (const auto& r : sink.rows()) {
            const bool in = sink.text(r, "direction") == "in";
            out += std::string("<li class=\"") + (in ? "in" : "out") + "\"><div class=\"meta\">" +
                   (in ? c.t("Warga") : "Sapa") + " · " + when(sink.integer(r, "time")) + " · " +
                   escape(sink.text(r, "channel")) + " · " +
                   c.t(status_label(sink.text(r, "status")));
            const auto reason = sink.text(r, "status_reason");
            if (!reason.empty()) out += " (" + escape(reason) + ")";
            out += "</div><div>" + c.shown(sink.text(r, "text")) + "</div>";
            const auto match = sink.text(r, "match_kind");
            if (!match.empty()) {
                out += "<div class=\"meta\">" + c.t("Dibaca mesin:") + " " + escape(match);
                const auto detail = sink.text(r, "match_detail");
                if (!detail.empty()) out += " — " + c.shown(detail);
                out += "</div>";
            }
            out += "</li>";
        }
        return out + "</ol>";
    }

    http_response request_page(context& c) {
        auto id = number_of(c.param("id"));
        auto sink = request_sink(id.value_or(0));
        auto r = id ? find_request(sink, *id) : std::nullopt;
        auto f = c.frame_for(c.t("Permintaan"), "/console/inbox");
        if (!r)
            return message_page(404, c.t("Tidak ditemukan"), c.t("Permintaan itu tidak ada."), &f);
        const auto contact = sink.text(*r, "contact");
        const auto status = sink.text(*r, "status");
        const auto path = "/console/inbox/" + std::to_string(*id);
        std::string body;
        if (c.arg("msg") == "sent")
            body += "<p class=\"notice\" role=\"status\">" + c.t("Balasan masuk antrean kirim.") +
                    "</p>";
        if (c.arg("msg") == "done")
            body += "<p class=\"notice\" role=\"status\">" + c.t("Permintaan ditandai selesai.") +
                    "</p>";
        body += "<dl><dt>" + c.t("Jenis") + "</dt><dd>" +
                c.t(request_label(sink.text(*r, "request"))) + "</dd><dt>" + c.t("Waktu") +
                "</dt><dd>" + when(sink.integer(*r, "time")) + "</dd><dt>" + c.t("Warga") +
                "</dt><dd><a href=\"/console/conversation?contact=" + escape(url_encode(contact)) +
                "\">" + escape(contact) + "</a></dd><dt>" + c.t("Pesan") + "</dt><dd>" +
                c.shown(sink.text(*r, "words")) + "</dd><dt>" + c.t("Status") + "</dt><dd>" +
                c.t(status_label(status)) + "</dd></dl>";
        if (app::allows(c.role, app::staff_role::staff)) {
            const auto& csrf = c.login.session.csrf_token;
            if (!contact.starts_with("anon-")) {
                body += "<h2>" + c.t("Balas") + "</h2><form method=\"post\" action=\"" + path +
                        "/reply\">" + csrf_field(csrf) + "<label for=\"text\">" +
                        c.t("Pesan untuk warga") +
                        "</label><textarea id=\"text\" "
                        "name=\"text\" required maxlength=\"1600\"></textarea><p><button "
                        "type=\"submit\">" +
                        c.t("Kirim balasan") + "</button></p></form>";
            }
            if (status == "open")
                body += button_form(path + "/done", csrf, c.t("Tandai selesai"), {}, "secondary");
            if (!contact.starts_with("anon-"))
                body += " <a class=\"button danger\" href=\"" + path + "/erase\">" +
                        c.t("Hapus data warga…") + "</a>";
        }
        body += "<h2>" + c.t("Percakapan") + "</h2>" + thread(c, contact, 50);
        f.title = c.t("Permintaan {id}", {{"id", std::to_string(*id)}});
        return html(200, page(f, body));
    }

    // The request's contact, or a page saying why there is none.
    std::optional<std::string> request_contact(context& c, http_response& problem) {
        auto id = number_of(c.param("id"));
        auto sink = request_sink(id.value_or(0));
        auto r = id ? find_request(sink, *id) : std::nullopt;
        auto f = c.frame_for("", "/console/inbox");
        if (!r) {
            problem =
                message_page(404, c.t("Tidak ditemukan"), c.t("Permintaan itu tidak ada."), &f);
            return std::nullopt;
        }
        return sink.text(*r, "contact");
    }

    http_response reply(context& c) {
        http_response problem;
        auto contact = request_contact(c, problem);
        if (!contact) return problem;
        auto f = c.frame_for("", "/console/inbox");
        const auto text = c.field("text");
        if (text.empty() || text.size() > 1600)
            return message_page(
                400, c.t("Balasan kosong"), c.t("Tulis balasan (paling banyak 1600 huruf)."), &f);
        if (contact->starts_with("anon-"))
            return message_page(
                409, c.t("Tidak dapat dibalas"), c.t("Data warga ini sudah dihapus."), &f);
        std::string channel_name;
        store.run([&](storage::transaction& t) {
            if (auto k = t.find_contact(*contact)) channel_name = t.last_channel(k->id);
        });
        auto channel = std::find_if(
            options.channels.begin(), options.channels.end(), [&](const app::channel& ch) {
                return ch.name == channel_name;
            });
        if (channel == options.channels.end())
            return message_page(409,
                                c.t("Tidak dapat dibalas"),
                                c.t("Kanal terakhir warga ini tidak aktif, jadi balasan tidak bisa "
                                    "dikirim."),
                                &f);
        try {
            conversations.start_now(*contact, *channel, app::opening{{text}, {}, {}}, c.now);
        } catch (const boost::system::system_error& e) {
            return message_page(409,
                                c.t("Tidak terkirim"),
                                c.t("Balasan tidak dapat diantrekan: {why}", {{"why", e.what()}}),
                                &f);
        }
        audit(c.login.account.name,
              "reply",
              "request " + c.param("id"),
              std::to_string(text.size()) + " bytes on " + channel->name);
        return redirect("/console/inbox/" + c.param("id") + "?msg=sent");
    }

    http_response mark_done(context& c) {
        auto id = number_of(c.param("id"));
        auto f = c.frame_for("", "/console/inbox");
        if (!id || !store.mark_request_done(*id, c.now))
            return message_page(404, c.t("Tidak ditemukan"), c.t("Permintaan itu tidak ada."), &f);
        audit(c.login.account.name, "mark_done", "request " + std::to_string(*id));
        return redirect("/console/inbox/" + std::to_string(*id) + "?msg=done");
    }

    http_response erase_confirm(context& c) {
        http_response problem;
        auto contact = request_contact(c, problem);
        if (!contact) return problem;
        const auto path = "/console/inbox/" + c.param("id");
        std::string body =
            "<p class=\"error\">" +
            c.t("Semua data pribadi warga {contact} akan dihapus: isian, bahasa, isi pesan, dan "
                "isian pendaftaran. Hitungan tetap ada tanpa nama. Tindakan ini tidak bisa "
                "dibatalkan.",
                {{"contact", escape(*contact)}}) +
            "</p>"
            "<form method=\"post\" action=\"" +
            path + "/erase\">" + csrf_field(c.login.session.csrf_token) +
            "<input type=\"hidden\" name=\"confirm\" value=\"yes\">"
            "<button type=\"submit\" class=\"danger\">" +
            c.t("Ya, hapus data warga ini") +
            "</button></form>"
            "<p><a href=\"" +
            path + "\">" + c.t("Batal") + "</a></p>";
        return html(200, page(c.frame_for(c.t("Hapus data warga?"), "/console/inbox"), body));
    }

    http_response erase(context& c) {
        http_response problem;
        auto contact = request_contact(c, problem);
        if (!contact) return problem;
        if (c.field("confirm") != "yes")
            return redirect("/console/inbox/" + c.param("id") + "/erase");
        auto counts = store.forget(*contact, c.now);
        audit(c.login.account.name,
              "erase",
              "request " + c.param("id"),
              std::to_string(counts.messages) + " messages, " +
                  std::to_string(counts.registrations) + " registrations");
        return redirect("/console/inbox/" + c.param("id"));
    }

    http_response conversation(context& c) {
        const auto contact = storage::normalize_address(c.arg("contact"));
        auto f = c.frame_for(c.t("Percakapan {contact}", {{"contact", contact}}), "");
        if (contact.empty())
            return message_page(400, c.t("Percakapan"), c.t("Sebutkan nomor warga."), &f);
        return html(200, page(f, thread(c, contact, 200)));
    }

    // --- Registrations ---

    // Filters of the registrations page and its CSV: course (exact), status, and a search in
    // the code and the name fields.
    struct registration_filter {
        std::string course, status, search;

        static registration_filter of(const context& c) {
            return {c.arg("course"), c.arg("status"), c.arg("q")};
        }
        std::string query() const {
            std::string q;
            auto add = [&q](const char* k, const std::string& v) {
                if (v.empty()) return;
                q += (q.empty() ? "?" : "&") + std::string(k) + "=" + url_encode(v);
            };
            add("course", course);
            add("status", status);
            add("q", search);
            return q;
        }
        // For the audit log: never the search words (a name), which `forget` could not find
        // there; only that there were some.
        std::string audited() const {
            std::string q = "course=" + course + " status=" + status;
            return search.empty() ? q : q + " with a search";
        }
        storage::export_filter store_filter() const {
            storage::export_filter f;
            if (!course.empty()) f.course = course;
            if (!status.empty()) f.status = status;
            if (!search.empty()) f.search = search;
            return f;
        }
    };

    // The fields worth a column on the page: names, places, the NIK (masked for viewers).
    static bool shown_field(std::string_view name) {
        return name.find("nama") != std::string::npos || name.find("name") != std::string::npos ||
               name.find("kecamatan") != std::string::npos ||
               name.find("desa") != std::string::npos || name.find("nik") != std::string::npos;
    }

    http_response registrations(context& c) {
        const auto filter = registration_filter::of(c);
        const auto p = page_of(c, storage::export_kind::registrations, filter.store_filter());
        if (!p) return bad_cursor(c, c.frame_for(c.t("Pendaftaran"), "/console/registrations"));
        const auto& sink = p->sink;
        std::string body;
        if (c.arg("msg") == "cancelled")
            body += "<p class=\"notice\" role=\"status\">" +
                    c.t("Pendaftaran {code} dibatalkan.", {{"code", escape(c.arg("code"))}}) +
                    (c.arg("promoted").empty()
                         ? std::string()
                         : " " + c.t("{codes} naik dari daftar tunggu dan diberi tahu.",
                                     {{"codes", escape(c.arg("promoted"))}})) +
                    "</p>";
        body += change_notice(c);
        body +=
            "<form class=\"filters\" method=\"get\" action=\"/console/registrations\">"
            "<div><label for=\"course\">" +
            c.t("Kursus") +
            "</label><input type=\"text\" id=\"course\" "
            "name=\"course\" value=\"" +
            escape(filter.course) + "\"></div><div><label for=\"status\">" + c.t("Status") +
            "</label><select id=\"status\" "
            "name=\"status\">";
        for (const auto* st :
             {"", "registered", "confirmed", "attended", "waitlisted", "cancelled"}) {
            body += std::string("<option value=\"") + st + "\"" +
                    (filter.status == st ? " selected" : "") + ">" +
                    (*st ? c.t(status_label(st)) : c.t("Semua")) + "</option>";
        }
        body += "</select></div><div><label for=\"q\">" + c.t("Cari kode atau nama") +
                "</label><input "
                "type=\"search\" id=\"q\" name=\"q\" value=\"" +
                escape(filter.search) + "\"></div><div><button type=\"submit\">" + c.t("Saring") +
                "</button></div></form>";
        if (app::allows(c.role, app::staff_role::staff))
            body += "<p><a href=\"/console/registrations.csv" + escape(filter.query()) + "\">" +
                    c.t("Unduh CSV") + "</a></p>";
        if (p->rows.empty()) {
            body += "<p class=\"notice\">" + c.t("Tidak ada pendaftaran yang cocok.") + "</p>";
        } else {
            std::vector<std::string> extra;
            for (const auto& col : sink.columns())
                if (shown_field(col.name)) extra.push_back(col.name);
            body +=
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
                "aria-label=\"" +
                c.t("Tabel") + "\"><table><thead><tr><th scope=\"col\">" + c.t("Kode") +
                "</th><th scope=\"col\">" + c.t("Kursus") + "</th><th scope=\"col\">" +
                c.t("Status") + "</th><th scope=\"col\">" + c.t("Warga") + "</th>";
            for (const auto& e : extra)
                body += "<th scope=\"col\">" + escape(e) + "</th>";
            body += "<th scope=\"col\">" + c.t("Didaftar") + "</th><th scope=\"col\"><span>" +
                    c.t("Tindakan") + "</span></th></tr></thead><tbody>";
            for (const auto* row : p->rows) {
                const auto& r = *row;
                const auto code = sink.text(r, "code"), course = sink.text(r, "course"),
                           status = sink.text(r, "status"), contact = sink.text(r, "contact");
                body += "<tr><td>" + escape(code) + "</td><td>" + escape(course) + "</td><td>" +
                        c.t(status_label(status)) +
                        "</td><td><a href=\"/console/conversation?contact=" +
                        escape(url_encode(contact)) + "\">" + escape(contact) + "</a></td>";
                for (const auto& e : extra)
                    body += "<td>" + c.shown(sink.text(r, e)) + "</td>";
                body += "<td>" + when(sink.integer(r, "registered_at")) + "</td><td>";
                if (app::allows(c.role, app::staff_role::staff))
                    body += change_buttons(c, course, code, status);
                if (app::allows(c.role, app::staff_role::staff) && status != "cancelled")
                    body += button_form("/console/registrations/cancel",
                                        c.login.session.csrf_token,
                                        c.t("Batalkan {code}", {{"code", code}}),
                                        {{"course", course}, {"code", code}},
                                        "secondary");
                body += "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        auto base = "/console/registrations" + filter.query();
        body += pager(base, p->newer, p->older, c.lang);
        return html(200, page(c.frame_for(c.t("Pendaftaran"), "/console/registrations"), body));
    }

    http_response registrations_csv(context& c) {
        const auto filter = registration_filter::of(c);
        std::ostringstream out;
        storage::csv_writer csv(out,
                                {.utc_offset_minutes = options.utc_offset_minutes,
                                 .for_spreadsheets = true,
                                 .separator = ','});
        auto summary =
            store.export_rows(storage::export_kind::registrations, filter.store_filter(), csv);
        audit(c.login.account.name,
              "export_csv",
              "registrations " + filter.audited(),
              std::to_string(summary.rows) + " rows read");
        http_response r;
        r.content_type = "text/csv; charset=utf-8";
        r.headers.emplace_back("Content-Disposition", "attachment; filename=\"pendaftaran.csv\"");
        r.body = out.str();
        return r;
    }

    http_response cancel_registration(context& c) {
        const auto course = c.field("course"), code = c.field("code");
        auto f = c.frame_for("", "/console/registrations");
        app::cancel_outcome outcome;
        try {
            outcome = conversations.cancel_registration(course, code, c.now);
        } catch (const boost::system::system_error& e) {
            return message_page(
                409,
                c.t("Tidak dapat dibatalkan"),
                c.t("Pendaftaran tidak dapat dibatalkan: {why}", {{"why", e.what()}}),
                &f);
        }
        if (!outcome.found)
            return message_page(404,
                                c.t("Tidak ditemukan"),
                                c.t("Tidak ada pendaftaran {code} untuk kursus {course}.",
                                    {{"code", code}, {"course", course}}),
                                &f);
        std::string promoted;
        for (const auto& p : outcome.promotions)
            promoted += (promoted.empty() ? "" : ", ") + p.promoted.record.code;
        audit(c.login.account.name,
              "cancel_registration",
              "registration " + course + " " + code,
              promoted.empty() ? "" : "promoted " + promoted);
        return redirect("/console/registrations?msg=cancelled&code=" + url_encode(code) +
                        (promoted.empty() ? "" : "&promoted=" + url_encode(promoted)));
    }

    // The buttons of a registration's row that move it on: Konfirmasi (registered), Hadir
    // (registered or confirmed), Naikkan (waitlisted).
    static std::string change_buttons(const context& c,
                                      const std::string& course,
                                      const std::string& code,
                                      const std::string& status) {
        std::string out;
        auto button = [&](const char* action, const char* label) {
            out += button_form(std::string("/console/registrations/") + action,
                               c.login.session.csrf_token,
                               c.t(label, {{"code", code}}),
                               {{"course", course}, {"code", code}},
                               "");
        };
        if (status == "registered") button("confirm", N_("Konfirmasi {code}"));
        if (status == "registered" || status == "confirmed") button("attended", N_("Hadir {code}"));
        if (status == "waitlisted") button("promote", N_("Naikkan {code}"));
        return out;
    }

    // The notice after a change_registration redirect.
    static std::string change_notice(const context& c) {
        const auto msg = c.arg("msg"), code = escape(c.arg("code"));
        std::string text;
        const std::string told =
            " " + (c.arg("told").empty() ? c.t("Warga tidak dapat diberi tahu.")
                                         : c.t("Warga diberi tahu."));
        if (msg == "confirmed")
            text = c.t("Pendaftaran {code} dikonfirmasi.", {{"code", code}}) +
                   (c.arg("told").empty() ? "" : " " + c.t("Warga diberi tahu."));
        if (msg == "attended") text = c.t("Pendaftaran {code} ditandai hadir.", {{"code", code}});
        if (msg == "promoted")
            text = c.t("Pendaftaran {code} naik dari daftar tunggu ke kursi nomor {seat}.",
                       {{"code", code}, {"seat", escape(c.arg("seat"))}}) +
                   told;
        return text.empty() ? text : "<p class=\"notice\" role=\"status\">" + text + "</p>";
    }

    static std::string refusal_text(const context& c, engine::change_refusal r) {
        switch (r) {
            case engine::change_refusal::is_cancelled:
                return c.t("pendaftaran ini sudah dibatalkan; warga dapat mendaftar lagi.");
            case engine::change_refusal::is_waitlisted:
                return c.t("pendaftaran ini masih di daftar tunggu; naikkan dulu ke kursi.");
            case engine::change_refusal::is_attended:
                return c.t("warga ini sudah hadir.");
            case engine::change_refusal::not_waitlisted:
                return c.t("pendaftaran ini tidak di daftar tunggu; sudah memegang kursi.");
            case engine::change_refusal::unknown_code:
            case engine::change_refusal::none:
                break;
        }
        return "";
    }

    // Konfirmasi, Hadir, Naikkan: the same use case as `sapa registration` and the API.
    http_response change_registration(context& c, app::registration_change what) {
        const auto course = c.field("course"), code = c.field("code");
        auto f = c.frame_for("", "/console/registrations");
        app::change_outcome out;
        try {
            out = conversations.change_registration(what, course, code, c.now);
        } catch (const boost::system::system_error& e) {
            return message_page(409,
                                c.t("Tidak dapat diubah"),
                                c.t("Pendaftaran tidak diubah: {why}", {{"why", e.what()}}),
                                &f);
        }
        const auto refused = out.change.refused;
        if (refused == engine::change_refusal::unknown_code)
            return message_page(404,
                                c.t("Tidak ditemukan"),
                                c.t("Tidak ada pendaftaran {code} untuk kursus {course}.",
                                    {{"code", code}, {"course", course}}),
                                &f);
        if (refused != engine::change_refusal::none)
            return message_page(409,
                                c.t("Tidak dapat diubah"),
                                c.t("Pendaftaran {code} tidak diubah: {why}",
                                    {{"code", code}, {"why", refusal_text(c, refused)}}),
                                &f);
        const auto& record = out.change.entry.record;
        std::string told = out.told_on;
        for (const auto& p : out.promotions)
            told = p.channel;
        std::string detail = out.change.changed ? std::string() : "unchanged";
        if (what == app::registration_change::promote)
            detail = "seat " + std::to_string(record.position);
        if (!told.empty()) detail += (detail.empty() ? "" : ", ") + ("told on " + told);
        static constexpr const char* notices[] = {"confirmed", "attended", "promoted"};
        const auto i = static_cast<std::size_t>(what);
        audit(c.login.account.name,
              std::string(app::to_string(what)) + "_registration",
              "registration " + course + " " + code,
              detail);
        return redirect(
            "/console/registrations?msg=" + std::string(notices[i]) + "&code=" + url_encode(code) +
            (what == app::registration_change::promote ? "&seat=" + std::to_string(record.position)
                                                       : std::string()) +
            (told.empty() ? "" : "&told=1"));
    }
    http_response confirm_registration(context& c) {
        return change_registration(c, app::registration_change::confirm);
    }
    http_response attended_registration(context& c) {
        return change_registration(c, app::registration_change::attended);
    }
    http_response promote_registration(context& c) {
        return change_registration(c, app::registration_change::promote);
    }

    // --- Overview ---

    // A grouped bar chart: one group per day (oldest left), one bar per funnel step.
    static std::string funnel_chart(
        const context& c,
        const std::vector<std::pair<std::string, std::array<std::int64_t, 5>>>& days,
        const std::array<std::string, 5>& labels) {
        static constexpr std::array<const char*, 5> colours = {
            "#0b5cab", "#8a4baf", "#b35c00", "#1a7f37", "#4a5560"};
        std::int64_t top = 1;
        for (const auto& d : days)
            for (auto v : d.second)
                top = std::max(top, v);
        const int group = 5 * 10 + 12, height = 160, left = 8;
        const int width = left + static_cast<int>(days.size()) * group + 8;
        std::string svg =
            "<svg class=\"chart\" role=\"img\" aria-labelledby=\"funnel-title\" "
            "viewBox=\"0 0 " +
            std::to_string(std::max(width, 200)) + " " + std::to_string(height + 40) +
            "\" width=\"" + std::to_string(std::max(width, 200)) + "\" height=\"" +
            std::to_string(height + 40) +
            "\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"funnel-title\">" +
            c.t("Corong per hari: dijangkau, membaca peringatan, mulai daftar, "
                "terdaftar, hadir") +
            "</title>";
        for (std::size_t i = 0; i < days.size(); ++i) {
            const int x0 = left + static_cast<int>(i) * group;
            for (std::size_t k = 0; k < 5; ++k) {
                const auto v = days[i].second[k];
                const int h = static_cast<int>(v * height / top);
                svg += "<rect x=\"" + std::to_string(x0 + static_cast<int>(k) * 10) + "\" y=\"" +
                       std::to_string(height - h + 10) + "\" width=\"9\" height=\"" +
                       std::to_string(h) + "\" fill=\"" + colours[k] + "\"><title>" +
                       escape(days[i].first) + " " + labels[k] + ": " + std::to_string(v) +
                       "</title></rect>";
            }
            svg += "<text x=\"" + std::to_string(x0) + "\" y=\"" + std::to_string(height + 28) +
                   "\" font-size=\"10\" fill=\"#1b1f24\">" + escape(days[i].first.substr(5)) +
                   "</text>";
        }
        svg += "</svg><ul class=\"legend\">";
        for (std::size_t k = 0; k < 5; ++k)
            svg += "<li><span class=\"swatch s" + std::to_string(k) + "\"></span>" + labels[k] +
                   "</li>";
        return svg + "</ul>";
    }

    http_response overview(context& c) {
        const auto days = std::clamp<std::int64_t>(number_of(c.arg("days")).value_or(14), 1, 90);
        const auto since = c.now - days * 86400;
        storage::funnel_query q;
        q.since = since;
        q.utc_offset_minutes = options.utc_offset_minutes;
        auto rows = store.funnel(q);
        const std::array<std::string, 5> labels = {c.t("Dijangkau"),
                                                   c.t("Membaca peringatan"),
                                                   c.t("Mulai daftar"),
                                                   c.t("Terdaftar"),
                                                   c.t("Hadir")};
        std::map<std::string, std::array<std::int64_t, 5>> by_day, by_kecamatan;
        for (const auto& r : rows) {
            const std::array<std::int64_t, 5> v = {
                r.reached, r.warned, r.started, r.registered, r.attended};
            for (std::size_t k = 0; k < 5; ++k) {
                by_day[r.day][k] += v[k];
                by_kecamatan[r.kecamatan][k] += v[k];
            }
        }
        std::string body = "<p>" +
                           c.t("{days} hari terakhir. Setiap angka menghitung warga, bukan pesan.",
                               {{"days", std::to_string(days)}}) +
                           " "
                           "<a href=\"/console/overview?days=7\">" +
                           c.t("{days} hari", {{"days", "7"}}) +
                           "</a> · <a "
                           "href=\"/console/overview?days=30\">" +
                           c.t("{days} hari", {{"days", "30"}}) +
                           "</a></p>"
                           "<h2>" +
                           c.t("Corong per hari") + "</h2>";
        if (by_day.empty()) {
            body += "<p class=\"notice\">" + c.t("Belum ada data untuk masa ini.") + "</p>";
        } else {
            std::vector<std::pair<std::string, std::array<std::int64_t, 5>>> ordered(by_day.begin(),
                                                                                     by_day.end());
            body += funnel_chart(c, ordered, labels);
            body += "<h2>" + c.t("Per kecamatan") +
                    "</h2><div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
                    "aria-label=\"" +
                    c.t("Per kecamatan") + "\"><table><thead><tr><th scope=\"col\">" +
                    c.t("Kecamatan") + "</th>";
            for (const auto& l : labels)
                body += std::string("<th scope=\"col\">") + l + "</th>";
            body += "</tr></thead><tbody>";
            for (const auto& [kecamatan, v] : by_kecamatan) {
                body += "<tr><td>" +
                        (kecamatan.empty() ? c.t("(tidak diketahui)") : escape(kecamatan)) +
                        "</td>";
                for (auto n : v)
                    body += "<td>" + std::to_string(n) + "</td>";
                body += "</tr>";
            }
            body += "</tbody></table></div><p class=\"meta\">" +
                    c.t("Hadir: pendaftaran yang ditandai hadir oleh petugas, pada hari "
                        "penandaannya.") +
                    "</p>";
        }
        body += "<h2>" + c.t("Kesehatan pengiriman") + "</h2>";
        auto health = store.delivery(since);
        if (health.empty()) {
            body += "<p class=\"notice\">" + c.t("Belum ada pesan terkirim.") + "</p>";
        } else {
            body +=
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
                "aria-label=\"" +
                c.t("Pengiriman") +
                "\">"
                "<table><thead><tr><th scope=\"col\">" +
                c.t("Kanal") + "</th><th scope=\"col\">" + c.t("Terkirim") +
                "</th>"
                "<th scope=\"col\">" +
                c.t("Diterima") + "</th><th scope=\"col\">" + c.t("Gagal") +
                "</th><th scope=\"col\">" + c.t("Antre") + "</th><th scope=\"col\">" +
                c.t("Alasan gagal terbanyak") +
                "</th></tr>"
                "</thead><tbody>";
            for (const auto& h : health) {
                std::string reasons;
                for (const auto& [reason, n] : h.top_failures)
                    reasons += (reasons.empty() ? "" : "; ") + escape(reason) + " (" +
                               std::to_string(n) + ")";
                body += "<tr><td>" + escape(h.channel) + "</td><td>" + std::to_string(h.sent) +
                        "</td><td>" + std::to_string(h.delivered) + "</td><td>" +
                        std::to_string(h.failed) + "</td><td>" + std::to_string(h.waiting) +
                        "</td><td>" + reasons + "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        return html(200, page(c.frame_for(c.t("Ringkasan"), "/console/overview"), body));
    }

    // --- Scripts ---

    // The problems of a check, as a list (errors first, as the checker words them).
    static std::string problems_list(const std::vector<dialog::problem>& problems,
                                     dialog::severity which) {
        std::string out;
        for (const auto& p : problems)
            if (p.severity == which)
                out += "<li>" + escape(dialog::to_string(dialog::without_folders(p))) + "</li>";
        return out.empty() ? out : "<ul class=\"problems\">" + out + "</ul>";
    }

    http_response not_here(context& c, const std::string& title, const std::string& current) {
        auto f = c.frame_for(c.t(title), current);
        return message_page(
            503, c.t(title), c.t("Halaman ini tidak tersedia pada server ini."), &f);
    }

    // The versions page; `outcome` (a publish or rollback just done) shown above it.
    http_response scripts_page(context& c,
                               int status = 200,
                               const std::string& outcome = {},
                               const std::string& name = {},
                               const std::string& text = {},
                               const std::string& note = {}) {
        if (!options.scripts) return not_here(c, "Skrip dialog", "/console/scripts");
        const auto live = options.scripts->current_version();
        std::string body = outcome;
        body += "<p>" +
                c.t("Versi aktif: <strong>{version}</strong>. Setiap penerbitan diperiksa dulu; "
                    "skrip yang salah tidak pernah diterbitkan.",
                    {{"version",
                      live ? c.t("versi {n}", {{"n", std::to_string(live)}}) : c.t("belum ada")}}) +
                "</p>";
        const bool admin = app::allows(c.role, app::staff_role::admin);
        auto versions = store.script_versions();
        if (versions.empty()) {
            body += "<p class=\"notice\">" + c.t("Belum ada versi.") + "</p>";
        } else {
            body += "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"" +
                    c.t("Versi skrip") + "\"><table><thead><tr><th scope=\"col\">" + c.t("Versi") +
                    "</th><th scope=\"col\">" + c.t("Waktu") + "</th><th scope=\"col\">" +
                    c.t("Oleh") + "</th><th scope=\"col\">" + c.t("Catatan") +
                    "</th><th scope=\"col\">" + c.t("Status") + "</th></tr></thead><tbody>";
            for (const auto& v : versions) {
                const auto id = std::to_string(v.id);
                body += "<tr><td><a href=\"/console/scripts/" + id + "\">" +
                        c.t("Versi {n}", {{"n", id}}) + "</a></td><td>" + when(v.published_at) +
                        "</td><td>" + escape(v.published_by) + "</td><td>" + escape(v.note) +
                        "</td><td>";
                if (v.id == live) {
                    body += "<strong>" + c.t("Aktif") + "</strong>";
                } else if (admin) {
                    body += button_form("/console/scripts/" + id + "/rollback",
                                        c.login.session.csrf_token,
                                        c.t("Kembalikan ke versi {n}", {{"n", id}}),
                                        {},
                                        "secondary");
                }
                body += "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        if (admin) {
            body +=
                "<h2>" + c.t("Terbitkan versi baru") + "</h2><p>" +
                c.t("Tempel isi JSON satu berkas skrip, atau pilih berkasnya. Versi baru "
                    "berisi berkas-berkas versi aktif, dengan berkas bernama sama diganti (atau "
                    "ditambahkan). Pemeriksa menjalankan semua berkas bersama.") +
                "</p>"
                "<form method=\"post\" action=\"/console/scripts\">" +
                csrf_field(c.login.session.csrf_token) +
                // Filled by console.js (the file's text into the textarea, its name into the
                // name); without script the textarea is the way.
                "<div class=\"upload\" hidden><label for=\"script-file\">" +
                c.t("Berkas skrip (.json)") +
                "</label><input type=\"file\" id=\"script-file\" "
                "accept=\".json,application/json\" data-text=\"script\" data-name=\"name\" "
                "aria-describedby=\"script-file-status\"><p class=\"meta\" "
                "id=\"script-file-status\" role=\"status\" data-read=\"" +
                escape(c.t("Berkas {name} dimuat ke isi skrip di bawah.")) + "\" data-failed=\"" +
                escape(c.t("Berkas {name} tidak dapat dibaca.")) +
                "\"></p></div>"
                "<label for=\"name\">" +
                c.t("Nama berkas") +
                "</label><input type=\"text\" id=\"name\" "
                "name=\"name\" required placeholder=\"lumajang.json\" value=\"" +
                escape(name) + "\"><label for=\"script\">" + c.t("Isi skrip (JSON)") +
                "</label><textarea class=\"code\" "
                "id=\"script\" name=\"script\" required spellcheck=\"false\">" +
                escape(text) + "</textarea><label for=\"note\">" +
                c.t("Catatan (apa yang berubah)") +
                "</label><input "
                "type=\"text\" id=\"note\" name=\"note\" value=\"" +
                escape(note) + "\"><p><button type=\"submit\">" + c.t("Periksa dan terbitkan") +
                "</button></p></form>";
        }
        return html(status, page(c.frame_for(c.t("Skrip dialog"), "/console/scripts"), body));
    }

    http_response scripts_list(context& c) {
        std::string outcome;
        if (c.arg("msg") == "published")
            outcome = "<p class=\"notice\" role=\"status\">" +
                      c.t("Versi {version} diterbitkan dan langsung aktif.",
                          {{"version", escape(c.arg("version"))}}) +
                      "</p>";
        return scripts_page(c, 200, outcome);
    }

    http_response script_version_page(context& c) {
        if (!options.scripts) return not_here(c, "Skrip dialog", "/console/scripts");
        auto id = number_of(c.param("id"));
        auto v = id ? store.find_script_version(*id) : std::nullopt;
        auto f = c.frame_for("", "/console/scripts");
        if (!v)
            return message_page(404,
                                c.t("Tidak ditemukan"),
                                c.t("Tidak ada versi skrip {id}.", {{"id", c.param("id")}}),
                                &f);
        std::string body =
            "<dl class=\"facts\"><dt>" + c.t("Diterbitkan") + "</dt><dd>" + when(v->published_at) +
            "</dd><dt>" + c.t("Oleh") + "</dt><dd>" + escape(v->published_by) + "</dd><dt>" +
            c.t("Catatan") + "</dt><dd>" + escape(v->note) + "</dd><dt>" + c.t("Status") +
            "</dt><dd>" +
            (v->id == options.scripts->current_version() ? c.t("Aktif") : c.t("Tidak aktif")) +
            "</dd></dl><p><a href=\"/console/scripts\">&larr; " + c.t("Semua versi") + "</a></p>";
        for (const auto& file : v->files)
            body += "<h2>" + escape(dialog::without_folders(std::string_view(file.name))) +
                    "</h2><pre class=\"code\" tabindex=\"0\">" + escape(file.text) + "</pre>";
        return html(200,
                    page(c.frame_for(c.t("Skrip versi {n}", {{"n", std::to_string(v->id)}}),
                                     "/console/scripts"),
                         body));
    }

    // What a publish or rollback did, above the versions page (refused: 422 with the errors).
    http_response published(context& c,
                            const app::publish_outcome& out,
                            const std::string& what,
                            const std::string& name = {},
                            const std::string& text = {},
                            const std::string& note = {}) {
        audit(c.login.account.name,
              out.published() ? "publish_scripts" : "publish_refused",
              "scripts",
              out.published() ? what + ": version " + std::to_string(out.version) : what);
        if (!out.published())
            return scripts_page(c,
                                422,
                                "<div class=\"error\" role=\"alert\"><p>" +
                                    c.t("Skrip memiliki kesalahan; tidak ada yang diterbitkan. "
                                        "Versi aktif tidak berubah.") +
                                    "</p>" + problems_list(out.problems, dialog::severity::error) +
                                    "</div>",
                                name,
                                text,
                                note);
        auto warnings = problems_list(out.problems, dialog::severity::warning);
        if (warnings.empty())
            return redirect("/console/scripts?msg=published&version=" +
                            std::to_string(out.version));
        return scripts_page(
            c,
            200,
            "<div class=\"notice\" role=\"status\"><p>" +
                c.t("Versi {version} diterbitkan dan langsung aktif, dengan peringatan:",
                    {{"version", std::to_string(out.version)}}) +
                "</p>" + warnings + "</div>");
    }

    http_response publish_script(context& c) {
        if (!options.scripts) return not_here(c, "Skrip dialog", "/console/scripts");
        const auto name = c.field("name"), text = c.field("script"), note = c.field("note");
        if (name.empty() || text.empty())
            return scripts_page(c,
                                400,
                                "<p class=\"error\" role=\"alert\">" +
                                    c.t("Isi nama berkas dan isi skripnya.") + "</p>",
                                name,
                                text,
                                note);
        // The live version's files, this one replaced (or added). Files published from the
        // dialogs folder are named by their path: "k.json" replaces ".../dialogs/k.json".
        std::vector<storage::script_file> files;
        if (auto live = store.find_script_version(options.scripts->current_version()))
            files = live->files;
        auto same = std::find_if(files.begin(), files.end(), [&](const auto& f) {
            return f.name == name || (f.name.size() > name.size() && f.name.ends_with(name) &&
                                      f.name[f.name.size() - name.size() - 1] == '/');
        });
        if (same != files.end()) {
            same->text = text;
        } else {
            files.push_back({name, text});
        }
        auto out = options.scripts->publish(files,
                                            c.login.account.name,
                                            "console: " + name + (note.empty() ? "" : ": " + note),
                                            c.now);
        return published(c, out, "console " + name, name, text, note);
    }

    http_response rollback_script(context& c) {
        if (!options.scripts) return not_here(c, "Skrip dialog", "/console/scripts");
        auto id = number_of(c.param("id")).value_or(0);
        auto out = options.scripts->rollback(id, c.login.account.name, c.now);
        return published(c, out, "rollback to version " + std::to_string(id));
    }

    // --- Broadcasts ---

    static std::string_view broadcast_label(storage::broadcast_status s) {
        switch (s) {
            case storage::broadcast_status::preparing:
                return N_("Disiapkan");
            case storage::broadcast_status::ready:
                return N_("Siap / berjalan");
            case storage::broadcast_status::done:
                return N_("Selesai");
            case storage::broadcast_status::cancelled:
                return N_("Dibatalkan");
            case storage::broadcast_status::over_budget:
                return N_("Anggaran habis");
        }
        return "";
    }

    // The form's broadcast, or a problem in plain words.
    struct broadcast_form {
        app::broadcast_request request;
        std::string problem;
    };

    broadcast_form read_broadcast_form(const context& c) const {
        broadcast_form out;
        auto& r = out.request;
        for (const auto& ch : options.channels)
            if (ch.name == c.field("channel")) r.on = &ch;
        if (!r.on) {
            out.problem = c.t("Pilih kanal.");
            return out;
        }
        const auto text = c.field("text"), node = c.field("node");
        if (text.empty() && node.empty()) {
            out.problem = c.t("Tulis pesan atau sebutkan simpul dialog.");
            return out;
        }
        r.what.texts = text.empty() ? std::vector<std::string>{} : std::vector{text};
        r.what.node = node;
        r.segment_text = c.field("segment").empty() ? "all" : c.field("segment");
        std::string problem;
        auto who = app::parse_segment_text(r.segment_text, problem);
        if (!who) {
            out.problem = c.t("Segmen: {problem}", {{"problem", problem}});
            return out;
        }
        r.who = *who;
        r.start_at = c.now;
        if (!c.field("start").empty()) {
            auto at = storage::parse_timestamp(c.field("start"), options.utc_offset_minutes);
            if (!at) {
                out.problem = c.t("Waktu mulai tidak terbaca (tulis 2026-03-01T08:00).");
                return out;
            }
            if (*at < c.now - 60) {
                out.problem = c.t("Waktu mulai sudah lewat.");
                return out;
            }
            r.start_at = std::max(*at, c.now);
        }
        if (!c.field("budget").empty()) {
            auto budget = number_of(c.field("budget"));
            if (!budget) {
                out.problem = c.t("Anggaran harus bilangan bulat (segmen SMS), atau kosong.");
                return out;
            }
            r.budget = *budget;
        }
        out.problem = read_template(c, r.what.fallback_template);
        return out;
    }

    // The form's WhatsApp template (sent instead to residents outside the 24-hour window), or
    // a problem. Names as Meta approves them; "id", "en", "en_US"; {{1}}, {{2}}... one a line.
    std::string read_template(const context& c,
                              std::optional<messaging::message_template>& out) const {
        const auto name = c.field("template"), params = c.field("template_params");
        const auto lang =
            c.field("template_language").empty() ? std::string("id") : c.field("template_language");
        if (name.empty() && params.empty()) return {};
        if (name.empty()) return c.t("Parameter templat perlu nama templat.");
        const bool name_ok =
            name.size() <= 512 && std::all_of(name.begin(), name.end(), [](char ch) {
                return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
            });
        if (!name_ok)
            return c.t(
                "Nama templat hanya huruf kecil, angka dan garis bawah, seperti disetujui "
                "Meta.");
        static const std::regex language_code("[a-z]{2,3}(_[A-Z]{2})?");
        if (!std::regex_match(lang, language_code))
            return c.t("Bahasa templat ditulis seperti id, en atau en_US.");
        messaging::message_template t{name, lang, {}};
        std::istringstream lines(params);
        for (std::string line; std::getline(lines, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) t.parameters.push_back(line);
        }
        if (t.parameters.size() > 20) return c.t("Paling banyak 20 parameter templat.");
        out = std::move(t);
        return {};
    }

    // "name (language): p1 · p2" for the preview and the broadcast's page.
    static std::string template_words(const context& c, const messaging::message_template& t) {
        std::string out = escape(t.name) + " (" + escape(t.language) + ")";
        for (std::size_t i = 0; i < t.parameters.size(); ++i)
            out += (i == 0 ? ": " : " · ") + c.shown(t.parameters[i]);
        return out;
    }

    // The create form, filled with what was written.
    std::string broadcast_fields(const context& c) const {
        std::string channels;
        for (const auto& ch : options.channels)
            channels += "<option value=\"" + escape(ch.name) + "\"" +
                        (ch.name == c.field("channel") ? " selected" : "") + ">" + escape(ch.name) +
                        "</option>";
        return "<label for=\"segment\">" + c.t("Segmen") +
               "</label><input type=\"text\" id=\"segment\" "
               "name=\"segment\" aria-describedby=\"segment-help\" value=\"" +
               escape(c.field("segment")) + "\"><p class=\"meta\" id=\"segment-help\">" +
               c.t("Contoh: group=kader,kecamatan=sukodono "
                   "(kunci: group, kecamatan, language, course, status, since). Kosong: semua "
                   "kontak. Yang berhenti berlangganan tidak pernah dikirimi.") +
               "</p>"
               "<label for=\"channel\">" +
               c.t("Kanal") + "</label><select id=\"channel\" name=\"channel\">" + channels +
               "</select><label for=\"text\">" + c.t("Pesan") +
               "</label><textarea id=\"text\" name=\"text\">" + escape(c.field("text")) +
               "</textarea><label for=\"node\">" +
               c.t("Atau simpul dialog (setelah pesan, jika keduanya)") +
               "</label><input type=\"text\" id=\"node\" name=\"node\" value=\"" +
               escape(c.field("node")) + "\"><label for=\"start\">" +
               c.t("Mulai (WIB; kosong: sekarang)") +
               "</label><input "
               "type=\"datetime-local\" id=\"start\" name=\"start\" value=\"" +
               escape(c.field("start")) + "\"><label for=\"budget\">" +
               c.t("Anggaran (segmen SMS; kosong: tanpa batas)") +
               "</label>"
               "<input type=\"number\" min=\"0\" id=\"budget\" name=\"budget\" value=\"" +
               escape(c.field("budget")) + "\"><fieldset><legend>" +
               c.t("Templat WhatsApp (pilihan)") +
               "</legend><p class=\"meta\" id=\"template-help\">" +
               c.t("Dikirim sebagai ganti pesan kepada warga yang tidak menulis dalam 24 jam "
                   "terakhir; tanpa templat, pesan mereka gagal.") +
               "</p><label for=\"template\">" + c.t("Nama templat") +
               "</label><input type=\"text\" id=\"template\" name=\"template\" "
               "aria-describedby=\"template-help\" value=\"" +
               escape(c.field("template")) + "\"><label for=\"template_language\">" +
               c.t("Bahasa templat (kosong: id)") +
               "</label><input type=\"text\" id=\"template_language\" "
               "name=\"template_language\" placeholder=\"id\" value=\"" +
               escape(c.field("template_language")) + "\"><label for=\"template_params\">" +
               c.t("Parameter templat ({{1}}, {{2}}…; satu per baris)") +
               "</label><textarea id=\"template_params\" name=\"template_params\">" +
               escape(c.field("template_params")) + "</textarea></fieldset>";
    }

    http_response broadcasts_page(context& c, int status = 200, const std::string& problem = {}) {
        if (!options.broadcasts) return not_here(c, "Siaran", "/console/broadcasts");
        std::string body;
        if (!problem.empty())
            body += "<p class=\"error\" role=\"alert\">" + escape(problem) + "</p>";
        auto all = options.broadcasts->list();
        if (all.empty()) {
            body += "<p class=\"notice\">" + c.t("Belum ada siaran.") + "</p>";
        } else {
            body += "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"" +
                    c.t("Siaran") + "\"><table><thead><tr><th scope=\"col\">" + c.t("No.") +
                    "</th><th scope=\"col\">" + c.t("Mulai") + "</th><th scope=\"col\">" +
                    c.t("Kanal") + "</th><th scope=\"col\">" + c.t("Segmen") +
                    "</th><th scope=\"col\">" + c.t("Status") + "</th><th scope=\"col\">" +
                    c.t("Segmen SMS") + "</th></tr></thead><tbody>";
            for (auto it = all.rbegin(); it != all.rend(); ++it) {
                const auto id = std::to_string(it->id);
                body += "<tr><td><a href=\"/console/broadcasts/" + id + "\">" +
                        c.t("Siaran {n}", {{"n", id}}) + "</a></td><td>" + when(it->start_at) +
                        "</td><td>" + escape(it->channel) + "</td><td>" + escape(it->segment) +
                        "</td><td>" + c.t(broadcast_label(it->status)) + "</td><td>" +
                        std::to_string(it->spent) +
                        (it->budget > 0 ? " / " + std::to_string(it->budget) : std::string()) +
                        "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        if (app::allows(c.role, app::staff_role::staff))
            body += "<h2>" + c.t("Siaran baru") + "</h2><p>" +
                    c.t("Sapa menulis lebih dulu kepada setiap kontak segmen. "
                        "Pratinjau menunjukkan penerima dan biaya sebelum dikirim.") +
                    "</p>"
                    "<form method=\"post\" action=\"/console/broadcasts/preview\">" +
                    csrf_field(c.login.session.csrf_token) + broadcast_fields(c) +
                    "<p><button type=\"submit\">" + c.t("Pratinjau") + "</button></p></form>";
        return html(status, page(c.frame_for(c.t("Siaran"), "/console/broadcasts"), body));
    }

    http_response broadcasts_list(context& c) { return broadcasts_page(c); }

    // The estimate of the form's broadcast, or a problem (unknown node: the checker's words).
    std::optional<app::broadcast_estimate> estimate(const context& c,
                                                    const broadcast_form& form,
                                                    std::string& problem) {
        try {
            return options.broadcasts->estimate(form.request, c.now);
        } catch (const boost::system::system_error& e) {
            problem = e.code() == app::errc::unknown_node
                          ? c.t("Tidak ada simpul \"{node}\" di skrip kanal {channel}.",
                                {{"node", c.field("node")}, {"channel", form.request.on->name}})
                          : std::string(e.what());
            return std::nullopt;
        }
    }

    http_response preview_broadcast(context& c) {
        if (!options.broadcasts) return not_here(c, "Siaran", "/console/broadcasts");
        auto form = read_broadcast_form(c);
        if (!form.problem.empty()) return broadcasts_page(c, 400, form.problem);
        std::string problem;
        auto plan = estimate(c, form, problem);
        if (!plan) return broadcasts_page(c, 400, problem);
        const auto& r = form.request;
        const bool over = r.budget > 0 && plan->segments > r.budget;
        std::string body =
            "<dl class=\"facts\"><dt>" + c.t("Penerima") + "</dt><dd id=\"recipients\">" +
            c.t("{n} kontak", {{"n", std::to_string(plan->recipients)}}) + "</dd><dt>" +
            c.t("Pesan") + "</dt><dd>" + std::to_string(plan->messages) + "</dd><dt>" +
            c.t("Segmen SMS") + "</dt><dd id=\"segments\">" + std::to_string(plan->segments) +
            (r.budget > 0 ? " " + c.t("(anggaran {n})", {{"n", std::to_string(r.budget)}})
                          : std::string()) +
            "</dd><dt>" + c.t("Kanal") + "</dt><dd>" + escape(r.on->name) + "</dd><dt>" +
            c.t("Segmen") + "</dt><dd>" + escape(r.segment_text) + "</dd><dt>" + c.t("Mulai") +
            "</dt><dd>" + when(r.start_at) + " WIB</dd><dt>" + c.t("Pesan") + "</dt><dd>" +
            c.shown(c.field("text")) +
            (r.what.node.empty() ? ""
                                 : " " + c.t("(simpul {node})", {{"node", escape(r.what.node)}})) +
            "</dd>" +
            (r.what.fallback_template
                 ? "<dt>" + c.t("Templat WhatsApp") + "</dt><dd id=\"template-shown\">" +
                       template_words(c, *r.what.fallback_template) + "</dd>"
                 : std::string()) +
            "</dl>";
        std::vector<std::pair<std::string, std::string>> keep;
        for (const auto* k : {"segment",
                              "channel",
                              "text",
                              "node",
                              "start",
                              "budget",
                              "template",
                              "template_language",
                              "template_params"})
            keep.emplace_back(k, c.field(k));
        if (over) {
            body += "<p class=\"error\" role=\"alert\">" +
                    c.t("Biaya melebihi anggaran; siaran ini tidak "
                        "dapat dikirim. Persempit segmen atau naikkan anggaran.") +
                    "</p>";
        } else if (plan->recipients == 0) {
            body += "<p class=\"error\" role=\"alert\">" + c.t("Segmen ini tidak punya penerima.") +
                    "</p>";
        } else {
            body += "<p>" + c.t("Periksa angka di atas, lalu kirim.") + "</p>" +
                    button_form("/console/broadcasts",
                                c.login.session.csrf_token,
                                c.t("Kirim siaran ke {n} kontak",
                                    {{"n", std::to_string(plan->recipients)}}),
                                keep);
        }
        body +=
            "<p><a href=\"/console/broadcasts\">" + c.t("Batal, kembali ke siaran") + "</a></p>";
        return html(200, page(c.frame_for(c.t("Pratinjau siaran"), "/console/broadcasts"), body));
    }

    http_response create_broadcast(context& c) {
        if (!options.broadcasts) return not_here(c, "Siaran", "/console/broadcasts");
        auto form = read_broadcast_form(c);
        if (!form.problem.empty()) return broadcasts_page(c, 400, form.problem);
        std::string problem;
        auto plan = estimate(c, form, problem);
        if (!plan) return broadcasts_page(c, 400, problem);
        if (form.request.budget > 0 && plan->segments > form.request.budget)
            return broadcasts_page(
                c,
                409,
                c.t("{n} segmen SMS melebihi anggaran {budget}; tidak ada yang dikirim.",
                    {{"n", std::to_string(plan->segments)},
                     {"budget", std::to_string(form.request.budget)}}));
        auto [id, recipients] = options.broadcasts->create(form.request, c.now);
        audit(c.login.account.name,
              "create_broadcast",
              "broadcast " + std::to_string(id),
              std::to_string(recipients) + " recipients on " + form.request.on->name +
                  ", segment " + form.request.segment_text);
        return redirect("/console/broadcasts/" + std::to_string(id) + "?msg=created");
    }

    http_response broadcast_page(context& c) {
        if (!options.broadcasts) return not_here(c, "Siaran", "/console/broadcasts");
        auto id = number_of(c.param("id"));
        auto report = id ? options.broadcasts->show(*id) : std::nullopt;
        auto f = c.frame_for("", "/console/broadcasts");
        if (!report)
            return message_page(404,
                                c.t("Tidak ditemukan"),
                                c.t("Tidak ada siaran {id}.", {{"id", c.param("id")}}),
                                &f);
        const auto& b = report->broadcast;
        const auto& n = report->counts;
        std::string body;
        if (c.arg("msg") == "created")
            body += "<p class=\"notice\" role=\"status\">" +
                    c.t("Siaran disimpan; server mengirimnya sesuai kecepatan kanal.") + "</p>";
        if (c.arg("msg") == "cancelled")
            body += "<p class=\"notice\" role=\"status\">" +
                    c.t("Siaran dibatalkan. Yang sudah terkirim tetap terkirim.") + "</p>";
        std::string opening;
        for (const auto& t : b.texts)
            opening += (opening.empty() ? "" : " · ") + c.shown(t);
        if (!b.node.empty())
            opening +=
                (opening.empty() ? "" : " · ") + c.t("simpul {node}", {{"node", escape(b.node)}});
        body += "<dl class=\"facts\"><dt>" + c.t("Status") + "</dt><dd id=\"status\">" +
                c.t(broadcast_label(b.status)) +
                (b.reason.empty() ? "" : " (" + escape(b.reason) + ")") + "</dd><dt>" +
                c.t("Kanal") + "</dt><dd>" + escape(b.channel) + "</dd><dt>" + c.t("Segmen") +
                "</dt><dd>" + escape(b.segment) + "</dd><dt>" + c.t("Isi") + "</dt><dd>" + opening +
                "</dd><dt>" + c.t("Mulai") + "</dt><dd>" + when(b.start_at) + " WIB</dd><dt>" +
                c.t("Segmen SMS terpakai") + "</dt><dd>" + std::to_string(b.spent) +
                (b.budget > 0 ? " " + c.t("dari anggaran {n}", {{"n", std::to_string(b.budget)}})
                              : std::string()) +
                "</dd>" +
                (b.fallback_template ? "<dt>" + c.t("Templat WhatsApp") + "</dt><dd>" +
                                           template_words(c, *b.fallback_template) + "</dd>"
                                     : std::string()) +
                "</dl><h2>" + c.t("Penerima: {n}", {{"n", std::to_string(n.total())}}) + "</h2>";
        const std::array<std::pair<const char*, std::int64_t>, 7> rows = {
            {{N_("Menunggu"), n.waiting},
             {N_("Antre"), n.queued},
             {N_("Terkirim"), n.sent},
             {N_("Diterima"), n.delivered},
             {N_("Dibaca"), n.read},
             {N_("Gagal"), n.failed},
             {N_("Dilewati"), n.skipped}}};
        body += "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"" +
                c.t("Penerima per status") + "\"><table><thead><tr><th scope=\"col\">" +
                c.t("Status") + "</th><th scope=\"col\">" + c.t("Jumlah") +
                "</th></tr></thead><tbody>";
        for (const auto& [label, count] : rows)
            body += std::string("<tr><td>") + c.t(label) + "</td><td>" + std::to_string(count) +
                    "</td></tr>";
        body += "</tbody></table></div>";
        const bool running = b.status == storage::broadcast_status::preparing ||
                             b.status == storage::broadcast_status::ready;
        if (running && app::allows(c.role, app::staff_role::staff))
            body += button_form("/console/broadcasts/" + std::to_string(b.id) + "/cancel",
                                c.login.session.csrf_token,
                                c.t("Batalkan siaran"),
                                {},
                                "danger");
        body += "<p><a href=\"/console/broadcasts\">&larr; " + c.t("Semua siaran") + "</a></p>";
        return html(200,
                    page(c.frame_for(c.t("Siaran {n}", {{"n", std::to_string(b.id)}}),
                                     "/console/broadcasts"),
                         body));
    }

    http_response cancel_broadcast(context& c) {
        if (!options.broadcasts) return not_here(c, "Siaran", "/console/broadcasts");
        auto id = number_of(c.param("id"));
        auto report = id ? options.broadcasts->cancel(*id, c.now) : std::nullopt;
        auto f = c.frame_for("", "/console/broadcasts");
        if (!report)
            return message_page(404,
                                c.t("Tidak ditemukan"),
                                c.t("Tidak ada siaran {id}.", {{"id", c.param("id")}}),
                                &f);
        audit(c.login.account.name,
              "cancel_broadcast",
              "broadcast " + c.param("id"),
              std::string("now ") + storage::to_string(report->broadcast.status));
        return redirect("/console/broadcasts/" + c.param("id") + "?msg=cancelled");
    }

    // --- Language ---

    http_response switch_language(const http_request& req) const {
        auto query = decode_fields(req.query);
        const auto to = query["to"] == "en" ? language::en : language::id;
        // Only back to a console page: never to another site ("//host", "/\host").
        auto back = query["back"];
        if (!(back == "/console" || back.starts_with("/console/") ||
              back.starts_with("/console?")) ||
            back.find_first_of("\\\r\n") != std::string::npos)
            back = "/console";
        auto r = redirect(back);
        r.headers.emplace_back("Set-Cookie",
                               std::string(language_cookie) + "=" + std::string(code(to)) +
                                   "; Path=/console; Max-Age=31536000; HttpOnly; SameSite=Lax" +
                                   (over_https(req) ? "; Secure" : ""));
        secure(r);
        return r;
    }

    // --- Audit ---

    http_response audit_page(context& c) {
        auto before = number_of(c.arg("before")).value_or(0);
        auto entries = store.audit_log(before, 50);
        std::string body =
            "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
            "aria-label=\"" +
            c.t("Tabel") + "\"><table><thead><tr><th scope=\"col\">" + c.t("Waktu") +
            "</th><th scope=\"col\">" + c.t("Petugas") + "</th><th scope=\"col\">" +
            c.t("Tindakan") + "</th><th scope=\"col\">" + c.t("Objek") + "</th><th scope=\"col\">" +
            c.t("Rincian") + "</th></tr></thead><tbody>";
        for (const auto& e : entries)
            body += "<tr><td>" + when(e.at) + "</td><td>" + escape(e.staff) + "</td><td>" +
                    escape(e.action) + "</td><td>" + escape(e.object) + "</td><td>" +
                    escape(e.detail) + "</td></tr>";
        body += "</tbody></table></div>";
        if (entries.size() == 50)
            body += "<p><a href=\"/console/audit?before=" + std::to_string(entries.back().id) +
                    "\">" + c.t("Lebih lama") + " &rarr;</a></p>";
        return html(200, page(c.frame_for(c.t("Jejak audit"), "/console/audit"), body));
    }

    void add_routes(server::router& routes) {
        using app::staff_role;
        auto self = shared_from_this();
        // The built-in assets, public (the sign-in page uses them too).
        auto asset = [&routes](const char* path, const char* type, std::string_view body) {
            routes.add(
                "GET", path, [type, body](http_request, const route_params&, responder respond) {
                    http_response r;
                    r.content_type = type;
                    r.body = std::string(body);
                    r.headers.emplace_back("Cache-Control", "max-age=3600");
                    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
                    respond(std::move(r));
                });
        };
        asset("/console/static/console.css", "text/css; charset=utf-8", stylesheet());
        asset("/console/static/console.js", "text/javascript; charset=utf-8", script());
        // The language link of every page: a cookie for a year, then back to the page.
        routes.add("GET",
                   "/console/language",
                   [self](http_request req, const route_params&, responder respond) {
                       respond(self->switch_language(req));
                   });
        routes.add("GET",
                   "/console/login",
                   [self](http_request req, const route_params&, responder respond) {
                       auto shared = std::make_shared<http_request>(std::move(req));
                       self->blocking(std::move(respond), [self, shared] {
                           return self->login_page(*shared, 200, "");
                       });
                   });
        routes.add("POST",
                   "/console/login",
                   [self](http_request req, const route_params&, responder respond) {
                       auto shared = std::make_shared<http_request>(std::move(req));
                       self->blocking(std::move(respond),
                                      [self, shared] { return self->login(*shared); });
                   });
        auto add = [&](const char* method,
                       const char* pattern,
                       staff_role need,
                       http_response (impl::*fn)(context&)) {
            routes.add(method, pattern, guarded(need, [self, fn](context& c) {
                           return ((*self).*fn)(c);
                       }));
        };
        routes.add("GET", "/console", guarded(staff_role::viewer, [](context&) {
                       return redirect("/console/inbox");
                   }));
        add("POST", "/console/logout", staff_role::viewer, &impl::logout);
        add("GET", "/console/inbox", staff_role::viewer, &impl::inbox);
        add("GET", "/console/inbox/{id}", staff_role::viewer, &impl::request_page);
        add("POST", "/console/inbox/{id}/reply", staff_role::staff, &impl::reply);
        add("POST", "/console/inbox/{id}/done", staff_role::staff, &impl::mark_done);
        add("GET", "/console/inbox/{id}/erase", staff_role::staff, &impl::erase_confirm);
        add("POST", "/console/inbox/{id}/erase", staff_role::staff, &impl::erase);
        add("GET", "/console/conversation", staff_role::viewer, &impl::conversation);
        add("GET", "/console/registrations", staff_role::viewer, &impl::registrations);
        add("GET", "/console/registrations.csv", staff_role::staff, &impl::registrations_csv);
        add("POST", "/console/registrations/cancel", staff_role::staff, &impl::cancel_registration);
        add("POST",
            "/console/registrations/confirm",
            staff_role::staff,
            &impl::confirm_registration);
        add("POST",
            "/console/registrations/attended",
            staff_role::staff,
            &impl::attended_registration);
        add("POST",
            "/console/registrations/promote",
            staff_role::staff,
            &impl::promote_registration);
        add("GET", "/console/overview", staff_role::viewer, &impl::overview);
        add("GET", "/console/scripts", staff_role::viewer, &impl::scripts_list);
        add("GET", "/console/scripts/{id}", staff_role::viewer, &impl::script_version_page);
        add("POST", "/console/scripts", staff_role::admin, &impl::publish_script);
        add("POST", "/console/scripts/{id}/rollback", staff_role::admin, &impl::rollback_script);
        add("GET", "/console/broadcasts", staff_role::viewer, &impl::broadcasts_list);
        add("GET", "/console/broadcasts/{id}", staff_role::viewer, &impl::broadcast_page);
        add("POST", "/console/broadcasts/preview", staff_role::staff, &impl::preview_broadcast);
        add("POST", "/console/broadcasts", staff_role::staff, &impl::create_broadcast);
        add("POST", "/console/broadcasts/{id}/cancel", staff_role::staff, &impl::cancel_broadcast);
        add("GET", "/console/audit", staff_role::admin, &impl::audit_page);
    }
};

console::console(storage::store& store, app::conversations& conversations, console_options options)
    : impl_(std::make_shared<impl>(store, conversations, std::move(options))) {}

console::~console() = default;

void console::add_routes(server::router& routes) {
    impl_->add_routes(routes);
}

}  // namespace sapa::console
