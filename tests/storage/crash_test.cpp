// Crash safety: a child process writes messages and prints each one the store acknowledged;
// the test SIGKILLs it at random moments, many times, and checks after each kill that every
// acknowledged message is there with its reply, nothing is half-written, and SQLite's
// integrity check passes.

#include "storage/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <poll.h>
#include <random>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

using namespace sapa;
using namespace sapa::storage::testing;

namespace {

// Runs the child, kills it `run_for` after its start (or after its first acknowledgement:
// `after_first_ack`), and returns the numbers it printed.
std::vector<long long> run_and_kill(const std::string& db,
                                    long long first,
                                    std::chrono::milliseconds run_for,
                                    bool after_first_ack) {
    int out[2];
    REQUIRE(pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string program = SAPA_STORAGE_CRASH_CHILD;
    std::string first_text = std::to_string(first);
    char* argv[] = {program.data(), const_cast<char*>(db.c_str()), first_text.data(), nullptr};
    pid_t pid = 0;
    int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    REQUIRE(spawned == 0);

    std::string text;
    char buffer[65536];
    if (after_first_ack) {
        // Kill while it writes at full speed, whatever its start-up costs (a sanitizer build).
        pollfd readable{.fd = out[0], .events = POLLIN, .revents = 0};
        while (text.find('\n') == std::string::npos && poll(&readable, 1, 10'000) == 1) {
            auto n = read(out[0], buffer, sizeof buffer);
            if (n <= 0) break;
            text.append(buffer, static_cast<std::size_t>(n));
        }
    }
    std::this_thread::sleep_for(run_for);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<std::size_t>(n));
    close(out[0]);
    CHECK_MESSAGE(WIFSIGNALED(status), "the child ended before it was killed");

    std::vector<long long> acked;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        acked.push_back(std::stoll(text.substr(start, end - start)));
    return acked;  // a line cut by the kill has no '\n' and is not counted
}

void check_database(const std::string& path, const std::vector<long long>& acked) {
    if (!std::filesystem::exists(path)) {
        CHECK(acked.empty());  // killed before the file was created
        return;
    }
    SQLite::Database db(path, SQLite::OPEN_READWRITE);  // read-write: recovers the WAL
    REQUIRE(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    if (db.execAndGet("PRAGMA user_version").getInt() == 0) {
        CHECK(acked.empty());  // killed before the schema was created
        return;
    }
    SQLite::Statement foreign_keys(db, "PRAGMA foreign_key_check");
    CHECK_FALSE(foreign_keys.executeStep());
    SQLite::Statement q(db,
                        "SELECT count(*) FROM messages i JOIN messages o ON o.reply_to = i.id "
                        "WHERE i.direction = 'in' AND i.channel = 'sms' "
                        "  AND i.gateway_message_id = ? AND o.text = ?");
    int missing = 0;
    for (auto n : acked) {
        q.reset();
        q.bind(1, "c" + std::to_string(n));
        q.bind(2, "ack m" + std::to_string(n));
        q.executeStep();
        if (q.getColumn(0).getInt() != 1) ++missing;
    }
    CHECK(missing == 0);
    // Nothing half-written: each contact's session counted exactly its stored messages, each
    // reply has its inbound message, and each API reply its queue row or a final status.
    SQLite::Statement sessions(
        db,
        "SELECT count(*) FROM sessions s WHERE CAST(json_extract(s.state, '$.variables.turns') "
        "AS INTEGER) != (SELECT count(*) FROM messages m WHERE m.contact_id = s.contact_id "
        "AND m.direction = 'in')");
    sessions.executeStep();
    CHECK(sessions.getColumn(0).getInt() == 0);
    CHECK(db.execAndGet("SELECT count(*) FROM messages i WHERE i.direction = 'in' AND NOT EXISTS "
                        "(SELECT 1 FROM messages o WHERE o.reply_to = i.id)")
              .getInt() == 0);
    CHECK(db.execAndGet("SELECT count(*) FROM messages o WHERE o.via = 'api' AND o.status = "
                        "'queued' AND NOT EXISTS (SELECT 1 FROM outbound_queue q WHERE "
                        "q.message_id = o.id)")
              .getInt() == 0);
}

}  // namespace

TEST_SUITE("storage") {
    TEST_CASE("SIGKILL at random moments loses no acknowledged message") {
        temp_dir dir;
        auto path = dir.file("crash.db");
        std::mt19937 random(20240501);
        std::uniform_int_distribution<int> millis(1, 80);
        constexpr int cycles = 30;
        std::size_t total = 0;
        std::vector<long long> all_acked;
        for (int cycle = 0; cycle < cycles; ++cycle) {
            CAPTURE(cycle);
            // Odd cycles: anywhere from start-up (opening, migrating) on. Even: mid-stream.
            auto acked = run_and_kill(path,
                                      (cycle + 1) * 1'000'000LL,
                                      std::chrono::milliseconds(millis(random)),
                                      cycle % 2 == 0);
            total += acked.size();
            check_database(path, acked);
            all_acked.insert(all_acked.end(), acked.begin(), acked.end());
        }
        MESSAGE("acknowledged messages over ", cycles, " kills: ", total);
        CHECK(total > 0);

        // The store reopens, and a gateway retry of an acknowledged message gets its reply.
        REQUIRE_FALSE(all_acked.empty());
        auto n = all_acked.back();
        auto st = storage::sqlite_store::open(path, fast_options());
        auto again = process(*st,
                             sms("0819000000" + std::to_string(n % 7),
                                 "m" + std::to_string(n),
                                 n,
                                 "c" + std::to_string(n)),
                             echo("never runs", n));
        CHECK(again.duplicate);
        REQUIRE(again.replies.size() == 1);
        CHECK(again.replies[0].message.text == "ack m" + std::to_string(n));
    }
}
