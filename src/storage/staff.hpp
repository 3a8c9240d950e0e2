#pragma once
// What the stores keep for the staff console: accounts, signed-in sessions and the audit log.
// Plain values; the rules (password hashing, expiry, roles) live in the console.

#include "messaging/message.hpp"

#include <cstdint>
#include <string>

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

}  // namespace sapa::storage
