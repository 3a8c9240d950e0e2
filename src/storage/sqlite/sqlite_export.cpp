// Exports: one prepared statement stepped row by row into the sink, so memory does not grow
// with the table. Collected fields (JSON per row) become one column per field name; the names
// come from a first pass over the same rows (only the distinct names are held).

#include "storage/sql/export_queries.hpp"
#include "storage/sqlite/detail/sqlite_connection.hpp"
#include "storage/stored_form.hpp"

#include <map>

namespace sapa::storage::detail {
namespace {

// An export's shared SQL (storage/sql) with its columns.
struct query_parts : sql::export_query {
    std::vector<export_column> columns;
};

query_parts parts_for(export_kind kind) {
    return {sql::export_query_for(kind), fixed_columns(kind)};
}

// The WHERE clause for `filter` and a function binding its parameters.
struct where_clause {
    std::string sql;
    export_filter filter;
    std::vector<sql::page_clause> page;

    // Binds the parameters; returns the next parameter's number.
    int bind(SQLite::Statement& s) const {
        int i = 1;
        if (filter.since) s.bind(i++, static_cast<std::int64_t>(*filter.since));
        if (filter.course) s.bind(i++, *filter.course);
        if (filter.contact) s.bind(i++, normalize_address(*filter.contact));
        for (const auto& c : page) {
            if (c.number)
                s.bind(i++, static_cast<std::int64_t>(std::stoll(c.value)));
            else
                s.bind(i++, c.value);
        }
        if (searched) {
            s.bind(i++, sql::like_pattern(*filter.search));
            s.bind(i++, sql::like_pattern(json_string_content(*filter.search)));
        }
        return i;
    }
    bool searched = false;
};

// export_filter::search on registrations: the code, else the name fields; the fields' JSON
// text must contain the text first (cheap), so json_each only runs on rows that may match.
constexpr const char* registration_search =
    "(r.code LIKE $words ESCAPE '\\' OR (r.fields LIKE $json ESCAPE '\\' AND EXISTS (SELECT 1 "
    "FROM json_each(r.fields) j WHERE (instr(j.key, 'nama') > 0 OR instr(j.key, 'name') > 0) "
    "AND j.value LIKE $words ESCAPE '\\')))";

where_clause where_for(const query_parts& p, const export_filter& f) {
    where_clause w{"", f, {}};
    auto add = [&w](const std::string& clause) {
        w.sql += w.sql.empty() ? " WHERE " : " AND ";
        w.sql += clause;
    };
    if (p.condition) add(p.condition);
    if (f.since) add(std::string(p.since_column) + " >= ?");
    if (f.course) add(sql::course_clause_with(p.course_clause, "?"));
    if (f.contact) add("k.address = ?");
    w.page = sql::page_clauses(p, f);
    for (const auto& c : w.page)
        add(sql::with_placeholder(c.sql, "?"));
    if (f.search && p.searchable) {
        // Numbered after the parameters before it.
        int n = 1 + (f.since ? 1 : 0) + (f.course ? 1 : 0) + (f.contact ? 1 : 0) +
                static_cast<int>(w.page.size());
        std::string clause = registration_search;
        for (auto [from, to] : {std::pair{"$words", n}, std::pair{"$json", n + 1}}) {
            const auto placeholder = "?" + std::to_string(to);
            const std::string_view name = from;
            for (auto at = clause.find(name); at != std::string::npos;
                 at = clause.find(name, at + placeholder.size()))
                clause.replace(at, name.size(), placeholder);
        }
        add(clause);
        w.searched = true;
    }
    return w;
}

// Distinct field names of the selected rows, in order of first appearance.
std::vector<std::string> field_names(connection& c, const query_parts& p, const where_clause& w) {
    std::vector<std::string> names;
    if (!p.fields_column) return names;
    // A page: only its rows' names.
    const auto sql =
        w.filter.limit
            ? std::string("SELECT j.key FROM (SELECT ") + p.fields_column + " AS f, " +
                  p.id_column + " AS rid FROM " + p.from + w.sql + sql::order_by(p, w.filter) +
                  " LIMIT ?) s, json_each(s.f) j GROUP BY j.key ORDER BY "
                  "min(s.rid), j.key"
            : std::string("SELECT j.key FROM ") + p.from + ", json_each(" + p.fields_column +
                  ") j" + w.sql + " GROUP BY j.key ORDER BY min(" + p.id_column + "), j.key";
    SQLite::Statement q(c.db(), sql);
    const int next = w.bind(q);
    if (w.filter.limit) q.bind(next, static_cast<std::int64_t>(*w.filter.limit));
    while (q.executeStep())
        names.push_back(q.getColumn(0).getString());
    return names;
}

}  // namespace

bool mark_request_done(connection& c, std::int64_t request_id, unix_seconds now) {
    auto& find = c.prepared(
        "SELECT 1 FROM events WHERE id = ?1 AND kind IN "
        "('handoff_requested', 'erase_requested')");
    find.bind(1, request_id);
    if (!find.executeStep()) return false;
    auto& mark =
        c.prepared("INSERT OR IGNORE INTO requests_done (event_id, done_at) VALUES (?1, ?2)");
    mark.bind(1, request_id);
    mark.bind(2, now);
    mark.exec();
    return true;
}

export_summary export_rows(connection& c,
                           export_kind kind,
                           const export_filter& filter,
                           row_sink& sink) {
    auto p = parts_for(kind);
    auto w = where_for(p, filter);
    const auto fixed = p.columns.size();

    const field_columns fields(p.columns, field_names(c, p, w));
    sink.begin(p.columns);

    // The row id last: the page cursor.
    SQLite::Statement q(c.db(),
                        std::string("SELECT ") + p.select + ", " + p.id_column + " FROM " + p.from +
                            w.sql + sql::order_by(p, filter) + (filter.limit ? " LIMIT ?" : ""));
    const int next = w.bind(q);
    if (filter.limit) q.bind(next, static_cast<std::int64_t>(*filter.limit));
    const int id_at = static_cast<int>(fixed) + (p.fields_column ? 1 : 0);
    std::vector<export_value> values(p.columns.size());
    export_summary summary;
    while (q.executeStep()) {
        for (std::size_t i = 0; i < fixed; ++i) {
            auto column = q.getColumn(static_cast<int>(i));
            if (column.isNull()) {
                values[i] = std::monostate{};
            } else if (p.columns[i].type == column_type::text) {
                values[i] = column.getString();
            } else {
                values[i] = column.getInt64();
            }
        }
        if (p.fields_column) fields.fill(values, q.getColumn(static_cast<int>(fixed)).getText());
        sink.row(values);
        ++summary.rows;
        summary.last_id = q.getColumn(id_at).getInt64();
        if (summary.rows == 1) summary.first_id = summary.last_id;
    }
    sink.end();
    return summary;
}

}  // namespace sapa::storage::detail
