// The sending rules as pure functions of `now`: quiet hours in the contact's time zone.

#include "app/sending_rules.hpp"

#include "common/time_zone.hpp"

#include <doctest/doctest.h>

using namespace sapa;
using namespace sapa::app;

namespace {

// 2026-12-04 is a Friday. Seconds since the epoch of that day's 00:00 UTC.
constexpr unix_seconds friday_utc = 1796342400;
constexpr unix_seconds hour = 3600, minute = 60;

// A moment given in local time at `offset_hours` east of UTC, on the Friday (day 0) or a
// later day.
unix_seconds at(int day, int h, int m, int offset_hours = 7) {
    return friday_utc + day * 24 * hour + h * hour + m * minute - offset_hours * hour;
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("the Indonesian time zones are known by IANA name and abbreviation, others not") {
        CHECK(common::utc_offset_minutes("Asia/Jakarta") == 420);
        CHECK(common::utc_offset_minutes("Asia/Pontianak") == 420);
        CHECK(common::utc_offset_minutes("Asia/Makassar") == 480);
        CHECK(common::utc_offset_minutes("Asia/Jayapura") == 540);
        CHECK(common::utc_offset_minutes("wita") == 480);
        CHECK(common::utc_offset_minutes("WIT") == 540);
        CHECK_FALSE(common::utc_offset_minutes("Asia/Singapore"));
        CHECK_FALSE(common::utc_offset_minutes("asia/jakarta"));
        CHECK_FALSE(common::utc_offset_minutes(""));
        CHECK(common::zone_label(420) == "WIB");
        CHECK(common::zone_label(-210) == "UTC-3:30");
    }

    TEST_CASE("quiet hours hold a proactive message until 07:00 and over the Friday prayer") {
        const auto rules = default_quiet_hours();
        // Daytime Thursday: goes now.
        CHECK(proactive_allowed_at(rules, at(-1, 10, 0), 420) == at(-1, 10, 0));
        // 20:59 goes; 21:00 and 03:00 wait for 07:00.
        CHECK(proactive_allowed_at(rules, at(0, 20, 59), 420) == at(0, 20, 59));
        CHECK(proactive_allowed_at(rules, at(0, 21, 0), 420) == at(1, 7, 0));
        CHECK(proactive_allowed_at(rules, at(1, 3, 0), 420) == at(1, 7, 0));
        CHECK(proactive_allowed_at(rules, at(1, 7, 0), 420) == at(1, 7, 0));
        // Friday 11:30-13:00 only on Friday.
        CHECK(proactive_allowed_at(rules, at(0, 11, 29), 420) == at(0, 11, 29));
        CHECK(proactive_allowed_at(rules, at(0, 11, 30), 420) == at(0, 13, 0));
        CHECK(proactive_allowed_at(rules, at(0, 12, 59), 420) == at(0, 13, 0));
        CHECK(proactive_allowed_at(rules, at(1, 12, 0), 420) == at(1, 12, 0));  // Saturday
        CHECK(proactive_allowed_at(rules, at(7, 12, 0), 420) == at(7, 13, 0));  // next Friday
    }

    TEST_CASE("quiet hours follow the contact's own zone, WITA and WIT") {
        const auto rules = default_quiet_hours();
        // 20:30 in Jakarta is 21:30 in Makassar and 22:30 in Jayapura.
        const auto now = at(0, 20, 30);
        CHECK(proactive_allowed_at(rules, now, 420) == now);
        CHECK(proactive_allowed_at(rules, now, 480) == at(1, 7, 0, 8));
        CHECK(proactive_allowed_at(rules, now, 540) == at(1, 7, 0, 9));
        CHECK(contact_utc_offset(rules, "Asia/Jayapura") == 540);
        CHECK(contact_utc_offset(rules, "") == 420);
        CHECK(contact_utc_offset(rules, "Mars/Olympus") == 420);  // unknown: the default

        auto held = quiet_hold(rules, "WITA", now);
        REQUIRE(held);
        CHECK(held->until == at(1, 7, 0, 8));
        CHECK(held->reason == "quiet hours: held until 07:00 WITA");
        CHECK_FALSE(quiet_hold(rules, "", now));
    }

    TEST_CASE("quiet periods that meet are taken together, and no periods means never quiet") {
        quiet_hours rules{420, {{std::nullopt, 21 * 60, 7 * 60}, {std::nullopt, 7 * 60, 8 * 60}}};
        CHECK(proactive_allowed_at(rules, at(0, 23, 0), 420) == at(1, 8, 0));
        rules.periods.clear();
        CHECK(proactive_allowed_at(rules, at(0, 23, 0), 420) == at(0, 23, 0));
    }
}
