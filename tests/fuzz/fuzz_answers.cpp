// Fuzzes the answer normaliser and every matcher a resident's text goes through.
#include "engine/answers.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace e = sapa::engine;
    std::string_view raw(reinterpret_cast<const char*>(data), size);
    auto normalized = e::normalize_answer(raw);
    (void)e::normalize_answer(normalized);
    static const std::vector<std::string> keys = {"1", "2", "3", "9", "0"};
    static const std::vector<std::vector<std::string>> words = {
        {"Menjahit", "jahit"}, {"Informasi", "info"}, {"Daftar"}, {"Lanjut"}, {"Menu", "kembali"}};
    (void)e::match_choice(raw, keys, words);
    (void)e::match_yes_no(raw);
    (void)e::match_whole_number(raw);
    (void)e::parse_indonesian_number(raw);
    (void)e::parse_number_words(normalized);
    (void)e::parse_date(raw, e::civil_date{2025, 6, 1});
    (void)e::check_nik(raw, e::civil_date{1995, 8, 17});
    (void)e::check_nik(raw, std::nullopt);
    (void)e::match_list_item(raw, words, true);
    (void)e::is_skip_word(raw);
    // Two halves against each other, for the typo distance.
    auto half = raw.size() / 2;
    (void)e::within_one_typo(raw.substr(0, half), raw.substr(half));
    std::vector<std::vector<std::string>> own = {{std::string(raw.substr(0, half))}};
    (void)e::match_list_item(raw.substr(half), own, false);
    return 0;
}
