#include "engine/registrations.hpp"

#include <algorithm>
#include <cstdio>

namespace sapa::engine {
namespace {

bool is_active(registration_status s) {
    return holds_seat(s) || s == registration_status::waitlisted;
}

registration_record none_for(const std::string& course) {
    registration_record r;
    r.course = course;
    return r;
}

std::string make_code(const std::string& prefix, int number) {
    char digits[16];
    std::snprintf(digits, sizeof digits, "%04d", number);
    return prefix.empty() ? digits : prefix + "-" + digits;
}

}  // namespace

const char* to_string(registration_status s) {
    switch (s) {
        case registration_status::registered:
            return "registered";
        case registration_status::waitlisted:
            return "waitlisted";
        case registration_status::cancelled:
            return "cancelled";
        case registration_status::confirmed:
            return "confirmed";
        case registration_status::attended:
            return "attended";
        case registration_status::none:
            break;
    }
    return "none";
}

registration_status registration_status_from_string(const std::string& s) {
    for (auto status : {registration_status::registered,
                        registration_status::waitlisted,
                        registration_status::cancelled,
                        registration_status::confirmed,
                        registration_status::attended}) {
        if (s == to_string(status)) return status;
    }
    return registration_status::none;
}

bool holds_seat(registration_status s) {
    return s == registration_status::registered || s == registration_status::confirmed ||
           s == registration_status::attended;
}

bool in_segment(registration_status s, registration_status wanted) {
    return s == wanted || (wanted == registration_status::registered && holds_seat(s));
}

const char* dialog_status(registration_status s) {
    return to_string(holds_seat(s) ? registration_status::registered : s);
}

const char* describe(change_refusal r) {
    switch (r) {
        case change_refusal::none:
            return "";
        case change_refusal::unknown_code:
            return "no such registration";
        case change_refusal::is_cancelled:
            return "the registration is cancelled; the resident can sign up again";
        case change_refusal::is_waitlisted:
            return "the registration is on the waitlist; promote it to a seat first";
        case change_refusal::is_attended:
            return "the resident already attended";
        case change_refusal::not_waitlisted:
            return "the registration is not on the waitlist; it holds a seat already";
    }
    return "";
}

registration_record registrar::with_position(registration_record r) {
    if (holds_seat(r.status))
        r.position = ledger_.seats(r.course, r.code);
    else if (r.status == registration_status::waitlisted)
        r.position = ledger_.count(r.course, r.status, r.code);
    else
        r.position = 0;
    return r;
}

registration_record registrar::register_contact(const std::string& contact,
                                                const std::string& course,
                                                const std::string& code_prefix,
                                                int capacity,
                                                const std::map<std::string, std::string>& fields,
                                                unix_seconds now) {
    if (auto earlier = ledger_.latest(contact, course); earlier && is_active(earlier->status))
        return with_position(std::move(*earlier));
    const int taken = ledger_.seats(course);
    const bool seat_free = capacity <= 0 || taken < capacity;
    registration_record r;
    r.course = course;
    r.code = make_code(code_prefix, ledger_.next_number(course));
    r.status = seat_free ? registration_status::registered : registration_status::waitlisted;
    r.fields = fields;
    // Counted before the new one is added: one query fewer than asking afterwards.
    r.position = (seat_free ? taken : ledger_.count(course, r.status)) + 1;
    ledger_.add({contact, r}, now);
    return r;
}

registration_record registrar::find(const std::string& contact, const std::string& course) {
    auto r = ledger_.latest(contact, course);
    return r ? with_position(std::move(*r)) : none_for(course);
}

registration_record registrar::cancel(const std::string& contact,
                                      const std::string& course,
                                      unix_seconds now) {
    auto r = ledger_.latest(contact, course);
    if (!r || !is_active(r->status)) return none_for(course);
    cancel_active(*r, now);
    return *r;
}

std::optional<registration_entry> registrar::cancel_code(const std::string& course,
                                                         const std::string& code,
                                                         unix_seconds now) {
    auto e = ledger_.find_code(course, code);
    if (e && is_active(e->record.status)) cancel_active(e->record, now);
    return e;
}

status_change registrar::confirm_code(const std::string& course,
                                      const std::string& code,
                                      unix_seconds now) {
    return change_code(course, code, registration_status::confirmed, now);
}

status_change registrar::mark_attended_code(const std::string& course,
                                            const std::string& code,
                                            unix_seconds now) {
    return change_code(course, code, registration_status::attended, now);
}

status_change registrar::promote_code(const std::string& course,
                                      const std::string& code,
                                      unix_seconds now) {
    return change_code(course, code, registration_status::registered, now);
}

status_change registrar::change_code(const std::string& course,
                                     const std::string& code,
                                     registration_status to,
                                     unix_seconds now) {
    status_change out;
    auto e = ledger_.find_code(course, code);
    if (!e) {
        out.refused = change_refusal::unknown_code;
        return out;
    }
    const auto from = e->record.status;
    using rs = registration_status;
    if (from == rs::cancelled || from == rs::none) {
        out.refused = change_refusal::is_cancelled;
    } else if (to == rs::registered) {  // promotion
        if (from != rs::waitlisted) out.refused = change_refusal::not_waitlisted;
    } else if (from == rs::waitlisted) {
        out.refused = change_refusal::is_waitlisted;
    } else if (to == rs::confirmed && from == rs::attended) {
        out.refused = change_refusal::is_attended;
    }
    if (out.refused == change_refusal::none && from != to) {
        ledger_.set_status(course, code, to, now);
        e->record.status = to;
        out.changed = true;
    }
    e->record = with_position(std::move(e->record));
    if (out.changed && from == rs::waitlisted) promotions_.push_back({e->contact, e->record});
    out.entry = std::move(*e);
    return out;
}

void registrar::cancel_active(registration_record& r, unix_seconds now) {
    const bool freed_seat = holds_seat(r.status);
    ledger_.set_status(r.course, r.code, registration_status::cancelled, now);
    r.status = registration_status::cancelled;
    r.position = 0;
    if (!freed_seat || !promote_) return;
    // The first of the waitlist takes the seat; everyone behind moves up one place, since a
    // waitlist position is counted, not stored.
    if (auto next = ledger_.first_waitlisted(r.course)) {
        ledger_.set_status(r.course, next->record.code, registration_status::registered, now);
        next->record.status = registration_status::registered;
        promotions_.push_back({next->contact, with_position(std::move(next->record))});
    }
}

// --- memory_ledger ---

std::optional<registration_record> memory_ledger::latest(const std::string& contact,
                                                         const std::string& course) {
    for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
        if (it->entry.contact == contact && it->entry.record.course == course)
            return it->entry.record;
    }
    return std::nullopt;
}

int memory_ledger::count(const std::string& course,
                         registration_status status,
                         const std::string& up_to_code) {
    int n = 0;
    for (const auto& row : rows_) {
        const auto& r = row.entry.record;
        if (r.course != course) continue;
        if (r.status == status) ++n;
        if (!up_to_code.empty() && r.code == up_to_code) break;
    }
    return n;
}

int memory_ledger::seats(const std::string& course, const std::string& up_to_code) {
    int n = 0;
    for (const auto& row : rows_) {
        const auto& r = row.entry.record;
        if (r.course != course) continue;
        if (holds_seat(r.status)) ++n;
        if (!up_to_code.empty() && r.code == up_to_code) break;
    }
    return n;
}

int memory_ledger::next_number(const std::string& course) {
    return ++issued_[course];
}

void memory_ledger::add(const registration_entry& entry, unix_seconds now) {
    row r{entry, now, now};
    r.entry.record.position = 0;
    rows_.push_back(std::move(r));
}

void memory_ledger::set_status(const std::string& course,
                               const std::string& code,
                               registration_status status,
                               unix_seconds now) {
    for (auto& row : rows_) {
        if (row.entry.record.course == course && row.entry.record.code == code) {
            row.entry.record.status = status;
            row.updated_at = now;
            return;
        }
    }
}

std::optional<registration_entry> memory_ledger::first_waitlisted(const std::string& course) {
    for (const auto& row : rows_) {
        if (row.entry.record.course == course &&
            row.entry.record.status == registration_status::waitlisted)
            return row.entry;
    }
    return std::nullopt;
}

std::optional<registration_entry> memory_ledger::find_code(const std::string& course,
                                                           const std::string& code) {
    for (const auto& row : rows_) {
        if (row.entry.record.course == course && row.entry.record.code == code) return row.entry;
    }
    return std::nullopt;
}

}  // namespace sapa::engine
