#include "cli/commands.hpp"

#include "config/config.hpp"

#include <algorithm>
#include <ostream>

namespace sapa::cli {
namespace {

struct command {
    const char* name;
    const char* summary;
    int (*run)(const arguments&, streams);
};

constexpr command commands[] = {
    {"check", "check dialog scripts before they go live", run_check},
    {"chat", "talk to a dialog script in the terminal (the simulator)", run_chat},
    {"serve", "run the webhook server for the configured channels", run_serve},
    {"export", "export registrations, conversations or contacts as CSV or JSON", run_export},
    {"forget", "erase a contact's personal data (right to deletion)", run_forget},
};

void print_usage(std::ostream& out) {
    out << "Sapa: SMS and WhatsApp outreach chatbot.\n\n"
           "Usage: sapa COMMAND [OPTIONS]\n\nCommands:\n";
    for (const auto& c : commands)
        out << "  " << c.name << std::string(9 - std::string(c.name).size(), ' ') << c.summary
            << "\n";
    out << "\nRun `sapa COMMAND --help` for a command's options.\n";
}

}  // namespace

std::string database_of_config(const std::string& config_path, std::ostream& err) {
    try {
        return config::load_config(config_path).storage.database_path.string();
    } catch (const std::exception& e) {
        err << e.what() << "\n";
        return {};
    }
}

std::optional<long long> parse_duration_seconds(std::string_view text) {
    if (text.size() < 2) return std::nullopt;
    long long n = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        n = n * 10 + (text[i] - '0');
        if (n > 10'000'000) return std::nullopt;
    }
    switch (text.back()) {
        case 's':
            return n;
        case 'm':
            return n * 60;
        case 'h':
            return n * 3600;
        case 'd':
            return n * 86400;
    }
    return std::nullopt;
}

bool wants_help(const arguments& args) {
    return std::any_of(
        args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
}

int run(const arguments& args, streams io) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_usage(args.empty() ? io.err : io.out);
        return args.empty() ? 2 : 0;
    }
    for (const auto& c : commands) {
        if (args[0] == c.name) return c.run(arguments(args.begin() + 1, args.end()), io);
    }
    io.err << "sapa: unknown command \"" << args[0] << "\"\n\n";
    print_usage(io.err);
    return 2;
}

}  // namespace sapa::cli
