#pragma once
// What a member of staff (a console account or an API token) may do. Checked on the server
// for every request; the pages only hide what a role cannot use.
//
//   viewer: reads the funnel, registrations and conversations; never sees a full NIK.
//   staff:  also answers residents, changes registrations, runs broadcasts.
//   admin:  also manages accounts and tokens and publishes scripts.

#include <optional>
#include <string_view>

namespace sapa::app {

enum class staff_role { viewer = 0, staff = 1, admin = 2 };

// True when `have` is at least `need`.
constexpr bool allows(staff_role have, staff_role need) {
    return static_cast<int>(have) >= static_cast<int>(need);
}

constexpr std::string_view to_string(staff_role r) {
    switch (r) {
        case staff_role::viewer:
            return "viewer";
        case staff_role::staff:
            return "staff";
        case staff_role::admin:
            return "admin";
    }
    return "viewer";
}

constexpr std::optional<staff_role> parse_staff_role(std::string_view text) {
    if (text == "viewer") return staff_role::viewer;
    if (text == "staff") return staff_role::staff;
    if (text == "admin") return staff_role::admin;
    return std::nullopt;
}

}  // namespace sapa::app
