#pragma once
// Builds the JSON pointers ("/nodes/ask_age/next") that locate problems; shared by the loader
// and the checker so both point at the same places.

#include <cstddef>
#include <string>
#include <string_view>

namespace sapa::dialog::detail {

// RFC 6901: "~" and "/" inside a key are escaped so the pointer stays unambiguous.
inline std::string child(const std::string& base, std::string_view key) {
    std::string out = base;
    out += '/';
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

inline std::string child(const std::string& base, std::size_t index) {
    return base + '/' + std::to_string(index);
}

}  // namespace sapa::dialog::detail
