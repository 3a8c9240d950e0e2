#pragma once
// When Sapa may write to a contact: pure rules with `now` passed in.
//
// Quiet hours: a proactive message (Sapa speaks first: a broadcast, a seat freed from the
// waitlist, a staff message; an outbound job with reply_to == 0) is not sent during a quiet
// period in the contact's time zone. It waits for the end of the period, never dropped.
// Replies to a resident's own message are never held.

#include "messaging/message.hpp"
#include "storage/store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sapa::app {

using messaging::unix_seconds;

// One quiet period, in local time: from `from_minute` (minutes after midnight) until
// `until_minute`. A period with until <= from runs past midnight into the next day. With a
// weekday (0 Sunday .. 6 Saturday) it is quiet only when it starts on that day.
struct quiet_period {
    std::optional<int> weekday;
    int from_minute = 0;
    int until_minute = 0;

    bool operator==(const quiet_period&) const = default;
};

struct quiet_hours {
    int default_utc_offset_minutes = 7 * 60;  // Asia/Jakarta (WIB) unless the contact says
    std::vector<quiet_period> periods;        // empty: never quiet
};

// Sapa's defaults: every night 21:00-07:00 and the Friday midday prayer 11:30-13:00.
quiet_hours default_quiet_hours();

// When a proactive message to a contact whose clock is `utc_offset_minutes` ahead of UTC may
// go: `now` when no quiet period holds it, else the end of the quiet time (periods that
// follow each other are taken together).
unix_seconds proactive_allowed_at(const quiet_hours& rules,
                                  unix_seconds now,
                                  int utc_offset_minutes);

// A message held back: until when, and why in plain words.
struct hold {
    unix_seconds until = 0;
    std::string reason;
};

// For a proactive message to a contact in `contact_time_zone` (see contact_utc_offset): the
// hold when `now` is in quiet hours ("quiet hours: held until 07:00 WIB"), else nothing.
std::optional<hold> quiet_hold(const quiet_hours& rules,
                               const std::string& contact_time_zone,
                               unix_seconds now);

// The offset of the contact's time zone (its "timezone" field, as common::utc_offset_minutes
// reads it) or, when it has none or one no table knows, the rules' default.
int contact_utc_offset(const quiet_hours& rules, const std::string& contact_time_zone);

// When Sapa stops replying to a contact for the rest of the contact's day: it has been sent
// `daily_segment_cap` SMS parts today (replies included), or it answered each of Sapa's last
// `loop_times_in_a_row` messages within `loop_within_seconds` (an auto-responder: the two
// would write to each other for ever). Zero turns a check off.
struct reply_limits {
    int daily_segment_cap = 0;
    int loop_within_seconds = 5;
    int loop_times_in_a_row = 0;
    int default_utc_offset_minutes = 7 * 60;  // a contact's day, unless its own "timezone"
};

// Midnight of the local day that holds `now`, for a clock `utc_offset_minutes` ahead of UTC.
unix_seconds local_day_start(unix_seconds now, int utc_offset_minutes);

// True when the inbound message arriving `now` is the `times`-th in a row that came within
// `within` seconds of a message of Sapa's. `recent`: the contact's log before it, newest first.
bool answers_like_a_machine(const std::vector<storage::logged_message>& recent,
                            unix_seconds now,
                            int within,
                            int times);

}  // namespace sapa::app
