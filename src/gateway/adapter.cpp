#include "gateway/adapter.hpp"

namespace sapa::gateway {

bool within_customer_service_window(messaging::unix_seconds last_inbound_unix,
                                    messaging::unix_seconds now_unix) noexcept {
    constexpr messaging::unix_seconds window = 24 * 60 * 60;
    if (last_inbound_unix <= 0) return false;
    // A clock a little behind the message's timestamp still counts as inside the window.
    return now_unix - last_inbound_unix < window;
}

}  // namespace sapa::gateway
