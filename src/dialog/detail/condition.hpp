#pragma once
// The `if` grammar of branches: `VAR OP VALUE` joined by `and`; `VAR set` / `VAR unset`.

#include "dialog/script.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sapa::dialog::detail {

struct condition_result {
    std::vector<comparison> all_of;
    std::string error;  // empty when the condition is valid; else why not, in plain words
};

// Quoted strings keep their quotes in `comparison::right` ("\"SD\""), so a reader can tell the
// text "SD" from a variable named SD; numbers and variable names are stored as written.
condition_result parse_condition(std::string_view source);

// True when a condition operand names a variable (not a number or a "quoted text").
bool is_variable_operand(std::string_view operand);

}  // namespace sapa::dialog::detail
