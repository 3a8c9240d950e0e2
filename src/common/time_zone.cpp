#include "common/time_zone.hpp"

#include "common/ascii.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace sapa::common {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 7> zones = {{
    {"Asia/Jakarta", 7 * 60},
    {"Asia/Pontianak", 7 * 60},
    {"Asia/Makassar", 8 * 60},
    {"Asia/Jayapura", 9 * 60},
    {"WIB", 7 * 60},
    {"WITA", 8 * 60},
    {"WIT", 9 * 60},
}};

}  // namespace

std::optional<int> utc_offset_minutes(std::string_view zone) {
    for (const auto& [name, offset] : zones) {
        if (zone == name) return offset;
        if (name.size() > 4 || zone.size() != name.size()) continue;
        bool same = true;  // an abbreviation, in any case
        for (std::size_t i = 0; i < name.size(); ++i)
            same = same && to_lower_ascii(zone[i]) == to_lower_ascii(name[i]);
        if (same) return offset;
    }
    return std::nullopt;
}

std::string known_time_zones() {
    std::string out;
    for (const auto& [name, offset] : zones) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

std::string zone_label(int offset_minutes) {
    switch (offset_minutes) {
        case 7 * 60:
            return "WIB";
        case 8 * 60:
            return "WITA";
        case 9 * 60:
            return "WIT";
    }
    char text[16];
    const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(
        text, sizeof text, "UTC%c%d:%02d", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
    return text;
}

}  // namespace sapa::common
