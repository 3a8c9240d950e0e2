#include "cli/commands.hpp"

#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
    // Everything Sapa creates is private to its user: the database (residents' names, NIKs,
    // numbers) with its -wal and -shm, the folder `serve` creates for it (0700), and the files
    // `export --output` writes (0600). Group and others get nothing, whatever the login's umask.
    ::umask(077);
    std::ios::sync_with_stdio(false);
    sapa::cli::arguments args(argv + 1, argv + argc);
    return sapa::cli::run(args, {std::cin, std::cout, std::cerr, isatty(STDIN_FILENO) == 1});
}
