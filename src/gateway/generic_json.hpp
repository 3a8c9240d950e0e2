#pragma once
// Sapa's own JSON webhook for custom bridges (an Android SMS phone, another chat platform).
// The wire format is documented with worked examples in docs/generic-json.md; the adapter is
// made by make_generic_json_adapter() in adapter.hpp.

#include <string>
#include <string_view>

namespace sapa::gateway {

// The X-Sapa-Signature value for `raw_body`: "sha256=" + lowercase hex
// HMAC-SHA256(shared_secret, raw_body). Used for webhooks in both directions.
std::string generic_json_signature(std::string_view shared_secret, std::string_view raw_body);

}  // namespace sapa::gateway
