#include "gateway/whatsapp_cloud.hpp"

#include "gateway/adapter.hpp"
#include "gateway/detail/crypto.hpp"
#include "gateway/detail/json_body.hpp"
#include "gateway/detail/text.hpp"
#include "messaging/address.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace sapa::gateway {
namespace {

using detail::array_member;
using detail::member;
using detail::text_member;
using nlohmann::json;
using nlohmann::ordered_json;

// Graph error codes (gateways.md 2.5) in plain words for staff.
std::string describe_error(const std::string& code) {
    static const std::map<std::string, std::string, std::less<>> words = {
        {"4", "too many calls to the WhatsApp API"},
        {"100", "WhatsApp refused a parameter of the message"},
        {"190", "the WhatsApp access token is invalid or expired"},
        {"368", "temporarily blocked by WhatsApp for policy violations"},
        {"80007", "WhatsApp account rate limit reached"},
        {"130429", "WhatsApp rate limit reached"},
        {"131009", "WhatsApp refused a parameter of the message"},
        {"131026", "WhatsApp could not deliver it to this number"},
        {"131030", "number is not on the test number's allow-list"},
        {"131047", "outside WhatsApp's 24-hour window; a template is needed"},
        {"131048", "WhatsApp spam rate limit reached"},
        {"131051", "WhatsApp does not support this message type"},
        {"131053", "WhatsApp media upload or download failed"},
        {"131056", "too many messages to this person in a short time"},
        {"132000", "template parameters do not match the template"},
        {"132001", "template does not exist in this language"},
        {"133016", "too many registration attempts for our number"},
    };
    auto it = words.find(code);
    return it != words.end() ? it->second : std::string();
}

// Throttling and media hiccups: courier retries these later instead of giving up.
bool retryable_error(const std::string& code) {
    static const std::set<std::string, std::less<>> codes = {
        "4", "80007", "130429", "131048", "131053", "131056", "133016"};
    return codes.contains(code);
}

// Meta's "6281234567890" as E.164.
std::optional<std::string> wa_to_e164(const std::string& digits) {
    if (digits.empty()) return std::nullopt;
    return messaging::normalize_phone(digits.front() == '+' ? digits : "+" + digits);
}

bool has_link(std::string_view text) {
    return text.find("http://") != std::string_view::npos ||
           text.find("https://") != std::string_view::npos;
}

// What a message carries that is not text: media (with Meta's id, never downloaded), a
// location, contacts, a reaction, or a type Sapa does not know ("unsupported").
std::optional<messaging::attachment> attachment_of(const json& m, const std::string& type) {
    static const std::set<std::string, std::less<>> media = {
        "image", "audio", "voice", "video", "document", "sticker"};
    static const std::set<std::string, std::less<>> others = {
        "location", "contacts", "reaction", "unsupported"};
    messaging::attachment a;
    if (media.contains(type)) {
        a.kind = type == "voice" ? "audio" : type;
        if (const auto* object = member(m, type)) {
            a.media_id = detail::without_control_characters(text_member(*object, "id"));
            a.content_type = detail::without_control_characters(text_member(*object, "mime_type"));
        }
        return a;
    }
    // Meta's own notices (a number changed...) are not from the resident: nothing to answer.
    if (type == "system" || type.empty()) return std::nullopt;
    a.kind = others.contains(type) ? type : "unsupported";
    return a;
}

// The text the engine should see for a message and what it carries besides; false with the
// reason it is skipped.
bool read_message(const json& m,
                  std::string& text,
                  std::vector<messaging::attachment>& attachments,
                  std::string& why_not) {
    std::string type = text_member(m, "type");
    if (type == "text") {
        if (const auto* body = member(m, "text")) text = text_member(*body, "body");
        return true;
    }
    if (type == "interactive") {
        const auto* interactive = member(m, "interactive");
        std::string kind = interactive ? text_member(*interactive, "type") : std::string();
        if (kind == "button_reply" || kind == "list_reply") {
            // The reply id is the option key we rendered, which is what the engine matches.
            if (const auto* reply = member(*interactive, kind)) {
                std::string id = text_member(*reply, "id");
                text = id.empty() ? text_member(*reply, "title") : id;
            }
            return true;
        }
        why_not = "unsupported message type '" + type + "/" + kind + "'";
        return false;
    }
    if (type == "button") {  // quick reply on a template
        if (const auto* button = member(m, "button")) {
            std::string payload = text_member(*button, "payload");
            text = payload.empty() ? text_member(*button, "text") : payload;
        }
        return true;
    }
    auto attachment = attachment_of(m, type);
    if (!attachment) {
        why_not = "message type '" + type + "' is not from the resident";
        return false;
    }
    // A caption is read as the message's text; the media is logged with it.
    if (const auto* object = member(m, type)) text = text_member(*object, "caption");
    attachments.push_back(std::move(*attachment));
    return true;
}

std::string contact_name(const json& value, const std::string& wa_id) {
    const auto* contacts = array_member(value, "contacts");
    if (contacts == nullptr) return {};
    for (const auto& c : *contacts) {
        if (text_member(c, "wa_id") == wa_id || contacts->size() == 1) {
            if (const auto* profile = member(c, "profile")) return text_member(*profile, "name");
        }
    }
    return {};
}

class whatsapp_cloud_adapter final : public adapter {
  public:
    whatsapp_cloud_adapter(std::string app_secret,
                           std::string verify_token,
                           std::string access_token,
                           std::string phone_number_id,
                           std::string graph_base_url)
        : app_secret_(std::move(app_secret)),
          verify_token_(std::move(verify_token)),
          access_token_(std::move(access_token)),
          phone_number_id_(std::move(phone_number_id)),
          graph_base_url_(std::move(graph_base_url)) {
        while (!graph_base_url_.empty() && graph_base_url_.back() == '/')
            graph_base_url_.pop_back();
    }

    const char* name() const noexcept override { return "whatsapp_cloud"; }

    std::string account_id() const override { return phone_number_id_; }

    boost::system::result<parsed_webhook> parse(const webhook_request& req) const override {
        if (auto ec = detail::check_sha256_signature(
                req.header("x-hub-signature-256"), app_secret_, req.body)) {
            return ec;
        }
        json doc;
        if (auto ec = detail::parse_json_body(req, doc)) return ec;
        const auto* entries = array_member(doc, "entry");
        if (entries == nullptr) return errc::malformed_body;

        parsed_webhook out;
        std::set<std::string> seen;
        for (const auto& entry : *entries) {
            const auto* changes = array_member(entry, "changes");
            if (changes == nullptr) return errc::malformed_body;
            for (const auto& change : *changes) {
                std::string field = text_member(change, "field");
                if (field != "messages") {
                    out.notes.push_back("whatsapp: change of field '" + field + "' ignored");
                    continue;
                }
                const auto* value = member(change, "value");
                if (value == nullptr || !value->is_object()) return errc::malformed_body;
                if (auto ec = read_value(*value, seen, out)) return ec;
            }
        }
        return out;
    }

    bool replies_inline() const noexcept override { return false; }

    http_reply acknowledge(const std::vector<messaging::outbound_message>&) const override {
        return {200, {}, {}};
    }

    std::optional<http_reply> handshake(const webhook_request& req) const override {
        if (req.method != "GET") return std::nullopt;
        auto challenge = verify_subscription(req);
        if (!challenge) return http_reply{403, "text/plain", challenge.error().message()};
        return http_reply{200, "text/plain", std::move(*challenge)};
    }

    api_request render_send(const std::string& to,
                            const messaging::outbound_message& message,
                            bool interactive) const override {
        ordered_json body = {
            {"messaging_product", "whatsapp"},
            {"recipient_type", "individual"},
            {"to", to.starts_with('+') ? to.substr(1) : to},
        };
        auto rendered = interactive ? render_interactive(message) : std::nullopt;
        if (rendered) {
            body["type"] = "interactive";
            body["interactive"] = std::move(*rendered);
        } else {
            std::string text = message.text.empty() ? message.body : message.text;
            text = detail::utf8_truncate(text, whatsapp_limits::text_body);
            body["type"] = "text";
            body["text"] = {{"body", text}, {"preview_url", has_link(text)}};
        }
        return post_message(body);
    }

    // POST /PHONE_NUMBER_ID/messages with `body`.
    api_request post_message(const ordered_json& body) const {
        api_request out;
        out.method = "POST";
        out.url = graph_base_url_ + "/" + phone_number_id_ + "/messages";
        out.headers = {{"Authorization", "Bearer " + access_token_},
                       {"Content-Type", "application/json"}};
        // Replace invalid UTF-8 rather than throw; the engine's text should never have any.
        out.body = body.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
        return out;
    }

    api_request render_template(const std::string& to,
                                const messaging::message_template& t) const override {
        ordered_json parameters = ordered_json::array();
        for (const auto& p : t.parameters)
            parameters.push_back({{"type", "text"}, {"text", p}});
        ordered_json message_template = {
            {"name", t.name}, {"language", {{"policy", "deterministic"}, {"code", t.language}}}};
        if (!parameters.empty())
            message_template["components"] =
                ordered_json::array({{{"type", "body"}, {"parameters", std::move(parameters)}}});
        ordered_json body = {
            {"messaging_product", "whatsapp"},
            {"recipient_type", "individual"},
            {"to", to.starts_with('+') ? to.substr(1) : to},
            {"type", "template"},
            {"template", std::move(message_template)},
        };
        return post_message(body);
    }

    send_outcome interpret_send(int http_status, const std::string& body) const override {
        json answer;
        bool is_json = detail::parse_json_object(body, answer);
        if (http_status >= 200 && http_status < 300) {
            const auto* messages = is_json ? array_member(answer, "messages") : nullptr;
            std::string id =
                messages && !messages->empty() ? text_member((*messages)[0], "id") : std::string();
            if (!id.empty()) return {send_outcome::sent, id, {}, {}};
            return {send_outcome::failed, {}, {}, "WhatsApp answered without a message id"};
        }
        const auto* error = is_json ? member(answer, "error") : nullptr;
        std::string code = error ? text_member(*error, "code") : std::string();
        std::string reason = describe_error(code);
        if (reason.empty() && error) reason = text_member(*error, "message");
        if (detail::transient_http_status(http_status) || retryable_error(code)) {
            if (reason.empty()) {
                reason = http_status <= 0
                             ? "no answer from WhatsApp"
                             : "WhatsApp is busy (HTTP " + std::to_string(http_status) + ")";
            }
            return {send_outcome::retry, {}, code, reason};
        }
        if (reason.empty()) {
            reason = "WhatsApp refused the message (HTTP " + std::to_string(http_status) + ")";
        }
        return {send_outcome::failed, {}, code, reason};
    }

  private:
    boost::system::result<std::string> verify_subscription(const webhook_request& req) const {
        auto params = detail::decode_form(req.query);
        if (!params) return errc::verification_failed;
        std::string mode, token, challenge;
        for (const auto& [key, value] : *params) {
            if (key == "hub.mode") mode = value;
            if (key == "hub.verify_token") token = value;
            if (key == "hub.challenge") challenge = value;
        }
        if (mode != "subscribe" || challenge.empty() || verify_token_.empty() ||
            !detail::constant_time_equal(token, verify_token_)) {
            return errc::verification_failed;
        }
        return challenge;
    }

    // Buttons for up to 3 short options, a list for up to 10, nothing (plain text) otherwise.
    static std::optional<ordered_json> render_interactive(const messaging::outbound_message& m) {
        using limits = whatsapp_limits;
        const auto& options = m.options;
        std::size_t body_length = detail::utf8_length(m.body);
        if (options.empty() || body_length == 0 || body_length > limits::interactive_body) {
            return std::nullopt;
        }
        std::size_t longest = 0;
        std::set<std::string_view> keys;
        for (const auto& o : options) {
            // Meta refuses empty, over-long or repeated ids; the text form has no such limits.
            if (o.key.empty() || o.key.size() > limits::reply_id || !keys.insert(o.key).second) {
                return std::nullopt;
            }
            longest = std::max(longest, detail::utf8_length(title(o)));
        }
        ordered_json out = {{"type", "button"}, {"body", {{"text", m.body}}}};
        if (options.size() <= limits::max_buttons && longest <= limits::button_title) {
            ordered_json buttons = ordered_json::array();
            for (const auto& o : options) {
                buttons.push_back(
                    {{"type", "reply"}, {"reply", {{"id", o.key}, {"title", title(o)}}}});
            }
            out["action"] = {{"buttons", std::move(buttons)}};
            return out;
        }
        if (options.size() <= limits::max_list_rows && longest <= limits::row_title) {
            ordered_json rows = ordered_json::array();
            for (const auto& o : options)
                rows.push_back({{"id", o.key}, {"title", title(o)}});
            out["type"] = "list";
            ordered_json section = {{"rows", std::move(rows)}};
            out["action"] = {{"button", "Menu"}, {"sections", ordered_json::array({section})}};
            return out;
        }
        return std::nullopt;
    }

    static const std::string& title(const messaging::outbound_message::option& o) {
        return o.label.empty() ? o.key : o.label;
    }

    boost::system::error_code read_value(const json& value,
                                         std::set<std::string>& seen,
                                         parsed_webhook& out) const {
        std::string to;
        if (const auto* metadata = member(value, "metadata")) {
            // Meta posts every number of an app to the same callback URL: a value for another
            // number belongs to another channel (answering it would reply from this one), so
            // it is read aside for the server to route by its phone_number_id.
            std::string number_id = text_member(*metadata, "phone_number_id");
            if (!number_id.empty() && !phone_number_id_.empty() && number_id != phone_number_id_) {
                parsed_webhook theirs;
                if (auto ec = read_items(value, to_number(*metadata), seen, theirs)) return ec;
                auto it = std::find_if(
                    out.other_accounts.begin(),
                    out.other_accounts.end(),
                    [&](const account_values& a) { return a.account_id == number_id; });
                if (it == out.other_accounts.end())
                    it = out.other_accounts.insert(out.other_accounts.end(), {number_id, {}, {}});
                std::move(theirs.messages.begin(),
                          theirs.messages.end(),
                          std::back_inserter(it->messages));
                std::move(theirs.statuses.begin(),
                          theirs.statuses.end(),
                          std::back_inserter(it->statuses));
                std::move(theirs.notes.begin(), theirs.notes.end(), std::back_inserter(out.notes));
                return {};
            }
            to = to_number(*metadata);
        }
        return read_items(value, to, seen, out);
    }

    static std::string to_number(const json& metadata) {
        std::string display = text_member(metadata, "display_phone_number");
        return wa_to_e164(display).value_or(display);
    }

    // The messages, statuses and errors of one value, whose number is `to`.
    boost::system::error_code read_items(const json& value,
                                         const std::string& to,
                                         std::set<std::string>& seen,
                                         parsed_webhook& out) const {
        if (const auto* messages = array_member(value, "messages")) {
            for (const auto& m : *messages) {
                std::string id = text_member(m, "id");
                if (id.empty()) return errc::missing_field;
                if (!seen.insert(id).second) {
                    out.notes.push_back("whatsapp: message " + id + " repeated; skipped");
                    continue;
                }
                std::string wa_id = text_member(m, "from");
                auto from = wa_to_e164(wa_id);
                if (!from) {
                    out.notes.push_back("whatsapp: message " + id +
                                        " skipped: sender has no phone number");
                    continue;
                }
                std::string why_not, text;
                std::vector<messaging::attachment> attachments;
                const bool read = read_message(m, text, attachments, why_not);
                text = detail::without_control_characters(text);
                if (!read || (text.empty() && attachments.empty())) {
                    if (why_not.empty()) why_not = "no text";
                    out.notes.push_back("whatsapp: message " + id + " skipped: " + why_not);
                    continue;
                }
                inbound_message msg;
                msg.gateway_message_id = id;
                msg.from = *from;
                msg.to = to;
                msg.text = std::move(text);
                msg.attachments = std::move(attachments);
                msg.contact_name = detail::without_control_characters(contact_name(value, wa_id));
                msg.channel_kind = "whatsapp";
                out.messages.push_back(std::move(msg));
            }
        }
        if (const auto* statuses = array_member(value, "statuses")) {
            for (const auto& s : *statuses) {
                if (auto ec = read_status(s, out)) return ec;
            }
        }
        if (const auto* errors = array_member(value, "errors")) {
            for (const auto& e : *errors) {
                out.notes.push_back("whatsapp: error " + text_member(e, "code") + ": " +
                                    text_member(e, "title"));
            }
        }
        return {};
    }

    static boost::system::error_code read_status(const json& s, parsed_webhook& out) {
        std::string id = text_member(s, "id");
        std::string status = text_member(s, "status");
        if (id.empty() || status.empty()) return errc::missing_field;
        if (status != "sent" && status != "delivered" && status != "read" && status != "failed") {
            out.notes.push_back("whatsapp: status '" + status + "' of " + id + " ignored");
            return {};
        }
        status_update update{id, status, {}, {}};
        if (const auto* errors = array_member(s, "errors"); errors && !errors->empty()) {
            const auto& first = (*errors)[0];
            update.raw_code = text_member(first, "code");
            update.reason = describe_error(update.raw_code);
            if (update.reason.empty()) update.reason = text_member(first, "title");
        }
        out.statuses.push_back(std::move(update));
        return {};
    }

    std::string app_secret_;
    std::string verify_token_;
    std::string access_token_;
    std::string phone_number_id_;
    std::string graph_base_url_;
};

}  // namespace

std::string whatsapp_cloud_signature(std::string_view app_secret, std::string_view raw_body) {
    return detail::sha256_signature_header(app_secret, raw_body);
}

std::unique_ptr<adapter> make_whatsapp_cloud_adapter(std::string app_secret,
                                                     std::string verify_token,
                                                     std::string access_token,
                                                     std::string phone_number_id,
                                                     std::string graph_base_url) {
    return std::make_unique<whatsapp_cloud_adapter>(std::move(app_secret),
                                                    std::move(verify_token),
                                                    std::move(access_token),
                                                    std::move(phone_number_id),
                                                    std::move(graph_base_url));
}

}  // namespace sapa::gateway
