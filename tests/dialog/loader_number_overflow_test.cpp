// Regression: loader_number_overflow (found by fuzz_dialog_loader in session 7's longer run).
// nlohmann reports a number too large for a double ("278E555") as json::out_of_range, not as
// a parse error, so load_script() let it escape: `sapa check` and a server loading the
// scripts ended in std::terminate instead of pointing at the number. (The config file had the
// same hole: tests/config/config_test.cpp.)
#include "dialog/loader.hpp"

#include <doctest/doctest.h>

TEST_SUITE("dialog") {
    TEST_CASE("regression loader_number_overflow: a huge number is a problem at its place") {
        // The fuzzer's input.
        auto fuzzed = sapa::dialog::load_script("  278E555  2  278E5<<", "s.json");
        CHECK_FALSE(fuzzed.script);
        REQUIRE(fuzzed.problems.size() == 1);
        CHECK(fuzzed.problems[0].where == "1:3");
        CHECK(fuzzed.problems[0].message ==
              "the file is not valid JSON: the number 278E555 is too large");

        // In a script as staff would write one.
        auto script = sapa::dialog::load_script(
            "{\n  \"id\": \"s\",\n  \"segment_budget\": 1e999,\n  \"nodes\": {}\n}", "s.json");
        CHECK_FALSE(script.script);
        REQUIRE(script.problems.size() == 1);
        CHECK(script.problems[0].where == "3:21");
        CHECK(script.problems[0].message ==
              "the file is not valid JSON: the number 1e999 is too large");
    }
}
