// The outbound queue, delivery statuses, forget and exports on PostgreSQL.

#include "storage/postgres/detail/pg_connection.hpp"
#include "storage/sql/export_queries.hpp"
#include "storage/stored_form.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace sapa::storage::pg {
namespace {

// Moves message `id` to `to` if that is forward; records code, reason and time.
bool set_status(connection& c,
                std::int64_t id,
                delivery_status to,
                const std::string& raw_code,
                const std::string& reason,
                unix_seconds now) {
    auto r =
        c.prepared("SELECT status FROM messages WHERE id = $1 AND direction = 'out'", {number(id)});
    if (r.rows() == 0) return false;
    auto from = messaging::delivery_status_from_string(r.text(0, 0));
    if (!from || !messaging::moves_forward(*from, to)) return false;
    c.prepared(
        "UPDATE messages SET status = $2, status_code = nullif($3, ''), "
        "  status_reason = nullif($4, ''), status_at = $5 WHERE id = $1",
        {number(id), text(to_string(to)), text(raw_code), text(reason), number(now)});
    return true;
}

void remove_job(connection& c, std::int64_t id) {
    c.prepared("DELETE FROM outbound_queue WHERE message_id = $1", {number(id)});
}

}  // namespace

std::vector<outbound_job> claim_outbound(
    connection& c, const std::string& channel, unix_seconds now, int limit, unix_seconds lease) {
    // Due, and the oldest unfinished job of its contact on this channel (except that a reply
    // passes proactive jobs that are not due); replies first. SKIP LOCKED: a job another
    // instance is claiming right now is left to it.
    auto r = c.prepared(
        "WITH picked AS (SELECT q.message_id FROM outbound_queue q "
        "  JOIN messages pm ON pm.id = q.message_id "
        "  WHERE q.channel = $1 "
        "    AND ((q.state = 'pending' AND q.next_attempt_at <= $2) "
        "         OR (q.state = 'leased' AND q.lease_until <= $2)) "
        "    AND NOT EXISTS (SELECT 1 FROM outbound_queue e "
        "      JOIN messages em ON em.id = e.message_id "
        "      WHERE e.contact_id = q.contact_id AND e.channel = q.channel "
        "      AND e.message_id < q.message_id "
        "      AND NOT (pm.reply_to IS NOT NULL AND em.reply_to IS NULL "
        "               AND e.state = 'pending' AND e.next_attempt_at > $2)) "
        "  ORDER BY pm.reply_to IS NULL, q.message_id LIMIT $3 FOR UPDATE OF q SKIP LOCKED) "
        "UPDATE outbound_queue q SET state = 'leased', lease_until = $4 "
        "FROM picked, messages m, contacts k "
        "WHERE q.message_id = picked.message_id AND m.id = q.message_id AND k.id = q.contact_id "
        "RETURNING q.message_id, k.address, m.text, m.payload, q.attempts, "
        "  coalesce(m.reply_to, 0), coalesce(k.fields::jsonb ->> 'timezone', ''), "
        "  coalesce((SELECT i.created_at FROM messages i WHERE i.contact_id = q.contact_id "
        "    AND i.direction = 'in' AND i.channel = q.channel ORDER BY i.id DESC LIMIT 1), 0), "
        "  coalesce(q.attempt_at, 0)",
        {text(channel), number(now), number(limit), number(now + lease)});
    std::vector<outbound_job> jobs;
    for (int i = 0; i < r.rows(); ++i) {
        outbound_job job;
        job.id = r.integer(i, 0);
        job.channel = channel;
        job.contact = r.text(i, 1);
        job.message = reply_from_payload(r.text(i, 2), r.view(i, 3));
        job.attempts = static_cast<int>(r.integer(i, 4));
        job.reply_to = r.integer(i, 5);
        job.time_zone = r.text(i, 6);
        job.last_inbound_at = r.integer(i, 7);
        job.in_doubt_since = r.integer(i, 8);
        jobs.push_back(std::move(job));
    }
    std::sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) {
        return std::pair(a.reply_to == 0, a.id) < std::pair(b.reply_to == 0, b.id);
    });
    return jobs;
}

void complete_outbound(connection& c,
                       std::int64_t id,
                       const std::string& provider_message_id,
                       unix_seconds now) {
    set_status(c, id, delivery_status::sent, {}, {}, now);
    c.prepared(
        "UPDATE messages SET gateway_message_id = nullif($2, '') "
        "WHERE id = $1 AND direction = 'out'",
        {number(id), text(provider_message_id)});
    remove_job(c, id);
}

// The job is due again at `when`, with `attempts` more failed attempts counted.
static void reschedule(
    connection& c, std::int64_t id, unix_seconds when, const std::string& reason, int attempts) {
    c.prepared(
        "UPDATE outbound_queue SET state = 'pending', attempts = attempts + $4, "
        "  next_attempt_at = $2, lease_until = NULL, last_error = $3, attempt_at = NULL "
        "WHERE message_id = $1",
        {number(id), number(when), text(reason), number(attempts)});
}

void retry_outbound(connection& c,
                    std::int64_t id,
                    unix_seconds next_attempt_at,
                    const std::string& reason) {
    reschedule(c, id, next_attempt_at, reason, 1);
}

void defer_outbound(connection& c,
                    std::int64_t id,
                    unix_seconds not_before,
                    const std::string& reason) {
    reschedule(c, id, not_before, reason, 0);
}

void begin_outbound_attempt(connection& c, std::int64_t id, unix_seconds now) {
    c.prepared("UPDATE outbound_queue SET attempt_at = $2 WHERE message_id = $1",
               {number(id), number(now)});
}

void fail_outbound(connection& c,
                   std::int64_t id,
                   const std::string& raw_code,
                   const std::string& reason,
                   unix_seconds now) {
    set_status(c, id, delivery_status::failed, raw_code, reason, now);
    remove_job(c, id);
}

bool update_delivery(connection& c,
                     const std::string& channel,
                     const std::string& provider_message_id,
                     delivery_status status,
                     const std::string& raw_code,
                     const std::string& reason,
                     unix_seconds now) {
    auto r = c.prepared(
        "SELECT id FROM messages "
        "WHERE channel = $1 AND gateway_message_id = $2 AND direction = 'out'",
        {text(channel), text(provider_message_id)});
    if (r.rows() == 0) return false;
    return set_status(c, r.integer(0, 0), status, raw_code, reason, now);
}

forget_counts forget(connection& c, const std::string& address, unix_seconds now) {
    forget_counts counts;
    lock(c, "contact:" + address);  // no message of the contact is being processed meanwhile
    auto found = c.prepared("SELECT id FROM contacts WHERE address = $1", {text(address)});
    if (found.rows() == 0) return counts;
    const auto id = found.integer(0, 0);
    counts.contacts = 1;
    char anonymous[32];
    std::snprintf(anonymous, sizeof anonymous, "anon-%06lld", static_cast<long long>(id));
    const auto key = number(id);
    c.prepared(
        "UPDATE contacts SET address = $2, language = '', fields = '{}', erased_at = $3 "
        "WHERE id = $1",
        {key, text(anonymous), number(now)});
    c.prepared("DELETE FROM sessions WHERE contact_id = $1", {key});
    counts.messages =
        c.prepared(
             "UPDATE messages SET text = '[dihapus]', payload = NULL, match_detail = NULL "
             "WHERE contact_id = $1 AND (text IS DISTINCT FROM '[dihapus]' OR payload IS NOT NULL)",
             {key})
            .affected();
    counts.events = c.prepared(
                         "UPDATE events SET detail = NULL, data = NULL "
                         "WHERE message_id IN (SELECT id FROM messages WHERE contact_id = $1) "
                         "  AND (detail IS NOT NULL OR data IS NOT NULL)",
                         {key})
                        .affected();
    counts.registrations =
        c.prepared(
             "UPDATE registrations SET fields = '{}' WHERE contact_id = $1 AND fields <> '{}'",
             {key})
            .affected();
    // Replies not sent yet would now carry "[dihapus]": they are not sent.
    c.prepared(
        "UPDATE messages SET status = 'failed', status_reason = 'contact erased', status_at = $2 "
        "WHERE id IN (SELECT message_id FROM outbound_queue WHERE contact_id = $1)",
        {key, number(now)});
    c.prepared("DELETE FROM outbound_queue WHERE contact_id = $1", {key});
    return counts;
}

std::vector<queue_backlog> outbound_backlog(connection& c) {
    auto r = c.prepared(
        "SELECT q.channel, count(*), min(m.created_at) FROM outbound_queue q "
        "JOIN messages m ON m.id = q.message_id GROUP BY q.channel ORDER BY q.channel",
        {});
    std::vector<queue_backlog> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.text(i, 0), r.integer(i, 1), r.integer(i, 2)});
    return out;
}

bool mark_request_done(connection& c, std::int64_t request_id, unix_seconds now) {
    auto found = c.prepared(
        "SELECT 1 FROM events WHERE id = $1 AND kind IN ('handoff_requested', 'erase_requested')",
        {number(request_id)});
    if (found.rows() == 0) return false;
    c.prepared(
        "INSERT INTO requests_done (event_id, done_at) VALUES ($1, $2) "
        "ON CONFLICT (event_id) DO NOTHING",
        {number(request_id), number(now)});
    return true;
}

// --- Exports ---

namespace {

using query_parts = sql::export_query;  // shared with the SQLite store (storage/sql)

query_parts parts_for(export_kind kind) {
    return sql::export_query_for(kind);
}

// The WHERE clause for `filter` and its parameters, numbered $1...
struct where_clause {
    std::string sql;
    std::vector<param> params;
};

where_clause where_for(const query_parts& p, const export_filter& f) {
    where_clause w;
    auto add = [&w](std::string clause, param value) {
        w.params.push_back(std::move(value));
        const auto placeholder = "$" + std::to_string(w.params.size());
        if (auto at = clause.find("$course"); at != std::string::npos)
            clause.replace(at, 7, placeholder);
        else
            clause += placeholder;
        w.sql += w.sql.empty() ? " WHERE " : " AND ";
        w.sql += clause;
    };
    if (p.condition) w.sql = std::string(" WHERE ") + p.condition;
    if (f.since) add(std::string(p.since_column) + " >= ", number(*f.since));
    if (f.course) add(p.course_clause, text(*f.course));
    if (f.contact) add("k.address = ", text(normalize_address(*f.contact)));
    for (const auto& c : sql::page_clauses(p, f)) {
        w.params.push_back(c.number ? number(std::stoll(c.value)) : text(c.value));
        w.sql += w.sql.empty() ? " WHERE " : " AND ";
        w.sql += sql::with_placeholder(c.sql, "$" + std::to_string(w.params.size()));
    }
    if (f.search && p.searchable) {
        // The code, else the name fields; the fields' text must contain the words first.
        w.params.push_back(text(sql::like_pattern(valid_utf8(*f.search))));
        const auto words = "$" + std::to_string(w.params.size());
        w.params.push_back(text(sql::like_pattern(json_string_content(*f.search))));
        const auto json = "$" + std::to_string(w.params.size());
        w.sql += w.sql.empty() ? " WHERE " : " AND ";
        w.sql += "(r.code ILIKE " + words + " OR (r.fields ILIKE " + json +
                 " AND EXISTS (SELECT 1 FROM jsonb_each_text(r.fields::jsonb) j WHERE "
                 "(strpos(j.key, 'nama') > 0 OR strpos(j.key, 'name') > 0) AND j.value ILIKE " +
                 words + ")))";
    }
    return w;
}

}  // namespace

export_summary export_rows(connection& c,
                           export_kind kind,
                           const export_filter& filter,
                           row_sink& sink) {
    auto p = parts_for(kind);
    auto w = where_for(p, filter);
    auto columns = fixed_columns(kind);
    const auto fixed = columns.size();

    // One snapshot for both passes; a read-only transaction never holds up the writers.
    c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    std::vector<std::string> names;
    // A page: at most `limit` rows, the id (the cursor) last.
    const auto limit = filter.limit ? " LIMIT " + std::to_string(*filter.limit) : std::string();
    if (p.fields_column) {
        auto found = c.query(
            filter.limit
                ? std::string("SELECT j.key FROM (SELECT ") + p.fields_column + " AS f, " +
                      p.id_column + " AS rid FROM " + p.from + w.sql + sql::order_by(p, filter) +
                      limit +
                      ") s CROSS JOIN LATERAL jsonb_object_keys(s.f::jsonb) AS j(key) GROUP BY "
                      "j.key ORDER BY min(s.rid), j.key"
                : std::string("SELECT j.key FROM ") + p.from +
                      " CROSS JOIN LATERAL jsonb_object_keys(" + p.fields_column +
                      "::jsonb) AS j(key)" + w.sql + " GROUP BY j.key ORDER BY min(" + p.id_column +
                      "), j.key",
            w.params);
        for (int i = 0; i < found.rows(); ++i)
            names.push_back(found.text(i, 0));
    }
    const field_columns fields(columns, names);
    sink.begin(columns);
    // A cursor: the server hands the rows over a batch at a time, so memory stays flat.
    c.query(std::string("DECLARE export_rows NO SCROLL CURSOR FOR SELECT ") + p.select + ", " +
                p.id_column + " FROM " + p.from + w.sql + sql::order_by(p, filter) + limit,
            w.params);
    const int id_at = static_cast<int>(fixed) + (p.fields_column ? 1 : 0);
    std::vector<export_value> values(columns.size());
    export_summary summary;
    for (;;) {
        auto batch = c.query("FETCH 1000 FROM export_rows");
        if (batch.rows() == 0) break;
        for (int row = 0; row < batch.rows(); ++row) {
            for (std::size_t i = 0; i < fixed; ++i) {
                const int col = static_cast<int>(i);
                if (batch.null(row, col)) {
                    values[i] = std::monostate{};
                } else if (columns[i].type == column_type::text) {
                    values[i] = batch.text(row, col);
                } else {
                    values[i] = batch.integer(row, col);
                }
            }
            if (p.fields_column) fields.fill(values, batch.view(row, static_cast<int>(fixed)));
            sink.row(values);
            ++summary.rows;
            summary.last_id = batch.integer(row, id_at);
            if (summary.rows == 1) summary.first_id = summary.last_id;
        }
    }
    c.exec("COMMIT");
    sink.end();
    return summary;
}

}  // namespace sapa::storage::pg
