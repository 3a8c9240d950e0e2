#pragma once
// The JSON API, /api/v1 (docs/api.md): lists of registrations, contacts, requests and script
// versions, paged with keyset cursors (?limit=&after=), and a few staff actions. Every
// request carries `Authorization: Bearer TOKEN` (app::token_checker): 401 without a known
// token, 403 when its role is too low (app::staff_role). Errors are {"error": "..."}.
//
// The handlers read and write the store with blocking calls, so they run on threads of the
// API's own, never on the io threads; the lists are read like exports (store::export_rows),
// on a reading connection of their own that does not hold up the writer.

#include "app/api_tokens.hpp"
#include "app/conversations.hpp"
#include "app/scripts.hpp"
#include "server/router.hpp"
#include "storage/store.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sapa::server {

struct api_options {
    int threads = 2;               // handler threads
    std::int64_t max_limit = 500;  // ?limit= at most this; default page 50
};

class api {
  public:
    api(storage::store& store,
        app::conversations& conversations,
        app::scripts& scripts,
        std::function<messaging::unix_seconds()> clock,
        api_options options = {});
    ~api();  // stop()
    api(const api&) = delete;
    api& operator=(const api&) = delete;

    void add_routes(router& routes);
    // Finishes the requests in hand and joins the threads. Later requests get 503.
    void stop();

  private:
    using handler = std::function<http_response(
        const http_request&, const route_params&, const app::token_holder&)>;
    // Adds a route that needs at least `role`, run on the API's threads.
    void add(router& routes,
             const std::string& method,
             const std::string& pattern,
             app::staff_role role,
             handler h);
    void run();

    http_response list(app::staff_role role,
                       storage::export_kind kind,
                       const http_request& request) const;
    http_response scripts_list() const;
    http_response publish(const http_request& request, const app::token_holder& who);
    http_response request_done(const route_params& params);
    http_response cancel(const http_request& request, const route_params& params);
    // POST /api/v1/registrations/{code}/confirm|attended|promote
    http_response change(app::registration_change what,
                         const http_request& request,
                         const route_params& params);
    // The audit log (the console's): what a token changed, under "token NAME".
    void audit(const app::token_holder& who, std::string action, std::string object);

    storage::store& store_;
    app::conversations& conversations_;
    app::scripts& scripts_;
    std::function<messaging::unix_seconds()> clock_;
    api_options options_;
    app::token_checker tokens_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace sapa::server
