#pragma once
// The set of scripts a deployment serves, by id. Immutable once built, so it is shared across
// threads without locks; a reload builds a new catalog and swaps the pointer.

#include "dialog/problem.hpp"
#include "dialog/script.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sapa::dialog {

class catalog {
  public:
    catalog() = default;
    explicit catalog(std::vector<script> scripts);

    const script* find(const std::string& id) const;
    const std::map<std::string, script>& scripts() const { return scripts_; }

  private:
    std::map<std::string, script> scripts_;
};

struct catalog_load_result {
    std::shared_ptr<const dialog::catalog> scripts;  // null when any script has an error
    std::vector<problem> problems;                   // loader and checker problems of every file
};

// Loads and checks every *.json in `paths` (files or folders). Scripts with errors are
// refused: the caller keeps serving the old catalog.
catalog_load_result load_catalog(const std::vector<std::string>& paths);

}  // namespace sapa::dialog
