#pragma once
// Builders shared by the gateway tests.

#include "engine/engine.hpp"
#include "gateway/webhook.hpp"

#include <string>
#include <utility>
#include <vector>

namespace sapa::gateway::test {

inline webhook_request post(std::string url,
                            std::string body,
                            std::vector<std::pair<std::string, std::string>> headers) {
    webhook_request req;
    req.method = "POST";
    req.url = std::move(url);
    req.body = std::move(body);
    req.headers = std::move(headers);
    return req;
}

inline messaging::outbound_message menu(std::string body, int option_count) {
    messaging::outbound_message m;
    m.body = std::move(body);
    m.text = m.body;
    for (int i = 1; i <= option_count; ++i) {
        std::string key = std::to_string(i);
        m.options.push_back({key, "Pilihan " + key});
        m.text += "\n" + key + ". Pilihan " + key;
    }
    return m;
}

inline messaging::outbound_message text_message(std::string text) {
    messaging::outbound_message m;
    m.text = std::move(text);
    return m;
}

}  // namespace sapa::gateway::test
