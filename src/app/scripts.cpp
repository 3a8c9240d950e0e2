#include "app/scripts.hpp"

#include <algorithm>

namespace sapa::app {
namespace {

dialog::problem error(std::string message) {
    return {dialog::severity::error, "", "", std::move(message)};
}

// The catalog as it serves: with the configured session timeout, if any.
std::shared_ptr<const dialog::catalog> adjusted(std::shared_ptr<const dialog::catalog> c,
                                                const scripts_options& options) {
    if (!options.session_timeout_minutes) return c;
    std::vector<dialog::script> list;
    for (const auto& [id, s] : c->scripts()) {
        list.push_back(s);
        list.back().session_timeout_minutes = *options.session_timeout_minutes;
    }
    return std::make_shared<const dialog::catalog>(std::move(list));
}

}  // namespace

dialog::catalog_load_result check_scripts(const std::vector<storage::script_file>& files,
                                          const scripts_options& options) {
    std::vector<dialog::script_text> sources;
    for (const auto& f : files)
        sources.push_back({f.name, f.text});
    auto result = dialog::load_catalog_texts(sources);
    if (!result.scripts) return result;
    for (const auto& id : options.required) {
        if (result.scripts->find(id)) continue;
        result.problems.push_back(error("a configured channel runs script \"" + id +
                                        "\", which these scripts do not include"));
        result.scripts = nullptr;
    }
    if (result.scripts) result.scripts = adjusted(result.scripts, options);
    return result;
}

scripts::scripts(storage::store& store, scripts_options options)
    : store_(store), options_(std::move(options)) {}

std::shared_ptr<const dialog::catalog> scripts::current() const {
    std::lock_guard lock(live_);
    return catalog_;
}

std::int64_t scripts::current_version() const {
    std::lock_guard lock(live_);
    return version_;
}

void scripts::make_live(std::shared_ptr<const dialog::catalog> c, std::int64_t version) {
    std::lock_guard lock(live_);
    catalog_ = std::move(c);
    version_ = version;
}

publish_outcome scripts::publish(const std::vector<storage::script_file>& files,
                                 const std::string& published_by,
                                 const std::string& note,
                                 messaging::unix_seconds now) {
    std::lock_guard lock(publishing_);
    auto checked = check_scripts(files, options_);
    publish_outcome out;
    out.problems = std::move(checked.problems);
    if (!checked.scripts) return out;
    out.version = store_.publish_scripts({0, files, published_by, note, now});
    make_live(std::move(checked.scripts), out.version);
    return out;
}

publish_outcome scripts::refresh() {
    std::lock_guard lock(publishing_);
    publish_outcome out;
    const auto latest = store_.latest_script_version();
    if (latest <= current_version()) return out;
    auto v = store_.find_script_version(latest);
    if (!v) return out;
    auto checked = check_scripts(v->files, options_);
    out.problems = std::move(checked.problems);
    if (!checked.scripts) {
        out.problems.insert(out.problems.begin(),
                            error("version " + std::to_string(v->id) +
                                  " cannot go live here; the live version stays"));
        // Not tried again until a newer version comes.
        std::lock_guard live(live_);
        version_ = std::max(version_, v->id);
        return out;
    }
    out.version = v->id;
    make_live(std::move(checked.scripts), v->id);
    return out;
}

publish_outcome scripts::rollback(std::int64_t version,
                                  const std::string& published_by,
                                  messaging::unix_seconds now) {
    auto v = version > 0 ? store_.find_script_version(version) : std::nullopt;
    if (!v) {
        publish_outcome out;
        out.problems.push_back(error("there is no script version " + std::to_string(version)));
        return out;
    }
    return publish(v->files, published_by, "rollback to version " + std::to_string(version), now);
}

publish_outcome scripts::start(const std::vector<storage::script_file>& files,
                               const std::string& published_by,
                               messaging::unix_seconds now) {
    // The newest version published from files: are the files still the same?
    std::optional<storage::script_version> from_files;
    for (const auto& v : store_.script_versions()) {
        if (v.note != files_note) continue;
        from_files = store_.find_script_version(v.id);
        break;
    }
    if (from_files && from_files->files == files) {
        auto out = refresh();
        if (out.published()) return out;
    }
    return publish(files, published_by, files_note, now);
}

}  // namespace sapa::app
