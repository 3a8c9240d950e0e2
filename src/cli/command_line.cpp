#include "cli/command_line.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <ostream>

namespace sapa::cli {
namespace {

// CLI11's words for a missing or repeated value ("--db: 1 required TEXT missing") in Sapa's.
std::string message_of(const CLI::ParseError& e) {
    const std::string text = e.what();
    if (!dynamic_cast<const CLI::ArgumentMismatch*>(&e)) return text;
    const auto name = text.substr(0, text.find(':'));
    if (text.find("missing") != std::string::npos) return name + " needs a value";
    if (text.find("At Most") != std::string::npos) return name + " is given more than once";
    return text;
}

}  // namespace

std::optional<int> parse_command_line(CLI::App& app,
                                      const arguments& args,
                                      streams io,
                                      std::string_view usage,
                                      bool extras_are_errors) {
    // Sapa names unknown arguments itself (below), in the words its users already know.
    app.allow_extras();
    // CLI11 reads the arguments from the back.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        io.out << usage;
        return 0;
    } catch (const CLI::ParseError& e) {
        if (wants_help(args)) {
            io.out << usage;
            return 0;
        }
        return usage_error(app, message_of(e), io, usage);
    }
    if (!extras_are_errors) return std::nullopt;
    for (const auto& extra : app.remaining()) {
        if (extra == "--") continue;
        if (wants_help(args)) {
            io.out << usage;
            return 0;
        }
        if (extra.size() > 1 && extra[0] == '-')
            return usage_error(app, "unknown option \"" + extra + "\"", io, usage);
        return usage_error(app, "unexpected argument \"" + extra + "\"", io, usage);
    }
    return std::nullopt;
}

int usage_error(const CLI::App& app,
                const std::string& message,
                streams io,
                std::string_view usage) {
    io.err << app.get_name() << ": " << message << "\n\n" << usage;
    return 2;
}

}  // namespace sapa::cli
