// Included first: proves the header is self-contained.
#include "engine/answers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sapa::engine;

namespace {

const std::vector<std::string> menu_keys = {"1", "2", "3", "9", "0"};
const std::vector<std::vector<std::string>> menu_words = {
    {"Daftar pelatihan", "daftar", "register"},
    {"Cek pendaftaran", "cek", "status"},
    {"Menjahit", "jahit"},
    {"Bantuan", "tolong"},
    {"Selesai", "keluar"},
};

std::optional<matched_choice> menu(std::string_view raw) {
    return match_choice(raw, menu_keys, menu_words);
}

// Index and kind of a menu answer as one comparable value; {-1, skipped} when nothing matched.
std::pair<int, match_kind> menu_result(std::string_view raw) {
    const auto m = menu(raw);
    if (!m) return {-1, match_kind::skipped};
    return {static_cast<int>(m->index), m->kind};
}

const civil_date today{2025, 3, 15};

std::string date_iso(std::string_view raw) {
    const auto d = parse_date(raw, today);
    return d ? d->iso() : "none";
}

}  // namespace

TEST_CASE("answers: normalize_answer") {
    CHECK(normalize_answer("  Pilih  1. ") == "pilih 1.");
    CHECK(normalize_answer("YA!!") == "ya");
    CHECK(normalize_answer("ya.") == "ya");
    CHECK(normalize_answer("No. 1") == "no 1");
    CHECK(normalize_answer("no.1") == "no 1");
    CHECK(normalize_answer("Rp 1.000.000,-") == "rp 1.000.000,");
    CHECK(normalize_answer("2,5") == "2,5");
    CHECK(normalize_answer("tidak\u00A0ada") == "tidak ada");  // no-break space
    CHECK(normalize_answer("“Menjahit”") == "menjahit");       // curly quotes
    CHECK(normalize_answer("Café Ñoño") == "café Ñoño");       // UTF-8 kept, ASCII lowered
    CHECK(normalize_answer("a---b___c") == "a b c");
    CHECK(normalize_answer("\t\r\n") == "");
    CHECK(normalize_answer("") == "");
}

TEST_CASE("answers: within_one_typo") {
    CHECK(within_one_typo("ya", "ya"));
    CHECK(within_one_typo("menjahit", "menjahit"));
    CHECK(within_one_typo("menjahot", "menjahit"));   // substitution
    CHECK(within_one_typo("menjahitt", "menjahit"));  // insertion
    CHECK(within_one_typo("menjhit", "menjahit"));    // deletion
    CHECK(within_one_typo("mejnahit", "menjahit"));   // adjacent swap
    CHECK(within_one_typo("menjahti", "menjahit"));   // swap at the end
    CHECK(within_one_typo("bantuan", "bantuam"));
    CHECK_FALSE(within_one_typo("mnejahti", "menjahit"));  // two swaps
    CHECK_FALSE(within_one_typo("menjahitan", "menjahit"));
    CHECK_FALSE(within_one_typo("tidur", "tidak"));  // two substitutions
    CHECK_FALSE(within_one_typo("caek", "cek"));     // under five letters: no typo allowed
    CHECK(within_one_typo("jahot", "jahit"));        // five letters: allowed
    CHECK_FALSE(within_one_typo("tida", "tidak"));   // "tida" has only four letters
    CHECK_FALSE(within_one_typo("", "abcde"));
    // Code points, not bytes: é for e is one substitution.
    CHECK(within_one_typo("kafé susu", "kafe susu"));
    CHECK(within_one_typo("pèlatihan", "pelatihan"));
}

TEST_CASE("answers: menu choice by key") {
    using K = match_kind;
    CHECK(menu_result("1") == std::pair{0, K::exact});
    CHECK(menu_result("1.") == std::pair{0, K::exact});
    CHECK(menu_result(" 2 ") == std::pair{1, K::exact});
    CHECK(menu_result("no 1") == std::pair{0, K::exact});
    CHECK(menu_result("No. 1") == std::pair{0, K::exact});
    CHECK(menu_result("nomor 3") == std::pair{2, K::exact});
    CHECK(menu_result("Pilih 9") == std::pair{3, K::exact});
    CHECK(menu_result("pilih no. 2") == std::pair{1, K::exact});
    CHECK(menu_result("0") == std::pair{4, K::exact});
    CHECK(menu_result("01") == std::pair{0, K::exact});
    CHECK(menu_result("1!!") == std::pair{0, K::exact});
}

TEST_CASE("answers: menu choice rejects near-miss keys") {
    CHECK_FALSE(menu("12"));  // not "1"
    CHECK_FALSE(menu("4"));
    CHECK_FALSE(menu("1 2"));
    CHECK_FALSE(menu("no"));
    CHECK_FALSE(menu("pilih"));
    CHECK_FALSE(menu(""));
    CHECK_FALSE(menu("?!"));
    CHECK_FALSE(menu("1,5"));
}

TEST_CASE("answers: menu choice by number word") {
    using K = match_kind;
    CHECK(menu_result("satu") == std::pair{0, K::number_word});
    CHECK(menu_result("Dua") == std::pair{1, K::number_word});
    CHECK(menu_result("pilih tiga") == std::pair{2, K::number_word});
    CHECK(menu_result("sembilan") == std::pair{3, K::number_word});
    CHECK(menu_result("nol") == std::pair{4, K::number_word});
    CHECK(menu_result("one") == std::pair{0, K::number_word});
    CHECK(menu_result("nine") == std::pair{3, K::number_word});
    CHECK_FALSE(menu("empat"));  // no option 4
    CHECK_FALSE(menu("dua belas"));
}

TEST_CASE("answers: menu choice by label, synonym and typo") {
    using K = match_kind;
    CHECK(menu_result("Menjahit") == std::pair{2, K::exact});
    CHECK(menu_result("daftar pelatihan") == std::pair{0, K::exact});
    CHECK(menu_result("DAFTAR") == std::pair{0, K::synonym});
    CHECK(menu_result("register") == std::pair{0, K::synonym});
    CHECK(menu_result("jahit") == std::pair{2, K::synonym});
    CHECK(menu_result("status") == std::pair{1, K::synonym});
    CHECK(menu_result("menjahot") == std::pair{2, K::typo});
    CHECK(menu_result("bantuna") == std::pair{3, K::typo});
    CHECK(menu_result("daftarpelatihan") == std::pair{0, K::typo});  // missing space
    CHECK(menu_result("pilih menjahit") == std::pair{2, K::exact});
    CHECK(menu_result("1. Daftar pelatihan") == std::pair{0, K::exact});
    CHECK(menu_result("3 menjahot") == std::pair{2, K::exact});
    CHECK_FALSE(menu("2 menjahit"));  // the key and the label disagree
    CHECK_FALSE(menu("cekk"));        // four-letter synonym: no typo allowed
    CHECK_FALSE(menu("menjaihtt"));   // two typos
    CHECK_FALSE(menu("memasak"));
}

TEST_CASE("answers: a typo that fits two options is no answer") {
    const std::vector<std::string> keys = {"1", "2"};
    const std::vector<std::vector<std::string>> words = {{"bakso"}, {"baksi"}};
    CHECK_FALSE(match_choice("baksu", keys, words));
    CHECK(match_choice("baksi", keys, words)->index == 1);
}

TEST_CASE("answers: yes and no") {
    using K = match_kind;
    using R = std::optional<std::pair<bool, match_kind>>;
    CHECK(match_yes_no("ya") == R{{true, K::exact}});
    CHECK(match_yes_no("YA!!") == R{{true, K::exact}});
    CHECK(match_yes_no("yes") == R{{true, K::exact}});
    CHECK(match_yes_no("ya.") == R{{true, K::exact}});
    for (const std::string yes : {"y",
                                  "Y",
                                  "iya",
                                  "Iya",
                                  "yup",
                                  "ok",
                                  "OKE",
                                  "okay",
                                  "benar",
                                  "betul",
                                  "bener",
                                  "setuju",
                                  "mau",
                                  "boleh",
                                  "siap",
                                  "sip"}) {
        CAPTURE(yes);
        CHECK(match_yes_no(yes) == R{{true, K::synonym}});
    }
    CHECK(match_yes_no("tidak") == R{{false, K::exact}});
    CHECK(match_yes_no("TIDAK.") == R{{false, K::exact}});
    CHECK(match_yes_no("no") == R{{false, K::exact}});
    for (const std::string no : {"t",
                                 "n",
                                 "TDK",
                                 "tak",
                                 "gak",
                                 "ga",
                                 "gk",
                                 "nggak",
                                 "ngga",
                                 "enggak",
                                 "engga",
                                 "ndak",
                                 "nda",
                                 "kagak",
                                 "nope",
                                 "bukan",
                                 "salah",
                                 "belum",
                                 "jangan"}) {
        CAPTURE(no);
        CHECK(match_yes_no(no) == R{{false, K::synonym}});
    }
}

TEST_CASE("answers: yes and no phrases and typos") {
    using K = match_kind;
    using R = std::optional<std::pair<bool, match_kind>>;
    CHECK(match_yes_no("ya benar") == R{{true, K::synonym}});
    CHECK(match_yes_no("Iya, betul!") == R{{true, K::synonym}});
    CHECK(match_yes_no("tidak mau") == R{{false, K::synonym}});
    CHECK(match_yes_no("gak setuju") == R{{false, K::synonym}});
    CHECK(match_yes_no("tidak tidak") == R{{false, K::synonym}});
    CHECK(match_yes_no("tidka") == R{{false, K::typo}});
    CHECK(match_yes_no("benarr") == R{{true, K::typo}});
    CHECK(match_yes_no("setju") == R{{true, K::typo}});
    CHECK(match_yes_no("nggakk") == R{{false, K::typo}});
    CHECK_FALSE(match_yes_no("tidur"));  // two letters away from "tidak": a different word
    CHECK_FALSE(match_yes_no("yaa tidak"));
    CHECK_FALSE(match_yes_no("tidak salah"));  // "not wrong": neither a plain yes nor a no
    CHECK_FALSE(match_yes_no("yx"));           // short words get no typo
    CHECK_FALSE(match_yes_no("mungkin"));
    CHECK_FALSE(match_yes_no("1"));
    CHECK_FALSE(match_yes_no(""));
    CHECK_FALSE(match_yes_no("!!"));
}

TEST_CASE("answers: whole numbers") {
    using K = match_kind;
    using R = std::optional<std::pair<long long, match_kind>>;
    CHECK(match_whole_number("25") == R{{25, K::exact}});
    CHECK(match_whole_number(" 25. ") == R{{25, K::exact}});
    CHECK(match_whole_number("0") == R{{0, K::exact}});
    CHECK(match_whole_number("25 tahun") == R{{25, K::exact}});
    CHECK(match_whole_number("25 thn") == R{{25, K::exact}});
    CHECK(match_whole_number("umur 25") == R{{25, K::exact}});
    CHECK(match_whole_number("3 orang") == R{{3, K::exact}});
    CHECK(match_whole_number("1.000") == R{{1000, K::exact}});
    CHECK(match_whole_number("2.500.000") == R{{2500000, K::exact}});
    CHECK(match_whole_number("Rp 2.500.000,-") == R{{2500000, K::exact}});
    CHECK(match_whole_number("Rp2.500.000,00") == R{{2500000, K::exact}});
    CHECK(match_whole_number("Rp.50.000") == R{{50000, K::exact}});
    CHECK(match_whole_number("1500000") == R{{1500000, K::exact}});
    CHECK(match_whole_number("999999999999999999") == R{{999999999999999999LL, K::exact}});
    CHECK(match_whole_number("dua puluh lima") == R{{25, K::number_word}});
    CHECK(match_whole_number("dua puluh lima tahun") == R{{25, K::number_word}});
    CHECK(match_whole_number("satu") == R{{1, K::number_word}});
    CHECK(match_whole_number("Twenty") == R{{20, K::number_word}});
}

TEST_CASE("answers: whole numbers reject fractions, signs and garbage") {
    for (const std::string bad : {"2,5",
                                  "1,000",
                                  "2.5",
                                  "1.5000",
                                  "1.00",
                                  ".5",
                                  "-5",
                                  "- 5",
                                  "−5",
                                  "abc",
                                  "25 abc",
                                  "1 000",
                                  "25-30",
                                  "2 tahun 3 bulan",
                                  "",
                                  "tahun",
                                  "1000000000000000000",
                                  "5 juta",
                                  "1e5",
                                  "0x10"}) {
        CAPTURE(bad);
        CHECK_FALSE(match_whole_number(bad));
    }
}

TEST_CASE("answers: parse_indonesian_number") {
    using R = std::optional<double>;
    CHECK(parse_indonesian_number("2,5") == R{2.5});
    CHECK(parse_indonesian_number("1.000") == R{1000.0});
    CHECK(parse_indonesian_number("1.000,75") == R{1000.75});
    CHECK(parse_indonesian_number(" 12 ") == R{12.0});
    CHECK(parse_indonesian_number("0,5") == R{0.5});
    CHECK(parse_indonesian_number("-2,5") == R{-2.5});
    CHECK(parse_indonesian_number("2.500.000,5") == R{2500000.5});
    for (const std::string bad : {"2.5",
                                  "1.00",
                                  ",5",
                                  "2,",
                                  "2,5,1",
                                  "1.000.00",
                                  "abc",
                                  "",
                                  "-",
                                  "1e5",
                                  "1 000",
                                  "2,5x",
                                  "inf",
                                  "nan"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_indonesian_number(bad));
    }
}

TEST_CASE("answers: parse_number_words") {
    using R = std::optional<long long>;
    const std::vector<std::pair<const char*, long long>> words = {
        {"nol", 0},          {"satu", 1},
        {"dua", 2},          {"tiga", 3},
        {"empat", 4},        {"lima", 5},
        {"enam", 6},         {"tujuh", 7},
        {"delapan", 8},      {"sembilan", 9},
        {"sepuluh", 10},     {"sebelas", 11},
        {"dua belas", 12},   {"sembilan belas", 19},
        {"dua puluh", 20},   {"dua puluh satu", 21},
        {"tujuh puluh", 70}, {"sembilan puluh sembilan", 99},
        {"seratus", 100},    {"zero", 0},
        {"one", 1},          {"five", 5},
        {"twelve", 12},      {"fifteen", 15},
        {"twenty", 20},
    };
    for (const auto& [text, value] : words) {
        CAPTURE(text);
        CHECK(parse_number_words(text) == R{value});
    }
    for (const std::string bad : {"satu belas",
                                  "satu puluh",
                                  "dua puluh nol",
                                  "puluh",
                                  "belas",
                                  "dua puluh lima enam",
                                  "dua ratus",
                                  "twenty one",
                                  "",
                                  "25"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_number_words(bad));
    }
}

TEST_CASE("answers: dates in every accepted form") {
    for (const std::string text : {"17-08-1990",
                                   "17/8/1990",
                                   "17.08.1990",
                                   "17081990",
                                   "17 8 1990",
                                   "17 agustus 1990",
                                   "17 Agustus 1990",
                                   "17 agt 1990",
                                   "17 ags 1990",
                                   "17 agu 1990",
                                   "17 aug 1990",
                                   "17 august 1990",
                                   "1990-08-17",
                                   "17-agt-1990",
                                   "August 17, 1990",
                                   "tgl 17 agustus 1990",
                                   "tanggal 17/08/1990",
                                   " 17 - 08 - 1990 ",
                                   "17 agustsu 1990",
                                   "17-08-90",
                                   "170890",
                                   "17 agustus 90"}) {
        CAPTURE(text);
        CHECK(date_iso(text) == "1990-08-17");
    }
}

TEST_CASE("answers: month names and abbreviations") {
    const std::vector<std::pair<const char*, const char*>> months = {
        {"1 jan 2000", "2000-01-01"},      {"1 januari 2000", "2000-01-01"},
        {"1 feb 2000", "2000-02-01"},      {"1 pebruari 2000", "2000-02-01"},
        {"1 maret 2000", "2000-03-01"},    {"1 mar 2000", "2000-03-01"},
        {"1 march 2000", "2000-03-01"},    {"1 apr 2000", "2000-04-01"},
        {"1 mei 2000", "2000-05-01"},      {"1 may 2000", "2000-05-01"},
        {"1 jun 2000", "2000-06-01"},      {"1 juni 2000", "2000-06-01"},
        {"1 jul 2000", "2000-07-01"},      {"1 juli 2000", "2000-07-01"},
        {"1 sep 2000", "2000-09-01"},      {"1 september 2000", "2000-09-01"},
        {"1 okt 2000", "2000-10-01"},      {"1 oktober 2000", "2000-10-01"},
        {"1 oct 2000", "2000-10-01"},      {"1 nov 2000", "2000-11-01"},
        {"1 nopember 2000", "2000-11-01"}, {"1 des 2000", "2000-12-01"},
        {"1 desember 2000", "2000-12-01"}, {"1 dec 2000", "2000-12-01"},
    };
    for (const auto& [text, iso] : months) {
        CAPTURE(text);
        CHECK(date_iso(text) == iso);
    }
}

TEST_CASE("answers: invalid dates and leap years") {
    CHECK(date_iso("29-02-2000") == "2000-02-29");  // divisible by 400
    CHECK(date_iso("29-02-2024") == "2024-02-29");
    CHECK(date_iso("29-02-1900") == "none");  // divisible by 100
    CHECK(date_iso("29-02-2023") == "none");
    CHECK(date_iso("31-02-1990") == "none");
    CHECK(date_iso("31-04-1990") == "none");
    CHECK(date_iso("31-12-1990") == "1990-12-31");
    CHECK(date_iso("00-01-1990") == "none");
    CHECK(date_iso("01-13-1990") == "none");
    CHECK(date_iso("8/17/1990") == "none");  // month first is not how residents write it
    CHECK(date_iso("17 foo 1990") == "none");
    CHECK(date_iso("17 8") == "none");
    CHECK(date_iso("17-08-199") == "none");
    CHECK(date_iso("17-08-1890") == "none");
    CHECK(date_iso("1708199") == "none");
    CHECK(date_iso("besok") == "none");
    CHECK(date_iso("") == "none");
    CHECK(date_iso("123 08 1990") == "none");
}

TEST_CASE("answers: two-digit years are never in the future") {
    // today is 2025-03-15
    CHECK(date_iso("15-03-25") == "2025-03-15");
    CHECK(date_iso("16-03-25") == "1925-03-16");
    CHECK(date_iso("01-01-05") == "2005-01-01");
    CHECK(date_iso("01-01-30") == "1930-01-01");
    CHECK(date_iso("29-02-00") == "2000-02-29");
    CHECK(date_iso("010100") == "2000-01-01");
}

TEST_CASE("answers: civil_date::iso, civil_from_unix and age_on") {
    CHECK(civil_date{1990, 8, 17}.iso() == "1990-08-17");
    CHECK(civil_date{5, 1, 2}.iso() == "0005-01-02");
    CHECK(civil_from_unix(0).iso() == "1970-01-01");
    CHECK(civil_from_unix(951782400).iso() == "2000-02-29");  // 2000-02-29T00:00:00Z
    CHECK(civil_from_unix(951868799).iso() == "2000-02-29");  // 23:59:59 the same day
    CHECK(civil_from_unix(1742000000).iso() == "2025-03-15");
    CHECK(civil_from_unix(-1).iso() == "1969-12-31");

    CHECK(age_on({1990, 8, 17}, {2025, 8, 16}) == 34);
    CHECK(age_on({1990, 8, 17}, {2025, 8, 17}) == 35);
    CHECK(age_on({1990, 8, 17}, {1990, 8, 17}) == 0);
    CHECK(age_on({2000, 2, 29}, {2021, 2, 28}) == 20);
    CHECK(age_on({2000, 2, 29}, {2021, 3, 1}) == 21);
    CHECK(age_on({2000, 2, 29}, {2024, 2, 29}) == 24);
}

TEST_CASE("answers: NIK") {
    // 35 Jawa Timur, 08 Lumajang, 01 district, born 17-08-90, serial 0001.
    CHECK(check_nik("3508011708900001", std::nullopt) == nik_problem::none);
    CHECK(check_nik("3508011708900001", civil_date{1990, 8, 17}) == nik_problem::none);
    // Women: day + 40.
    CHECK(check_nik("3508015708900001", civil_date{1990, 8, 17}) == nik_problem::none);
    // Dukcapil serial numbers start at 0001.
    CHECK(check_nik("3508011708900000", std::nullopt) == nik_problem::bad_serial);
    CHECK(check_nik("3508017108900001", std::nullopt) == nik_problem::none);  // 31st, woman
    CHECK(check_nik("1101010101000001", std::nullopt) == nik_problem::none);  // province 11
    CHECK(check_nik("9401010101000001", std::nullopt) == nik_problem::none);  // province 94
    CHECK(check_nik("3508012902000001", std::nullopt) == nik_problem::none);  // 2000 leap

    CHECK(check_nik("350801170890000", std::nullopt) == nik_problem::not_16_digits);
    CHECK(check_nik("35080117089000011", std::nullopt) == nik_problem::not_16_digits);
    CHECK(check_nik("3508 0117 0890 0001", std::nullopt) == nik_problem::not_16_digits);
    CHECK(check_nik("350801170890000x", std::nullopt) == nik_problem::not_16_digits);
    CHECK(check_nik("", std::nullopt) == nik_problem::not_16_digits);

    CHECK(check_nik("1008011708900001", std::nullopt) == nik_problem::bad_region);
    CHECK(check_nik("9508011708900001", std::nullopt) == nik_problem::bad_region);
    CHECK(check_nik("0008011708900001", std::nullopt) == nik_problem::bad_region);

    CHECK(check_nik("3508010008900001", std::nullopt) == nik_problem::bad_birth_date);
    CHECK(check_nik("3508013208900001", std::nullopt) == nik_problem::bad_birth_date);
    CHECK(check_nik("3508014008900001", std::nullopt) == nik_problem::bad_birth_date);
    CHECK(check_nik("3508017208900001", std::nullopt) == nik_problem::bad_birth_date);
    CHECK(check_nik("3508011713900001", std::nullopt) == nik_problem::bad_birth_date);
    CHECK(check_nik("3508013102900001", std::nullopt) == nik_problem::bad_birth_date);
    CHECK(check_nik("3508012902010001", std::nullopt) == nik_problem::bad_birth_date);
    CHECK(check_nik("3508017102900001", std::nullopt) == nik_problem::bad_birth_date);

    CHECK(check_nik("3508011708900001", civil_date{1990, 8, 18}) ==
          nik_problem::birth_date_mismatch);
    CHECK(check_nik("3508011708900001", civil_date{1990, 9, 17}) ==
          nik_problem::birth_date_mismatch);
    CHECK(check_nik("3508011708900001", civil_date{1991, 8, 17}) ==
          nik_problem::birth_date_mismatch);
    // Only the two-digit year is encoded.
    CHECK(check_nik("3508011708900001", civil_date{2090, 8, 17}) == nik_problem::none);
}

TEST_CASE("answers: list items") {
    const std::vector<std::vector<std::string>> kecamatan = {
        {"Tempursari", "tempur sari"}, {"Pronojiwo"}, {"Candipuro"}};
    using K = match_kind;
    const auto item = [&](std::string_view raw, bool numbered) -> std::pair<int, K> {
        const auto m = match_list_item(raw, kecamatan, numbered);
        return m ? std::pair{static_cast<int>(m->index), m->kind} : std::pair{-1, K::skipped};
    };
    CHECK(item("Pronojiwo", false) == std::pair{1, K::exact});
    CHECK(item("PRONOJIWO", false) == std::pair{1, K::exact});
    CHECK(item("tempur sari", false) == std::pair{0, K::synonym});
    CHECK(item("candipuri", false) == std::pair{2, K::typo});
    CHECK(item("3", true) == std::pair{2, K::exact});
    CHECK(item("no 2", true) == std::pair{1, K::exact});
    CHECK(item("satu", true) == std::pair{0, K::number_word});
    CHECK(item("3", false) == std::pair{-1, K::skipped});  // not shown numbered
    CHECK(item("4", true) == std::pair{-1, K::skipped});
    CHECK(item("0", true) == std::pair{-1, K::skipped});
    CHECK(item("Lumajang", false) == std::pair{-1, K::skipped});
}

TEST_CASE("answers: skip words") {
    for (const std::string skip : {"lewati",
                                   "LEWATI",
                                   "lewat",
                                   "skip",
                                   "Skip!",
                                   "tidak ada",
                                   "Tidak ada.",
                                   "tdk ada",
                                   "gak ada",
                                   "kosong",
                                   "-",
                                   " - ",
                                   "--",
                                   "–",
                                   "none",
                                   "lewatii"}) {
        CAPTURE(skip);
        CHECK(is_skip_word(skip));
    }
    for (const std::string keep : {"tidak", "ada", "Budi", "", " ", "-5", "skipp", "0"}) {
        CAPTURE(keep);
        CHECK_FALSE(is_skip_word(keep));
    }
}

// ASCII text skips transliteration and decoding; a zero-width space (removed by
// transliteration) sends the same text down the full path, which must agree.
TEST_CASE("answers: the ASCII fast paths agree with the full ones") {
    const std::vector<std::string> texts = {"",
                                            " ",
                                            "\t\r\n",
                                            "  Pilih  1. ",
                                            "YA!!",
                                            "no.1",
                                            "1.",
                                            ".5",
                                            "-5",
                                            "a.5",
                                            "Rp 1.000.000,-",
                                            "2,5",
                                            ",2",
                                            "x-y_z/W",
                                            "@#$%^&*()~`\x7f",
                                            "Halo, Saya  SITI!"};
    for (const auto& t : texts) {
        CAPTURE(t);
        CHECK(normalize_answer(t) == normalize_answer("\u200B" + t));
        CHECK(normalize_answer(t) == normalize_answer(t + "\u200B"));
    }
    // Typos: one more code point on both sides changes no edit distance, and a non-ASCII one
    // makes both texts go through decoding.
    const std::vector<std::string> words = {"menjahit",
                                            "menjahot",
                                            "mejnahit",
                                            "menjahti",
                                            "menjhit",
                                            "menjahitt",
                                            "mnejahti",
                                            "jahit"};
    for (const auto& a : words) {
        for (const auto& b : words) {
            CAPTURE(a);
            CAPTURE(b);
            CHECK(within_one_typo(a, b) == within_one_typo(a + "é", b + "é"));
        }
    }
}

TEST_CASE("answers: a menu with words normalised already matches like one with raw words") {
    std::vector<std::string> keys;
    for (const auto& k : menu_keys)
        keys.push_back(normalize_answer(k));
    std::vector<std::vector<std::string>> words;
    for (const auto& option : menu_words) {
        auto& w = words.emplace_back();
        for (const auto& word : option)
            w.push_back(normalize_answer(word));
    }
    for (const std::string raw : {"1",
                                  "01",
                                  "no 3",
                                  "tiga",
                                  "nol",
                                  "DAFTAR",
                                  "cek pendaftaran",
                                  "menjahot",
                                  "1. Daftar pelatihan",
                                  "2. Menjahit",
                                  "pilih tolong",
                                  "keluar!",
                                  "xyz",
                                  ""}) {
        CAPTURE(raw);
        const auto raw_match = match_choice(raw, menu_keys, menu_words);
        const auto ready_match = match_normalized_choice(raw, keys, words);
        REQUIRE(raw_match.has_value() == ready_match.has_value());
        if (raw_match) {
            CHECK(raw_match->index == ready_match->index);
            CHECK(raw_match->kind == ready_match->kind);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Issue 16: answers as residents really write them.

namespace {

// A script's answer_words, normalised as a catalog leaves them.
sapa::dialog::answer_vocabulary regional_words() {
    sapa::dialog::answer_vocabulary v;
    for (const char* w : {"nggih", "enggeh", "inggih", "enggi", "engghi", "iyo", "he'em"})
        v.yes.push_back(normalize_answer(w));
    for (const char* w : {"mboten", "ora", "enja'", "bunten"})
        v.no.push_back(normalize_answer(w));
    for (const char* w : {"kulo", "matur nuwun"})
        v.ignore.push_back(normalize_answer(w));
    return v;
}

using yes_no_result = std::optional<std::pair<bool, match_kind>>;

}  // namespace

TEST_CASE("answers: yes and no with courtesy words, emoji and sentences") {
    using K = match_kind;
    CHECK(match_yes_no("iya saya setuju") == yes_no_result{{true, K::extracted}});
    CHECK(match_yes_no("ya bu") == yes_no_result{{true, K::extracted}});
    CHECK(match_yes_no("Iya \U0001F64F") == yes_no_result{{true, K::synonym}});
    CHECK(match_yes_no("\U0001F44D") == yes_no_result{{true, K::exact}});
    CHECK(match_yes_no("\U0001F44E") == yes_no_result{{false, K::exact}});
    CHECK(match_yes_no("oke deh") == yes_no_result{{true, K::extracted}});
    CHECK(match_yes_no("iya, saya mau daftar") == yes_no_result{{true, K::extracted}});
    CHECK(match_yes_no("saya tidak setuju") == yes_no_result{{false, K::extracted}});
    CHECK(match_yes_no("tidak, tetap ikut") == yes_no_result{{false, K::extracted}});
    CHECK(match_yes_no("gak jadi") == yes_no_result{{false, K::extracted}});
    CHECK(match_yes_no("tidak apa apa") == yes_no_result{{true, K::synonym}});
    CHECK(match_yes_no("Yes I agree") == yes_no_result{{true, K::extracted}});
    CHECK(match_yes_no("No thanks") == yes_no_result{{false, K::extracted}});
    // Contradictions and double negatives are no answer.
    CHECK_FALSE(match_yes_no("iya tapi belum"));
    CHECK_FALSE(match_yes_no("tidak salah"));
    CHECK_FALSE(match_yes_no("terima kasih"));
    CHECK_FALSE(match_yes_no("saya mau tanya soal kursus menjahit yang di desa"));  // 7 words
}

TEST_CASE("answers: the script's Javanese and Madurese words are yes and no") {
    const auto words = regional_words();
    for (const std::string yes : {"nggih",
                                  "Enggeh",
                                  "inggih",
                                  "enggi",
                                  "engghi",
                                  "iyo",
                                  "he'em",
                                  "nggih pak",
                                  "kulo nggih",
                                  "Nggih, matur nuwun"}) {
        CAPTURE(yes);
        REQUIRE(match_yes_no(yes, words));
        CHECK(match_yes_no(yes, words)->first);
    }
    for (const std::string no : {"mboten", "ora", "enja'", "bunten", "mboten pak"}) {
        CAPTURE(no);
        REQUIRE(match_yes_no(no, words));
        CHECK_FALSE(match_yes_no(no, words)->first);
    }
    // Without the script's words they are unknown, never read as something else.
    CHECK_FALSE(match_yes_no("nggih"));
    CHECK_FALSE(match_yes_no("mboten"));
}

TEST_CASE("regression issue 16: enggi is never read as engga") {
    // One vowel apart: a dialect word, not a typo. Unknown without the script's words...
    CHECK_FALSE(match_yes_no("enggi"));
    CHECK_FALSE(match_yes_no("inggih"));
    // ...and yes with them, however close "engga" (no) is.
    CHECK(match_yes_no("enggi", regional_words()) == yes_no_result{{true, match_kind::synonym}});
    CHECK_FALSE(within_one_typo_keeping_vowels("enggi", "engga"));
    CHECK(within_one_typo_keeping_vowels("tidka", "tidak"));   // swapped letters
    CHECK(within_one_typo_keeping_vowels("setju", "setuju"));  // a letter dropped
    CHECK(within_one_typo_keeping_vowels("tidal", "tidak"));   // a consonant changed
    CHECK(within_one_typo_keeping_vowels("enggí", "enggí"));   // equal, accented
    // Typos of the built-in words still work.
    CHECK(match_yes_no("tidka") == yes_no_result{{false, match_kind::typo}});
}

TEST_CASE("answers: digits at a yes/no question follow the prompt") {
    CHECK(match_yes_no_digit("1", "Setuju? Balas YA atau TIDAK") == std::optional<bool>{true});
    CHECK(match_yes_no_digit("2", "Setuju? Balas YA atau TIDAK") == std::optional<bool>{false});
    CHECK(match_yes_no_digit("no 1", "Setuju?") == std::optional<bool>{true});
    CHECK_FALSE(match_yes_no_digit("3", "Setuju? Balas YA atau TIDAK"));
    CHECK_FALSE(match_yes_no_digit("ya", "Setuju?"));
    // The prompt's own numbering wins, also in the other order.
    CHECK(match_yes_no_digit("2", "Lanjut? Balas 2=YA, 1=TIDAK") == std::optional<bool>{true});
    CHECK(match_yes_no_digit("1", "Lanjut? Balas 2=YA, 1=TIDAK") == std::optional<bool>{false});
    CHECK(match_yes_no_digit("1", "Balas 1 Ya, 2 Tidak") == std::optional<bool>{true});
    // Numbers that are not answers ("umur 16, belum 18") do not count as numbering.
    CHECK(match_yes_no_digit("1", "Umur Anda 16 tahun, belum 18. Setuju?") ==
          std::optional<bool>{true});
}

TEST_CASE("answers: menus read courtesy words, sentences and yes/no options") {
    const std::vector<std::string> keys = {"1", "2", "3"};
    std::vector<std::vector<std::string>> words;
    for (const auto& option :
         std::vector<std::vector<std::string>>{{"YA", "ya", "benar"},
                                               {"UBAH", "ubah", "ganti", "salah", "tidak"},
                                               {"BATAL", "batal", "tidak jadi", "gak jadi"}}) {
        auto& w = words.emplace_back();
        for (const auto& word : option)
            w.push_back(normalize_answer(word));
    }
    choice_context context;
    context.yes_no_options = true;
    const auto pick = [&](std::string_view raw) {
        const auto m = match_normalized_choice(raw, keys, words, context);
        return m ? std::pair{static_cast<int>(m->index), m->kind}
                 : std::pair{-1, match_kind::skipped};
    };
    using K = match_kind;
    CHECK(pick("3 pak") == std::pair{2, K::extracted});
    CHECK(pick("1 \U0001F64F") == std::pair{0, K::exact});
    CHECK(pick("tidak") == std::pair{1, K::synonym});  // "not correct", never cancel
    CHECK(pick("tidak benar") == std::pair{1, K::extracted});
    CHECK(pick("mau ganti nama") == std::pair{1, K::extracted});
    CHECK(pick("tidak jadi daftar") == std::pair{2, K::extracted});  // the longer name wins
    CHECK(pick("iya bener") == std::pair{0, K::synonym});
    CHECK(pick("2 batal") == std::pair{-1, K::skipped});  // a key that disagrees
}

TEST_CASE("answers: list items around the words residents add") {
    std::vector<std::vector<std::string>> words = {
        {"tempursari", "tempur sari"}, {"senduro"}, {"lumajang", "kota lumajang"}};
    const std::vector<std::string> ignore = {"lumajang", "kab lumajang", "jawa timur"};
    choice_context context;
    context.ignore = &ignore;
    context.place = true;
    const auto item = [&](std::string_view raw) {
        const auto m = match_normalized_choice(raw, {}, words, context);
        return m ? static_cast<int>(m->index) : -1;
    };
    CHECK(item("Kec. Tempursari") == 0);
    CHECK(item("Tempursari, Kab. Lumajang") == 0);
    CHECK(item("Tempursari Lumajang") == 0);
    CHECK(item("saya tinggal di kecamatan senduro") == 1);
    CHECK(item("ds tempursari kec tempursari") == 0);
    CHECK(item("Lumajang") == 2);  // the regency's name is also a kecamatan
    CHECK(item("kec lumajang, jawa timur") == 2);
    CHECK(item("tempursari atau senduro") == -1);
    CHECK(item("bukan tempursari") == -1);
    CHECK(item("Jember") == -1);
}

TEST_CASE("answers: dates as the KTP prints them") {
    const auto found = [](std::string_view raw) {
        const auto d = find_date(raw, today);
        return d ? d->date.iso() + (d->extracted ? " extracted" : "") : "none";
    };
    CHECK(found("12-05-2000") == "2000-05-12");
    CHECK(found("LUMAJANG, 12-05-2000") == "2000-05-12 extracted");
    CHECK(found("Lumajang,12-05-2000") == "2000-05-12 extracted");
    CHECK(found("lahir 12 mei 2000") == "2000-05-12 extracted");
    CHECK(found("TTL: Jember, 3 Maret 1999") == "1999-03-03 extracted");
    CHECK(found("maaf salah, 12 mei 2000") == "2000-05-12 extracted");
    CHECK(found("17-08-1995 \U0001F64F") == "1995-08-17 extracted");
    CHECK(found("umur 25") == "none");
    CHECK(found("lahir 2000") == "none");
    CHECK(found("17 agustus") == "none");
    CHECK(found("12-05-2000 umur 24") == "none");  // another number: which one is meant?
    CHECK(found("12-05-2000 atau 13-05-2000") == "none");
}

TEST_CASE("answers: NIK digits after a label, grouped") {
    CHECK(nik_digits("3508 0117 0895 0001") == "3508011708950001");
    CHECK(nik_digits("NIK: 3508-0117-0895-0001") == "3508011708950001");
    CHECK(nik_digits("nik 35.08.01.170895.0001") == "3508011708950001");
    CHECK(nik_digits("3508011708950001 punya ibu") == "");
    CHECK(nik_digits("lewati") == "");
}

TEST_CASE("answers: questions, and messages that are no free-text answer") {
    for (const std::string q : {"berapa biayanya?",
                                "kapan mulai",
                                "gratis ta?",
                                "syaratnya apa",
                                "ini siapa",
                                "mau tanya",
                                "where is it?"}) {
        CAPTURE(q);
        CHECK(is_question(q));
    }
    for (const std::string a : {"Siti Aminah", "Tempursari", "iya", "17-08-1995"}) {
        CAPTURE(a);
        CHECK_FALSE(is_question(a));
    }
    CHECK(not_a_text_answer("iya") == std::optional<std::string>{"a yes or no"});
    CHECK(not_a_text_answer("ya saya mau") == std::optional<std::string>{"a yes or no"});
    CHECK(not_a_text_answer("halo") == std::optional<std::string>{"a greeting or courtesy words"});
    CHECK(not_a_text_answer("17-08-1995") == std::optional<std::string>{"no letters"});
    CHECK(not_a_text_answer("\U0001F64F") == std::optional<std::string>{"no letters"});
    CHECK_FALSE(not_a_text_answer("Siti Aminah"));
    CHECK_FALSE(not_a_text_answer("Ibu Siti"));
    CHECK_FALSE(not_a_text_answer("nggih", {}));  // unknown to the built-in words
    CHECK(not_a_text_answer("nggih", regional_words()) ==
          std::optional<std::string>{"a yes or no"});
}

TEST_CASE("answers: free text keeps its spelling, loses emoji and the question's own words") {
    const std::vector<std::string> name = {"nama saya", "nama", "saya"};
    const std::vector<std::string> village = {"desa", "ds", "kel"};
    CHECK(clean_text_answer("Nama saya Siti Aminah", name) == "Siti Aminah");
    CHECK(clean_text_answer("nama: Rina Wati", name) == "Rina Wati");
    CHECK(clean_text_answer("saya Dewi", name) == "Dewi");
    CHECK(clean_text_answer("Siti Aminah \U0001F64F", name) == "Siti Aminah");
    CHECK(clean_text_answer("Nur\u2019aini", name) == "Nur'aini");
    CHECK(clean_text_answer("  Moh.  Rofiq ", name) == "Moh. Rofiq");
    CHECK(clean_text_answer("Namaku Siti", name) == "Namaku Siti");  // not the word "nama"
    CHECK(clean_text_answer("Ds. Pasirian", village) == "Pasirian");
    CHECK(clean_text_answer("Desa", village) == "");  // only the question's word
}

TEST_CASE("answers: a question's topic, with -nya and -kah") {
    const std::vector<std::vector<std::string>> topics = {{"biaya", "gratis", "kapan"},
                                                          {"alamat kantor"}};
    CHECK(find_topic("berapa biayanya?", topics) == std::optional<std::size_t>{0});
    CHECK(find_topic("gratiskah?", topics) == std::optional<std::size_t>{0});
    CHECK(find_topic("di mana alamat kantor?", topics) == std::optional<std::size_t>{1});
    CHECK_FALSE(find_topic("ini siapa?", topics));
    CHECK_FALSE(find_topic("alamatnya?", topics));  // a phrase matches only as a whole
}

TEST_CASE("answers: refusing an optional question skips it") {
    for (const std::string skip : {"tidak mau", "ga mau", "belum punya", "lewati saja"}) {
        CAPTURE(skip);
        CHECK(is_skip_word(skip));
    }
    CHECK_FALSE(is_skip_word("mau"));
}

TEST_CASE("answers: a word with a digit in it can name an option, a bare number cannot") {
    const std::vector<std::string> keys = {"1", "2"};
    const std::vector<std::vector<std::string>> words = {{"smp"}, {"d3", "s1"}};
    CHECK(match_choice("D3 keperawatan", keys, words)->index == 1);
    CHECK(match_choice("s1 pendidikan", keys, words)->index == 1);
    CHECK_FALSE(match_choice("1 keperawatan d3", keys, words));  // key and name disagree
}
