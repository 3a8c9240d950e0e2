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

// One script's JSON text and the name its problems are reported under (its file name).
struct script_text {
    std::string name;
    std::string text;
};

// As load_catalog, for scripts already read (a candidate sent to the API, a published
// version kept in the store), in the order given.
catalog_load_result load_catalog_texts(const std::vector<script_text>& sources);

// The files `paths` name, as load_catalog reads them: a file itself, a folder's *.json in name
// order. A folder that cannot be read or has no *.json is an error in `problems`.
std::vector<std::string> dialog_files(const std::vector<std::string>& paths,
                                      std::vector<problem>& problems);

}  // namespace sapa::dialog
