// Checkpoints: the log is copied back into the database file while the store runs, and starts
// over instead of growing with everything ever written.

#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace sapa::storage;
using namespace sapa::storage::testing;

TEST_SUITE("storage") {
    TEST_CASE("the WAL is checkpointed into the database while the store runs") {
        temp_dir dir;
        auto path = dir.file("wal.db");
        auto st = sqlite_store::open(path, fast_options());
        // About 70 MB of log if nothing were copied back: 1,000 commits of a 40 KB text each.
        const std::string text(40000, 'x');
        for (int i = 0; i < 1000; ++i) {
            st->process(sms("0812" + std::to_string(10000000 + i % 50), text, i, std::to_string(i)),
                        echo("ok", i));
        }
        namespace fs = std::filesystem;
        // Give a checkpoint still running at the end a moment to finish.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (fs::file_size(path) < 20'000'000 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CHECK(fs::file_size(path) >= 20'000'000);  // the texts reached the database file
        // Bounded by SQLite's automatic checkpoint (1,000 frames of 4 KiB) with a wide margin.
        CHECK(fs::file_size(path + "-wal") < 55'000'000);
    }
}
