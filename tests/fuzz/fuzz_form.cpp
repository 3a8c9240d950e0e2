// Fuzzes the application/x-www-form-urlencoded decoder (Boost.URL underneath) and checks a
// property: whatever decodes, re-encodes and decodes to the same parameters.
#include "gateway/detail/text.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace d = sapa::gateway::detail;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto decoded = d::decode_form(text);
    if (!decoded) return 0;
    auto again = d::decode_form(d::encode_form(*decoded));
    if (!again || *again != *decoded) std::abort();
    (void)d::valid_utf8(text);
    (void)d::xml_escape(text);
    (void)d::media_type_is(text, "application/json");
    if (d::valid_utf8(text)) {
        auto n = d::utf8_length(text);
        auto cut = d::utf8_truncate(text, n / 2);
        if (!d::valid_utf8(cut) || d::utf8_length(cut) != n / 2) std::abort();
    }
    return 0;
}
