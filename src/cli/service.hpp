#pragma once
// The composition root of `sapa serve`: the one place that sees every module. It loads the
// scripts, opens the store, builds the channels' adapters, the use cases, the routes, the
// HTTP server and the outbound sender, and runs until SIGINT or SIGTERM.

#include "config/config.hpp"
#include "storage/store.hpp"

#include <functional>
#include <memory>

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
// its batching and durability settings).
std::unique_ptr<storage::store> open_configured_store(const config::service_config& config,
                                                      boost::asio::io_context& io,
                                                      storage::commit_observer on_commit = {});

// Returns the process exit code. `on_listening(port)` is called once the server accepts
// connections (tests use it with port 0). Throws what `open_store` throws.
int serve(const config::service_config& config,
          const std::function<void(unsigned short port)>& on_listening = {},
          const store_opener& open_store = open_configured_store);

}  // namespace sapa::cli
