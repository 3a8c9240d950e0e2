// `sapa done ID...`: staff mark residents' requests (from `sapa export requests`) as done once
// they called the resident back or answered them.

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa done ID [ID...] [--db FILE]\n"
    "\n"
    "Marks residents' requests as done: the IDs are the first column of\n"
    "`sapa export requests`. From then on they are exported with status done and the time\n"
    "you marked them. Marking a request again changes nothing. Erase requests are done by\n"
    "`sapa forget NUMBER`, which marks them done by itself.\n"
    "\n"
    "Options:\n"
    "  --db FILE      the Sapa database (default: the one in --config)\n"
    "  --config FILE  the config naming the database (default: config/sapa.json)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 all marked, 1 an ID is no request or the database failed, 2 wrong usage.\n";

}  // namespace

int run_done(const arguments& args, streams io) {
    CLI::App app{"", "sapa done"};
    std::string db, config_path = "config/sapa.json";
    std::vector<std::string> ids;
    app.add_option("ID", ids);
    app.add_option("--db", db);
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (ids.empty()) return usage_error(app, "say which requests are done", io, usage);
    std::vector<std::int64_t> numbers;
    for (const auto& id : ids) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
        if (ec != std::errc() || end != id.data() + id.size() || n <= 0)
            return usage_error(app, "\"" + id + "\" is not a request number", io, usage);
        numbers.push_back(n);
    }
    if (db.empty()) db = database_of_config(config_path, io.err);
    if (db.empty()) return 2;
    if (!std::filesystem::exists(db)) {
        io.err << "sapa done: no database at " << db << " (give it with --db FILE)\n";
        return 1;
    }
    int status = 0;
    try {
        auto store = storage::sqlite_store::open(db);
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        for (auto n : numbers) {
            if (store->mark_request_done(n, now)) {
                io.out << "Request " << n << " is done.\n";
            } else {
                io.err << "sapa done: there is no request " << n << " (see sapa export requests)\n";
                status = 1;
            }
        }
    } catch (const std::exception& e) {
        io.err << "sapa done: " << e.what() << "\n";
        return 1;
    }
    return status;
}

}  // namespace sapa::cli
