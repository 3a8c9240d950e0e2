// The daily cap and the auto-responder check, through app::conversations on real stores with
// a controlled clock: Sapa stops replying, the message is kept, and staff find why in the
// requests export.

#include "app/conversations.hpp"
#include "storage/memory/memory_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/running_sapa.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <memory>

using namespace sapa;

namespace {

const app::channel sms{"sms", "t", storage::route::inline_reply};

std::vector<std::pair<std::string, std::function<std::unique_ptr<storage::store>()>>> stores() {
    return {{"memory", [] { return std::make_unique<storage::memory_store>(); }},
            {"sqlite :memory:", [] {
                 storage::sqlite_options o;
                 o.max_batch_wait = std::chrono::microseconds{0};
                 return storage::sqlite_store::open(":memory:", o);
             }}};
}

// Every message gets one reply, "ok" (one SMS part); STOP opts out.
engine::turn_result one_reply(const engine::contact_state& state,
                              const messaging::inbound_message& m,
                              engine::registrar&) {
    engine::turn_result r;
    r.state = state;
    if (m.text == "STOP") {
        r.state.opted_out = true;
        r.events.push_back({engine::event_kind::opted_out, "t/stop", {}, {}, {}});
    }
    r.replies.push_back({"ok", "ok", {}});
    return r;
}

struct fixture {
    std::unique_ptr<storage::store> store;
    std::unique_ptr<app::conversations> conversations;
    std::vector<std::string> stopped_log;
    int id = 0;

    fixture(const std::function<std::unique_ptr<storage::store>()>& open, app::reply_limits limits)
        : store(open()) {
        app::conversation_options options;
        options.channels = {sms};
        options.turn = one_reply;
        options.replies = limits;
        conversations = std::make_unique<app::conversations>(*store, nullptr, options);
        conversations->on_stopped = [this](const std::string& contact, const std::string& why) {
            stopped_log.push_back(contact + ": " + why);
        };
    }

    app::inbound_outcome say(const std::string& from,
                             const std::string& text,
                             messaging::unix_seconds at) {
        messaging::inbound_message m;
        m.from = from;
        m.text = text;
        m.received_at = at;
        m.gateway_message_id = "SM" + std::to_string(++id);
        return conversations->receive_now(m, sms);
    }

    std::vector<testing::row> requests() {
        testing::collected_rows rows;
        store->export_rows(storage::export_kind::requests, {}, rows);
        return rows.rows;
    }
};

// 2026-12-04 00:00 WIB is 2026-12-03 17:00 UTC.
constexpr messaging::unix_seconds wib_midnight = 1796342400 - 7 * 3600;

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("after the daily cap of SMS parts Sapa stops replying until the contact's midnight") {
        for (const auto& [name, open] : stores()) {
            CAPTURE(name);
            fixture f(open,
                      {.daily_segment_cap = 3,
                       .loop_within_seconds = 3,
                       .loop_times_in_a_row = 0,
                       .default_utc_offset_minutes = 420});
            const std::string ani = "+6281800000001";
            auto t = wib_midnight + 8 * 3600;  // 08:00 WIB
            for (int i = 0; i < 3; ++i)
                CHECK(f.say(ani, "pesan " + std::to_string(i), t + i * 600).replies.size() == 1);
            auto over = f.say(ani, "kenapa diam?", t + 3 * 600);
            CHECK(over.replies.empty());
            CHECK(over.stopped.find("daily_segment_cap 3") != std::string::npos);
            REQUIRE(f.stopped_log.size() == 1);
            CHECK(f.stopped_log[0].starts_with("+6281800000001: Sapa stopped replying"));
            // Staff see it as a request, with the resident's words.
            auto requests = f.requests();
            REQUIRE(requests.size() == 1);
            CHECK(requests[0]["request"] == "handoff");
            CHECK(requests[0]["node"] == "sapa/daily_cap");
            CHECK(requests[0]["words"].find("The resident wrote: kenapa diam?") !=
                  std::string::npos);
            // Still stopped late that evening; another contact is not.
            CHECK(f.say(ani, "halo", wib_midnight + 23 * 3600 + 59 * 60).replies.empty());
            CHECK(f.say("+6281800000002", "halo", t + 4 * 600).replies.size() == 1);
            // The next day in WIB it answers again.
            CHECK(f.say(ani, "pagi", wib_midnight + 24 * 3600 + 60).replies.size() == 1);
            // STOP while stopped still opts out (unanswered).
            const std::string budi = "+6281800000004";
            for (int i = 0; i < 3; ++i)
                f.say(budi, "x", t + i * 600);
            CHECK(f.say(budi, "STOP", t + 3 * 600).replies.empty());
            auto state = f.store->load_contact(budi);
            REQUIRE(state);
            CHECK(state->opted_out);
            CHECK_FALSE(f.store->load_contact(ani)->opted_out);
        }
    }

    TEST_CASE("a contact in WIT has its own midnight for the daily cap") {
        fixture f([] { return std::make_unique<storage::memory_store>(); },
                  {.daily_segment_cap = 1,
                   .loop_within_seconds = 3,
                   .loop_times_in_a_row = 0,
                   .default_utc_offset_minutes = 420});
        const std::string papua = "+6281800000003";
        f.store->run([&](storage::transaction& tx) {
            auto c = tx.add_contact(papua, wib_midnight);
            auto s = std::make_shared<engine::contact_state>(*c.state);
            s->fields["timezone"] = "Asia/Jayapura";
            tx.save_contact(c, s, wib_midnight);
        });
        // 23:00 WIB is 01:00 WIT the next day: the WIT day began at 22:00 WIB.
        CHECK(f.say(papua, "a", wib_midnight + 21 * 3600).replies.size() == 1);
        CHECK(f.say(papua, "b", wib_midnight + 21 * 3600 + 1800).replies.empty());
        CHECK(f.say(papua, "c", wib_midnight + 23 * 3600).replies.size() == 1);
    }

    TEST_CASE(
        "an auto-responder answering every reply within seconds is stopped, a person is not") {
        for (const auto& [name, open] : stores()) {
            CAPTURE(name);
            fixture f(open,
                      {.daily_segment_cap = 0,
                       .loop_within_seconds = 3,
                       .loop_times_in_a_row = 4,
                       .default_utc_offset_minutes = 420});
            const std::string bot = "+6281800000009", person = "+6281800000010";
            auto t = wib_midnight + 10 * 3600;
            // Each message comes 2 s after Sapa's reply: the 4th in a row that does is the
            // 5th message, and it is not answered.
            for (int i = 0; i < 4; ++i)
                CHECK(f.say(bot, "Terima kasih, pesan Anda sudah kami terima", t + 2 * i)
                          .replies.size() == 1);
            auto fifth = f.say(bot, "Terima kasih, pesan Anda sudah kami terima", t + 8);
            CHECK(fifth.replies.empty());
            CHECK(fifth.stopped.find("automatic reply") != std::string::npos);
            auto requests = f.requests();
            REQUIRE(requests.size() == 1);
            CHECK(requests[0]["node"] == "sapa/auto_responder");
            // The loop is broken; the number writing again later is answered.
            CHECK(f.say(bot, "halo", t + 600).replies.size() == 1);
            // A person who takes longer than 3 s each time is never stopped.
            for (int i = 0; i < 8; ++i)
                CHECK(f.say(person, "jawab", t + 10 * i).replies.size() == 1);
        }
    }
}
