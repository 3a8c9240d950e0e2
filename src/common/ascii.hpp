#pragma once
// ASCII character classes that ignore the C locale: answers are compared byte by byte, and a
// byte of a UTF-8 sequence must never count as a letter or change case.

namespace sapa::common {

constexpr bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

constexpr bool is_ascii_alnum(char c) {
    return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr char to_lower_ascii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace sapa::common
