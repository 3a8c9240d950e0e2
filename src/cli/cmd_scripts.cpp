// `sapa reload`, `sapa scripts list`, `sapa scripts rollback VERSION`: publishing dialog
// scripts to the store while servers run. A running `sapa serve` makes the newest published
// version live within about a second (app::scripts, cli/service.cpp).

#include "app/scripts.hpp"
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "storage/export.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* reload_usage =
    "Usage: sapa reload [--config FILE]\n"
    "\n"
    "Checks the dialogs folder the config names (as `sapa check` does) and, when it has no\n"
    "errors, publishes it as a new script version in the database. Running servers make it\n"
    "live within a second, without a restart; conversations go on. With errors nothing is\n"
    "published and the live version stays. (`kill -HUP` on `sapa serve` does the same.)\n"
    "\n"
    "Options:\n"
    "  --config FILE  the config (default: config/sapa.json)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 published, 1 refused (errors printed) or the database failed,\n"
    "2 wrong usage.\n";

constexpr const char* scripts_usage =
    "Usage: sapa scripts list [--config FILE]\n"
    "       sapa scripts rollback VERSION [--config FILE]\n"
    "\n"
    "list: the published script versions, newest (live) first: version, time (WIB), who\n"
    "published it and what.\n"
    "rollback: publishes VERSION's scripts again as the newest version; running servers make\n"
    "it live within a second.\n"
    "\n"
    "Options:\n"
    "  --config FILE  the config naming the database (default: config/sapa.json)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 done, 1 no such version, refused or the database failed, 2 wrong usage.\n";

messaging::unix_seconds now() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

void print_outcome(const app::publish_outcome& out, std::ostream& o, std::ostream& err) {
    for (const auto& p : out.problems)
        (p.severity == dialog::severity::error ? err : o) << dialog::to_string(p) << "\n";
    if (out.published())
        o << "Published script version " << out.version
          << "; running servers make it live within a second.\n";
    else
        err << "Nothing was published: the live script version stays.\n";
}

// The config and its store; nullopt with the reason printed (exit code in `code`).
struct opened {
    config::service_config config;
    tool_store store;
};
std::optional<opened> open_configured(const std::string& config_path,
                                      streams io,
                                      const std::string& command,
                                      int& code) {
    opened out;
    try {
        out.config = config::load_config(config_path);
    } catch (const std::exception& e) {
        io.err << "sapa " << command << ": " << e.what() << "\n";
        code = 2;
        return std::nullopt;
    }
    out.store = open_tool_store("", config_path, false, io.err, command);
    if (!out.store.store) {
        code = out.store.exit_code;
        return std::nullopt;
    }
    return out;
}

}  // namespace

int run_reload(const arguments& args, streams io) {
    CLI::App app{"", "sapa reload"};
    std::string config_path = "config/sapa.json";
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, reload_usage)) return *done;
    int code = 0;
    auto o = open_configured(config_path, io, "reload", code);
    if (!o) return code;
    try {
        std::vector<dialog::problem> problems;
        auto files = read_dialog_files(o->config, problems);
        app::publish_outcome out;
        if (dialog::has_errors(problems)) {
            out.problems = std::move(problems);
        } else {
            app::scripts scripts(*o->store.store, configured_scripts_options(o->config));
            out = scripts.publish(files, "sapa reload", app::scripts::files_note, now());
        }
        print_outcome(out, io.out, io.err);
        return out.published() ? 0 : 1;
    } catch (const std::exception& e) {
        io.err << "sapa reload: " << e.what() << "\n";
        return 1;
    }
}

int run_scripts(const arguments& args, streams io) {
    CLI::App app{"", "sapa scripts"};
    std::string config_path = "config/sapa.json";
    std::vector<std::string> operands;
    app.add_option("ACTION", operands);
    app.add_option("--config", config_path);
    if (auto done = parse_command_line(app, args, io, scripts_usage)) return *done;
    if (operands.empty()) return usage_error(app, "say list or rollback", io, scripts_usage);
    const auto action = operands[0];
    std::int64_t version = 0;
    if (action == "list") {
        if (operands.size() != 1)
            return usage_error(app, "list takes no operand", io, scripts_usage);
    } else if (action == "rollback") {
        if (operands.size() != 2)
            return usage_error(app, "say which VERSION to roll back to", io, scripts_usage);
        const auto& v = operands[1];
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
        if (ec != std::errc() || end != v.data() + v.size() || version <= 0)
            return usage_error(app, "\"" + v + "\" is not a version number", io, scripts_usage);
    } else {
        return usage_error(app, "unknown action \"" + action + "\"", io, scripts_usage);
    }
    int code = 0;
    auto o = open_configured(config_path, io, "scripts", code);
    if (!o) return code;
    try {
        auto& store = *o->store.store;
        if (action == "list") {
            auto versions = store.script_versions();
            if (versions.empty()) io.out << "No script version was published yet.\n";
            for (const auto& v : versions)
                io.out << v.id << "  " << storage::format_timestamp(v.published_at, 7 * 60, false)
                       << "  " << v.published_by << "  " << v.note << "\n";
            return 0;
        }
        app::scripts scripts(store, configured_scripts_options(o->config));
        auto out = scripts.rollback(version, "sapa scripts rollback", now());
        print_outcome(out, io.out, io.err);
        return out.published() ? 0 : 1;
    } catch (const std::exception& e) {
        io.err << "sapa scripts: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace sapa::cli
