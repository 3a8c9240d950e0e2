#include "gateway/detail/crypto.hpp"

#include "gateway/error.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <stdexcept>

namespace sapa::gateway::detail {
namespace {

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view message) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(md,
             key.data(),
             static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size(),
             out,
             &len) == nullptr) {
        throw std::runtime_error("OpenSSL HMAC failed");
    }
    return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

std::string hmac_sha1(std::string_view key, std::string_view message) {
    return hmac(EVP_sha1(), key, message);
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
    return hmac(EVP_sha256(), key, message);
}

std::string sha256(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        auto u = static_cast<unsigned char>(c);
        out.push_back(digits[u >> 4]);
        out.push_back(digits[u & 0x0f]);
    }
    return out;
}

std::string base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256_signature_header(std::string_view secret, std::string_view body) {
    return "sha256=" + to_hex(hmac_sha256(secret, body));
}

boost::system::error_code check_sha256_signature(std::optional<std::string_view> header,
                                                 std::string_view secret,
                                                 std::string_view body) {
    if (!header || header->empty()) return errc::missing_signature;
    std::string given(*header);
    for (char& c : given)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!constant_time_equal(given, sha256_signature_header(secret, body))) {
        return errc::bad_signature;
    }
    return {};
}

}  // namespace sapa::gateway::detail
