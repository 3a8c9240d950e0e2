// `sapa registration cancel CODE --course COURSE`: staff cancel a registration. A freed seat
// goes to the first of the course's waitlist, who is told by a message through the outbound
// queue (the running `sapa serve` sends it).

#include "app/conversations.hpp"
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "messaging/address.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa registration cancel CODE --course COURSE [--config FILE]\n"
    "\n"
    "Cancels the registration CODE (\"LMJ-JHT-0042\") of COURSE (\"menjahit\"). When it held a\n"
    "seat, the first of the course's waitlist moves up to it, everyone behind moves up one\n"
    "place, and the promoted resident is told (the script's \"waitlist_promoted\" text, in\n"
    "their language) on the channel they last wrote on. `sapa serve` sends that message.\n"
    "\n"
    "Options:\n"
    "  --course COURSE  the course the code belongs to (required)\n"
    "  --config FILE    the config naming the database, channels and dialogs\n"
    "                   (default: config/sapa.json)\n"
    "  --help           show this help\n"
    "\n"
    "Exit status: 0 cancelled (or already cancelled), 1 no such registration or failed,\n"
    "2 wrong usage.\n";

std::string shown(const std::string& address) {
    return address.starts_with("+") ? messaging::mask_phone(address) : address;
}

}  // namespace

int run_registration(const arguments& args, streams io) {
    CLI::App app{"", "sapa registration"};
    std::string action, code, course, config_path = "config/sapa.json";
    app.add_option("ACTION", action);
    app.add_option("CODE", code);
    app.add_option("--course", course);
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (action != "cancel")
        return usage_error(app,
                           action.empty() ? "say what to do (cancel)"
                                          : "unknown action \"" + action + "\" (expected cancel)",
                           io,
                           usage);
    if (code.empty()) return usage_error(app, "say which registration code to cancel", io, usage);
    if (course.empty()) return usage_error(app, "--course is required", io, usage);

    try {
        auto session = open_tool_session(config::load_config(config_path));
        auto& conversations = *session.conversations;
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        auto out = conversations.cancel_registration(course, code, now);
        if (!out.found) {
            io.err << "sapa registration: no registration " << code << " for course \"" << course
                   << "\"\n";
            return 1;
        }
        io.out << "Cancelled " << code << " of course " << course << " ("
               << shown(out.cancelled.contact) << ").\n";
        for (const auto& p : out.promotions) {
            io.out << "Waitlist: " << p.promoted.record.code << " (" << shown(p.promoted.contact)
                   << ") moved up to seat " << p.promoted.record.position;
            if (p.channel.empty())
                io.out << "; not told (opted out, or no channel reaches them).\n";
            else
                io.out << "; told on channel " << p.channel << " (sent by `sapa serve`).\n";
        }
    } catch (const std::exception& e) {
        io.err << "sapa registration: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace sapa::cli
