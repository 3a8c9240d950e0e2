// `sapa export`: registrations, conversations, contacts or residents' requests as CSV or JSON,
// streamed from the store to stdout (or a file) in constant memory.

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "messaging/address.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa export registrations|conversations|contacts|requests [OPTIONS]\n"
    "\n"
    "Writes the rows to standard output (or --output FILE), streaming: any size works.\n"
    "requests: what residents asked staff for (handoff: call or answer them, then sapa done\n"
    "ID; erase: sapa forget NUMBER), with their words and status open or done.\n"
    "\n"
    "Options:\n"
    "  --db FILE|URL       the Sapa database: a SQLite file or a postgresql:// URL\n"
    "                      (default: the one in --config)\n"
    "  --config FILE       the config naming the database (default: config/sapa.json)\n"
    "  --format csv|json   CSV for spreadsheets (default), or a JSON array\n"
    "  --since DATE        only rows from DATE on: 2024-05-01 or \"2024-05-01 08:00\"\n"
    "  --course ID         only that course (conversations/contacts: its registrants)\n"
    "  --contact NUMBER    only that contact (0812..., +62 812-..., 62812...; not 812...)\n"
    "  --utc-offset OFFSET time zone of dates and --since: +HH:MM, +HHMM, +HH, -03:30\n"
    "                      or Z (default: +07:00, WIB)\n"
    "  --plain             CSV for programs: no byte order mark, no ' before numbers\n"
    "  --separator ;       CSV separator for spreadsheets that expect ';'\n"
    "  --output FILE       write to FILE instead of standard output\n"
    "\n"
    "CSV opens in Excel, LibreOffice and Google Sheets: UTF-8 with a byte order mark, and\n"
    "text that a spreadsheet would turn into a number, date or formula (phone numbers, NIK)\n"
    "starts with ' so it stays text.\n"
    "\n"
    "Exit status: 0 written, 1 the database cannot be read or the output written,\n"
    "2 wrong usage.\n";

}  // namespace

int run_export(const arguments& args, streams io) {
    CLI::App app{"", "sapa export"};
    // Empty: not given (options and filter keep their defaults).
    std::string what, db, config_path = "config/sapa.json", format = "csv", output, since, course,
                          contact, offset, separator;
    bool plain = false;
    app.add_option("KIND", what);
    app.add_option("--db", db);
    app.add_option("--config", config_path);
    app.add_option("--format", format)->check([](const std::string& value) {
        return value == "csv" || value == "json" ? "" : "wants csv or json, not \"" + value + "\"";
    });
    app.add_option("--since", since);
    app.add_option("--course", course);
    app.add_option("--contact", contact);
    app.add_option("--output", output);
    app.add_option("--utc-offset", offset)->check([](const std::string& value) {
        return parse_utc_offset(value) ? ""
                                       : "wants +HH:MM, +HHMM, +HH or Z, not \"" + value + "\"";
    });
    app.add_option("--separator", separator)->check([](const std::string& value) {
        return value.size() == 1 && value != "\"" && value != "\r" && value != "\n"
                   ? ""
                   : std::string("wants one character such as ; or ,");
    });
    app.add_flag("--plain", plain);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (what.empty()) return usage_error(app, "say what to export", io, usage);
    auto kind = storage::export_kind_from_string(what);
    if (!kind) return usage_error(app, "unknown kind \"" + what + "\"", io, usage);
    storage::export_filter filter;
    storage::writer_options options;
    if (!course.empty()) filter.course = course;
    if (!offset.empty()) options.utc_offset_minutes = *parse_utc_offset(offset);
    if (!separator.empty()) options.separator = separator[0];
    options.for_spreadsheets = !plain;
    auto fail = [&](const std::string& message) { return usage_error(app, message, io, usage); };
    if (!contact.empty()) {
        // Staff type numbers in any form; one that could be two people's is refused.
        auto strict = messaging::strict_contact_address(contact);
        if (!strict.e164) return fail("--contact " + contact + ": " + strict.problem);
        filter.contact = std::move(*strict.e164);
    }
    if (!since.empty()) {
        filter.since = storage::parse_timestamp(since, options.utc_offset_minutes);
        if (!filter.since)
            return fail("--since wants a date like 2024-05-01, not \"" + since + "\"");
    }
    auto opened = open_tool_store(db, config_path, false, io.err, "export");
    if (!opened.store) return opened.exit_code;
    auto& store = opened.store;

    try {
        std::ofstream file;
        if (!output.empty()) {
            file.open(output, std::ios::binary);
            if (!file) {
                io.err << "sapa export: cannot write " << output << "\n";
                return 1;
            }
        }
        std::ostream& out = output.empty() ? io.out : file;
        storage::csv_writer csv(out, options);
        storage::json_writer json(out, options);
        storage::row_sink& sink = format == "csv" ? static_cast<storage::row_sink&>(csv) : json;
        auto summary = store->export_rows(*kind, filter, sink);
        if (!out) {
            io.err << "sapa export: writing failed\n";
            return 1;
        }
        if (!output.empty()) {
            io.err << "sapa export: " << summary.rows << " " << storage::to_string(*kind)
                   << " rows written to " << output << "\n";
        }
    } catch (const std::exception& e) {
        io.err << "sapa export: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace sapa::cli
