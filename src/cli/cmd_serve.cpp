#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "config/config.hpp"

#include <CLI/CLI.hpp>

#include <cctype>
#include <map>
#include <ostream>

namespace sapa::cli {

int run_serve(const arguments& args, streams io) {
    constexpr const char* usage =
        "Usage: sapa serve [--config FILE] [--log-level LEVEL]\n"
        "\n"
        "Runs the webhook server for the channels in FILE (default config/sapa.json):\n"
        "gateways POST inbound messages to /webhooks/CHANNEL. GET /healthz answers 200\n"
        "while it runs, GET /readyz 200 once it can serve (503 and the reasons if not),\n"
        "GET /metrics the Prometheus metrics.\n"
        "Secrets come from the environment variables the config names; a channel whose\n"
        "secrets are not set stays off (a warning says which variable is missing).\n"
        "SIGINT or SIGTERM stops accepting, finishes requests in progress and flushes\n"
        "the database.\n"
        "\n"
        "Options:\n"
        "  --config FILE      the service configuration (default: config/sapa.json)\n"
        "  --log-level LEVEL  debug, info, warn or error: overrides logging.level of FILE\n"
        "  --help             show this help\n"
        "\n"
        "Exit status: 0 stopped by a signal, 1 the scripts have errors or serving failed,\n"
        "2 wrong usage or a configuration error.\n";
    const std::map<std::string, config::log_level> levels = {{"debug", config::log_level::debug},
                                                             {"info", config::log_level::info},
                                                             {"warn", config::log_level::warn},
                                                             {"error", config::log_level::error}};
    CLI::App app{"", "sapa serve"};
    std::string config_path = "config/sapa.json";
    std::string log_level;  // empty: the config's
    app.add_option("--config", config_path);
    app.add_option("--log-level", log_level)
        ->transform([](std::string value) {  // any letter case, as in the config file
            for (auto& c : value)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return value;
        })
        ->check([&levels](const std::string& value) {
            return levels.count(value) ? std::string()
                                       : "wants debug, info, warn or error, not \"" + value + "\"";
        });
    if (auto done = parse_command_line(app, args, io, usage)) return *done;

    config::service_config config;
    try {
        config = config::load_config(config_path);
        if (!log_level.empty()) config.logging.level = levels.at(log_level);
    } catch (const config::config_error& e) {
        io.err << "sapa serve: " << e.what() << "\n";
        return 2;
    }
    try {
        return serve(config);
    } catch (const std::exception& e) {
        io.err << "sapa serve: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace sapa::cli
