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

namespace {

// Adds one loaded script to `loaded`, unless another has its id.
void add_loaded(const std::string& file,
                load_result r,
                std::vector<std::pair<std::string, script>>& loaded,
                std::vector<problem>& problems) {
    problems.insert(problems.end(), r.problems.begin(), r.problems.end());
    if (!r.script) return;
    auto same_id = std::find_if(loaded.begin(), loaded.end(), [&](const auto& other) {
        return other.second.id == r.script->id;
    });
    if (same_id != loaded.end()) {
        problems.push_back({severity::error,
                            file,
                            "/id",
                            "script id \"" + r.script->id + "\" is also used by " + same_id->first +
                                " (each script needs its own id)"});
        return;
    }
    loaded.emplace_back(file, std::move(*r.script));
}

// Checks the loaded scripts together (they resolve each other's subflows) and sorts the
// problems by `rank` (file -> position in the order given).
catalog_load_result check_loaded(std::vector<std::pair<std::string, script>> loaded,
                                 std::vector<problem> problems,
                                 std::map<std::string, std::size_t>& rank) {
    catalog_load_result result;
    result.problems = std::move(problems);
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

}  // namespace

std::vector<std::string> dialog_files(const std::vector<std::string>& paths,
                                      std::vector<problem>& problems) {
    std::vector<std::string> out;
    for (const auto& path : paths)
        for (auto& file : files_of(path, problems))
            out.push_back(std::move(file));
    return out;
}

catalog_load_result load_catalog(const std::vector<std::string>& paths) {
    std::vector<problem> problems;
    std::vector<std::pair<std::string, script>> loaded;  // file, script
    std::map<std::string, std::size_t> rank;             // file -> position in the order given
    for (const auto& path : paths) {
        rank.try_emplace(path, rank.size());
        for (const auto& file : files_of(path, problems)) {
            rank.try_emplace(file, rank.size());
            add_loaded(file, load_script_file(file), loaded, problems);
        }
    }
    if (paths.empty()) problems.push_back({severity::error, "", "", "no dialog files were given"});
    return check_loaded(std::move(loaded), std::move(problems), rank);
}

catalog_load_result load_catalog_texts(const std::vector<script_text>& sources) {
    std::vector<problem> problems;
    std::vector<std::pair<std::string, script>> loaded;
    std::map<std::string, std::size_t> rank;
    for (const auto& source : sources) {
        rank.try_emplace(source.name, rank.size());
        add_loaded(source.name, load_script(source.text, source.name), loaded, problems);
    }
    if (sources.empty())
        problems.push_back({severity::error, "", "", "no dialog scripts were given"});
    return check_loaded(std::move(loaded), std::move(problems), rank);
}

}  // namespace sapa::dialog
