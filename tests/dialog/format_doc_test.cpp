#include "dialog/catalog.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

namespace {

std::string read(const std::string& relative) {
    std::ifstream in(std::string(SAPA_SOURCE_DIR) + "/" + relative);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("docs/dialog-format.md shows dialogs/example.json exactly") {
    const std::string doc = read("docs/dialog-format.md");
    const std::string example = read("dialogs/example.json");
    REQUIRE_FALSE(example.empty());
    const std::string fence = "```json\n";
    auto start = doc.rfind(fence);
    REQUIRE(start != std::string::npos);
    start += fence.size();
    auto end = doc.find("```", start);
    REQUIRE(end != std::string::npos);
    CHECK(doc.substr(start, end - start) == example);
}

TEST_CASE("the documented example scripts load and check without any problem") {
    const std::string root = SAPA_SOURCE_DIR;
    auto loaded = sapa::dialog::load_catalog(
        {root + "/dialogs/example.json", root + "/dialogs/example_info.json"});
    for (const auto& p : loaded.problems)
        INFO(sapa::dialog::to_string(p));
    CHECK(loaded.problems.empty());
    REQUIRE(loaded.scripts);
    CHECK(loaded.scripts->find("example") != nullptr);
    CHECK(loaded.scripts->find("example_info") != nullptr);
}
