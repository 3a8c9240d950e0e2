#pragma once
// Failures of the use cases that a caller can act on (app::errc). The store's own failures
// keep their codes (storage::errc).

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sapa::app {

enum class errc {
    // The sender's address is empty or unusable. Caused by the remote party: do not retry.
    invalid_address = 1,
    // A dialog node to start at is not in the channel's script. Nothing was written.
    unknown_node,
    // The contact opted out: Sapa does not write first to it. Nothing was written.
    opted_out,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace sapa::app

template <>
struct boost::system::is_error_code_enum<sapa::app::errc> : std::true_type {};
