// `sapa registration cancel|confirm|attended|promote CODE --course COURSE`: staff change a
// registration's status, through the same use cases as the console and the API. A freed seat
// goes to the first of the course's waitlist; residents are told by messages through the
// outbound queue (the running `sapa serve` sends them).

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
    "Usage: sapa registration ACTION CODE --course COURSE [--config FILE]\n"
    "\n"
    "Changes the registration CODE (\"LMJ-JHT-0042\") of COURSE (\"menjahit\"). ACTION:\n"
    "  cancel    cancel it. When it held a seat, the first of the course's waitlist moves up\n"
    "            to it, everyone behind moves up one place, and the promoted resident is told\n"
    "            (the script's \"waitlist_promoted\" text, in their language) on the channel\n"
    "            they last wrote on.\n"
    "  confirm   staff confirm the seat (registered -> confirmed); the resident gets the\n"
    "            script's \"registration_confirmed\" text if the script has one.\n"
    "  attended  the resident came to the course (registered or confirmed -> attended);\n"
    "            nothing is sent.\n"
    "  promote   move a waitlisted registration to a seat, even when the course is full\n"
    "            (staff decide); the resident is told as for cancel.\n"
    "`sapa serve` sends the messages. A change that makes no sense (confirming a cancelled or\n"
    "waitlisted registration, promoting one that holds a seat) is refused and changes nothing.\n"
    "\n"
    "Options:\n"
    "  --course COURSE  the course the code belongs to (required)\n"
    "  --config FILE    the config naming the database, channels and dialogs\n"
    "                   (default: config/sapa.json)\n"
    "  --help           show this help\n"
    "\n"
    "Exit status: 0 done (or already so), 1 no such registration, refused or failed,\n"
    "2 wrong usage.\n";

std::string shown(const std::string& address) {
    return address.starts_with("+") ? messaging::mask_phone(address) : address;
}

void report_told(const std::string& channel, streams io) {
    if (channel.empty())
        io.out << "; not told (opted out, or no channel reaches them).\n";
    else
        io.out << "; told on channel " << channel << " (sent by `sapa serve`).\n";
}

void report_promotion(const app::promotion_notice& p, streams io) {
    io.out << "Waitlist: " << p.promoted.record.code << " (" << shown(p.promoted.contact)
           << ") moved up to seat " << p.promoted.record.position;
    report_told(p.channel, io);
}

int changed(app::conversations& conversations,
            app::registration_change what,
            const std::string& course,
            const std::string& code,
            messaging::unix_seconds now,
            streams io) {
    auto out = conversations.change_registration(what, course, code, now);
    const auto& c = out.change;
    if (c.refused == engine::change_refusal::unknown_code) {
        io.err << "sapa registration: no registration " << code << " for course \"" << course
               << "\"\n";
        return 1;
    }
    if (c.refused != engine::change_refusal::none) {
        io.err << "sapa registration: " << code << " not changed: " << engine::describe(c.refused)
               << "\n";
        return 1;
    }
    const auto& r = c.entry.record;
    switch (what) {
        case app::registration_change::confirm:
            io.out << (c.changed ? "Confirmed " : "Already confirmed: ") << code << " of course "
                   << course << " (" << shown(c.entry.contact) << ", seat " << r.position << ")";
            if (c.changed)
                report_told(out.told_on, io);
            else
                io.out << ".\n";
            break;
        case app::registration_change::attended:
            io.out << (c.changed ? "Marked attended: " : "Already attended: ") << code
                   << " of course " << course << " (" << shown(c.entry.contact) << ").\n";
            break;
        case app::registration_change::promote:
            for (const auto& p : out.promotions)
                report_promotion(p, io);
            break;
    }
    return 0;
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
    const auto change = app::registration_change_from_string(action);
    if (action != "cancel" && !change)
        return usage_error(app,
                           action.empty() ? "say what to do (cancel, confirm, attended, promote)"
                                          : "unknown action \"" + action +
                                                "\" (expected cancel, confirm, attended, promote)",
                           io,
                           usage);
    if (code.empty()) return usage_error(app, "say which registration code", io, usage);
    if (course.empty()) return usage_error(app, "--course is required", io, usage);

    try {
        auto session = open_tool_session(config::load_config(config_path));
        auto& conversations = *session.conversations;
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        if (change) return changed(conversations, *change, course, code, now, io);
        auto out = conversations.cancel_registration(course, code, now);
        if (!out.found) {
            io.err << "sapa registration: no registration " << code << " for course \"" << course
                   << "\"\n";
            return 1;
        }
        io.out << "Cancelled " << code << " of course " << course << " ("
               << shown(out.cancelled.contact) << ").\n";
        for (const auto& p : out.promotions)
            report_promotion(p, io);
    } catch (const std::exception& e) {
        io.err << "sapa registration: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace sapa::cli
