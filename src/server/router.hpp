#pragma once
// The route table: method + path pattern -> handler. A pattern's segments are literal or a
// parameter in braces ("/webhooks/{channel}/status"). A path no route has is 404; a path that
// has routes, but not for this method, is 405 with an Allow header. GET routes answer HEAD.

#include "server/http_types.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sapa::server {

using route_params = std::map<std::string, std::string>;
using route_handler =
    std::function<void(http_request request, const route_params& params, responder respond)>;

class router final : public request_handler {
  public:
    // REQUIRES: `pattern` starts with '/'.
    router& add(std::string method, const std::string& pattern, route_handler handler);

    void handle(http_request request, responder respond) override;

  private:
    struct route {
        std::string method;
        std::vector<std::string> segments;  // "{name}" matches any one non-empty segment
        route_handler handler;
    };
    static std::string pattern_of(const route& r);
    std::vector<route> routes_;
};

}  // namespace sapa::server
