#pragma once
// The composition root of `sapa serve`: the one place that sees every module. It loads the
// scripts, opens the store, builds the channels' adapters, the use cases, the routes, the
// HTTP server and the outbound sender, and runs until SIGINT or SIGTERM.

#include "app/broadcasts.hpp"
#include "app/conversations.hpp"
#include "app/reminders.hpp"
#include "app/scripts.hpp"
#include "config/config.hpp"
#include "dialog/catalog.hpp"
#include "storage/store.hpp"

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace sapa::cli {

// Opens the store that `serve` runs on. A store whose callbacks come from threads of its own
// hands them to `io`, so that webhook answers are written on the io threads; a store that
// commits in groups tells `on_commit` about each (for /metrics).
using store_opener =
    std::function<std::unique_ptr<storage::store>(const config::service_config& config,
                                                  boost::asio::io_context& io,
                                                  storage::commit_observer on_commit)>;

// The default: the store config.storage names (SQLite at config.storage.database_path, with
// its batching and durability settings; or PostgreSQL at the URL in the environment variable
// config.storage.url_env).
std::unique_ptr<storage::store> open_configured_store(const config::service_config& config,
                                                      boost::asio::io_context& io,
                                                      storage::commit_observer on_commit = {});

// The store a staff tool (`sapa export`, `forget`, `chat --db`) works on, and where it is.
struct tool_store {
    std::unique_ptr<storage::store> store;
    std::string where;  // for messages: the file, or "the PostgreSQL database"
    int exit_code = 0;  // when there is no store: 1 (none there, or it failed), 2 (bad config)
};

// Opens `db`: a SQLite file, or a PostgreSQL URL (postgres:// or postgresql://). Empty: the
// store the config at `config_path` names (PostgreSQL: the URL is in the environment variable
// storage.url_env). A missing SQLite file is created only when `create`. On failure the
// reason goes to `err` after "sapa COMMAND: ".
tool_store open_tool_store(std::string db,
                           const std::string& config_path,
                           bool create,
                           std::ostream& err,
                           const std::string& command);

// `sapa migrate`: brings the store `db` or the config names (as open_tool_store) to this
// build's schema, or with `dry_run` only prints the migrations it would apply. Returns the
// exit code.
int migrate_tool_store(std::string db,
                       const std::string& config_path,
                       bool dry_run,
                       std::ostream& out,
                       std::ostream& err);

// The dialog scripts the config names (errors logged), or null when they have errors.
std::shared_ptr<const dialog::catalog> load_configured_scripts(
    const config::service_config& config);

// The deployment's dialog files (config.dialogs.paths: files, folders of *.json) as script
// files to publish, named by their paths. What cannot be read is an error in `problems`.
std::vector<storage::script_file> read_dialog_files(const config::service_config& config,
                                                    std::vector<dialog::problem>& problems);

// How the config shapes published scripts: the scripts its channels run, its session timeout.
app::scripts_options configured_scripts_options(const config::service_config& config);

// The configured channels as the use cases know them (no adapters, no secrets needed): for the
// staff tools that make Sapa write first (`sapa registration cancel`, broadcasts).
std::vector<app::channel> configured_channels(const config::service_config& config);

// The configured SQLite store for a staff tool in its own process, with SMS costs measured.
std::unique_ptr<storage::store> open_tool_store(const config::service_config& config);

// The use cases for a staff tool that makes Sapa write first, in its own process, on the
// configured database (which must exist), scripts and channels. Throws std::runtime_error
// with the reason ("no database at ...", scripts with errors).
struct tool_session {
    std::shared_ptr<const dialog::catalog> scripts;
    std::vector<app::channel> channels;
    std::unique_ptr<storage::store> store;
    std::unique_ptr<app::conversations> conversations;
    std::unique_ptr<app::broadcasts> broadcasts;
};
tool_session open_tool_session(const config::service_config& config);

// The configured reminders as the use case knows them.
std::vector<app::reminder> configured_reminders(const config::service_config& config);

// Returns the process exit code. `on_listening(port)` is called once the server accepts
// connections (tests use it with port 0). Throws what `open_store` throws.
int serve(const config::service_config& config,
          const std::function<void(unsigned short port)>& on_listening = {},
          const store_opener& open_store = open_configured_store);

}  // namespace sapa::cli
