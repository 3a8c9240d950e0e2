#pragma once
// How every SQL store writes the parts of a row that are not plain columns: collected fields
// and engine event data as a JSON object, an interactive reply's body and options as a JSON
// payload, a session's status by name. One definition, so SQLite and PostgreSQL hold the same
// text and an export reads either the same way.

#include "engine/state.hpp"
#include "messaging/message.hpp"
#include "storage/export.hpp"
#include "storage/store.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::storage {

// {"name":"Siti",...}
std::string fields_to_json(const std::map<std::string, std::string>& fields);
// The object's members as text (non-strings as their JSON); empty when `text` is no object.
std::map<std::string, std::string> fields_from_json(std::string_view text);
// `text` as fields_to_json writes it inside a JSON string (its escapes, no quotes): what a
// search looks for in the stored JSON text. Bytes that are not UTF-8 become U+FFFD.
std::string json_string_content(std::string_view text);
// `text` with every byte that is not UTF-8 replaced by U+FFFD (PostgreSQL refuses such text).
std::string valid_utf8(std::string_view text);

// The payload column of an interactive reply ({"body","options"}); empty for a plain text.
std::string reply_payload(const messaging::outbound_message& m);
// The reply stored as `text` with `payload` (empty: none).
messaging::outbound_message reply_from_payload(std::string text, std::string_view payload);

// An export's collected fields as columns after the fixed ones (SQL stores: one JSON object
// per row).
class field_columns {
  public:
    // Appends one text column per name to `columns`, in the order given, as "field_NAME" when
    // NAME is already a column.
    field_columns(std::vector<export_column>& columns, const std::vector<std::string>& names);
    // Sets the values past the fixed columns from one row's fields (`fields_json`); a field
    // with no column, and a column with no field, stay null.
    void fill(std::vector<export_value>& values, std::string_view fields_json) const;

  private:
    std::size_t fixed_;
    std::map<std::string, std::size_t> index_;
};

// A broadcast's opening column: {"texts":[...],"node":"...","variables":{...}}.
std::string opening_to_json(const broadcast_record& b);
// Sets texts, node and variables of `b` from the column (left empty when it is no object).
void opening_from_json(std::string_view text, broadcast_record& b);

std::optional<recipient_status> recipient_status_from_string(std::string_view text);
// Adds `n` recipients with status `recipient` whose first message has status `message` (SQL
// stores count them grouped so).
void count_recipient(broadcast_counts& counts,
                     std::string_view recipient,
                     std::string_view message,
                     std::int64_t n);

// "idle", "waiting", "resume_offer".
const char* session_status_name(engine::session_status s);

}  // namespace sapa::storage
