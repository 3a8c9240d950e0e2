#include "dialog/problem.hpp"

namespace sapa::dialog {

std::string to_string(const problem& p) {
    std::string line = p.file;
    if (!p.where.empty()) line += ":" + p.where;
    line += p.severity == severity::error ? ": error: " : ": warning: ";
    line += p.message;
    return line;
}

std::string without_folders(std::string_view path) {
    if (auto slash = path.find_last_of('/'); slash != std::string_view::npos)
        path.remove_prefix(slash + 1);
    return std::string(path);
}

problem without_folders(problem p) {
    p.file = without_folders(std::string_view(p.file));
    return p;
}

}  // namespace sapa::dialog
