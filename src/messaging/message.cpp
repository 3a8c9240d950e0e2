#include "messaging/message.hpp"

#include "common/ascii.hpp"

namespace sapa::messaging {

const char* to_string(delivery_status s) {
    switch (s) {
        case delivery_status::queued:
            return "queued";
        case delivery_status::sent:
            return "sent";
        case delivery_status::delivered:
            return "delivered";
        case delivery_status::read:
            return "read";
        case delivery_status::failed:
            return "failed";
    }
    return "queued";
}

std::optional<delivery_status> delivery_status_from_string(std::string_view s) {
    for (auto d : {delivery_status::queued,
                   delivery_status::sent,
                   delivery_status::delivered,
                   delivery_status::read,
                   delivery_status::failed}) {
        if (s == to_string(d)) return d;
    }
    return std::nullopt;
}

std::string attachment_kind_of(std::string_view content_type) {
    std::string type;
    for (char c : content_type.substr(0, content_type.find(';'))) {
        if (c != ' ' && c != '\t') type += common::to_lower_ascii(c);
    }
    for (const char* kind : {"image", "audio", "video"}) {
        if (type.starts_with(std::string(kind) + "/")) return kind;
    }
    if (type == "text/vcard" || type == "text/x-vcard") return "contacts";
    return "document";
}

std::string describe(const std::vector<attachment>& attachments) {
    std::string out;
    for (const auto& a : attachments) {
        if (!out.empty()) out += ", ";
        out += a.kind;
    }
    return out;
}

bool moves_forward(delivery_status from, delivery_status to) {
    auto rank = [](delivery_status s) {
        switch (s) {
            case delivery_status::queued:
                return 0;
            case delivery_status::sent:
                return 1;
            case delivery_status::delivered:
                return 2;
            case delivery_status::read:
                return 3;
            case delivery_status::failed:
                return 4;
        }
        return 0;
    };
    if (from == delivery_status::failed) return false;
    if (to == delivery_status::failed) return rank(from) <= rank(delivery_status::sent);
    return rank(to) > rank(from);
}

}  // namespace sapa::messaging
