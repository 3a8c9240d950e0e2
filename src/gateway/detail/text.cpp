#include "gateway/detail/text.hpp"

#include "common/ascii.hpp"
#include "common/utf8.hpp"
#include "gateway/error.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <cctype>
#include <iterator>

namespace sapa::gateway::detail {

bool valid_utf8(std::string_view text) noexcept {
    return common::valid_utf8(text);
}

std::string without_control_characters(std::string_view text) {
    auto dropped = [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f;
    };
    // Texts almost never have one: then the copy is the whole work.
    auto first = std::find_if(text.begin(), text.end(), dropped);
    std::string out(text.begin(), first);
    if (first == text.end()) return out;
    out.reserve(text.size());
    std::remove_copy_if(first, text.end(), std::back_inserter(out), dropped);
    return out;
}

std::size_t utf8_length(std::string_view text) noexcept {
    std::size_t count = 0;
    for (char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    }
    return count;
}

std::string utf8_truncate(std::string_view text, std::size_t max_code_points) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (count == max_code_points) return std::string(text.substr(0, i));
            ++count;
        }
    }
    return std::string(text);
}

namespace {

bool kept_in_xml(char c) {
    switch (c) {
        case '&':
        case '<':
        case '>':
        case '"':
        case '\'':
            return false;
        case '\t':
        case '\n':
        case '\r':
            return true;
        default:
            return static_cast<unsigned char>(c) >= 0x20;
    }
}

const char* xml_entity(char c) {
    switch (c) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return "&quot;";
        case '\'':
            return "&apos;";
        default:
            // Other control characters are not allowed in XML 1.0 at all: dropped.
            return "";
    }
}

}  // namespace

// Copies runs of plain text whole: reply texts are long and rarely need an entity, and a
// character at a time was 5 % of an io thread's instructions.
std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (kept_in_xml(text[i])) continue;
        out.append(text.substr(run, i - run));
        out += xml_entity(text[i]);
        run = i + 1;
    }
    out.append(text.substr(run));
    return out;
}

namespace {

// `encoded` must be a std::string: Boost.URL 1.81's parse_query() rebuilds its input with
// strlen(data()) (detail::query_ref takes a string_view, and is given a pointer), so a view
// that is not NUL-terminated at its end was read past, and the bytes after it were iterated
// as parameters. Found by fuzz_form; regression test form_decode_unterminated_view.
boost::system::result<form_params> decode_terminated(const std::string& encoded) {
    // The parsed view is iterated directly, instead of a params_view built on the same text,
    // which would parse it a second time; each key and value is decoded once, in place.
    auto parsed = boost::urls::parse_query(encoded);
    if (!parsed) return errc::malformed_body;
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    form_params out;
    out.reserve(parsed->size());
    for (auto param : *parsed) {
        if (param.key.empty() && param.value.empty()) continue;  // "a=1&&b=2"
        out.emplace_back(param.key.decode(opts), param.value.decode(opts));
    }
    return out;
}

}  // namespace

boost::system::result<form_params> decode_form(std::string_view encoded) {
    return decode_terminated(std::string(encoded));
}

boost::system::result<form_params> decode_form(const std::string& encoded) {
    return decode_terminated(encoded);
}

boost::system::result<form_params> decode_form(const char* encoded) {
    return decode_terminated(std::string(encoded));
}

std::string encode_form(const form_params& params) {
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    std::string out;
    for (const auto& [key, value] : params) {
        if (!out.empty()) out.push_back('&');
        out += boost::urls::encode(key, boost::urls::unreserved_chars, opts);
        out.push_back('=');
        out += boost::urls::encode(value, boost::urls::unreserved_chars, opts);
    }
    return out;
}

bool media_type_is(std::string_view content_type, std::string_view expected) noexcept {
    auto type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back())))
        type.remove_suffix(1);
    while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front())))
        type.remove_prefix(1);
    if (type.size() != expected.size()) return false;
    for (std::size_t i = 0; i < type.size(); ++i) {
        if (common::to_lower_ascii(type[i]) != common::to_lower_ascii(expected[i])) return false;
    }
    return true;
}

}  // namespace sapa::gateway::detail
