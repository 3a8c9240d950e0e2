#pragma once
// "Did you mean ...?" for names staff mistype in scripts and configs.

#include <cstddef>
#include <string_view>

namespace sapa::common {

// Levenshtein distance: insertions, deletions and substitutions of single bytes.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace sapa::common
