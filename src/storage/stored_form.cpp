#include "storage/stored_form.hpp"

#include <nlohmann/json.hpp>

namespace sapa::storage {

std::string fields_to_json(const std::map<std::string, std::string>& fields) {
    return nlohmann::json(fields).dump();
}

std::string json_string_content(std::string_view text) {
    auto quoted = nlohmann::json(std::string(text))
                      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

std::string valid_utf8(std::string_view text) {
    return nlohmann::json::parse("\"" + json_string_content(text) + "\"").get<std::string>();
}

std::map<std::string, std::string> fields_from_json(std::string_view text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    std::map<std::string, std::string> out;
    if (!j.is_object()) return out;
    for (auto& [k, v] : j.items())
        out[k] = v.is_string() ? v.get<std::string>() : v.dump();
    return out;
}

namespace {

// A WhatsApp template as stored in a message payload and a broadcast's opening.
nlohmann::json template_to_json(const messaging::message_template& t) {
    return {{"name", t.name}, {"language", t.language}, {"parameters", t.parameters}};
}

messaging::message_template template_from_json(const nlohmann::json& t) {
    messaging::message_template out{t.value("name", ""), t.value("language", ""), {}};
    if (auto p = t.find("parameters"); p != t.end() && p->is_array())
        for (const auto& v : *p)
            if (v.is_string()) out.parameters.push_back(v.get<std::string>());
    return out;
}

}  // namespace

std::string reply_payload(const messaging::outbound_message& m) {
    if (m.body.empty() && m.options.empty() && !m.fallback_template) return {};
    nlohmann::json options = nlohmann::json::array();
    for (const auto& o : m.options)
        options.push_back({{"key", o.key}, {"label", o.label}});
    nlohmann::json out{{"body", m.body}, {"options", options}};
    if (const auto& t = m.fallback_template) out["template"] = template_to_json(*t);
    return out.dump();
}

std::string opening_to_json(const broadcast_record& b) {
    nlohmann::json out{{"texts", b.texts}, {"node", b.node}, {"variables", b.variables}};
    if (const auto& t = b.fallback_template) out["template"] = template_to_json(*t);
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void opening_from_json(std::string_view text, broadcast_record& b) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return;
    if (auto it = j.find("texts"); it != j.end() && it->is_array())
        for (const auto& t : *it)
            if (t.is_string()) b.texts.push_back(t.get<std::string>());
    b.node = j.value("node", "");
    if (auto it = j.find("variables"); it != j.end() && it->is_object())
        for (auto& [k, v] : it->items())
            if (v.is_string()) b.variables[k] = v.get<std::string>();
    if (auto t = j.find("template"); t != j.end() && t->is_object())
        b.fallback_template = template_from_json(*t);
}

std::optional<recipient_status> recipient_status_from_string(std::string_view text) {
    if (text == "waiting") return recipient_status::waiting;
    if (text == "queued") return recipient_status::queued;
    if (text == "skipped") return recipient_status::skipped;
    return std::nullopt;
}

void count_recipient(broadcast_counts& counts,
                     std::string_view recipient,
                     std::string_view message,
                     std::int64_t n) {
    if (recipient == "waiting")
        counts.waiting += n;
    else if (recipient == "skipped")
        counts.skipped += n;
    else if (message == "sent")
        counts.sent += n;
    else if (message == "delivered")
        counts.delivered += n;
    else if (message == "read")
        counts.read += n;
    else if (message == "failed")
        counts.failed += n;
    else
        counts.queued += n;
}

messaging::outbound_message reply_from_payload(std::string text, std::string_view payload) {
    messaging::outbound_message out;
    out.text = std::move(text);
    if (payload.empty()) return out;
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object()) return out;
    out.body = j.value("body", "");
    if (auto it = j.find("options"); it != j.end() && it->is_array()) {
        for (const auto& o : *it)
            out.options.push_back({o.value("key", ""), o.value("label", "")});
    }
    if (auto t = j.find("template"); t != j.end() && t->is_object())
        out.fallback_template = template_from_json(*t);
    return out;
}

field_columns::field_columns(std::vector<export_column>& columns,
                             const std::vector<std::string>& names)
    : fixed_(columns.size()) {
    for (const auto& name : names) {
        auto column = name;
        for (std::size_t i = 0; i < fixed_; ++i)
            if (columns[i].name == column) column = "field_" + name;
        index_[name] = columns.size();
        columns.push_back({column, column_type::text});
    }
}

void field_columns::fill(std::vector<export_value>& values, std::string_view fields_json) const {
    for (std::size_t i = fixed_; i < values.size(); ++i)
        values[i] = std::monostate{};
    for (auto& [key, value] : fields_from_json(fields_json)) {
        if (auto it = index_.find(key); it != index_.end()) values[it->second] = std::move(value);
    }
}

const char* session_status_name(engine::session_status s) {
    switch (s) {
        case engine::session_status::waiting:
            return "waiting";
        case engine::session_status::resume_offer:
            return "resume_offer";
        case engine::session_status::idle:
            break;
    }
    return "idle";
}

}  // namespace sapa::storage
