#include "app/contacts.hpp"

#include "common/time_zone.hpp"
#include "common/utf8.hpp"
#include "messaging/address.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

namespace sapa::app {
namespace {

const std::vector<std::string> known_columns = {
    "number", "name", "kecamatan", "language", "consent_source", "group", "timezone"};

std::string trimmed(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    auto last = s.find_last_not_of(" \t\r");
    return std::string(s.substr(first, last - first + 1));
}

std::string lowered(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return s;
}

// One record's values, or nullopt for an unterminated quote. Reads from `pos` to the end of
// the record (a newline outside quotes) and moves `pos` past it; `lines` counts the newlines.
std::optional<std::vector<std::string>> read_record(std::string_view text,
                                                    std::size_t& pos,
                                                    int& lines) {
    std::vector<std::string> values(1);
    bool quoted = false;
    while (pos < text.size()) {
        char c = text[pos++];
        if (quoted) {
            if (c == '"') {
                if (pos < text.size() && text[pos] == '"') {
                    values.back() += '"';
                    ++pos;
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') ++lines;
                values.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            values.emplace_back();
        } else if (c == '\n') {
            ++lines;
            return values;
        } else {
            values.back() += c;
        }
    }
    if (quoted) return std::nullopt;
    return values;
}

// The non-empty parts of `text` between `separator`s, trimmed.
std::vector<std::string> split_trimmed(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(separator, start);
        if (end == std::string::npos) end = text.size();
        auto g = trimmed(std::string_view(text).substr(start, end - start));
        if (!g.empty()) out.push_back(g);
        start = end + 1;
    }
    return out;
}

bool is_language_code(const std::string& s) {
    return s.size() == 2 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

}  // namespace

parsed_contact_file parse_contacts_csv(std::string_view text) {
    parsed_contact_file out;
    auto whole_file = [&](std::string message) {
        out.rows.clear();
        out.problems = {{0, std::move(message)}};
        return out;
    };
    if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF"))
        return whole_file("the file is UTF-16; save it as CSV UTF-8");
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (!common::valid_utf8(text))
        return whole_file(
            "the file is not UTF-8 (saved as ANSI or Latin-1?); save it as CSV UTF-8");
    std::size_t pos = 0;
    int line = 1;
    auto header = read_record(text, pos, line);
    if (!header || text.empty()) return whole_file("the file is empty or has no header line");
    std::map<std::string, std::size_t> column;
    for (std::size_t i = 0; i < header->size(); ++i) {
        auto name = lowered(trimmed((*header)[i]));
        if (std::find(known_columns.begin(), known_columns.end(), name) == known_columns.end())
            return whole_file("line 1: unknown column \"" + name +
                              "\" (expected number, name, kecamatan, language, consent_source, "
                              "group, timezone)");
        if (!column.emplace(name, i).second)
            return whole_file("line 1: column \"" + name + "\" given twice");
    }
    for (const char* required : {"number", "consent_source"})
        if (!column.count(required))
            return whole_file(std::string("line 1: the column \"") + required + "\" is required");

    std::set<std::string> seen;
    while (pos < text.size()) {
        const int first_line = line;
        auto values = read_record(text, pos, line);
        auto bad = [&](std::string message) { out.problems.push_back({first_line, message}); };
        if (!values) {
            bad("a quote is never closed; nothing after it was read");
            break;
        }
        if (values->size() == 1 && trimmed(values->front()).empty()) continue;  // blank line
        if (values->size() != header->size()) {
            bad(std::to_string(values->size()) + " values, the header has " +
                std::to_string(header->size()));
            continue;
        }
        auto value = [&](const char* name) {
            auto it = column.find(name);
            return it == column.end() ? std::string() : trimmed((*values)[it->second]);
        };
        contact_import_row row;
        row.line = first_line;
        auto number = value("number");
        auto strict = messaging::strict_contact_address(number);
        if (!strict.e164 || !strict.e164->starts_with("+")) {
            bad("\"" + number + "\": " +
                (strict.problem.empty() ? std::string("not a phone number") : strict.problem));
            continue;
        }
        row.address = *strict.e164;
        row.consent_source = value("consent_source");
        if (row.consent_source.empty()) {
            bad("no consent_source: Sapa writes only to contacts who agreed");
            continue;
        }
        row.language = lowered(value("language"));
        if (!row.language.empty() && !is_language_code(row.language)) {
            bad("language \"" + row.language + "\" is not a two-letter code (id, en)");
            continue;
        }
        row.time_zone = value("timezone");
        if (!row.time_zone.empty() && !common::utc_offset_minutes(row.time_zone)) {
            bad("timezone \"" + row.time_zone + "\" is not an Indonesian zone (expected " +
                common::known_time_zones() + ")");
            continue;
        }
        if (!seen.insert(row.address).second) {
            bad(messaging::mask_phone(row.address) + " is already in the file");
            continue;
        }
        row.name = value("name");
        row.kecamatan = value("kecamatan");
        row.groups = split_trimmed(value("group"), ';');
        out.rows.push_back(std::move(row));
    }
    return out;
}

import_summary import_contacts(storage::store& store,
                               const std::vector<contact_import_row>& rows,
                               const std::string& extra_group,
                               unix_seconds now) {
    import_summary summary;
    store.run([&](storage::transaction& tx) {
        summary = {};
        for (const auto& row : rows) {
            auto contact = tx.find_contact(row.address);
            if (contact) {
                ++summary.updated;
            } else {
                contact = tx.add_contact(row.address, now);
                ++summary.added;
            }
            auto state = std::make_shared<engine::contact_state>(*contact->state);
            if (!row.language.empty()) state->language = row.language;
            if (!row.name.empty()) state->fields["nama"] = row.name;
            if (!row.kecamatan.empty()) state->fields["kecamatan"] = row.kecamatan;
            if (!row.time_zone.empty()) state->fields["timezone"] = row.time_zone;
            state->fields["consent_source"] = row.consent_source;
            tx.save_contact(*contact, std::move(state), now);
            for (const auto& g : row.groups)
                tx.add_to_group(contact->id, g);
            if (!extra_group.empty()) tx.add_to_group(contact->id, extra_group);
        }
    });
    return summary;
}

std::optional<storage::segment> parse_segment(const std::vector<std::string>& words,
                                              std::string& problem) {
    storage::segment s;
    for (const auto& word : words) {
        auto eq = word.find('=');
        auto key = lowered(trimmed(word.substr(0, eq)));
        auto value = eq == std::string::npos ? std::string() : trimmed(word.substr(eq + 1));
        if (eq == std::string::npos || value.empty()) {
            problem = "\"" + word +
                      "\": write KEY=VALUE (group, kecamatan, language, course, "
                      "status, since)";
            return std::nullopt;
        }
        if (key == "group") {
            s.group = value;
        } else if (key == "kecamatan") {
            s.kecamatan = value;
        } else if (key == "language") {
            s.language = lowered(value);
        } else if (key == "course") {
            s.course = value;
        } else if (key == "status") {
            auto status = engine::registration_status_from_string(lowered(value));
            if (status == engine::registration_status::none) {
                problem = "status \"" + value +
                          "\": expected registered (holding a seat: confirmed and attended too), "
                          "confirmed, attended, waitlisted or cancelled";
                return std::nullopt;
            }
            s.status = status;
        } else if (key == "since") {
            int y = 0, m = 0, d = 0;
            char tail = 0;
            if (std::sscanf(value.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
                value.size() != 10) {
                problem = "since \"" + value + "\": expected a date YYYY-MM-DD";
                return std::nullopt;
            }
            using namespace std::chrono;
            year_month_day date{
                year(y), month(static_cast<unsigned>(m)), day(static_cast<unsigned>(d))};
            if (!date.ok()) {
                problem = "since \"" + value + "\": no such date";
                return std::nullopt;
            }
            s.last_seen_since = sys_days(date).time_since_epoch() / seconds(1);
        } else {
            problem = "unknown segment key \"" + key +
                      "\" (expected group, kecamatan, language, course, status, since)";
            return std::nullopt;
        }
    }
    if (s.status && s.course.empty()) {
        problem = "status needs course=COURSE";
        return std::nullopt;
    }
    return s;
}

std::optional<storage::segment> parse_segment_text(const std::string& text, std::string& problem) {
    if (trimmed(text) == "all") return parse_segment({}, problem);
    return parse_segment(split_trimmed(text, ','), problem);
}

}  // namespace sapa::app
