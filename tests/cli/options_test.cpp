// The argument rules every command shares (CLI11): `--opt=value` as well as `--opt value`,
// `--` before operands that start with '-', strict values, and `sapa serve --log-level`.

#include "cli/commands.hpp"
#include "support/http_test_client.hpp"
#include "support/sapa_process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

struct captured {
    int code;
    std::string out, err;
};

captured run_sapa(const sapa::cli::arguments& args, const std::string& input = "") {
    std::istringstream in(input);
    std::ostringstream out, err;
    int code = sapa::cli::run(args, {in, out, err, false});
    return {code, out.str(), err.str()};
}

const std::string example = SAPA_SOURCE_DIR "/dialogs/example.json";

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the real `sapa serve` with `args` after "serve" until GET /healthz answers on `port`,
// then stops it with SIGTERM. Returns its exit status (-1: it never served or did not stop);
// what it logged is in `log_file`.
int serve_then_stop(const std::vector<std::string>& args,
                    unsigned short port,
                    const std::filesystem::path& log_file) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        unsetenv("SAPA_TEST_UNSET_TOKEN");
        FILE* log = std::fopen(log_file.c_str(), "w");
        if (log) {
            dup2(fileno(log), STDERR_FILENO);
            dup2(fileno(log), STDOUT_FILENO);
        }
        std::vector<char*> argv = {const_cast<char*>(SAPA_BINARY), const_cast<char*>("serve")};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(SAPA_BINARY, argv.data());
        _exit(127);
    }
    using clock = std::chrono::steady_clock;
    int status = 0;
    bool served = false;
    for (auto deadline = clock::now() + std::chrono::seconds(20); clock::now() < deadline;) {
        if (waitpid(pid, &status, WNOHANG) == pid) return -1;
        auto r = sapa::testing::http_call(
            port, {"GET", "/healthz", {}, {}}, std::chrono::milliseconds(500));
        if (r.status == 200) {
            served = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, served ? SIGTERM : SIGKILL);
    for (auto deadline = clock::now() + std::chrono::seconds(20); clock::now() < deadline;) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return served && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

bool has_level(const std::string& log, const std::string& level) {
    return log.find("Z " + level + " ") != std::string::npos;
}

}  // namespace

TEST_CASE("parse_utc_offset takes the documented forms and nothing else") {
    using sapa::cli::parse_utc_offset;
    CHECK(parse_utc_offset("+07:00") == 420);
    CHECK(parse_utc_offset("+0700") == 420);
    CHECK(parse_utc_offset("+07") == 420);
    CHECK(parse_utc_offset("+7") == 420);
    CHECK(parse_utc_offset("-03:30") == -210);
    CHECK(parse_utc_offset("-0530") == -330);
    CHECK(parse_utc_offset("+5:45") == 345);
    CHECK(parse_utc_offset("+14:00") == 840);
    CHECK(parse_utc_offset("-12") == -720);
    CHECK(parse_utc_offset("Z") == 0);
    CHECK(parse_utc_offset("0") == 0);
    CHECK(parse_utc_offset("+00:00") == 0);
    for (const char* bad : {"+7x", "+7:", "+07:0", "+07:000", "+730",   "+07000", "07:00",
                            "7",   "+",   "-",     "+15",     "+14:01", "+07:60", "+-7",
                            "+ 7", "+7 ", "z",     "WIB",     "",       "+07:3x", "+0x10"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_utc_offset(bad).has_value());
    }
}

TEST_CASE("sapa chat takes --opt=value as well as --opt value") {
    auto spaced = run_sapa({"chat", example, "--from", "081234567890", "--lang", "en"}, "/state\n");
    auto joined = run_sapa({"chat", "--from=081234567890", "--lang=en", example}, "/state\n");
    CHECK(spaced.code == 0);
    CHECK(joined.code == 0);
    CHECK(joined.out == spaced.out);
    auto state = nlohmann::json::parse(joined.out);
    CHECK(state["address"] == "+6281234567890");
    CHECK(state["language"] == "en");
    auto missing = run_sapa({"chat", example, "--lang"});
    CHECK(missing.code == 2);
    CHECK(missing.err.rfind("sapa chat: --lang needs a value\n", 0) == 0);
    auto unknown = run_sapa({"chat", example, "--form=0812"});
    CHECK(unknown.code == 2);
    CHECK(unknown.err.rfind("sapa chat: unknown option \"--form=0812\"\n", 0) == 0);
}

TEST_CASE("sapa check reads an operand after -- as a file even when it starts with a dash") {
    auto r = run_sapa({"check", "--", "-no-such-script.json"});
    CHECK(r.code == 1);
    CHECK(r.out.find("-no-such-script.json: error: cannot read the file") != std::string::npos);
    CHECK(run_sapa({"check", "-no-such-script.json"}).code == 2);
}

TEST_CASE("sapa serve takes --config=FILE and refuses a --log-level it does not know") {
    sapa::testing::temp_dir dir;
    auto missing = (dir.path() / "none.json").string();
    auto r = run_sapa({"serve", "--config=" + missing});
    CHECK(r.code == 2);
    CHECK(r.err.rfind("sapa serve: " + missing + ": cannot read the config file", 0) == 0);
    auto level = run_sapa({"serve", "--config", missing, "--log-level", "loud"});
    CHECK(level.code == 2);
    CHECK(level.err.rfind(
              "sapa serve: --log-level: wants debug, info, warn or error, not \"loud\"\n", 0) == 0);
    auto help = run_sapa({"serve", "--help"});
    CHECK(help.out.find("--log-level LEVEL") != std::string::npos);
}

TEST_CASE("sapa serve --log-level overrides the config's logging.level") {
    sapa::testing::temp_dir dir;
    const auto port = sapa::testing::free_port();
    nlohmann::json config = {{"server",
                              {{"listen_address", "127.0.0.1"},
                               {"port", port},
                               {"public_base_url", "https://sapa.example.id"}}},
                             {"storage", {{"database_path", (dir.path() / "sapa.db").string()}}},
                             {"dialogs", {{"paths", {SAPA_SOURCE_DIR "/dialogs"}}}},
                             // Its secret is unset: a warning says the channel is off.
                             {"channels",
                              {{{"name", "sms"},
                                {"type", "twilio"},
                                {"script", "example"},
                                {"number", "+6281100000000"},
                                {"auth_token_env", "SAPA_TEST_UNSET_TOKEN"}}}},
                             {"logging", {{"level", "debug"}}}};
    const auto config_file = dir.path() / "sapa.json";
    std::ofstream(config_file) << config.dump(2);

    const auto as_configured = dir.path() / "configured.log";
    CHECK(serve_then_stop({"--config", config_file.string()}, port, as_configured) == 0);
    auto log = read_file(as_configured);
    CAPTURE(log);
    CHECK(has_level(log, "info"));
    CHECK(has_level(log, "warn"));

    const auto errors_only = dir.path() / "error.log";
    CHECK(serve_then_stop(
              {"--log-level=error", "--config=" + config_file.string()}, port, errors_only) == 0);
    log = read_file(errors_only);
    CHECK_FALSE(has_level(log, "info"));
    CHECK_FALSE(has_level(log, "warn"));

    const auto warnings = dir.path() / "warn.log";
    CHECK(serve_then_stop(
              {"--config", config_file.string(), "--log-level", "WARN"}, port, warnings) == 0);
    log = read_file(warnings);
    CHECK_FALSE(has_level(log, "info"));
    CHECK(has_level(log, "warn"));
}
