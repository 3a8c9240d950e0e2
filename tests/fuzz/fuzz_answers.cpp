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
    // Issue 16: sentences, regional words, KTP-style answers, questions, free text.
    static const sapa::dialog::answer_vocabulary regional = {
        {"nggih", "he em"}, {"mboten", "enja"}, {"kulo", "matur nuwun"}};
    static const std::vector<std::string> ignore = {"lumajang", "kab lumajang"};
    e::choice_context context;
    context.script_words = &regional;
    context.ignore = &ignore;
    context.place = true;
    context.yes_no_options = true;
    (void)e::match_normalized_choice(raw, keys, words, context);
    (void)e::match_yes_no(raw, regional);
    (void)e::match_yes_no_digit(raw, raw, regional);
    (void)e::find_date(raw, e::civil_date{2025, 6, 1});
    (void)e::nik_digits(raw);
    (void)e::is_question(raw);
    (void)e::not_a_text_answer(raw, regional);
    (void)e::clean_text_answer(raw, {"nama saya", "nama"});
    (void)e::find_topic(raw, words);
    (void)e::within_one_typo_keeping_vowels(raw.substr(0, raw.size() / 2),
                                            raw.substr(raw.size() / 2));
    // Two halves against each other, for the typo distance.
    auto half = raw.size() / 2;
    (void)e::within_one_typo(raw.substr(0, half), raw.substr(half));
    std::vector<std::vector<std::string>> own = {{std::string(raw.substr(0, half))}};
    (void)e::match_list_item(raw.substr(half), own, false);
    return 0;
}
