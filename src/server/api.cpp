#include "server/api.hpp"

#include "dialog/problem.hpp"
#include "storage/export.hpp"

#include <boost/url/parse_query.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <exception>
#include <map>
#include <set>

namespace sapa::server {
namespace {

using json = nlohmann::ordered_json;

http_response json_response(int status, const json& body) {
    http_response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    return r;
}

http_response error_response(int status, const std::string& message) {
    auto r = json_response(status, {{"error", message}});
    if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
}

// A request the client got wrong: 400 with the reason.
struct bad_request : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// The query's parameters; 400 for a malformed query, a repeated or unknown name.
std::map<std::string, std::string> query_params(const std::string& query,
                                                const std::set<std::string>& allowed) {
    std::map<std::string, std::string> out;
    if (query.empty()) return out;
    auto parsed = boost::urls::parse_query(query);
    if (!parsed) throw bad_request("the query string is malformed");
    for (auto p : *parsed) {
        auto key = p.key.decode();
        if (!allowed.count(key)) throw bad_request("unknown parameter \"" + key + "\"");
        if (!out.emplace(key, p.value.decode()).second)
            throw bad_request("parameter \"" + key + "\" is given twice");
    }
    return out;
}

std::int64_t positive_number(const std::string& name, const std::string& text) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 0)
        throw bad_request("\"" + name + "\" must be a whole number, not \"" + text + "\"");
    return n;
}

// A NIK as a viewer sees it: all but the last 4 characters hidden.
std::string mask_nik(const std::string& nik) {
    if (nik.size() <= 4) return std::string(nik.size(), '*');
    return std::string(nik.size() - 4, '*') + nik.substr(nik.size() - 4);
}

bool is_nik_column(const std::string& name) {
    auto n = lower(name);
    return n == "nik" || n == "field_nik";
}

// The rows of one page as JSON objects, keys in column order; times in RFC 3339 (UTC).
class json_items final : public storage::row_sink {
  public:
    explicit json_items(bool hide_nik) : hide_nik_(hide_nik) {}
    void begin(const std::vector<storage::export_column>& columns) override { columns_ = columns; }
    void row(const std::vector<storage::export_value>& values) override {
        json item = json::object();
        for (std::size_t i = 0; i < columns_.size() && i < values.size(); ++i) {
            const auto& c = columns_[i];
            const auto& v = values[i];
            if (std::holds_alternative<std::monostate>(v)) {
                item[c.name] = nullptr;
            } else if (auto* n = std::get_if<std::int64_t>(&v)) {
                if (c.type == storage::column_type::timestamp)
                    item[c.name] = storage::format_timestamp(*n, 0, true);
                else
                    item[c.name] = *n;
            } else {
                const auto& text = std::get<std::string>(v);
                item[c.name] = hide_nik_ && is_nik_column(c.name) ? mask_nik(text) : text;
            }
        }
        items.push_back(std::move(item));
    }
    void end() override {}

    json items = json::array();

  private:
    bool hide_nik_;
    std::vector<storage::export_column> columns_;
};

json problems_json(const std::vector<dialog::problem>& problems, dialog::severity which) {
    auto out = json::array();
    for (const auto& p : problems) {
        if (p.severity != which) continue;
        out.push_back({{"file", dialog::without_folders(p).file},
                       {"where", p.where},
                       {"severity", p.severity == dialog::severity::error ? "error" : "warning"},
                       {"message", p.message}});
    }
    return out;
}

// "Bearer TOKEN" -> TOKEN; empty when the header is no bearer token.
std::string bearer_token(const std::string& authorization) {
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() <= scheme.size() ||
        lower(authorization.substr(0, scheme.size())) != scheme)
        return {};
    auto token = authorization.substr(scheme.size());
    while (!token.empty() && token.front() == ' ')
        token.erase(token.begin());
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
        token.pop_back();
    return token;
}

}  // namespace

api::api(storage::store& store,
         app::conversations& conversations,
         app::scripts& scripts,
         std::function<messaging::unix_seconds()> clock,
         api_options options)
    : store_(store),
      conversations_(conversations),
      scripts_(scripts),
      clock_(std::move(clock)),
      options_(options),
      tokens_(store) {
    for (int i = 0; i < std::max(1, options_.threads); ++i)
        threads_.emplace_back([this] { run(); });
}

api::~api() {
    stop();
}

void api::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
        t.join();
    threads_.clear();
}

void api::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        auto job = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
}

void api::add(router& routes,
              const std::string& method,
              const std::string& pattern,
              app::staff_role role,
              handler h) {
    routes.add(method,
               pattern,
               [this, role, h = std::move(h)](
                   http_request request, const route_params& params, responder respond) {
                   auto job = [this, role, h, request = std::move(request), params, respond] {
                       http_response r;
                       try {
                           auto token = bearer_token(request.header("authorization"));
                           if (token.empty()) {
                               r = error_response(401,
                                                  "send an API token: Authorization: Bearer TOKEN");
                           } else if (auto who = tokens_.check(token, clock_()); !who) {
                               r = error_response(401, "unknown or revoked API token");
                           } else if (!app::allows(who->role, role)) {
                               r = error_response(403,
                                                  "this needs the " + std::string(to_string(role)) +
                                                      " role; the token has " +
                                                      std::string(to_string(who->role)));
                           } else {
                               r = h(request, params, *who);
                           }
                       } catch (const bad_request& e) {
                           r = error_response(400, e.what());
                       } catch (const std::exception& e) {
                           r = error_response(503, std::string("the request failed: ") + e.what());
                       }
                       respond(std::move(r));
                   };
                   {
                       std::lock_guard lock(mutex_);
                       if (!stopping_) {
                           queue_.push_back(std::move(job));
                           wake_.notify_one();
                           return;
                       }
                   }
                   respond(error_response(503, "the server is stopping"));
               });
}

void api::add_routes(router& routes) {
    using app::staff_role;
    using storage::export_kind;
    auto lister = [this](export_kind kind) {
        return
            [this, kind](const http_request& r, const route_params&, const app::token_holder& who) {
                return list(who.role, kind, r);
            };
    };
    add(routes,
        "GET",
        "/api/v1/registrations",
        staff_role::viewer,
        lister(export_kind::registrations));
    add(routes, "GET", "/api/v1/contacts", staff_role::viewer, lister(export_kind::contacts));
    add(routes, "GET", "/api/v1/requests", staff_role::viewer, lister(export_kind::requests));
    add(routes,
        "POST",
        "/api/v1/requests/{id}/done",
        staff_role::staff,
        [this](const http_request&, const route_params& p, const app::token_holder& who) {
            auto r = request_done(p);
            if (r.status == 200) audit(who, "mark_done", "request " + p.at("id"));
            return r;
        });
    add(routes,
        "POST",
        "/api/v1/registrations/{code}/cancel",
        staff_role::staff,
        [this](const http_request& r, const route_params& p, const app::token_holder& who) {
            auto out = cancel(r, p);
            if (out.status == 200)
                audit(who, "cancel_registration", "registration " + p.at("code"));
            return out;
        });
    for (auto what : {app::registration_change::confirm,
                      app::registration_change::attended,
                      app::registration_change::promote}) {
        add(routes,
            "POST",
            "/api/v1/registrations/{code}/" + std::string(app::to_string(what)),
            staff_role::staff,
            [this, what](
                const http_request& r, const route_params& p, const app::token_holder& who) {
                auto out = change(what, r, p);
                if (out.status == 200)
                    audit(who,
                          std::string(app::to_string(what)) + "_registration",
                          "registration " + p.at("code"));
                return out;
            });
    }
    add(routes,
        "GET",
        "/api/v1/scripts",
        staff_role::viewer,
        [this](const http_request&, const route_params&, const app::token_holder&) {
            return scripts_list();
        });
    add(routes,
        "POST",
        "/api/v1/scripts",
        staff_role::admin,
        [this](const http_request& r, const route_params&, const app::token_holder& who) {
            auto out = publish(r, who);
            audit(who, out.status == 201 ? "publish_scripts" : "publish_refused", "scripts");
            return out;
        });
}

http_response api::list(app::staff_role role,
                        storage::export_kind kind,
                        const http_request& request) const {
    std::set<std::string> allowed = {"limit", "after", "since", "course"};
    switch (kind) {
        case storage::export_kind::registrations:
            allowed.insert("status");
            break;
        case storage::export_kind::contacts:
            allowed.insert({"language", "group"});
            break;
        case storage::export_kind::requests:
            allowed.insert("status");
            break;
        case storage::export_kind::conversations:
            break;
    }
    auto q = query_params(request.query, allowed);
    storage::export_filter filter;
    std::int64_t limit = 50;
    if (auto it = q.find("limit"); it != q.end()) {
        limit = positive_number("limit", it->second);
        if (limit < 1 || limit > options_.max_limit)
            throw bad_request("\"limit\" must be 1 to " + std::to_string(options_.max_limit));
    }
    filter.limit = limit;
    if (auto it = q.find("after"); it != q.end())
        filter.after = positive_number("after", it->second);
    if (auto it = q.find("since"); it != q.end()) {
        filter.since = storage::parse_timestamp(it->second, 7 * 60);
        if (!filter.since)
            throw bad_request("\"since\" must be a date (2024-05-01) or a date and time");
    }
    if (auto it = q.find("course"); it != q.end()) filter.course = it->second;
    if (auto it = q.find("status"); it != q.end()) {
        const auto& s = it->second;
        const bool ok =
            kind == storage::export_kind::requests
                ? (s == "open" || s == "done")
                : (engine::registration_status_from_string(s) != engine::registration_status::none);
        if (!ok) throw bad_request("no such status \"" + s + "\"");
        filter.status = s;
    }
    if (auto it = q.find("language"); it != q.end()) filter.language = it->second;
    if (auto it = q.find("group"); it != q.end()) filter.group = it->second;

    json_items items(!app::allows(role, app::staff_role::staff));
    auto summary = store_.export_rows(kind, filter, items);
    json body = {{"items", std::move(items.items)}};
    body["next"] = summary.rows == limit ? json(std::to_string(summary.last_id)) : json(nullptr);
    return json_response(200, body);
}

http_response api::scripts_list() const {
    auto items = json::array();
    const auto live = scripts_.current_version();
    for (const auto& v : store_.script_versions())
        items.push_back({{"version", v.id},
                         {"published_at", storage::format_timestamp(v.published_at, 0, true)},
                         {"published_by", v.published_by},
                         {"note", v.note},
                         {"live", v.id == live}});
    return json_response(200, {{"items", items}});
}

http_response api::publish(const http_request& request, const app::token_holder& who) {
    auto body = json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("files") || !body["files"].is_array() ||
        body["files"].empty())
        return error_response(400,
                              "send {\"files\": [{\"name\": \"x.json\", \"text\": \"...\"}]} "
                              "(or \"script\": {...} instead of \"text\")");
    std::vector<storage::script_file> files;
    for (const auto& f : body["files"]) {
        if (!f.is_object() || !f.contains("name") || !f["name"].is_string())
            return error_response(400, "every file needs a \"name\"");
        storage::script_file file{f["name"].get<std::string>(), {}};
        if (f.contains("text") && f["text"].is_string())
            file.text = f["text"].get<std::string>();
        else if (f.contains("script") && f["script"].is_object())
            file.text = f["script"].dump(2);
        else
            return error_response(400, "file \"" + file.name + "\" needs \"text\" or \"script\"");
        files.push_back(std::move(file));
    }
    std::string note = "api";
    if (body.contains("note") && body["note"].is_string() && !body["note"].empty())
        note = "api: " + body["note"].get<std::string>();
    auto out = scripts_.publish(files, "token " + who.name, note, clock_());
    if (!out.published()) {
        auto r =
            json_response(422,
                          {{"error", "the scripts have errors; nothing was published"},
                           {"problems", problems_json(out.problems, dialog::severity::error)},
                           {"warnings", problems_json(out.problems, dialog::severity::warning)}});
        return r;
    }
    return json_response(201,
                         {{"version", out.version},
                          {"warnings", problems_json(out.problems, dialog::severity::warning)}});
}

void api::audit(const app::token_holder& who, std::string action, std::string object) {
    store_.add_audit({0, clock_(), "token " + who.name, std::move(action), std::move(object), {}});
}

http_response api::request_done(const route_params& params) {
    auto id = positive_number("id", params.at("id"));
    if (id == 0 || !store_.mark_request_done(id, clock_()))
        return error_response(404, "there is no request " + params.at("id"));
    return json_response(200, {{"id", id}, {"status", "done"}});
}

namespace {

// The course a registration change names: ?course=ID, or {"course": ID} in the body.
std::string course_of(const http_request& request) {
    auto q = query_params(request.query, {"course"});
    std::string course;
    if (auto it = q.find("course"); it != q.end()) course = it->second;
    if (course.empty() && !request.body.empty()) {
        auto body = json::parse(request.body, nullptr, false);
        if (body.is_object() && body.contains("course") && body["course"].is_string())
            course = body["course"].get<std::string>();
    }
    if (course.empty()) throw bad_request("say which course: ?course=ID");
    return course;
}

}  // namespace

http_response api::change(app::registration_change what,
                          const http_request& request,
                          const route_params& params) {
    const auto course = course_of(request);
    const auto& code = params.at("code");
    auto out = conversations_.change_registration(what, course, code, clock_());
    const auto refused = out.change.refused;
    if (refused == engine::change_refusal::unknown_code)
        return error_response(404, "course " + course + " has no registration " + code);
    if (refused != engine::change_refusal::none)
        return error_response(409, code + ": " + engine::describe(refused));
    const auto& r = out.change.entry.record;
    std::string told = out.told_on;
    for (const auto& p : out.promotions)
        told = p.channel;
    return json_response(200,
                         {{"code", r.code},
                          {"course", r.course},
                          {"status", std::string(engine::to_string(r.status))},
                          {"position", r.position},
                          {"changed", out.change.changed},
                          {"told_on", told.empty() ? json(nullptr) : json(told)}});
}

http_response api::cancel(const http_request& request, const route_params& params) {
    const auto course = course_of(request);
    const auto& code = params.at("code");
    auto out = conversations_.cancel_registration(course, code, clock_());
    if (!out.found) return error_response(404, "course " + course + " has no registration " + code);
    auto promoted = json::array();
    for (const auto& p : out.promotions)
        promoted.push_back({{"code", p.promoted.record.code},
                            {"contact", p.promoted.contact},
                            {"seat", p.promoted.record.position},
                            {"told_on", p.channel.empty() ? json(nullptr) : json(p.channel)}});
    return json_response(200,
                         {{"code", out.cancelled.record.code},
                          {"course", out.cancelled.record.course},
                          {"status", std::string(engine::to_string(out.cancelled.record.status))},
                          {"promoted", promoted}});
}

}  // namespace sapa::server
