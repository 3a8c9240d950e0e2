#pragma once
// Exports for staff (`sapa export`): the store streams rows into a row_sink; csv_writer and
// json_writer turn them into files. Memory use does not grow with the number of rows.

#include "engine/state.hpp"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sapa::storage {

// requests: what residents asked staff for, from the engine's events: handoffs (a message for
// staff, a question no topic answers, a report) and erasures (HAPUS); see fixed_columns().
enum class export_kind { registrations, conversations, contacts, requests };
const char* to_string(export_kind k);
std::optional<export_kind> export_kind_from_string(std::string_view s);

struct export_filter {
    // Registrations, messages and requests created at or after it; contacts last seen at or
    // after it.
    std::optional<engine::unix_seconds> since;
    // Registrations for that course; messages, contacts and requests of residents registered
    // for it.
    std::optional<std::string> course;
    // One contact (normalised like inbound addresses).
    std::optional<std::string> contact;
    // Registrations with this status (registered, waitlisted, cancelled); requests open or
    // done. Ignored by the other kinds.
    std::optional<std::string> status = {};
    // Rows of contacts with this language, or in this group (contacts import --group).
    std::optional<std::string> language = {};
    std::optional<std::string> group = {};
    // Registrations whose code, or a collected field whose name contains "nama" or "name",
    // contains this text (ASCII letters in any case). Ignored by the other kinds.
    std::optional<std::string> search = {};
    // One page (the API's keyset cursor): rows whose id (their order) is after `after`, at
    // most `limit` of them; export_summary::last_id is where the next page starts.
    std::int64_t after = 0;
    std::optional<std::int64_t> limit = {};
    // Newest first (the console's pages): rows in descending id order, only those whose id is
    // below `before` when it is above 0; export_summary::last_id is then the smallest id
    // written, the next (older) page's `before` is last_id.
    std::int64_t before = 0;
    bool newest_first = false;
};

enum class column_type {
    text,       // free text or an identifier (phone, NIK): a spreadsheet must keep it as text
    integer,    // a count or a row id
    timestamp,  // unix seconds in the row; writers print a date and time
};

struct export_column {
    std::string name;
    column_type type = column_type::text;
};

// The columns every store exports for `kind`, in order, before the collected fields (which
// follow as one column each): one list, so the stores cannot drift apart.
// requests: id (the event's), time, contact, request (request_type_of), words (what the
// resident wrote: the handoff's text, else the message that asked), node (where it was
// asked), status ("done" with a done_at, else "open"), done_at (request_done_at).
const std::vector<export_column>& fixed_columns(export_kind kind);

// The request an engine event is, "handoff" or "erase"; nullptr for other events.
const char* request_type_of(std::string_view event_kind);
// When a request was done: when staff marked it done (store::mark_request_done), else when the
// contact's data was erased at or after it (nothing is left to do or nobody to answer); empty
// while it is open.
std::optional<engine::unix_seconds> request_done_at(engine::unix_seconds requested_at,
                                                    std::optional<engine::unix_seconds> marked,
                                                    std::optional<engine::unix_seconds> erased_at);

// One cell: null, an integer (integer and timestamp columns) or text.
using export_value = std::variant<std::monostate, std::int64_t, std::string>;

// Receives an export. begin() once with the columns, row() per row (the vector has one value
// per column and is reused between calls), end() once after the last row.
class row_sink {
  public:
    virtual ~row_sink() = default;
    virtual void begin(const std::vector<export_column>& columns) = 0;
    virtual void row(const std::vector<export_value>& values) = 0;
    virtual void end() = 0;
};

struct export_summary {
    std::int64_t rows = 0;
    std::int64_t last_id = 0;   // the id (row order) of the last row written; 0: none
    std::int64_t first_id = 0;  // the id of the first row written; 0: none
};

struct writer_options {
    // Timestamps are printed in this offset from UTC. Default: WIB (UTC+7).
    int utc_offset_minutes = 7 * 60;
    // Spreadsheet-friendly CSV (default): a UTF-8 byte order mark, and a leading apostrophe
    // on text that a spreadsheet would turn into a number, date or formula ("+62812...",
    // a 16-digit NIK, "=cmd"). false: plain RFC 4180 for programs.
    bool for_spreadsheets = true;
    char separator = ',';  // ';' for spreadsheets set to a locale that expects it
};

// RFC 4180 CSV: CRLF line ends, fields quoted when they contain the separator, a quote, CR
// or LF; quotes doubled. Timestamps as "YYYY-MM-DD HH:MM:SS" in the configured offset.
class csv_writer final : public row_sink {
  public:
    explicit csv_writer(std::ostream& out, writer_options options = {});
    void begin(const std::vector<export_column>& columns) override;
    void row(const std::vector<export_value>& values) override;
    void end() override;

  private:
    void write_field(std::string_view text);
    std::ostream& out_;
    writer_options options_;
    std::vector<export_column> columns_;
    std::string buffer_;
};

// A JSON array, one object per row and per line, keys in column order; timestamps as
// RFC 3339 strings with the configured offset, nulls as null. Always valid UTF-8 JSON.
class json_writer final : public row_sink {
  public:
    explicit json_writer(std::ostream& out, writer_options options = {});
    void begin(const std::vector<export_column>& columns) override;
    void row(const std::vector<export_value>& values) override;
    void end() override;

  private:
    std::ostream& out_;
    writer_options options_;
    std::vector<export_column> columns_;
    std::string buffer_;
    bool first_ = true;
};

// "2024-05-01 10:04:05" (sep ' ') or "2024-05-01T10:04:05+07:00" (rfc3339) for `t` shifted
// by the offset.
std::string format_timestamp(engine::unix_seconds t, int utc_offset_minutes, bool rfc3339);

// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or with 'T', as local time at the offset.
std::optional<engine::unix_seconds> parse_timestamp(std::string_view text, int utc_offset_minutes);

// True when a spreadsheet opening `text` in a CSV could read it as a number, date or formula.
bool needs_text_guard(std::string_view text);

}  // namespace sapa::storage
