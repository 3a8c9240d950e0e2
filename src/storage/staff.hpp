#pragma once
// What the stores keep for the staff console: accounts, signed-in sessions and the audit log.
// Plain values; the rules (password hashing, expiry, roles) live in the console.

#include "messaging/message.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sapa::storage {

struct staff_account {
    std::int64_t id = 0;        // the store's; ignored by add_staff
    std::string name;           // unique
    std::string password_hash;  // crypto_pwhash_str (Argon2id), never the password
    std::string role;           // "viewer", "staff" or "admin" (app/staff_role.hpp)
    messaging::unix_seconds created_at = 0;
};

// A signed-in browser. The cookie holds a random token; only its hash is stored, so a copy of
// the database signs nobody in.
struct staff_session {
    std::string token_hash;  // hex
    std::int64_t staff_id = 0;
    std::string csrf_token;  // the forms' hidden token for this session
    messaging::unix_seconds created_at = 0;
    messaging::unix_seconds last_seen_at = 0;
};

// A session with its account, as find_staff_session returns it.
struct staff_login {
    staff_session session;
    staff_account account;
};

// One staff action: who, when, what, on which object.
struct audit_entry {
    std::int64_t id = 0;  // the store's; ignored by add_audit
    messaging::unix_seconds at = 0;
    std::string staff;   // account name
    std::string action;  // "login", "reply", "mark_done", "erase", ...
    std::string object;  // "request 12", "registration BTK-003"; may be empty
    std::string detail;  // free text, no personal data beyond what staff typed
};

// --- The console's overview: aggregated by the store, never row by row in the caller ---

struct funnel_query {
    messaging::unix_seconds since = 0;  // messages and events at or after it
    int utc_offset_minutes = 7 * 60;    // days are counted in this time zone (WIB)
    // A contact "read a warning" on entering a node whose id contains this, and "started
    // sign-up" on entering one that contains `signup_node` (lumajang: "/ilegal_", "/daftar").
    std::string warning_node = "/ilegal_";
    std::string signup_node = "/daftar";
    int limit = 500;  // rows at most, newest days first
};

// Distinct contacts per day and kecamatan at each step of the funnel.
struct funnel_row {
    std::string day;              // "YYYY-MM-DD"
    std::string kecamatan;        // the contact field, lower case; "" when not known
    std::int64_t reached = 0;     // Sapa sent them a message
    std::int64_t warned = 0;      // entered a warning node
    std::int64_t started = 0;     // entered a sign-up node
    std::int64_t registered = 0;  // completed a registration (seat or waitlist)
    std::int64_t attended = 0;    // registrations staff marked attended, on the day they did
};

// Messages Sapa sent on one channel since a time, by outcome.
struct delivery_health {
    std::string channel;
    std::int64_t sent = 0;       // accepted by the provider (sent, delivered or read)
    std::int64_t delivered = 0;  // delivered or read
    std::int64_t failed = 0;
    std::int64_t waiting = 0;                                        // still queued
    std::vector<std::pair<std::string, std::int64_t>> top_failures;  // reason, count; at most 3
};

}  // namespace sapa::storage
