#pragma once
// Signatures as the gateways compute them, written independently of src/gateway so the
// end-to-end tests do not check the adapters against themselves.

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>
#include <string>

namespace sapa::testing {

inline std::string hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md,
         key.data(),
         static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()),
         data.size(),
         out,
         &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

inline std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

inline std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// X-Twilio-Signature: base64(HMAC-SHA1(token, url + sorted key+value pairs)).
inline std::string twilio_signature(const std::string& token,
                                    const std::string& url,
                                    const std::map<std::string, std::string>& params) {
    std::string data = url;
    for (const auto& [k, v] : params)
        data += k + v;
    return base64(hmac(EVP_sha1(), token, data));
}

// X-Hub-Signature-256 (Meta) and X-Sapa-Signature (generic JSON): sha256=hex(HMAC-SHA256).
inline std::string sha256_signature(const std::string& secret, const std::string& body) {
    return "sha256=" + hex(hmac(EVP_sha256(), secret, body));
}

// application/x-www-form-urlencoded, as Twilio sends it: `params` is a range of (key, value)
// pairs, encoded in their order.
template <class Pairs>
std::string form_encode_pairs(const Pairs& params) {
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty()) out += '&';
        out += boost::urls::encode(k, boost::urls::unreserved_chars, opts);
        out += '=';
        out += boost::urls::encode(v, boost::urls::unreserved_chars, opts);
    }
    return out;
}

inline std::string form_encode(const std::map<std::string, std::string>& params) {
    return form_encode_pairs(params);
}

}  // namespace sapa::testing
