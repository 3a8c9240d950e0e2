#pragma once
// The form in which residents' answers and the script's own answer words are compared. It
// lives with the script model so that a catalog can normalise its scripts' words once, when it
// is built; the engine normalises each inbound message the same way.

#include "dialog/script.hpp"

#include <string>
#include <string_view>

namespace sapa::dialog {

// Lower-cases ASCII, turns punctuation other than digits' separators into spaces, collapses
// runs of spaces and trims: "  Pilih  1. " -> "pilih 1.", "YA!!" -> "ya". Keeps UTF-8 letters;
// emoji separate words, except that a thumbs-up or check mark reads "ya" and a thumbs-down or
// cross "tidak" ("Iya \U0001F64F" -> "iya", "\U0001F44D" -> "ya").
std::string normalize_answer(std::string_view raw);

// Fills the normalised answer words of the script's menus, lists, keywords, topics and
// answer_words.
void normalize_answer_words(script& s);

}  // namespace sapa::dialog
