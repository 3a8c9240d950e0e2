#include "dialog/text_template.hpp"

namespace sapa::dialog {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Calls on_text for literal pieces and on_name for each {{name}}, in order. An unclosed "{{"
// is literal text: a resident should rather see the braces than lose the rest of the message.
template <typename OnText, typename OnName>
void scan(std::string_view text, OnText on_text, OnName on_name) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto open = text.find("{{", pos);
        auto close = open == std::string_view::npos ? open : text.find("}}", open + 2);
        if (close == std::string_view::npos) break;
        on_text(text.substr(pos, open - pos));
        on_name(std::string(trim(text.substr(open + 2, close - open - 2))));
        pos = close + 2;
    }
    on_text(text.substr(pos));
}

}  // namespace

std::vector<std::string> template_variables(std::string_view text) {
    std::vector<std::string> names;
    scan(
        text, [](std::string_view) {}, [&](std::string name) { names.push_back(std::move(name)); });
    return names;
}

std::string render_template(
    std::string_view text,
    const std::function<std::optional<std::string>(const std::string&)>& lookup) {
    std::string out;
    out.reserve(text.size());
    scan(
        text,
        [&](std::string_view literal) { out += literal; },
        [&](const std::string& name) {
            if (auto value = lookup(name)) out += *value;
        });
    return out;
}

}  // namespace sapa::dialog
