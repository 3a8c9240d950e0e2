// The crash test's victim: writes messages through the store as fast as it can and prints the
// number of each message on stdout once the store says it is durable. The test SIGKILLs it.
//
// Usage: sapa_storage_crash_child DB FIRST_NUMBER

#include "store_test_support.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>

using namespace sapa;

namespace {

// Counts turns in the session, and registers every tenth message for course "K".
storage::testing::turn_function turn(const std::string& text, long long number) {
    return [text, number](const engine::contact_state& state, engine::registrar& registrar) {
        engine::turn_result r;
        r.state = state;
        auto& vars = r.state.session.variables;
        vars["turns"] = std::to_string(std::stoll(vars.count("turns") ? vars["turns"] : "0") + 1);
        vars["last"] = text;
        if (number % 10 == 0) {
            registrar.register_contact(state.address, "K", "K", 50, {{"n", text}}, number);
        }
        r.replies.push_back({.text = "ack " + text, .body = {}, .options = {}});
        return r;
    };
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s DB FIRST_NUMBER\n", argv[0]);
        return 2;
    }
    auto store = storage::sqlite_store::open(argv[1]);  // defaults: synchronous FULL, 2 ms batches
    const long long first = std::stoll(argv[2]);
    const pid_t parent = getppid();

    std::mutex mutex;
    std::condition_variable room;
    int in_flight = 0;
    constexpr int max_in_flight = 512;
    for (long long n = first;; ++n) {
        {
            std::unique_lock lock(mutex);
            room.wait(lock, [&] { return in_flight < max_in_flight; });
            ++in_flight;
        }
        if (getppid() != parent) return 1;  // the test is gone
        auto text = "m" + std::to_string(n);
        auto m = storage::testing::sms(
            "0819000000" + std::to_string(n % 7), text, n, "c" + std::to_string(n), n % 2 == 0);
        storage::testing::submit(
            *store, m, turn(text, n), [&, n](storage::testing::outcome_or_error r) {
                if (r) {
                    char line[32];
                    int len = std::snprintf(line, sizeof line, "%lld\n", n);
                    if (write(STDOUT_FILENO, line, static_cast<std::size_t>(len)) != len) _exit(1);
                }
                std::lock_guard lock(mutex);
                --in_flight;
                room.notify_one();
            });
    }
}
