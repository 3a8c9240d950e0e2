// Proves log.hpp is self-contained: it is included first.
#include "server/log.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace {

using namespace sapa::server;

// What log() writes to standard error while `f` runs.
template <class F>
std::string captured_stderr(F f) {
    std::fflush(stderr);
    char name[] = "/tmp/sapa-log-test-XXXXXX";
    int file = ::mkstemp(name);
    REQUIRE(file >= 0);
    int saved = ::dup(STDERR_FILENO);
    ::dup2(file, STDERR_FILENO);
    f();
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::string out;
    char buffer[4096];
    ::lseek(file, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(file, buffer, sizeof buffer)) > 0;)
        out.append(buffer, static_cast<std::size_t>(n));
    ::close(file);
    ::unlink(name);
    return out;
}

}  // namespace

TEST_SUITE("log") {
    TEST_CASE("control characters are escaped, the rest is kept") {
        CHECK(escape_controls("plain text, UTF-8 é 🙏") == "plain text, UTF-8 é 🙏");
        CHECK(escape_controls("a\nb\rc\td") == "a\\nb\\rc\\td");
        CHECK(escape_controls(std::string("nul\0here", 8)) == "nul\\x00here");
        CHECK(escape_controls("\x1b[31mred\x7f\x1f") == "\\x1b[31mred\\x7f\\x1f");
        CHECK(escape_controls("") == "");
    }

    TEST_CASE("an upstream text with newlines cannot forge a log line") {
        // What a Graph API or bridge error could carry back into a log line.
        const std::string upstream =
            "bad request\n2026-01-01T00:00:00Z info POST /webhooks/sms 200 1us forged\r\n";
        auto written = captured_stderr([&] { log(log_level::error, "send failed: " + upstream); });
        REQUIRE(!written.empty());
        CHECK(written.back() == '\n');
        // One line: the only newline is the one ending it.
        CHECK(written.find('\n') == written.size() - 1);
        CHECK(written.find('\r') == std::string::npos);
        CHECK(written.find("send failed: bad request\\n2026-01-01T00:00:00Z info POST") !=
              std::string::npos);
        CHECK(written.find("forged\\r\\n\n") != std::string::npos);
    }

    TEST_CASE("log lines: text and JSON, millisecond UTC times, the request id") {
        // 2026-11-27T20:40:00.123Z
        const long long at = 1'795'812'000'123LL;
        CHECK(format_log_line(log_format::text, log_level::info, at, "GET /healthz 200", "abc") ==
              "2026-11-27T20:40:00.123Z info GET /healthz 200 request_id=abc\n");
        CHECK(format_log_line(log_format::text, log_level::warn, at + 5, "no request", "") ==
              "2026-11-27T20:40:00.128Z warn no request\n");
        CHECK(format_log_line(log_format::json, log_level::error, at, "say \"hi\"\nnext", "r-1") ==
              R"({"time":"2026-11-27T20:40:00.123Z","level":"error","message":"say \"hi\"\nnext",)"
              R"("request_id":"r-1"})"
              "\n");
        // No request: no request_id key. Invalid UTF-8 is replaced, never a broken line.
        CHECK(format_log_line(log_format::json, log_level::debug, at, "bad \xff byte", "") ==
              "{\"time\":\"2026-11-27T20:40:00.123Z\",\"level\":\"debug\",\"message\":\"bad "
              "\xef\xbf\xbd byte\"}\n");
    }
}
