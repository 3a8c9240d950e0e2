#include "dialog/catalog.hpp"

#include "dialog/answer_text.hpp"
#include "dialog/checker.hpp"
#include "dialog/loader.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

namespace sapa::dialog {
namespace {

namespace fs = std::filesystem;

// The files a path names: a file itself, or a folder's *.json in name order (stable reports).
std::vector<std::string> files_of(const std::string& path, std::vector<problem>& problems) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return {path};
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(path, ec))
        if (entry.is_regular_file(ec) && entry.path().extension() == ".json")
            files.push_back(entry.path().string());
    if (ec)
        problems.push_back({severity::error, path, "", "cannot read the folder"});
    else if (files.empty())
        problems.push_back({severity::error, path, "", "the folder has no *.json files"});
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

catalog::catalog(std::vector<script> scripts) {
    for (auto& s : scripts) {
        normalize_answer_words(s);
        auto id = s.id;
        scripts_.insert_or_assign(std::move(id), std::move(s));
    }
}

const script* catalog::find(const std::string& id) const {
    auto it = scripts_.find(id);
    return it == scripts_.end() ? nullptr : &it->second;
}

catalog_load_result load_catalog(const std::vector<std::string>& paths) {
    catalog_load_result result;
    std::vector<std::pair<std::string, script>> loaded;  // file, script
    std::map<std::string, std::size_t> rank;             // file -> position in the order given
    for (const auto& path : paths) {
        rank.try_emplace(path, rank.size());
        for (const auto& file : files_of(path, result.problems)) {
            rank.try_emplace(file, rank.size());
            auto r = load_script_file(file);
            result.problems.insert(result.problems.end(), r.problems.begin(), r.problems.end());
            if (!r.script) continue;
            auto same_id = std::find_if(loaded.begin(), loaded.end(), [&](const auto& other) {
                return other.second.id == r.script->id;
            });
            if (same_id != loaded.end()) {
                result.problems.push_back({severity::error,
                                           file,
                                           "/id",
                                           "script id \"" + r.script->id + "\" is also used by " +
                                               same_id->first + " (each script needs its own id)"});
                continue;
            }
            loaded.emplace_back(file, std::move(*r.script));
        }
    }
    if (paths.empty())
        result.problems.push_back({severity::error, "", "", "no dialog files were given"});

    // Scripts loaded together resolve each other's subflows.
    std::vector<script> scripts;
    for (const auto& [file, s] : loaded)
        scripts.push_back(s);
    auto all = std::make_shared<const catalog>(std::move(scripts));
    for (const auto& [file, s] : loaded) {
        auto found = check_script(s, file, all.get());
        result.problems.insert(result.problems.end(), found.begin(), found.end());
    }
    // Each file's lines together, files in the order given: loader and checker problems of one
    // file read as one report.
    std::stable_sort(
        result.problems.begin(), result.problems.end(), [&](const problem& a, const problem& b) {
            return rank[a.file] < rank[b.file];
        });
    if (!has_errors(result.problems)) result.scripts = std::move(all);
    return result;
}

}  // namespace sapa::dialog
