// `sapa token create NAME --role viewer|staff|admin`, `sapa token list`, `sapa token revoke
// NAME`: the bearer tokens of the JSON API (/api/v1, docs/api.md).

#include "app/api_tokens.hpp"
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "storage/export.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa token create NAME --role viewer|staff|admin [--config FILE]\n"
    "       sapa token list [--config FILE]\n"
    "       sapa token revoke NAME [--config FILE]\n"
    "\n"
    "Tokens of the JSON API (/api/v1): requests carry `Authorization: Bearer TOKEN`.\n"
    "create: makes a random token and prints it once; only a hash of it is kept, so it\n"
    "cannot be shown again (revoke it and create another when it is lost).\n"
    "  viewer: reads lists (NIKs masked); staff: also marks requests done, cancels\n"
    "  registrations; admin: also publishes scripts.\n"
    "list: name, role, when created and last used (WIB). revoke: the token stops working\n"
    "within a few seconds, also in running servers.\n"
    "\n"
    "Options:\n"
    "  --role ROLE    viewer, staff or admin (create)\n"
    "  --config FILE  the config naming the database (default: config/sapa.json)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 done, 1 the name is taken or unknown, or the database failed,\n"
    "2 wrong usage.\n";

}  // namespace

int run_token(const arguments& args, streams io) {
    CLI::App app{"", "sapa token"};
    std::string config_path = "config/sapa.json", role_text;
    std::vector<std::string> operands;
    app.add_option("ACTION", operands);
    app.add_option("--role", role_text);
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (operands.empty()) return usage_error(app, "say create, list or revoke", io, usage);
    const auto action = operands[0];
    std::optional<app::staff_role> role;
    if (action == "create") {
        if (operands.size() != 2) return usage_error(app, "say the token's NAME", io, usage);
        if (!app::token_name_acceptable(operands[1]))
            return usage_error(
                app, "a token name is 1 to 64 letters, digits, '.', '_' or '-'", io, usage);
        role = app::parse_staff_role(role_text);
        if (!role) return usage_error(app, "--role must be viewer, staff or admin", io, usage);
    } else if (action == "revoke") {
        if (operands.size() != 2) return usage_error(app, "say which token to revoke", io, usage);
    } else if (action == "list") {
        if (operands.size() != 1) return usage_error(app, "list takes no operand", io, usage);
    } else {
        return usage_error(app, "unknown action \"" + action + "\"", io, usage);
    }
    auto opened = open_tool_store("", config_path, false, io.err, "token");
    if (!opened.store) return opened.exit_code;
    try {
        auto& store = *opened.store;
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        if (action == "create") {
            auto token = app::create_api_token(store, operands[1], *role, now);
            if (!token) {
                io.err << "sapa token: a token named " << operands[1] << " exists already\n";
                return 1;
            }
            io.out << *token << "\n";
            io.err << "Token " << operands[1] << " (" << app::to_string(*role)
                   << ") created. It is shown only this once: keep it now.\n";
            return 0;
        }
        if (action == "revoke") {
            if (!store.revoke_api_token(operands[1])) {
                io.err << "sapa token: there is no token named " << operands[1] << "\n";
                return 1;
            }
            io.out << "Token " << operands[1] << " is revoked.\n";
            return 0;
        }
        auto tokens = store.api_tokens();
        if (tokens.empty()) io.out << "No API token.\n";
        for (const auto& t : tokens)
            io.out << t.name << "  " << t.role << "  created "
                   << storage::format_timestamp(t.created_at, 7 * 60, false) << "  last used "
                   << (t.last_used_at ? storage::format_timestamp(t.last_used_at, 7 * 60, false)
                                      : std::string("never"))
                   << "\n";
        return 0;
    } catch (const std::exception& e) {
        io.err << "sapa token: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace sapa::cli
