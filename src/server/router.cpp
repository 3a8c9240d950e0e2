#include "server/router.hpp"

#include <string_view>

namespace sapa::server {
namespace {

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = 1;  // after the leading '/'
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        segments.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return segments;
}

bool is_parameter(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool matches(const std::vector<std::string>& pattern,
             const std::vector<std::string>& path,
             route_params& params) {
    if (pattern.size() != path.size()) return false;
    route_params found;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (is_parameter(pattern[i])) {
            if (path[i].empty()) return false;
            found[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
        } else if (pattern[i] != path[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

}  // namespace

std::string router::pattern_of(const route& r) {
    std::string pattern;
    for (const auto& s : r.segments)
        pattern += "/" + s;
    return pattern;
}

router& router::add(std::string method, const std::string& pattern, route_handler handler) {
    routes_.push_back({std::move(method), split_path(pattern), std::move(handler)});
    return *this;
}

void router::handle(http_request request, responder respond) {
    const auto path = split_path(request.path);
    std::string allowed, first_pattern;
    for (const auto& r : routes_) {
        route_params params;
        if (!matches(r.segments, path, params)) continue;
        if (first_pattern.empty()) first_pattern = pattern_of(r);
        if (r.method == request.method || (r.method == "GET" && request.method == "HEAD")) {
            auto pattern = pattern_of(r);
            return r.handler(std::move(request),
                             params,
                             [respond = std::move(respond),
                              pattern = std::move(pattern)](http_response response) {
                                 response.route = pattern;
                                 respond(std::move(response));
                             });
        }
        if (allowed.find(r.method) == std::string::npos)
            allowed += (allowed.empty() ? "" : ", ") + r.method;
    }
    if (allowed.empty()) return respond(plain_response(404, "not found"));
    auto r = plain_response(405, "method not allowed");
    r.headers.emplace_back("Allow", allowed);
    r.route = first_pattern;
    respond(std::move(r));
}

}  // namespace sapa::server
