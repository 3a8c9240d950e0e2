#include "console/console.hpp"

#include "app/api_tokens.hpp"
#include "app/contacts.hpp"
#include "app/staff_role.hpp"
#include "console/html.hpp"
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
#include <sstream>

namespace sapa::console {

using server::http_request;
using server::http_response;
using server::responder;
using server::route_params;

namespace {

constexpr const char* session_cookie = "sapa_session";
constexpr const char* login_cookie = "sapa_login";
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

// Rows of an export kept as they stream by: either the last `keep` (newest first pages) or
// those `accept` takes from `skip` on, `keep` of them (oldest first pages). Memory stays at
// `keep` rows whatever the table's size.
class rows_sink final : public storage::row_sink {
  public:
    using row_values = std::vector<storage::export_value>;
    rows_sink(std::size_t keep,
              bool last,
              std::function<bool(const rows_sink&, const row_values&)> accept = {},
              std::size_t skip = 0)
        : keep_(keep), last_(last), skip_(skip), accept_(std::move(accept)) {}

    void begin(const std::vector<storage::export_column>& columns) override { columns_ = columns; }
    void row(const row_values& values) override {
        if (accept_ && !accept_(*this, values)) return;
        ++matched_;
        if (last_) {
            rows_.push_back(values);
            if (rows_.size() > keep_) rows_.pop_front();
        } else if (matched_ > skip_ && rows_.size() < keep_) {
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
    std::size_t skip_;
    std::function<bool(const rows_sink&, const row_values&)> accept_;
    std::vector<storage::export_column> columns_;
    std::deque<row_values> rows_;
    std::size_t matched_ = 0;
};

std::string_view request_label(std::string_view kind) {
    if (kind == "handoff") return "Minta petugas";
    if (kind == "erase") return "Hapus data";
    return kind;
}

std::string_view status_label(std::string_view status) {
    if (status == "open") return "Terbuka";
    if (status == "done") return "Selesai";
    if (status == "registered") return "Terdaftar";
    if (status == "waitlisted") return "Daftar tunggu";
    if (status == "cancelled") return "Dibatalkan";
    if (status == "confirmed") return "Dikonfirmasi";
    if (status == "attended") return "Hadir";
    if (status == "queued") return "Antre";
    if (status == "sent") return "Terkirim";
    if (status == "delivered") return "Diterima";
    if (status == "read") return "Dibaca";
    if (status == "failed") return "Gagal";
    if (status == "received") return "Masuk";
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

        frame frame_for(std::string title, std::string current) const {
            return {std::move(title),
                    login.account.name,
                    login.account.role,
                    login.session.csrf_token,
                    std::move(current)};
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
                         "<p class=\"error\">" + escape(text) +
                             "</p><p><a href=\"/console\">Kembali ke konsol</a></p>"));
    }

    // Every console answer: not cached, not framed, only our own resources.
    static void secure(http_response& r) {
        r.headers.emplace_back("Cache-Control", "no-store");
        r.headers.emplace_back("X-Frame-Options", "DENY");
        r.headers.emplace_back("X-Content-Type-Options", "nosniff");
        r.headers.emplace_back("Referrer-Policy", "same-origin");
        r.headers.emplace_back("Content-Security-Policy",
                               "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    }

    void audit(const std::string& who,
               std::string action,
               std::string object,
               std::string detail = {}) {
        store.add_audit({0, now(), who, std::move(action), std::move(object), std::move(detail)});
    }

    // Runs `work` off the io threads and answers with what it returns; a failure is a 500 page.
    void blocking(responder respond, std::function<http_response()> work) {
        auto task = [respond = std::move(respond), work = std::move(work)]() mutable {
            http_response r;
            try {
                r = work();
            } catch (const std::exception& e) {
                r = message_page(500,
                                 "Terjadi kesalahan",
                                 std::string("Permintaan tidak dapat diselesaikan: ") + e.what());
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
            self->blocking(std::move(respond), [self, need, fn, shared_req, shared_params] {
                return self->run_guarded(need, fn, *shared_req, *shared_params);
            });
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
        context c{req, params, *login, role, {}, decode_fields(req.query), t};
        if (!app::allows(role, need)) {
            audit(login->account.name,
                  "refused",
                  req.method + " " + req.path,
                  "needs " + std::string(app::to_string(need)));
            auto f = c.frame_for("", "");
            return message_page(403,
                                "Akses ditolak",
                                "Halaman atau tindakan ini hanya untuk peran " +
                                    std::string(app::to_string(need)) +
                                    " ke atas. Anda masuk sebagai " + login->account.role + ".",
                                &f);
        }
        if (req.method == "POST") {
            c.form = decode_fields(req.body);
            if (!same_secret(c.field("csrf"), s.csrf_token)) {
                audit(login->account.name, "csrf_refused", req.method + " " + req.path);
                auto f = c.frame_for("", "");
                return message_page(403,
                                    "Permintaan ditolak",
                                    "Token formulir tidak cocok (perlindungan CSRF). Muat ulang "
                                    "halaman, lalu coba lagi.",
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
        std::string body;
        if (query.count("expired"))
            body += "<p class=\"notice\">Sesi Anda berakhir. Silakan masuk lagi.</p>";
        if (query.count("out")) body += "<p class=\"notice\">Anda sudah keluar.</p>";
        if (!problem.empty())
            body += "<p class=\"error\" role=\"alert\">" + escape(problem) + "</p>";
        body += "<form method=\"post\" action=\"/console/login\">" + csrf_field(csrf) +
                "<label for=\"name\">Nama akun</label>"
                "<input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"username\" required "
                "value=\"" +
                escape(name) +
                "\">"
                "<label for=\"password\">Kata sandi</label>"
                "<input type=\"password\" id=\"password\" name=\"password\" "
                "autocomplete=\"current-password\" required>"
                "<p><button type=\"submit\">Masuk</button></p></form>";
        auto r = html(status, page({"Masuk ke konsol petugas", "", "", "", ""}, body));
        r.headers.emplace_back("Set-Cookie", cookie(req, login_cookie, csrf));
        return r;
    }

    static std::string wait_words(std::int64_t seconds) {
        if (seconds < 120) return std::to_string(seconds) + " detik";
        return std::to_string((seconds + 59) / 60) + " menit";
    }

    http_response login(const http_request& req) {
        const auto t = now();
        auto form = decode_fields(req.body);
        const auto name = form["name"];
        if (!same_secret(form["csrf"], cookie_of(req, login_cookie)))
            return login_page(req,
                              403,
                              "Formulir masuk sudah kedaluwarsa (perlindungan CSRF). Silakan "
                              "coba lagi.",
                              name);
        const auto account_key = "account:" + name;
        const auto client_key = "client:" + client_of(req);
        auto wait =
            std::max(throttle.wait_seconds(account_key, t), throttle.wait_seconds(client_key, t));
        if (wait > 0) {
            audit(name, "login_throttled", "client " + client_of(req));
            return login_page(req,
                              429,
                              "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, coba "
                              "lagi dalam " +
                                  wait_words(wait) + ".",
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
            return login_page(req, 401, "Nama akun atau kata sandi salah.", name);
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

    http_response bad_cursor(const frame& f) {
        return message_page(400, "Halaman tidak ada", "Penanda halaman itu tidak sah.", &f);
    }

    http_response inbox(context& c) {
        const bool open_only = c.arg("status") == "open";
        const auto f = c.frame_for("Kotak masuk", "/console/inbox");
        storage::export_filter filter;
        if (open_only) filter.status = "open";
        const auto p = page_of(c, storage::export_kind::requests, filter);
        if (!p) return bad_cursor(f);
        const auto& sink = p->sink;
        std::string body =
            "<p>Permintaan warga: minta petugas dan hapus data. Terbaru di atas.</p>"
            "<p><a href=\"/console/inbox\">Semua</a> · <a href=\"/console/inbox?status=open\">"
            "Hanya yang terbuka</a></p>";
        if (p->rows.empty()) {
            body += "<p class=\"notice\">Belum ada permintaan.</p>";
        } else {
            body +=
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
                "aria-label=\"Tabel\"><table><thead><tr><th scope=\"col\">No.</th>"
                "<th scope=\"col\">Waktu</th><th scope=\"col\">Warga</th><th scope=\"col\">Jenis"
                "</th><th scope=\"col\">Pesan</th><th scope=\"col\">Status</th></tr></thead>"
                "<tbody>";
            for (const auto* row : p->rows) {
                const auto& r = *row;
                const auto id = sink.integer(r, "id");
                body += "<tr><td><a href=\"/console/inbox/" + std::to_string(id) + "\">" +
                        std::to_string(id) + "</a></td><td>" + when(sink.integer(r, "time")) +
                        "</td><td>" + escape(sink.text(r, "contact")) + "</td><td>" +
                        std::string(request_label(sink.text(r, "request"))) + "</td><td>" +
                        c.shown(sink.text(r, "words")) + "</td><td>" +
                        std::string(status_label(sink.text(r, "status"))) + "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        body +=
            pager(open_only ? "/console/inbox?status=open" : "/console/inbox", p->newer, p->older);
        return html(200, page(f, body));
    }

    // A contact's messages, oldest first (the last `limit`), as a list.
    std::string thread(const context& c, const std::string& contact, int limit) {
        rows_sink sink(static_cast<std::size_t>(limit), true);
        storage::export_filter f;
        f.contact = contact;
        store.export_rows(storage::export_kind::conversations, f, sink);
        if (sink.rows().empty()) return "<p class=\"notice\">Belum ada pesan.</p>";
        std::string out;
        if (sink.matched() > sink.rows().size())
            out += "<p class=\"meta\">" + std::to_string(sink.rows().size()) +
                   " pesan terakhir dari " + std::to_string(sink.matched()) + ".</p>";
        out += "<ol class=\"thread\">";
        for (const auto& r : sink.rows()) {
            const bool in = sink.text(r, "direction") == "in";
            out += std::string("<li class=\"") + (in ? "in" : "out") + "\"><div class=\"meta\">" +
                   (in ? "Warga" : "Sapa") + " · " + when(sink.integer(r, "time")) + " · " +
                   escape(sink.text(r, "channel")) + " · " +
                   std::string(status_label(sink.text(r, "status")));
            const auto reason = sink.text(r, "status_reason");
            if (!reason.empty()) out += " (" + escape(reason) + ")";
            out += "</div><div>" + c.shown(sink.text(r, "text")) + "</div>";
            const auto match = sink.text(r, "match_kind");
            if (!match.empty()) {
                out += "<div class=\"meta\">Dibaca mesin: " + escape(match);
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
        auto f = c.frame_for("Permintaan", "/console/inbox");
        if (!r) return message_page(404, "Tidak ditemukan", "Permintaan itu tidak ada.", &f);
        const auto contact = sink.text(*r, "contact");
        const auto status = sink.text(*r, "status");
        const auto path = "/console/inbox/" + std::to_string(*id);
        std::string body;
        if (c.arg("msg") == "sent")
            body += "<p class=\"notice\" role=\"status\">Balasan masuk antrean kirim.</p>";
        if (c.arg("msg") == "done")
            body += "<p class=\"notice\" role=\"status\">Permintaan ditandai selesai.</p>";
        body += "<dl><dt>Jenis</dt><dd>" + std::string(request_label(sink.text(*r, "request"))) +
                "</dd><dt>Waktu</dt><dd>" + when(sink.integer(*r, "time")) +
                "</dd><dt>Warga</dt><dd><a href=\"/console/conversation?contact=" +
                escape(url_encode(contact)) + "\">" + escape(contact) +
                "</a></dd><dt>Pesan</dt><dd>" + c.shown(sink.text(*r, "words")) +
                "</dd><dt>Status</dt><dd>" + std::string(status_label(status)) + "</dd></dl>";
        if (app::allows(c.role, app::staff_role::staff)) {
            const auto& csrf = c.login.session.csrf_token;
            if (!contact.starts_with("anon-")) {
                body += "<h2>Balas</h2><form method=\"post\" action=\"" + path + "/reply\">" +
                        csrf_field(csrf) +
                        "<label for=\"text\">Pesan untuk warga</label><textarea id=\"text\" "
                        "name=\"text\" required maxlength=\"1600\"></textarea><p><button "
                        "type=\"submit\">Kirim balasan</button></p></form>";
            }
            if (status == "open")
                body += button_form(path + "/done", csrf, "Tandai selesai", {}, "secondary");
            if (!contact.starts_with("anon-"))
                body +=
                    " <a class=\"button danger\" href=\"" + path + "/erase\">Hapus data warga…</a>";
        }
        body += "<h2>Percakapan</h2>" + thread(c, contact, 50);
        f.title = "Permintaan " + std::to_string(*id);
        return html(200, page(f, body));
    }

    // The request's contact, or a page saying why there is none.
    std::optional<std::string> request_contact(context& c, http_response& problem) {
        auto id = number_of(c.param("id"));
        auto sink = request_sink(id.value_or(0));
        auto r = id ? find_request(sink, *id) : std::nullopt;
        auto f = c.frame_for("", "/console/inbox");
        if (!r) {
            problem = message_page(404, "Tidak ditemukan", "Permintaan itu tidak ada.", &f);
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
                400, "Balasan kosong", "Tulis balasan (paling banyak 1600 huruf).", &f);
        if (contact->starts_with("anon-"))
            return message_page(409, "Tidak dapat dibalas", "Data warga ini sudah dihapus.", &f);
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
                                "Tidak dapat dibalas",
                                "Kanal terakhir warga ini tidak aktif, jadi balasan tidak bisa "
                                "dikirim.",
                                &f);
        try {
            conversations.start_now(*contact, *channel, app::opening{{text}, {}, {}}, c.now);
        } catch (const boost::system::system_error& e) {
            return message_page(409,
                                "Tidak terkirim",
                                std::string("Balasan tidak dapat diantrekan: ") + e.what(),
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
            return message_page(404, "Tidak ditemukan", "Permintaan itu tidak ada.", &f);
        audit(c.login.account.name, "mark_done", "request " + std::to_string(*id));
        return redirect("/console/inbox/" + std::to_string(*id) + "?msg=done");
    }

    http_response erase_confirm(context& c) {
        http_response problem;
        auto contact = request_contact(c, problem);
        if (!contact) return problem;
        const auto path = "/console/inbox/" + c.param("id");
        std::string body =
            "<p class=\"error\">Semua data pribadi warga " + escape(*contact) +
            " akan dihapus: isian, bahasa, isi pesan, dan isian pendaftaran. Hitungan tetap "
            "ada tanpa nama. Tindakan ini tidak bisa dibatalkan.</p>"
            "<form method=\"post\" action=\"" +
            path + "/erase\">" + csrf_field(c.login.session.csrf_token) +
            "<input type=\"hidden\" name=\"confirm\" value=\"yes\">"
            "<button type=\"submit\" class=\"danger\">Ya, hapus data warga ini</button></form>"
            "<p><a href=\"" +
            path + "\">Batal</a></p>";
        return html(200, page(c.frame_for("Hapus data warga?", "/console/inbox"), body));
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
        auto f = c.frame_for("Percakapan " + contact, "");
        if (contact.empty()) return message_page(400, "Percakapan", "Sebutkan nomor warga.", &f);
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
        if (!p) return bad_cursor(c.frame_for("Pendaftaran", "/console/registrations"));
        const auto& sink = p->sink;
        std::string body;
        if (c.arg("msg") == "cancelled")
            body += "<p class=\"notice\" role=\"status\">Pendaftaran " + escape(c.arg("code")) +
                    " dibatalkan." +
                    (c.arg("promoted").empty() ? std::string()
                                               : " " + escape(c.arg("promoted")) +
                                                     " naik dari daftar tunggu dan diberi tahu.") +
                    "</p>";
        body += change_notice(c);
        body +=
            "<form class=\"filters\" method=\"get\" action=\"/console/registrations\">"
            "<div><label for=\"course\">Kursus</label><input type=\"text\" id=\"course\" "
            "name=\"course\" value=\"" +
            escape(filter.course) +
            "\"></div><div><label for=\"status\">Status</label><select id=\"status\" "
            "name=\"status\">";
        for (const auto* st :
             {"", "registered", "confirmed", "attended", "waitlisted", "cancelled"}) {
            body += std::string("<option value=\"") + st + "\"" +
                    (filter.status == st ? " selected" : "") + ">" +
                    (*st ? std::string(status_label(st)) : std::string("Semua")) + "</option>";
        }
        body +=
            "</select></div><div><label for=\"q\">Cari kode atau nama</label><input "
            "type=\"search\" id=\"q\" name=\"q\" value=\"" +
            escape(filter.search) +
            "\"></div><div><button type=\"submit\">Saring</button></div></form>";
        if (app::allows(c.role, app::staff_role::staff))
            body += "<p><a href=\"/console/registrations.csv" + escape(filter.query()) +
                    "\">Unduh CSV</a></p>";
        if (p->rows.empty()) {
            body += "<p class=\"notice\">Tidak ada pendaftaran yang cocok.</p>";
        } else {
            std::vector<std::string> extra;
            for (const auto& col : sink.columns())
                if (shown_field(col.name)) extra.push_back(col.name);
            body +=
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
                "aria-label=\"Tabel\"><table><thead><tr><th scope=\"col\">Kode</th><th "
                "scope=\"col\">Kursus</th><th scope=\"col\">Status</th><th "
                "scope=\"col\">Warga</th>";
            for (const auto& e : extra)
                body += "<th scope=\"col\">" + escape(e) + "</th>";
            body +=
                "<th scope=\"col\">Didaftar</th><th "
                "scope=\"col\"><span>Tindakan</span></th></tr></thead><tbody>";
            for (const auto* row : p->rows) {
                const auto& r = *row;
                const auto code = sink.text(r, "code"), course = sink.text(r, "course"),
                           status = sink.text(r, "status"), contact = sink.text(r, "contact");
                body += "<tr><td>" + escape(code) + "</td><td>" + escape(course) + "</td><td>" +
                        std::string(status_label(status)) +
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
                                        "Batalkan " + code,
                                        {{"course", course}, {"code", code}},
                                        "secondary");
                body += "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        auto base = "/console/registrations" + filter.query();
        body += pager(base, p->newer, p->older);
        return html(200, page(c.frame_for("Pendaftaran", "/console/registrations"), body));
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
            return message_page(409,
                                "Tidak dapat dibatalkan",
                                std::string("Pendaftaran tidak dapat dibatalkan: ") + e.what(),
                                &f);
        }
        if (!outcome.found)
            return message_page(404,
                                "Tidak ditemukan",
                                "Tidak ada pendaftaran " + code + " untuk kursus " + course + ".",
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
                               label + (" " + code),
                               {{"course", course}, {"code", code}},
                               "");
        };
        if (status == "registered") button("confirm", "Konfirmasi");
        if (status == "registered" || status == "confirmed") button("attended", "Hadir");
        if (status == "waitlisted") button("promote", "Naikkan");
        return out;
    }

    // The notice after a change_registration redirect.
    static std::string change_notice(const context& c) {
        const auto msg = c.arg("msg"), code = escape(c.arg("code"));
        std::string text;
        if (msg == "confirmed")
            text = "Pendaftaran " + code + " dikonfirmasi." +
                   (c.arg("told").empty() ? "" : " Warga diberi tahu.");
        if (msg == "attended") text = "Pendaftaran " + code + " ditandai hadir.";
        if (msg == "promoted")
            text =
                "Pendaftaran " + code + " naik dari daftar tunggu ke kursi nomor " +
                escape(c.arg("seat")) + "." +
                (c.arg("told").empty() ? " Warga tidak dapat diberi tahu." : " Warga diberi tahu.");
        return text.empty() ? text : "<p class=\"notice\" role=\"status\">" + text + "</p>";
    }

    static std::string refusal_text(engine::change_refusal r) {
        switch (r) {
            case engine::change_refusal::is_cancelled:
                return "pendaftaran ini sudah dibatalkan; warga dapat mendaftar lagi.";
            case engine::change_refusal::is_waitlisted:
                return "pendaftaran ini masih di daftar tunggu; naikkan dulu ke kursi.";
            case engine::change_refusal::is_attended:
                return "warga ini sudah hadir.";
            case engine::change_refusal::not_waitlisted:
                return "pendaftaran ini tidak di daftar tunggu; sudah memegang kursi.";
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
                                "Tidak dapat diubah",
                                std::string("Pendaftaran tidak diubah: ") + e.what(),
                                &f);
        }
        const auto refused = out.change.refused;
        if (refused == engine::change_refusal::unknown_code)
            return message_page(404,
                                "Tidak ditemukan",
                                "Tidak ada pendaftaran " + code + " untuk kursus " + course + ".",
                                &f);
        if (refused != engine::change_refusal::none)
            return message_page(409,
                                "Tidak dapat diubah",
                                "Pendaftaran " + code + " tidak diubah: " + refusal_text(refused),
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
        const std::vector<std::pair<std::string, std::array<std::int64_t, 5>>>& days,
        const std::array<const char*, 5>& labels) {
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
            "\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"funnel-title\">"
            "Corong per hari: dijangkau, membaca peringatan, mulai daftar, "
            "terdaftar, hadir</title>";
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
        static constexpr std::array<const char*, 5> labels = {
            "Dijangkau", "Membaca peringatan", "Mulai daftar", "Terdaftar", "Hadir"};
        std::map<std::string, std::array<std::int64_t, 5>> by_day, by_kecamatan;
        for (const auto& r : rows) {
            const std::array<std::int64_t, 5> v = {
                r.reached, r.warned, r.started, r.registered, r.attended};
            for (std::size_t k = 0; k < 5; ++k) {
                by_day[r.day][k] += v[k];
                by_kecamatan[r.kecamatan][k] += v[k];
            }
        }
        std::string body = "<p>" + std::to_string(days) +
                           " hari terakhir. Setiap angka menghitung warga, bukan pesan. "
                           "<a href=\"/console/overview?days=7\">7 hari</a> · <a "
                           "href=\"/console/overview?days=30\">30 hari</a></p>"
                           "<h2>Corong per hari</h2>";
        if (by_day.empty()) {
            body += "<p class=\"notice\">Belum ada data untuk masa ini.</p>";
        } else {
            std::vector<std::pair<std::string, std::array<std::int64_t, 5>>> ordered(by_day.begin(),
                                                                                     by_day.end());
            body += funnel_chart(ordered, labels);
            body +=
                "<h2>Per kecamatan</h2><div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
                "aria-label=\"Per kecamatan\"><table><thead><tr><th scope=\"col\">Kecamatan</th>";
            for (const auto* l : labels)
                body += std::string("<th scope=\"col\">") + l + "</th>";
            body += "</tr></thead><tbody>";
            for (const auto& [kecamatan, v] : by_kecamatan) {
                body += "<tr><td>" +
                        (kecamatan.empty() ? std::string("(tidak diketahui)") : escape(kecamatan)) +
                        "</td>";
                for (auto n : v)
                    body += "<td>" + std::to_string(n) + "</td>";
                body += "</tr>";
            }
            body +=
                "</tbody></table></div><p class=\"meta\">Hadir: pendaftaran yang ditandai hadir "
                "oleh petugas, pada hari "
                "penandaannya.</p>";
        }
        body += "<h2>Kesehatan pengiriman</h2>";
        auto health = store.delivery(since);
        if (health.empty()) {
            body += "<p class=\"notice\">Belum ada pesan terkirim.</p>";
        } else {
            body +=
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
                "aria-label=\"Pengiriman\">"
                "<table><thead><tr><th scope=\"col\">Kanal</th><th scope=\"col\">Terkirim</th>"
                "<th scope=\"col\">Diterima</th><th scope=\"col\">Gagal</th><th "
                "scope=\"col\">Antre</th><th scope=\"col\">Alasan gagal terbanyak</th></tr>"
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
        return html(200, page(c.frame_for("Ringkasan", "/console/overview"), body));
    }

    // --- Scripts ---

    // The problems of a check, as a list (errors first, as the checker words them).
    static std::string problems_list(const std::vector<dialog::problem>& problems,
                                     dialog::severity which) {
        std::string out;
        for (const auto& p : problems)
            if (p.severity == which) out += "<li>" + escape(dialog::to_string(p)) + "</li>";
        return out.empty() ? out : "<ul class=\"problems\">" + out + "</ul>";
    }

    http_response not_here(context& c, const std::string& title, const std::string& current) {
        auto f = c.frame_for(title, current);
        return message_page(503, title, "Halaman ini tidak tersedia pada server ini.", &f);
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
        body += "<p>Versi aktif: <strong>" +
                (live ? "versi " + std::to_string(live) : std::string("belum ada")) +
                "</strong>. Setiap penerbitan diperiksa dulu; skrip yang salah tidak pernah "
                "diterbitkan.</p>";
        const bool admin = app::allows(c.role, app::staff_role::admin);
        auto versions = store.script_versions();
        if (versions.empty()) {
            body += "<p class=\"notice\">Belum ada versi.</p>";
        } else {
            body +=
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Versi "
                "skrip\"><table><thead><tr><th scope=\"col\">Versi</th><th scope=\"col\">Waktu"
                "</th><th scope=\"col\">Oleh</th><th scope=\"col\">Catatan</th><th "
                "scope=\"col\">Status</th></tr></thead><tbody>";
            for (const auto& v : versions) {
                const auto id = std::to_string(v.id);
                body += "<tr><td><a href=\"/console/scripts/" + id + "\">Versi " + id +
                        "</a></td><td>" + when(v.published_at) + "</td><td>" +
                        escape(v.published_by) + "</td><td>" + escape(v.note) + "</td><td>";
                if (v.id == live) {
                    body += "<strong>Aktif</strong>";
                } else if (admin) {
                    body += button_form("/console/scripts/" + id + "/rollback",
                                        c.login.session.csrf_token,
                                        "Kembalikan ke versi " + id,
                                        {},
                                        "secondary");
                }
                body += "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        if (admin) {
            body +=
                "<h2>Terbitkan versi baru</h2><p>Tempel isi JSON satu berkas skrip. Versi baru "
                "berisi berkas-berkas versi aktif, dengan berkas bernama sama diganti (atau "
                "ditambahkan). Pemeriksa menjalankan semua berkas bersama.</p>"
                "<form method=\"post\" action=\"/console/scripts\">" +
                csrf_field(c.login.session.csrf_token) +
                "<label for=\"name\">Nama berkas</label><input type=\"text\" id=\"name\" "
                "name=\"name\" required placeholder=\"lumajang.json\" value=\"" +
                escape(name) +
                "\"><label for=\"script\">Isi skrip (JSON)</label><textarea class=\"code\" "
                "id=\"script\" name=\"script\" required spellcheck=\"false\">" +
                escape(text) +
                "</textarea><label for=\"note\">Catatan (apa yang berubah)</label><input "
                "type=\"text\" id=\"note\" name=\"note\" value=\"" +
                escape(note) +
                "\"><p><button type=\"submit\">Periksa dan terbitkan</button></p></form>";
        }
        return html(status, page(c.frame_for("Skrip dialog", "/console/scripts"), body));
    }

    http_response scripts_list(context& c) {
        std::string outcome;
        if (c.arg("msg") == "published")
            outcome = "<p class=\"notice\" role=\"status\">Versi " + escape(c.arg("version")) +
                      " diterbitkan dan langsung aktif.</p>";
        return scripts_page(c, 200, outcome);
    }

    http_response script_version_page(context& c) {
        if (!options.scripts) return not_here(c, "Skrip dialog", "/console/scripts");
        auto id = number_of(c.param("id"));
        auto v = id ? store.find_script_version(*id) : std::nullopt;
        auto f = c.frame_for("", "/console/scripts");
        if (!v)
            return message_page(
                404, "Tidak ditemukan", "Tidak ada versi skrip " + c.param("id") + ".", &f);
        std::string body = "<dl class=\"facts\"><dt>Diterbitkan</dt><dd>" + when(v->published_at) +
                           "</dd><dt>Oleh</dt><dd>" + escape(v->published_by) +
                           "</dd><dt>Catatan</dt><dd>" + escape(v->note) +
                           "</dd><dt>Status</dt><dd>" +
                           (v->id == options.scripts->current_version() ? "Aktif" : "Tidak aktif") +
                           "</dd></dl><p><a href=\"/console/scripts\">&larr; Semua versi</a></p>";
        for (const auto& file : v->files)
            body += "<h2>" + escape(file.name) + "</h2><pre class=\"code\" tabindex=\"0\">" +
                    escape(file.text) + "</pre>";
        return html(
            200,
            page(c.frame_for("Skrip versi " + std::to_string(v->id), "/console/scripts"), body));
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
                                "<div class=\"error\" role=\"alert\"><p>Skrip memiliki kesalahan; "
                                "tidak ada yang diterbitkan. Versi aktif tidak berubah.</p>" +
                                    problems_list(out.problems, dialog::severity::error) + "</div>",
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
            "<div class=\"notice\" role=\"status\"><p>Versi " + std::to_string(out.version) +
                " diterbitkan dan langsung aktif, dengan peringatan:</p>" + warnings + "</div>");
    }

    http_response publish_script(context& c) {
        if (!options.scripts) return not_here(c, "Skrip dialog", "/console/scripts");
        const auto name = c.field("name"), text = c.field("script"), note = c.field("note");
        if (name.empty() || text.empty())
            return scripts_page(c,
                                400,
                                "<p class=\"error\" role=\"alert\">Isi nama berkas dan isi "
                                "skripnya.</p>",
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
                return "Disiapkan";
            case storage::broadcast_status::ready:
                return "Siap / berjalan";
            case storage::broadcast_status::done:
                return "Selesai";
            case storage::broadcast_status::cancelled:
                return "Dibatalkan";
            case storage::broadcast_status::over_budget:
                return "Anggaran habis";
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
            out.problem = "Pilih kanal.";
            return out;
        }
        const auto text = c.field("text"), node = c.field("node");
        if (text.empty() && node.empty()) {
            out.problem = "Tulis pesan atau sebutkan simpul dialog.";
            return out;
        }
        r.what.texts = text.empty() ? std::vector<std::string>{} : std::vector{text};
        r.what.node = node;
        r.segment_text = c.field("segment").empty() ? "all" : c.field("segment");
        std::string problem;
        auto who = app::parse_segment_text(r.segment_text, problem);
        if (!who) {
            out.problem = "Segmen: " + problem;
            return out;
        }
        r.who = *who;
        r.start_at = c.now;
        if (!c.field("start").empty()) {
            auto at = storage::parse_timestamp(c.field("start"), options.utc_offset_minutes);
            if (!at) {
                out.problem = "Waktu mulai tidak terbaca (tulis 2026-03-01T08:00).";
                return out;
            }
            if (*at < c.now - 60) {
                out.problem = "Waktu mulai sudah lewat.";
                return out;
            }
            r.start_at = std::max(*at, c.now);
        }
        if (!c.field("budget").empty()) {
            auto budget = number_of(c.field("budget"));
            if (!budget) {
                out.problem = "Anggaran harus bilangan bulat (segmen SMS), atau kosong.";
                return out;
            }
            r.budget = *budget;
        }
        return out;
    }

    // The create form, filled with what was written.
    std::string broadcast_fields(const context& c) const {
        std::string channels;
        for (const auto& ch : options.channels)
            channels += "<option value=\"" + escape(ch.name) + "\"" +
                        (ch.name == c.field("channel") ? " selected" : "") + ">" + escape(ch.name) +
                        "</option>";
        return "<label for=\"segment\">Segmen</label><input type=\"text\" id=\"segment\" "
               "name=\"segment\" aria-describedby=\"segment-help\" value=\"" +
               escape(c.field("segment")) +
               "\"><p class=\"meta\" id=\"segment-help\">Contoh: group=kader,kecamatan=sukodono "
               "(kunci: group, kecamatan, language, course, status, since). Kosong: semua "
               "kontak. Yang berhenti berlangganan tidak pernah dikirimi.</p>"
               "<label for=\"channel\">Kanal</label><select id=\"channel\" name=\"channel\">" +
               channels +
               "</select><label for=\"text\">Pesan</label><textarea id=\"text\" name=\"text\">" +
               escape(c.field("text")) +
               "</textarea><label for=\"node\">Atau simpul dialog (setelah pesan, jika "
               "keduanya)</label><input type=\"text\" id=\"node\" name=\"node\" value=\"" +
               escape(c.field("node")) +
               "\"><label for=\"start\">Mulai (WIB; kosong: sekarang)</label><input "
               "type=\"datetime-local\" id=\"start\" name=\"start\" value=\"" +
               escape(c.field("start")) +
               "\"><label for=\"budget\">Anggaran (segmen SMS; kosong: tanpa batas)</label>"
               "<input type=\"number\" min=\"0\" id=\"budget\" name=\"budget\" value=\"" +
               escape(c.field("budget")) + "\">";
    }

    http_response broadcasts_page(context& c, int status = 200, const std::string& problem = {}) {
        if (!options.broadcasts) return not_here(c, "Siaran", "/console/broadcasts");
        std::string body;
        if (!problem.empty())
            body += "<p class=\"error\" role=\"alert\">" + escape(problem) + "</p>";
        auto all = options.broadcasts->list();
        if (all.empty()) {
            body += "<p class=\"notice\">Belum ada siaran.</p>";
        } else {
            body +=
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Siaran\">"
                "<table><thead><tr><th scope=\"col\">No.</th><th scope=\"col\">Mulai</th><th "
                "scope=\"col\">Kanal</th><th scope=\"col\">Segmen</th><th scope=\"col\">Status"
                "</th><th scope=\"col\">Segmen SMS</th></tr></thead><tbody>";
            for (auto it = all.rbegin(); it != all.rend(); ++it) {
                const auto id = std::to_string(it->id);
                body += "<tr><td><a href=\"/console/broadcasts/" + id + "\">Siaran " + id +
                        "</a></td><td>" + when(it->start_at) + "</td><td>" + escape(it->channel) +
                        "</td><td>" + escape(it->segment) + "</td><td>" +
                        std::string(broadcast_label(it->status)) + "</td><td>" +
                        std::to_string(it->spent) +
                        (it->budget > 0 ? " / " + std::to_string(it->budget) : std::string()) +
                        "</td></tr>";
            }
            body += "</tbody></table></div>";
        }
        if (app::allows(c.role, app::staff_role::staff))
            body +=
                "<h2>Siaran baru</h2><p>Sapa menulis lebih dulu kepada setiap kontak segmen. "
                "Pratinjau menunjukkan penerima dan biaya sebelum dikirim.</p>"
                "<form method=\"post\" action=\"/console/broadcasts/preview\">" +
                csrf_field(c.login.session.csrf_token) + broadcast_fields(c) +
                "<p><button type=\"submit\">Pratinjau</button></p></form>";
        return html(status, page(c.frame_for("Siaran", "/console/broadcasts"), body));
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
                          ? "Tidak ada simpul \"" + c.field("node") + "\" di skrip kanal " +
                                form.request.on->name + "."
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
            "<dl class=\"facts\"><dt>Penerima</dt><dd id=\"recipients\">" +
            std::to_string(plan->recipients) + " kontak</dd><dt>Pesan</dt><dd>" +
            std::to_string(plan->messages) + "</dd><dt>Segmen SMS</dt><dd id=\"segments\">" +
            std::to_string(plan->segments) +
            (r.budget > 0 ? " (anggaran " + std::to_string(r.budget) + ")" : std::string()) +
            "</dd><dt>Kanal</dt><dd>" + escape(r.on->name) + "</dd><dt>Segmen</dt><dd>" +
            escape(r.segment_text) + "</dd><dt>Mulai</dt><dd>" + when(r.start_at) +
            " WIB</dd><dt>Pesan</dt><dd>" + c.shown(c.field("text")) +
            (r.what.node.empty() ? "" : " (simpul " + escape(r.what.node) + ")") + "</dd></dl>";
        std::vector<std::pair<std::string, std::string>> keep;
        for (const auto* k : {"segment", "channel", "text", "node", "start", "budget"})
            keep.emplace_back(k, c.field(k));
        if (over) {
            body +=
                "<p class=\"error\" role=\"alert\">Biaya melebihi anggaran; siaran ini tidak "
                "dapat dikirim. Persempit segmen atau naikkan anggaran.</p>";
        } else if (plan->recipients == 0) {
            body += "<p class=\"error\" role=\"alert\">Segmen ini tidak punya penerima.</p>";
        } else {
            body += "<p>Periksa angka di atas, lalu kirim.</p>" +
                    button_form("/console/broadcasts",
                                c.login.session.csrf_token,
                                "Kirim siaran ke " + std::to_string(plan->recipients) + " kontak",
                                keep);
        }
        body += "<p><a href=\"/console/broadcasts\">Batal, kembali ke siaran</a></p>";
        return html(200, page(c.frame_for("Pratinjau siaran", "/console/broadcasts"), body));
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
                std::to_string(plan->segments) + " segmen SMS melebihi anggaran " +
                    std::to_string(form.request.budget) + "; tidak ada yang dikirim.");
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
            return message_page(
                404, "Tidak ditemukan", "Tidak ada siaran " + c.param("id") + ".", &f);
        const auto& b = report->broadcast;
        const auto& n = report->counts;
        std::string body;
        if (c.arg("msg") == "created")
            body +=
                "<p class=\"notice\" role=\"status\">Siaran disimpan; server mengirimnya "
                "sesuai kecepatan kanal.</p>";
        if (c.arg("msg") == "cancelled")
            body +=
                "<p class=\"notice\" role=\"status\">Siaran dibatalkan. Yang sudah terkirim "
                "tetap terkirim.</p>";
        std::string opening;
        for (const auto& t : b.texts)
            opening += (opening.empty() ? "" : " · ") + c.shown(t);
        if (!b.node.empty())
            opening += (opening.empty() ? "" : " · ") + ("simpul " + escape(b.node));
        body += "<dl class=\"facts\"><dt>Status</dt><dd id=\"status\">" +
                std::string(broadcast_label(b.status)) +
                (b.reason.empty() ? "" : " (" + escape(b.reason) + ")") +
                "</dd><dt>Kanal</dt><dd>" + escape(b.channel) + "</dd><dt>Segmen</dt><dd>" +
                escape(b.segment) + "</dd><dt>Isi</dt><dd>" + opening + "</dd><dt>Mulai</dt><dd>" +
                when(b.start_at) + " WIB</dd><dt>Segmen SMS terpakai</dt><dd>" +
                std::to_string(b.spent) +
                (b.budget > 0 ? " dari anggaran " + std::to_string(b.budget) : std::string()) +
                "</dd></dl><h2>Penerima: " + std::to_string(n.total()) + "</h2>";
        const std::array<std::pair<const char*, std::int64_t>, 7> rows = {
            {{"Menunggu", n.waiting},
             {"Antre", n.queued},
             {"Terkirim", n.sent},
             {"Diterima", n.delivered},
             {"Dibaca", n.read},
             {"Gagal", n.failed},
             {"Dilewati", n.skipped}}};
        body +=
            "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Penerima per "
            "status\"><table><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Jumlah"
            "</th></tr></thead><tbody>";
        for (const auto& [label, count] : rows)
            body += std::string("<tr><td>") + label + "</td><td>" + std::to_string(count) +
                    "</td></tr>";
        body += "</tbody></table></div>";
        const bool running = b.status == storage::broadcast_status::preparing ||
                             b.status == storage::broadcast_status::ready;
        if (running && app::allows(c.role, app::staff_role::staff))
            body += button_form("/console/broadcasts/" + std::to_string(b.id) + "/cancel",
                                c.login.session.csrf_token,
                                "Batalkan siaran",
                                {},
                                "danger");
        body += "<p><a href=\"/console/broadcasts\">&larr; Semua siaran</a></p>";
        return html(
            200, page(c.frame_for("Siaran " + std::to_string(b.id), "/console/broadcasts"), body));
    }

    http_response cancel_broadcast(context& c) {
        if (!options.broadcasts) return not_here(c, "Siaran", "/console/broadcasts");
        auto id = number_of(c.param("id"));
        auto report = id ? options.broadcasts->cancel(*id, c.now) : std::nullopt;
        auto f = c.frame_for("", "/console/broadcasts");
        if (!report)
            return message_page(
                404, "Tidak ditemukan", "Tidak ada siaran " + c.param("id") + ".", &f);
        audit(c.login.account.name,
              "cancel_broadcast",
              "broadcast " + c.param("id"),
              std::string("now ") + storage::to_string(report->broadcast.status));
        return redirect("/console/broadcasts/" + c.param("id") + "?msg=cancelled");
    }

    // --- Audit ---

    http_response audit_page(context& c) {
        auto before = number_of(c.arg("before")).value_or(0);
        auto entries = store.audit_log(before, 50);
        std::string body =
            "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
            "aria-label=\"Tabel\"><table><thead><tr><th scope=\"col\">Waktu</th><th "
            "scope=\"col\">Petugas</th><th scope=\"col\">Tindakan</th><th scope=\"col\">Objek</th>"
            "<th scope=\"col\">Rincian</th></tr></thead><tbody>";
        for (const auto& e : entries)
            body += "<tr><td>" + when(e.at) + "</td><td>" + escape(e.staff) + "</td><td>" +
                    escape(e.action) + "</td><td>" + escape(e.object) + "</td><td>" +
                    escape(e.detail) + "</td></tr>";
        body += "</tbody></table></div>";
        if (entries.size() == 50)
            body += "<p><a href=\"/console/audit?before=" + std::to_string(entries.back().id) +
                    "\">Lebih lama &rarr;</a></p>";
        return html(200, page(c.frame_for("Jejak audit", "/console/audit"), body));
    }

    void add_routes(server::router& routes) {
        using app::staff_role;
        auto self = shared_from_this();
        routes.add("GET",
                   "/console/static/console.css",
                   [](http_request, const route_params&, responder respond) {
                       http_response r;
                       r.content_type = "text/css; charset=utf-8";
                       r.body = std::string(stylesheet());
                       r.headers.emplace_back("Cache-Control", "max-age=3600");
                       r.headers.emplace_back("X-Content-Type-Options", "nosniff");
                       respond(std::move(r));
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
