#include "dialog/answer_text.hpp"

#include "common/ascii.hpp"
#include "sms/gsm7.hpp"

namespace sapa::dialog {
namespace {

using common::is_ascii_alnum;
using common::to_lower_ascii;
constexpr auto is_digit = common::is_ascii_digit;

std::string normalize_plain(std::string_view text) {
    std::string out;
    out.reserve(text.size());  // never longer: a space only stands for a dropped character
    bool pending_space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool letter = is_ascii_alnum(c) || static_cast<unsigned char>(c) >= 0x80;
        // A dot or comma after a digit belongs to the number: "1.", "1.000", "2,5".
        const bool number_separator = (c == '.' || c == ',') && i > 0 && is_digit(text[i - 1]);
        if (!letter && !number_separator) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += to_lower_ascii(c);
    }
    return out;
}

// Emoji residents answer with: a thumbs-up is a yes, a cross a no. Every other pictograph
// (folded hands, hearts, skin tones, variation selectors) separates words and means nothing.
std::string words_for_pictographs(std::string_view text) {
    std::string out;
    for (char32_t cp : sms::decode_utf8(text)) {
        switch (cp) {
            case 0x1F44D:  // thumbs up
            case 0x1F44C:  // OK hand
            case 0x2705:   // check mark button
            case 0x2714:   // check mark
            case 0x2611:   // ballot box with check
            case 0x1F197:  // OK button
                out += " ya ";
                break;
            case 0x1F44E:  // thumbs down
            case 0x274C:   // cross mark
            case 0x274E:   // cross mark button
            case 0x2716:   // multiplication x
                out += " tidak ";
                break;
            default:
                if (sms::is_pictograph(cp))
                    out += ' ';
                else
                    sms::append_utf8(out, cp);
        }
    }
    return out;
}

std::vector<std::string> normalized(const std::vector<std::string>& words) {
    std::vector<std::string> out;
    out.reserve(words.size());
    for (const auto& w : words)
        out.push_back(normalize_answer(w));
    return out;
}

}  // namespace

std::string normalize_answer(std::string_view raw) {
    // Smartphone keyboards send curly quotes, no-break spaces and zero-width characters; the
    // SMS look-alike table turns them into plain ASCII first. ASCII text has none of them.
    if (sms::is_ascii(raw)) return normalize_plain(raw);
    return normalize_plain(words_for_pictographs(sms::transliterate(raw)));
}

void normalize_answer_words(script& s) {
    for (auto& k : s.keywords) {
        k.normalized.clear();
        for (const auto& [language, words] : k.words)
            k.normalized.push_back(normalized(words));
    }
    for (auto& t : s.topics) {
        t.normalized.clear();
        for (const auto& [language, words] : t.words)
            for (const auto& w : words)
                t.normalized.push_back(normalize_answer(w));
    }
    s.normalized_vocabulary = {
        normalized(s.vocabulary.yes), normalized(s.vocabulary.no), normalized(s.vocabulary.ignore)};
    for (auto& [id, list] : s.lists) {
        list.normalized_ignore = normalized(list.ignore);
        list.normalized = {};
        for (const auto& item : list.items) {
            list.normalized.keys.push_back(std::to_string(list.normalized.keys.size() + 1));
            auto& words = list.normalized.words.emplace_back();
            words.push_back(normalize_answer(item.value));
            for (const auto& w : item.synonyms)
                words.push_back(normalize_answer(w));
        }
    }
    for (auto& [id, n] : s.nodes) {
        if (!n.ask) continue;
        auto& a = *n.ask;
        a.normalized = {};
        for (const auto& o : a.options) {
            a.normalized.keys.push_back(normalize_answer(o.key));
            auto& words = a.normalized.words.emplace_back();
            for (const auto& [language, label] : o.label.by_language)
                words.push_back(normalize_answer(label));
            for (const auto& w : o.synonyms)
                words.push_back(normalize_answer(w));
            if (o.value != o.key) words.push_back(normalize_answer(o.value));
        }
    }
}

}  // namespace sapa::dialog
