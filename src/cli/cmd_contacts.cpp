// `sapa contacts import FILE.csv` and `sapa contacts segment KEY=VALUE...`: the contacts an
// outreach reaches.

#include "app/contacts.hpp"
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "messaging/address.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa contacts import FILE.csv [--group GROUP] [--config FILE]\n"
    "       sapa contacts segment KEY=VALUE... [--config FILE]\n"
    "\n"
    "import: adds or updates the contacts of a CSV file (UTF-8) whose header names the\n"
    "columns: number and consent_source (required), name, kecamatan, language, group (one\n"
    "or more, separated by ';'). Numbers: 0812..., 62812... or +62812...; a bare 812... is\n"
    "refused as ambiguous. Bad rows are reported by line and skipped; the good rows are\n"
    "imported together or not at all. A contact who replied STOP stays opted out.\n"
    "\n"
    "segment: counts (and lists, masked) the contacts a segment reaches. Keys: group,\n"
    "kecamatan, language, course, status (registered, waitlisted, cancelled; with course),\n"
    "since (YYYY-MM-DD: last contact on or after). Opted-out contacts are never included.\n"
    "\n"
    "Options:\n"
    "  --group GROUP  import: also put every imported contact in GROUP\n"
    "  --config FILE  the config naming the database (default: config/sapa.json)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 done, 1 bad rows skipped, a refused file or failed, 2 wrong usage.\n";

messaging::unix_seconds now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int import_file(const std::string& path,
                const std::string& group,
                const config::service_config& config,
                streams io) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        io.err << "sapa contacts: cannot read " << path << "\n";
        return 1;
    }
    std::stringstream text;
    text << file.rdbuf();
    auto parsed = app::parse_contacts_csv(text.str());
    for (const auto& p : parsed.problems)
        io.err << path << (p.line ? ":" + std::to_string(p.line) : std::string()) << ": "
               << p.message << "\n";
    if (!parsed.problems.empty() && parsed.problems.front().line == 0) {
        io.err << "sapa contacts: nothing imported\n";
        return 1;
    }
    auto store = open_tool_store(config);
    auto summary = app::import_contacts(*store, parsed.rows, group, now_seconds());
    io.out << "Imported " << parsed.rows.size() << " contacts (" << summary.added << " new, "
           << summary.updated << " updated)";
    if (!parsed.problems.empty()) io.out << "; " << parsed.problems.size() << " bad rows skipped";
    io.out << ".\n";
    return parsed.problems.empty() ? 0 : 1;
}

}  // namespace

int run_contacts(const arguments& args, streams io) {
    CLI::App app{"", "sapa contacts"};
    std::string action, group, config_path = "config/sapa.json";
    std::vector<std::string> operands;
    app.add_option("ACTION", action);
    app.add_option("OPERANDS", operands);
    app.add_option("--group", group);
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (action != "import" && action != "segment")
        return usage_error(app,
                           action.empty() ? "say what to do (import, segment)"
                                          : "unknown action \"" + action + "\"",
                           io,
                           usage);
    if (action == "import" && operands.size() != 1)
        return usage_error(app, "import takes one CSV file", io, usage);
    storage::segment segment;
    if (action == "segment") {
        std::string problem;
        auto parsed = app::parse_segment(operands, problem);
        if (!parsed) return usage_error(app, problem, io, usage);
        segment = *parsed;
    }
    try {
        auto config = config::load_config(config_path);
        if (action == "import") return import_file(operands.front(), group, config, io);
        if (!std::filesystem::exists(config.storage.database_path)) {
            io.err << "sapa contacts: no database at " << config.storage.database_path.string()
                   << "\n";
            return 1;
        }
        auto store = open_tool_store(config);
        // Page by page: the segment is never held in memory whole.
        std::string lines;
        std::int64_t count = 0, after = 0;
        for (bool more = true; more;) {
            std::vector<storage::segment_member> page;
            store->run(
                [&](storage::transaction& tx) { page = tx.select_contacts(segment, after, 5000); });
            more = page.size() == 5000;
            if (!page.empty()) after = page.back().id;
            count += static_cast<std::int64_t>(page.size());
            for (const auto& c : page)
                lines +=
                    (c.address.starts_with("+") ? messaging::mask_phone(c.address) : c.address) +
                    "\n";
        }
        io.out << count << " contacts\n" << lines;
    } catch (const std::exception& e) {
        io.err << "sapa contacts: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace sapa::cli
