// `sapa staff add NAME --role viewer|staff|admin`: a staff console account. The password is
// read from the terminal without echo (twice), or as one line from stdin when it is not a
// terminal (scripts, tests), and stored only as an Argon2id hash.

#include "app/staff_role.hpp"
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "console/security.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <istream>
#include <ostream>
#include <termios.h>
#include <unistd.h>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa staff add NAME --role viewer|staff|admin [--db FILE] [--config FILE]\n"
    "\n"
    "Adds an account for the staff console (/console on the server's address). The password\n"
    "(at least 10 characters) is asked twice without echo; when stdin is not a terminal it is\n"
    "its first line. Roles: viewer reads (NIKs masked), staff also answers residents and\n"
    "changes registrations, admin also reads the audit log.\n"
    "\n"
    "Options:\n"
    "  --role ROLE    viewer, staff or admin (required)\n"
    "  --db FILE      the Sapa database or a postgres:// URL (default: the one in --config)\n"
    "  --config FILE  the config naming the database (default: config/sapa.json)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 added, 1 the name is taken or the database failed, 2 wrong usage.\n";

// Echo off on the terminal while it lives.
class no_echo {
  public:
    no_echo() {
        if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        auto quiet = saved_;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    ~no_echo() {
        if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    no_echo(const no_echo&) = delete;
    no_echo& operator=(const no_echo&) = delete;

  private:
    termios saved_{};
    bool active_ = false;
};

std::optional<std::string> read_password(streams io) {
    std::string first;
    if (!io.in_is_terminal) {
        if (!std::getline(io.in, first)) return std::nullopt;
        if (!first.empty() && first.back() == '\r') first.pop_back();
        return first;
    }
    std::string second;
    {
        no_echo quiet;
        io.out << "Password: " << std::flush;
        std::getline(io.in, first);
        io.out << "\nPassword again: " << std::flush;
        std::getline(io.in, second);
        io.out << "\n";
    }
    if (first != second) {
        io.err << "sapa staff: the passwords differ; nothing was added\n";
        return std::nullopt;
    }
    return first;
}

}  // namespace

int run_staff(const arguments& args, streams io) {
    CLI::App app{"", "sapa staff"};
    std::string action, name, role_text, db, config_path = "config/sapa.json";
    app.add_option("ACTION", action);
    app.add_option("NAME", name);
    app.add_option("--role", role_text);
    app.add_option("--db", db);
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (action != "add") return usage_error(app, "say what to do: sapa staff add NAME", io, usage);
    if (name.empty() || name.size() > 64 ||
        name.find_first_of(" \t\r\n<>&\"'") != std::string::npos)
        return usage_error(
            app, "give the account a name of 1 to 64 characters, no spaces", io, usage);
    auto role = app::parse_staff_role(role_text);
    if (!role) return usage_error(app, "--role must be viewer, staff or admin", io, usage);
    auto password = read_password(io);
    if (!password) {
        if (!io.in_is_terminal) io.err << "sapa staff: no password on stdin\n";
        return 2;
    }
    if (auto problem = console::password_problem(*password)) {
        io.err << "sapa staff: " << *problem << "\n";
        return 2;
    }
    auto opened = open_tool_store(db, config_path, true, io.err, "staff");
    if (!opened.store) return opened.exit_code;
    try {
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        auto id = opened.store->add_staff(
            {0, name, console::hash_password(*password), std::string(app::to_string(*role)), now});
        if (id == 0) {
            io.err << "sapa staff: an account named \"" << name << "\" exists already\n";
            return 1;
        }
        opened.store->add_audit({0,
                                 now,
                                 name,
                                 "account_added",
                                 "staff " + name,
                                 "role " + std::string(app::to_string(*role)) + " (sapa staff)"});
        io.out << "Account \"" << name << "\" (" << app::to_string(*role)
               << ") added. Sign in at /console/login on the server's address.\n";
    } catch (const std::exception& e) {
        io.err << "sapa staff: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace sapa::cli
