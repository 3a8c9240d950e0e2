// Export writers (CSV for spreadsheets, JSON) and export filters.

#include "storage/export.hpp"

#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace sapa;
using namespace sapa::storage;
using namespace sapa::storage::testing;

namespace {

// Writes one header and rows through `sink`.
void write(row_sink& sink,
           const std::vector<export_column>& columns,
           const std::vector<std::vector<export_value>>& rows) {
    sink.begin(columns);
    for (const auto& r : rows)
        sink.row(r);
    sink.end();
}

const writer_options plain{.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','};

}  // namespace

TEST_SUITE("storage") {
    TEST_CASE("CSV follows RFC 4180: quotes, doubled quotes, line breaks, CRLF") {
        std::ostringstream out;
        csv_writer csv(out, plain);
        write(csv,
              {{"id", column_type::integer}, {"text", column_type::text}},
              {{std::int64_t{1}, std::string("plain")},
               {std::int64_t{2}, std::string("a,b")},
               {std::int64_t{3}, std::string("say \"ya\"")},
               {std::int64_t{4}, std::string("two\nlines")},
               {std::int64_t{5}, std::string("cr\rhere")},
               {std::int64_t{6}, std::monostate{}},
               {std::int64_t{7}, std::string("Selamat pagi, Bu Ani \xF0\x9F\x98\x8A")}});
        CHECK(out.str() ==
              "id,text\r\n"
              "1,plain\r\n"
              "2,\"a,b\"\r\n"
              "3,\"say \"\"ya\"\"\"\r\n"
              "4,\"two\nlines\"\r\n"
              "5,\"cr\rhere\"\r\n"
              "6,\r\n"
              "7,\"Selamat pagi, Bu Ani \xF0\x9F\x98\x8A\"\r\n");
    }

    TEST_CASE("CSV for spreadsheets: BOM, numbers kept as text, formulas defused") {
        std::ostringstream out;
        csv_writer csv(out);  // defaults: spreadsheets, WIB
        write(csv,
              {{"contact", column_type::text},
               {"nik", column_type::text},
               {"note", column_type::text},
               {"at", column_type::timestamp},
               {"count", column_type::integer}},
              {{std::string("+6281234567890"),
                std::string("3508011234567890"),
                std::string("=HYPERLINK(\"x\")"),
                std::int64_t{1714521600},
                std::int64_t{42}},
               {std::string("wa-user"),
                std::string("0812"),
                std::string("2 orang, lansia"),
                std::monostate{},
                std::int64_t{0}}});
        CHECK(out.str() ==
              "\xEF\xBB\xBF"
              "contact,nik,note,at,count\r\n"
              "'+6281234567890,'3508011234567890,\"'=HYPERLINK(\"\"x\"\")\",2024-05-01 "
              "07:00:00,42\r\n"
              "wa-user,'0812,\"2 orang, lansia\",,0\r\n");
    }

    TEST_CASE("the text guard catches numbers, dates and formulas, not words") {
        for (const char* yes : {"+62812",
                                "0812",
                                "3508011234567890",
                                "1/2",
                                "3-4",
                                "12:30",
                                "=1",
                                "-5",
                                "@SUM(A1)",
                                "1.000",
                                "1,5"}) {
            CAPTURE(yes);
            CHECK(needs_text_guard(yes));
        }
        for (const char* no : {"", "Siti", "2 orang", "wa-user", "anon-000001", "JHT-0001", "'x"}) {
            CAPTURE(no);
            CHECK_FALSE(needs_text_guard(no));
        }
    }

    TEST_CASE("JSON export is one valid array, timestamps in RFC 3339 with the offset") {
        std::ostringstream out;
        json_writer json(out);
        write(json,
              {{"id", column_type::integer},
               {"text", column_type::text},
               {"at", column_type::timestamp}},
              {{std::int64_t{1}, std::string("say \"ya\"\n"), std::int64_t{0}},
               {std::int64_t{2}, std::monostate{}, std::monostate{}}});
        CHECK(out.str() ==
              "[\n"
              "{\"id\":1,\"text\":\"say \\\"ya\\\"\\n\",\"at\":\"1970-01-01T07:00:00+07:00\"},\n"
              "{\"id\":2,\"text\":null,\"at\":null}\n"
              "]\n");
        std::ostringstream empty;
        json_writer none(empty);
        write(none, {{"id", column_type::integer}}, {});
        CHECK(empty.str() == "[]\n");
    }

    TEST_CASE("dates on the command line are read as local time at the offset") {
        CHECK(parse_timestamp("2024-05-01", 7 * 60) == 1714496400);  // 00:00 WIB
        CHECK(parse_timestamp("2024-05-01 07:00", 7 * 60) == 1714521600);
        CHECK(parse_timestamp("2024-05-01T07:00:30", 0) == 1714546830);
        CHECK_FALSE(parse_timestamp("2024-02-30", 0));
        CHECK_FALSE(parse_timestamp("01/05/2024", 0));
        CHECK_FALSE(parse_timestamp("2024-05-01 25:00", 0));
        CHECK(format_timestamp(1714521600, -90, true) == "2024-04-30T22:30:00-01:30");
    }

    TEST_CASE("exports filter by time, course and contact, fields become columns") {
        auto st = sqlite_store::open(":memory:", fast_options());
        process(*st, sms("081900000001", "DAFTAR JHT 5", 100, "a"), echo("DAFTAR JHT 5", 100));
        process(*st, sms("081900000002", "DAFTAR JHT 5", 200, "b"), echo("DAFTAR JHT 5", 200));
        process(*st, sms("081900000002", "DAFTAR LAS 5", 300, "c"), echo("DAFTAR LAS 5", 300));
        process(*st, sms("081900000003", "halo", 400, "d"), echo("halo", 400));

        auto run = [&](export_kind kind, export_filter f) {
            std::ostringstream out;
            csv_writer csv(out, plain);
            auto rows = st->export_rows(kind, f, csv).rows;
            return std::make_pair(rows, out.str());
        };
        auto [all, text] = run(export_kind::registrations, {});
        CHECK(all == 3);
        CHECK(text.starts_with(
            "code,course,status,contact,registered_at,updated_at,nama,nik\r\n"
            "JHT-0001,JHT,registered,+6281900000001,1970-01-01 00:01:40,1970-01-01 00:01:40,"
            "Siti,3508011234567890\r\n"));
        CHECK(run(export_kind::registrations, {.since = 200, .course = {}, .contact = {}}).first ==
              2);
        CHECK(
            run(export_kind::registrations, {.since = {}, .course = "JHT", .contact = {}}).first ==
            2);
        CHECK(run(export_kind::registrations,
                  {.since = {}, .course = "JHT", .contact = "0819-0000-0002"})
                  .first == 1);
        CHECK(run(export_kind::conversations, {}).first == 8);
        CHECK(
            run(export_kind::conversations, {.since = {}, .course = "LAS", .contact = {}}).first ==
            4);
        CHECK(run(export_kind::conversations, {.since = 400, .course = {}, .contact = {}}).first ==
              2);
        CHECK(run(export_kind::contacts, {}).first == 3);
        auto [n, contacts] =
            run(export_kind::contacts, {.since = {}, .course = "JHT", .contact = {}});
        CHECK(n == 2);
        CHECK(contacts.starts_with(
            "contact,language,first_seen,last_seen,opted_out_at,erased_at,messages,nama\r\n"));
        CHECK(export_kind_from_string("contacts") == export_kind::contacts);
        CHECK_FALSE(export_kind_from_string("kontak"));
    }
}
