#pragma once
// Reminders relative to a course date (RapidPro's campaigns): `days_before` the date in the
// course's start-date setting of the channel's script, at a time of day (local time), Sapa
// writes once to every contact registered for the course, through a stored broadcast.
//
//   fire_due(): called by the running server on every tick of the broadcast driver. A reminder
//               whose time has come, and passed by less than a day (a server started late
//               still sends it; an older one is missed), becomes a broadcast keyed
//               "reminder NAME DATE" (the course date): at most one per key, across restarts
//               and instances, written in one unit of work with its recipients.
//   plan():     each reminder, its firing time, and the broadcast it became, for
//               `sapa reminders list`.
//
// Nothing here knows HTTP, SQL or a clock: callers pass `now`.

#include "app/broadcasts.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sapa::app {

struct reminder {
    std::string name;
    std::string channel;
    std::string course;
    std::string date_setting;  // the script setting with the course's start date
    int days_before = 0;
    int time_minute = 8 * 60;  // local time of day, minutes after midnight
    opening what;              // the texts or the node, and the WhatsApp fallback template
};

struct reminder_plan {
    std::string name;
    std::string date;                       // the course date, "YYYY-MM-DD"; empty: none
    std::optional<unix_seconds> fires_at;   // nullopt: not scheduled (see problem)
    std::string problem;                    // why it cannot be scheduled, in plain words
    std::string key;                        // the broadcast's key
    std::optional<std::int64_t> broadcast;  // fired: the broadcast it became
};

// "DD-MM-YYYY" or "YYYY-MM-DD" as "YYYY-MM-DD" and its days since 1970-01-01; nullopt: not a
// date of either shape.
std::optional<std::pair<std::string, std::int64_t>> parse_course_date(const std::string& text);

class reminders {
  public:
    reminders(broadcasts& broadcasts,
              storage::store& store,
              script_source scripts,
              std::vector<channel> channels,
              std::vector<reminder> list,
              int utc_offset_minutes);

    std::vector<reminder_plan> plan() const;
    // Problems that keep a reminder from ever firing (no channel, no setting, no node); one
    // line each, naming the reminder.
    std::vector<std::string> problems() const;
    // Makes the broadcast of every reminder due at `now` that has none yet; returns how many
    // it made. Throws what the store throws.
    int fire_due(unix_seconds now);

  private:
    reminder_plan plan_of(const reminder& r) const;

    broadcasts& broadcasts_;
    storage::store& store_;
    script_source scripts_;
    std::vector<channel> channels_;
    std::vector<reminder> list_;
    int utc_offset_minutes_;
};

}  // namespace sapa::app
