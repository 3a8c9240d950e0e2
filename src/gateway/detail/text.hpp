#pragma once
// Text helpers shared by the adapters: UTF-8 checks, XML escaping, form encoding (through
// Boost.URL) and content-type matching.

#include <boost/system/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sapa::gateway::detail {

using form_params = std::vector<std::pair<std::string, std::string>>;

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text) noexcept;

// Inbound text and profile names as Sapa keeps them: without NUL and the other C0 control
// characters but newline and tab, and without DEL. A resident's phone never means them, and
// stored they would travel on into the database, exports and logs.
std::string without_control_characters(std::string_view text);

// Code points in valid UTF-8 text.
std::size_t utf8_length(std::string_view text) noexcept;

// The longest prefix of `text` with at most `max_code_points` code points.
std::string utf8_truncate(std::string_view text, std::size_t max_code_points);

// Escapes & < > " ' for XML text and attribute values; drops the control characters XML
// 1.0 forbids (all below 0x20 but tab, newline and carriage return).
std::string xml_escape(std::string_view text);

// Decodes application/x-www-form-urlencoded ("+" is a space), keeping order and repeated
// keys. Fails with errc::malformed_body on an invalid escape or character.
boost::system::result<form_params> decode_form(std::string_view encoded);
// The same without copying `encoded` first (a std::string ends with a NUL, which Boost.URL
// needs; a view may not).
boost::system::result<form_params> decode_form(const std::string& encoded);
// A string literal would fit both overloads above.
boost::system::result<form_params> decode_form(const char* encoded);

// The inverse: every byte but A-Z a-z 0-9 - . _ ~ is escaped, spaces become "+".
std::string encode_form(const form_params& params);

// True when the media type of `content_type` (before any ';', any case) is `expected`.
bool media_type_is(std::string_view content_type, std::string_view expected) noexcept;

// No answer, throttled or a server error: worth sending again later.
inline bool transient_http_status(int status) noexcept {
    return status <= 0 || status == 429 || status >= 500;
}

}  // namespace sapa::gateway::detail
