// Proves address.hpp is self-contained: it is included first.
#include "messaging/address.hpp"

#include <doctest/doctest.h>

using namespace sapa::messaging;

namespace {

// The number normalize_phone_strict gives, or "refused: <problem>".
std::string strict(std::string_view text) {
    auto r = normalize_phone_strict(text);
    return r.e164 ? *r.e164 : "refused: " + r.problem;
}

bool refused(std::string_view text) {
    return !normalize_phone_strict(text).e164;
}

}  // namespace

TEST_SUITE("messaging") {
    TEST_CASE("normalize_phone: the documented Indonesian forms") {
        for (const char* text : {"081234567890",
                                 "6281234567890",
                                 "+6281234567890",
                                 "+62 812-3456-7890",
                                 "0062 812 3456 7890",
                                 "(0812) 3456.7890",
                                 "81234567890"}) {
            CHECK_MESSAGE(normalize_phone(text) == "+6281234567890", text);
        }
        CHECK(normalize_phone("(0334) 881234") == "+62334881234");
        CHECK(normalize_phone("+14155550100") == "+14155550100");
        CHECK(normalize_phone("abc") == std::nullopt);
        CHECK(normalize_phone("0812") == std::nullopt);
    }

    TEST_CASE("normalize_phone: the trunk 0 after +62 is dropped") {
        CHECK(normalize_phone("+62 0812-3456-7890") == "+6281234567890");
        CHECK(normalize_phone("+620812 3456 7890") == "+6281234567890");
        CHECK(normalize_phone("0062 0812 3456 7890") == "+6281234567890");
        CHECK(normalize_phone("62 0812 3456 7890") == "+6281234567890");
    }

    TEST_CASE("normalize_phone_strict: E.164 and unambiguous Indonesian forms") {
        CHECK(strict("+6281234567890") == "+6281234567890");
        CHECK(strict("+62 0812-3456-7890") == "+6281234567890");
        CHECK(strict("081234567890") == "+6281234567890");
        CHECK(strict("0812-3456-7890") == "+6281234567890");
        CHECK(strict("6281234567890") == "+6281234567890");
        CHECK(strict("0062 812 3456 7890") == "+6281234567890");
        CHECK(strict("(0334) 881234") == "+62334881234");
        CHECK(strict("+8613800138000") == "+8613800138000");
        CHECK(strict("+14155550100") == "+14155550100");
    }

    TEST_CASE("normalize_phone_strict: a bare 8... and other guesses are refused") {
        // Indonesian without its 0, or China (86) without its '+': the lenient form guesses
        // Indonesian and turns China's number into another one.
        CHECK(normalize_phone("8613800138000") == "+628613800138000");
        CHECK(refused("8613800138000"));
        CHECK(refused("81234567890"));
        CHECK(strict("81234567890").find("ambiguous") != std::string::npos);
        CHECK(strict("81234567890").find("+6281234567890") != std::string::npos);
        CHECK(refused("14155550100"));         // the US without '+'
        CHECK(refused("001 1 415 555 0100"));  // an operator's international prefix
        CHECK(refused("+0812345678"));         // no country code starts with 0
        CHECK(refused("+62812"));              // too short
        CHECK(refused("not a number"));
        CHECK(refused(""));
        CHECK(strict("0812") == "refused: a phone number has 8 to 15 digits");
    }

    TEST_CASE("strict_contact_address: numbers strictly, channel ids as given") {
        CHECK(strict_contact_address(" 0812-3456-7890 ").e164 == "+6281234567890");
        CHECK(strict_contact_address("anon-000123").e164 == "anon-000123");
        CHECK(strict_contact_address("  telegram:42 ").e164 == "telegram:42");
        auto bare = strict_contact_address("81234567890");
        CHECK(!bare.e164);
        CHECK(bare.problem.find("ambiguous") != std::string::npos);
        auto blank = strict_contact_address("  ");
        CHECK(!blank.e164);
        CHECK(blank.problem.empty());
    }

    TEST_CASE("mask_phone keeps the country code and the last four digits") {
        CHECK(mask_phone("+6281234567890") == "+62812****7890");
        CHECK(mask_phone("+628") == "****");
    }
}
