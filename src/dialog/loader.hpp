#pragma once
// Reads a script from JSON text into the model, reporting every problem at once.

#include "dialog/problem.hpp"
#include "dialog/script.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::dialog {

struct load_result {
    // Present when the JSON could be read into a model, even if `problems` has errors (so
    // the checker can still report more); a script with errors must not serve residents.
    std::optional<dialog::script> script;
    std::vector<problem> problems;
};

// Structural checks happen here: JSON syntax (line:column), duplicate keys, required fields,
// field types, unknown node/answer/action types, invalid conditions, missing default-language
// text. Cross-references are the checker's job (checker.hpp).
load_result load_script(std::string_view json_text, const std::string& file_name);

// Reads the file and calls load_script; an unreadable file is an error problem.
load_result load_script_file(const std::string& path);

}  // namespace sapa::dialog
