#pragma once
// The console's two languages, gettext-style: every text is written in Bahasa Indonesia in the
// code and that text is the key of its English translation (english.cpp, built in). A key
// without an English entry shows in Indonesian, never empty. Texts with values use named
// placeholders ("Versi {version} diterbitkan") filled after translation, so a translation may
// put them in any order. scripts/check-translations.py fails when a key has no entry.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sapa::console {

enum class language { id, en };

// "id" or "en": the <html lang> and the cookie value.
std::string_view code(language l);

// The language a browser asked for: the `sapa_lang` cookie when it names one, else the first
// of Indonesian or English in Accept-Language ("en-GB,en;q=0.9" is English), else Indonesian.
language language_of(std::string_view cookie, std::string_view accept_language);

// `indonesian` in `l` (Indonesian: itself; English: the table's entry or, missing, itself).
// A key "context|text" (N_("pesan|Masuk"), a message received, not "sign in") shows as `text`.
std::string_view translate(language l, std::string_view indonesian);

using placeholders = std::vector<std::pair<std::string_view, std::string>>;

// `pattern` with every "{name}" of `values` replaced by its value (values are inserted as
// given: escape them first when they go into HTML). Unknown names stay as written.
std::string fill(std::string_view pattern, const placeholders& values);

// Marks a text for translation where it is written (a table of labels) and translated later.
constexpr const char* N_(const char* indonesian) {
    return indonesian;
}

// The English table: (Indonesian, English) pairs, for the tests.
const std::vector<std::pair<std::string_view, std::string_view>>& english_table();

// The keys looked up in English that have no entry (since the process started; for tests).
std::vector<std::string> untranslated();

}  // namespace sapa::console
