#include "dialog/problem.hpp"

namespace sapa::dialog {

std::string to_string(const problem& p) {
    std::string line = p.file;
    if (!p.where.empty()) line += ":" + p.where;
    line += p.severity == severity::error ? ": error: " : ": warning: ";
    line += p.message;
    return line;
}

}  // namespace sapa::dialog
