#pragma once
// The channel-neutral vocabulary every layer speaks: a message a resident sent, a message Sapa
// sends, what happened to a sent message, and time. Gateways translate their providers'
// formats to and from these; the engine, the use cases and the stores know nothing else.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::messaging {

// Seconds since the Unix epoch, UTC. Nothing below the shell reads a clock: callers pass `now`.
using unix_seconds = std::int64_t;

// Something a resident sent that is not text: a photo, a voice note, a sticker, a location...
// Sapa reads text only. The attachment is logged with its type and the provider's reference
// (never downloaded) and the resident is told to write instead.
struct attachment {
    // image | audio | video | document | sticker | location | contacts | reaction | unsupported
    std::string kind;
    std::string url;           // Twilio's MediaUrlN; empty for Meta (never fetched)
    std::string media_id;      // Meta's media id; empty for Twilio
    std::string content_type;  // "image/jpeg" when the provider says; may be empty

    bool operator==(const attachment&) const = default;
};

// The attachment kind a MIME type names: image/*, audio/*, video/*; text/vcard and
// text/x-vcard are contacts; anything else a document.
std::string attachment_kind_of(std::string_view content_type);

// "image" or "image, audio": the kinds of `attachments` in order, for logs and events.
std::string describe(const std::vector<attachment>& attachments);

// A message a resident sent.
struct inbound_message {
    // The configured channel it came in on ("sms", "wa"): set by the server, not the gateway.
    std::string channel;
    std::string
        gateway_message_id;    // provider id, the dedupe key (MessageSid, wamid); may be empty
    std::string from;          // as the provider gave it: E.164 for phones ("+62812...")
    std::string to;            // our number (or short code) as the provider gave it; may be empty
    std::string text;          // UTF-8; for a tapped button or list row, the option key
    std::string contact_name;  // WhatsApp profile name; may be empty
    std::string channel_kind;  // "sms" or "whatsapp"
    unix_seconds received_at = 0;  // set by the server
    // Media and other messages that are not text (MMS, WhatsApp photos, voice notes...). With
    // an empty `text` the message is an attachment only; with text (a caption, a Body beside
    // the media) it is handled as that text and the attachments are logged with it.
    std::vector<attachment> attachments;
};

// An approved WhatsApp message template: what WhatsApp delivers when more than 24 hours have
// passed since the resident last wrote (free-form text is refused then). Name and language
// must match a template approved in Meta's WhatsApp Manager; `parameters` fill its body's
// {{1}}, {{2}}... in order.
struct message_template {
    std::string name;
    std::string language = "id";
    std::vector<std::string> parameters{};

    bool operator==(const message_template&) const = default;
};

// A message Sapa sends.
struct outbound_message {
    std::string text;  // full text as an SMS shows it (menu options rendered as lines)
    // For channels with interactive replies (WhatsApp buttons/lists): the prompt without the
    // option lines, and the options (key + label). Empty options: a plain message.
    std::string body;
    struct option {
        std::string key;
        std::string label;

        bool operator==(const option&) const = default;
    };
    std::vector<option> options;
    // A proactive WhatsApp message: the template sent instead when the resident is outside
    // the 24-hour window. Without one such a message fails there.
    std::optional<message_template> fallback_template{};

    bool operator==(const outbound_message&) const = default;
};

// Delivery status of an outbound message. It only moves forward:
// queued < sent < delivered < read; failed is terminal, and delivered/read never become
// failed.
enum class delivery_status { queued, sent, delivered, read, failed };
const char* to_string(delivery_status s);
std::optional<delivery_status> delivery_status_from_string(std::string_view s);
// True when a message at `from` may move to `to` (the order above).
bool moves_forward(delivery_status from, delivery_status to);

// What a provider says happened to a message Sapa sent.
struct status_update {
    std::string provider_message_id;
    std::string status;    // queued | sent | delivered | read | failed (the provider's word mapped)
    std::string raw_code;  // the provider's error code, empty when none
    std::string reason;    // plain words for the code, empty when none
};

}  // namespace sapa::messaging
