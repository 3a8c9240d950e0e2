#include "dialog/detail/json_pointer.hpp"

#include <nlohmann/json.hpp>

namespace sapa::dialog::detail {

std::string child(const std::string& base, std::string_view key) {
    return base + (nlohmann::json::json_pointer() / std::string(key)).to_string();
}

}  // namespace sapa::dialog::detail
