#include "cli/commands.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace {

struct captured {
    int code;
    std::string out, err;
};

captured run_check(sapa::cli::arguments args) {
    std::istringstream in;
    std::ostringstream out, err;
    args.insert(args.begin(), "check");
    int code = sapa::cli::run(args, {in, out, err, false});
    return {code, out.str(), err.str()};
}

const std::string fixtures = SAPA_SOURCE_DIR "/tests/dialog/fixtures/";
const std::string example = SAPA_SOURCE_DIR "/dialogs/example.json";
const std::string example_info = SAPA_SOURCE_DIR "/dialogs/example_info.json";

}  // namespace

TEST_CASE("sapa check: the example scripts checked together are clean") {
    auto r = run_check({example, example_info});
    CHECK(r.code == 0);
    CHECK(r.out == "no problems in 2 scripts\n");
    CHECK(r.err == "");
    CHECK(run_check({example, example_info, "--strict"}).code == 0);
}

TEST_CASE("sapa check: the bundled dialogs have no errors, --strict fails on unset settings") {
    auto r = run_check({SAPA_SOURCE_DIR "/dialogs"});
    CHECK(r.code == 0);
    CHECK(r.out.find("error:") == std::string::npos);
    CHECK(r.out.find("has no value yet") != std::string::npos);
    CHECK(run_check({SAPA_SOURCE_DIR "/dialogs", "--strict"}).code == 1);
}

TEST_CASE("sapa check: a subflow script must be checked along with its caller") {
    auto r = run_check({example});
    CHECK(r.code == 1);
    CHECK(r.out == example +
                       ":/nodes/info/subflow: error: unknown script \"example_info\"\n"
                       "1 error, 0 warnings: fix the errors before these scripts can go live\n");
}

TEST_CASE("sapa check: errors print one line each and exit 1") {
    auto file = fixtures + "broken_link.json";
    auto r = run_check({file});
    CHECK(r.code == 1);
    CHECK(r.out == file +
                       ":/nodes/umur/next: error: unknown node \"selesaii\" (did you mean "
                       "\"selesai\"?)\n" +
                       file +
                       ":/nodes/selesai: warning: node \"selesai\" can never be reached: no "
                       "node, keyword, \"start\" or \"help_node\" leads to it\n"
                       "1 error, 1 warning: fix the errors before these scripts can go live\n");
}

TEST_CASE("sapa check: a JSON syntax error points at its line and column") {
    auto file = fixtures + "syntax_error.json";
    auto r = run_check({file});
    CHECK(r.code == 1);
    CHECK(r.out.rfind(file + ":4:1: error: the file is not valid JSON: ", 0) == 0);
}

TEST_CASE("sapa check: warnings alone pass, unless --strict") {
    auto file = fixtures + "warnings_only.json";
    auto r = run_check({file});
    CHECK(r.code == 0);
    CHECK(r.out == file +
                       ":/settings/telepon: warning: setting \"telepon\" has no value yet: "
                       "residents see its unset_text until you fill it in\n"
                       "1 warning, no errors\n");
    auto strict = run_check({"--strict", file});
    CHECK(strict.code == 1);
    CHECK(strict.out.find("1 warning, no errors (--strict: warnings count as errors)\n") !=
          std::string::npos);
}

TEST_CASE("sapa check --json prints every problem as an object") {
    auto broken = fixtures + "broken_link.json";
    auto r = run_check({"--json", broken, fixtures + "warnings_only.json"});
    CHECK(r.code == 1);
    auto problems = nlohmann::json::parse(r.out);
    REQUIRE(problems.size() == 3);
    CHECK(problems[0] ==
          nlohmann::json{{"file", broken},
                         {"where", "/nodes/umur/next"},
                         {"severity", "error"},
                         {"message", "unknown node \"selesaii\" (did you mean \"selesai\"?)"}});
    CHECK(problems[1]["severity"] == "warning");
    CHECK(problems[2]["where"] == "/settings/telepon");

    auto clean = run_check({"--json", example, example_info});
    CHECK(clean.code == 0);
    CHECK(nlohmann::json::parse(clean.out) == nlohmann::json::array());
}

TEST_CASE("sapa check: wrong usage exits 2 and says why") {
    auto none = run_check({});
    CHECK(none.code == 2);
    CHECK(none.err.rfind("sapa check: name at least one dialog file or folder\n", 0) == 0);
    auto unknown = run_check({"--strcit", example});
    CHECK(unknown.code == 2);
    CHECK(unknown.err.rfind("sapa check: unknown option \"--strcit\"\n", 0) == 0);
    auto help = run_check({"--help"});
    CHECK(help.code == 0);
    CHECK(help.out.find("--strict") != std::string::npos);
    CHECK(help.out.find("--json") != std::string::npos);
}

TEST_CASE("sapa check: a missing file is an error, not a crash") {
    auto r = run_check({fixtures + "no_such_script.json"});
    CHECK(r.code == 1);
    CHECK(r.out.find("no_such_script.json: error: cannot read the file") != std::string::npos);
}
