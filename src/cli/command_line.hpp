#pragma once
// How every `sapa` command reads its arguments with CLI11: `--opt value` and `--opt=value`,
// `--` before operands that start with '-', its own --help text, and Sapa's exit codes (CLI11's
// own, 100 and up, never reach the shell).

#include "cli/commands.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace sapa::cli {

// Parses `args` into the options and operands that `app` declares. Returns nothing when the
// command goes on, or the exit code to return at once:
//   0  --help (or -h) was given: `usage` is printed on io.out. Help wins over any other
//      problem in the same line, as it always has.
//   2  a usage error: `usage_error` has printed it. An argument `app` does not declare is
//      one: "unknown option "--x"", or "unexpected argument "x"" for a surplus operand;
//      unless `extras_are_errors` is false: then they stay in app.remaining() for the
//      caller (`sapa` itself hands them to the command).
std::optional<int> parse_command_line(CLI::App& app,
                                      const arguments& args,
                                      streams io,
                                      std::string_view usage,
                                      bool extras_are_errors = true);

// Prints "APP_NAME: MESSAGE", a blank line and `usage` on io.err, and returns 2, the exit code
// of every usage error. APP_NAME is the CLI::App's name, such as "sapa check".
int usage_error(const CLI::App& app,
                const std::string& message,
                streams io,
                std::string_view usage);

}  // namespace sapa::cli
