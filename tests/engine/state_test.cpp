// Included first: proves the header is self-contained.
#include "engine/state.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace sapa::engine;

// The store keeps sessions as this text: rows written by earlier versions must still load, and
// the text written must not change shape.
TEST_CASE("state: session JSON text is stable and reads back") {
    session_state s;
    s.status = session_status::waiting;
    s.script_id = "lumajang";
    s.script_version = 3;
    s.stack = {{"lumajang", "menu"}, {"sub", "q\"1"}};
    s.variables = {{"nama", "Siti \"Ami\" na\u00E9"}, {"b", ""}, {"a", "1"}};
    s.retries = 2;
    s.last_active = 1780000000;
    const std::string text =
        R"({"last_active":1780000000,"retries":2,"script":"lumajang","stack":[{"node":"menu",)"
        R"("script":"lumajang"},{"node":"q\"1","script":"sub"}],"status":"waiting","variables":)"
        R"({"a":"1","b":"","nama":"Siti \"Ami\" na)"
        "\u00E9"
        R"("},"version":3})";
    CHECK(nlohmann::json(s).dump() == text);
    CHECK(nlohmann::json(session_state{}).dump() ==
          R"({"last_active":0,"retries":0,"script":"","stack":[],"status":"idle",)"
          R"("variables":{},"version":0})");

    const auto back = nlohmann::json::parse(text).get<session_state>();
    CHECK(back.status == session_status::waiting);
    CHECK(back.script_id == "lumajang");
    CHECK(back.script_version == 3);
    REQUIRE(back.stack.size() == 2);
    CHECK(back.stack[1].script_id == "sub");
    CHECK(back.stack[1].node_id == "q\"1");
    CHECK(back.variables == s.variables);
    CHECK(back.retries == 2);
    CHECK(back.last_active == 1780000000);
}
