#pragma once
// Shared by the JSON webhook targets: a POST as the provider sends it, signed with the
// given header, so the fuzzed body gets past the signature check.
#include "gateway/webhook.hpp"

#include <string>

namespace sapa::fuzz {

inline gateway::webhook_request signed_json_post(const std::string& path,
                                                 const std::string& signature_header,
                                                 const std::string& signature,
                                                 const std::string& body) {
    gateway::webhook_request req;
    req.method = "POST";
    req.path = path;
    req.url = "https://sapa.example.id" + path;
    req.headers = {{"content-type", "application/json"}, {signature_header, signature}};
    req.body = body;
    return req;
}

}  // namespace sapa::fuzz
