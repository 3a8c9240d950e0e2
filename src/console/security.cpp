#include "console/security.hpp"

#include <sodium.h>
#include <stdexcept>

namespace sapa::console {
namespace {

void start_sodium() {
    static const int started = sodium_init();
    if (started < 0) throw std::runtime_error("libsodium could not start");
}

}  // namespace

std::string hash_password(std::string_view password) {
    start_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out,
                              password.data(),
                              password.size(),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("not enough memory to hash the password");
    return out;
}

bool password_matches(std::string_view password, const std::string& hash) {
    start_sodium();
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void spend_password_check_time(std::string_view password) {
    static const std::string decoy = hash_password("sapa decoy password");
    (void)password_matches(password, decoy);
}

bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size() || a.empty()) return false;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> password_problem(std::string_view password) {
    if (password.size() < 10) return "the password must have at least 10 characters";
    if (password.size() > 1024) return "the password must have at most 1024 characters";
    return std::nullopt;
}

}  // namespace sapa::console
