#include "gateway/detail/json_body.hpp"

#include "gateway/detail/text.hpp"
#include "gateway/error.hpp"

#include <nlohmann/json.hpp>

namespace sapa::gateway::detail {

boost::system::error_code parse_json_body(const webhook_request& req, nlohmann::json& out) {
    if (auto type = req.header("content-type"); type && !media_type_is(*type, "application/json")) {
        return errc::unsupported_content_type;
    }
    if (!valid_utf8(req.body)) return errc::invalid_utf8;
    if (!parse_json_object(req.body, out)) return errc::malformed_body;
    return {};
}

bool parse_json_object(std::string_view body, nlohmann::json& out) {
    // allow_exceptions = false: a parse error yields a "discarded" value instead of throwing.
    out = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
    return out.is_object();
}

const nlohmann::json* member(const nlohmann::json& j, std::string_view key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

std::string text_member(const nlohmann::json& j, std::string_view key) {
    const auto* v = member(j, key);
    if (v == nullptr) return {};
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number_integer()) return v->dump();
    return {};
}

const nlohmann::json* array_member(const nlohmann::json& j, std::string_view key) {
    const auto* v = member(j, key);
    return v != nullptr && v->is_array() ? v : nullptr;
}

}  // namespace sapa::gateway::detail
