// Contacts for outreach: the CSV import (checked rows, bad rows by line, wrong encodings
// refused), segments on every store, and `sapa contacts` end to end.

#include "app/contacts.hpp"

#include "cli/commands.hpp"
#include "storage/memory/memory_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/sapa_process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <sstream>

using namespace sapa;

namespace {

std::vector<std::string> problem_lines(const app::parsed_contact_file& f) {
    std::vector<std::string> out;
    for (const auto& p : f.problems)
        out.push_back(std::to_string(p.line) + ": " + p.message);
    return out;
}

const std::string good_file =
    "number,name,kecamatan,language,consent_source,group\n"
    "0812-0000-0001,Ani,Tempursari,id,form 2026-01,relawan;alumni\n"
    "6281200000002,\"Budi, S.Pd\",tempursari,en,form 2026-01,\n"
    "+6281200000003,Citra,Pasirian,,sms DAFTAR,relawan\n";

std::vector<std::pair<std::string, std::function<std::unique_ptr<storage::store>()>>> stores() {
    return {{"memory", [] { return std::make_unique<storage::memory_store>(); }},
            {"sqlite", [] { return storage::sqlite_store::open(":memory:"); }}};
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("a contacts CSV: good rows read, bad rows reported by line and skipped") {
        auto f =
            app::parse_contacts_csv("\xEF\xBB\xBF" + good_file +
                                    "812000000004,Dodi,Pasirian,id,form,\n"     // line 5: ambiguous
                                    "081200000005,Eka,Pasirian,id,,\n"          // 6: no consent
                                    "081200000006,Fajar,Pasirian,jawa,form,\n"  // 7: language
                                    "081200000007,Gita\n"                       // 8: too few values
                                    "\n"                                        // 9: blank, ignored
                                    "0812-0000-0001,Ani lagi,X,id,form,\n"      // 10: twice
                                    "halo,Budi,X,id,form,\n");                  // 11: no number
        REQUIRE(f.rows.size() == 3);
        CHECK(f.rows[0].address == "+6281200000001");
        CHECK(f.rows[0].groups == std::vector<std::string>{"relawan", "alumni"});
        CHECK(f.rows[1].address == "+6281200000002");
        CHECK(f.rows[1].name == "Budi, S.Pd");
        CHECK(f.rows[1].line == 3);
        CHECK(f.rows[2].language.empty());
        auto lines = problem_lines(f);
        REQUIRE(lines.size() == 6);
        CHECK(lines[0].starts_with("5: \"812000000004\": "));
        CHECK(lines[1] == "6: no consent_source: Sapa writes only to contacts who agreed");
        CHECK(lines[2] == "7: language \"jawa\" is not a two-letter code (id, en)");
        CHECK(lines[3] == "8: 2 values, the header has 6");
        CHECK(lines[4] == "10: +62812****0001 is already in the file");
        CHECK(lines[5].starts_with("11: \"halo\": "));
    }

    TEST_CASE("a contacts CSV may give each contact's time zone, only an Indonesian one") {
        auto f = app::parse_contacts_csv(
            "number,consent_source,timezone\n"
            "081200000001,form,Asia/Makassar\n"
            "081200000002,form,WIT\n"
            "081200000003,form,\n"
            "081200000004,form,Asia/Singapore\n");
        REQUIRE(f.rows.size() == 3);
        CHECK(f.rows[0].time_zone == "Asia/Makassar");
        CHECK(f.rows[1].time_zone == "WIT");
        CHECK(f.rows[2].time_zone.empty());
        auto lines = problem_lines(f);
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].starts_with("5: timezone \"Asia/Singapore\" is not an Indonesian zone"));

        storage::memory_store store;
        app::import_contacts(store, f.rows, "", 100);
        CHECK(store.load_contact("+6281200000001")->fields.at("timezone") == "Asia/Makassar");
        CHECK(store.load_contact("+6281200000003")->fields.count("timezone") == 0);
    }

    TEST_CASE("a contacts CSV in the wrong encoding or with a bad header is refused whole") {
        auto refused = [](const std::string& text) {
            auto f = app::parse_contacts_csv(text);
            CHECK(f.rows.empty());
            REQUIRE(f.problems.size() == 1);
            CHECK(f.problems[0].line == 0);
            return f.problems[0].message;
        };
        CHECK(refused("number,consent_source\n0812000001,form Kecamatan P\xE9rigi\n") ==
              "the file is not UTF-8 (saved as ANSI or Latin-1?); save it as CSV UTF-8");
        CHECK(refused(std::string("\xFF\xFEn\0u\0", 6)) ==
              "the file is UTF-16; save it as CSV UTF-8");
        CHECK(refused("number,name\n0812000001,A\n") ==
              "line 1: the column \"consent_source\" is required");
        CHECK(refused("number,consent_source,telepon\n") ==
              "line 1: unknown column \"telepon\" (expected number, name, kecamatan, language, "
              "consent_source, group, timezone)");
        CHECK(refused("") == "the file is empty or has no header line");
    }

    TEST_CASE(
        "segments select by group, kecamatan, language, course status and date, never opted out") {
        for (const auto& [name, open] : stores()) {
            CAPTURE(name);
            auto st = open();
            auto f = app::parse_contacts_csv(good_file);
            auto first = app::import_contacts(*st, f.rows, "musim-2026", 1000);
            CHECK(first.added == 3);
            auto again = app::import_contacts(*st, f.rows, "", 2000);
            CHECK(again.updated == 3);
            CHECK(st->load_contact("+6281200000002")->fields.at("nama") == "Budi, S.Pd");
            CHECK(st->load_contact("+6281200000002")->language == "en");
            CHECK(st->load_contact("+6281200000003")->fields.at("consent_source") == "sms DAFTAR");

            auto select = [&](std::vector<std::string> words) {
                std::string problem;
                auto s = app::parse_segment(words, problem);
                REQUIRE_MESSAGE(s, problem);
                std::vector<storage::segment_member> out;
                st->run([&](storage::transaction& tx) { out = tx.select_contacts(*s, 0, 100); });
                std::string joined;
                for (const auto& c : out)
                    joined += c.address.substr(c.address.size() - 1);
                return joined;
            };
            CHECK(select({}) == "123");
            CHECK(select({"group=relawan"}) == "13");
            CHECK(select({"group=musim-2026"}) == "123");
            CHECK(select({"group=alumni", "kecamatan=TEMPURSARI"}) == "1");
            CHECK(select({"kecamatan=Tempursari"}) == "12");
            CHECK(select({"language=en"}) == "2");
            CHECK(select({"group=nobody"}).empty());
            // Registrations: the latest of the course counts.
            st->run([](storage::transaction& tx) {
                engine::registrar r(tx.registrations());
                r.register_contact("+6281200000001", "menjahit", "J", 1, {}, 3000);
                r.register_contact("+6281200000003", "menjahit", "J", 1, {}, 3000);
            });
            CHECK(select({"course=menjahit"}) == "13");
            CHECK(select({"course=menjahit", "status=waitlisted"}) == "3");
            CHECK(select({"since=1970-01-01"}) == "123");
            CHECK(select({"since=2030-01-01"}).empty());
            // Opted out: in no segment, and an import does not opt them back in.
            st->run([](storage::transaction& tx) {
                auto c = tx.find_contact("+6281200000003");
                auto state = std::make_shared<engine::contact_state>(*c->state);
                state->opted_out = true;
                tx.save_contact(*c, state, 4000);
            });
            app::import_contacts(*st, f.rows, "", 5000);
            CHECK(select({}) == "12");
            CHECK(select({"course=menjahit", "status=waitlisted"}).empty());
        }
    }

    TEST_CASE("segment words: unknown keys and bad values are refused with the reason") {
        std::string problem;
        CHECK_FALSE(app::parse_segment({"kota=Lumajang"}, problem));
        CHECK(problem ==
              "unknown segment key \"kota\" (expected group, kecamatan, language, course, status, "
              "since)");
        CHECK_FALSE(app::parse_segment({"status=registered"}, problem));
        CHECK(problem == "status needs course=COURSE");
        CHECK_FALSE(app::parse_segment({"course=x", "status=maybe"}, problem));
        CHECK_FALSE(app::parse_segment({"since=2026-02-30"}, problem));
        CHECK(problem == "since \"2026-02-30\": no such date");
        CHECK_FALSE(app::parse_segment({"group"}, problem));
    }

    TEST_CASE("sapa contacts import and segment against the configured database") {
        sapa::testing::temp_dir dir;
        nlohmann::json config = {
            {"storage", {{"database_path", (dir.path() / "sapa.db").string()}}},
            {"dialogs", {{"paths", {SAPA_SOURCE_DIR "/dialogs"}}}}};
        const auto config_file = (dir.path() / "sapa.json").string();
        std::ofstream(config_file) << config.dump(2);
        const auto csv = (dir.path() / "kontak.csv").string();
        std::ofstream(csv) << good_file << "812000000004,Dodi,Pasirian,id,form,\n";
        struct result {
            int code;
            std::string out, err;
        };
        auto sapa_cli = [&](cli::arguments args) {
            std::istringstream in;
            std::ostringstream out, err;
            int code = cli::run(args, {in, out, err});
            return result{code, out.str(), err.str()};
        };
        auto imported =
            sapa_cli({"contacts", "import", csv, "--group", "musim", "--config", config_file});
        CHECK(imported.code == 1);  // a bad row was skipped
        CHECK(imported.out == "Imported 3 contacts (3 new, 0 updated); 1 bad rows skipped.\n");
        CHECK(imported.err.find("kontak.csv:5: \"812000000004\": ") != std::string::npos);
        auto segment = sapa_cli({"contacts",
                                 "segment",
                                 "group=relawan",
                                 "kecamatan=tempursari",
                                 "--config",
                                 config_file});
        CHECK(segment.code == 0);
        CHECK(segment.out == "1 contacts\n+62812****0001\n");
        auto bad = sapa_cli({"contacts", "segment", "kota=x", "--config", config_file});
        CHECK(bad.code == 2);
        CHECK(bad.err.find("unknown segment key \"kota\"") != std::string::npos);
        // A file in the wrong encoding: nothing imported.
        std::ofstream(csv) << "number,consent_source\n0812000009,P\xE9rigi\n";
        auto latin1 = sapa_cli({"contacts", "import", csv, "--config", config_file});
        CHECK(latin1.code == 1);
        CHECK(latin1.err.find("not UTF-8") != std::string::npos);
        CHECK(sapa_cli({"contacts", "segment", "--config", config_file}).out.starts_with("3 "));
    }
}
