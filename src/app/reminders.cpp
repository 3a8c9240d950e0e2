#include "app/reminders.hpp"

#include <chrono>
#include <cstdio>

namespace sapa::app {
namespace {

constexpr unix_seconds day_seconds = 24 * 60 * 60;

bool digits(const std::string& s, std::size_t from, std::size_t count) {
    for (std::size_t i = from; i < from + count; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

}  // namespace

std::optional<std::pair<std::string, std::int64_t>> parse_course_date(const std::string& text) {
    if (text.size() != 10) return std::nullopt;
    int y = 0, m = 0, d = 0;
    if (text[4] == '-' && text[7] == '-' && digits(text, 0, 4) && digits(text, 5, 2) &&
        digits(text, 8, 2)) {
        y = std::stoi(text.substr(0, 4)), m = std::stoi(text.substr(5, 2)),
        d = std::stoi(text.substr(8, 2));
    } else if (text[2] == '-' && text[5] == '-' && digits(text, 0, 2) && digits(text, 3, 2) &&
               digits(text, 6, 4)) {
        d = std::stoi(text.substr(0, 2)), m = std::stoi(text.substr(3, 2)),
        y = std::stoi(text.substr(6, 4));
    } else {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{y},
                                          std::chrono::month{static_cast<unsigned>(m)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
    return std::pair<std::string, std::int64_t>{
        iso, std::chrono::sys_days(ymd).time_since_epoch().count()};
}

reminders::reminders(broadcasts& broadcasts,
                     storage::store& store,
                     script_source scripts,
                     std::vector<channel> channels,
                     std::vector<reminder> list,
                     int utc_offset_minutes)
    : broadcasts_(broadcasts),
      store_(store),
      scripts_(std::move(scripts)),
      channels_(std::move(channels)),
      list_(std::move(list)),
      utc_offset_minutes_(utc_offset_minutes) {}

reminder_plan reminders::plan_of(const reminder& r) const {
    reminder_plan p;
    p.name = r.name;
    const channel* on = nullptr;
    for (const auto& c : channels_)
        if (c.name == r.channel) on = &c;
    auto catalog = scripts_ ? scripts_() : nullptr;
    const auto* script = on && catalog ? catalog->find(on->script) : nullptr;
    if (!script) {
        p.problem = "channel \"" + r.channel + "\" has no script";
        return p;
    }
    if (!r.what.node.empty() && !script->find_node(r.what.node)) {
        p.problem = "script \"" + script->id + "\" has no node \"" + r.what.node + "\"";
        return p;
    }
    auto s = script->settings.find(r.date_setting);
    if (s == script->settings.end()) {
        p.problem = "script \"" + script->id + "\" has no setting \"" + r.date_setting + "\"";
        return p;
    }
    if (!s->second.value) {
        p.problem = "settings." + r.date_setting + " is not set";
        return p;
    }
    auto date = parse_course_date(*s->second.value);
    if (!date) {
        p.problem = "settings." + r.date_setting + " \"" + *s->second.value +
                    "\" is not a date (DD-MM-YYYY or YYYY-MM-DD)";
        return p;
    }
    p.date = date->first;
    p.fires_at = (date->second - r.days_before) * day_seconds +
                 static_cast<unix_seconds>(r.time_minute - utc_offset_minutes_) * 60;
    p.key = "reminder " + r.name + " " + p.date;
    return p;
}

std::vector<reminder_plan> reminders::plan() const {
    std::vector<reminder_plan> out;
    for (const auto& r : list_)
        out.push_back(plan_of(r));
    store_.run([&](storage::transaction& tx) {
        for (auto& p : out)
            if (!p.key.empty()) p.broadcast = tx.broadcasts().broadcast_with_key(p.key);
    });
    return out;
}

std::vector<std::string> reminders::problems() const {
    std::vector<std::string> out;
    for (const auto& r : list_) {
        auto p = plan_of(r);
        if (!p.problem.empty() && p.problem.find("is not set") == std::string::npos)
            out.push_back("reminder \"" + r.name + "\": " + p.problem);
    }
    return out;
}

int reminders::fire_due(unix_seconds now) {
    int made = 0;
    for (const auto& r : list_) {
        auto p = plan_of(r);
        if (!p.fires_at || now < *p.fires_at || now >= *p.fires_at + day_seconds) continue;
        const channel* on = nullptr;
        for (const auto& c : channels_)
            if (c.name == r.channel) on = &c;
        broadcast_request request;
        request.on = on;
        request.segment_text = "course=" + r.course + ",status=registered";
        request.who.course = r.course;
        request.who.status = engine::registration_status::registered;
        request.what = r.what;
        request.start_at = *p.fires_at;
        if (broadcasts_.create_once(request, p.key, now)) ++made;
    }
    return made;
}

}  // namespace sapa::app
