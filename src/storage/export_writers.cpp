#include "engine/engine.hpp"
#include "storage/export.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ostream>

namespace sapa::storage {
namespace {

void append_timestamp(std::string& out, engine::unix_seconds t, int offset_minutes, bool rfc3339) {
    using namespace std::chrono;
    auto local = sys_seconds{seconds{t + std::int64_t{offset_minutes} * 60}};
    auto day = floor<days>(local);
    year_month_day ymd{day};
    hh_mm_ss hms{local - day};
    char text[40];
    int n = std::snprintf(text,
                          sizeof text,
                          "%04d-%02u-%02u%c%02d:%02d:%02d",
                          static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()),
                          rfc3339 ? 'T' : ' ',
                          static_cast<int>(hms.hours().count()),
                          static_cast<int>(hms.minutes().count()),
                          static_cast<int>(hms.seconds().count()));
    out.append(text, static_cast<std::size_t>(n));
    if (!rfc3339) return;
    if (offset_minutes == 0) {
        out += 'Z';
        return;
    }
    int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    n = std::snprintf(
        text, sizeof text, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
    out.append(text, static_cast<std::size_t>(n));
}

// Reads exactly `width` digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t width) {
    if (pos + width > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

void append_json_string(std::string& out, const std::string& text) {
    // replace: invalid UTF-8 from a gateway becomes U+FFFD instead of failing the export.
    out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

const char* to_string(export_kind k) {
    switch (k) {
        case export_kind::registrations:
            return "registrations";
        case export_kind::conversations:
            return "conversations";
        case export_kind::contacts:
            return "contacts";
        case export_kind::requests:
            return "requests";
    }
    return "registrations";
}

const char* request_type_of(std::string_view event_kind) {
    if (event_kind == engine::to_string(engine::event_kind::handoff_requested)) return "handoff";
    if (event_kind == engine::to_string(engine::event_kind::erase_requested)) return "erase";
    return nullptr;
}

std::optional<engine::unix_seconds> request_done_at(engine::unix_seconds requested_at,
                                                    std::optional<engine::unix_seconds> marked,
                                                    std::optional<engine::unix_seconds> erased_at) {
    if (marked) return marked;
    if (erased_at && *erased_at >= requested_at) return erased_at;
    return std::nullopt;
}

const std::vector<export_column>& fixed_columns(export_kind kind) {
    using t = column_type;
    static const std::vector<export_column> registrations = {{"code", t::text},
                                                             {"course", t::text},
                                                             {"status", t::text},
                                                             {"contact", t::text},
                                                             {"registered_at", t::timestamp},
                                                             {"updated_at", t::timestamp}};
    static const std::vector<export_column> conversations = {{"id", t::integer},
                                                             {"time", t::timestamp},
                                                             {"contact", t::text},
                                                             {"direction", t::text},
                                                             {"channel", t::text},
                                                             {"gateway_message_id", t::text},
                                                             {"reply_to", t::integer},
                                                             {"text", t::text},
                                                             {"encoding", t::text},
                                                             {"segments", t::integer},
                                                             {"status", t::text},
                                                             {"status_code", t::text},
                                                             {"status_reason", t::text},
                                                             {"status_at", t::timestamp},
                                                             {"match_kind", t::text},
                                                             {"match_detail", t::text},
                                                             {"media", t::text}};
    static const std::vector<export_column> contacts = {{"contact", t::text},
                                                        {"language", t::text},
                                                        {"first_seen", t::timestamp},
                                                        {"last_seen", t::timestamp},
                                                        {"opted_out_at", t::timestamp},
                                                        {"erased_at", t::timestamp},
                                                        {"messages", t::integer}};
    static const std::vector<export_column> requests = {{"id", t::integer},
                                                        {"time", t::timestamp},
                                                        {"contact", t::text},
                                                        {"request", t::text},
                                                        {"words", t::text},
                                                        {"node", t::text},
                                                        {"status", t::text},
                                                        {"done_at", t::timestamp}};
    switch (kind) {
        case export_kind::registrations:
            return registrations;
        case export_kind::conversations:
            return conversations;
        case export_kind::contacts:
            break;
        case export_kind::requests:
            return requests;
    }
    return contacts;
}

std::optional<export_kind> export_kind_from_string(std::string_view s) {
    for (auto k : {export_kind::registrations,
                   export_kind::conversations,
                   export_kind::contacts,
                   export_kind::requests}) {
        if (s == to_string(k)) return k;
    }
    return std::nullopt;
}

std::string format_timestamp(engine::unix_seconds t, int utc_offset_minutes, bool rfc3339) {
    std::string out;
    append_timestamp(out, t, utc_offset_minutes, rfc3339);
    return out;
}

std::optional<engine::unix_seconds> parse_timestamp(std::string_view text, int utc_offset_minutes) {
    using namespace std::chrono;
    auto y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
    if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return std::nullopt;
    int h = 0, mi = 0, s = 0;
    if (text.size() > 10) {
        if (text[10] != ' ' && text[10] != 'T') return std::nullopt;
        auto hh = digits(text, 11, 2), mm = digits(text, 14, 2);
        if (!hh || !mm || text.size() < 16 || text[13] != ':') return std::nullopt;
        h = *hh;
        mi = *mm;
        if (text.size() > 16) {
            auto ss = digits(text, 17, 2);
            if (!ss || text[16] != ':' || text.size() != 19) return std::nullopt;
            s = *ss;
        }
        if (h > 23 || mi > 59 || s > 59) return std::nullopt;
    }
    year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) return std::nullopt;
    auto local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
    return local.time_since_epoch().count() - std::int64_t{utc_offset_minutes} * 60;
}

bool needs_text_guard(std::string_view text) {
    if (text.empty()) return false;
    char first = text.front();
    // Formula triggers (OWASP "CSV injection"); "+62812..." is one as well.
    if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' ||
        first == '\r') {
        return true;
    }
    if (first < '0' || first > '9') return false;
    // Digits with separators only: a number (leading zeros and digits past 15 lost: NIK,
    // "0812..."), a date ("1/2", "3-4") or a time.
    for (char c : text) {
        bool allowed = (c >= '0' && c <= '9') || c == ' ' || c == '.' || c == ',' || c == '/' ||
                       c == '-' || c == ':' || c == '+' || c == '(' || c == ')';
        if (!allowed) return false;
    }
    return true;
}

csv_writer::csv_writer(std::ostream& out, writer_options options) : out_(out), options_(options) {}

void csv_writer::write_field(std::string_view text) {
    bool quote = text.find_first_of("\"\r\n") != std::string_view::npos ||
                 text.find(options_.separator) != std::string_view::npos;
    if (!quote) {
        buffer_ += text;
        return;
    }
    buffer_ += '"';
    for (char c : text) {
        if (c == '"') buffer_ += '"';
        buffer_ += c;
    }
    buffer_ += '"';
}

void csv_writer::begin(const std::vector<export_column>& columns) {
    columns_ = columns;
    buffer_.clear();
    if (options_.for_spreadsheets) buffer_ += "\xEF\xBB\xBF";  // UTF-8 byte order mark
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) buffer_ += options_.separator;
        write_field(columns[i].name);
    }
    buffer_ += "\r\n";
    out_ << buffer_;
}

void csv_writer::row(const std::vector<export_value>& values) {
    buffer_.clear();
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) buffer_ += options_.separator;
        const auto& v = values[i];
        if (const auto* n = std::get_if<std::int64_t>(&v)) {
            if (columns_[i].type == column_type::timestamp) {
                append_timestamp(buffer_, *n, options_.utc_offset_minutes, false);
            } else {
                buffer_ += std::to_string(*n);
            }
        } else if (const auto* s = std::get_if<std::string>(&v)) {
            if (options_.for_spreadsheets && needs_text_guard(*s)) {
                write_field("'" + *s);
            } else {
                write_field(*s);
            }
        }
    }
    buffer_ += "\r\n";
    out_ << buffer_;
}

void csv_writer::end() {
    out_.flush();
}

json_writer::json_writer(std::ostream& out, writer_options options)
    : out_(out), options_(options) {}

void json_writer::begin(const std::vector<export_column>& columns) {
    columns_ = columns;
    first_ = true;
    out_ << "[";
}

void json_writer::row(const std::vector<export_value>& values) {
    buffer_.assign(first_ ? "\n{" : ",\n{");
    first_ = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) buffer_ += ',';
        append_json_string(buffer_, columns_[i].name);
        buffer_ += ':';
        const auto& v = values[i];
        if (const auto* n = std::get_if<std::int64_t>(&v)) {
            if (columns_[i].type == column_type::timestamp) {
                buffer_ += '"';
                append_timestamp(buffer_, *n, options_.utc_offset_minutes, true);
                buffer_ += '"';
            } else {
                buffer_ += std::to_string(*n);
            }
        } else if (const auto* s = std::get_if<std::string>(&v)) {
            append_json_string(buffer_, *s);
        } else {
            buffer_ += "null";
        }
    }
    buffer_ += '}';
    out_ << buffer_;
}

void json_writer::end() {
    out_ << (first_ ? "]\n" : "\n]\n");
    out_.flush();
}

}  // namespace sapa::storage
