#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "config/config.hpp"

#include <ostream>

namespace sapa::cli {

int run_serve(const arguments& args, streams io) {
    constexpr const char* usage =
        "Usage: sapa serve [--config FILE]\n"
        "\n"
        "Runs the webhook server for the channels in FILE (default config/sapa.json):\n"
        "gateways POST inbound messages to /webhooks/CHANNEL; GET /healthz answers 200.\n"
        "Secrets come from the environment variables the config names; a channel whose\n"
        "secrets are not set stays off (a warning says which variable is missing).\n"
        "SIGINT or SIGTERM stops accepting, finishes requests in progress and flushes\n"
        "the database.\n";
    if (wants_help(args)) {
        io.out << usage;
        return 0;
    }
    std::string config_path = "config/sapa.json";
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) {
            config_path = args[++i];
        } else {
            io.err << "sapa serve: unexpected argument " << args[i] << "\n\n" << usage;
            return 2;
        }
    }
    config::service_config config;
    try {
        config = config::load_config(config_path);
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
