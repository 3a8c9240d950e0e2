#include "gateway/detail/crypto.hpp"

#include "common/ascii.hpp"
#include "gateway/error.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace sapa::gateway::detail {
namespace {

using mac_context = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

// An HMAC context with its digest chosen, made once per digest: OpenSSL 3 looks the algorithms
// up by name under a global lock, which the one-shot HMAC() does on every call (it was 3 % of
// the server's CPU under load). Each call copies it and sets only the key.
mac_context make_hmac_template(const char* digest) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) throw std::runtime_error("OpenSSL has no HMAC");
    mac_context ctx(EVP_MAC_CTX_new(mac), EVP_MAC_CTX_free);
    EVP_MAC_free(mac);  // the context keeps its own reference
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>(digest), 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx || EVP_MAC_CTX_set_params(ctx.get(), params) != 1) {
        throw std::runtime_error(std::string("OpenSSL cannot set up HMAC-") + digest);
    }
    return ctx;
}

const EVP_MAC_CTX& hmac_template(const char* digest) {
    static const mac_context sha1 = make_hmac_template("SHA1");
    static const mac_context sha256 = make_hmac_template("SHA256");
    return std::string_view(digest) == "SHA1" ? *sha1 : *sha256;
}

// A copy of `digest`'s template with `key` set.
mac_context keyed_context(const char* digest, std::string_view key) {
    mac_context ctx(EVP_MAC_CTX_dup(&hmac_template(digest)), EVP_MAC_CTX_free);
    if (!ctx || EVP_MAC_init(ctx.get(),
                             reinterpret_cast<const unsigned char*>(key.data()),
                             key.size(),
                             nullptr) != 1) {
        throw std::runtime_error("OpenSSL HMAC failed");
    }
    return ctx;
}

// Feeds `message` to a context that has its key and returns the MAC.
std::string finish(EVP_MAC_CTX* ctx, std::string_view message) {
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    if (EVP_MAC_update(
            ctx, reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
        EVP_MAC_final(ctx, out, &len, sizeof out) != 1) {
        throw std::runtime_error("OpenSSL HMAC failed");
    }
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string hmac(const char* digest, std::string_view key, std::string_view message) {
    return finish(keyed_context(digest, key).get(), message);
}

}  // namespace

std::string hmac_sha1(std::string_view key, std::string_view message) {
    return hmac("SHA1", key, message);
}

hmac_sha1_key::hmac_sha1_key(std::string_view key)
    : ctx_(keyed_context("SHA1", key).release(), EVP_MAC_CTX_free) {}

std::string hmac_sha1_key::sign(std::string_view message) const {
    mac_context ctx(EVP_MAC_CTX_dup(ctx_.get()), EVP_MAC_CTX_free);
    // No key: the MAC restarts with the one the copied context already holds.
    if (!ctx || EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) != 1) {
        throw std::runtime_error("OpenSSL HMAC failed");
    }
    return finish(ctx.get(), message);
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
    return hmac("SHA256", key, message);
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
        c = common::to_lower_ascii(c);
    if (!constant_time_equal(given, sha256_signature_header(secret, body))) {
        return errc::bad_signature;
    }
    return {};
}

}  // namespace sapa::gateway::detail
