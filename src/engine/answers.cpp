#include "engine/answers.hpp"

#include "common/ascii.hpp"
#include "dialog/words.hpp"
#include "sms/gsm7.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <tuple>

namespace sapa::engine {

namespace {

using word_list = std::vector<std::string_view>;

using common::is_ascii_alnum;
using common::to_lower_ascii;
constexpr auto is_digit = common::is_ascii_digit;

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

bool contains(const word_list& list, std::string_view word) {
    return std::find(list.begin(), list.end(), word) != list.end();
}

std::string_view trim_spaces(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// Splits on single spaces, as normalize_answer() leaves them.
word_list split_words(std::string_view s) {
    word_list words;
    while (!s.empty()) {
        const auto space = s.find(' ');
        if (space != 0) words.push_back(s.substr(0, space));
        if (space == std::string_view::npos) break;
        s.remove_prefix(space + 1);
    }
    return words;
}

std::string join_words(word_list::const_iterator first, word_list::const_iterator last) {
    std::string out;
    for (auto it = first; it != last; ++it) {
        if (!out.empty()) out += ' ';
        out += *it;
    }
    return out;
}

// "1." and "1," end a sentence; the separator carries no meaning once the number is read.
std::string_view strip_trailing_separators(std::string_view s) {
    while (!s.empty() && (s.back() == '.' || s.back() == ','))
        s.remove_suffix(1);
    return s;
}

// True when `a` and `b` (a != b) are one insertion, deletion, substitution or adjacent swap
// apart. Views of code points, or of bytes when both texts are ASCII.
template <typename View>
bool one_edit_apart(View a, View b) {
    if (a.size() > b.size()) std::swap(a, b);
    if (b.size() - a.size() > 1) return false;
    const auto i = static_cast<std::size_t>(
        std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
    if (a.size() < b.size()) return a.substr(i) == b.substr(i + 1);
    if (i == a.size()) return false;  // equal
    if (a.substr(i + 1) == b.substr(i + 1)) return true;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           a.substr(i + 2) == b.substr(i + 2);
}

// ---------------------------------------------------------------------------------------------
// Numbers

// Digits with optional thousands dots ("2.500.000"), as plain digits; nullopt for "2.50".
std::optional<std::string> ungroup_thousands(std::string_view s) {
    if (all_digits(s)) return std::string(s);
    std::string digits;
    std::size_t group = 0;  // digits since the last dot
    bool first_group = true;
    for (char c : s) {
        if (is_digit(c)) {
            digits += c;
            ++group;
        } else if (c == '.' && group > 0 && (first_group ? group <= 3 : group == 3)) {
            first_group = false;
            group = 0;
        } else {
            return std::nullopt;
        }
    }
    if (first_group || group != 3) return std::nullopt;
    return digits;
}

std::optional<long long> to_integer(std::string_view digits) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return value;
}

template <std::size_t N>
std::optional<int> position_in(const std::array<std::string_view, N>& words, std::string_view w) {
    const auto it = std::find(words.begin(), words.end(), w);
    if (it == words.end()) return std::nullopt;
    return static_cast<int>(it - words.begin());
}

constexpr std::array<std::string_view, 10> indonesian_digits = {
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"};
constexpr std::array<std::string_view, 21> english_numbers = {
    "zero",     "one",     "two",     "three",     "four",     "five",     "six",
    "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};

std::optional<int> digit_word(std::string_view w) {
    return position_in(indonesian_digits, w);
}

// Words around a number that say what is counted: "25 tahun", "umur 25", "Rp 50.000".
const word_list number_prefixes = {"umur", "usia", "rp", "sebanyak", "jumlah", "age"};
const word_list number_units = {"tahun", "thn", "th",    "bulan", "bln",  "hari",   "minggu",
                                "orang", "org", "anak",  "jiwa",  "kali", "rupiah", "rp",
                                "kg",    "cm",  "years", "year",  "yrs",  "yo",     "people"};

// normalize_answer() drops a leading '-' or '.', which would turn "-5" into 5 and ".5" into 5
// ("Rp.50.000" is fine: the dot follows a letter).
// Transliterated first, so the minus sign U+2212 and dashes count too.
bool has_sign_or_bare_fraction(std::string_view raw) {
    const std::string plain = sms::transliterate(raw);
    const std::string_view text = plain;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        const char c = text[i];
        if (c == '-') {
            const std::string_view after = trim_spaces(text.substr(i + 1));
            if (!after.empty() && is_digit(after.front())) return true;
        } else if ((c == '.' || c == ',') && is_digit(text[i + 1]) &&
                   (i == 0 || !is_ascii_alnum(text[i - 1]))) {
            return true;
        }
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Menus and lists

const word_list menu_prefixes = {
    "no", "nomor", "nomer", "nmr", "pilih", "pilihan", "opsi", "angka", "option", "number"};

// "pilih no 1" -> "1"; the text itself when it has no prefix.
std::string_view strip_menu_prefix(std::string_view n) {
    for (bool stripped = true; stripped;) {
        stripped = false;
        const auto space = n.find(' ');
        if (space != std::string_view::npos && contains(menu_prefixes, n.substr(0, space))) {
            n.remove_prefix(space + 1);
            stripped = true;
        }
    }
    return n;
}

// "01" and "1" name the same numeric key.
std::string_view drop_leading_zeros(std::string_view s) {
    while (s.size() > 1 && s.front() == '0' && all_digits(s))
        s.remove_prefix(1);
    return s;
}

// The normalised option keys and option words of one menu: given ready, or normalised on first
// use (most answers are a key, and then the words are never looked at).
class menu_words {
  public:
    menu_words(const std::vector<std::string>& keys,
               const std::vector<std::vector<std::string>>& words)
        : raw_keys_(&keys), raw_words_(&words) {}
    struct ready_t {};
    menu_words(ready_t,
               const std::vector<std::string>& normalized_keys,
               const std::vector<std::vector<std::string>>& normalized_words)
        : keys_(&normalized_keys), words_(&normalized_words) {}
    menu_words(const menu_words&) = delete;
    menu_words& operator=(const menu_words&) = delete;

    const std::vector<std::string>& keys() {
        if (!keys_) {
            own_keys_.reserve(raw_keys_->size());
            for (const auto& k : *raw_keys_)
                own_keys_.push_back(normalize_answer(k));
            keys_ = &own_keys_;
        }
        return *keys_;
    }

    const std::vector<std::vector<std::string>>& words() {
        if (!words_) {
            own_words_.resize(raw_words_->size());
            for (std::size_t i = 0; i < raw_words_->size(); ++i) {
                own_words_[i].reserve((*raw_words_)[i].size());
                for (const auto& w : (*raw_words_)[i])
                    own_words_[i].push_back(normalize_answer(w));
            }
            words_ = &own_words_;
        }
        return *words_;
    }

  private:
    const std::vector<std::string>* raw_keys_ = nullptr;
    const std::vector<std::vector<std::string>>* raw_words_ = nullptr;
    const std::vector<std::string>* keys_ = nullptr;
    const std::vector<std::vector<std::string>>* words_ = nullptr;
    std::vector<std::string> own_keys_;
    std::vector<std::vector<std::string>> own_words_;
};

// `keys` normalised.
std::optional<std::size_t> find_key(std::string_view token, const std::vector<std::string>& keys) {
    token = strip_trailing_separators(token);
    if (token.empty()) return std::nullopt;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string& key = keys[i];
        if (key == token ||
            (all_digits(token) && drop_leading_zeros(key) == drop_leading_zeros(token)))
            return i;
    }
    return std::nullopt;
}

// The option whose label (exact) or synonym matches `text`; with `allow_typo`, failing those,
// the only option one typo away. A typo that fits two options is no answer: guessing would
// register the resident for the wrong thing.
std::optional<matched_choice> match_words(std::string_view text,
                                          menu_words& menu,
                                          bool allow_typo) {
    if (text.empty()) return std::nullopt;
    const auto& normalized = menu.words();
    for (std::size_t i = 0; i < normalized.size(); ++i) {
        if (!normalized[i].empty() && normalized[i][0] == text)
            return matched_choice{i, match_kind::exact};
    }
    for (std::size_t i = 0; i < normalized.size(); ++i) {
        if (std::find(normalized[i].begin(), normalized[i].end(), text) != normalized[i].end())
            return matched_choice{i, match_kind::synonym};
    }
    if (!allow_typo) return std::nullopt;
    std::optional<matched_choice> found;
    for (std::size_t i = 0; i < normalized.size(); ++i) {
        const bool near =
            std::any_of(normalized[i].begin(), normalized[i].end(), [&](const auto& w) {
                return !w.empty() && within_one_typo(text, w);
            });
        if (!near) continue;
        if (found) return std::nullopt;
        found = matched_choice{i, match_kind::typo};
    }
    return found;
}

// ---------------------------------------------------------------------------------------------
// Words around answers

using dialog::classified_word;
using dialog::word_class;

const dialog::answer_vocabulary no_script_words;

const dialog::answer_vocabulary& words_or_none(const dialog::answer_vocabulary* w) {
    return w ? *w : no_script_words;
}

// The words of a classified message, joined again, leaving out those `drop` says.
template <typename Drop>
std::string join_kept(const std::vector<classified_word>& words, Drop drop) {
    std::string out;
    for (const auto& w : words) {
        if (drop(w)) continue;
        if (!out.empty()) out += ' ';
        out += w.text;
    }
    return out;
}

// Words residents write around a place name; they name no place themselves.
const word_list place_words = {"kec",
                               "kecamatan",
                               "kab",
                               "kabupaten",
                               "desa",
                               "ds",
                               "kel",
                               "kelurahan",
                               "dusun",
                               "dsn",
                               "di",
                               "tinggal",
                               "dari",
                               "asal",
                               "alamat",
                               "daerah",
                               "wilayah",
                               "rumah"};

// ---------------------------------------------------------------------------------------------
// Dates

struct month_name {
    std::string_view name;
    int month;
};
constexpr auto month_names = std::to_array<month_name>({
    {"januari", 1},   {"january", 1},   {"jan", 1},      {"februari", 2},  {"pebruari", 2},
    {"february", 2},  {"feb", 2},       {"peb", 2},      {"maret", 3},     {"march", 3},
    {"mar", 3},       {"april", 4},     {"apr", 4},      {"mei", 5},       {"may", 5},
    {"juni", 6},      {"june", 6},      {"jun", 6},      {"juli", 7},      {"july", 7},
    {"jul", 7},       {"agustus", 8},   {"august", 8},   {"agu", 8},       {"agt", 8},
    {"ags", 8},       {"agus", 8},      {"aug", 8},      {"september", 9}, {"sep", 9},
    {"sept", 9},      {"oktober", 10},  {"october", 10}, {"okt", 10},      {"oct", 10},
    {"november", 11}, {"nopember", 11}, {"nov", 11},     {"nop", 11},      {"desember", 12},
    {"december", 12}, {"des", 12},      {"dec", 12},
});

std::optional<int> parse_month_name(std::string_view token) {
    for (const auto& m : month_names) {
        if (m.name == token) return m.month;
    }
    std::optional<int> found;
    for (const auto& m : month_names) {
        if (!within_one_typo(token, m.name)) continue;
        if (found && *found != m.month) return std::nullopt;
        found = m.month;
    }
    return found;
}

std::optional<int> parse_small_number(std::string_view token, std::size_t max_digits) {
    if (!all_digits(token) || token.size() > max_digits) return std::nullopt;
    return static_cast<int>(*to_integer(token));
}

bool is_valid_date(int year, int month, int day) {
    if (month < 1 || month > 12 || day < 1 || day > 31) return false;
    const std::chrono::year_month_day ymd{std::chrono::year{year},
                                          std::chrono::month{static_cast<unsigned>(month)},
                                          std::chrono::day{static_cast<unsigned>(day)}};
    return ymd.ok();
}

// Years residents type in full; anything outside is a typo worth asking again about.
constexpr int min_full_year = 1900;
constexpr int max_full_year = 2100;

std::optional<civil_date> make_date(int day,
                                    int month,
                                    std::string_view year_token,
                                    const civil_date& today) {
    if (!all_digits(year_token)) return std::nullopt;
    int year = 0;
    if (year_token.size() == 4) {
        year = static_cast<int>(*to_integer(year_token));
        if (year < min_full_year || year > max_full_year) return std::nullopt;
    } else if (year_token.size() == 2) {
        const int yy = static_cast<int>(*to_integer(year_token));
        year = 2000 + yy;
        if (std::tie(year, month, day) > std::tie(today.year, today.month, today.day))
            year = 1900 + yy;
    } else {
        return std::nullopt;
    }
    if (!is_valid_date(year, month, day)) return std::nullopt;
    return civil_date{year, month, day};
}

bool has_digit(std::string_view s) {
    return std::any_of(s.begin(), s.end(), is_digit);
}

// Words residents put before a date: "tanggal 17 agustus 1990".
const word_list date_prefixes = {"tanggal", "tgl", "tg"};

std::vector<std::string> date_tokens(std::string_view raw) {
    std::vector<std::string> tokens(1);
    for (char c : sms::transliterate(raw)) {
        if (is_ascii_alnum(c) || static_cast<unsigned char>(c) >= 0x80) {
            tokens.back() += to_lower_ascii(c);
        } else if (!tokens.back().empty()) {
            tokens.emplace_back();
        }
    }
    if (tokens.back().empty()) tokens.pop_back();
    while (!tokens.empty() && contains(date_prefixes, tokens.front()))
        tokens.erase(tokens.begin());
    return tokens;
}

// ---------------------------------------------------------------------------------------------
// NIK

constexpr int min_province = 11;
constexpr int max_province = 94;
constexpr int female_day_offset = 40;

}  // namespace

// ---------------------------------------------------------------------------------------------

bool within_one_typo(std::string_view a, std::string_view b) {
    if (a == b) return true;
    constexpr std::size_t min_typo_length = 5;
    // Every code point (and every invalid sequence) takes at least one byte, so a text of
    // fewer bytes than that has fewer code points too: most keywords are short.
    if (a.size() < min_typo_length || b.size() < min_typo_length) return false;
    // In ASCII a byte is a code point: no need to decode.
    if (sms::is_ascii(a) && sms::is_ascii(b)) return one_edit_apart(a, b);
    const std::u32string ca = sms::decode_utf8(a);
    const std::u32string cb = sms::decode_utf8(b);
    if (ca.size() < min_typo_length || cb.size() < min_typo_length) return false;
    return one_edit_apart(std::u32string_view(ca), std::u32string_view(cb));
}

namespace {

// The readings that need no guessing: a key (after "no", "pilih"...), a label or synonym, a
// number word, or a copied menu line ("1. Menjahit") whose key and label agree.
std::optional<matched_choice> plain_reading(std::string_view n, menu_words& menu) {
    if (n.empty()) return std::nullopt;
    const std::string_view rest = strip_menu_prefix(n);
    if (auto i = find_key(rest, menu.keys())) return matched_choice{*i, match_kind::exact};
    if (auto m = match_words(n, menu, false)) return m;
    if (auto m = match_words(rest, menu, false)) return m;
    if (auto value = parse_number_words(strip_trailing_separators(rest))) {
        if (auto i = find_key(std::to_string(*value), menu.keys()))
            return matched_choice{*i, match_kind::number_word};
    }
    if (const auto space = rest.find(' '); space != std::string_view::npos) {
        const auto key = find_key(rest.substr(0, space), menu.keys());
        const auto label = match_words(rest.substr(space + 1), menu, true);
        if (key && label && label->index == *key) return matched_choice{*key, match_kind::exact};
    }
    return std::nullopt;
}

std::optional<matched_choice> typo_reading(std::string_view n, menu_words& menu) {
    if (n.empty()) return std::nullopt;
    if (auto m = match_words(n, menu, true)) return m;
    const std::string_view rest = strip_menu_prefix(n);
    if (rest != n) return match_words(rest, menu, true);
    return std::nullopt;
}

// True when `phrase` occurs in `text` as whole words; its word positions go to `at`.
bool find_phrase(const word_list& text, const word_list& phrase, std::size_t& at) {
    if (phrase.empty() || phrase.size() > text.size()) return false;
    for (std::size_t i = 0; i + phrase.size() <= text.size(); ++i) {
        if (std::equal(phrase.begin(), phrase.end(), text.begin() + static_cast<long>(i))) {
            at = i;
            return true;
        }
    }
    return false;
}

// A sentence that names exactly one option by its label or a synonym ("saya mau ikut kursus
// menjahit", "D3 keperawatan"). Not when it holds a number (which would be a key that may
// disagree, "2 menjahit") or a negation outside the name ("tidak benar" is not "benar").
std::optional<matched_choice> named_in_sentence(std::string_view text,
                                                menu_words& menu,
                                                const dialog::answer_vocabulary& script_words) {
    const word_list words = split_words(text);
    if (words.size() < 2 || std::any_of(words.begin(), words.end(), [](std::string_view w) {
            return all_digits(strip_trailing_separators(w));
        }))
        return std::nullopt;
    // Every option word found, as (option, first word, length). A name inside a longer name of
    // another option does not count: "tidak jadi daftar" names "tidak jadi", not "tidak".
    struct span {
        std::size_t option, at, length;
    };
    std::vector<span> spans;
    const auto& options = menu.words();
    for (std::size_t i = 0; i < options.size(); ++i) {
        for (const auto& option_word : options[i]) {
            const word_list phrase = split_words(option_word);
            for (std::size_t at = 0; at + phrase.size() <= words.size() && !phrase.empty(); ++at)
                if (std::equal(phrase.begin(), phrase.end(), words.begin() + static_cast<long>(at)))
                    spans.push_back({i, at, phrase.size()});
        }
    }
    const auto inside_longer = [&](const span& s) {
        return std::any_of(spans.begin(), spans.end(), [&](const span& o) {
            return o.option != s.option && o.length > s.length && o.at <= s.at &&
                   s.at + s.length <= o.at + o.length;
        });
    };
    std::optional<std::size_t> found;
    std::vector<bool> covered(words.size(), false);
    for (const auto& sp : spans) {
        if (inside_longer(sp)) continue;
        if (found && *found != sp.option) return std::nullopt;
        found = sp.option;
        std::fill(covered.begin() + static_cast<long>(sp.at),
                  covered.begin() + static_cast<long>(sp.at + sp.length),
                  true);
    }
    if (!found) return std::nullopt;
    // A negation anywhere but inside the name turns the sentence around.
    for (std::size_t i = 0; i < words.size(); ++i)
        if (!covered[i] && dialog::classify_phrase(words[i], script_words) == word_class::negation)
            return std::nullopt;
    return matched_choice{*found, match_kind::extracted};
}

// `text` without the whole-word occurrences of `phrase`.
std::string without_phrase(std::string text, std::string_view phrase) {
    const word_list drop = split_words(phrase);
    std::size_t at = 0;
    for (word_list words = split_words(text); find_phrase(words, drop, at);
         words = split_words(text)) {
        text = join_words(words.begin(), words.begin() + static_cast<long>(at)) + " " +
               join_words(words.begin() + static_cast<long>(at + drop.size()), words.end());
        text = normalize_answer(text);
    }
    return text;
}

// Menu options that are themselves a yes or a no (a summary's "1 YA, 2 UBAH"): the one whose
// own words hold a word of that meaning.
std::optional<matched_choice> yes_no_option(bool yes,
                                            menu_words& menu,
                                            const dialog::answer_vocabulary& script_words) {
    std::optional<matched_choice> found;
    const auto& options = menu.words();
    for (std::size_t i = 0; i < options.size(); ++i) {
        const bool has = std::any_of(options[i].begin(), options[i].end(), [&](const auto& w) {
            const auto k = dialog::classify_phrase(w, script_words);
            return yes ? k == word_class::yes : (k == word_class::no || k == word_class::negation);
        });
        if (!has) continue;
        if (found) return std::nullopt;
        found = matched_choice{i, match_kind::synonym};
    }
    return found;
}

std::optional<matched_choice> match_menu(std::string_view raw,
                                         menu_words& menu,
                                         const choice_context& context = {}) {
    const std::string n = normalize_answer(raw);
    if (n.empty()) return std::nullopt;
    if (auto m = plain_reading(n, menu)) return m;

    // Courtesy words around the answer ("3 pak", "tempursari ya bu"), then also a yes said
    // with it ("SMA ya"), then for lists the words around a place ("Kec. X, Kab. Lumajang").
    const auto& script_words = words_or_none(context.script_words);
    const auto classified = dialog::classify_words(n, script_words);
    std::vector<std::string> candidates;
    candidates.push_back(join_kept(
        classified, [](const classified_word& w) { return w.kind == word_class::courtesy; }));
    candidates.push_back(join_kept(classified, [](const classified_word& w) {
        return w.kind == word_class::courtesy || w.kind == word_class::yes;
    }));
    if (context.ignore || context.place) {
        std::string text = candidates.back();
        if (context.ignore) {
            // Longest first: "kab lumajang" before "lumajang".
            std::vector<std::string> ignore = *context.ignore;
            std::sort(ignore.begin(), ignore.end(), [](const auto& a, const auto& b) {
                return a.size() > b.size();
            });
            for (const auto& phrase : ignore)
                text = without_phrase(std::move(text), phrase);
        }
        if (context.place) {
            const word_list words = split_words(text);
            word_list kept;
            for (const auto w : words)
                if (!contains(place_words, w)) kept.push_back(w);
            text = join_words(kept.begin(), kept.end());
        }
        candidates.push_back(text);
    }
    for (const auto& c : candidates) {
        if (c == n) continue;
        if (auto m = plain_reading(c, menu)) return matched_choice{m->index, match_kind::extracted};
    }
    for (const auto& c : candidates) {
        if (auto m = named_in_sentence(c, menu, script_words)) return m;
    }
    if (context.yes_no_options) {
        if (const auto yn = match_yes_no(raw, script_words)) {
            if (auto m = yes_no_option(yn->first, menu, script_words)) return m;
        }
    }
    if (auto m = typo_reading(n, menu)) return m;
    for (const auto& c : candidates) {
        if (c == n) continue;
        if (auto m = typo_reading(c, menu)) return matched_choice{m->index, match_kind::extracted};
    }
    return std::nullopt;
}

// One yes/no word with a typo: near words of one meaning only, never by changing a vowel.
std::optional<bool> yes_no_typo(std::string_view w, const dialog::answer_vocabulary& script) {
    bool yes = false, no = false;
    const auto near = [w](std::string_view candidate) {
        return within_one_typo_keeping_vowels(w, candidate);
    };
    for (const auto k : {word_class::yes, word_class::no, word_class::negation}) {
        for (const auto candidate : dialog::built_in_words(k)) {
            if (near(candidate)) (k == word_class::yes ? yes : no) = true;
        }
    }
    for (const auto& candidate : script.yes)
        if (near(candidate)) yes = true;
    for (const auto& candidate : script.no)
        if (near(candidate)) no = true;
    if (yes == no) return std::nullopt;
    return yes;
}

template <typename View>
bool one_vowel_changed(View a, View b) {
    if (a.size() != b.size()) return false;
    const auto vowel = [](auto c) {
        return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
    };
    std::size_t changed = 0;
    bool vowels = true;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == b[i]) continue;
        ++changed;
        vowels = vowels && vowel(a[i]) && vowel(b[i]);
    }
    return changed == 1 && vowels;
}

constexpr std::size_t max_sentence_words = 6;

}  // namespace

bool within_one_typo_keeping_vowels(std::string_view a, std::string_view b) {
    if (!within_one_typo(a, b)) return false;
    if (sms::is_ascii(a) && sms::is_ascii(b)) return !one_vowel_changed(a, b);
    const std::u32string ca = sms::decode_utf8(a);
    const std::u32string cb = sms::decode_utf8(b);
    return !one_vowel_changed(std::u32string_view(ca), std::u32string_view(cb));
}

std::optional<matched_choice> match_choice(std::string_view raw,
                                           const std::vector<std::string>& keys,
                                           const std::vector<std::vector<std::string>>& words) {
    menu_words menu(keys, words);
    return match_menu(raw, menu);
}

std::optional<matched_choice> match_normalized_choice(
    std::string_view raw,
    const std::vector<std::string>& normalized_keys,
    const std::vector<std::vector<std::string>>& normalized_words,
    const choice_context& context) {
    menu_words menu(menu_words::ready_t{}, normalized_keys, normalized_words);
    return match_menu(raw, menu, context);
}

std::optional<std::pair<bool, match_kind>> match_yes_no(
    std::string_view raw, const dialog::answer_vocabulary& script_words) {
    const std::string n = normalize_answer(raw);
    const auto classified = dialog::classify_words(n, script_words);
    std::vector<classified_word> kept;
    for (const auto& w : classified)
        if (w.kind != word_class::courtesy) kept.push_back(w);
    if (kept.empty()) return std::nullopt;
    const bool dropped = kept.size() != classified.size();
    const auto is_no = [](word_class k) {
        return k == word_class::no || k == word_class::negation;
    };

    if (kept.size() == 1) {
        const auto& w = kept[0];
        const auto plain = [&](bool exact) {
            return dropped ? match_kind::extracted
                   : exact ? match_kind::exact
                           : match_kind::synonym;
        };
        if (w.kind == word_class::yes)
            return std::pair{true, plain(w.text == "ya" || w.text == "yes")};
        if (is_no(w.kind)) return std::pair{false, plain(w.text == "tidak" || w.text == "no")};
        if (w.kind != word_class::other) return std::nullopt;
        if (const auto typo = yes_no_typo(w.text, script_words))
            return std::pair{*typo, dropped ? match_kind::extracted : match_kind::typo};
        return std::nullopt;
    }
    if (kept.size() > max_sentence_words) return std::nullopt;

    // Read by the decisive word: the first yes or no, unless a later word contradicts it ("ya
    // tidak") or doubles a negation ("tidak salah", not wrong: neither a plain yes nor a no).
    const auto first = std::find_if(kept.begin(), kept.end(), [](const classified_word& w) {
        return dialog::is_decisive(w.kind);
    });
    if (first == kept.end()) return std::nullopt;
    const bool yes = first->kind == word_class::yes;
    bool others = first != kept.begin();
    for (auto it = first + 1; it != kept.end(); ++it) {
        if (yes && is_no(it->kind)) return std::nullopt;
        if (!yes && it->kind == word_class::no) return std::nullopt;
        if (!dialog::is_decisive(it->kind)) others = true;
    }
    return std::pair{yes, others || dropped ? match_kind::extracted : match_kind::synonym};
}

std::optional<bool> match_yes_no_digit(std::string_view raw,
                                       std::string_view prompt,
                                       const dialog::answer_vocabulary& script_words) {
    const std::string n = normalize_answer(raw);
    const std::string_view digit = strip_trailing_separators(strip_menu_prefix(n));
    if (digit.size() != 1 || !is_digit(digit.front())) return std::nullopt;
    // "Balas 1 Ya, 2 Tidak", "1=YA 2=TIDAK": a digit right before a yes or no word.
    const std::string p = normalize_answer(prompt);
    const auto words = dialog::classify_words(p, script_words);
    std::optional<std::string_view> yes_digit, no_digit;
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        const auto t = strip_trailing_separators(words[i].text);
        if (t.size() != 1 || !is_digit(t.front())) continue;
        const auto k = words[i + 1].kind;
        if (k == word_class::yes && !yes_digit) yes_digit = t;
        if ((k == word_class::no || k == word_class::negation) && !no_digit) no_digit = t;
    }
    if (!yes_digit && !no_digit) {
        yes_digit = "1";
        no_digit = "2";
    }
    if (yes_digit && digit == *yes_digit) return true;
    if (no_digit && digit == *no_digit) return false;
    return std::nullopt;
}

std::optional<std::pair<long long, match_kind>> match_whole_number(std::string_view raw) {
    if (has_sign_or_bare_fraction(raw)) return std::nullopt;
    const std::string n = normalize_answer(raw);
    word_list words = split_words(n);
    if (!words.empty() && contains(number_prefixes, words.front())) words.erase(words.begin());
    if (!words.empty() && contains(number_units, words.back())) words.pop_back();
    if (words.empty()) return std::nullopt;

    if (words.size() == 1) {
        std::string_view token = words[0];
        if (token.starts_with("rp") && token.size() > 2 && is_digit(token[2]))
            token.remove_prefix(2);
        token = strip_trailing_separators(token);  // "25." and the "Rp 1.500.000,-" style
        // "1.500.000,00" is whole; "2,5" is not, and "1,000" could be either, so both are
        // rejected.
        if (const auto comma = token.find(','); comma != std::string_view::npos) {
            const std::string_view fraction = token.substr(comma + 1);
            if (fraction.size() > 2 || fraction.find_first_not_of('0') != std::string_view::npos)
                return std::nullopt;
            token = token.substr(0, comma);
        }
        if (const auto digits = ungroup_thousands(token)) {
            constexpr std::size_t max_digits = 18;  // fits long long
            if (digits->size() > max_digits) return std::nullopt;
            if (auto value = to_integer(*digits)) return std::pair{*value, match_kind::exact};
            return std::nullopt;
        }
    }
    if (auto value = parse_number_words(join_words(words.begin(), words.end())))
        return std::pair{*value, match_kind::number_word};
    return std::nullopt;
}

std::optional<double> parse_indonesian_number(std::string_view raw) {
    std::string_view s = trim_spaces(raw);
    std::string text;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        if (s.front() == '-') text += '-';
        s.remove_prefix(1);
    }
    const auto comma = s.find(',');
    const auto whole = ungroup_thousands(s.substr(0, comma));
    if (!whole) return std::nullopt;
    text += *whole;
    if (comma != std::string_view::npos) {
        const std::string_view fraction = s.substr(comma + 1);
        if (!all_digits(fraction)) return std::nullopt;
        text += '.';
        text += fraction;
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<long long> parse_number_words(std::string_view normalized) {
    const word_list w = split_words(normalized);
    if (w.size() == 1) {
        if (auto d = digit_word(w[0])) return *d;
        if (w[0] == "sepuluh") return 10;
        if (w[0] == "sebelas") return 11;
        if (w[0] == "seratus") return 100;
        if (auto e = position_in(english_numbers, w[0])) return *e;
        return std::nullopt;
    }
    // "dua belas", "dua puluh", "dua puluh lima": a multiplier of 2..9 ("se-" covers 1).
    if (w.size() < 2 || w.size() > 3) return std::nullopt;
    const auto tens = digit_word(w[0]);
    if (!tens || *tens < 2) return std::nullopt;
    if (w.size() == 2 && w[1] == "belas") return 10 + *tens;
    if (w[1] != "puluh") return std::nullopt;
    if (w.size() == 2) return 10 * *tens;
    const auto ones = digit_word(w[2]);
    if (!ones || *ones == 0) return std::nullopt;
    return 10 * *tens + *ones;
}

std::string civil_date::iso() const {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, day);
    return buffer;
}

std::optional<civil_date> parse_date(std::string_view raw, const civil_date& today) {
    const std::vector<std::string> t = date_tokens(raw);
    if (t.size() == 1 && all_digits(t[0]) && (t[0].size() == 8 || t[0].size() == 6)) {
        // 17081990 or 170890: DDMMYY(YY), the order of a KTP.
        const std::string_view s = t[0];
        return make_date(*parse_small_number(s.substr(0, 2), 2),
                         *parse_small_number(s.substr(2, 2), 2),
                         s.substr(4),
                         today);
    }
    if (t.size() != 3) return std::nullopt;
    if (t[0].size() == 4 && all_digits(t[0])) {  // 1990-08-17
        const auto month = parse_small_number(t[1], 2);
        const auto day = parse_small_number(t[2], 2);
        if (!month || !day) return std::nullopt;
        return make_date(*day, *month, t[0], today);
    }
    auto day = parse_small_number(t[0], 2);
    auto month = parse_small_number(t[1], 2);
    if (!month) month = parse_month_name(t[1]);
    if (!day) {  // "august 17 1990"
        day = parse_small_number(t[1], 2);
        month = parse_month_name(t[0]);
    }
    if (!day || !month) return std::nullopt;
    return make_date(*day, *month, t[2], today);
}

std::optional<found_date> find_date(std::string_view raw, const civil_date& today) {
    if (auto d = parse_date(raw, today)) return found_date{*d, false};
    // The KTP's "Tempat/Tgl Lahir" and sentences around a date: one run of one to three
    // tokens reads as a date, and no other token holds a digit (an age or a second date would
    // make the answer ambiguous).
    std::vector<std::string> t = date_tokens(raw);
    std::optional<found_date> found;
    for (std::size_t first = 0; first < t.size(); ++first) {
        for (std::size_t count = 1; count <= 3 && first + count <= t.size(); ++count) {
            if (count == 1 && !all_digits(t[first])) continue;
            std::string window;
            for (std::size_t i = first; i < first + count; ++i)
                window += (i == first ? "" : " ") + t[i];
            const auto d = parse_date(window, today);
            if (!d) continue;
            const bool stray_digits = std::any_of(t.begin(), t.end(), [&](const std::string& w) {
                const auto at = static_cast<std::size_t>(&w - t.data());
                return (at < first || at >= first + count) && has_digit(w);
            });
            if (stray_digits) return std::nullopt;
            if (found && (found->date.year != d->year || found->date.month != d->month ||
                          found->date.day != d->day))
                return std::nullopt;
            found = found_date{*d, true};
        }
    }
    return found;
}

std::string nik_digits(std::string_view raw) {
    // "NIK 3508 0117 0895 0001", "nik: 3508-0117-...": words only before the number.
    const std::string plain = sms::transliterate(raw);
    std::string digits;
    bool in_number = false;
    for (const char c : plain) {
        if (is_digit(c)) {
            digits += c;
            in_number = true;
        } else if (c == ' ' || c == '.' || c == '-' || c == ':' || c == '\t') {
            continue;
        } else if (in_number || !is_ascii_alnum(c)) {
            return {};
        }
    }
    return digits;
}

civil_date civil_from_unix(unix_seconds t) {
    using namespace std::chrono;
    const year_month_day ymd{floor<days>(sys_seconds{seconds{t}})};
    return {static_cast<int>(ymd.year()),
            static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

int age_on(const civil_date& birth, const civil_date& today) {
    // Someone born on 29 February becomes a year older on 1 March in common years.
    int age = today.year - birth.year;
    if (std::tie(today.month, today.day) < std::tie(birth.month, birth.day)) --age;
    return age;
}

nik_problem check_nik(std::string_view digits, const std::optional<civil_date>& birth_date) {
    if (digits.size() != 16 || !all_digits(digits)) return nik_problem::not_16_digits;
    const auto two = [&](std::size_t pos) { return *parse_small_number(digits.substr(pos, 2), 2); };
    const int province = two(0);
    if (province < min_province || province > max_province) return nik_problem::bad_region;

    int day = two(6);
    if (day > female_day_offset) day -= female_day_offset;
    const int month = two(8);
    const int yy = two(10);
    // The century is not encoded; 29-02 is valid when 20yy is a leap year (19yy is then leap
    // too, except 1900, and 2000 was).
    if (!is_valid_date(2000 + yy, month, day)) return nik_problem::bad_birth_date;
    if (digits.substr(12) == "0000") return nik_problem::bad_serial;

    if (birth_date &&
        (birth_date->day != day || birth_date->month != month || birth_date->year % 100 != yy))
        return nik_problem::birth_date_mismatch;
    return nik_problem::none;
}

std::optional<matched_choice> match_list_item(std::string_view raw,
                                              const std::vector<std::vector<std::string>>& words,
                                              bool numbered) {
    std::vector<std::string> keys;
    if (numbered) {
        for (std::size_t i = 1; i <= words.size(); ++i)
            keys.push_back(std::to_string(i));
    }
    return match_choice(raw, keys, words);
}

bool is_skip_word(std::string_view raw) {
    // "-" (and "--", "–") is what residents write in a blank on paper forms.
    const std::string plain = sms::transliterate(raw);
    const std::string_view trimmed = trim_spaces(plain);
    if (!trimmed.empty() && trimmed.find_first_not_of('-') == std::string_view::npos) return true;

    static const word_list skip_words = {
        "lewati",    "lewat",       "skip",      "kosong",    "none",        "tidak ada",
        "tdk ada",   "gak ada",     "ga ada",    "nggak ada", "enggak ada",  "ndak ada",
        "belum ada", "tidak punya", "gak punya", "ga punya",  "belum punya", "tidak mau",
        "gak mau",   "ga mau",      "nggak mau", "ndak mau",  "lewati saja", "lewati aja",
        "skip aja",  "skip saja"};
    const std::string n = normalize_answer(raw);
    return std::any_of(skip_words.begin(), skip_words.end(), [&](std::string_view w) {
        return within_one_typo(n, w);
    });
}

bool is_question(std::string_view raw) {
    const std::string plain = sms::transliterate(raw);
    const std::string_view trimmed = trim_spaces(plain);
    if (!trimmed.empty() && trimmed.back() == '?') return true;
    const auto words = dialog::classify_words(normalize_answer(raw), no_script_words);
    return std::any_of(words.begin(), words.end(), [](const classified_word& w) {
        return w.kind == word_class::question;
    });
}

std::optional<std::string> not_a_text_answer(std::string_view raw,
                                             const dialog::answer_vocabulary& script_words) {
    const std::string n = normalize_answer(raw);
    if (std::none_of(n.begin(), n.end(), [](char c) {
            return (is_ascii_alnum(c) && !is_digit(c)) || static_cast<unsigned char>(c) >= 0x80;
        }))
        return "no letters";
    const auto words = dialog::classify_words(n, script_words);
    const bool courtesy = std::all_of(words.begin(), words.end(), [](const classified_word& w) {
        return w.kind == word_class::courtesy;
    });
    if (courtesy) return "a greeting or courtesy words";
    const bool yes_no = std::all_of(words.begin(), words.end(), [](const classified_word& w) {
        return w.kind == word_class::courtesy || dialog::is_decisive(w.kind);
    });
    if (yes_no) return "a yes or no";
    return std::nullopt;
}

std::string clean_text_answer(std::string_view raw, const std::vector<std::string>& prefixes) {
    std::string text = sms::gsm7_friendly(raw);
    // Longest prefix first ("nama saya" before "nama"), compared word by word as normalised,
    // so "Nama: Siti" and "Ds. Pasirian" lose theirs too; the rest keeps its own spelling.
    std::vector<std::string_view> by_length(prefixes.begin(), prefixes.end());
    std::sort(
        by_length.begin(), by_length.end(), [](auto a, auto b) { return a.size() > b.size(); });
    for (const auto prefix : by_length) {
        const word_list want = split_words(prefix);
        std::size_t pos = 0, matched = 0;
        while (matched < want.size()) {
            const auto start = text.find_first_not_of(' ', pos);
            if (start == std::string::npos) break;
            auto end = text.find(' ', start);
            if (end == std::string::npos) end = text.size();
            if (normalize_answer(std::string_view(text).substr(start, end - start)) !=
                want[matched])
                break;
            ++matched;
            pos = end;
        }
        if (matched != want.size() || want.empty()) continue;
        // Nothing after it: the question's own word ("Desa"), no answer at all.
        const auto rest = text.find_first_not_of(" :,.-", pos);
        return rest == std::string::npos ? std::string() : text.substr(rest);
    }
    return text;
}

std::optional<std::size_t> find_topic(std::string_view raw,
                                      const std::vector<std::vector<std::string>>& topic_words) {
    const std::string n = normalize_answer(raw);
    const word_list words = split_words(n);
    const auto names = [&](std::string_view topic_word) {
        const word_list phrase = split_words(topic_word);
        std::size_t at = 0;
        if (find_phrase(words, phrase, at)) return true;
        if (phrase.size() != 1) return false;
        return std::any_of(words.begin(), words.end(), [&](std::string_view w) {
            for (const std::string_view suffix : {"nya", "kah", "lah"})
                if (w.size() > suffix.size() && w.ends_with(suffix) &&
                    w.substr(0, w.size() - suffix.size()) == topic_word)
                    return true;
            return false;
        });
    };
    for (std::size_t i = 0; i < topic_words.size(); ++i)
        if (std::any_of(topic_words[i].begin(), topic_words[i].end(), names)) return i;
    return std::nullopt;
}

}  // namespace sapa::engine
