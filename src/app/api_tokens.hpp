#pragma once
// API tokens (`sapa token`, /api/v1): a token is 32 random bytes (libsodium), shown once as
// "sapa_" and 64 hex digits. The store keeps only its BLAKE2b-256 hash, with a name and a
// role; a request's token is hashed and compared with every kept hash in constant time.

#include "app/staff_role.hpp"
#include "messaging/message.hpp"
#include "storage/store.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::app {

// 1 to 64 of A-Z a-z 0-9 . _ -
bool token_name_acceptable(std::string_view name);

// The hash kept for `token`: BLAKE2b-256, hex. Also the console's session tokens.
std::string hash_token(std::string_view token);

// 32 random bytes (libsodium) as 64 lowercase hex digits: API tokens, console sessions and
// CSRF tokens.
std::string random_secret();

// Makes a token named `name` with `role` and keeps its hash; returns the token, which is
// never shown again. nullopt when a token has that name. Throws std::invalid_argument for a
// name token_name_acceptable refuses.
std::optional<std::string> create_api_token(storage::store& store,
                                            const std::string& name,
                                            staff_role role,
                                            messaging::unix_seconds now);

struct token_holder {
    std::string name;
    staff_role role = staff_role::viewer;
};

// Checks the tokens of requests. Reads the tokens from the store at most once a second (a
// revoked token stops working within a second or two) and records when each was last used
// (at most once a minute per token). Thread-safe.
class token_checker {
  public:
    explicit token_checker(storage::store& store);

    // Who holds `token`, or nullopt (unknown, revoked, malformed).
    std::optional<token_holder> check(std::string_view token, messaging::unix_seconds now);

  private:
    storage::store& store_;
    std::mutex mutex_;
    std::vector<storage::api_token> tokens_;
    messaging::unix_seconds loaded_at_ = -1;
    std::map<std::string, messaging::unix_seconds> recorded_use_;  // by name
};

}  // namespace sapa::app
