// `sapa broadcast create`: Sapa writes first to every contact of a segment, with a text or by
// starting a dialog node (so replies continue in the dialog). Each recipient's messages are
// durable jobs of the outbound queue, written together; the running `sapa serve` sends them
// at the channel's pace.

#include "app/contacts.hpp"
#include "app/conversations.hpp"
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"

#include <CLI/CLI.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <cstdio>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa broadcast create (--text TEXT | --node NODE) --segment KEY=VALUE,...\n"
    "                             --channel NAME [--at TIME] [--budget SEGMENTS] [--dry-run]\n"
    "                             [--template NAME [--template-language CODE]\n"
    "                              [--template-param VALUE]...] [--config FILE]\n"
    "       sapa broadcast list\n"
    "       sapa broadcast show ID\n"
    "       sapa broadcast cancel ID\n"
    "       (each with [--config FILE])\n"
    "\n"
    "create stores a broadcast to every contact of the segment (see `sapa contacts segment`;\n"
    "opted-out contacts never) on the channel: the TEXT, or the dialog NODE of the channel's\n"
    "script, whose question the residents then answer (\"1 hadir / 2 batal\"). The running\n"
    "`sapa serve` queues each recipient's messages, once, at the channel's pace, from TIME on.\n"
    "list shows every broadcast; show ID counts its recipients by status and the SMS segments\n"
    "spent; cancel ID skips the recipients not queued yet and fails queued messages not yet\n"
    "sent (\"cancelled by staff\"); what was sent stays sent.\n"
    "\n"
    "Options:\n"
    "  --text TEXT        the message\n"
    "  --node NODE        a node of the channel's script to start (after --text, if both)\n"
    "  --segment WORDS    who: group=G,kecamatan=K,language=L,course=C,status=S,since=DATE\n"
    "  --channel NAME     a configured channel\n"
    "  --at TIME          send from YYYY-MM-DDTHH:MM, Jakarta time (WIB); not in the past\n"
    "  --budget SEGMENTS  refuse when it would cost more SMS segments, and stop sending once\n"
    "                     they are spent (the remaining recipients are skipped)\n"
    "  --dry-run          only show the recipients and the SMS segments it will cost\n"
    "  --template NAME    WhatsApp: the approved template sent instead to residents who have\n"
    "                     not written for 24 hours (without one, theirs fail)\n"
    "  --template-language CODE  the template's language (default: id)\n"
    "  --template-param VALUE    its body's {{1}}, {{2}}... in order (repeat)\n"
    "  --config FILE      the config (default: config/sapa.json)\n"
    "\n"
    "Exit status: 0 done, 1 over budget, unknown broadcast or failed, 2 wrong usage.\n";

// "2026-03-01T08:00" in WIB (UTC+7) -> unix seconds.
std::optional<messaging::unix_seconds> parse_wib(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0;
    char tail = 0;
    if (text.size() != 16 ||
        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5)
        return std::nullopt;
    using namespace std::chrono;
    year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
    if (!date.ok() || h > 23 || mi > 59) return std::nullopt;
    return sys_days(date).time_since_epoch() / seconds(1) + h * 3600 + mi * 60 - 7 * 3600;
}

void print_report(const app::broadcast_report& r, std::ostream& out) {
    const auto& b = r.broadcast;
    const auto& c = r.counts;
    out << "broadcast " << b.id << " on channel " << b.channel << ": "
        << storage::to_string(b.status) << (b.reason.empty() ? "" : " (" + b.reason + ")") << "\n"
        << "segment: " << b.segment << "\n"
        << "opening: ";
    for (const auto& t : b.texts)
        out << "text \"" << t << "\" ";
    if (!b.node.empty()) out << "node " << b.node;
    out << "\nstarts: " << format_wib(b.start_at) << " WIB\n"
        << "recipients: " << c.total() << "\n"
        << "  waiting " << c.waiting << ", queued " << c.queued << ", sent " << c.sent
        << ", delivered " << c.delivered << ", read " << c.read << ", failed " << c.failed
        << ", skipped " << c.skipped << "\n"
        << "SMS segments spent: " << b.spent;
    if (b.budget > 0) out << " of a budget of " << b.budget;
    out << "\n";
}

// list, show ID, cancel ID.
int run_staff_action(const std::string& action,
                     const std::vector<std::string>& operands,
                     const std::string& config_path,
                     streams io) {
    std::int64_t id = 0;
    if (action != "list") {
        if (operands.size() != 1 || operands[0].empty() ||
            operands[0].find_first_not_of("0123456789") != std::string::npos) {
            io.err << "sapa broadcast " << action
                   << ": give the broadcast's number (see `sapa "
                      "broadcast list`)\n";
            return 2;
        }
        id = std::stoll(operands[0]);
    }
    auto session = open_tool_session(config::load_config(config_path));
    auto& broadcasts = *session.broadcasts;
    if (action == "list") {
        auto all = broadcasts.list();
        io.out << all.size() << " broadcasts\n";
        for (const auto& b : all)
            io.out << b.id << "  " << storage::to_string(b.status) << "  " << b.channel << "  "
                   << format_wib(b.start_at) << " WIB  " << b.segment << "  " << b.spent
                   << (b.budget > 0 ? "/" + std::to_string(b.budget) : std::string())
                   << " segments\n";
        return 0;
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto report = action == "show" ? broadcasts.show(id) : broadcasts.cancel(id, now);
    if (!report) {
        io.err << "sapa broadcast " << action << ": no broadcast " << id << "\n";
        return 1;
    }
    print_report(*report, io.out);
    return 0;
}

}  // namespace

// Unix seconds -> "2026-03-01T08:00" in WIB.
std::string format_wib(messaging::unix_seconds t) {
    using namespace std::chrono;
    const auto local = sys_seconds(seconds(t + 7 * 3600));
    const auto day = floor<days>(local);
    const year_month_day date(day);
    const hh_mm_ss time(local - day);
    char out[32];
    std::snprintf(out,
                  sizeof out,
                  "%04d-%02u-%02uT%02d:%02d",
                  static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()));
    return out;
}

int run_broadcast(const arguments& args, streams io) {
    CLI::App app{"", "sapa broadcast"};
    std::string action, text, node, segment_words, channel_name, at,
        config_path = "config/sapa.json";
    std::string template_name, template_language = "id";
    std::vector<std::string> template_params;
    long long budget = 0;
    bool dry_run = false;
    std::vector<std::string> operands;
    app.add_option("ACTION", action);
    app.add_option("OPERANDS", operands);
    app.add_option("--text", text);
    app.add_option("--node", node);
    app.add_option("--segment", segment_words);
    app.add_option("--channel", channel_name);
    app.add_option("--at", at);
    app.add_option("--budget", budget);
    app.add_flag("--dry-run", dry_run);
    app.add_option("--template", template_name);
    app.add_option("--template-language", template_language);
    app.add_option("--template-param", template_params);
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (action == "list" || action == "show" || action == "cancel") {
        try {
            return run_staff_action(action, operands, config_path, io);
        } catch (const std::exception& e) {
            io.err << "sapa broadcast: " << e.what() << "\n";
            return 1;
        }
    }
    if (action != "create")
        return usage_error(app,
                           action.empty() ? "say what to do (create, list, show, cancel)"
                                          : "unknown action \"" + action +
                                                "\" (expected create, list, show or cancel)",
                           io,
                           usage);
    if (!operands.empty())
        return usage_error(app, "unexpected \"" + operands.front() + "\"", io, usage);
    if (text.empty() && node.empty()) return usage_error(app, "give --text or --node", io, usage);
    if (segment_words.empty())
        return usage_error(app, "give --segment (all contacts: --segment all)", io, usage);
    if (channel_name.empty()) return usage_error(app, "give --channel", io, usage);
    if (template_name.empty() && !template_params.empty())
        return usage_error(app, "--template-param needs --template", io, usage);
    std::string problem;
    auto segment = app::parse_segment_text(segment_words, problem);
    if (!segment) return usage_error(app, "--segment: " + problem, io, usage);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto send_from = now;
    if (!at.empty()) {
        auto when = parse_wib(at);
        if (!when)
            return usage_error(app, "--at \"" + at + "\": expected YYYY-MM-DDTHH:MM", io, usage);
        if (*when < now) return usage_error(app, "--at \"" + at + "\" is in the past", io, usage);
        send_from = *when;
    }

    try {
        auto config = config::load_config(config_path);
        auto session = open_tool_session(config);
        const app::channel* on = nullptr;
        for (const auto& c : session.channels)
            if (c.name == channel_name) on = &c;
        if (!on) {
            io.err << "sapa broadcast: no channel \"" << channel_name << "\" in " << config_path
                   << "\n";
            return 2;
        }
        app::broadcast_request request{
            on,
            segment_words,
            *segment,
            {text.empty() ? std::vector<std::string>{} : std::vector{text}, node, {}},
            send_from,
            budget};
        if (!template_name.empty())
            request.what.fallback_template =
                messaging::message_template{template_name, template_language, template_params};
        auto& broadcasts = *session.broadcasts;
        if (dry_run || budget > 0) {
            auto plan = broadcasts.estimate(request, now);
            io.out << plan.recipients << " recipients, " << plan.messages << " messages, "
                   << plan.segments << " SMS segments";
            if (budget > 0 && plan.segments > budget) {
                io.out << "\n";
                io.err << "sapa broadcast: " << plan.segments
                       << " SMS segments is over the budget of " << budget << "; nothing sent\n";
                return 1;
            }
            if (dry_run) {
                io.out << " (dry run: nothing sent)\n";
                return 0;
            }
            io.out << "\n";
        }
        auto [id, recipients] = broadcasts.create(request, now);
        io.out << "broadcast " << id << ": " << recipients << " recipients on channel " << on->name
               << (at.empty() ? "" : " from " + at + " WIB")
               << "; the running `sapa serve` sends it (sapa broadcast show " << id << ").\n";
    } catch (const boost::system::system_error& e) {
        if (e.code() == app::errc::unknown_node) {
            io.err << "sapa broadcast: no node \"" << node << "\" in the script of channel \""
                   << channel_name << "\"\n";
            return 2;
        }
        io.err << "sapa broadcast: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        io.err << "sapa broadcast: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace sapa::cli
