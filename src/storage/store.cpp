#include "storage/store.hpp"

#include "messaging/address.hpp"

#include <boost/system/system_error.hpp>
#include <nlohmann/json.hpp>

#include <future>
#include <memory>
#include <stdexcept>

namespace sapa::storage {
namespace {

class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sapa.storage"; }
    std::string message(int code) const override {
        switch (static_cast<errc>(code)) {
            case errc::work_failed:
                return "the unit of work failed";
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

std::string attachments_json(const std::vector<messaging::attachment>& attachments) {
    if (attachments.empty()) return {};
    auto out = nlohmann::ordered_json::array();
    for (const auto& a : attachments) {
        nlohmann::ordered_json item = {{"kind", a.kind}};
        if (!a.url.empty()) item["url"] = a.url;
        if (!a.media_id.empty()) item["media_id"] = a.media_id;
        if (!a.content_type.empty()) item["content_type"] = a.content_type;
        out.push_back(std::move(item));
    }
    // Adapters pass valid UTF-8 only; anything else is replaced rather than thrown on.
    return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string script_files_to_json(const std::vector<script_file>& files) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& f : files)
        out.push_back({{"name", f.name}, {"text", f.text}});
    return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::vector<script_file> script_files_from_json(std::string_view json) {
    auto parsed = nlohmann::json::parse(json, nullptr, false);
    if (!parsed.is_array()) throw std::invalid_argument("stored script files are not a JSON array");
    std::vector<script_file> out;
    for (const auto& f : parsed) {
        if (!f.is_object() || !f.contains("name") || !f.contains("text") ||
            !f["name"].is_string() || !f["text"].is_string())
            throw std::invalid_argument("a stored script file has no name or text");
        out.push_back({f["name"].get<std::string>(), f["text"].get<std::string>()});
    }
    return out;
}

const char* to_string(broadcast_status s) {
    switch (s) {
        case broadcast_status::preparing:
            return "preparing";
        case broadcast_status::ready:
            return "ready";
        case broadcast_status::done:
            return "done";
        case broadcast_status::cancelled:
            return "cancelled";
        case broadcast_status::over_budget:
            return "over_budget";
    }
    return "?";
}

std::optional<broadcast_status> broadcast_status_from_string(std::string_view text) {
    for (auto s : {broadcast_status::preparing,
                   broadcast_status::ready,
                   broadcast_status::done,
                   broadcast_status::cancelled,
                   broadcast_status::over_budget})
        if (text == to_string(s)) return s;
    return std::nullopt;
}

void store::run(work_function work) {
    // Shared: the waiting thread may wake and return while set_value is still running.
    auto done = std::make_shared<std::promise<boost::system::error_code>>();
    auto result = done->get_future();
    submit(std::move(work), [done](boost::system::error_code ec) { done->set_value(ec); });
    if (auto ec = result.get()) throw boost::system::system_error(ec);
}

}  // namespace sapa::storage
