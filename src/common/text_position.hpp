#pragma once
// Positions in a text file as an editor shows them, for messages that point at a mistake.

#include <cstddef>
#include <string>
#include <string_view>

namespace sapa::common {

// "line:column" (both 1-based) of the character that starts at byte `offset` of `text`.
// Columns count characters, not bytes, so a line with "é" or "“" before it still matches.
std::string line_column(std::string_view text, std::size_t offset);

// nlohmann reads a number too large for a double ("1e999") as json::out_of_range 406, whose
// message names the number ("number overflow parsing '1e999'") but not where it is. Returns
// that number, or empty when the message names none.
std::string_view overflowing_number(std::string_view message);

}  // namespace sapa::common
