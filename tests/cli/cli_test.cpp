#include "cli/commands.hpp"

#include <doctest/doctest.h>

#include <sstream>

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
    for (const char* c : {"check", "chat", "serve", "export", "forget"}) {
        CHECK(r.out.find(std::string("  ") + c) != std::string::npos);
    }
}

TEST_CASE("an unknown command is named and exits non-zero") {
    auto r = run_sapa({"chta"});
    CHECK(r.code == 2);
    CHECK(r.err.find("unknown command \"chta\"") != std::string::npos);
}
