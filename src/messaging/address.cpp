#include "messaging/address.hpp"

#include <cctype>

namespace sapa::messaging {
namespace {

// A phone number as typed: its digits and whether it started with '+'.
struct typed_number {
    std::string digits;
    bool plus = false;
};

// Nullopt when `text` has anything but digits, one leading '+' and separators.
std::optional<typed_number> read_number(std::string_view text) {
    typed_number n;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (std::isdigit(u)) {
            n.digits.push_back(c);
        } else if (c == '+' && n.digits.empty() && !n.plus) {
            n.plus = true;
        } else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') {
            continue;
        } else {
            return std::nullopt;
        }
    }
    return n;
}

// "62" followed by the trunk 0 ("+62 0812..."): Indonesian numbers never have it after the
// country code.
void drop_trunk_zero(std::string& digits) {
    if (digits.starts_with("620")) digits.erase(2, 1);
}

std::optional<std::string> as_e164(std::string digits) {
    if (digits.size() < 8 || digits.size() > 15) return std::nullopt;
    return "+" + digits;
}

std::string_view trimmed(std::string_view text) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

}  // namespace

std::optional<std::string> normalize_phone(std::string_view text) {
    auto n = read_number(text);
    if (!n) return std::nullopt;
    auto& digits = n->digits;
    if (!n->plus && digits.starts_with("00")) {
        digits.erase(0, 2);
        n->plus = true;
    }
    if (!n->plus) {
        if (digits.starts_with("0")) {
            digits = "62" + digits.substr(1);
        } else if (!digits.starts_with("62") && digits.starts_with("8")) {
            digits = "62" + digits;  // "812..." as typed without the trunk prefix
        }
    }
    drop_trunk_zero(digits);
    return as_e164(std::move(digits));
}

strict_phone normalize_phone_strict(std::string_view text) {
    auto n = read_number(text);
    if (!n || n->digits.empty()) return {std::nullopt, "not a phone number"};
    auto digits = std::move(n->digits);
    constexpr const char* how =
        ": write it with \"+\" and the country code (+6281234567890), or in an Indonesian form "
        "(081234567890, 6281234567890)";
    if (n->plus) {
        if (digits.starts_with("0"))
            return {std::nullopt, "a country code never starts with 0" + std::string(how)};
    } else if (digits.starts_with("0062")) {
        digits.erase(0, 2);
    } else if (digits.starts_with("00")) {
        return {std::nullopt,
                "an international prefix other than 0062 is ambiguous" + std::string(how)};
    } else if (digits.starts_with("0")) {
        digits = "62" + digits.substr(1);
    } else if (!digits.starts_with("62")) {
        return {std::nullopt,
                "a number without \"+\", 0 or 62 in front is ambiguous (Indonesian without its "
                "0, or another country without its \"+\")" +
                    std::string(how)};
    }
    drop_trunk_zero(digits);
    auto number = as_e164(std::move(digits));
    if (!number) return {std::nullopt, "a phone number has 8 to 15 digits"};
    return {std::move(number), {}};
}

strict_phone strict_contact_address(std::string_view text) {
    auto t = trimmed(text);
    if (t.empty()) return {};
    // Digits, '+' and separators only: meant as a phone number, so it must be unambiguous.
    if (read_number(t)) return normalize_phone_strict(t);
    return {std::string(t), {}};
}

std::string mask_phone(std::string_view e164) {
    if (e164.size() <= 8) return std::string(e164.size(), '*');
    std::string out(e164);
    for (std::size_t i = 6; i + 4 < out.size(); ++i)
        out[i] = '*';
    return out;
}

}  // namespace sapa::messaging
