#pragma once
// Forgiving answer matching for residents typing on feature phones: any case, stray spaces and
// punctuation, "1"/"1."/"no 1"/"pilih 1"/"satu", ya/tidak variants, one-letter typos in words of
// five or more letters, Indonesian number formats, courtesy words and emoji around an answer,
// the answer inside a sentence ("iya saya setuju", "Kec. Tempursari", "lahir 12 mei 2000").
// Pure functions; each result says why it matched so the conversation log can show it.

#include "dialog/answer_text.hpp"
#include "dialog/script.hpp"
#include "engine/engine.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::engine {

// Lower-cases ASCII, turns punctuation other than digits' separators into spaces, collapses
// runs of spaces and trims: "  Pilih  1. " -> "pilih 1.", "YA!!" -> "ya". Keeps UTF-8 letters.
// Defined with the script model, whose catalog normalises the scripts' own words with it.
using dialog::normalize_answer;

// True when `a` and `b` are equal or, if both have at least 5 characters, at Damerau-Levenshtein
// distance 1 (one substitution, insertion, deletion or adjacent swap).
bool within_one_typo(std::string_view a, std::string_view b);

// within_one_typo(), except that changing one vowel into another is no typo: regional words
// differ from their opposites by a vowel (Madurese "enggi", yes; Indonesian "engga", no).
bool within_one_typo_keeping_vowels(std::string_view a, std::string_view b);

// What a choice question may also use to read an answer besides its own keys and words.
struct choice_context {
    // The script's answer_words (normalised): its courtesy words are dropped around an answer,
    // its yes and no words count as yes and no.
    const dialog::answer_vocabulary* script_words = nullptr;
    // List: words around an item that name none (normalised), such as the regency's name.
    const std::vector<std::string>* ignore = nullptr;
    bool place = false;  // list of places: "kec", "desa", "di", "tinggal" around it are noise
    // Menu: a yes or no answer picks the one option whose own words are a yes or a no.
    bool yes_no_options = false;
};

struct matched_choice {
    std::size_t index = 0;  // into the candidates given
    match_kind kind = match_kind::exact;
};

// Menu choice: `keys` are the option keys ("1", "2", "9", "0"); `words[i]` are the label and
// synonyms of option i (any language). Accepts "1", "1.", "no 1", "nomor 1", "pilih 1", "satu",
// the label, a synonym, or a one-typo spelling of either.
std::optional<matched_choice> match_choice(std::string_view raw,
                                           const std::vector<std::string>& keys,
                                           const std::vector<std::vector<std::string>>& words);

// match_choice() for keys and words that are normalised already (dialog::answer_words).
std::optional<matched_choice> match_normalized_choice(
    std::string_view raw,
    const std::vector<std::string>& normalized_keys,
    const std::vector<std::vector<std::string>>& normalized_words,
    const choice_context& context = {});

// Yes/no: true for y, ya, iya, yes, yup, ok, benar, betul...; false for t, tdk, tidak, gak,
// nggak, ga, no, bukan, salah..., and the script's own yes and no words (normalised). A sentence
// is read by its decisive word: the first yes or no word, when nothing later contradicts it
// ("iya saya setuju" yes, "saya tidak setuju" no, "ya tidak" nothing). Courtesy words and emoji
// around it are ignored; a typo never changes one vowel into another.
std::optional<std::pair<bool, match_kind>> match_yes_no(
    std::string_view raw, const dialog::answer_vocabulary& script_words = {});

// A digit at a yes/no question: the prompt's own numbering when it has one ("Balas 1 Ya,
// 2 Tidak", "2=YA 1=TIDAK"), else 1 for yes and 2 for no, the order Indonesian SMS services
// use. nullopt for any other answer.
std::optional<bool> match_yes_no_digit(std::string_view raw,
                                       std::string_view prompt,
                                       const dialog::answer_vocabulary& script_words = {});

// Whole number: "25", "1.000" (thousands dot), "2.500.000", "25 tahun", "dua puluh lima",
// "satu". Rejects "2,5" (not whole).
std::optional<std::pair<long long, match_kind>> match_whole_number(std::string_view raw);

// Decimal number in Indonesian notation: "2,5" -> 2.5, "1.000" -> 1000, "1.000,75" -> 1000.75.
std::optional<double> parse_indonesian_number(std::string_view raw);

// Number words: "satu".."sembilan puluh sembilan", "seratus", "one".."twenty".
std::optional<long long> parse_number_words(std::string_view normalized);

struct civil_date {
    int year = 0, month = 0, day = 0;
    std::string iso() const;  // "1990-08-17"
};

// Dates as residents write them: 17-08-1990, 17/8/1990, 17.08.1990, 17081990, 17 8 1990,
// "17 agustus 1990", "17 agt 1990", "17 august 1990", 1990-08-17. Two-digit years are 19xx/20xx
// relative to `today` (never in the future). Invalid days (31-02) are rejected.
std::optional<civil_date> parse_date(std::string_view raw, const civil_date& today);

// parse_date(), also inside words as the KTP prints a birth place and date ("LUMAJANG,
// 12-05-2000", "lahir 12 mei 2000", "TTL: Jember, 3 Maret 1999"): exactly one date, and no
// other number. `extracted` says whether words were left around it.
struct found_date {
    civil_date date;
    bool extracted = false;
};
std::optional<found_date> find_date(std::string_view raw, const civil_date& today);

// The digits of a NIK as residents type it: grouped with spaces, dots or dashes, after "NIK"
// or "NIK:". Empty when other words are mixed in.
std::string nik_digits(std::string_view raw);

civil_date civil_from_unix(unix_seconds t);                    // UTC date
int age_on(const civil_date& birth, const civil_date& today);  // whole years

enum class nik_problem {
    none,
    not_16_digits,
    bad_region,
    bad_birth_date,
    bad_serial,  // the last four digits are 0000; Dukcapil numbers start at 0001
    birth_date_mismatch,
};

// NIK: 16 digits = province(2) regency(2) district(2) DDMMYY (DD+40 for women) serial(4).
// Checks digits, province code 11..94, a valid encoded date; when `birth_date` is given, the
// encoded day/month/two-digit year must equal it.
nik_problem check_nik(std::string_view digits, const std::optional<civil_date>& birth_date);

// One item of a list: matches the value or a synonym (case-insensitive, one typo for 5+ letters),
// or a 1-based number when `numbered` (the list was shown as a menu).
std::optional<matched_choice> match_list_item(std::string_view raw,
                                              const std::vector<std::vector<std::string>>& words,
                                              bool numbered);

// Skip words for optional questions: lewati, skip, tidak ada, tdk ada, -, kosong; "tidak mau"
// and "belum punya" too: the question is optional, so refusing it is skipping it.
bool is_skip_word(std::string_view raw);

// A question rather than an answer: a question word ("berapa biayanya", "kapan mulai") or a
// final "?".
bool is_question(std::string_view raw);

// Why a message cannot be the answer to a free-text question (a name, a village), or nullopt:
// no letters at all, only courtesy words or greetings, or only yes and no words.
std::optional<std::string> not_a_text_answer(std::string_view raw,
                                             const dialog::answer_vocabulary& script_words = {});

// A free-text answer as it is stored and echoed: look-alikes made plain and emoji dropped
// (sms::gsm7_friendly), and leading words the question names dropped ("Nama saya Siti" ->
// "Siti" for the prefixes "nama saya", "nama", "saya"; normalised prefixes). Empty when the
// message is only a prefix ("Desa" at the village question).
std::string clean_text_answer(std::string_view raw, const std::vector<std::string>& prefixes);

// The topic a question is about: the first topic one of whose words (normalised) is a word of
// the message, also with the suffixes -nya, -kah, -lah ("biayanya" is "biaya").
std::optional<std::size_t> find_topic(std::string_view raw,
                                      const std::vector<std::vector<std::string>>& topic_words);

}  // namespace sapa::engine
