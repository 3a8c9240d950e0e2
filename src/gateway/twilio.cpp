#include "gateway/twilio.hpp"

#include "gateway/adapter.hpp"
#include "gateway/detail/crypto.hpp"
#include "gateway/detail/json_body.hpp"
#include "gateway/detail/text.hpp"
#include "messaging/address.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

namespace sapa::gateway {
namespace {

using detail::form_params;

constexpr std::size_t max_body_chars = 1600;  // Twilio refuses longer bodies (21617)
constexpr std::string_view whatsapp_prefix = "whatsapp:";

// `url` with its default port toggled: added when absent, removed when present.
std::optional<std::string> default_port_variant(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return std::nullopt;
    std::string_view scheme = parsed->scheme();
    std::uint16_t default_port = scheme == "https" ? 443 : scheme == "http" ? 80 : 0;
    if (default_port == 0) return std::nullopt;
    boost::urls::url variant(*parsed);
    if (!variant.has_port()) {
        variant.set_port_number(default_port);
    } else if (variant.port_number() == default_port) {
        variant.remove_port();
    } else {
        return std::nullopt;
    }
    return std::string(variant.buffer());
}

// Common error codes (gateways.md 1.4) in plain words for staff.
std::string describe_error(std::string_view code) {
    static const std::map<std::string, std::string, std::less<>> words = {
        {"20003", "Twilio refused our credentials"},
        {"20429", "too many requests to Twilio"},
        {"21211", "not a valid phone number"},
        {"21408", "sending to this country is not enabled"},
        {"21606", "our number cannot send SMS to this destination"},
        {"21610", "the resident unsubscribed (replied STOP)"},
        {"21612", "this number cannot be reached from our number"},
        {"21614", "not a mobile number"},
        {"21617", "message longer than 1600 characters"},
        {"30003", "phone switched off or out of reach"},
        {"30005", "unknown number or no longer in service"},
        {"30006", "landline or number that cannot receive SMS"},
        {"30007", "blocked by the carrier's filter"},
        {"30008", "unknown delivery error"},
        {"63016", "outside WhatsApp's 24-hour window; a template is needed"},
        {"63018", "WhatsApp rate limit reached"},
        {"63024", "not a valid WhatsApp recipient"},
        {"63032", "WhatsApp does not deliver to this user"},
    };
    if (code.empty()) return {};
    auto it = words.find(code);
    return it != words.end() ? it->second : "Twilio error " + std::string(code);
}

// Twilio's MessageStatus in our five words; empty for statuses that are not about delivery.
std::string map_status(std::string_view s) {
    if (s == "accepted" || s == "scheduled" || s == "queued" || s == "sending") return "queued";
    if (s == "sent" || s == "partially_delivered") return "sent";
    if (s == "delivered") return "delivered";
    if (s == "read") return "read";
    if (s == "failed" || s == "undelivered" || s == "canceled") return "failed";
    return {};
}

std::string_view strip_whatsapp(std::string_view address) {
    if (address.starts_with(whatsapp_prefix)) address.remove_prefix(whatsapp_prefix.size());
    return address;
}

using form_param = std::pair<std::string, std::string>;

// What Twilio signs after the URL: the parameters sorted by key then value, a repeated
// identical pair counted once (as the official SDKs do), each key followed by its value.
// Sorts pointers, so the parameters themselves are not copied.
std::string signed_params_text(const form_params& params) {
    std::vector<const form_param*> sorted;
    sorted.reserve(params.size());
    std::size_t size = 0;
    for (const auto& p : params) {
        sorted.push_back(&p);
        size += p.first.size() + p.second.size();
    }
    std::sort(sorted.begin(), sorted.end(), [](const form_param* a, const form_param* b) {
        return *a < *b;
    });
    std::string out;
    out.reserve(size);
    const form_param* previous = nullptr;
    for (const form_param* p : sorted) {
        if (previous && *previous == *p) continue;
        out += p->first;
        out += p->second;
        previous = p;
    }
    return out;
}

std::string signature_over(const detail::hmac_sha1_key& key,
                           std::string_view url,
                           std::string_view params_text) {
    std::string data;
    data.reserve(url.size() + params_text.size());
    data += url;
    data += params_text;
    return detail::base64(key.sign(data));
}

// twilio_signature_matches() with the auth token's key already prepared.
bool signature_matches(const detail::hmac_sha1_key& key,
                       std::string_view url,
                       const form_params& post_params,
                       std::string_view signature) {
    // The parameters' part is the same for both URLs: built once.
    const std::string params_text = signed_params_text(post_params);
    if (detail::constant_time_equal(signature_over(key, url, params_text), signature)) {
        return true;
    }
    auto variant = default_port_variant(url);
    return variant &&
           detail::constant_time_equal(signature_over(key, *variant, params_text), signature);
}

class twilio_adapter final : public adapter {
  public:
    twilio_adapter(std::string auth_token,
                   bool is_whatsapp,
                   twilio_rest_settings rest,
                   std::string_view channel_number)
        : auth_token_(std::move(auth_token)),
          signing_key_(auth_token_),
          is_whatsapp_(is_whatsapp),
          rest_(std::move(rest)),
          number_(channel_number.empty() ? std::string() : as_recipient(channel_number)) {}

    const char* name() const noexcept override { return "twilio"; }

    boost::system::result<parsed_webhook> parse(const webhook_request& req) const override {
        auto signature = req.header("x-twilio-signature");
        // The signed URL is the configured public address, never rebuilt from the Host header
        // (which the caller chooses): without one nothing can be verified.
        std::string_view url = req.url;
        if (!signature || signature->empty() || url.empty()) return errc::missing_signature;

        // Only the URL is signed for GET webhooks and for JSON bodies (whose hash rides in
        // the URL as bodySHA256); form POSTs add their decoded parameters.
        static const form_params none;
        form_params params;
        bool params_signed = false;
        auto url_params = query_params(url);
        const std::string* body_hash = find(url_params, "bodySHA256");
        const bool hashed_body = body_hash != nullptr;
        if (req.method == "GET") {
            params = std::move(url_params);
        } else if (hashed_body) {
            auto actual = detail::to_hex(detail::sha256(req.body));
            if (!detail::constant_time_equal(actual, *body_hash)) return errc::bad_signature;
        } else {
            if (auto type = req.header("content-type");
                type && !detail::media_type_is(*type, "application/x-www-form-urlencoded")) {
                return errc::unsupported_content_type;
            }
            auto decoded = detail::decode_form(req.body);
            if (!decoded) return decoded.error();
            params = std::move(*decoded);
            params_signed = true;
        }
        if (!signature_matches(signing_key_, url, params_signed ? params : none, *signature)) {
            return errc::bad_signature;
        }
        if (req.method != "GET" && hashed_body) return errc::unsupported_content_type;
        return translate(params);
    }

    bool replies_inline() const noexcept override { return true; }

    http_reply acknowledge(const std::vector<messaging::outbound_message>& replies) const override {
        std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>)";
        bool any = false;
        for (const auto& reply : replies) {
            if (reply.text.empty()) continue;  // Twilio refuses an empty <Message>
            xml += any ? "<Message>" : "<Response><Message>";
            xml += detail::xml_escape(detail::utf8_truncate(reply.text, max_body_chars));
            xml += "</Message>";
            any = true;
        }
        xml += any ? "</Response>" : "<Response/>";
        return {200, "text/xml", std::move(xml)};
    }

    std::optional<http_reply> handshake(const webhook_request&) const override {
        return std::nullopt;
    }

    api_request render_send(const std::string& to,
                            const messaging::outbound_message& message,
                            bool /*interactive: Twilio sends text only*/) const override {
        if (rest_.account_sid.empty()) return {};
        std::string prefix = is_whatsapp_ ? std::string(whatsapp_prefix) : std::string();
        api_request out;
        out.method = "POST";
        out.url = rest_.api_base + "/2010-04-01/Accounts/" + rest_.account_sid + "/Messages.json";
        out.headers = {
            {"Authorization", "Basic " + detail::base64(rest_.account_sid + ":" + auth_token_)},
            {"Content-Type", "application/x-www-form-urlencoded"},
            {"Accept", "application/json"},
        };
        form_params form{{"To", prefix + to}};
        if (rest_.messaging_service_sid.empty())
            form.emplace_back("From", prefix + rest_.from);
        else
            form.emplace_back("MessagingServiceSid", rest_.messaging_service_sid);
        form.emplace_back("Body", detail::utf8_truncate(message.text, max_body_chars));
        if (!rest_.status_callback.empty())
            form.emplace_back("StatusCallback", rest_.status_callback);
        out.body = detail::encode_form(form);
        return out;
    }

    send_outcome interpret_send(int http_status, const std::string& body) const override {
        nlohmann::json answer;
        bool is_json = detail::parse_json_object(body, answer);
        std::string code = is_json ? detail::text_member(answer, "code") : std::string();
        if (http_status >= 200 && http_status < 300) {
            std::string sid = is_json ? detail::text_member(answer, "sid") : std::string();
            if (!sid.empty()) return {send_outcome::sent, sid, {}, {}};
            return {send_outcome::failed, {}, {}, "Twilio answered without a message id"};
        }
        if (detail::transient_http_status(http_status) || code == "20429" || code == "63018") {
            return {send_outcome::retry, {}, code, retry_reason(http_status, code)};
        }
        std::string reason = describe_error(code);
        if (code.empty()) {
            reason = is_json && !detail::text_member(answer, "message").empty()
                         ? detail::text_member(answer, "message")
                         : "Twilio refused the message (HTTP " + std::to_string(http_status) + ")";
        }
        return {send_outcome::failed, {}, code, reason};
    }

    // GET .../Messages.json?To=..&DateSent>=YYYY-MM-DD (the UTC day of `since`): the
    // messages Twilio has for that number since then, newest first.
    api_request render_lookup(const std::string& to, messaging::unix_seconds since) const override {
        if (rest_.account_sid.empty()) return {};
        const auto day = std::chrono::floor<std::chrono::days>(
            std::chrono::sys_seconds(std::chrono::seconds(since)));
        const std::chrono::year_month_day date(day);
        char date_text[16];
        std::snprintf(date_text,
                      sizeof date_text,
                      "%04d-%02u-%02u",
                      static_cast<int>(date.year()),
                      static_cast<unsigned>(date.month()),
                      static_cast<unsigned>(date.day()));
        std::string prefix = is_whatsapp_ ? std::string(whatsapp_prefix) : std::string();
        api_request out;
        out.method = "GET";
        out.url = rest_.api_base + "/2010-04-01/Accounts/" + rest_.account_sid + "/Messages.json?" +
                  detail::encode_form(
                      {{"To", prefix + to}, {"DateSent>=", date_text}, {"PageSize", "1000"}});
        out.headers = {
            {"Authorization", "Basic " + detail::base64(rest_.account_sid + ":" + auth_token_)},
            {"Accept", "application/json"},
        };
        return out;
    }

    lookup_outcome interpret_lookup(int http_status,
                                    const std::string& body,
                                    const std::string& to,
                                    const messaging::outbound_message& message) const override {
        nlohmann::json answer;
        if (http_status < 200 || http_status >= 300 || !detail::parse_json_object(body, answer))
            return {lookup_outcome::retry,
                    {},
                    http_status <= 0
                        ? "no answer from Twilio"
                        : "Twilio's message list answered HTTP " + std::to_string(http_status)};
        auto list = answer.find("messages");
        if (list == answer.end() || !list->is_array())
            return {lookup_outcome::retry, {}, "Twilio's message list has no messages"};
        const std::string prefix = is_whatsapp_ ? std::string(whatsapp_prefix) : std::string();
        const auto text = detail::utf8_truncate(message.text, max_body_chars);
        for (const auto& m : *list) {
            if (!m.is_object()) continue;
            if (detail::text_member(m, "to") != prefix + to) continue;
            if (detail::text_member(m, "body") != text) continue;
            auto sid = detail::text_member(m, "sid");
            if (!sid.empty()) return {lookup_outcome::found, sid, {}};
        }
        return {lookup_outcome::not_found, {}, {}};
    }

  private:
    static std::string retry_reason(int http_status, const std::string& code) {
        if (!code.empty()) return describe_error(code);
        if (http_status <= 0) return "no answer from Twilio";
        return "Twilio is busy (HTTP " + std::to_string(http_status) + ")";
    }

    // The first value of `key`, or null.
    static const std::string* find(const form_params& params, std::string_view key) {
        for (const auto& [k, v] : params) {
            if (k == key) return &v;
        }
        return nullptr;
    }

    // A To field or a configured number as compared: without "whatsapp:", E.164; short codes
    // and anything else as they are.
    static std::string as_recipient(std::string_view number) {
        auto bare = strip_whatsapp(number);
        auto e164 = messaging::normalize_phone(bare);
        return e164 ? std::move(*e164) : std::string(bare);
    }

    // MMS and WhatsApp media (NumMedia, MediaUrlN, MediaContentTypeN), a shared location
    // (Latitude, Longitude) and other WhatsApp messages without text (MessageType): what they
    // are and where Twilio keeps them, never fetched. At most max_media, as Twilio sends.
    static boost::system::result<std::vector<messaging::attachment>> attachments_of(
        const form_params& params) {
        auto field = [&](const std::string& key) {
            const std::string* value = find(params, key);
            return value ? std::string_view(*value) : std::string_view();
        };
        constexpr int max_media = 10;
        int count = 0;
        const auto num_media = field("NumMedia");
        for (char c : num_media) {
            if (c < '0' || c > '9' || count > max_media) break;
            count = count * 10 + (c - '0');
        }
        count = std::min(count, max_media);
        std::vector<messaging::attachment> out;
        for (int i = 0; i < count; ++i) {
            const auto n = std::to_string(i);
            const auto url = field("MediaUrl" + n);
            const auto type = field("MediaContentType" + n);
            if (!detail::valid_utf8(url) || !detail::valid_utf8(type)) return errc::invalid_utf8;
            if (url.empty() && type.empty()) continue;
            messaging::attachment a;
            a.kind = messaging::attachment_kind_of(type);
            a.url = detail::without_control_characters(url);
            a.content_type = detail::without_control_characters(type);
            out.push_back(std::move(a));
        }
        const auto message_type = field("MessageType");
        if (message_type == "sticker" && out.size() == 1) out.front().kind = "sticker";
        if (!field("Latitude").empty() && !field("Longitude").empty()) {
            out.push_back({"location", {}, {}, {}});
        } else if (out.empty() && !message_type.empty() && message_type != "text" &&
                   message_type != "button" && message_type != "interactive") {
            // A kind Twilio names but sends no media for: kept by name when it is one of ours.
            static const std::set<std::string_view> kinds = {
                "image", "audio", "video", "document", "sticker", "contacts", "reaction"};
            out.push_back({kinds.contains(message_type) ? std::string(message_type) : "unsupported",
                           {},
                           {},
                           {}});
        }
        return out;
    }

    static form_params query_params(std::string_view url) {
        // Without a '?' there is no query to find (the usual webhook URL): skip parsing it.
        if (url.find('?') == std::string_view::npos) return {};
        auto parsed = boost::urls::parse_uri_reference(url);
        if (!parsed || !parsed->has_query()) return {};
        auto decoded = detail::decode_form(parsed->encoded_query());
        return decoded ? std::move(*decoded) : form_params{};
    }

    boost::system::result<parsed_webhook> translate(const form_params& params) const {
        auto field = [&](std::string_view key) {
            const std::string* value = find(params, key);
            return value ? std::string_view(*value) : std::string_view();
        };
        for (const char* key : {"MessageSid",
                                "SmsMessageSid",
                                "SmsSid",
                                "MessageStatus",
                                "From",
                                "To",
                                "Body",
                                "ButtonText",
                                "ProfileName",
                                "ErrorCode"}) {
            if (!detail::valid_utf8(field(key))) return errc::invalid_utf8;
        }
        std::string_view sid = field("MessageSid");
        if (sid.empty()) sid = field("SmsMessageSid");
        if (sid.empty()) sid = field("SmsSid");
        if (sid.empty()) return errc::missing_field;

        parsed_webhook out;
        std::string_view raw_status = field("MessageStatus");
        if (!raw_status.empty() && raw_status != "received" && raw_status != "receiving") {
            std::string status = map_status(raw_status);
            if (status.empty()) {
                out.notes.push_back("twilio: status '" + std::string(raw_status) + "' of " +
                                    std::string(sid) + " ignored");
                return out;
            }
            std::string_view code = field("ErrorCode");
            std::string reason = describe_error(code);
            if (reason.empty() && raw_status == "undelivered")
                reason = "the carrier did not deliver it";
            if (reason.empty() && raw_status == "canceled") reason = "canceled before sending";
            out.statuses.push_back(
                {std::string(sid), std::move(status), std::string(code), std::move(reason)});
            return out;
        }

        std::string_view from_field = field("From");
        if (from_field.empty()) return errc::missing_field;
        auto from = messaging::normalize_phone(strip_whatsapp(from_field));
        if (!from) {
            out.notes.push_back("twilio: message " + std::string(sid) + " from '" +
                                std::string(from_field) +
                                "' skipped: sender is not a phone number");
            return out;
        }
        std::string text = detail::without_control_characters(field("Body"));
        if (text.empty()) text = detail::without_control_characters(field("ButtonText"));
        auto attachments = attachments_of(params);
        if (!attachments) return attachments.error();
        if (text.empty() && attachments->empty()) {
            out.notes.push_back("twilio: message " + std::string(sid) + " has no text; skipped");
            return out;
        }
        // Twilio posts each number's messages to the URL set on that number. A message for
        // another number of the account (its webhook pointing here by mistake) is refused:
        // answered from this channel, the reply would come from the wrong number, and the
        // conversation would be kept under the wrong channel.
        std::string to = as_recipient(field("To"));
        if (!number_.empty() && to != number_) return errc::wrong_recipient;
        inbound_message msg;
        msg.gateway_message_id = sid;
        msg.from = std::move(*from);
        msg.to = std::move(to);
        msg.text = std::move(text);
        msg.contact_name = detail::without_control_characters(field("ProfileName"));
        msg.channel_kind = is_whatsapp_ ? "whatsapp" : "sms";
        msg.attachments = std::move(*attachments);
        out.messages.push_back(std::move(msg));
        return out;
    }

    std::string auth_token_;
    detail::hmac_sha1_key signing_key_;  // auth_token_'s, for the webhook signatures
    bool is_whatsapp_;
    twilio_rest_settings rest_;
    std::string number_;  // the channel's number as_recipient(); empty: To is not checked
};

}  // namespace

std::string twilio_signature(std::string_view auth_token,
                             std::string_view url,
                             const std::vector<std::pair<std::string, std::string>>& post_params) {
    return signature_over(detail::hmac_sha1_key(auth_token), url, signed_params_text(post_params));
}

bool twilio_signature_matches(std::string_view auth_token,
                              std::string_view url,
                              const std::vector<std::pair<std::string, std::string>>& post_params,
                              std::string_view signature) {
    return signature_matches(detail::hmac_sha1_key(auth_token), url, post_params, signature);
}

std::unique_ptr<adapter> make_twilio_adapter(std::string auth_token,
                                             bool is_whatsapp,
                                             twilio_rest_settings rest,
                                             std::string_view channel_number) {
    return std::make_unique<twilio_adapter>(
        std::move(auth_token), is_whatsapp, std::move(rest), channel_number);
}

}  // namespace sapa::gateway
