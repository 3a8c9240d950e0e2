#pragma once
// Indonesia's time zones, as fixed offsets from UTC.
//
// Why a table and not std::chrono::locate_zone: libstdc++ 12 (Debian 12) has no tzdb, and
// the zones Sapa needs have had one fixed offset each since 1964 (no daylight saving), so a
// table of their IANA names is exact and needs no zoneinfo files on the machine.

#include <optional>
#include <string>
#include <string_view>

namespace sapa::common {

// The offset from UTC in minutes of an Indonesian zone: its IANA name ("Asia/Jakarta",
// "Asia/Pontianak": WIB +7; "Asia/Makassar": WITA +8; "Asia/Jayapura": WIT +9) or its
// abbreviation ("WIB", "WITA", "WIT", any case). Nothing for any other name.
std::optional<int> utc_offset_minutes(std::string_view zone);

// The names utc_offset_minutes() knows, for messages: "Asia/Jakarta, Asia/Pontianak, ...".
std::string known_time_zones();

// "WIB", "WITA" or "WIT" for those offsets, else "UTC+H:MM".
std::string zone_label(int offset_minutes);

}  // namespace sapa::common
