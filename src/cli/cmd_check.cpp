#include "cli/commands.hpp"

#include <ostream>

namespace sapa::cli {

int run_check(const arguments& args, streams io) {
    if (wants_help(args)) {
        io.out << "Usage: sapa check\n\nNot built yet.\n";
        return 0;
    }
    io.err << "sapa check: not built yet\n";
    return 3;
}

}  // namespace sapa::cli
