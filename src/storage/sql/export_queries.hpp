#pragma once
// The SQL of each export, shared by the SQL stores (storage/sqlite, storage/postgres): the same
// columns, joins and rules, so both export the same rows. Both schemas name their tables and
// columns alike. The course filter's one parameter is written `$course`; each store puts its own
// placeholder there (course_clause_with).

#include "storage/export.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sapa::storage::sql {

struct export_query {
    const char* select;  // columns in fixed_columns(kind)'s order; fields JSON (if any) last
    const char* from;
    const char* fields_column;            // the collected fields' JSON column, or nullptr
    const char* id_column;                // row order
    const char* since_column;             // compared with export_filter::since
    const char* course_clause;            // with the placeholder $course
    const char* condition = nullptr;      // rows of this kind, whatever the filter
    const char* status_column = nullptr;  // compared with export_filter::status, or nullptr
    bool searchable = false;              // export_filter::search applies (registrations)
};

inline export_query export_query_for(export_kind kind) {
    switch (kind) {
        case export_kind::registrations:
            return {"r.code, r.course, r.status, k.address, r.created_at, r.updated_at, r.fields",
                    "registrations r JOIN contacts k ON k.id = r.contact_id",
                    "r.fields",
                    "r.id",
                    "r.created_at",
                    "r.course = $course",
                    nullptr,
                    "r.status",
                    true};
        case export_kind::conversations:
            return {
                "m.id, m.created_at, k.address, m.direction, m.channel, m.gateway_message_id, "
                "m.reply_to, m.text, m.encoding, m.segments, m.status, m.status_code, "
                "m.status_reason, m.status_at, m.match_kind, m.match_detail, "
                "CASE WHEN m.direction = 'in' THEN m.payload END",
                "messages m JOIN contacts k ON k.id = m.contact_id",
                nullptr,
                "m.id",
                "m.created_at",
                "m.contact_id IN (SELECT contact_id FROM registrations WHERE course = $course)"};
        case export_kind::requests:
            // As storage::request_type_of and request_done_at. The words: a handoff's own
            // text, else the message that asked (HAPUS); "[dihapus]" once forgotten. Done when
            // staff marked it, or when the contact was forgotten since.
            return {
                "e.id, e.created_at, k.address, "
                "CASE e.kind WHEN 'handoff_requested' THEN 'handoff' ELSE 'erase' END, "
                "CASE WHEN e.detail IS NULL OR e.detail = '' THEN m.text ELSE e.detail END, "
                "e.node, "
                "CASE WHEN d.done_at IS NOT NULL OR k.erased_at >= e.created_at THEN 'done' "
                "ELSE 'open' END, "
                "COALESCE(d.done_at, CASE WHEN k.erased_at >= e.created_at THEN k.erased_at END)",
                "events e JOIN messages m ON m.id = e.message_id "
                "JOIN contacts k ON k.id = e.contact_id "
                "LEFT JOIN requests_done d ON d.event_id = e.id",
                nullptr,
                "e.id",
                "e.created_at",
                "e.contact_id IN (SELECT contact_id FROM registrations WHERE course = $course)",
                // Exactly the partial index's condition (events_requests), so it is used.
                "e.kind IN ('handoff_requested', 'erase_requested')",
                "CASE WHEN d.done_at IS NOT NULL OR k.erased_at >= e.created_at THEN 'done' "
                "ELSE 'open' END"};
        case export_kind::contacts:
            break;
    }
    return {
        "k.address, k.language, k.first_seen, k.last_seen, k.opted_out_at, k.erased_at, "
        "(SELECT count(*) FROM messages m WHERE m.contact_id = k.id), k.fields",
        "contacts k",
        "k.fields",
        "k.id",
        "k.last_seen",
        "k.id IN (SELECT contact_id FROM registrations WHERE course = $course)"};
}

// The filters of export_filter besides since, course and contact, in this order: the page's
// start, status, language, group. Each compares one value, written `$v` in its SQL.
struct page_clause {
    std::string sql;
    std::string value;
    bool number = false;  // an integer, else text
};
inline std::vector<page_clause> page_clauses(const export_query& q, const export_filter& f) {
    std::vector<page_clause> out;
    if (f.after > 0)
        out.push_back({std::string(q.id_column) + " > $v", std::to_string(f.after), true});
    if (f.before > 0)
        out.push_back({std::string(q.id_column) + " < $v", std::to_string(f.before), true});
    if (f.status && q.status_column)
        out.push_back({"(" + std::string(q.status_column) + ") = $v", *f.status, false});
    if (f.language) out.push_back({"k.language = $v", *f.language, false});
    // A probe of the group's primary key per row: a page stops after `limit` members instead
    // of reading the whole group first (141 ms -> see bench/README.md, "JSON API lists").
    if (f.group)
        out.push_back(
            {"EXISTS (SELECT 1 FROM contact_groups g WHERE g.group_name = $v AND "
             "g.contact_id = k.id)",
             *f.group});
    return out;
}

// " ORDER BY id" in the filter's direction (newest_first: descending).
inline std::string order_by(const export_query& q, const export_filter& f) {
    return std::string(" ORDER BY ") + q.id_column + (f.newest_first ? " DESC" : "");
}

// The LIKE pattern (a backslash escapes % and _) that finds `text` anywhere in a value.
inline std::string like_pattern(std::string_view text) {
    std::string out = "%";
    for (char ch : text) {
        if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "%";
}

// `clause` with its $v replaced by `placeholder`.
inline std::string with_placeholder(std::string clause, std::string_view placeholder) {
    if (auto at = clause.find("$v"); at != std::string::npos) clause.replace(at, 2, placeholder);
    return clause;
}

// `clause` with its $course replaced by `placeholder` ("?" for SQLite, "$3" for PostgreSQL).
inline std::string course_clause_with(std::string clause, std::string_view placeholder) {
    if (auto at = clause.find("$course"); at != std::string::npos)
        clause.replace(at, 7, placeholder);
    return clause;
}

}  // namespace sapa::storage::sql
