// Included first: proves the header is self-contained.
#include "dialog/words.hpp"

#include "dialog/answer_text.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace sapa::dialog;

namespace {

// "word:class" for each classified word, readable in a failing CHECK.
std::vector<std::string> classes(std::string_view raw, const answer_vocabulary& words = {}) {
    static const char* const names[] = {"yes", "no", "negation", "courtesy", "question", "other"};
    const std::string n = normalize_answer(raw);
    std::vector<std::string> out;
    for (const auto& w : classify_words(n, words))
        out.push_back(std::string(w.text) + ":" + names[static_cast<int>(w.kind)]);
    return out;
}

}  // namespace

TEST_CASE("words: the longest phrase first, yes phrases before negations") {
    using v = std::vector<std::string>;
    CHECK(classes("iya saya setuju") == v{"iya:yes", "saya:courtesy", "setuju:yes"});
    CHECK(classes("Terima kasih, tidak apa apa") ==
          v{"terima kasih:courtesy", "tidak apa apa:yes"});
    CHECK(classes("tidak mau") == v{"tidak:negation", "mau:yes"});
    CHECK(classes("berapa biayanya?") == v{"berapa:question", "biayanya:other"});
    CHECK(classes("Selamat pagi bu") == v{"selamat pagi:courtesy", "bu:courtesy"});
    CHECK(classes("") == v{});
}

TEST_CASE("words: a script's answer_words come before the built-in ones") {
    answer_vocabulary words;
    words.yes = {"nggih", "he em"};
    words.no = {"mboten"};
    words.ignore = {"kulo", "pak"};
    using v = std::vector<std::string>;
    CHECK(classes("Kulo nggih", words) == v{"kulo:courtesy", "nggih:yes"});
    CHECK(classes("he'em", words) == v{"he em:yes"});
    CHECK(classes("mboten pak", words) == v{"mboten:no", "pak:courtesy"});
    CHECK(classify_phrase("nggih", words) == word_class::yes);
    CHECK(classify_phrase("nggih", {}) == word_class::other);
    CHECK(built_in_class("tidak") == word_class::negation);
    CHECK(is_decisive(word_class::negation));
    CHECK_FALSE(is_decisive(word_class::courtesy));
    const auto& yes = built_in_words(word_class::yes);
    CHECK(std::find(yes.begin(), yes.end(), "setuju") != yes.end());
    CHECK(std::find(yes.begin(), yes.end(), "tidak apa apa") == yes.end());  // phrases left out
}
