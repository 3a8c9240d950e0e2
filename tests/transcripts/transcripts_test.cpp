#include "support/transcript.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

// Every tests/transcripts/*.json is replayed; SAPA_UPDATE_TRANSCRIPTS=1 rewrites expectations.
TEST_CASE("golden transcripts replay exactly") {
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
        auto r = sapa::testing::run_transcript(file, update && std::string(update) == "1");
        INFO(r.report);
        CHECK(r.passed);
    }
}
