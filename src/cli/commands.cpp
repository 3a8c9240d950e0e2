#include "cli/commands.hpp"

#include "cli/command_line.hpp"
#include "config/config.hpp"
#include "sapa_version.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <ostream>
#include <sstream>

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
    {"export",
     "export registrations, conversations, contacts or requests as CSV or JSON",
     run_export},
    {"forget", "erase a contact's personal data (right to deletion)", run_forget},
    {"done", "mark residents' requests (export requests) as done", run_done},
    {"migrate", "bring the database to this version's schema (--dry-run: only show)", run_migrate},
    {"contacts", "import contacts from CSV, count the contacts of a segment", run_contacts},
    {"broadcast", "write first to every contact of a segment (text or dialog node)", run_broadcast},
    {"reminders",
     "list the course-date reminders, when each fires and whether it did",
     run_reminders},
    {"registration", "cancel a course registration (the waitlist moves up)", run_registration},
    {"reload", "publish the dialogs folder to running servers (no restart)", run_reload},
    {"scripts", "list published script versions, roll back to one", run_scripts},
    {"token", "create, list and revoke JSON API tokens", run_token},
    {"staff", "add a staff console account (viewer, staff or admin)", run_staff},
};

std::string usage_text() {
    std::ostringstream out;
    out << "Sapa: SMS and WhatsApp outreach chatbot.\n\n"
           "Usage: sapa COMMAND [OPTIONS]\n       sapa --version\n\nCommands:\n";
    for (const auto& c : commands)
        out << "  " << c.name << std::string(14 - std::string(c.name).size(), ' ') << c.summary
            << "\n";
    out << "\nRun `sapa COMMAND --help` for a command's options.\n";
    return out.str();
}

}  // namespace

std::string_view version() {
    return SAPA_VERSION;
}

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

std::optional<int> parse_utc_offset(std::string_view text) {
    if (text == "Z" || text == "0") return 0;
    if (text.size() < 2 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
    const int sign = text[0] == '-' ? -1 : 1;
    const auto digits = text.substr(1);
    std::string_view hours = digits, minutes;
    if (auto colon = digits.find(':'); colon != std::string_view::npos) {
        hours = digits.substr(0, colon);
        minutes = digits.substr(colon + 1);
        if (minutes.size() != 2) return std::nullopt;
    } else if (digits.size() == 4) {
        hours = digits.substr(0, 2);
        minutes = digits.substr(2);
    }
    if (hours.empty() || hours.size() > 2) return std::nullopt;
    auto number = [](std::string_view s) -> std::optional<int> {
        int n = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + (c - '0');
        }
        return n;
    };
    auto h = number(hours);
    auto m = number(minutes);  // "" -> 0
    if (!h || !m || *m > 59 || *h * 60 + *m > 14 * 60) return std::nullopt;
    return sign * (*h * 60 + *m);
}

bool wants_help(const arguments& args) {
    return std::any_of(
        args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
}

int run(const arguments& args, streams io) {
    // Only the options before the command belong to `sapa` itself; the rest is the command's.
    CLI::App app{"", "sapa"};
    bool show_version = false;
    app.add_flag("--version", show_version);
    app.prefix_command();
    const auto usage = usage_text();
    if (auto done = parse_command_line(app, args, io, usage, false)) return *done;
    if (show_version) {
        io.out << "sapa " << version() << "\n";
        return 0;
    }
    auto rest = app.remaining();
    if (!rest.empty() && rest[0] == "--") rest.erase(rest.begin());
    if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-')
        return usage_error(app, "unknown option \"" + rest[0] + "\"", io, usage);
    if (rest.empty()) {
        io.err << usage;
        return 2;
    }
    if (rest[0] == "help") {
        io.out << usage;
        return 0;
    }
    for (const auto& c : commands) {
        if (rest[0] == c.name) return c.run(arguments(rest.begin() + 1, rest.end()), io);
    }
    io.err << "sapa: unknown command \"" << rest[0] << "\"\n\n" << usage;
    return 2;
}

}  // namespace sapa::cli
