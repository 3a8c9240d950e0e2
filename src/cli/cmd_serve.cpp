#include "cli/commands.hpp"

#include <ostream>

namespace sapa::cli {

int run_serve(const arguments& args, streams io) {
    if (wants_help(args)) {
        io.out << "Usage: sapa serve\n\nNot built yet.\n";
        return 0;
    }
    io.err << "sapa serve: not built yet\n";
    return 3;
}

}  // namespace sapa::cli
