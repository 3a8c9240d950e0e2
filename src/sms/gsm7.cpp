#include "sms/gsm7.hpp"

#include <algorithm>
#include <array>

namespace sapa::sms {

namespace {

constexpr char32_t replacement_char = 0xFFFD;

// GSM 03.38 default alphabet in septet order (0x00..0x7F). 0x1B is ESC, the escape to the
// extension table, not a character of its own, so is_gsm7() excludes it.
constexpr std::u32string_view basic_alphabet =
    U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ"
    U"\x1B"
    U"ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    U"¿abcdefghijklmnopqrstuvwxyzäöñüà";
static_assert(basic_alphabet.size() == 128);
constexpr char32_t esc = 0x1B;

// Extension table characters (sent as ESC + char): form feed ^ { } \ [ ~ ] | €.
constexpr std::u32string_view extension_table = U"\f^{}\\[~]|€";

// Septets one code point costs in GSM-7: 1 (default alphabet), 2 (extension), 0 (not GSM).
constexpr std::size_t septets_by_search(char32_t cp) {
    if (cp != esc && basic_alphabet.find(cp) != std::u32string_view::npos) return 1;
    if (extension_table.find(cp) != std::u32string_view::npos) return 2;
    return 0;
}

// The same for ASCII, looked up: measuring every logged text searched both tables for each
// character, which was 5 % of the store writer's time.
constexpr auto ascii_septets = [] {
    std::array<unsigned char, 128> table{};
    for (char32_t cp = 0; cp < table.size(); ++cp)
        table[cp] = static_cast<unsigned char>(septets_by_search(cp));
    return table;
}();

std::size_t gsm_septets(char32_t cp) {
    return cp < ascii_septets.size() ? ascii_septets[cp] : septets_by_search(cp);
}

std::size_t utf16_units(char32_t cp) {
    return cp > 0xFFFF ? 2 : 1;
}

struct segment_limits {
    std::size_t single;    // capacity when the text fits in one SMS
    std::size_t per_part;  // capacity of each part of a concatenated SMS (UDH takes the rest)
};
constexpr segment_limits gsm7_limits{160, 153};
constexpr segment_limits ucs2_limits{70, 67};

struct plan {
    sms::encoding encoding = encoding::gsm7;
    std::u32string code_points;
    std::vector<std::size_t> costs;  // units of each code point in the chosen encoding
    std::size_t units = 0;
    // Index of the first code point of each part; empty for the empty text.
    std::vector<std::size_t> part_starts;
};

// One code point is never divided, so an ESC pair or a surrogate pair always stays in one part:
// filling greedily by whole code points is what keeps the pairs together.
plan make_plan(std::string_view text) {
    plan p;
    p.code_points = decode_utf8(text);
    bool all_gsm = std::all_of(p.code_points.begin(), p.code_points.end(), [](char32_t cp) {
        return gsm_septets(cp) != 0;
    });
    p.encoding = all_gsm ? encoding::gsm7 : encoding::ucs2;
    p.costs.reserve(p.code_points.size());
    for (char32_t cp : p.code_points) {
        p.costs.push_back(all_gsm ? gsm_septets(cp) : utf16_units(cp));
        p.units += p.costs.back();
    }
    if (p.code_points.empty()) return p;

    const segment_limits limits = all_gsm ? gsm7_limits : ucs2_limits;
    p.part_starts.push_back(0);
    if (p.units <= limits.single) return p;
    std::size_t filled = 0;
    for (std::size_t i = 0; i < p.costs.size(); ++i) {
        if (filled + p.costs[i] > limits.per_part) {
            p.part_starts.push_back(i);
            filled = 0;
        }
        filled += p.costs[i];
    }
    return p;
}

// Look-alikes that force UCS-2, with the GSM-7 text that replaces them.
struct look_alike {
    char32_t from;
    std::string_view to;
};
constexpr std::array look_alikes = {
    // Curly and low-9 quotes.
    look_alike{0x2018, "'"},
    look_alike{0x2019, "'"},
    look_alike{0x201A, "'"},
    look_alike{0x201B, "'"},
    look_alike{0x201C, "\""},
    look_alike{0x201D, "\""},
    look_alike{0x201E, "\""},
    look_alike{0x201F, "\""},
    // Hyphens and dashes (U+2010..U+2015) and the minus sign.
    look_alike{0x2010, "-"},
    look_alike{0x2011, "-"},
    look_alike{0x2012, "-"},
    look_alike{0x2013, "-"},
    look_alike{0x2014, "-"},
    look_alike{0x2015, "-"},
    look_alike{0x2212, "-"},
    look_alike{0x2026, "..."},
    // Bullets.
    look_alike{0x2022, "-"},
    look_alike{0x2023, "-"},
    look_alike{0x2043, "-"},
    look_alike{0x00D7, "x"},
    // Unicode spaces: no-break, ogham, en quad..hair space, narrow no-break, math, ideographic.
    look_alike{0x00A0, " "},
    look_alike{0x1680, " "},
    look_alike{0x2000, " "},
    look_alike{0x2001, " "},
    look_alike{0x2002, " "},
    look_alike{0x2003, " "},
    look_alike{0x2004, " "},
    look_alike{0x2005, " "},
    look_alike{0x2006, " "},
    look_alike{0x2007, " "},
    look_alike{0x2008, " "},
    look_alike{0x2009, " "},
    look_alike{0x200A, " "},
    look_alike{0x202F, " "},
    look_alike{0x205F, " "},
    look_alike{0x3000, " "},
    // Invisible characters: zero-width space, word joiner, BOM.
    look_alike{0x200B, ""},
    look_alike{0x2060, ""},
    look_alike{0xFEFF, ""},
};

// Zero-width (non-)joiners shape emoji sequences and Indic scripts. Between two characters that
// force UCS-2 anyway, removing them would change what the resident sees and save nothing.
bool is_joiner(char32_t cp) {
    return cp == 0x200C || cp == 0x200D;
}

bool keeps_joiner(const std::u32string& cps, std::size_t i) {
    return i > 0 && i + 1 < cps.size() && gsm_septets(cps[i - 1]) == 0 &&
           gsm_septets(cps[i + 1]) == 0;
}

// Latin letters with an accent that GSM-7 lacks, and the plain letter that replaces each. The
// accented letters GSM-7 has (e acute, a grave, n tilde...) are kept as they are.
struct folded_letter {
    char32_t from;
    char to;
};
constexpr std::array folded_letters = {
    folded_letter{0x00C0, 'A'}, folded_letter{0x00C1, 'A'}, folded_letter{0x00C2, 'A'},
    folded_letter{0x00C3, 'A'}, folded_letter{0x00C8, 'E'}, folded_letter{0x00CA, 'E'},
    folded_letter{0x00CB, 'E'}, folded_letter{0x00CC, 'I'}, folded_letter{0x00CD, 'I'},
    folded_letter{0x00CE, 'I'}, folded_letter{0x00CF, 'I'}, folded_letter{0x00D2, 'O'},
    folded_letter{0x00D3, 'O'}, folded_letter{0x00D4, 'O'}, folded_letter{0x00D5, 'O'},
    folded_letter{0x00D9, 'U'}, folded_letter{0x00DA, 'U'}, folded_letter{0x00DB, 'U'},
    folded_letter{0x00DD, 'Y'}, folded_letter{0x00E1, 'a'}, folded_letter{0x00E2, 'a'},
    folded_letter{0x00E3, 'a'}, folded_letter{0x00EA, 'e'}, folded_letter{0x00EB, 'e'},
    folded_letter{0x00ED, 'i'}, folded_letter{0x00EE, 'i'}, folded_letter{0x00EF, 'i'},
    folded_letter{0x00F3, 'o'}, folded_letter{0x00F4, 'o'}, folded_letter{0x00F5, 'o'},
    folded_letter{0x00FA, 'u'}, folded_letter{0x00FB, 'u'}, folded_letter{0x00FD, 'y'},
    folded_letter{0x00FF, 'y'}, folded_letter{0x0100, 'A'}, folded_letter{0x0101, 'a'},
    folded_letter{0x0112, 'E'}, folded_letter{0x0113, 'e'}, folded_letter{0x012A, 'I'},
    folded_letter{0x012B, 'i'}, folded_letter{0x014C, 'O'}, folded_letter{0x014D, 'o'},
    folded_letter{0x016A, 'U'}, folded_letter{0x016B, 'u'},
};

}  // namespace

bool is_pictograph(char32_t cp) {
    return cp == 0x00A9 || cp == 0x00AE || cp == 0x200D || cp == 0x20E3 || cp == 0x2122 ||
           (cp >= 0x2190 && cp <= 0x21FF) || (cp >= 0x2300 && cp <= 0x23FF) ||
           (cp >= 0x2460 && cp <= 0x24FF) || (cp >= 0x2500 && cp <= 0x27BF) ||
           (cp >= 0x2900 && cp <= 0x297F) || (cp >= 0x2B00 && cp <= 0x2BFF) || cp == 0x3030 ||
           cp == 0x303D || cp == 0x3297 || cp == 0x3299 || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0xE0020 && cp <= 0xE007F);
}

std::string gsm7_friendly(std::string_view text) {
    std::string plain;
    if (is_ascii(text)) {
        plain = text;
    } else {
        for (char32_t cp : decode_utf8(transliterate(text))) {
            const auto folded = std::find_if(folded_letters.begin(),
                                             folded_letters.end(),
                                             [cp](const folded_letter& f) { return f.from == cp; });
            if (is_pictograph(cp))
                plain += ' ';
            else if (folded != folded_letters.end())
                plain += folded->to;
            else
                append_utf8(plain, cp);
        }
    }
    // A dropped pictograph, a tab or a line break leaves one space between words, none at the
    // ends.
    std::string out;
    for (char c : plain) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

bool is_ascii(std::string_view text) {
    return std::all_of(
        text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::u32string decode_utf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x80) {
            out.push_back(lead);
            ++i;
            continue;
        }
        // Unicode table 3-7: the allowed range of the second byte excludes overlongs (E0, F0),
        // surrogates (ED) and code points above U+10FFFF (F4).
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF;
        char32_t cp = 0;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            cp = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            cp = lead & 0x0F;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            cp = lead & 0x07;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        } else {
            // Stray continuation byte, C0/C1 (always overlong) or F5..FF.
            out.push_back(replacement_char);
            ++i;
            continue;
        }
        std::size_t taken = 1;
        for (; taken < length && i + taken < text.size(); ++taken) {
            const auto byte = static_cast<unsigned char>(text[i + taken]);
            if (byte < low || byte > high) break;
            cp = (cp << 6) | (byte & 0x3F);
            low = 0x80;
            high = 0xBF;
        }
        // A truncated sequence is one maximal subpart: one U+FFFD, and the byte that broke it
        // starts afresh.
        out.push_back(taken == length ? cp : replacement_char);
        i += taken;
    }
    return out;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = replacement_char;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool is_gsm7(char32_t code_point) {
    return gsm_septets(code_point) != 0;
}

text_cost measure(std::string_view text) {
    plan p = make_plan(text);
    text_cost cost;
    cost.encoding = p.encoding;
    cost.units = p.units;
    cost.segments = p.part_starts.size();
    std::u32string seen;
    for (char32_t cp : p.code_points) {
        if (gsm_septets(cp) != 0 || seen.find(cp) != std::u32string::npos) continue;
        seen.push_back(cp);
        cost.non_gsm_chars.emplace_back();
        append_utf8(cost.non_gsm_chars.back(), cp);
    }
    return cost;
}

std::string transliterate(std::string_view text) {
    // Every look-alike and joiner is outside ASCII, and most inbound SMS text is ASCII: such
    // text comes back unchanged without decoding and re-encoding it.
    if (is_ascii(text)) return std::string(text);
    const std::u32string cps = decode_utf8(text);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const char32_t cp = cps[i];
        const auto found = std::find_if(look_alikes.begin(),
                                        look_alikes.end(),
                                        [cp](const look_alike& l) { return l.from == cp; });
        if (found != look_alikes.end()) {
            out += found->to;
        } else if (!is_joiner(cp) || keeps_joiner(cps, i)) {
            append_utf8(out, cp);
        }
    }
    return out;
}

std::vector<std::string> split_segments(std::string_view text) {
    const plan p = make_plan(text);
    std::vector<std::string> parts;
    for (std::size_t k = 0; k < p.part_starts.size(); ++k) {
        const std::size_t end =
            k + 1 < p.part_starts.size() ? p.part_starts[k + 1] : p.code_points.size();
        std::string& part = parts.emplace_back();
        for (std::size_t i = p.part_starts[k]; i < end; ++i)
            append_utf8(part, p.code_points[i]);
    }
    return parts;
}

}  // namespace sapa::sms
