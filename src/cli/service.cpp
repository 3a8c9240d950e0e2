#include "cli/service.hpp"

#include "app/conversations.hpp"
#include "dialog/catalog.hpp"
#include "gateway/adapter.hpp"
#include "messaging/address.hpp"
#include "server/http_server.hpp"
#include "server/log.hpp"
#include "server/outbound_sender.hpp"
#include "server/router.hpp"
#include "server/webhooks.hpp"
#include "sms/gsm7.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

namespace sapa::cli {

using namespace server;
namespace {

messaging::unix_seconds wall_clock() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
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

namespace {

// The adapter of a channel, or null (with a warning) when a secret it needs is not set.
std::shared_ptr<const gateway::adapter> make_adapter(const config::channel_config& c,
                                                     const std::string& public_base_url) {
    auto need = [&](const std::string& env) -> std::optional<std::string> {
        auto value = config::secret(env);
        if (!value)
            log(log_level::warn,
                "channel \"" + c.name + "\" is off: environment variable " + env + " is not set");
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

storage::message_cost measure_text(const std::string& text) {
    auto cost = sms::measure(text);
    return {cost.encoding == sms::encoding::gsm7 ? "gsm7" : "ucs2",
            static_cast<int>(cost.segments)};
}

}  // namespace

std::unique_ptr<storage::store> open_configured_store(const config::service_config& config,
                                                      boost::asio::io_context& io) {
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
    options.text_cost = measure_text;
    // A committed group's webhook answers go to the io threads in one post: one wake-up per
    // group instead of one per message. Once the io threads are done (no webhook is pending
    // then), whatever is left runs where it is handed over.
    options.run_callbacks = [&io](std::function<void()> callbacks) {
        if (io.stopped()) return callbacks();
        boost::asio::post(io, std::move(callbacks));
    };
    return storage::sqlite_store::open(db_path.string(), options);
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
    storage::sqlite_options options;
    options.busy_timeout = std::chrono::milliseconds(config.storage.busy_timeout_ms);
    options.text_cost = measure_text;
    return storage::sqlite_store::open(config.storage.database_path.string(), options);
}

tool_session open_tool_session(const config::service_config& config) {
    if (!std::filesystem::exists(config.storage.database_path))
        throw std::runtime_error("no database at " + config.storage.database_path.string());
    tool_session s;
    s.scripts = load_configured_scripts(config);
    if (!s.scripts) throw std::runtime_error("the dialog scripts have errors; run `sapa check`");
    s.channels = configured_channels(config);
    s.store = open_tool_store(config);
    app::conversation_options options;
    options.channels = s.channels;
    s.conversations = std::make_unique<app::conversations>(
        *s.store, [scripts = s.scripts] { return scripts; }, options);
    return s;
}

int serve(const config::service_config& config,
          const std::function<void(unsigned short port)>& on_listening,
          const store_opener& open_store) {
    set_log_level(static_cast<log_level>(config.logging.level));

    auto scripts = load_configured_scripts(config);
    if (!scripts) {
        log(log_level::error, "the dialog scripts have errors; run `sapa check` on them");
        return 1;
    }
    std::vector<channel_binding> channels;
    std::vector<sender_channel> senders;
    for (const auto& c : config.channels) {
        if (!scripts->find(c.script)) {
            log(log_level::error,
                "channel \"" + c.name + "\" runs script \"" + c.script +
                    "\", which is not among the loaded dialogs");
            return 1;
        }
        auto adapter = make_adapter(c, config.server.public_base_url);
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
    if (channels.empty()) log(log_level::warn, "no channel is on: only /healthz will answer");

    boost::asio::io_context io(config.server.io_threads);
    auto store = open_store(config, io);

    app::conversation_options conversation_options;
    for (const auto& c : channels)
        conversation_options.channels.push_back(c.channel);
    app::conversations conversations(
        *store, [scripts] { return scripts; }, conversation_options);
    conversations.on_promoted = [](const app::promotion_notice& p) {
        const auto& r = p.promoted.record;
        log(log_level::info,
            "waitlist: " + r.code + " of course " + r.course + " (" +
                messaging::mask_phone(p.promoted.contact) + ") moved up to seat " +
                std::to_string(r.position) +
                (p.channel.empty() ? "; not told (opted out or no channel to reach it)"
                                   : "; told on channel " + p.channel));
    };
    webhooks gateways(channels, conversations, wall_clock, config.server.public_base_url);
    outbound_sender sender(io, *store, senders, wall_clock);
    conversations.on_queued = [&sender](const std::string& channel) { sender.wake(channel); };

    router routes;
    routes.add("GET", "/healthz", [](http_request, const route_params&, responder respond) {
        http_response r;
        r.content_type = "application/json";
        r.body = "{\"status\":\"ok\"}\n";
        respond(std::move(r));
    });
    gateways.add_routes(routes);

    http_limits limits{
        .body_limit_bytes = config.server.body_limit_bytes,
        .header_limit_bytes = config.server.header_limit_bytes,
        .read_timeout = std::chrono::seconds(config.server.read_timeout_seconds),
        .idle_timeout = std::chrono::seconds(config.server.idle_timeout_seconds),
        .max_connections = config.server.max_connections,
        .max_connections_per_client = config.server.max_connections_per_client,
    };
    auto access_log =
        [](const http_request& req, const http_response& res, std::chrono::microseconds latency) {
            if (!log_enabled(log_level::info)) return;
            std::string line = req.method + " " + req.path + " " + std::to_string(res.status) +
                               " " + std::to_string(latency.count()) + "us";
            if (!res.log_channel.empty()) line += " channel=" + res.log_channel;
            if (!res.log_contact.empty()) line += " contact=" + res.log_contact;
            log(log_level::info, line);
        };
    http_server server(
        io, config.server.listen_address, config.server.port, limits, routes, access_log);
    server.start();
    sender.start();
    log(log_level::info,
        "listening on " + config.server.listen_address + ":" + std::to_string(server.port()) +
            " with " + std::to_string(channels.size()) + " channel(s)");
    if (on_listening) on_listening(server.port());

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        log(log_level::info, "stopping: finishing requests in progress");
        server.stop();
        sender.stop();
    });

    std::vector<std::thread> threads;
    for (int i = 1; i < config.server.io_threads; ++i)
        threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : threads)
        t.join();
    store.reset();  // waits for the last group commit
    log(log_level::info, "stopped");
    return 0;
}

}  // namespace sapa::cli
