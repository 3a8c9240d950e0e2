// `sapa export` and `sapa forget`, run in-process against a small database.

#include "../storage/store_test_support.hpp"
#include "cli/commands.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace sapa;
using namespace sapa::storage::testing;

namespace {

struct captured {
    int code;
    std::string out, err;
};

captured sapa_cli(cli::arguments args, const std::string& input = "", bool terminal = false) {
    std::istringstream in(input);
    std::ostringstream out, err;
    int code = cli::run(args, {in, out, err, terminal});
    return {code, out.str(), err.str()};
}

// Two residents, one registered for JHT.
std::string make_database(const temp_dir& dir) {
    auto path = dir.file("cli.db");
    auto st = storage::sqlite_store::open(path, fast_options());
    process(*st,
            sms("081234567890", "DAFTAR JHT 5", 1714521600, "a"),
            echo("DAFTAR JHT 5", 1714521600));
    process(*st,
            sms("085700000001", "halo, apa kabar?", 1714608000, "b"),
            echo("halo, apa kabar?", 1714608000));
    return path;
}

}  // namespace

TEST_SUITE("storage") {
    TEST_CASE("sapa export writes spreadsheet CSV, JSON, and applies filters") {
        temp_dir dir;
        auto db = make_database(dir);
        auto r = sapa_cli({"export", "registrations", "--db", db});
        CHECK(r.code == 0);
        CHECK(r.out ==
              "\xEF\xBB\xBF"
              "code,course,status,contact,registered_at,updated_at,nama,nik\r\n"
              "JHT-0001,JHT,registered,'+6281234567890,2024-05-01 07:00:00,2024-05-01 "
              "07:00:00,Siti,'3508011234567890\r\n");

        r = sapa_cli({"export",
                      "conversations",
                      "--db",
                      db,
                      "--format",
                      "json",
                      "--utc-offset",
                      "Z",
                      "--contact",
                      "0857-0000-0001"});
        CHECK(r.code == 0);
        CHECK(r.out.find(R"("time":"2024-05-02T00:00:00Z","contact":"+6285700000001")") !=
              std::string::npos);
        CHECK(r.out.find(R"("text":"echo: halo, apa kabar?")") != std::string::npos);
        CHECK(r.out.find("+6281234567890") == std::string::npos);

        r = sapa_cli({"export",
                      "contacts",
                      "--db",
                      db,
                      "--plain",
                      "--separator",
                      ";",
                      "--since",
                      "2024-05-02"});
        CHECK(r.code == 0);
        CHECK(r.out ==
              "contact;language;first_seen;last_seen;opted_out_at;erased_at;messages\r\n"
              "+6285700000001;;2024-05-02 07:00:00;2024-05-02 07:00:00;;;2\r\n");

        auto file = dir.file("out.csv");
        r = sapa_cli({"export", "conversations", "--db", db, "--course", "JHT", "--output", file});
        CHECK(r.code == 0);
        CHECK(r.err.find("2 conversations rows written") != std::string::npos);
        std::ifstream written(file);
        std::string header;
        std::getline(written, header);
        CHECK(header.find("id,time,contact,direction") != std::string::npos);
    }

    TEST_CASE("sapa export requests lists what residents asked staff for") {
        temp_dir dir;
        auto db = make_database(dir);
        {
            auto st = storage::sqlite_store::open(db, fast_options());
            process(
                *st,
                sms("085700000001", "ada calo, tolong hubungi", 1714611600, "c"),
                asking(
                    engine::event_kind::handoff_requested, "ada calo, tolong hubungi", 1714611600));
        }
        auto r = sapa_cli({"export", "requests", "--db", db, "--plain"});
        CHECK(r.code == 0);
        CHECK(r.out ==
              "id,time,contact,request,words,node,status,done_at\r\n"
              "4,2024-05-02 08:00:00,+6285700000001,handoff,\"ada calo, tolong hubungi\","
              "t/petugas,open,\r\n");
        CHECK(sapa_cli({"export", "--help"}).out.find("requests") != std::string::npos);

        // Called back: staff mark it done.
        auto done = sapa_cli({"done", "4", "--db", db});
        CHECK(done.code == 0);
        CHECK(done.out == "Request 4 is done.\n");
        r = sapa_cli({"export", "requests", "--db", db, "--plain"});
        CHECK(r.out.find("t/petugas,done,20") != std::string::npos);
        auto unknown = sapa_cli({"done", "4", "3", "--db", db});
        CHECK(unknown.code == 1);
        CHECK(unknown.err.find("there is no request 3") != std::string::npos);
        CHECK(sapa_cli({"done", "--db", db}).code == 2);
        CHECK(sapa_cli({"done", "x4", "--db", db}).err.find("not a request number") !=
              std::string::npos);
        CHECK(sapa_cli({"done", "-- -1", "--db", db}).code == 2);
    }

    TEST_CASE("sapa export explains what is wrong") {
        temp_dir dir;
        auto db = make_database(dir);
        CHECK(sapa_cli({"export", "--help"}).out.find("--since DATE") != std::string::npos);
        CHECK(sapa_cli({"export"}).code == 2);
        CHECK(sapa_cli({"export", "kontak", "--db", db}).err.find("unknown kind \"kontak\"") !=
              std::string::npos);
        CHECK(sapa_cli({"export", "contacts", "--db", db, "--format", "xlsx"}).code == 2);
        CHECK(sapa_cli({"export", "contacts", "--db", db, "--since", "01/05/2024"})
                  .err.find("--since wants a date") != std::string::npos);
        CHECK(sapa_cli({"export", "contacts", "--db", db, "--utc-offset", "WIB"}).code == 2);
        auto missing = sapa_cli({"export", "contacts", "--db", dir.file("none.db")});
        CHECK(missing.code == 1);
        CHECK(missing.err.find("no database at") != std::string::npos);
    }

    TEST_CASE("sapa forget erases a contact after confirmation") {
        temp_dir dir;
        auto db = make_database(dir);
        auto refused = sapa_cli({"forget", "0812-3456-7890", "--db", db});
        CHECK(refused.code == 2);
        CHECK(refused.err.find("add --yes") != std::string::npos);
        auto wrong = sapa_cli({"forget", "0812-3456-7890", "--db", db}, "08129999\n", true);
        CHECK(wrong.code == 1);
        CHECK(wrong.out.find("nothing erased") != std::string::npos);

        auto done = sapa_cli({"forget", "0812-3456-7890", "--db", db}, "+6281234567890\n", true);
        CHECK(done.code == 0);
        CHECK(done.out.find("Erased +62812****7890: 2 message texts, 1 registrations") !=
              std::string::npos);
        auto again = sapa_cli({"forget", "081234567890", "--db", db, "--yes"});
        CHECK(again.code == 0);
        CHECK(again.out.find("nothing erased") != std::string::npos);

        auto regs = sapa_cli({"export", "registrations", "--db", db, "--plain"});
        CHECK(regs.out.find("JHT-0001,JHT,registered,anon-000001") != std::string::npos);
        CHECK(regs.out.find("3508011234567890") == std::string::npos);
        CHECK(sapa_cli({"forget", "--db", db}).code == 2);
    }

    TEST_CASE("sapa forget and export --contact refuse a number that could be two people's") {
        temp_dir dir;
        auto db = make_database(dir);
        // "81234567890": Indonesian without its 0, or a foreign number without its "+".
        auto forget = sapa_cli({"forget", "81234567890", "--db", db, "--yes"});
        CHECK(forget.code == 2);
        CHECK(forget.err.find("ambiguous") != std::string::npos);
        CHECK(forget.out.find("Erased") == std::string::npos);
        auto kept = sapa_cli({"export", "contacts", "--db", db, "--plain"});
        CHECK(kept.out.find("+6281234567890") != std::string::npos);

        auto exported = sapa_cli({"export", "contacts", "--db", db, "--contact", "81234567890"});
        CHECK(exported.code == 2);
        CHECK(exported.err.find("--contact 81234567890: ") != std::string::npos);
        CHECK(exported.err.find("ambiguous") != std::string::npos);
        // The unambiguous forms work, the trunk 0 after +62 included.
        auto one = sapa_cli(
            {"export", "contacts", "--db", db, "--plain", "--contact", "+62 0812-3456-7890"});
        CHECK(one.code == 0);
        CHECK(one.out.find("+6281234567890") != std::string::npos);
        CHECK(one.out.find("+6285700000001") == std::string::npos);

        auto done = sapa_cli({"forget", "+62 0812 3456 7890", "--db", db, "--yes"});
        CHECK(done.code == 0);
        CHECK(done.out.find("Erased +62812****7890") != std::string::npos);
    }

    TEST_CASE("sapa export takes --opt=value and validates --utc-offset strictly") {
        temp_dir dir;
        auto db = make_database(dir);
        auto spaced = sapa_cli(
            {"export", "registrations", "--db", db, "--format", "json", "--utc-offset", "-0530"});
        auto joined = sapa_cli(
            {"export", "registrations", "--db=" + db, "--format=json", "--utc-offset=-0530"});
        CHECK(spaced.code == 0);
        CHECK(joined.code == 0);
        CHECK(joined.out == spaced.out);
        // 2024-05-01 00:00 UTC is 18:30 the day before at -05:30.
        CHECK(joined.out.find("2024-04-30T18:30:00-05:30") != std::string::npos);
        // The operand may come after the options.
        CHECK(sapa_cli({"export", "--db", db, "--plain", "contacts"}).code == 0);

        for (const char* offset : {"+7x", "+730", "07:00", "+07:0", "+15", "WIB", "+"}) {
            CAPTURE(offset);
            auto r = sapa_cli({"export", "contacts", "--db", db, "--utc-offset", offset});
            CHECK(r.code == 2);
            CHECK(r.err.rfind("sapa export: --utc-offset: wants +HH:MM", 0) == 0);
            CHECK(r.out == "");
        }
        auto missing = sapa_cli({"export", "contacts", "--db"});
        CHECK(missing.code == 2);
        CHECK(missing.err.rfind("sapa export: --db needs a value\n", 0) == 0);
        auto twice = sapa_cli({"export", "contacts", "--db", db, "--db=" + db});
        CHECK(twice.code == 2);
        CHECK(twice.err.rfind("sapa export: --db is given more than once\n", 0) == 0);
        auto surplus = sapa_cli({"export", "contacts", "registrations", "--db", db});
        CHECK(surplus.code == 2);
        CHECK(surplus.err.rfind("sapa export: unexpected argument \"registrations\"\n", 0) == 0);
        // --help wins over a bad value in the same line, as it always has.
        auto help = sapa_cli({"export", "contacts", "--utc-offset", "WIB", "--help"});
        CHECK(help.code == 0);
        CHECK(help.out.rfind("Usage: sapa export", 0) == 0);
    }

    TEST_CASE("sapa forget takes --db=FILE") {
        temp_dir dir;
        auto db = make_database(dir);
        auto done = sapa_cli({"forget", "--yes", "--db=" + db, "081234567890"});
        CHECK(done.code == 0);
        CHECK(done.out.find("Erased +62812****7890") != std::string::npos);
        CHECK(sapa_cli({"forget", "081234567890", "085700000001", "--db", db, "--yes"}).code == 2);
    }
}
