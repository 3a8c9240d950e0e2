#include "app/sending_rules.hpp"

#include "common/time_zone.hpp"

#include <algorithm>
#include <cstdio>

namespace sapa::app {
namespace {

constexpr unix_seconds day = 24 * 3600;

// Days since 1970-01-01 (a Thursday) and the weekday, for a local time in seconds.
unix_seconds day_number(unix_seconds local) {
    return local >= 0 ? local / day : -((-local + day - 1) / day);
}
int weekday_of(unix_seconds day_index) {
    return static_cast<int>(((day_index + 4) % 7 + 7) % 7);
}

bool on_day(const quiet_period& p, unix_seconds day_index) {
    return !p.weekday || *p.weekday == weekday_of(day_index);
}

// The end (local seconds) of the period `p` that holds local time `t`, or 0.
unix_seconds end_of(const quiet_period& p, unix_seconds t) {
    const auto today = day_number(t);
    const auto midnight = today * day;
    const auto minute = (t - midnight) / 60;
    const unix_seconds from = p.from_minute, until = p.until_minute;
    if (from < until) {
        if (on_day(p, today) && minute >= from && minute < until) return midnight + until * 60;
        return 0;
    }
    // Past midnight: started today, or started yesterday and not over yet.
    if (on_day(p, today) && minute >= from) return midnight + day + until * 60;
    if (on_day(p, today - 1) && minute < until) return midnight + until * 60;
    return 0;
}

}  // namespace

quiet_hours default_quiet_hours() {
    return {7 * 60, {{std::nullopt, 21 * 60, 7 * 60}, {5, 11 * 60 + 30, 13 * 60}}};
}

unix_seconds proactive_allowed_at(const quiet_hours& rules,
                                  unix_seconds now,
                                  int utc_offset_minutes) {
    const unix_seconds offset = utc_offset_minutes * 60;
    auto t = now + offset;
    // Each pass moves to the end of a period that holds t; periods are finite and each pass
    // moves forward, so a few passes settle it (a week of back-to-back periods at most).
    for (int pass = 0; pass < 16; ++pass) {
        unix_seconds later = 0;
        for (const auto& p : rules.periods)
            later = std::max(later, end_of(p, t));
        if (later <= t) break;
        t = later;
    }
    return t - offset;
}

std::optional<hold> quiet_hold(const quiet_hours& rules,
                               const std::string& contact_time_zone,
                               unix_seconds now) {
    const int offset = contact_utc_offset(rules, contact_time_zone);
    const auto until = proactive_allowed_at(rules, now, offset);
    if (until <= now) return std::nullopt;
    const auto local = until + offset * 60;
    const auto minute = (local % day + day) % day / 60;
    char text[8];
    std::snprintf(text,
                  sizeof text,
                  "%02d:%02d",
                  static_cast<int>(minute / 60),
                  static_cast<int>(minute % 60));
    return hold{until,
                "quiet hours: held until " + std::string(text) + " " + common::zone_label(offset)};
}

unix_seconds local_day_start(unix_seconds now, int utc_offset_minutes) {
    const unix_seconds offset = utc_offset_minutes * 60;
    return day_number(now + offset) * day - offset;
}

bool answers_like_a_machine(const std::vector<storage::logged_message>& recent,
                            unix_seconds now,
                            int within,
                            int times) {
    if (times <= 0) return false;
    int streak = 0;
    auto inbound_at = now;
    std::size_t i = 0;
    while (streak < times) {
        // Just before this inbound message: a message of Sapa's, a moment earlier.
        if (i >= recent.size() || recent[i].inbound || inbound_at - recent[i].created_at > within)
            break;
        ++streak;
        while (i < recent.size() && !recent[i].inbound)
            ++i;  // Sapa's messages back to the inbound one they answered
        if (i >= recent.size()) break;
        inbound_at = recent[i++].created_at;
    }
    return streak >= times;
}

int contact_utc_offset(const quiet_hours& rules, const std::string& contact_time_zone) {
    if (contact_time_zone.empty()) return rules.default_utc_offset_minutes;
    return common::utc_offset_minutes(contact_time_zone).value_or(rules.default_utc_offset_minutes);
}

}  // namespace sapa::app
