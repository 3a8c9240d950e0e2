#pragma once
// Hashes, MACs and encodings the signature schemes need, all computed by OpenSSL.
// Byte strings travel as std::string.

#include <boost/system/error_code.hpp>
#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sapa::gateway::detail {

std::string hmac_sha1(std::string_view key, std::string_view message);

// HMAC-SHA1 under a key set once: the key's pads are hashed here, so each sign() hashes only
// its message (for a secret that checks every webhook). Usable from several threads at once.
class hmac_sha1_key {
  public:
    explicit hmac_sha1_key(std::string_view key);
    std::string sign(std::string_view message) const;  // = hmac_sha1(key, message)

  private:
    std::shared_ptr<EVP_MAC_CTX> ctx_;  // never changed after construction: only copied
};
std::string hmac_sha256(std::string_view key, std::string_view message);
std::string sha256(std::string_view data);

std::string to_hex(std::string_view bytes);  // lowercase
std::string base64(std::string_view bytes);  // standard alphabet, with padding

// Equal length and equal bytes, in time that depends only on the length.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// "sha256=" + lowercase hex of HMAC-SHA256(secret, body): Meta's and Sapa's own header.
std::string sha256_signature_header(std::string_view secret, std::string_view body);

// Checks such a header: missing_signature when absent, bad_signature when it differs.
// Hex digits are accepted in either case.
boost::system::error_code check_sha256_signature(std::optional<std::string_view> header,
                                                 std::string_view secret,
                                                 std::string_view body);

}  // namespace sapa::gateway::detail
