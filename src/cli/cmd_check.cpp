#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "dialog/catalog.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa check FILE_OR_FOLDER... [--json] [--strict]\n"
    "\n"
    "Checks dialog scripts before they go live: the JSON itself, every key of the format\n"
    "(docs/dialog-format.md), links between nodes, lists, settings and subflows, variables\n"
    "used before they are set, and the cost of each message in SMS parts.\n"
    "A folder means every *.json in it. Scripts checked together resolve each other's\n"
    "subflows, so check a script with the scripts it calls.\n"
    "\n"
    "Output: one problem per line, FILE:WHERE: error|warning: MESSAGE, where WHERE is\n"
    "LINE:COLUMN for a JSON syntax error and the place in the script otherwise\n"
    "(/nodes/ask_age/next), then a summary line.\n"
    "\n"
    "Options:\n"
    "  --json     print the problems as a JSON array of {file, where, severity, message}\n"
    "  --strict   treat warnings as errors (exit 1 when there is any problem)\n"
    "  --help     show this help\n"
    "\n"
    "Exit status: 0 no errors (warnings allowed unless --strict), 1 errors found,\n"
    "2 wrong usage.\n";

std::string count(std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void print_json(const std::vector<dialog::problem>& problems, std::ostream& out) {
    auto list = nlohmann::json::array();
    for (const auto& p : problems)
        list.push_back({{"file", p.file},
                        {"where", p.where},
                        {"severity", p.severity == dialog::severity::error ? "error" : "warning"},
                        {"message", p.message}});
    out << list.dump(2) << "\n";
}

void print_lines(const dialog::catalog_load_result& result, bool strict, std::ostream& out) {
    std::size_t errors = 0, warnings = 0;
    for (const auto& p : result.problems) {
        out << dialog::to_string(p) << "\n";
        ++(p.severity == dialog::severity::error ? errors : warnings);
    }
    if (errors > 0) {
        out << count(errors, "error") << ", " << count(warnings, "warning")
            << ": fix the errors before these scripts can go live\n";
    } else if (warnings > 0) {
        out << count(warnings, "warning") << ", no errors"
            << (strict ? " (--strict: warnings count as errors)" : "") << "\n";
    } else {
        out << "no problems in " << count(result.scripts->scripts().size(), "script") << "\n";
    }
}

}  // namespace

int run_check(const arguments& args, streams io) {
    CLI::App app{"", "sapa check"};
    bool json = false, strict = false;
    std::vector<std::string> paths;
    app.add_flag("--json", json);
    app.add_flag("--strict", strict);
    app.add_option("FILE_OR_FOLDER", paths);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (paths.empty())
        return usage_error(app, "name at least one dialog file or folder", io, usage);

    auto result = dialog::load_catalog(paths);
    if (json)
        print_json(result.problems, io.out);
    else
        print_lines(result, strict, io.out);
    if (dialog::has_errors(result.problems)) return 1;
    return strict && !result.problems.empty() ? 1 : 0;
}

}  // namespace sapa::cli
