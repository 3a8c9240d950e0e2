// `sapa reminders list`: the course-date reminders of the config file, when each fires (WIB)
// and whether it fired (the broadcast it became: `sapa broadcast show ID`).

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa reminders list [--config FILE]\n"
    "\n"
    "list shows each reminder of the config file (\"reminders\"): its course date, when it\n"
    "fires (WIB) and whether it fired (the broadcast it became, see `sapa broadcast show ID`).\n"
    "The running `sapa serve` fires a reminder once, at its time or up to a day late.\n";

}  // namespace

int run_reminders(const arguments& args, streams io) {
    CLI::App app{"", "sapa reminders"};
    std::string action, config_path = "config/sapa.json";
    app.add_option("ACTION", action);
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (action != "list")
        return usage_error(app,
                           action.empty() ? "say what to do (list)"
                                          : "unknown action \"" + action + "\" (expected list)",
                           io,
                           usage);
    try {
        const auto config = config::load_config(config_path);
        auto session = open_tool_session(config);
        app::reminders reminders(
            *session.broadcasts,
            *session.store,
            [scripts = session.scripts] { return scripts; },
            session.channels,
            configured_reminders(config),
            config.sending_rules.utc_offset_minutes);
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        auto plan = reminders.plan();
        io.out << plan.size() << " reminders\n";
        for (const auto& p : plan) {
            io.out << p.name << "  ";
            if (!p.fires_at) {
                io.out << "not scheduled: " << p.problem << "\n";
                continue;
            }
            io.out << "course date " << p.date << "  fires " << format_wib(*p.fires_at) << " WIB  ";
            if (p.broadcast)
                io.out << "fired: broadcast " << *p.broadcast << "\n";
            else if (now >= *p.fires_at + 24 * 60 * 60)
                io.out << "missed (more than a day past)\n";
            else
                io.out << "not fired yet\n";
        }
        return 0;
    } catch (const std::exception& e) {
        io.err << "sapa reminders: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace sapa::cli
