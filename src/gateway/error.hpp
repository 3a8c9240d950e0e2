#pragma once
// Why a webhook was refused. Each value is caused by the request, never by the service, so
// the server answers with a 4xx (signature problems: 403; the rest: 400) and logs the message.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sapa::gateway {

enum class errc {
    // The request carries no signature header (or, for Twilio, no URL to check it against).
    missing_signature = 1,
    // The signature does not match the body under our secret.
    bad_signature,
    // The body is not valid JSON or form encoding, or its structure is not the provider's.
    malformed_body,
    // A text field is not valid UTF-8.
    invalid_utf8,
    // The Content-Type is not one the provider uses for this webhook.
    unsupported_content_type,
    // A field the message cannot be handled without (id, sender) is absent or empty.
    missing_field,
    // A subscription handshake with the wrong verify token or mode.
    verification_failed,
    // Correctly signed, but the message is for another number than the channel's (Twilio's
    // To): the provider account has another number pointing at this channel's webhook.
    wrong_recipient,
    // The sender's number could be read more than one way (a bare "8...": Indonesian without
    // its 0, or a foreign number without its "+"): the bridge must send it unambiguously.
    ambiguous_number,
};

const boost::system::error_category& gateway_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), gateway_category()};
}

}  // namespace sapa::gateway

template <>
struct boost::system::is_error_code_enum<sapa::gateway::errc> : std::true_type {};
