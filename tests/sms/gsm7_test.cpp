// Included first: proves the header is self-contained.
#include "sms/gsm7.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using sapa::sms::encoding;
using sapa::sms::measure;
using sapa::sms::split_segments;

namespace {

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

std::size_t utf16_units(std::string_view utf8) {
    std::size_t n = 0;
    for (char32_t cp : sapa::sms::decode_utf8(utf8))
        n += cp > 0xFFFF ? 2 : 1;
    return n;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts)
        out += p;
    return out;
}

struct vector_case {
    std::string text;
    encoding enc;
    std::size_t units;
    std::size_t segments;
};

}  // namespace

TEST_CASE("gsm7: the test vectors of gateways.md section 9.3") {
    const std::vector<vector_case> cases = {
        {"Halo, apa kabar?", encoding::gsm7, 16, 1},
        {"Bayar Rp50.000 di loket #3", encoding::gsm7, 26, 1},
        {repeat("A", 160), encoding::gsm7, 160, 1},
        {repeat("A", 161), encoding::gsm7, 161, 2},
        {repeat("A", 306), encoding::gsm7, 306, 2},
        {repeat("A", 307), encoding::gsm7, 307, 3},
        {"Harga {promo} €5", encoding::gsm7, 19, 1},
        {repeat("^", 80), encoding::gsm7, 160, 1},
        {repeat("^", 81), encoding::gsm7, 162, 2},
        {"Terima kasih 🙏", encoding::ucs2, 15, 1},
        {"“Halo”", encoding::ucs2, 6, 1},
        {"Halo – ok", encoding::ucs2, 9, 1},
        {repeat("a", 70) + "é", encoding::gsm7, 71, 1},
        {repeat("a", 70) + "á", encoding::ucs2, 71, 2},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto cost = measure(c.text);
        CHECK(cost.encoding == c.enc);
        CHECK(cost.units == c.units);
        CHECK(cost.segments == c.segments);
        CHECK(split_segments(c.text).size() == c.segments);
        CHECK(join(split_segments(c.text)) == c.text);
    }
}

TEST_CASE("gsm7: an ESC pair never straddles two parts") {
    SUBCASE("152 plain characters then euro: part 1 carries 152 septets") {
        const std::string text = repeat("a", 152) + "€" + repeat("b", 10);
        const auto cost = measure(text);
        CHECK(cost.encoding == encoding::gsm7);
        CHECK(cost.units == 164);
        CHECK(cost.segments == 2);
        const auto parts = split_segments(text);
        REQUIRE(parts.size() == 2);
        CHECK(parts[0] == repeat("a", 152));
        CHECK(parts[1] == "€" + repeat("b", 10));
    }
    SUBCASE("greedy filling needs a part that ceil(306 / 153) = 2 would miss") {
        const std::string text = repeat("a", 152) + "€" + repeat("a", 152);
        const auto cost = measure(text);
        CHECK(cost.units == 306);
        CHECK(cost.segments == 3);
        const auto parts = split_segments(text);
        REQUIRE(parts.size() == 3);
        CHECK(parts[0] == repeat("a", 152));
        CHECK(parts[1] == "€" + repeat("a", 151));
        CHECK(parts[2] == "a");
    }
    SUBCASE("a pair that exactly fills a part stays in it") {
        const std::string text = repeat("a", 151) + "€" + repeat("a", 10);
        const auto parts = split_segments(text);
        REQUIRE(parts.size() == 2);
        CHECK(parts[0] == repeat("a", 151) + "€");
    }
}

TEST_CASE("gsm7: a surrogate pair never straddles two UCS-2 parts") {
    const std::string text = "á" + repeat("a", 65) + "😀" + repeat("a", 10);
    const auto cost = measure(text);
    CHECK(cost.encoding == encoding::ucs2);
    CHECK(cost.units == 78);
    CHECK(cost.segments == 2);
    const auto parts = split_segments(text);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "á" + repeat("a", 65));
    CHECK(parts[1] == "😀" + repeat("a", 10));

    CHECK(measure(repeat("😀", 35)).units == 70);
    CHECK(measure(repeat("😀", 35)).segments == 1);
    // 72 units: each part holds 33 emoji (66 units), since a 34th would need 68.
    const auto parts_36 = split_segments(repeat("😀", 36));
    REQUIRE(parts_36.size() == 2);
    CHECK(parts_36[0] == repeat("😀", 33));
}

TEST_CASE("gsm7: UCS-2 part boundaries at 70 and 67 code units") {
    const std::string one = "á" + repeat("a", 69);
    CHECK(measure(one).units == 70);
    CHECK(measure(one).segments == 1);
    CHECK(measure(one + "a").segments == 2);
    const std::string two_full = "á" + repeat("a", 133);  // 134 = 2 x 67
    CHECK(measure(two_full).segments == 2);
    CHECK(measure(two_full + "a").segments == 3);
}

TEST_CASE("gsm7: the empty text costs nothing") {
    const auto cost = measure("");
    CHECK(cost.encoding == encoding::gsm7);
    CHECK(cost.units == 0);
    CHECK(cost.segments == 0);
    CHECK(cost.non_gsm_chars.empty());
    CHECK(split_segments("").empty());
}

TEST_CASE("gsm7: non-GSM characters are listed once, in order of first appearance") {
    const auto cost = measure("“Halo” – ok “lagi” 🙏 á");
    CHECK(cost.non_gsm_chars == std::vector<std::string>{"“", "”", "–", "🙏", "á"});
    CHECK(measure("Halo {semua} €").non_gsm_chars.empty());
    CHECK(measure("`").non_gsm_chars == std::vector<std::string>{"`"});
}

TEST_CASE("gsm7: is_gsm7 knows the default alphabet and the extension table") {
    using sapa::sms::is_gsm7;
    for (char32_t cp :
         U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà") {
        if (cp == 0) continue;  // the literal's terminator
        CAPTURE(static_cast<unsigned>(cp));
        CHECK(is_gsm7(cp));
    }
    for (char32_t cp : U"\f^{}\\[~]|€") {
        if (cp != 0) CHECK(is_gsm7(cp));
    }
    for (char32_t cp : {U'`', U'ç', U'á', U'í', U'ó', U'ú', U'â', U'ê', U'ã', U'õ', U'°', U'\t'}) {
        CAPTURE(static_cast<unsigned>(cp));
        CHECK_FALSE(is_gsm7(cp));
    }
    CHECK_FALSE(is_gsm7(0x1B));  // ESC is the escape, not a character
    CHECK_FALSE(is_gsm7(0xFFFD));

    // 127 characters of the default alphabet (128 septets less ESC) plus 10 extension ones.
    std::size_t count = 0;
    for (char32_t cp = 0; cp < 0x10000; ++cp)
        count += is_gsm7(cp) ? 1 : 0;
    CHECK(count == 137);
}

TEST_CASE("gsm7: extension characters cost two septets") {
    CHECK(measure("€").units == 2);
    CHECK(measure("[]{}\\|~^").units == 16);
    CHECK(measure("\f").units == 2);
    CHECK(measure("Ç@£").units == 3);
}

TEST_CASE("gsm7: invalid UTF-8 counts as U+FFFD and forces UCS-2") {
    const auto cost = measure("ok \xFF");
    CHECK(cost.encoding == encoding::ucs2);
    CHECK(cost.units == 4);
    CHECK(cost.non_gsm_chars == std::vector<std::string>{"\xEF\xBF\xBD"});
    CHECK(split_segments("ok \xFF") == std::vector<std::string>{"ok \xEF\xBF\xBD"});
}

TEST_CASE("gsm7: decode_utf8 follows the Unicode rules for invalid input") {
    using sapa::sms::decode_utf8;
    CHECK(decode_utf8("aé€😀") == U"aé€😀");
    CHECK(decode_utf8("\x80") == U"\uFFFD");                                // stray continuation
    CHECK(decode_utf8("\xC0\xAF") == U"\uFFFD\uFFFD");                      // overlong '/'
    CHECK(decode_utf8("\xE0\x80\xAF") == U"\uFFFD\uFFFD\uFFFD");            // overlong, 3 bytes
    CHECK(decode_utf8("\xED\xA0\x80") == U"\uFFFD\uFFFD\uFFFD");            // surrogate U+D800
    CHECK(decode_utf8("\xF4\x90\x80\x80") == U"\uFFFD\uFFFD\uFFFD\uFFFD");  // > U+10FFFF
    CHECK(decode_utf8("\xF5\x80") == U"\uFFFD\uFFFD");
    CHECK(decode_utf8("\xE2\x82x") == U"\uFFFDx");  // truncated, then a fresh byte
    CHECK(decode_utf8("\xE2\x82") == U"\uFFFD");    // truncated at the end
    CHECK(decode_utf8("\xF0\x9F\x98") == U"\uFFFD");
    CHECK(decode_utf8("\xED\x9F\xBF") == U"\uD7FF");  // last code point before surrogates
    CHECK(decode_utf8("\xF4\x8F\xBF\xBF") == U"\U0010FFFF");
}

TEST_CASE("gsm7: append_utf8 encodes every length and replaces non-characters") {
    std::string out;
    for (char32_t cp : {U'\x24', U'\xA2', U'\x20AC', U'\U00010348'})
        sapa::sms::append_utf8(out, cp);
    CHECK(out == "$¢€𐍈");
    std::string bad;
    sapa::sms::append_utf8(bad, 0xD800);
    sapa::sms::append_utf8(bad, 0x110000);
    CHECK(bad == "\uFFFD\uFFFD");
}

TEST_CASE("gsm7: transliterate replaces look-alikes with GSM-7 text") {
    using sapa::sms::transliterate;
    CHECK(transliterate("‘Halo’ “semua”") == "'Halo' \"semua\"");
    CHECK(transliterate("„ok‟ ‚a‛") == "\"ok\" 'a'");
    CHECK(transliterate("08.00–12.00 — tutup") == "08.00-12.00 - tutup");
    CHECK(transliterate("Tunggu…") == "Tunggu...");
    CHECK(transliterate("Rp\u00A050.000") == "Rp 50.000");
    CHECK(transliterate("a\u2009b\u202Fc\u3000d\u2003e") == "a b c d e");
    CHECK(transliterate("da\u200Bf\u2060tar\uFEFF") == "daftar");
    CHECK(transliterate("a\u200Db\u200Cc") == "abc");
    CHECK(transliterate("• satu\n• dua") == "- satu\n- dua");
    CHECK(transliterate("3×2") == "3x2");
    CHECK(transliterate("Halo, apa kabar? é € {x}") == "Halo, apa kabar? é € {x}");
    CHECK(transliterate("Suhu 30°C 🙏") == "Suhu 30°C 🙏");  // no GSM look-alike: kept
    CHECK(transliterate("") == "");
    CHECK(transliterate("a\xFF") == "a\uFFFD");

    const std::string text = "“Daftar” sekarang… – gratis • 2×";
    CHECK(measure(text).encoding == encoding::ucs2);
    CHECK(measure(transliterate(text)).encoding == encoding::gsm7);
    CHECK(transliterate(transliterate(text)) == transliterate(text));
}

TEST_CASE("gsm7: transliterate keeps joiners inside emoji sequences") {
    using sapa::sms::transliterate;
    const std::string family = "👨\u200D👩\u200D👧";
    CHECK(transliterate(family) == family);
    CHECK(transliterate("ok\u200D👍") == "ok👍");
}

TEST_CASE("gsm7: split_segments round trips and respects part capacities") {
    const std::vector<std::string> texts = {
        "Halo",
        repeat("Pelatihan menjahit gratis di BLK Lumajang. ", 12),
        repeat("a", 150) + repeat("€", 10) + repeat("b", 200),
        repeat("{}", 200),
        repeat("Terima kasih 🙏 ", 20),
        repeat("😀", 100),
        repeat("x", 66) + "😀" + repeat("y", 200) + "á",
        repeat("A", 1600),
    };
    for (const auto& text : texts) {
        CAPTURE(text);
        const auto cost = measure(text);
        const auto parts = split_segments(text);
        CHECK(join(parts) == text);
        CHECK(parts.size() == cost.segments);
        const bool gsm = cost.encoding == encoding::gsm7;
        const std::size_t cap = parts.size() == 1 ? (gsm ? 160 : 70) : (gsm ? 153 : 67);
        std::size_t total = 0;
        for (const auto& part : parts) {
            // A part of a UCS-2 message may be all GSM on its own, so count it in UTF-16 here.
            const std::size_t units = gsm ? measure(part).units : utf16_units(part);
            CHECK(units > 0);
            CHECK(units <= cap);
            total += units;
        }
        CHECK(total == cost.units);
    }
    CHECK(measure(repeat("A", 1600)).segments == 11);
}

// Issue 16: a resident's emoji or curly apostrophe echoed in a summary must not send the whole
// summary as UCS-2.
TEST_CASE("gsm7: gsm7_friendly makes echoed text GSM-7 where it can") {
    using sapa::sms::gsm7_friendly;
    CHECK(gsm7_friendly("Nur\u2019aini \U0001F64F") == "Nur'aini");
    CHECK(gsm7_friendly("Siti \U0001F338\U0001F338 Aminah") == "Siti Aminah");
    CHECK(gsm7_friendly("\U0001F44D\U0001F3FD") == "");  // with its skin tone
    CHECK(gsm7_friendly("3\uFE0F\u20E3") == "3");        // keycap
    CHECK(gsm7_friendly("Ren\u0101 \u00D4ng") == "Rena Ong");
    CHECK(gsm7_friendly("Jos\u00E9 N\u00FA\u00F1ez") == "José Nuñez");  // é, ñ are GSM-7
    CHECK(gsm7_friendly("  a\t b \n") == "a b");
    CHECK(gsm7_friendly("\u0645\u062D\u0645\u062F") == "\u0645\u062D\u0645\u062F");  // kept
    for (const std::string name : {"Nur\u2019aini \U0001F64F", "Ren\u0101", "Siti \u2764\uFE0F"}) {
        CAPTURE(name);
        CHECK(measure("Nama: " + gsm7_friendly(name)).encoding == encoding::gsm7);
    }
    CHECK(sapa::sms::is_pictograph(U'\U0001F64F'));
    CHECK_FALSE(sapa::sms::is_pictograph(U'a'));
    CHECK_FALSE(sapa::sms::is_pictograph(U'\u00E9'));
}
