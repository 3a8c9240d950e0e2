#pragma once
// Meta WhatsApp Cloud API details exposed for tests and tools. The adapter itself is made by
// make_whatsapp_cloud_adapter() in adapter.hpp. Reference: gateways.md section 2.

#include <cstddef>
#include <string>
#include <string_view>

namespace sapa::gateway {

// The X-Hub-Signature-256 value Meta sends for `raw_body`:
// "sha256=" + lowercase hex HMAC-SHA256(app_secret, raw_body).
std::string whatsapp_cloud_signature(std::string_view app_secret, std::string_view raw_body);

// WhatsApp's limits on what render_send() produces, in characters (code points).
struct whatsapp_limits {
    static constexpr std::size_t text_body = 4096;
    static constexpr std::size_t interactive_body = 1024;
    static constexpr std::size_t max_buttons = 3;
    static constexpr std::size_t button_title = 20;
    static constexpr std::size_t max_list_rows = 10;
    static constexpr std::size_t row_title = 24;
    static constexpr std::size_t reply_id = 256;
};

}  // namespace sapa::gateway
