#pragma once
// Twilio's request signature (X-Twilio-Signature), exposed for tests and tools. The adapter
// itself is made by make_twilio_adapter() in adapter.hpp. Reference: gateways.md section 1.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sapa::gateway {

// base64(HMAC-SHA1(auth_token, url + key1 + value1 + key2 + value2 ...)) with the POST
// parameters sorted by key then value, a repeated identical pair counted once (as the
// official SDKs do). `url` is used exactly as given.
std::string twilio_signature(std::string_view auth_token,
                             std::string_view url,
                             const std::vector<std::pair<std::string, std::string>>& post_params);

// True when `signature` matches for `url` as given or for `url` with its default port
// added or removed (https:443, http:80), as twilio-node accepts. Constant-time compare.
bool twilio_signature_matches(std::string_view auth_token,
                              std::string_view url,
                              const std::vector<std::pair<std::string, std::string>>& post_params,
                              std::string_view signature);

}  // namespace sapa::gateway
