#pragma once
// Contact addresses as channels deliver them, normalised so one resident is one contact.

#include <optional>
#include <string>
#include <string_view>

namespace sapa::messaging {

// Normalises a phone number to E.164 ("+6281234567890"), leniently, for text a resident
// types (an answer of type phone) and for gateways that always send E.164. Indonesian forms
// are accepted: "0812...", "62812...", "+62 812-3456-7890", "+62 0812..." (the trunk 0 after
// the country code is dropped), "(0334) 881234", "0062...", and "812..." (read as Indonesian
// without its 0). A number that already starts with "+" and another country code is kept
// (digits only). Returns nullopt when the text is not a plausible phone number (fewer than 8
// or more than 15 digits, letters).
std::optional<std::string> normalize_phone(std::string_view text);

// The outcome of normalize_phone_strict: the E.164 number, or why the text was refused.
struct strict_phone {
    std::optional<std::string> e164;
    std::string problem;  // plain words, set when e164 is empty
};

// For sources where a bare number is ambiguous (a bridge's JSON, staff typing a number for
// `sapa forget` or `sapa export --contact`): "+" and the country code (E.164), or an
// Indonesian form that cannot be misread: "0812..." (national), "62812..." or "0062812...".
// Refuses what normalize_phone would guess at: a bare "8..." (Indonesian without its 0, or
// a foreign number without its "+", such as China's "86..."), other bare digits, another
// "00" prefix (Indonesian operators use 001, 007, 008 and more before a country code), and
// "+0...". Separators as for normalize_phone.
strict_phone normalize_phone_strict(std::string_view text);

// A contact named by staff or a bridge: a phone number must pass normalize_phone_strict;
// text that is no phone number at all (a channel id such as "anon-000123") is kept, trimmed.
// An empty e164 with an empty problem means there was nothing but blanks.
strict_phone strict_contact_address(std::string_view text);

// "+6281234567890" -> "+62812****7890": what logs at info level may show.
std::string mask_phone(std::string_view e164);

}  // namespace sapa::messaging
