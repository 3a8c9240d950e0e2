// `sapa migrate`: the store's schema brought up to this build's, or with --dry-run what would
// change. `sapa serve` migrates on start too; this is for doing it (or looking) beforehand.

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"

#include <CLI/CLI.hpp>

#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa migrate [--dry-run] [--db FILE|URL] [--config FILE]\n"
    "\n"
    "Brings the database to the schema of this sapa (sapa serve does it on start).\n"
    "\n"
    "Options:\n"
    "  --dry-run      only print the migrations that would be applied\n"
    "  --db FILE|URL  the Sapa database: a SQLite file or a postgresql:// URL\n"
    "                 (default: the one in --config)\n"
    "  --config FILE  the config naming the database (default: config/sapa.json)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 done, 1 failed, 2 wrong usage.\n";

}  // namespace

int run_migrate(const arguments& args, streams io) {
    CLI::App app{"", "sapa migrate"};
    std::string db, config_path = "config/sapa.json";
    bool dry_run = false;
    app.add_option("--db", db);
    app.add_option("--config", config_path);
    app.add_flag("--dry-run", dry_run);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    return migrate_tool_store(db, config_path, dry_run, io.out, io.err);
}

}  // namespace sapa::cli
