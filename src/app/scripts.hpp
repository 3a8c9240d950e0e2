#pragma once
// Publishing dialog scripts while Sapa serves: hot reload that never breaks the live script.
//
//   publish():  a candidate set of scripts -> loader + checker -> refused with the errors (the
//               live catalog stays), or kept in the store as a new version and made live.
//   refresh():  another process published (`sapa reload`, another instance on the same
//               PostgreSQL database): the store's newest version becomes live here too.
//   rollback(): an earlier version published again, as the newest.
//
// Conversations run on across a swap: each message's turn reads the catalog that is live
// when it runs. A session waiting on a node that the new version no longer has (or that no
// longer asks) starts the script again, as the engine does with any script that changed
// shape; sessions on nodes that still exist continue where they were.
//
// Thread-safety: current() from any thread; the other calls are serialised inside.

#include "dialog/catalog.hpp"
#include "dialog/problem.hpp"
#include "messaging/message.hpp"
#include "storage/store.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sapa::app {

struct scripts_options {
    // Script ids the configured channels run: a version without one of them is refused.
    std::vector<std::string> required;
    // Set: every script of a version gets this session timeout (the config's override).
    std::optional<int> session_timeout_minutes;
};

struct publish_outcome {
    std::int64_t version = 0;               // the new version; 0: refused (or nothing changed)
    std::vector<dialog::problem> problems;  // errors (why refused) and warnings
    bool published() const { return version != 0; }
};

// Checks `files` as one set of scripts, as publish() does (the required scripts included).
dialog::catalog_load_result check_scripts(const std::vector<storage::script_file>& files,
                                          const scripts_options& options);

class scripts {
  public:
    scripts(storage::store& store, scripts_options options);
    scripts(const scripts&) = delete;
    scripts& operator=(const scripts&) = delete;

    // The live catalog; null before the first successful publish() / refresh() / start().
    std::shared_ptr<const dialog::catalog> current() const;
    // The live version's id (0: none yet).
    std::int64_t current_version() const;

    // Start-up with the deployment's files: serves the store's newest version when the
    // files are the ones last published from files (a rollback or an API publish since stays
    // live), else publishes the files. With `note` marking what came from files.
    publish_outcome start(const std::vector<storage::script_file>& files,
                          const std::string& published_by,
                          messaging::unix_seconds now);

    // Checks, keeps and makes live `files`; refused with the problems when any is an error.
    publish_outcome publish(const std::vector<storage::script_file>& files,
                            const std::string& published_by,
                            const std::string& note,
                            messaging::unix_seconds now);

    // Makes the store's newest version live when it is newer than the live one. Returns the
    // outcome: version 0 when nothing changed; problems when it could not be made live (the
    // live one stays).
    publish_outcome refresh();

    // Publishes version `version`'s files again as the newest. Refused when there is no such
    // version (an error problem) or it no longer passes the checks.
    publish_outcome rollback(std::int64_t version,
                             const std::string& published_by,
                             messaging::unix_seconds now);

    // What start() writes as the note of a version published from the deployment's files.
    static constexpr const char* files_note = "dialogs folder";

  private:
    void make_live(std::shared_ptr<const dialog::catalog> c, std::int64_t version);

    storage::store& store_;
    scripts_options options_;
    std::mutex publishing_;  // one publish/refresh at a time
    mutable std::mutex live_;
    std::shared_ptr<const dialog::catalog> catalog_;
    std::int64_t version_ = 0;
};

}  // namespace sapa::app
