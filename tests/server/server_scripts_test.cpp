// End to end: publishing dialog scripts to a running `sapa serve` (hot reload). `sapa reload`,
// SIGHUP and `sapa scripts rollback` change the replies without a restart; a broken script is
// refused and the replies stay as they were; a conversation goes on across a swap.

#include "cli/commands.hpp"
#include "support/running_sapa.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

using namespace sapa::testing;

namespace {

// Script "hot": asks a name (at node `ask`), thanks for it; `tag` marks the version in every
// text.
std::string hot_script(const std::string& tag, const std::string& ask = "tanya") {
    return R"({"id": "hot", "version": 1, "languages": ["id"], "start": ")" + ask + R"(",
  "nodes": {
    ")" + ask +
           R"(": {"say": {"id": "Halo )" + tag +
           R"(. Siapa nama Anda?"}, "ask": {"type": "text", "save": "nama"}, "next": "terima"},
    "terima": {"say": {"id": "Terima kasih {{nama}} )" +
           tag +
           R"("}, "actions": [{"type": "end"}]}
  }})";
}

struct cli_result {
    int code = 0;
    std::string out, err;
};

cli_result sapa_cli(const sapa::cli::arguments& args) {
    std::istringstream in;
    std::ostringstream out, err;
    cli_result r;
    r.code = sapa::cli::run(args, {in, out, err});
    r.out = out.str();
    r.err = err.str();
    return r;
}

sapa_options hot_options() {
    sapa_options o;
    o.channels = {channel::sms};
    o.sms_script = "hot";
    o.extra_dialogs = {{"hot.json", hot_script("versi satu")}};
    return o;
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE("published scripts go live in a running server and broken ones are refused") {
        running_sapa sapa(hot_options());
        const auto config = (sapa.dir.path() / "sapa.json").string();
        const auto hot_file = sapa.dir.path() / "dialogs" / "hot.json";
        int sid = 0;
        auto reply = [&](const std::string& from, const std::string& text) {
            auto r = sapa.twilio(from, text, "SMhot" + std::to_string(++sid));
            REQUIRE(r.status == 200);
            return r.body;
        };
        // Waits until a new contact's first reply contains `tag` (the server polls the store).
        int contacts = 0;
        auto live_tag_becomes = [&](const std::string& tag) {
            return wait_until(
                [&] {
                    auto from = "+62812345003" + std::to_string(10 + ++contacts);
                    return contains(reply(from, "halo"), tag);
                },
                std::chrono::seconds(5));
        };
        const std::string ani = "+6281234500301";
        CHECK(contains(reply(ani, "halo"), "Halo versi satu"));  // Ani is asked her name

        // A fixed script published with `sapa reload`: live without a restart.
        std::ofstream(hot_file) << hot_script("versi dua");
        auto published = sapa_cli({"reload", "--config", config});
        CHECK(published.code == 0);
        CHECK(contains(published.out, "Published script version 2"));
        CHECK(live_tag_becomes("Halo versi dua"));
        // Ani's conversation went on across the swap, on the new version's texts.
        CHECK(contains(reply(ani, "Ani"), "Terima kasih Ani versi dua"));

        // A broken script is refused with the checker's messages; replies do not change.
        std::ofstream(hot_file) << R"({"id": "hot", "version": 1, "languages": ["id"],
            "start": "tanya", "nodes": {"tanya": {"say": {"id": "x"}, "next": "nowhere"}}})";
        auto refused = sapa_cli({"reload", "--config", config});
        CHECK(refused.code == 1);
        CHECK(contains(refused.err, "nowhere"));
        CHECK(contains(refused.err, "Nothing was published"));
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past a poll
        CHECK(contains(reply("+6281234500302", "halo"), "Halo versi dua"));

        // SIGHUP re-reads the folder: broken, refused (logged); fixed, live.
        sapa.process->signal(SIGHUP);
        CHECK(wait_until(
            [&] { return contains(sapa.log_text(), "SIGHUP: the dialogs folder was refused"); }));
        CHECK(contains(reply("+6281234500303", "halo"), "Halo versi dua"));
        std::ofstream(hot_file) << hot_script("versi tiga");
        sapa.process->signal(SIGHUP);
        CHECK(wait_until(
            [&] { return contains(sapa.log_text(), "SIGHUP: script version 3 is live"); }));
        CHECK(contains(reply("+6281234500304", "halo"), "Halo versi tiga"));

        // A session waiting on a node the new version no longer has starts the script again.
        const std::string budi = "+6281234500305";
        CHECK(contains(reply(budi, "halo"), "Halo versi tiga"));
        std::ofstream(hot_file) << hot_script("versi empat", "tanya_lagi");
        REQUIRE(sapa_cli({"reload", "--config", config}).code == 0);
        CHECK(live_tag_becomes("Halo versi empat"));
        auto restarted = reply(budi, "Budi");
        CHECK(contains(restarted, "Halo versi empat. Siapa nama Anda?"));
        CHECK_FALSE(contains(restarted, "Terima kasih"));
        CHECK(contains(reply(budi, "Budi"), "Terima kasih Budi versi empat"));

        // The versions, newest first; a rollback publishes an old one again.
        auto listed = sapa_cli({"scripts", "list", "--config", config});
        CHECK(listed.code == 0);
        CHECK(contains(listed.out, "4  "));
        CHECK(contains(listed.out, "sapa serve  dialogs folder"));
        CHECK(contains(listed.out, "signal SIGHUP"));
        auto rolled = sapa_cli({"scripts", "rollback", "1", "--config", config});
        CHECK(rolled.code == 0);
        CHECK(contains(rolled.out, "Published script version 5"));
        CHECK(live_tag_becomes("Halo versi satu"));
        CHECK(sapa_cli({"scripts", "rollback", "99", "--config", config}).code == 1);

        // A restart with unchanged files keeps the rolled-back version live.
        CHECK(sapa.process->stop() == 0);
        sapa.start();
        CHECK(contains(reply("+6281234500306", "halo"), "Halo versi satu"));
        // Changed files are published at start.
        CHECK(sapa.process->stop() == 0);
        std::ofstream(hot_file) << hot_script("versi lima");
        sapa.start();
        CHECK(contains(reply("+6281234500307", "halo"), "Halo versi lima"));
    }
}
