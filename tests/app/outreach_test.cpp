// Sapa speaking first (app::conversations): waitlist promotion when a seat is cancelled (in the
// dialog or by staff) and start(), on every store, with the real engine.

#include "app/broadcasts.hpp"
#include "app/conversations.hpp"
#include "app/reminders.hpp"
#include "dialog/loader.hpp"
#include "storage/memory/memory_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/course_script.hpp"

#include <boost/system/system_error.hpp>
#include <doctest/doctest.h>

#include <functional>
#include <memory>

using namespace sapa;

namespace {

std::shared_ptr<const dialog::catalog> course_catalog() {
    auto loaded = dialog::load_script(sapa::testing::course_script, "k.json");
    REQUIRE(loaded.problems.empty());
    REQUIRE(loaded.script);
    return std::make_shared<const dialog::catalog>(std::vector<dialog::script>{*loaded.script});
}

const app::channel sms{"sms", "k", storage::route::inline_reply};
const app::channel wa{"wa", "k", storage::route::api};

struct store_under_test {
    std::string name;
    std::function<std::unique_ptr<storage::store>()> open;
};

std::vector<store_under_test> stores() {
    return {{"memory", [] { return std::make_unique<storage::memory_store>(); }},
            {"sqlite :memory:", [] {
                 storage::sqlite_options o;
                 o.max_batch_wait = std::chrono::microseconds{0};
                 return storage::sqlite_store::open(":memory:", o);
             }}};
}

// The use case over one store with the course script and both channels.
struct outreach_fixture {
    std::unique_ptr<storage::store> store;
    std::unique_ptr<app::conversations> conversations;
    std::vector<app::promotion_notice> logged;
    std::vector<std::string> woken;
    messaging::unix_seconds now = 1'700'000'000;
    int id = 0;

    explicit outreach_fixture(const store_under_test& s) : store(s.open()) {
        app::conversation_options options;
        options.channels = {sms, wa};
        auto scripts = course_catalog();
        conversations = std::make_unique<app::conversations>(
            *store, [scripts] { return scripts; }, options);
        conversations->on_promoted = [this](const app::promotion_notice& p) {
            logged.push_back(p);
        };
        conversations->on_queued = [this](const std::string& c) { woken.push_back(c); };
    }

    app::inbound_outcome say(const std::string& from,
                             const std::string& text,
                             const app::channel& on) {
        messaging::inbound_message m;
        m.from = from;
        m.text = text;
        m.gateway_message_id = "in-" + std::to_string(++id);
        m.received_at = ++now;
        return conversations->receive_now(m, on);
    }

    std::string first_reply(const std::string& from,
                            const std::string& text,
                            const app::channel& on) {
        auto out = say(from, text, on);
        REQUIRE(!out.replies.empty());
        return out.replies.front().message.text;
    }

    engine::registration_record find(const std::string& contact) {
        engine::registration_record r;
        store->run([&](storage::transaction& tx) {
            engine::registrar registrar(tx.registrations());
            r = registrar.find(contact, "K");
        });
        return r;
    }

    // Sends every queued message of `channel` (as a sender would, a contact's in order) and
    // returns them as "contact: text".
    std::vector<std::string> queued(const std::string& channel) {
        std::vector<std::string> out;
        for (;;) {
            auto jobs = store->claim_outbound(channel, now + 1, 100);
            if (jobs.empty()) return out;
            for (const auto& job : jobs) {
                out.push_back(job.contact + ": " + job.message.text);
                store->complete_outbound(job.id, "P" + std::to_string(job.id), now + 1);
            }
        }
    }
};

const std::string ani = "+6281200000001";
const std::string budi = "+6281200000002";
const std::string citra = "+6281200000003";

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("a course date reads as DD-MM-YYYY or YYYY-MM-DD and nothing else") {
        CHECK(app::parse_course_date("03-08-2026")->first == "2026-08-03");
        CHECK(app::parse_course_date("2026-08-03")->second == 20668);
        CHECK(app::parse_course_date("03-08-2026")->second == 20668);
        CHECK(!app::parse_course_date("31-02-2026"));
        CHECK(!app::parse_course_date("3-28 Agustus"));
        CHECK(!app::parse_course_date("2026/08/03"));
    }

    TEST_CASE("a reminder fires on its day once, not before, not again after a restart") {
        for (const auto& s : stores()) {
            CAPTURE(s.name);
            outreach_fixture f(s);
            f.say("081200000001", "DAFTAR", wa);  // the one seat
            f.say("081200000002", "DAFTAR", wa);  // waitlisted: no reminder
            (void)f.queued("wa");
            app::conversation_options options;
            options.channels = {sms, wa};
            auto scripts = course_catalog();
            app::broadcasts broadcasts(
                *f.store, [scripts] { return scripts; }, options);
            // 3 days before 03-08-2026 at 08:00 WIB: 2026-07-31 01:00 UTC.
            const messaging::unix_seconds due = 1785459600;
            std::vector<app::reminder> list = {
                {"h3", "wa", "K", "mulai", 3, 8 * 60, {{}, "hadir", {}}},
                {"h10", "wa", "K", "mulai", 10, 8 * 60, {{"Kursus mulai 10 hari lagi"}, {}, {}}},
                {"unset", "wa", "K", "kapasitas", 1, 8 * 60, {{"x"}, {}, {}}}};
            auto remind = [&] {
                return std::make_unique<app::reminders>(
                    broadcasts,
                    *f.store,
                    [scripts] { return scripts; },
                    options.channels,
                    list,
                    7 * 60);
            };
            auto reminders = remind();
            auto plan = reminders->plan();
            REQUIRE(plan.size() == 3);
            CHECK(plan[0].fires_at == due);
            CHECK(plan[0].date == "2026-08-03");
            CHECK(!plan[0].broadcast);
            CHECK(plan[1].fires_at == due - 7 * 86400);
            CHECK(!plan[2].fires_at);
            CHECK(plan[2].problem ==
                  "settings.kapasitas \"1\" is not a date (DD-MM-YYYY or YYYY-MM-DD)");
            CHECK(reminders->problems().size() == 1);

            CHECK(reminders->fire_due(due - 60) == 0);  // not before; h10 is over a day late
            CHECK(broadcasts.list().empty());
            CHECK(reminders->fire_due(due) == 1);
            CHECK(reminders->fire_due(due + 60) == 0);
            reminders = remind();  // a restart, late but within the day
            CHECK(reminders->fire_due(due + 3600) == 0);
            auto fired = broadcasts.list();
            REQUIRE(fired.size() == 1);
            CHECK(fired[0].segment == "course=K,status=registered");
            CHECK(reminders->plan()[0].broadcast == fired[0].id);
            CHECK(!reminders->plan()[1].broadcast);

            auto unlimited = [](const std::string&) -> std::int64_t { return 100; };
            f.now = due + 3600;
            CHECK(broadcasts.expand(f.now, unlimited) == 1);
            CHECK(f.queued("wa") ==
                  std::vector<std::string>{ani + ": Kelas besok. 1 hadir / 2 batal"});
            CHECK(f.first_reply("081200000001", "1", wa) == "Terima kasih, sampai besok.");
        }
    }

    TEST_CASE("a reminder whose day passed while the server was down fires once within a day") {
        for (const auto& s : stores()) {
            CAPTURE(s.name);
            outreach_fixture f(s);
            f.say("081200000001", "DAFTAR", wa);
            app::conversation_options options;
            options.channels = {sms, wa};
            auto scripts = course_catalog();
            app::broadcasts broadcasts(
                *f.store, [scripts] { return scripts; }, options);
            const messaging::unix_seconds due = 1785459600;
            app::reminders reminders(
                broadcasts,
                *f.store,
                [scripts] { return scripts; },
                options.channels,
                {{"h3", "wa", "K", "mulai", 3, 8 * 60, {{"Besok"}, {}, {}}}},
                7 * 60);
            CHECK(reminders.fire_due(due + 86400) == 0);  // a day late: missed
            CHECK(reminders.fire_due(due + 86399) == 1);
            CHECK(reminders.fire_due(due + 86399) == 0);
        }
    }

    TEST_CASE("a cancelled seat goes to the first of the waitlist, who is told in its language") {
        for (const auto& s : stores()) {
            CAPTURE(s.name);
            outreach_fixture f(s);
            CHECK(f.first_reply("081200000001", "DAFTAR", sms) == "Terdaftar K-0001");
            CHECK(f.first_reply("081200000002", "INGGRIS", wa) == "English now");
            CHECK(f.first_reply("081200000002", "DAFTAR", wa) == "Waitlist number 1");
            CHECK(f.first_reply("081200000003", "DAFTAR", sms) == "Daftar tunggu nomor 2");
            (void)f.queued("wa");  // the replies to Budi, sent
            f.woken.clear();

            auto cancel = f.say("081200000001", "BATAL", sms);
            REQUIRE(!cancel.replies.empty());
            CHECK(cancel.replies.front().message.text == "Batal K-0001");
            REQUIRE(cancel.promotions.size() == 1);
            const auto& p = cancel.promotions.front();
            CHECK(p.promoted.contact == budi);
            CHECK(p.promoted.record.code == "K-0002");
            CHECK(p.promoted.record.status == engine::registration_status::registered);
            CHECK(p.promoted.record.position == 1);
            CHECK(p.channel == "wa");  // where Budi last wrote, not the canceller's channel
            CHECK(p.message_id != 0);
            // Told in English, through the queue of the channel Budi uses.
            auto sent = f.queued("wa");
            REQUIRE(sent.size() == 1);
            CHECK(sent[0] == budi +
                                 ": Good news: a seat is free. Sign-up K-0002 is now registered "
                                 "(seat 1). Check: type STATUS.");
            CHECK(f.woken == std::vector<std::string>{"wa"});
            REQUIRE(f.logged.size() == 1);
            CHECK(f.logged[0].promoted.contact == budi);
            // Everyone behind moves up one place.
            CHECK(f.find(budi).status == engine::registration_status::registered);
            CHECK(f.find(citra).position == 1);
            CHECK(f.find(citra).status == engine::registration_status::waitlisted);
            CHECK(f.find(ani).status == engine::registration_status::cancelled);

            // Cancelling a waitlisted place frees no seat: nobody is promoted.
            CHECK(f.say("081200000003", "BATAL", sms).promotions.empty());
        }
    }

    TEST_CASE("staff cancel a registration by code and the waitlist moves up") {
        for (const auto& s : stores()) {
            CAPTURE(s.name);
            outreach_fixture f(s);
            f.say("081200000001", "DAFTAR", sms);
            f.say("081200000002", "DAFTAR", sms);
            f.say("081200000003", "DAFTAR", sms);
            auto out = f.conversations->cancel_registration("K", "K-0001", ++f.now);
            CHECK(out.found);
            CHECK(out.cancelled.contact == ani);
            CHECK(out.cancelled.record.status == engine::registration_status::cancelled);
            REQUIRE(out.promotions.size() == 1);
            CHECK(out.promotions[0].promoted.contact == budi);
            CHECK(out.promotions[0].channel == "sms");
            // An SMS contact is told by API (Twilio's Messages API), not inline: nobody asked.
            auto queued = f.queued("sms");
            REQUIRE(queued.size() == 1);
            CHECK(queued[0] ==
                  budi +
                      ": Kabar baik: ada tempat kosong. Pendaftaran K-0002 sekarang terdaftar "
                      "(kursi nomor 1). Cek: ketik STATUS.");
            CHECK(f.find(citra).position == 1);

            // The same code again: found, already cancelled, nobody else promoted.
            auto again = f.conversations->cancel_registration("K", "K-0001", ++f.now);
            CHECK(again.found);
            CHECK(again.promotions.empty());
            CHECK(f.find(citra).status == engine::registration_status::waitlisted);
            CHECK_FALSE(f.conversations->cancel_registration("K", "K-0099", ++f.now).found);
            CHECK_FALSE(f.conversations->cancel_registration("L", "K-0002", ++f.now).found);
        }
    }

    TEST_CASE("a promoted contact who opted out keeps the seat but is not written to") {
        for (const auto& s : stores()) {
            CAPTURE(s.name);
            outreach_fixture f(s);
            f.say("081200000001", "DAFTAR", sms);
            f.say("081200000002", "DAFTAR", sms);
            f.say("081200000002", "STOP", sms);
            auto out = f.conversations->cancel_registration("K", "K-0001", ++f.now);
            REQUIRE(out.promotions.size() == 1);
            CHECK(out.promotions[0].channel.empty());
            CHECK(out.promotions[0].message_id == 0);
            CHECK(f.queued("sms").empty());
            CHECK(f.find(budi).status == engine::registration_status::registered);
        }
    }

    TEST_CASE("Sapa starts a dialog node for a contact and the answer continues it") {
        for (const auto& s : stores()) {
            CAPTURE(s.name);
            outreach_fixture f(s);
            auto started = f.conversations->start_now(
                "0812-0000-0009", wa, {{"Pengingat kursus."}, "hadir", {}}, ++f.now);
            CHECK(started.contact == "+6281200000009");
            REQUIRE(started.messages.size() == 2);
            CHECK(started.messages[0].message.text == "Pengingat kursus.");
            CHECK(started.messages[1].message.text == "Kelas besok. 1 hadir / 2 batal");
            CHECK(f.woken == std::vector<std::string>{"wa"});
            CHECK(f.queued("wa").size() == 2);
            // The resident's "1" answers the node Sapa started.
            CHECK(f.first_reply("081200000009", "1", wa) == "Terima kasih, sampai besok.");

            // Plain texts without a node leave the session alone.
            auto text_only =
                f.conversations->start_now(ani, sms, {{"Info: kelas dibuka."}, {}, {}}, ++f.now);
            REQUIRE(text_only.messages.size() == 1);

            // Bad requests write nothing.
            auto refused = [&](const std::string& who, app::opening what) {
                try {
                    f.conversations->start_now(who, wa, std::move(what), ++f.now);
                } catch (const boost::system::system_error& e) {
                    return e.code();
                }
                return boost::system::error_code();
            };
            CHECK(refused(citra, {{}, "tidak_ada", {}}) == app::errc::unknown_node);
            CHECK(refused("", {{"x"}, {}, {}}) == app::errc::invalid_address);
            f.say("081200000003", "STOP", sms);
            CHECK(refused(citra, {{"x"}, {}, {}}) == app::errc::opted_out);
            CHECK(f.store->load_contact(citra)->opted_out);
        }
    }

    TEST_CASE("a broadcast is stored, then queued once per recipient when due, a dry run nothing") {
        for (const auto& s : stores()) {
            CAPTURE(s.name);
            outreach_fixture f(s);
            f.say("081200000001", "DAFTAR", sms);
            f.say("081200000002", "INGGRIS", wa);
            f.say("081200000002", "DAFTAR", wa);
            f.say("081200000003", "DAFTAR", sms);
            f.say("081200000003", "STOP", sms);
            (void)f.queued("wa");
            app::conversation_options options;
            options.channels = {sms, wa};
            auto scripts = course_catalog();
            app::broadcasts broadcasts(
                *f.store, [scripts] { return scripts; }, options);
            std::vector<std::string> woken;
            broadcasts.on_queued = [&](const std::string& c) { woken.push_back(c); };
            app::broadcast_request r{&wa, "course=K", {}, {{}, "hadir", {}}, f.now + 100, 0};
            r.who.course = "K";
            auto plan = broadcasts.estimate(r, ++f.now);
            CHECK(plan.recipients == 2);  // Citra opted out
            CHECK(plan.messages == 2);
            CHECK(plan.segments == 2);
            CHECK(f.queued("wa").empty());
            auto [id, recipients] = broadcasts.create(r, ++f.now, 1);  // pages of one contact
            CHECK(recipients == 2);
            auto unlimited = [](const std::string&) -> std::int64_t { return 100; };
            CHECK(broadcasts.expand(f.now, unlimited) == 0);  // not before its start
            CHECK(f.queued("wa").empty());
            CHECK(broadcasts.show(id)->counts.waiting == 2);
            f.now += 100;
            CHECK(broadcasts.expand(f.now, [](const std::string&) -> std::int64_t { return 1; }) ==
                  1);  // the channel's room
            CHECK(broadcasts.expand(f.now, unlimited) == 1);
            CHECK(broadcasts.expand(f.now, unlimited) == 0);  // each recipient once
            CHECK(woken == std::vector<std::string>{"wa", "wa"});
            CHECK(f.queued("wa") ==
                  std::vector<std::string>{ani + ": Kelas besok. 1 hadir / 2 batal",
                                           budi + ": Class tomorrow. 1 attend / 2 cancel"});
            auto shown = broadcasts.show(id);
            REQUIRE(shown);
            CHECK(shown->broadcast.status == storage::broadcast_status::done);
            CHECK(shown->counts.sent == 2);
            CHECK(shown->broadcast.spent == 2);
            CHECK(shown->broadcast.segment == "course=K");
            CHECK(f.first_reply("081200000002", "1", wa) == "Thank you, see you tomorrow.");
            r.what.node = "nope";
            CHECK_THROWS_AS(broadcasts.create(r, ++f.now), boost::system::system_error);
            CHECK(broadcasts.list().size() == 1);
        }
    }

    TEST_CASE("a broadcast stops when its budget is spent and staff can cancel one") {
        for (const auto& s : stores()) {
            CAPTURE(s.name);
            outreach_fixture f(s);
            for (auto n : {"081200000001", "081200000002", "081200000004", "081200000005"})
                f.say(n, "DAFTAR", wa);
            (void)f.queued("wa");
            app::conversation_options options;
            options.channels = {sms, wa};
            auto scripts = course_catalog();
            app::broadcasts broadcasts(
                *f.store, [scripts] { return scripts; }, options);
            auto unlimited = [](const std::string&) -> std::int64_t { return 100; };
            // Two messages (two segments) per recipient, a budget of five: two recipients.
            app::broadcast_request r{&wa, "all", {}, {{"Halo", "Apa kabar"}, {}, {}}, f.now, 5};
            auto [id, recipients] = broadcasts.create(r, ++f.now);
            CHECK(recipients == 4);
            CHECK(broadcasts.expand(f.now, unlimited) == 2);
            auto shown = broadcasts.show(id);
            CHECK(shown->broadcast.status == storage::broadcast_status::over_budget);
            CHECK(shown->broadcast.reason == "the budget of 5 SMS segments is spent");
            CHECK(shown->broadcast.spent == 4);
            CHECK(shown->counts.queued == 2);
            CHECK(shown->counts.skipped == 2);
            CHECK(f.queued("wa").size() == 4);

            // Cancelled with one recipient queued (not sent) and the rest waiting.
            app::broadcast_request later{&wa, "all", {}, {{"Besok libur"}, {}, {}}, f.now, 0};
            auto [second, n] = broadcasts.create(later, ++f.now);
            CHECK(n == 4);
            CHECK(broadcasts.expand(f.now, [](const std::string&) -> std::int64_t { return 1; }) ==
                  1);
            auto cancelled = broadcasts.cancel(second, ++f.now);
            REQUIRE(cancelled);
            CHECK(cancelled->broadcast.status == storage::broadcast_status::cancelled);
            CHECK(cancelled->counts.failed == 1);
            CHECK(cancelled->counts.skipped == 3);
            CHECK(f.queued("wa").empty());
            CHECK(broadcasts.expand(f.now, unlimited) == 0);
            CHECK(!broadcasts.cancel(second + 1, f.now));
        }
    }
}
