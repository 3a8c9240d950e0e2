#pragma once
// The words Sapa understands by itself in any script: yes and no, negations, courtesy words
// residents put around an answer, question words. The engine reads answers with them; the
// checker uses them to warn about script words that would be misread. Regional words
// (Javanese, Madurese) are not here: scripts list them in "answer_words", where staff can have
// a native speaker check them.

#include "dialog/script.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sapa::dialog {

enum class word_class {
    yes,       // ya, iya, ok, setuju, benar; phrases such as "tidak apa apa"
    no,        // salah, nope, t, n
    negation,  // tidak, gak, belum, jangan: a no that may open a phrase ("tidak mau")
    courtesy,  // pak, bu, saya, deh, terima kasih, halo, selamat pagi: meaningless around answers
    question,  // apa, berapa, kapan, dimana, siapa, gimana, tanya
    other,
};

// One word, or a phrase of the lists read as one word ("terima kasih"), of a normalised
// message.
struct classified_word {
    std::string_view text;
    word_class kind = word_class::other;
};

// Splits a message normalised by normalize_answer() into words and classifies each, the
// longest phrase first, yes phrases before negations ("tidak apa apa" is a yes). The script's
// answer_words (normalised) come before the built-in ones. The views point into `normalized`.
std::vector<classified_word> classify_words(std::string_view normalized,
                                            const answer_vocabulary& script_words);

// The built-in class of one normalised word or phrase, ignoring any script's words.
word_class built_in_class(std::string_view normalized);

// The built-in words (single words, no phrases) of one class, for typo matching.
const std::vector<std::string_view>& built_in_words(word_class k);

// The class of one normalised word or phrase, the script's answer_words first.
word_class classify_phrase(std::string_view normalized, const answer_vocabulary& script_words);

// True when the class says yes or no (negations included).
inline bool is_decisive(word_class k) {
    return k == word_class::yes || k == word_class::no || k == word_class::negation;
}

}  // namespace sapa::dialog
