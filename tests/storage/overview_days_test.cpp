// The SQLite store keeps the overview's days that are over (rollup_days, funnel_days,
// delivery_days) and reads them back; a write that changes a kept day drops it, and only it.
// The contract case "the overview's kept days equal a fresh count..." proves the figures;
// this one proves the kept rows are what is read.

#include "storage/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

using namespace sapa;
using namespace sapa::storage;
using namespace sapa::storage::testing;

namespace {

// A turn entering `node` with one reply, setting the kecamatan.
turn_function enter(std::string node, unix_seconds now) {
    return [=](const engine::contact_state& state, engine::registrar&) {
        engine::turn_result r;
        r.state = state;
        r.state.session.last_active = now;
        r.state.fields["kecamatan"] = "Tempursari";
        r.events.push_back({.kind = engine::event_kind::node_entered,
                            .node = node,
                            .detail = {},
                            .matched = {},
                            .data = {}});
        r.replies.push_back({.text = "ok", .body = {}, .options = {}});
        return r;
    };
}

std::int64_t count(SQLite::Database& db, const char* sql) {
    return db.execAndGet(sql).getInt64();
}

}  // namespace

TEST_SUITE("storage") {
    TEST_CASE(
        "sqlite keeps the overview's days that are over and drops only the day a write "
        "changes") {
        temp_dir dir;
        const auto path = dir.file("overview.db");
        auto st = sqlite_store::open(path, fast_options());
        const unix_seconds midnight = 1767200400;  // 2026-01-01 00:00 WIB (UTC+7)
        process(
            *st, sms("081900000001", "a", midnight + 60, "o1"), enter("t/ilegal_1", midnight + 60));
        process(*st,
                sms("081900000002", "b", midnight + 86400 + 60, "o2"),
                enter("t/daftar", midnight + 86400 + 60));
        const funnel_query q{.since = midnight,
                             .utc_offset_minutes = 420,
                             .warning_node = "/ilegal_",
                             .signup_node = "/daftar",
                             .limit = 10};
        auto rows = st->funnel(q);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].reached == 1);
        CHECK(rows[1].reached == 1);

        SQLite::Database db(path, SQLite::OPEN_READWRITE);
        CHECK(count(db, "SELECT count(*) FROM rollup_days WHERE filled = 1") == 2);
        CHECK(count(db, "SELECT count(*) FROM funnel_days") == 2);
        CHECK(count(db, "SELECT sum(n) FROM delivery_days WHERE kind = 'status'") == 2);
        // Read back: a kept count changed behind the store's back is what the store answers.
        db.exec("UPDATE funnel_days SET reached = 7");
        db.exec("UPDATE delivery_days SET n = 5 WHERE kind = 'status'");
        rows = st->funnel(q);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].reached == 7);
        CHECK(rows[1].reached == 7);
        auto health = st->delivery(q.since);
        REQUIRE(health.size() == 1);
        CHECK(health[0].sent == 10);

        // A turn of today (after every kept day) drops nothing.
        const auto today = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
        process(*st, sms("081900000003", "c", today, "o3"), enter("t/x", today));
        CHECK(count(db, "SELECT count(*) FROM rollup_days WHERE filled = 1") == 2);
        // A late turn dated on the first day drops that day (and its rows), not the second.
        process(*st,
                sms("081900000004", "d", midnight + 120, "o4"),
                enter("t/ilegal_2", midnight + 120));
        CHECK(count(db, "SELECT count(*) FROM rollup_days") == 1);
        CHECK(count(db, "SELECT count(*) FROM funnel_days WHERE start = 1767200400") == 0);
        auto day = [&](const std::string& name) {
            for (const auto& r : st->funnel(q))
                if (r.day == name) return r;
            FAIL("no row for " << name);
            return funnel_row{};
        };
        CHECK(day("2026-01-02").reached == 7);  // still the kept (changed) row
        CHECK(day("2026-01-01").reached == 2);  // counted again: both residents
        CHECK(day("2026-01-01").warned == 2);
        const char* first_days =
            "SELECT count(*) FROM rollup_days WHERE filled = 1 AND start < 1767200400 + 2 * 86400";
        CHECK(count(db, first_days) == 2);  // counted again and kept
        // Another status for a kept day's message drops the day; a read receipt after
        // "delivered" counts the same and keeps it.
        db.exec("UPDATE messages SET status = 'delivered' WHERE direction = 'out'");
        CHECK(count(db, first_days) == 0);
        CHECK(st->delivery(q.since)[0].delivered == 4);
        CHECK(day("2026-01-01").reached == 2);
        CHECK(count(db, first_days) == 2);
        db.exec("UPDATE messages SET status = 'read' WHERE direction = 'out'");
        CHECK(count(db, first_days) == 2);
        CHECK(st->delivery(q.since)[0].delivered == 4);
    }
}
