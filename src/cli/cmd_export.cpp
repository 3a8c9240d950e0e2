// `sapa export`: registrations, conversations or contacts as CSV or JSON, streamed from the
// store to stdout (or a file) in constant memory.

#include "cli/commands.hpp"
#include "messaging/address.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa export registrations|conversations|contacts [OPTIONS]\n"
    "\n"
    "Writes the rows to standard output (or --output FILE), streaming: any size works.\n"
    "\n"
    "Options:\n"
    "  --db FILE           the Sapa database (default: the one in --config)\n"
    "  --config FILE       the config naming the database (default: config/sapa.json)\n"
    "  --format csv|json   CSV for spreadsheets (default), or a JSON array\n"
    "  --since DATE        only rows from DATE on: 2024-05-01 or \"2024-05-01 08:00\"\n"
    "  --course ID         only that course (conversations/contacts: its registrants)\n"
    "  --contact NUMBER    only that contact (0812..., +62 812-..., 62812...; not 812...)\n"
    "  --utc-offset +HH:MM time zone of dates and --since (default: +07:00, WIB)\n"
    "  --plain             CSV for programs: no byte order mark, no ' before numbers\n"
    "  --separator ;       CSV separator for spreadsheets that expect ';'\n"
    "  --output FILE       write to FILE instead of standard output\n"
    "\n"
    "CSV opens in Excel, LibreOffice and Google Sheets: UTF-8 with a byte order mark, and\n"
    "text that a spreadsheet would turn into a number, date or formula (phone numbers, NIK)\n"
    "starts with ' so it stays text.\n";

// "+07:00", "-03:30", "+7", "0", "Z" -> minutes east of UTC.
std::optional<int> parse_offset(const std::string& text) {
    if (text == "Z" || text == "0") return 0;
    if (text.size() < 2 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
    int sign = text[0] == '-' ? -1 : 1;
    auto colon = text.find(':');
    try {
        std::size_t used = 0;
        int hours = std::stoi(
            text.substr(1, colon == std::string::npos ? std::string::npos : colon - 1), &used);
        int minutes = colon == std::string::npos ? 0 : std::stoi(text.substr(colon + 1));
        if (hours > 14 || minutes > 59 || minutes < 0) return std::nullopt;
        return sign * (hours * 60 + minutes);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

int run_export(const arguments& args, streams io) {
    if (wants_help(args)) {
        io.out << usage;
        return 0;
    }
    auto fail = [&io](const std::string& message) {
        io.err << "sapa export: " << message << "\n\n" << usage;
        return 2;
    };
    if (args.empty()) return fail("say what to export");
    auto kind = storage::export_kind_from_string(args[0]);
    if (!kind) return fail("unknown kind \"" + args[0] + "\"");

    std::string db, config_path = "config/sapa.json", format = "csv", output, since;
    storage::export_filter filter;
    storage::writer_options options;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a == "--plain") {
            options.for_spreadsheets = false;
            continue;
        }
        if (i + 1 >= args.size()) return fail("unknown option or missing value: " + a);
        const auto& value = args[++i];
        if (a == "--db") {
            db = value;
        } else if (a == "--config") {
            config_path = value;
        } else if (a == "--format") {
            format = value;
        } else if (a == "--since") {
            since = value;
        } else if (a == "--course") {
            filter.course = value;
        } else if (a == "--contact") {
            filter.contact = value;
        } else if (a == "--output") {
            output = value;
        } else if (a == "--utc-offset") {
            auto offset = parse_offset(value);
            if (!offset) return fail("--utc-offset wants +HH:MM, not \"" + value + "\"");
            options.utc_offset_minutes = *offset;
        } else if (a == "--separator") {
            if (value.size() != 1 || value == "\"" || value == "\r" || value == "\n") {
                return fail("--separator wants one character such as ; or ,");
            }
            options.separator = value[0];
        } else {
            return fail("unknown option " + a);
        }
    }
    if (format != "csv" && format != "json") return fail("--format is csv or json");
    if (filter.contact) {
        // Staff type numbers in any form; one that could be two people's is refused.
        auto contact = messaging::strict_contact_address(*filter.contact);
        if (!contact.e164) {
            return fail("--contact " + *filter.contact + ": " +
                        (contact.problem.empty() ? "empty" : contact.problem));
        }
        filter.contact = std::move(*contact.e164);
    }
    if (!since.empty()) {
        filter.since = storage::parse_timestamp(since, options.utc_offset_minutes);
        if (!filter.since)
            return fail("--since wants a date like 2024-05-01, not \"" + since + "\"");
    }
    if (db.empty()) db = database_of_config(config_path, io.err);
    if (db.empty()) return 2;
    if (!std::filesystem::exists(db)) {
        io.err << "sapa export: no database at " << db << " (give it with --db FILE)\n";
        return 1;
    }

    try {
        auto store = storage::sqlite_store::open(db);
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
