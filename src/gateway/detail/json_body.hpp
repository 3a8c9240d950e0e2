#pragma once
// Reading provider JSON without exceptions: the body checks shared by the JSON webhooks and
// lookups that answer "absent" instead of throwing on the wrong type.

#include "gateway/webhook.hpp"

#include <boost/system/error_code.hpp>
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace sapa::gateway::detail {

// Checks the Content-Type (application/json or none), that the body is UTF-8, and parses it
// into `out`, which must be an object. Errors: unsupported_content_type, invalid_utf8,
// malformed_body.
boost::system::error_code parse_json_body(const webhook_request& req, nlohmann::json& out);

// Same checks and parse for a send-API answer, without the request around it; false when the
// body is not a JSON object.
bool parse_json_object(std::string_view body, nlohmann::json& out);

// `j[key]` when `j` is an object that has it, else nullptr.
const nlohmann::json* member(const nlohmann::json& j, std::string_view key);

// `j[key]` as text: a string as is, a number in decimal; "" when absent or another type.
std::string text_member(const nlohmann::json& j, std::string_view key);

// `j[key]` when it is an array, else nullptr.
const nlohmann::json* array_member(const nlohmann::json& j, std::string_view key);

}  // namespace sapa::gateway::detail
