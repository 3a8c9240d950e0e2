// Schema versions: created on first start, an older schema upgraded in place, a newer one
// refused with a clear message.

#include "storage/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace sapa;
using namespace sapa::storage;
using namespace sapa::storage::testing;

namespace {

int pragma(const std::string& path, const char* sql) {
    SQLite::Database db(path);
    return db.execAndGet(sql).getInt();
}

std::string read_fixture(const char* name) {
    std::ifstream in(std::string(SAPA_SOURCE_DIR) + "/tests/storage/fixtures/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_SUITE("storage") {
    TEST_CASE("a new database gets the current schema, WAL and the Sapa application id") {
        temp_dir dir;
        auto path = dir.file("fresh.db");
        sqlite_store::open(path).reset();
        CHECK(pragma(path, "PRAGMA user_version") == sqlite_store::schema_version());
        CHECK(pragma(path, "PRAGMA application_id") == 0x53415041);
        SQLite::Database db(path);
        CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
        CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
        // Opening again changes nothing.
        sqlite_store::open(path).reset();
        CHECK(pragma(path, "PRAGMA user_version") == sqlite_store::schema_version());
    }

    TEST_CASE("residents' requests are found through their own index, not every event") {
        temp_dir dir;
        auto path = dir.file("requests.db");
        sqlite_store::open(path).reset();
        SQLite::Database db(path);
        // The condition of the requests export (sqlite_export.cpp), as it is written there.
        SQLite::Statement plan(db,
                               "EXPLAIN QUERY PLAN SELECT e.id FROM events e "
                               "WHERE e.kind IN ('handoff_requested', 'erase_requested') "
                               "ORDER BY e.id");
        std::string steps;
        while (plan.executeStep())
            steps += plan.getColumn(3).getString() + "\n";
        CHECK(steps.find("events_requests") != std::string::npos);
    }

    TEST_CASE("a version 1 database is upgraded in place and its data kept") {
        temp_dir dir;
        auto path = dir.file("v1.db");
        {
            SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
            db.exec(read_fixture("schema_v1.sql"));
        }
        REQUIRE(pragma(path, "PRAGMA user_version") == 1);
        {
            auto st = sqlite_store::open(path, fast_options());
            auto budi = st->load_contact("081234567890");
            REQUIRE(budi);
            CHECK(budi->fields["nama"] == "Budi");
            CHECK(budi->session.variables["log"] == "halo");
            // The old message is still deduplicated; new ones go through.
            auto retry = process(
                *st, sms("081234567890", "halo", 1700000200, "SMv1"), echo("halo", 1700000200));
            CHECK(retry.duplicate);
            REQUIRE(retry.replies.size() == 1);
            CHECK(retry.replies[0].message.text == "Siapa nama Anda?");
            process(*st,
                    sms("081234567890", "Budi", 1700000300, "SMv1b", true),
                    echo("Budi", 1700000300));
            CHECK(st->load_contact("081234567890")->session.variables["turns"] == "2");
            CHECK(st->claim_outbound("sms", 1700000301, 5).size() == 1);  // v3 table works
            // v4 counts codes per course from the registrations already issued.
            auto next = process(*st,
                                sms("081299990000", "DAFTAR JHT 10", 1700000400, "SMv4"),
                                echo("DAFTAR JHT 10", 1700000400));
            REQUIRE(next.replies.size() == 1);
            CHECK(next.replies[0].message.text == "JHT-0002 registered");
        }
        CHECK(pragma(path, "PRAGMA user_version") == sqlite_store::schema_version());
        SQLite::Database db(path);
        CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
        CHECK(db.execAndGet("SELECT count(*) FROM registrations").getInt() == 2);
        // v11: the rebuilt registrations table keeps ids, indexes and its foreign key, and takes
        // the statuses confirmed and attended; anything else is still refused.
        CHECK(db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check('registrations')")
                  .getInt() == 0);
        CHECK(db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name "
                            "IN ('registrations_course', 'registrations_contact')")
                  .getInt() == 2);
        SQLite::Database rw(path, SQLite::OPEN_READWRITE);
        CHECK(rw.exec("UPDATE registrations SET status = 'attended' WHERE id = 1") == 1);
        CHECK(rw.exec("UPDATE registrations SET status = 'confirmed' WHERE id = 1") == 1);
        CHECK_THROWS(rw.exec("UPDATE registrations SET status = 'hadir' WHERE id = 1"));
    }

    TEST_CASE("a newer schema is refused with a clear message, and left untouched") {
        temp_dir dir;
        auto path = dir.file("newer.db");
        sqlite_store::open(path).reset();
        const int newer = sqlite_store::schema_version() + 1;  // a later release's
        {
            SQLite::Database db(path, SQLite::OPEN_READWRITE);
            db.exec("PRAGMA user_version = " + std::to_string(newer));
        }
        std::string message;
        try {
            sqlite_store::open(path);
        } catch (const std::runtime_error& e) {
            message = e.what();
        }
        CHECK(message == "database schema version " + std::to_string(newer) +
                             " is newer than this sapa (" +
                             std::to_string(sqlite_store::schema_version()) + "); upgrade sapa");
        CHECK(pragma(path, "PRAGMA user_version") == newer);
    }

    TEST_CASE("a database that is not Sapa's is refused") {
        temp_dir dir;
        auto path = dir.file("other.db");
        {
            SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
            db.exec("CREATE TABLE t (x)");
        }
        CHECK_THROWS_WITH_AS(sqlite_store::open(path),
                             doctest::Contains("no Sapa schema version"),
                             std::runtime_error);
        {
            SQLite::Database db(path, SQLite::OPEN_READWRITE);
            db.exec("PRAGMA user_version = 2");
        }
        CHECK_THROWS_WITH_AS(
            sqlite_store::open(path), doctest::Contains("not a Sapa database"), std::runtime_error);
    }
}
