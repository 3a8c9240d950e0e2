#include "messaging/address.hpp"

#include <cctype>

namespace sapa::messaging {

std::optional<std::string> normalize_phone(std::string_view text) {
    std::string digits;
    bool plus = false;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (std::isdigit(u)) {
            digits.push_back(c);
        } else if (c == '+' && digits.empty() && !plus) {
            plus = true;
        } else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') {
            continue;
        } else {
            return std::nullopt;
        }
    }
    if (!plus && digits.starts_with("00")) {
        digits.erase(0, 2);
        plus = true;
    }
    if (!plus) {
        if (digits.starts_with("0")) {
            digits = "62" + digits.substr(1);
        } else if (!digits.starts_with("62") && digits.starts_with("8")) {
            digits = "62" + digits;  // "812..." as typed without the trunk prefix
        }
    }
    if (digits.size() < 8 || digits.size() > 15) return std::nullopt;
    return "+" + digits;
}

std::string mask_phone(std::string_view e164) {
    if (e164.size() <= 8) return std::string(e164.size(), '*');
    std::string out(e164);
    for (std::size_t i = 6; i + 4 < out.size(); ++i)
        out[i] = '*';
    return out;
}

}  // namespace sapa::messaging
