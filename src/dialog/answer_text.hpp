#pragma once
// The form in which residents' answers and the script's own answer words are compared. It
// lives with the script model so that a catalog can normalise its scripts' words once, when it
// is built; the engine normalises each inbound message the same way.

#include "dialog/script.hpp"

#include <string>
#include <string_view>

namespace sapa::dialog {

// Lower-cases ASCII, turns punctuation other than digits' separators into spaces, collapses
// runs of spaces and trims: "  Pilih  1. " -> "pilih 1.", "YA!!" -> "ya". Keeps UTF-8 letters.
std::string normalize_answer(std::string_view raw);

// Fills the `normalized` answer words of the script's menus, lists and keywords.
void normalize_answer_words(script& s);

}  // namespace sapa::dialog
