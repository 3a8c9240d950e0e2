#include "support/transcript.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace {

// Every tests/transcripts/*.json is replayed through the store `kind`; with `may_update`,
// SAPA_UPDATE_TRANSCRIPTS=1 rewrites the expectations.
void replay_all(sapa::testing::transcript_store kind, bool may_update) {
    const std::filesystem::path folder =
        std::filesystem::path(SAPA_SOURCE_DIR) / "tests/transcripts";
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(folder))
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE_FALSE(files.empty());
    const char* update = std::getenv("SAPA_UPDATE_TRANSCRIPTS");
    for (const auto& file : files) {
        CAPTURE(file.filename().string());
        auto r = sapa::testing::run_transcript(
            file, may_update && update && std::string(update) == "1", kind);
        INFO(r.report);
        CHECK(r.passed);
    }
}

}  // namespace

TEST_CASE("golden transcripts replay exactly on the memory store") {
    replay_all(sapa::testing::transcript_store::memory, true);
}

TEST_CASE("golden transcripts replay exactly on the SQLite store") {
    replay_all(sapa::testing::transcript_store::sqlite, false);
}
