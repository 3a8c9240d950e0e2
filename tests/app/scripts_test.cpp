// app::scripts without a server: publishing checks first and keeps the live catalog on
// errors; a version published by another process goes live on refresh(); a rollback is a new
// version; start() serves the newest version unless the deployment's files changed.

#include "app/scripts.hpp"

#include "storage/memory/memory_store.hpp"

#include <doctest/doctest.h>

using namespace sapa;

namespace {

storage::script_file script(const std::string& id, const std::string& greeting) {
    return {id + ".json",
            R"({"id": ")" + id + R"(", "version": 1, "languages": ["id"], "start": "halo",
                "nodes": {"halo": {"say": {"id": ")" +
                greeting + R"("}, "actions": [{"type": "end"}]}}})"};
}

std::string greeting(const app::scripts& s, const std::string& id = "a") {
    auto c = s.current();
    REQUIRE(c);
    const auto* found = c->find(id);
    REQUIRE(found);
    return found->nodes.at("halo").say.at(0).by_language.at("id");
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("scripts: a publish is checked first, errors leave the live version") {
        storage::memory_store store;
        app::scripts s(store, {.required = {"a"}, .session_timeout_minutes = 45});
        CHECK_FALSE(s.current());
        auto first = s.publish({script("a", "satu")}, "test", "files", 10);
        REQUIRE(first.published());
        CHECK(first.version == 1);
        CHECK(greeting(s) == "satu");
        CHECK(s.current()->find("a")->session_timeout_minutes == 45);  // the config's override

        auto broken =
            s.publish({{"a.json", R"({"id": "a", "start": "x", "nodes": {}})"}}, "test", "x", 20);
        CHECK_FALSE(broken.published());
        CHECK(dialog::has_errors(broken.problems));
        auto without = s.publish({script("b", "dua")}, "test", "x", 30);  // no script "a"
        CHECK_FALSE(without.published());
        CHECK(without.problems.back().message.find("\"a\"") != std::string::npos);
        CHECK(s.current_version() == 1);
        CHECK(greeting(s) == "satu");
        CHECK(store.latest_script_version() == 1);  // nothing refused was kept
    }

    TEST_CASE("scripts: refresh picks up another process's version, rollback republishes") {
        storage::memory_store store;
        app::scripts server(store, {.required = {"a"}, .session_timeout_minutes = {}});
        app::scripts tool(store, {.required = {"a"}, .session_timeout_minutes = {}});
        REQUIRE(server.publish({script("a", "satu")}, "serve", "files", 10).published());
        CHECK_FALSE(server.refresh().published());  // nothing newer
        REQUIRE(tool.publish({script("a", "dua")}, "reload", "files", 20).published());
        CHECK(greeting(server) == "satu");
        auto refreshed = server.refresh();
        CHECK(refreshed.version == 2);
        CHECK(greeting(server) == "dua");

        auto rolled = tool.rollback(1, "rollback", 30);
        CHECK(rolled.version == 3);
        CHECK(store.find_script_version(3)->note == "rollback to version 1");
        CHECK(server.refresh().version == 3);
        CHECK(greeting(server) == "satu");
        CHECK_FALSE(tool.rollback(9, "rollback", 40).published());
    }

    TEST_CASE("scripts: start serves the newest version unless the files changed") {
        storage::memory_store store;
        const std::vector<storage::script_file> files = {script("a", "satu")};
        {
            app::scripts s(store, {.required = {"a"}, .session_timeout_minutes = {}});
            CHECK(s.start(files, "serve", 10).version == 1);
            REQUIRE(s.publish({script("a", "api")}, "token ops", "api", 20).published());
        }
        {
            app::scripts s(store, {.required = {"a"}, .session_timeout_minutes = {}});
            CHECK(s.start(files, "serve", 30).version == 2);  // same files: the API's version
            CHECK(greeting(s) == "api");
        }
        {
            app::scripts s(store, {.required = {"a"}, .session_timeout_minutes = {}});
            CHECK(s.start({script("a", "baru")}, "serve", 40).version == 3);  // files changed
            CHECK(greeting(s) == "baru");
            CHECK(store.find_script_version(3)->note == app::scripts::files_note);
        }
    }
}
