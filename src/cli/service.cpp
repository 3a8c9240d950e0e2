#include "cli/service.hpp"

#include "app/conversations.hpp"
#include "app/sending_rules.hpp"
#include "console/console.hpp"
#include "dialog/catalog.hpp"
#include "gateway/adapter.hpp"
#include "messaging/address.hpp"
#include "server/api.hpp"
#include "server/broadcast_driver.hpp"
#include "server/http_server.hpp"
#include "server/log.hpp"
#include "server/metrics.hpp"
#include "server/outbound_sender.hpp"
#include "server/router.hpp"
#include "server/webhooks.hpp"
#include "sms/gsm7.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>
#include <utility>

namespace sapa::cli {

using namespace server;
namespace {

// How often a running server looks for a script version published elsewhere.
constexpr std::chrono::milliseconds script_poll_interval{1000};

messaging::unix_seconds wall_clock() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// The configured quiet hours as the sending rules take them (one period per listed day).
app::quiet_hours configured_quiet_hours(const config::sending_rules_config& c) {
    app::quiet_hours q{c.utc_offset_minutes, {}};
    for (const auto& p : c.quiet_hours) {
        if (p.weekdays.empty()) q.periods.push_back({std::nullopt, p.from_minute, p.until_minute});
        for (int day : p.weekdays)
            q.periods.push_back({day, p.from_minute, p.until_minute});
    }
    return q;
}

}  // namespace

std::shared_ptr<const dialog::catalog> load_configured_scripts(
    const config::service_config& config) {
    std::vector<std::string> paths;
    for (const auto& p : config.dialogs.paths)
        paths.push_back(p.string());
    auto loaded = dialog::load_catalog(paths);
    for (const auto& p : loaded.problems)
        if (p.severity == dialog::severity::error) log(log_level::error, dialog::to_string(p));
    if (!loaded.scripts) return nullptr;
    if (!config.dialogs.session_timeout_minutes) return loaded.scripts;
    std::vector<dialog::script> scripts;
    for (const auto& [id, s] : loaded.scripts->scripts()) {
        scripts.push_back(s);
        scripts.back().session_timeout_minutes = *config.dialogs.session_timeout_minutes;
    }
    return std::make_shared<const dialog::catalog>(std::move(scripts));
}

std::vector<storage::script_file> read_dialog_files(const config::service_config& config,
                                                    std::vector<dialog::problem>& problems) {
    std::vector<std::string> paths;
    for (const auto& p : config.dialogs.paths)
        paths.push_back(p.string());
    std::vector<storage::script_file> out;
    for (const auto& file : dialog::dialog_files(paths, problems)) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in) {
            problems.push_back({dialog::severity::error, file, "", "cannot read the file"});
            continue;
        }
        out.push_back({file, text.str()});
    }
    if (paths.empty())
        problems.push_back({dialog::severity::error, "", "", "no dialog files were given"});
    return out;
}

app::scripts_options configured_scripts_options(const config::service_config& config) {
    app::scripts_options out;
    for (const auto& c : config.channels)
        if (std::find(out.required.begin(), out.required.end(), c.script) == out.required.end())
            out.required.push_back(c.script);
    out.session_timeout_minutes = config.dialogs.session_timeout_minutes;
    return out;
}

namespace {

// Logs what a publish or refresh of the scripts did.
void log_publish(const app::publish_outcome& out, const std::string& what) {
    for (const auto& p : out.problems)
        log(p.severity == dialog::severity::error ? log_level::error : log_level::warn,
            what + ": " + dialog::to_string(p));
    if (out.published())
        log(log_level::info, what + ": script version " + std::to_string(out.version) + " is live");
}

// Keeps the live scripts current while the server runs: every `poll` it makes the store's
// newest version live (published by `sapa reload`, the API, another instance); on SIGHUP
// (reload_files()) it publishes the dialogs folder again. Store calls block, so they run on
// this thread of its own, never on an io thread.
class script_reloader {
  public:
    script_reloader(app::scripts& scripts,
                    const config::service_config& config,
                    std::chrono::milliseconds poll)
        : scripts_(scripts), config_(config), poll_(poll), thread_([this] { run(); }) {}
    ~script_reloader() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    void reload_files() {
        {
            std::lock_guard lock(mutex_);
            files_wanted_ = true;
        }
        wake_.notify_all();
    }

  private:
    void run() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            wake_.wait_for(lock, poll_, [this] { return stopping_ || files_wanted_; });
            if (stopping_) break;
            const bool files = std::exchange(files_wanted_, false);
            lock.unlock();
            try {
                if (files) {
                    std::vector<dialog::problem> problems;
                    auto read = read_dialog_files(config_, problems);
                    app::publish_outcome out;
                    if (dialog::has_errors(problems)) {
                        out.problems = std::move(problems);
                    } else {
                        out = scripts_.publish(
                            read, "signal SIGHUP", app::scripts::files_note, wall_clock());
                    }
                    if (!out.published())
                        log(log_level::error,
                            "SIGHUP: the dialogs folder was refused; script version " +
                                std::to_string(scripts_.current_version()) + " stays live");
                    log_publish(out, "SIGHUP");
                } else {
                    log_publish(scripts_.refresh(), "scripts");
                }
            } catch (const std::exception& e) {
                log(log_level::error, std::string("scripts: cannot reload: ") + e.what());
            }
            lock.lock();
        }
    }

    app::scripts& scripts_;
    const config::service_config& config_;
    std::chrono::milliseconds poll_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool files_wanted_ = false;
    std::thread thread_;
};

// The adapter of a channel, or null (with a warning, and the reason added to `problems`)
// when a secret it needs is not set.
std::shared_ptr<const gateway::adapter> make_adapter(const config::channel_config& c,
                                                     const std::string& public_base_url,
                                                     std::vector<std::string>& problems) {
    auto need = [&](const std::string& env) -> std::optional<std::string> {
        auto value = config::secret(env);
        if (!value) {
            auto problem =
                "channel \"" + c.name + "\" is off: environment variable " + env + " is not set";
            log(log_level::warn, problem);
            problems.push_back(std::move(problem));
        }
        return value;
    };
    switch (c.type) {
        case config::gateway_type::twilio: {
            auto token = need(c.auth_token_env);
            if (!token) return nullptr;
            bool whatsapp = c.number.starts_with("whatsapp:");
            gateway::twilio_rest_settings rest;
            rest.account_sid = c.account_sid;
            rest.from = whatsapp ? c.number.substr(9) : c.number;
            rest.messaging_service_sid = c.messaging_service_sid;
            if (!public_base_url.empty())
                rest.status_callback = public_base_url + "/webhooks/" + c.name + "/status";
            if (!c.api_base_url.empty()) rest.api_base = c.api_base_url;
            return gateway::make_twilio_adapter(*token, whatsapp, rest, c.number);
        }
        case config::gateway_type::whatsapp_cloud: {
            auto app_secret = need(c.app_secret_env);
            auto verify_token = need(c.verify_token_env);
            auto access_token = need(c.access_token_env);
            if (!app_secret || !verify_token || !access_token) return nullptr;
            return gateway::make_whatsapp_cloud_adapter(
                *app_secret, *verify_token, *access_token, c.phone_number_id, c.api_base_url);
        }
        case config::gateway_type::generic_json: {
            auto secret = need(c.secret_env);
            if (!secret) return nullptr;
            return gateway::make_generic_json_adapter(*secret, c.api_base_url);
        }
    }
    return nullptr;
}

// GET /readyz: 200 "ready" when the database answers a write (an empty unit of work commits
// within 5 s), the scripts are loaded (serve stops before this otherwise) and every
// configured channel is on; else 503 with the reasons, one per line.
void add_readiness_route(router& routes,
                         boost::asio::io_context& io,
                         storage::store& store,
                         const std::vector<std::string>& problems) {
    routes.add("GET",
               "/readyz",
               [&io, &store, &problems](http_request, const route_params&, responder respond) {
                   struct probe {
                       std::atomic<bool> answered{false};
                       responder respond;
                       std::vector<std::string> problems;
                       boost::asio::steady_timer timer;
                       probe(boost::asio::io_context& io, responder r, std::vector<std::string> p)
                           : respond(std::move(r)),
                             problems(std::move(p)),
                             timer(boost::asio::make_strand(io)) {}
                       void answer(std::string database_problem) {
                           if (answered.exchange(true)) return;
                           // The timer is used on its strand only (answers come from any thread).
                           boost::asio::post(timer.get_executor(), [this] { timer.cancel(); });
                           if (!database_problem.empty())
                               problems.insert(problems.begin(), std::move(database_problem));
                           http_response r;
                           if (problems.empty()) {
                               r.body = "ready\n";
                           } else {
                               r.status = 503;
                               r.body = "not ready:\n";
                               for (const auto& p : problems)
                                   r.body += p + "\n";
                           }
                           respond(std::move(r));
                       }
                   };
                   auto p = std::make_shared<probe>(io, std::move(respond), problems);
                   boost::asio::post(p->timer.get_executor(), [p] {
                       p->timer.expires_after(std::chrono::seconds(5));
                       p->timer.async_wait([p](const boost::system::error_code& ec) {
                           if (!ec) p->answer("the database did not answer a write within 5 s");
                       });
                   });
                   store.submit([](storage::transaction&) {},
                                [p](boost::system::error_code ec) {
                                    p->answer(ec ? "the database cannot write: " + ec.message()
                                                 : std::string());
                                });
               });
}

storage::message_cost measure_text(const std::string& text) {
    auto cost = sms::measure(text);
    return {cost.encoding == sms::encoding::gsm7 ? "gsm7" : "ucs2",
            static_cast<int>(cost.segments)};
}

}  // namespace

namespace {

bool is_postgres_url(const std::string& db) {
    return db.starts_with("postgres://") || db.starts_with("postgresql://");
}

// The URL from the environment variable the config names; throws when it is not set. The
// value is never printed: it may hold a password.
std::string postgres_url(const config::storage_config& storage) {
    const char* url = std::getenv(storage.url_env.c_str());
    if (!url || !*url)
        throw std::runtime_error("storage.type is \"postgres\" but the environment variable " +
                                 storage.url_env + " (storage.url_env) is not set");
    return url;
}

}  // namespace

std::unique_ptr<storage::store> open_configured_store(const config::service_config& config,
                                                      boost::asio::io_context& io,
                                                      storage::commit_observer on_commit) {
    // A committed group's webhook answers go to the io threads in one post: one wake-up per
    // group instead of one per message. Once the io threads are done (no webhook is pending
    // then), whatever is left runs where it is handed over.
    auto run_callbacks = [&io](std::function<void()> callbacks) {
        if (io.stopped()) return callbacks();
        boost::asio::post(io, std::move(callbacks));
    };
    if (config.storage.type == config::store_type::postgres) {
        storage::postgres_options options;
        options.url = postgres_url(config.storage);
        options.schema = config.storage.schema;
        options.max_batch = static_cast<std::size_t>(config.storage.batch_max_messages);
        options.max_batch_wait = std::chrono::milliseconds(config.storage.batch_max_wait_ms);
        options.outbound_lease = config.storage.outbound_lease_seconds;
        options.text_cost = measure_text;
        options.run_callbacks = run_callbacks;
        return storage::postgres_store::open(std::move(options));
    }
    const auto& db_path = config.storage.database_path;
    if (db_path != ":memory:" && db_path.has_parent_path())
        std::filesystem::create_directories(db_path.parent_path());
    storage::sqlite_options options;
    options.synchronous = config.storage.synchronous == config::sync_mode::full
                              ? storage::sqlite_options::sync::full
                              : storage::sqlite_options::sync::normal;
    options.busy_timeout = std::chrono::milliseconds(config.storage.busy_timeout_ms);
    options.max_batch = static_cast<std::size_t>(config.storage.batch_max_messages);
    options.max_batch_wait = std::chrono::milliseconds(config.storage.batch_max_wait_ms);
    options.release_leases_on_open = true;
    options.outbound_lease = config.storage.outbound_lease_seconds;
    options.text_cost = measure_text;
    options.on_commit = std::move(on_commit);
    options.run_callbacks = run_callbacks;
    return storage::sqlite_store::open(db_path.string(), options);
}

namespace {

// Where a staff tool's data is: a PostgreSQL URL (and schema), or a SQLite file.
struct located_store {
    storage::postgres_options postgres;  // url empty: SQLite
    std::string sqlite_path;
};

// nullopt when the config cannot be read (the reason is on `err`). Throws when the config
// names PostgreSQL but its URL variable is not set.
std::optional<located_store> locate_store(std::string db,
                                          const std::string& config_path,
                                          std::ostream& err) {
    located_store out;
    out.postgres.text_cost = measure_text;
    if (db.empty()) {
        config::service_config config;
        try {
            config = config::load_config(config_path);
        } catch (const std::exception& e) {
            err << e.what() << "\n";
            return std::nullopt;
        }
        if (config.storage.type == config::store_type::postgres) {
            out.postgres.url = postgres_url(config.storage);
            out.postgres.schema = config.storage.schema;
            return out;
        }
        db = config.storage.database_path.string();
    }
    if (is_postgres_url(db)) {
        out.postgres.url = db;
    } else {
        out.sqlite_path = db;
    }
    return out;
}

}  // namespace

tool_store open_tool_store(std::string db,
                           const std::string& config_path,
                           bool create,
                           std::ostream& err,
                           const std::string& command) {
    tool_store out;
    try {
        auto located = locate_store(std::move(db), config_path, err);
        if (!located) {
            out.exit_code = 2;
            return out;
        }
        if (!located->postgres.url.empty()) {
            out.where = "the PostgreSQL database";
            out.store = storage::postgres_store::open(std::move(located->postgres));
            return out;
        }
        out.where = located->sqlite_path;
        if (!create && !std::filesystem::exists(out.where)) {
            err << "sapa " << command << ": no database at " << out.where
                << " (give it with --db FILE)\n";
            out.exit_code = 1;
            return out;
        }
        storage::sqlite_options options;
        options.text_cost = measure_text;
        out.store = storage::sqlite_store::open(out.where, options);
    } catch (const std::exception& e) {
        err << "sapa " << command << ": " << e.what() << "\n";
        out.exit_code = 1;
    }
    return out;
}

int migrate_tool_store(std::string db,
                       const std::string& config_path,
                       bool dry_run,
                       std::ostream& out,
                       std::ostream& err) {
    try {
        auto located = locate_store(std::move(db), config_path, err);
        if (!located) return 2;
        const bool postgres = !located->postgres.url.empty();
        const auto where = postgres ? std::string("the PostgreSQL database") : located->sqlite_path;
        if (dry_run) {
            auto pending = postgres
                               ? storage::postgres_store::pending_migrations(located->postgres)
                               : storage::sqlite_store::pending_migrations(located->sqlite_path);
            if (pending.empty()) {
                out << where << " is up to date; nothing to do.\n";
            } else {
                out << "Would migrate " << where << ":\n";
                for (const auto& line : pending)
                    out << "  " << line << "\n";
            }
            return 0;
        }
        if (postgres) {
            storage::postgres_store::open(std::move(located->postgres));
        } else {
            storage::sqlite_store::open(located->sqlite_path);
        }
        out << where << " is at schema version "
            << (postgres ? storage::postgres_store::schema_version()
                         : storage::sqlite_store::schema_version())
            << ".\n";
        return 0;
    } catch (const std::exception& e) {
        err << "sapa migrate: " << e.what() << "\n";
        return 1;
    }
}

std::vector<app::channel> configured_channels(const config::service_config& config) {
    std::vector<app::channel> out;
    for (const auto& c : config.channels)
        out.push_back({c.name,
                       c.script,
                       c.type == config::gateway_type::whatsapp_cloud
                           ? storage::route::api
                           : storage::route::inline_reply});
    return out;
}

std::unique_ptr<storage::store> open_tool_store(const config::service_config& config) {
    if (config.storage.type == config::store_type::postgres) {
        storage::postgres_options options;
        options.url = postgres_url(config.storage);
        options.schema = config.storage.schema;
        options.text_cost = measure_text;
        return storage::postgres_store::open(std::move(options));
    }
    storage::sqlite_options options;
    options.busy_timeout = std::chrono::milliseconds(config.storage.busy_timeout_ms);
    options.text_cost = measure_text;
    return storage::sqlite_store::open(config.storage.database_path.string(), options);
}

tool_session open_tool_session(const config::service_config& config) {
    if (config.storage.type == config::store_type::sqlite &&
        !std::filesystem::exists(config.storage.database_path))
        throw std::runtime_error("no database at " + config.storage.database_path.string());
    tool_session s;
    s.scripts = load_configured_scripts(config);
    if (!s.scripts) throw std::runtime_error("the dialog scripts have errors; run `sapa check`");
    s.channels = configured_channels(config);
    s.store = open_tool_store(config);
    app::conversation_options options;
    options.channels = s.channels;
    options.text_cost = measure_text;
    s.conversations = std::make_unique<app::conversations>(
        *s.store, [scripts = s.scripts] { return scripts; }, options);
    s.broadcasts = std::make_unique<app::broadcasts>(
        *s.store, [scripts = s.scripts] { return scripts; }, options);
    return s;
}

std::vector<app::reminder> configured_reminders(const config::service_config& config) {
    std::vector<app::reminder> out;
    for (const auto& r : config.reminders) {
        app::reminder m{
            r.name, r.channel, r.course, r.date_setting, r.days_before, r.time_minute, {}};
        if (!r.text.empty()) m.what.texts = {r.text};
        m.what.node = r.node;
        if (!r.template_name.empty())
            m.what.fallback_template = messaging::message_template{
                r.template_name, r.template_language, r.template_parameters};
        out.push_back(std::move(m));
    }
    return out;
}

int serve(const config::service_config& config,
          const std::function<void(unsigned short port)>& on_listening,
          const store_opener& open_store) {
    set_log_level(static_cast<log_level>(config.logging.level));
    set_log_format(static_cast<log_format>(config.logging.format));
    for (const auto& w : config.warnings)
        log(log_level::warn, "config " + w);

    std::vector<dialog::problem> file_problems;
    auto dialog_files = read_dialog_files(config, file_problems);
    for (const auto& p : file_problems)
        log(log_level::error, dialog::to_string(p));
    if (dialog::has_errors(file_problems)) {
        log(log_level::error, "the dialog scripts have errors; run `sapa check` on them");
        return 1;
    }
    std::vector<channel_binding> channels;
    std::vector<sender_channel> senders;
    std::vector<std::string> problems;  // what keeps /readyz at 503
    for (const auto& c : config.channels) {
        auto adapter = make_adapter(c, config.server.public_base_url, problems);
        if (!adapter) continue;
        const bool by_api = !adapter->replies_inline();
        // Every channel has a sender: what Sapa says first (a seat freed, a broadcast) goes
        // through the queue even where replies travel inline (Twilio's Messages API). A channel
        // with no send API fails such messages with the reason instead of keeping them.
        senders.push_back({c.name, adapter, c.send_rate_per_second, c.interactive});
        channels.push_back(
            {{c.name, c.script, by_api ? storage::route::api : storage::route::inline_reply},
             std::move(adapter)});
    }
    if (channels.empty()) {
        log(log_level::warn, "no channel is on: only /healthz will answer");
        problems.emplace_back("no channel is on");
    }

    metrics_registry metrics;
    declare_server_metrics(metrics);
    boost::asio::io_context io(config.server.io_threads);
    auto store = open_store(config, io, [&metrics](const storage::commit_report& r) {
        metrics.observe("sapa_store_commit_duration_seconds", {}, 1e-6 * r.latency.count());
        metrics.observe("sapa_store_commit_batch_size", {}, static_cast<double>(r.units));
    });
    metrics.on_scrape([&store](metrics_registry& m) {
        // The queue of every channel that has one; channels with none drop out.
        m.clear("sapa_outbound_queue_depth");
        m.clear("sapa_outbound_queue_oldest_age_seconds");
        const auto now = wall_clock();
        for (const auto& b : store->outbound_backlog()) {
            m.set(
                "sapa_outbound_queue_depth", {{"channel", b.channel}}, static_cast<double>(b.jobs));
            m.set("sapa_outbound_queue_oldest_age_seconds",
                  {{"channel", b.channel}},
                  static_cast<double>(
                      std::max<messaging::unix_seconds>(0, now - b.oldest_created_at)));
        }
    });

    // The live scripts: the store's newest version, or the dialogs folder when it changed
    // since it was last published (app::scripts::start).
    app::scripts scripts(*store, configured_scripts_options(config));
    {
        auto started = scripts.start(dialog_files, "sapa serve", wall_clock());
        if (!started.published()) {
            for (const auto& p : started.problems)
                log(p.severity == dialog::severity::error ? log_level::error : log_level::warn,
                    dialog::to_string(p));
            auto stored = scripts.refresh();
            if (!stored.published()) {
                log(log_level::error, "the dialog scripts have errors; run `sapa check` on them");
                return 1;
            }
            log(log_level::error,
                "the dialogs folder has errors; serving the last published script version " +
                    std::to_string(stored.version));
        } else {
            log(log_level::info, "script version " + std::to_string(started.version) + " is live");
        }
    }
    std::optional<script_reloader> reloader(std::in_place, scripts, config, script_poll_interval);

    app::conversation_options conversation_options;
    for (const auto& c : channels)
        conversation_options.channels.push_back(c.channel);
    const auto& rules = config.sending_rules;
    conversation_options.replies = {rules.daily_segment_cap,
                                    rules.loop_within_seconds,
                                    rules.loop_times_in_a_row,
                                    rules.utc_offset_minutes};
    conversation_options.text_cost = measure_text;
    app::conversations conversations(
        *store, [&scripts] { return scripts.current(); }, conversation_options);
    conversations.on_stopped = [](const std::string& contact, const std::string& why) {
        log(log_level::warn, "replies to " + messaging::mask_phone(contact) + " stopped: " + why);
    };
    app::broadcasts broadcasts(
        *store, [&scripts] { return scripts.current(); }, conversation_options);
    conversations.on_promoted = [](const app::promotion_notice& p) {
        const auto& r = p.promoted.record;
        log(log_level::info,
            "waitlist: " + r.code + " of course " + r.course + " (" +
                messaging::mask_phone(p.promoted.contact) + ") moved up to seat " +
                std::to_string(r.position) +
                (p.channel.empty() ? "; not told (opted out or no channel to reach it)"
                                   : "; told on channel " + p.channel));
    };
    webhooks gateways(channels, conversations, wall_clock, config.server.public_base_url, &metrics);
    sender_options send_options;
    send_options.metrics = &metrics;
    send_options.hold_proactive = [quiet = configured_quiet_hours(config.sending_rules)](
                                      const storage::outbound_job& job,
                                      messaging::unix_seconds now) {
        return app::quiet_hold(quiet, job.time_zone, now);
    };
    outbound_sender sender(io, *store, senders, wall_clock, send_options);
    conversations.on_queued = [&sender](const std::string& channel) { sender.wake(channel); };
    broadcasts.on_queued = conversations.on_queued;
    std::map<std::string, double> send_rates;
    for (const auto& c : senders)
        send_rates[c.name] = c.send_rate_per_second;
    broadcast_driver broadcast_timer(broadcasts, *store, send_rates, wall_clock);
    app::reminders reminders(
        broadcasts,
        *store,
        [&scripts] { return scripts.current(); },
        conversation_options.channels,
        configured_reminders(config),
        config.sending_rules.utc_offset_minutes);
    for (const auto& problem : reminders.problems())
        log(log_level::warn, problem + "; it will not be sent");
    broadcast_timer.on_tick = [&reminders](messaging::unix_seconds now) {
        if (const auto made = reminders.fire_due(now); made > 0)
            log(log_level::info, "reminders: " + std::to_string(made) + " became broadcasts");
    };

    router routes;
    routes.add("GET", "/healthz", [](http_request, const route_params&, responder respond) {
        http_response r;
        r.content_type = "application/json";
        r.body = "{\"status\":\"ok\"}\n";
        respond(std::move(r));
    });
    add_readiness_route(routes, io, *store, problems);
    routes.add("GET", "/metrics", [&metrics](http_request, const route_params&, responder respond) {
        http_response r;
        r.content_type = metrics_registry::content_type;
        try {
            r.body = metrics.render();
        } catch (const std::exception& e) {
            log(log_level::error, std::string("cannot render /metrics: ") + e.what());
            r = plain_response(503, "metrics unavailable");
        }
        respond(std::move(r));
    });
    gateways.add_routes(routes);
    api json_api(*store, conversations, scripts, wall_clock);
    json_api.add_routes(routes);
    // The staff console's pages wait for the store (and Argon2id takes a while): they run on
    // threads of their own, not on the io threads that answer the gateways.
    boost::asio::thread_pool console_threads(2);
    std::unique_ptr<console::console> staff_console;
    if (config.console.enabled) {
        console::console_options o;
        o.secure_cookies = config.console.secure_cookies;
        o.trusted_proxies = config.console.trusted_proxies;
        o.session_idle_seconds = 60LL * config.console.session_idle_minutes;
        o.session_max_seconds = 3600LL * config.console.session_max_hours;
        o.login_failures_allowed = config.console.login_failures_allowed;
        o.channels = conversation_options.channels;
        o.clock = wall_clock;
        o.scripts = &scripts;
        o.broadcasts = &broadcasts;
        o.run_blocking = [&console_threads](std::function<void()> task) {
            boost::asio::post(console_threads, std::move(task));
        };
        staff_console = std::make_unique<console::console>(*store, conversations, o);
        staff_console->add_routes(routes);
    }

    http_limits limits{
        .body_limit_bytes = config.server.body_limit_bytes,
        .header_limit_bytes = config.server.header_limit_bytes,
        .read_timeout = std::chrono::seconds(config.server.read_timeout_seconds),
        .idle_timeout = std::chrono::seconds(config.server.idle_timeout_seconds),
        .max_connections = config.server.max_connections,
        .max_connections_per_client = config.server.max_connections_per_client,
    };
    // A whole dialog script (lumajang.json is about 76 KB) is published in one request.
    limits.large_body_paths = {"/console/scripts", "/api/v1/scripts"};
    auto access_log = [&metrics](const http_request& req,
                                 const http_response& res,
                                 std::chrono::microseconds latency) {
        const auto route = res.route.empty() ? std::string("unmatched") : res.route;
        metrics.add("sapa_http_requests_total",
                    {{"route", route}, {"status", std::to_string(res.status)}});
        if (route.starts_with("/webhooks/") && !res.log_channel.empty())
            metrics.observe("sapa_webhook_duration_seconds",
                            {{"channel", res.log_channel}},
                            1e-6 * static_cast<double>(latency.count()));
        if (!log_enabled(log_level::info)) return;
        std::string line = req.method + " " + req.path + " " + std::to_string(res.status) + " " +
                           std::to_string(latency.count()) + "us";
        if (!res.log_channel.empty()) line += " channel=" + res.log_channel;
        if (!res.log_contact.empty()) line += " contact=" + res.log_contact;
        log(log_level::info, line, req.request_id);
    };
    http_server server(
        io, config.server.listen_address, config.server.port, limits, routes, access_log);
    server.start();
    // The console on an address of its own as well, when configured (a private interface).
    router console_routes;
    std::unique_ptr<http_server> console_server;
    if (staff_console && config.console.port != 0) {
        staff_console->add_routes(console_routes);
        console_server = std::make_unique<http_server>(io,
                                                       config.console.listen_address,
                                                       config.console.port,
                                                       limits,
                                                       console_routes,
                                                       access_log);
        console_server->start();
        log(log_level::info,
            "console also on " + config.console.listen_address + ":" +
                std::to_string(console_server->port()));
    }
    sender.start();
    broadcast_timer.start();
    log(log_level::info,
        "listening on " + config.server.listen_address + ":" + std::to_string(server.port()) +
            " with " + std::to_string(channels.size()) + " channel(s)");
    if (on_listening) on_listening(server.port());

    // SIGHUP: publish the dialogs folder again (the log says which version, or the errors).
    boost::asio::signal_set hangup(io, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_hangup =
        [&](const boost::system::error_code& ec, int) {
            if (ec) return;
            log(log_level::info, "SIGHUP: reading the dialogs folder");
            reloader->reload_files();
            hangup.async_wait(on_hangup);
        };
    hangup.async_wait(on_hangup);

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        log(log_level::info, "stopping: finishing requests in progress");
        server.stop();
        if (console_server) console_server->stop();
        sender.stop();
        hangup.cancel();
        broadcast_timer.request_stop();
    });

    std::vector<std::thread> threads;
    for (int i = 1; i < config.server.io_threads; ++i)
        threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : threads)
        t.join();
    json_api.stop();
    reloader.reset();
    broadcast_timer.stop();
    console_threads.join();  // pages in progress finish before the store closes
    store.reset();           // waits for the last group commit
    log(log_level::info, "stopped");
    return 0;
}

}  // namespace sapa::cli
