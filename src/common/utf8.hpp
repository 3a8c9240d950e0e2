#pragma once
// UTF-8 checks shared by the gateways (inbound texts) and the staff tools (imported files).

#include <string_view>

namespace sapa::common {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text) noexcept;

}  // namespace sapa::common
