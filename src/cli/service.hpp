#pragma once
// The composition root of `sapa serve`: the one place that sees every module. It loads the
// scripts, opens the store, builds the channels' adapters, the use cases, the routes, the
// HTTP server and the outbound sender, and runs until SIGINT or SIGTERM.

#include "app/conversations.hpp"
#include "config/config.hpp"
#include "dialog/catalog.hpp"
#include "storage/store.hpp"

#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace sapa::cli {

// Opens the store that `serve` runs on. A store whose callbacks come from threads of its own
// hands them to `io`, so that webhook answers are written on the io threads.
using store_opener = std::function<std::unique_ptr<storage::store>(
    const config::service_config& config, boost::asio::io_context& io)>;

// The default: the store config.storage names (SQLite at config.storage.database_path, with
// its batching and durability settings).
std::unique_ptr<storage::store> open_configured_store(const config::service_config& config,
                                                      boost::asio::io_context& io);

// The dialog scripts the config names (errors logged), or null when they have errors.
std::shared_ptr<const dialog::catalog> load_configured_scripts(
    const config::service_config& config);

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
};
tool_session open_tool_session(const config::service_config& config);

// Returns the process exit code. `on_listening(port)` is called once the server accepts
// connections (tests use it with port 0). Throws what `open_store` throws.
int serve(const config::service_config& config,
          const std::function<void(unsigned short port)>& on_listening = {},
          const store_opener& open_store = open_configured_store);

}  // namespace sapa::cli
