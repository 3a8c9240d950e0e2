#pragma once
// Builds the JSON pointers ("/nodes/ask_age/next") that locate problems; shared by the loader
// and the checker so both point at the same places.

#include <cstddef>
#include <string>
#include <string_view>

namespace sapa::dialog::detail {

// `base` + "/" + `key`, with "~" and "/" inside the key escaped (RFC 6901).
std::string child(const std::string& base, std::string_view key);

inline std::string child(const std::string& base, std::size_t index) {
    return base + '/' + std::to_string(index);
}

}  // namespace sapa::dialog::detail
