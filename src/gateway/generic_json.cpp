#include "gateway/generic_json.hpp"

#include "gateway/adapter.hpp"
#include "gateway/detail/crypto.hpp"
#include "gateway/detail/json_body.hpp"
#include "gateway/detail/text.hpp"
#include "messaging/address.hpp"

#include <nlohmann/json.hpp>

namespace sapa::gateway {
namespace {

using detail::member;
using detail::text_member;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view signature_header = "x-sapa-signature";

// One reply as the bridge sees it: {"text": ..., "body": ..., "options": [{key, label}]}.
ordered_json reply_json(const messaging::outbound_message& m, bool with_options) {
    ordered_json out = {{"text", m.text}};
    if (with_options && !m.options.empty()) {
        out["body"] = m.body;
        ordered_json options = ordered_json::array();
        for (const auto& o : m.options)
            options.push_back({{"key", o.key}, {"label", o.label}});
        out["options"] = std::move(options);
    }
    return out;
}

std::string dump(const ordered_json& j) {
    return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

bool is_status_word(const std::string& s) {
    return s == "queued" || s == "sent" || s == "delivered" || s == "read" || s == "failed";
}

class generic_json_adapter final : public adapter {
  public:
    generic_json_adapter(std::string secret, std::string send_url)
        : secret_(std::move(secret)), send_url_(std::move(send_url)) {}

    const char* name() const noexcept override { return "generic_json"; }

    boost::system::result<parsed_webhook> parse(const webhook_request& req) const override {
        if (auto ec =
                detail::check_sha256_signature(req.header(signature_header), secret_, req.body)) {
            return ec;
        }
        json doc;
        if (auto ec = detail::parse_json_body(req, doc)) return ec;
        parsed_webhook out;
        if (const auto* status = member(doc, "status")) {
            if (!status->is_object()) return errc::malformed_body;
            status_update update{text_member(*status, "id"),
                                 text_member(*status, "status"),
                                 text_member(*status, "code"),
                                 text_member(*status, "reason")};
            if (update.provider_message_id.empty() || update.status.empty()) {
                return errc::missing_field;
            }
            if (!is_status_word(update.status)) return errc::malformed_body;
            out.statuses.push_back(std::move(update));
            return out;
        }

        inbound_message msg;
        msg.gateway_message_id = text_member(doc, "id");
        std::string from = text_member(doc, "from");
        const auto* text = member(doc, "text");
        if (msg.gateway_message_id.empty() || from.empty() || text == nullptr) {
            return errc::missing_field;
        }
        if (!text->is_string()) return errc::malformed_body;
        // A bridge may be anywhere and send any format: "8..." is not guessed at.
        auto phone = messaging::normalize_phone_strict(from);
        if (!phone.e164) {
            return messaging::normalize_phone(from) ? errc::ambiguous_number : errc::malformed_body;
        }
        msg.from = std::move(*phone.e164);
        msg.text = detail::without_control_characters(text->get<std::string>());
        std::string to = text_member(doc, "to");
        msg.to = messaging::normalize_phone(to).value_or(to);
        msg.contact_name = detail::without_control_characters(text_member(doc, "name"));
        msg.channel_kind = member(doc, "channel") ? text_member(doc, "channel") : "sms";
        if (msg.channel_kind != "sms" && msg.channel_kind != "whatsapp") {
            return errc::malformed_body;
        }
        if (msg.text.empty()) {
            out.notes.push_back("generic_json: message " + msg.gateway_message_id +
                                " has no text; skipped");
            return out;
        }
        out.messages.push_back(std::move(msg));
        return out;
    }

    bool replies_inline() const noexcept override { return true; }

    http_reply acknowledge(const std::vector<messaging::outbound_message>& replies) const override {
        ordered_json list = ordered_json::array();
        for (const auto& r : replies)
            list.push_back(reply_json(r, true));
        return {200, "application/json", dump(ordered_json{{"replies", std::move(list)}})};
    }

    std::optional<http_reply> handshake(const webhook_request&) const override {
        return std::nullopt;
    }

    api_request render_send(const std::string& to,
                            const messaging::outbound_message& message,
                            bool interactive) const override {
        if (send_url_.empty()) return {};
        ordered_json body = {{"to", to}};
        body.update(reply_json(message, interactive));
        api_request out;
        out.method = "POST";
        out.url = send_url_;
        out.body = dump(body);
        out.headers = {{"Content-Type", "application/json"},
                       {"X-Sapa-Signature", generic_json_signature(secret_, out.body)}};
        return out;
    }

    send_outcome interpret_send(int http_status, const std::string& body) const override {
        json answer;
        bool is_json = detail::parse_json_object(body, answer);
        if (http_status >= 200 && http_status < 300) {
            return {send_outcome::sent, is_json ? text_member(answer, "id") : "", {}, {}};
        }
        std::string reason = is_json ? text_member(answer, "error") : std::string();
        if (reason.empty()) reason = "the bridge answered HTTP " + std::to_string(http_status);
        if (http_status <= 0) reason = "no answer from the bridge";
        auto kind =
            detail::transient_http_status(http_status) ? send_outcome::retry : send_outcome::failed;
        return {kind, {}, is_json ? text_member(answer, "code") : "", reason};
    }

  private:
    std::string secret_;
    std::string send_url_;
};

}  // namespace

std::string generic_json_signature(std::string_view shared_secret, std::string_view raw_body) {
    return detail::sha256_signature_header(shared_secret, raw_body);
}

std::unique_ptr<adapter> make_generic_json_adapter(std::string shared_secret,
                                                   std::string send_url) {
    return std::make_unique<generic_json_adapter>(std::move(shared_secret), std::move(send_url));
}

}  // namespace sapa::gateway
