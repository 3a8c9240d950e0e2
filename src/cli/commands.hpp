#pragma once
// The `sapa` command line: one function per subcommand, callable in-process by the tests.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::cli {

struct streams {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    bool in_is_terminal = false;  // interactive prompt for `chat`
};

using arguments = std::vector<std::string>;  // after the subcommand name

// Entry point: `args[0]` is the subcommand (or --version, --help). Returns the process exit
// code: 0 done, 1 the work failed, 2 wrong usage.
int run(const arguments& args, streams io);

// Sapa's version, the project version in CMakeLists.txt ("0.1.0"); `sapa --version` prints it.
std::string_view version();

int run_check(const arguments& args, streams io);
int run_chat(const arguments& args, streams io);
int run_serve(const arguments& args, streams io);
int run_export(const arguments& args, streams io);
int run_forget(const arguments& args, streams io);
int run_done(const arguments& args, streams io);
int run_migrate(const arguments& args, streams io);
int run_registration(const arguments& args, streams io);
int run_contacts(const arguments& args, streams io);
int run_broadcast(const arguments& args, streams io);
int run_reminders(const arguments& args, streams io);
// Unix seconds -> "2026-03-01T08:00" in WIB (cmd_broadcast.cpp).
std::string format_wib(std::int64_t unix_seconds);
int run_reload(const arguments& args, streams io);
int run_scripts(const arguments& args, streams io);
int run_token(const arguments& args, streams io);
int run_staff(const arguments& args, streams io);

// The database file named by the config at `config_path` (config/sapa.json by default), for
// the staff tools that work on the server's data. Empty, with the reason on `err`, when the
// config cannot be read.
std::string database_of_config(const std::string& config_path, std::ostream& err);

// "90s", "30m", "2h", "3d" -> seconds; nullopt for anything else. The simulator's /wait and
// the golden transcripts' "wait" use it.
std::optional<long long> parse_duration_seconds(std::string_view text);

// A time zone as `sapa export --utc-offset` takes it -> minutes east of UTC: "+07:00",
// "+0700", "+07", "+7", "-03:30", "-0330", "Z" or "0". At most 14:00 either way, minutes
// 00..59; nullopt for anything else ("+7x", "+730", "07:00", "+07:0", "+15").
std::optional<int> parse_utc_offset(std::string_view text);

// True when `args` contains --help or -h (then the command prints its usage and returns 0).
bool wants_help(const arguments& args);

}  // namespace sapa::cli
