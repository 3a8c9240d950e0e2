#include "common/text_position.hpp"

#include <algorithm>

namespace sapa::common {

std::string line_column(std::string_view text, std::size_t offset) {
    const std::size_t end = std::min(offset, text.size());
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++column;
        }
    }
    return std::to_string(line) + ":" + std::to_string(column);
}

std::string_view overflowing_number(std::string_view message) {
    const auto open = message.find('\'');
    const auto close = message.rfind('\'');
    if (open == std::string_view::npos || close <= open) return {};
    return message.substr(open + 1, close - open - 1);
}

}  // namespace sapa::common
