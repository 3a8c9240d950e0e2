#pragma once
// Cross-reference and cost checks over a loaded script: what `sapa check` adds to the loader.

#include "dialog/catalog.hpp"
#include "dialog/problem.hpp"
#include "dialog/script.hpp"

#include <vector>

namespace sapa::dialog {

// Errors: dangling node/list/script references, variables used before any node sets them.
// Warnings: unreachable nodes, dead ends, missing translations, messages over the segment
// budget or forced into UCS-2 (worst case with variables filled), unset settings.
// `others` resolves subflow script ids; may be null (then subflows are not resolved).
std::vector<problem> check_script(const script& s,
                                  const std::string& file_name,
                                  const catalog* others);

}  // namespace sapa::dialog
