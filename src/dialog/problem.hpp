#pragma once
// A problem found in a dialog script, worded for the staff member who edits it.

#include <string>
#include <vector>

namespace sapa::dialog {

enum class severity { error, warning };

struct problem {
    dialog::severity severity = severity::error;
    std::string file;
    // "line:column" for JSON syntax errors, a JSON pointer ("/nodes/ask_age/next") otherwise,
    // empty for the whole file.
    std::string where;
    std::string message;
};

// "file:where: error: message" — the line format `sapa check` prints.
std::string to_string(const problem& p);

inline bool has_errors(const std::vector<problem>& problems) {
    for (const auto& p : problems)
        if (p.severity == severity::error) return true;
    return false;
}

}  // namespace sapa::dialog
