// Photos, voice notes, stickers (issue 16 item 6): the engine's own default answer, for a
// script that has no `media` message of its own, in the contact's language, with the pending
// question's hint, and nothing for a resident who stopped.
#include "dialog/catalog.hpp"
#include "engine/engine.hpp"
#include "sms/gsm7.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using namespace sapa;

struct media_conversation {
    dialog::catalog_load_result loaded = dialog::load_catalog(
        {SAPA_SOURCE_DIR "/dialogs/example.json", SAPA_SOURCE_DIR "/dialogs/example_info.json"});
    engine::memory_ledger ledger;
    engine::registrar registrations{ledger};
    engine::contact_state state;
    messaging::unix_seconds now = 1767600000;

    media_conversation() {
        REQUIRE(loaded.scripts);
        state.address = "+6281234567890";
    }

    engine::turn_result send(const std::string& text, std::vector<std::string> kinds = {}) {
        messaging::inbound_message m;
        m.text = text;
        m.received_at = now++;
        for (auto& kind : kinds)
            m.attachments.push_back({kind, {}, "id-" + kind, {}});
        auto turn = engine::handle_message(*loaded.scripts, "example", state, m, registrations);
        state = turn.state;
        return turn;
    }
};

std::vector<std::string> texts(const engine::turn_result& t) {
    std::vector<std::string> out;
    for (const auto& r : t.replies)
        out.push_back(r.text);
    return out;
}

const std::string id_default =
    "Maaf, kami hanya bisa membaca pesan teks, bukan foto, suara, video, stiker atau lokasi. "
    "Silakan balas dengan tulisan.";
const std::string en_default =
    "Sorry, we can only read text, not photos, voice notes, videos, stickers or locations. "
    "Please reply in writing.";

}  // namespace

TEST_CASE("media: the built-in answer fits one SMS in GSM-7 in both languages") {
    for (const auto& text : {id_default, en_default}) {
        CAPTURE(text);
        const auto cost = sms::measure(text);
        CHECK(cost.segments == 1);
        CHECK(cost.encoding == sms::encoding::gsm7);
    }
}

TEST_CASE("media: answered with the built-in text and the hint, the question stays pending") {
    media_conversation c;
    auto first = c.send("", {"image"});
    CHECK(texts(first) == std::vector<std::string>{id_default});  // nothing starts
    CHECK(c.state.session.status == engine::session_status::idle);
    REQUIRE(first.events.size() == 1);
    CHECK(engine::describe(first.events[0]) == "media_received example: image");

    c.send("halo");
    const auto at = c.state.session.stack.back().node_id;
    auto at_menu = c.send("", {"sticker", "audio"});
    CHECK(texts(at_menu) == std::vector<std::string>{id_default + "\nBalas dengan angka 1-3."});
    CHECK(engine::describe(at_menu.events.at(0)) == "media_received example/menu: sticker, audio");
    CHECK(c.state.session.stack.back().node_id == at);
    CHECK(c.state.session.status == engine::session_status::waiting);
    CHECK(c.state.session.retries == 0);
    // The answer typed next is taken as usual.
    auto answered = c.send("1");
    CHECK(engine::describe(answered.events.at(0)).starts_with("answer_accepted example/menu: "));

    SUBCASE("in English for an English contact") {
        c.state.language = "en";
        auto english = c.send("", {"video"});
        REQUIRE(english.replies.size() == 1);
        CHECK(english.replies[0].text.starts_with(en_default + "\n"));
    }
    SUBCASE("a caption is the answer, the photo is recorded") {
        c.send("menu");
        auto captioned = c.send("1", {"image"});
        CHECK(engine::describe(captioned.events.at(0)) == "media_received example/menu: image");
        CHECK(engine::describe(captioned.events.at(1)).starts_with("answer_accepted"));
    }
    SUBCASE("nothing for a resident who stopped, and no opt-in") {
        c.send("STOP");
        auto stopped = c.send("", {"image"});
        CHECK(stopped.replies.empty());
        CHECK(c.state.opted_out);
    }
}
