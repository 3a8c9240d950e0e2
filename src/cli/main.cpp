#include "cli/commands.hpp"

#include <iostream>
#include <unistd.h>

int main(int argc, char** argv) {
    std::ios::sync_with_stdio(false);
    sapa::cli::arguments args(argv + 1, argv + argc);
    return sapa::cli::run(args, {std::cin, std::cout, std::cerr, isatty(STDIN_FILENO) == 1});
}
