#pragma once
// Failures of the store that a caller can act on, as error codes (storage::errc). Broken
// infrastructure (a corrupt file, a newer schema) throws instead.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sapa::storage {

enum class errc {
    // The unit of work threw. Nothing of it was stored; the other units of the same
    // transaction were.
    work_failed = 1,
    // The transaction could not be committed (disk full, I/O error, database locked for too
    // long). Nothing of the batch was stored; the gateway should retry later.
    write_failed,
    // The store is closing and accepts no more work.
    shutting_down,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace sapa::storage

template <>
struct boost::system::is_error_code_enum<sapa::storage::errc> : std::true_type {};
