#pragma once
// `sapa serve`: wires the configured channels, the store, the scripts and the HTTP server,
// and runs until SIGINT or SIGTERM.

#include "config/config.hpp"

#include <functional>

namespace sapa::server {

// Returns the process exit code. `on_listening(port)` is called once the server accepts
// connections (tests use it with port 0).
int serve(const config::service_config& config,
          const std::function<void(unsigned short port)>& on_listening = {});

}  // namespace sapa::server
