#pragma once
// The staff console: server-rendered pages under /console on the server's own address.
// Accounts sign in with a password (Argon2id), get a server-side session (a random token in an
// HttpOnly, SameSite=Strict cookie; only its hash is stored), and every form carries the
// session's CSRF token, checked in constant time on every POST. Roles (app/staff_role.hpp)
// are checked on the server for every route; every action is written to the audit log.
//
// Pages: sign-in, the inbox (residents' handoff and erase requests: open, reply, mark done,
// erase), a contact's conversation, registrations (filter, search, CSV, cancel), the overview,
// the dialog scripts (versions, publish through the checker, roll back), broadcasts (preview,
// create, cancel) and the audit log. The handlers call the store and the use cases, which block:
// they run on `run_blocking`, not on the server's io threads.

#include "app/broadcasts.hpp"
#include "app/conversations.hpp"
#include "app/scripts.hpp"
#include "server/router.hpp"
#include "storage/store.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sapa::console {

using messaging::unix_seconds;

struct console_options {
    // Cookies marked Secure always; otherwise when a trusted proxy says the browser came
    // over https (X-Forwarded-Proto).
    bool secure_cookies = false;
    // Peers whose X-Forwarded-For and X-Forwarded-Proto are believed.
    std::vector<std::string> trusted_proxies;
    unix_seconds session_idle_seconds = 30 * 60;
    unix_seconds session_max_seconds = 12 * 3600;
    int login_failures_allowed = 5;
    // The channels staff replies can go out on (the contact's latest channel is used).
    std::vector<app::channel> channels;
    // Where timestamps are shown: minutes east of UTC (WIB).
    int utc_offset_minutes = 7 * 60;
    std::function<unix_seconds()> clock;  // empty: the system clock
    // The live scripts (publish, roll back) and the broadcasts; null: their pages say they are
    // not available here.
    app::scripts* scripts = nullptr;
    app::broadcasts* broadcasts = nullptr;
    // Runs a handler's blocking work; empty: on the calling thread.
    std::function<void(std::function<void()>)> run_blocking;
};

class console {
  public:
    console(storage::store& store, app::conversations& conversations, console_options options);
    ~console();
    console(const console&) = delete;
    console& operator=(const console&) = delete;

    // Adds the /console routes.
    void add_routes(server::router& routes);

  private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

// The stylesheet the pages link (/console/static/console.css), as built in.
std::string_view stylesheet();
// The script the pages load (/console/static/console.js: the script upload), as built in.
std::string_view script();

}  // namespace sapa::console
