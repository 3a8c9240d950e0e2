#pragma once
// Contacts for outreach: a CSV file of contacts read and checked (parse_contacts_csv), then
// imported in one unit of work (import_contacts), and segments (storage::segment) read from a
// staff tool's words (parse_segment). Nothing here reads files or knows a clock.
//
// The file: UTF-8 (a BOM is allowed), comma-separated, a header naming the columns in any
// order: number (required), consent_source (required: where the contact agreed, "form
// kecamatan 2026-01"), name, kecamatan, language ("id", "en"), group (one group, or several
// separated by ';'), timezone (an Indonesian zone, common/time_zone.hpp; WIB when left out).
// Values may be quoted ("...", "" inside for a quote).

#include "storage/store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::app {

using messaging::unix_seconds;

struct contact_import_row {
    int line = 0;         // 1-based line of the file
    std::string address;  // E.164, from messaging::strict_contact_address
    std::string name;
    std::string kecamatan;
    std::string language;
    std::string consent_source;
    std::vector<std::string> groups;
    // The contact's time zone for the sending rules ("Asia/Makassar", "WITA"...); empty: the
    // configured one. Stored as the field "timezone".
    std::string time_zone;
};

struct file_problem {
    int line = 0;  // 0: the whole file
    std::string message;
};

struct parsed_contact_file {
    std::vector<contact_import_row> rows;  // the good rows
    std::vector<file_problem> problems;    // bad rows, skipped; a line 0 problem: no rows at all
};

// Reads the whole file. A file that is not UTF-8 (or is UTF-16), or whose header lacks a
// required column or names an unknown one, gives one line-0 problem and no rows. A bad row (a
// number that is no phone number or could be read two ways, no consent source, a language
// that is not a two-letter code, the wrong number of values, a number already in the file)
// is reported by its line and skipped.
parsed_contact_file parse_contacts_csv(std::string_view text);

struct import_summary {
    int added = 0;    // contacts new to Sapa
    int updated = 0;  // contacts Sapa knew: name, kecamatan, language, consent, groups set
};

// Imports `rows` into `store` in one unit of work: all of them or, on a failure, none. A
// contact who opted out stays opted out. Each row's groups and `extra_group` (when not empty)
// are added. Throws boost::system::system_error when the store fails.
import_summary import_contacts(storage::store& store,
                               const std::vector<contact_import_row>& rows,
                               const std::string& extra_group,
                               unix_seconds now);

// A segment from "key=value" words: group, kecamatan, language, course, status
// (registered, waitlisted, cancelled; needs course), since (YYYY-MM-DD, UTC). An unknown key
// or a bad value gives nullopt and the reason in `problem`.
std::optional<storage::segment> parse_segment(const std::vector<std::string>& words,
                                              std::string& problem);

// A segment as staff write it in one line: "all" (or nothing) for every contact, else the
// words of parse_segment separated by commas ("group=kader,kecamatan=sukodono").
std::optional<storage::segment> parse_segment_text(const std::string& text, std::string& problem);

}  // namespace sapa::app
