#pragma once
// {{variable}} templates in script texts.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::dialog {

// Names used in a template, in order, with duplicates ("Halo {{name}}" -> {"name"}).
// Whitespace inside braces is ignored: "{{ name }}" is "name".
std::vector<std::string> template_variables(std::string_view text);

// Replaces each {{name}} by lookup(name); a name lookup does not know becomes "".
std::string render_template(
    std::string_view text,
    const std::function<std::optional<std::string>(const std::string&)>& lookup);

}  // namespace sapa::dialog
