#include "app/api_tokens.hpp"

#include <array>
#include <sodium.h>
#include <stdexcept>

namespace sapa::app {
namespace {

constexpr std::string_view token_prefix = "sapa_";

void init_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

std::array<unsigned char, crypto_generichash_BYTES> digest(std::string_view token) {
    std::array<unsigned char, crypto_generichash_BYTES> out{};
    crypto_generichash(out.data(),
                       out.size(),
                       reinterpret_cast<const unsigned char*>(token.data()),
                       token.size(),
                       nullptr,
                       0);
    return out;
}

std::string hex(const unsigned char* bytes, std::size_t n) {
    std::string out(n * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes, n);
    out.pop_back();
    return out;
}

// The kept hash back as bytes; false when it is not one.
bool unhex(const std::string& text, std::array<unsigned char, crypto_generichash_BYTES>& out) {
    std::size_t len = 0;
    return sodium_hex2bin(
               out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr) == 0 &&
           len == out.size();
}

}  // namespace

bool token_name_acceptable(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string hash_token(std::string_view token) {
    init_sodium();
    auto d = digest(token);
    return hex(d.data(), d.size());
}

std::string random_secret() {
    init_sodium();
    std::array<unsigned char, 32> secret{};
    randombytes_buf(secret.data(), secret.size());
    auto out = hex(secret.data(), secret.size());
    sodium_memzero(secret.data(), secret.size());
    return out;
}

std::optional<std::string> create_api_token(storage::store& store,
                                            const std::string& name,
                                            staff_role role,
                                            messaging::unix_seconds now) {
    if (!token_name_acceptable(name))
        throw std::invalid_argument("a token name is 1 to 64 letters, digits, '.', '_' or '-'");
    std::string token = std::string(token_prefix) + random_secret();
    storage::api_token kept{name, hash_token(token), std::string(to_string(role)), now, 0};
    if (!store.add_api_token(kept)) return std::nullopt;
    return token;
}

token_checker::token_checker(storage::store& store) : store_(store) {
    init_sodium();
}

std::optional<token_holder> token_checker::check(std::string_view token,
                                                 messaging::unix_seconds now) {
    if (!token.starts_with(token_prefix) || token.size() > 256) return std::nullopt;
    const auto presented = digest(token);
    std::optional<token_holder> found;
    bool record_use = false;
    {
        std::lock_guard lock(mutex_);
        if (now != loaded_at_) {
            tokens_ = store_.api_tokens();
            loaded_at_ = now;
        }
        for (const auto& t : tokens_) {
            std::array<unsigned char, crypto_generichash_BYTES> kept{};
            if (!unhex(t.hash, kept)) continue;
            // Every kept hash is compared, in constant time each.
            if (sodium_memcmp(kept.data(), presented.data(), kept.size()) != 0 || found) continue;
            auto role = parse_staff_role(t.role);
            if (!role) continue;
            found = token_holder{t.name, *role};
        }
        if (found) {
            auto& last = recorded_use_[found->name];
            if (now - last >= 60) {
                last = now;
                record_use = true;
            }
        }
    }
    if (record_use) store_.api_token_used(found->name, now);
    return found;
}

}  // namespace sapa::app
