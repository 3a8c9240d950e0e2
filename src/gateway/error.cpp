#include "gateway/error.hpp"

#include <string>

namespace sapa::gateway {
namespace {

class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sapa.gateway"; }

    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::missing_signature:
                return "signature missing";
            case errc::bad_signature:
                return "signature does not match";
            case errc::malformed_body:
                return "malformed body";
            case errc::invalid_utf8:
                return "text is not valid UTF-8";
            case errc::unsupported_content_type:
                return "unsupported content type";
            case errc::missing_field:
                return "required field missing";
            case errc::verification_failed:
                return "verification failed";
            case errc::wrong_recipient:
                return "the message is for another number than this channel's (To); point that "
                       "number's webhook at its own channel";
            case errc::ambiguous_number:
                return "the sender's number is ambiguous: send it with \"+\" and the country code "
                       "(+6281234567890), or as 081234567890 or 6281234567890";
        }
        return "unknown gateway error";
    }
};

}  // namespace

const boost::system::error_category& gateway_category() noexcept {
    static const category instance;
    return instance;
}

}  // namespace sapa::gateway
