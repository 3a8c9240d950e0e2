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

// Issue 16 added the interrupted question and the count of unanswered questions: written only
// when set, so every session written before reads back and most rows keep their shape.
TEST_CASE("state: a paused question and unanswered questions read back") {
    session_state s;
    s.status = session_status::waiting;
    s.stack = {{"lumajang", "bantuan"}};
    s.paused = {{"lumajang", "kecamatan"}};
    s.paused_open = true;
    s.unanswered = 1;
    const auto text = nlohmann::json(s).dump();
    CHECK(text.find(R"("paused":[{"node":"kecamatan","script":"lumajang"}],"paused_open":true)") !=
          std::string::npos);
    CHECK(text.find(R"("unanswered":1)") != std::string::npos);
    const auto back = nlohmann::json::parse(text).get<session_state>();
    REQUIRE(back.paused.size() == 1);
    CHECK(back.paused[0].node_id == "kecamatan");
    CHECK(back.paused_open);
    CHECK(back.unanswered == 1);

    const auto old =
        nlohmann::json::parse(R"({"status":"waiting","stack":[]})").get<session_state>();
    CHECK(old.paused.empty());
    CHECK_FALSE(old.paused_open);
    CHECK(old.unanswered == 0);
}
