#include "cli/commands.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace {

struct captured {
    int code;
    std::string out, err;
};

captured run_sapa(sapa::cli::arguments args, const std::string& input = "") {
    std::istringstream in(input);
    std::ostringstream out, err;
    int code = sapa::cli::run(args, {in, out, err, false});
    return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("sapa --help lists every command") {
    auto r = run_sapa({"--help"});
    CHECK(r.code == 0);
    for (const char* c : {"check", "chat", "serve", "export", "forget", "migrate"}) {
        CHECK(r.out.find(std::string("  ") + c) != std::string::npos);
    }
}

TEST_CASE("an unknown command is named and exits non-zero") {
    auto r = run_sapa({"chta"});
    CHECK(r.code == 2);
    CHECK(r.err.find("unknown command \"chta\"") != std::string::npos);
}

TEST_CASE("sapa --version prints the project version and exits 0") {
    auto r = run_sapa({"--version"});
    CHECK(r.code == 0);
    CHECK(r.err == "");
    CHECK(r.out == "sapa " + std::string(sapa::cli::version()) + "\n");
    // CMake's project(VERSION) is MAJOR.MINOR.PATCH.
    const std::string v(sapa::cli::version());
    CHECK(std::count(v.begin(), v.end(), '.') == 2);
    CHECK(v.find_first_not_of("0123456789.") == std::string::npos);
    CHECK(run_sapa({"--help"}).out.find("sapa --version") != std::string::npos);
}

TEST_CASE("options of sapa itself come before the command and unknown ones are refused") {
    auto bogus = run_sapa({"--verbose", "check"});
    CHECK(bogus.code == 2);
    CHECK(bogus.err.rfind("sapa: unknown option \"--verbose\"\n", 0) == 0);
    auto none = run_sapa({});
    CHECK(none.code == 2);
    CHECK(none.err.find("Usage: sapa COMMAND") != std::string::npos);
    // After the command, --help and --version belong to the command.
    auto help = run_sapa({"serve", "--help"});
    CHECK(help.code == 0);
    CHECK(help.out.rfind("Usage: sapa serve", 0) == 0);
    CHECK(run_sapa({"check", "--version"}).code == 2);
    CHECK(run_sapa({"help"}).code == 0);
}

TEST_CASE("sapa migrate --dry-run shows what it would do, and migrate does it") {
    auto dir =
        std::filesystem::temp_directory_path() / ("sapa-migrate-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto db = (dir / "sapa.db").string();
    auto dry = run_sapa({"migrate", "--dry-run", "--db", db});
    CHECK(dry.code == 0);
    CHECK(dry.out.find("Would migrate " + db + ":\n  v1\n") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(db));  // a dry run changes nothing
    auto done = run_sapa({"migrate", "--db", db});
    CHECK(done.code == 0);
    CHECK(done.out.find("is at schema version") != std::string::npos);
    auto again = run_sapa({"migrate", "--dry-run", "--db", db});
    CHECK(again.out.find("is up to date; nothing to do.") != std::string::npos);
    auto wrong = run_sapa({"migrate", "--db", "postgresql://sapa@127.0.0.1:1/none"});
    CHECK(wrong.code == 1);
    CHECK(wrong.err.find("sapa migrate: cannot connect to PostgreSQL") != std::string::npos);
    std::filesystem::remove_all(dir);
}
