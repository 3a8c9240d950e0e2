#include "dialog/catalog.hpp"

#include "script_builder.hpp"

#include <doctest/doctest.h>

using namespace sapa::dialog;
using sapa::dialog::testing::lines;
using strings = std::vector<std::string>;

TEST_CASE("a catalog with any error is refused, with the problems of every file") {
    auto r = load_catalog({SAPA_SOURCE_DIR "/dialogs/example.json",
                           SAPA_SOURCE_DIR "/tests/dialog/fixtures/broken_link.json"});
    CHECK_FALSE(r.scripts);
    CHECK(lines(r.problems) ==
          strings{"E /nodes/info/subflow: unknown script \"example_info\"",
                  "E /nodes/umur/next: unknown node \"selesaii\" (did you mean \"selesai\"?)",
                  "W /nodes/selesai: node \"selesai\" can never be reached: no node, keyword, "
                  "\"start\" or \"help_node\" leads to it"});
    CHECK(r.problems[1].file == SAPA_SOURCE_DIR "/tests/dialog/fixtures/broken_link.json");
}

TEST_CASE("problems are grouped by file, in the order the files were given") {
    auto broken = std::string(SAPA_SOURCE_DIR "/tests/dialog/fixtures/broken_link.json");
    auto syntax = std::string(SAPA_SOURCE_DIR "/tests/dialog/fixtures/syntax_error.json");
    auto r = load_catalog({broken, syntax, broken});
    strings files;
    for (const auto& p : r.problems)
        files.push_back(p.file);
    // The second broken_link.json only adds "id used twice" to its file's group.
    CHECK(files == strings{broken, broken, broken, syntax});
}

TEST_CASE("warnings do not stop a catalog from loading") {
    auto r = load_catalog({SAPA_SOURCE_DIR "/tests/dialog/fixtures/warnings_only.json"});
    REQUIRE(r.scripts);
    CHECK(r.scripts->find("warnings_only"));
    CHECK(lines(r.problems).size() == 1);
}

TEST_CASE("two files with the same script id are an error") {
    auto file = std::string(SAPA_SOURCE_DIR "/dialogs/example_info.json");
    auto r = load_catalog({file, file});
    CHECK_FALSE(r.scripts);
    CHECK(lines(r.problems) == strings{"E /id: script id \"example_info\" is also used by " + file +
                                       " (each script needs its own id)"});
}

TEST_CASE("a folder without scripts is an error") {
    auto r = load_catalog({SAPA_SOURCE_DIR "/docs"});
    CHECK_FALSE(r.scripts);
    CHECK(lines(r.problems) == strings{"E : the folder has no *.json files"});
}
