#include "gateway/webhook.hpp"

#include "common/ascii.hpp"

#include <algorithm>

namespace sapa::gateway {

std::optional<std::string_view> webhook_request::header(std::string_view name) const {
    auto same = [name](const std::string& h) {
        return std::equal(h.begin(), h.end(), name.begin(), name.end(), [](char a, char b) {
            return common::to_lower_ascii(a) == common::to_lower_ascii(b);
        });
    };
    for (const auto& [key, value] : headers) {
        if (same(key)) return std::string_view(value);
    }
    return std::nullopt;
}

}  // namespace sapa::gateway
