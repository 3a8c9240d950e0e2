#pragma once
// A problem found in a dialog script, worded for the staff member who edits it.

#include <string>
#include <string_view>
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

// A file's name without its folders ("/srv/sapa/dialogs/lumajang.json" -> "lumajang.json"),
// and a problem naming its file so: what staff see in the console and the API, where the
// server's own paths mean nothing to them (and are not theirs to see).
std::string without_folders(std::string_view path);
problem without_folders(problem p);

inline bool has_errors(const std::vector<problem>& problems) {
    for (const auto& p : problems)
        if (p.severity == severity::error) return true;
    return false;
}

}  // namespace sapa::dialog
