#include "storage/store.hpp"

#include "messaging/address.hpp"

#include <boost/system/system_error.hpp>

#include <future>
#include <memory>

namespace sapa::storage {
namespace {

class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sapa.storage"; }
    std::string message(int code) const override {
        switch (static_cast<errc>(code)) {
            case errc::invalid_address:
                return "the contact address is empty or unusable";
            case errc::turn_failed:
                return "the engine failed on this message";
            case errc::write_failed:
                return "the store could not commit";
            case errc::shutting_down:
                return "the store is closing";
        }
        return "unknown storage error";
    }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

std::string normalize_address(const std::string& address) {
    auto first = address.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    auto last = address.find_last_not_of(" \t\r\n");
    std::string trimmed = address.substr(first, last - first + 1);
    if (auto phone = messaging::normalize_phone(trimmed)) return *phone;
    return trimmed;
}

inbound_outcome store::process(inbound_message message, turn_function turn) {
    // Shared: the waiting thread may wake and return while set_value is still running.
    auto done = std::make_shared<std::promise<outcome_or_error>>();
    auto result = done->get_future();
    submit(std::move(message), std::move(turn), [done](outcome_or_error r) {
        done->set_value(std::move(r));
    });
    auto r = result.get();
    if (!r) throw boost::system::system_error(r.error());
    return std::move(*r);
}

}  // namespace sapa::storage
