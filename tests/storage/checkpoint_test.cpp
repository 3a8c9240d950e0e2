// Checkpoints: the log is copied back into the database file while the store runs, and starts
// over instead of growing with everything ever written.

#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace sapa::storage;
using namespace sapa::storage::testing;

TEST_SUITE("storage") {
    TEST_CASE("the WAL is checkpointed into the database while the store runs") {
        temp_dir dir;
        auto path = dir.file("wal.db");
        auto options = fast_options();
        options.log_restart_frames = 2000;  // 8 MB, so that a short test passes it many times
        auto st = sqlite_store::open(path, options);
        // About 70 MB of log if nothing were copied back: 1,000 commits of a 40 KB text each.
        const std::string text(40000, 'x');
        for (int i = 0; i < 1000; ++i) {
            process(*st,
                    sms("0812" + std::to_string(10000000 + i % 50), text, i, std::to_string(i)),
                    echo("ok", i));
        }
        namespace fs = std::filesystem;
        // Give a checkpoint still running at the end a moment to finish.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (fs::file_size(path) < 20'000'000 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CHECK(fs::file_size(path) >= 20'000'000);  // the texts reached the database file
        // Bounded by the restart (at most twice the mark: 4,000 frames of 4 KiB) with a
        // margin.
        CHECK(fs::file_size(path + "-wal") < 25'000'000);
    }

    // Under steady load the writer begins the next batch as soon as one commits, so the log is
    // never found fully copied by itself: the writer has to make room for the restart.
    TEST_CASE("under steady load the WAL still starts over (synchronous FULL)") {
        temp_dir dir;
        auto path = dir.file("steady.db");
        auto options = fast_options();
        options.synchronous = sqlite_options::sync::full;
        options.max_batch = 32;
        options.log_restart_frames = 2000;
        auto st = sqlite_store::open(path, options);
        // About 80 MB of log if it never started over: 4,000 messages of 20 KB, 64 in flight.
        const std::string text(20000, 'y');
        std::mutex mutex;
        std::condition_variable changed;
        int in_flight = 0;
        int failed = 0;
        for (int i = 0; i < 4000; ++i) {
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return in_flight < 64; });
                ++in_flight;
            }
            submit(*st,
                   sms("0812" + std::to_string(20000000 + i % 50), text, i, std::to_string(i)),
                   echo("ok", i),
                   [&](outcome_or_error r) {
                       std::lock_guard lock(mutex);
                       if (!r) ++failed;
                       --in_flight;
                       changed.notify_all();
                   });
        }
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return in_flight == 0; });
        }
        CHECK(failed == 0);
        // The hard restart bound (twice the mark: 4,000 frames of 4 KiB) plus what one batch
        // adds (32 messages of 20 KB), with a margin.
        CHECK(std::filesystem::file_size(path + "-wal") < 25'000'000);
    }
}
