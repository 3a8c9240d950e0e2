#include "engine/engine.hpp"

#include <cstdio>

namespace sapa::engine {

const char* to_string(registration_status s) {
    switch (s) {
        case registration_status::registered:
            return "registered";
        case registration_status::waitlisted:
            return "waitlisted";
        case registration_status::cancelled:
            return "cancelled";
        case registration_status::none:
            break;
    }
    return "none";
}

registration_record memory_registrar::register_contact(
    const std::string& contact,
    const std::string& course,
    const std::string& code_prefix,
    int capacity,
    const std::map<std::string, std::string>& fields,
    unix_seconds /*now*/) {
    int taken = 0;
    int issued = 0;
    for (auto& e : entries_) {
        if (e.record.course != course) continue;
        ++issued;
        if (e.record.status == registration_status::registered) ++taken;
        if (e.contact == contact && (e.record.status == registration_status::registered ||
                                     e.record.status == registration_status::waitlisted)) {
            return e.record;
        }
    }
    registration_record r;
    char number[16];
    std::snprintf(number, sizeof number, "%04d", issued + 1);
    r.code = code_prefix.empty() ? number : code_prefix + "-" + number;
    r.course = course;
    r.status = capacity <= 0 || taken < capacity ? registration_status::registered
                                                 : registration_status::waitlisted;
    if (r.status == registration_status::registered) {
        r.position = taken + 1;
    } else {
        r.position = 1;
        for (const auto& e : entries_)
            if (e.record.course == course && e.record.status == registration_status::waitlisted)
                ++r.position;
    }
    r.fields = fields;
    entries_.push_back({contact, r});
    return r;
}

registration_record memory_registrar::find(const std::string& contact, const std::string& course) {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (it->contact == contact && it->record.course == course) return it->record;
    }
    return {.code = {}, .course = course, .status = registration_status::none, .fields = {}};
}

registration_record memory_registrar::cancel(const std::string& contact,
                                             const std::string& course,
                                             unix_seconds /*now*/) {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (it->contact != contact || it->record.course != course) continue;
        if (it->record.status == registration_status::registered ||
            it->record.status == registration_status::waitlisted) {
            it->record.status = registration_status::cancelled;
            return it->record;
        }
        break;
    }
    return {.code = {}, .course = course, .status = registration_status::none, .fields = {}};
}

}  // namespace sapa::engine
