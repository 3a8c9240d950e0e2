#pragma once
// The console's password cryptography (libsodium): Argon2id hashes and constant-time
// comparison. Session tokens and their kept hashes come from app/api_tokens.

#include <optional>
#include <string>
#include <string_view>

namespace sapa::console {

// An Argon2id hash of `password` in crypto_pwhash_str's text form (it holds the salt and the
// cost). Throws std::runtime_error when libsodium cannot start or runs out of memory.
std::string hash_password(std::string_view password);
// True when `password` is the one `hash` was made from. False for anything else, including a
// hash that is not one.
bool password_matches(std::string_view password, const std::string& hash);
// Burns the time a real check takes (a login for an unknown account answers no faster).
void spend_password_check_time(std::string_view password);

// Session and CSRF tokens: app::random_secret(); the kept hash: app::hash_token().
// Equal in constant time for equal lengths (sodium_memcmp); false for different lengths.
bool same_secret(std::string_view a, std::string_view b);

// What a password must be: at least 10 characters. nullopt when it is fine, else why not.
std::optional<std::string> password_problem(std::string_view password);

}  // namespace sapa::console
