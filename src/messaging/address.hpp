#pragma once
// Contact addresses as channels deliver them, normalised so one resident is one contact.

#include <optional>
#include <string>
#include <string_view>

namespace sapa::messaging {

// Normalises a phone number to E.164 ("+6281234567890"). Indonesian forms are accepted:
// "0812...", "62812...", "+62 812-3456-7890", "(0334) 881234", "0062...". A number that
// already starts with "+" and another country code is kept (digits only). Returns nullopt
// when the text is not a plausible phone number (fewer than 8 or more than 15 digits, letters).
std::optional<std::string> normalize_phone(std::string_view text);

// "+6281234567890" -> "+62812****7890": what logs at info level may show.
std::string mask_phone(std::string_view e164);

}  // namespace sapa::messaging
