#pragma once
// SMS text rules shared by the script checker and the gateways: GSM 03.38 detection (with the
// extension table), segment counting, and transliteration of look-alike characters.
// Reference: shared gateways.md section 9. All functions take and return UTF-8.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::sms {

enum class encoding { gsm7, ucs2 };

struct text_cost {
    sms::encoding encoding = encoding::gsm7;
    // GSM-7: septets (extension-table characters count 2). UCS-2: UTF-16 code units.
    std::size_t units = 0;
    // Parts billed; 0 for the empty text. Filled greedily, never splitting an ESC pair or a
    // surrogate pair across parts (160/153 septets, 70/67 code units).
    std::size_t segments = 0;
    // Distinct code points (UTF-8 each) that force UCS-2, in order of first appearance.
    std::vector<std::string> non_gsm_chars;
};

// Cost of sending `text` as one SMS. Invalid UTF-8 bytes count as U+FFFD (forces UCS-2).
text_cost measure(std::string_view text);

// True when the code point is in the GSM 03.38 default alphabet or its extension table.
bool is_gsm7(char32_t code_point);

// Replaces common look-alikes with GSM-7 equivalents: curly quotes -> ' ", en/em dash -> -,
// ellipsis -> ..., non-breaking and other unicode spaces -> space, zero-width chars removed,
// bullet -> -, multiplication sign -> x. Other characters are kept unchanged.
std::string transliterate(std::string_view text);

// True for pictographs and other symbols that carry no letter: emoji (with their variation
// selectors, skin tones, keycaps and joiners), arrows, dingbats, box drawing, (c) (r) (tm).
// They force UCS-2 and mean nothing in a name or an answer.
bool is_pictograph(char32_t code_point);

// transliterate(), then pictographs dropped and Latin letters outside GSM-7 written without
// their accent ("Nur\u2019aini \U0001F64F" -> "Nur'aini", "Ren\u0101" -> "Rena"), spaces
// collapsed and trimmed. For text echoed back to residents: one emoji in a name must not turn
// a two-part summary into five. Letters of other scripts are kept.
std::string gsm7_friendly(std::string_view text);

// Splits `text` into the parts a gateway would send (same rules as measure()). Concatenated,
// the parts give `text` back, except that invalid UTF-8 bytes come back as U+FFFD.
std::vector<std::string> split_segments(std::string_view text);

// UTF-8 helpers shared with answer matching, so the project has one decoder. Invalid input
// (stray or missing continuation bytes, overlongs, surrogates, > U+10FFFF) decodes to U+FFFD,
// one per maximal invalid subpart as Unicode recommends.
std::u32string decode_utf8(std::string_view text);
void append_utf8(std::string& out, char32_t code_point);

// True when every byte is below 0x80: the text is its own UTF-8 decoding, one code point per
// byte, so callers may skip decode_utf8().
bool is_ascii(std::string_view text);

}  // namespace sapa::sms
