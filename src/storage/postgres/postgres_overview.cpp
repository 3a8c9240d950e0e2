// The console's overview on PostgreSQL: the days that are over are counted once and kept, as
// in the SQLite store (storage/sqlite/sqlite_overview.cpp tells how; migration v9 has the
// triggers). Here the reader's own connection marks, counts and keeps, each in a short
// transaction. Several instances write at once, so one more check: a transaction that wrote
// into a day before its marker was committed did not see the marker, and must be over (and
// so in the counting snapshot) before the counts may be kept. The counting snapshot's oldest
// running transaction (xmin) must be newer than every one that could have started before the
// mark (the xmax of a snapshot taken just after it); else the day is counted but not kept.

#include "storage/postgres/detail/pg_connection.hpp"
#include "storage/sql/overview.hpp"

#include <map>
#include <random>

namespace sapa::storage::pg {
namespace {

using sql::delivery_counts;
using sql::funnel_counts;
using sql::open_end;

// Distinct residents per day, kecamatan and step, created in [from, to).
void count_funnel(
    connection& c, const funnel_query& q, unix_seconds from, unix_seconds to, funnel_counts& out) {
    if (from >= to) return;
    auto r = c.prepared(
        "SELECT x.day, coalesce(lower(k.fields::jsonb ->> 'kecamatan'), '') AS kec, "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 1), "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 2), "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 3), "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 4) "
        "FROM ("
        "  SELECT m.contact_id, to_char(to_timestamp(m.created_at + $2) AT TIME ZONE 'UTC', "
        "    'YYYY-MM-DD') AS day, 1 AS step "
        "  FROM messages m WHERE m.direction = 'out' AND m.created_at >= $1 "
        "    AND m.created_at < $5 "
        "  UNION ALL "
        "  SELECT e.contact_id, to_char(to_timestamp(e.created_at + $2) AT TIME ZONE 'UTC', "
        "    'YYYY-MM-DD'), "
        "    CASE WHEN e.kind = 'registration_completed' THEN 4 "
        "         WHEN strpos(e.node, $3) > 0 THEN 2 ELSE 3 END "
        "  FROM events e WHERE e.created_at >= $1 AND e.created_at < $5 "
        "    AND e.kind IN ('node_entered', 'registration_completed') "  // events_funnel
        "    AND (e.kind = 'registration_completed' OR strpos(e.node, $3) > 0 OR "
        "      strpos(e.node, $4) > 0)"
        ") x JOIN contacts k ON k.id = x.contact_id "
        "GROUP BY x.day, kec",
        {number(from),
         number(static_cast<std::int64_t>(q.utc_offset_minutes) * 60),
         text(q.warning_node),
         text(q.signup_node),
         number(to)});
    for (int i = 0; i < r.rows(); ++i) {
        auto& n = out[{r.text(i, 0), r.text(i, 1)}];
        for (int k = 0; k < 4; ++k)
            n[static_cast<std::size_t>(k)] += r.integer(i, k + 2);
    }
}

// Residents marked attended from q.since on, per day and kecamatan (sql::attended_counts),
// from the registrations_attended index: always counted live.
sql::attended_counts count_attended(connection& c, const funnel_query& q) {
    auto r = c.prepared(
        "SELECT to_char(to_timestamp(r.updated_at + $2) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
        "  coalesce(lower(k.fields::jsonb ->> 'kecamatan'), ''), count(DISTINCT r.contact_id) "
        "FROM registrations r JOIN contacts k ON k.id = r.contact_id "
        "WHERE r.status = 'attended' AND r.updated_at >= $1 GROUP BY 1, 2",
        {number(q.since), number(static_cast<std::int64_t>(q.utc_offset_minutes) * 60)});
    sql::attended_counts out;
    for (int i = 0; i < r.rows(); ++i)
        out[{r.text(i, 0), r.text(i, 1)}] += r.integer(i, 2);
    return out;
}

// Outbound messages created in [from, to) per channel and class of status; failures' reasons.
void count_delivery(connection& c, unix_seconds from, unix_seconds to, delivery_counts& out) {
    if (from >= to) return;
    auto totals = c.prepared(
        "SELECT channel, status, count(*) FROM messages "
        "WHERE direction = 'out' AND created_at >= $1 AND created_at < $2 GROUP BY 1, 2",
        {number(from), number(to)});
    for (int i = 0; i < totals.rows(); ++i)
        out[totals.text(i, 0)].by_class[sql::class_of_status(totals.view(i, 1))] +=
            totals.integer(i, 2);
    auto reasons = c.prepared(
        "SELECT channel, coalesce(nullif(status_reason, ''), nullif(status_code, ''), 'unknown'), "
        "  count(*) FROM messages "
        "WHERE direction = 'out' AND status = 'failed' AND created_at >= $1 AND created_at < $2 "
        "GROUP BY 1, 2",
        {number(from), number(to)});
    for (int i = 0; i < reasons.rows(); ++i)
        out[reasons.text(i, 0)].reasons[reasons.text(i, 1)] += reasons.integer(i, 2);
}

// What sql::funnel_pass reads, on this connection in the caller's transaction.
struct pg_source {
    connection& c;
    const funnel_query& q;

    std::map<unix_seconds, sql::day_marker> markers(unix_seconds from, unix_seconds to) {
        auto r = c.prepared(
            "SELECT start, end_at, params, token, filled FROM rollup_days "
            "WHERE start >= $1 AND start < $2",
            {number(from), number(to)});
        std::map<unix_seconds, sql::day_marker> out;
        for (int i = 0; i < r.rows(); ++i)
            out.emplace(r.integer(i, 0),
                        sql::day_marker{
                            r.integer(i, 1), r.text(i, 2), r.integer(i, 3), r.view(i, 4) == "t"});
        return out;
    }
    void add_kept(unix_seconds start, const std::string& day, funnel_counts& counts) {
        auto r = c.prepared(
            "SELECT kecamatan, reached, warned, started, registered FROM funnel_days "
            "WHERE start = $1",
            {number(start)});
        for (int i = 0; i < r.rows(); ++i) {
            auto& n = counts[{day, r.text(i, 0)}];
            for (int k = 0; k < 4; ++k)
                n[static_cast<std::size_t>(k)] += r.integer(i, k + 1);
        }
    }
    void count_funnel(unix_seconds from, unix_seconds to, funnel_counts& out) {
        pg::count_funnel(c, q, from, to, out);
    }
    void count_delivery(unix_seconds from, unix_seconds to, delivery_counts& out) {
        pg::count_delivery(c, from, to, out);
    }
    sql::attended_counts attended() { return count_attended(c, q); }
};

// In the caller's transaction. `keep`: the fills may be kept (see the top of the file).
sql::funnel_pass_result funnel_pass(connection& c,
                                    const funnel_query& q,
                                    const std::vector<sql::overview_day>& days,
                                    bool stop_if_unfilled,
                                    bool keep) {
    pg_source source{c, q};
    return sql::funnel_pass(source, q, days, stop_if_unfilled, keep);
}

// Runs `f` in a transaction begun with `begin`; rolls back when it throws.
template <class F>
auto in_transaction(connection& c, const char* begin, F f) {
    c.exec(begin);
    try {
        auto result = f();
        c.exec("COMMIT");
        return result;
    } catch (...) {
        if (c.usable()) c.exec("ROLLBACK");
        throw;
    }
}

constexpr const char* snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

}  // namespace

std::vector<funnel_row> funnel(connection& c, const funnel_query& q, unix_seconds now) {
    std::vector<sql::overview_day> days;
    auto first = in_transaction(c, snapshot, [&] {
        auto span = c.prepared(
            "SELECT min(a), max(b) FROM ("
            "  SELECT min(created_at) AS a, max(created_at) AS b FROM messages "
            "  WHERE direction = 'out' AND created_at >= $1 "
            "  UNION ALL "
            "  SELECT min(created_at), max(created_at) FROM events "
            "  WHERE kind IN ('node_entered', 'registration_completed') AND created_at >= $1) s",
            {number(q.since)});
        if (!span.null(0, 0))
            days = sql::overview_days(q, span.integer(0, 0), span.integer(0, 1), now);
        return funnel_pass(c, q, days, true, false);
    });
    if (first.unfilled.empty()) return std::move(first.rows);

    static thread_local std::mt19937_64 random{std::random_device{}()};
    const auto params = sql::overview_params(q);
    // Another instance marking the same day at once (a unique key) or a lost connection:
    // this request counts everything, keeps nothing.
    auto live = [&] {
        for (auto& d : days)
            d.token = 0;
        return in_transaction(c, snapshot, [&] { return funnel_pass(c, q, days, false, false); })
            .rows;
    };
    try {
        in_transaction(c, "BEGIN", [&] {
            for (auto& d : days)
                for (const auto& u : first.unfilled)
                    if (u.start == d.start) {
                        d.token = static_cast<std::int64_t>(random() >> 1) | 1;
                        c.prepared("DELETE FROM rollup_days WHERE end_at > $1 AND start < $2",
                                   {number(d.start), number(d.end)});
                        c.prepared(
                            "INSERT INTO rollup_days (start, end_at, params, token, filled) "
                            "VALUES ($1, $2, $3, $4, false)",
                            {number(d.start), number(d.end), text(params), number(d.token)});
                    }
            return 0;
        });
    } catch (const error& e) {
        if (!e.transient()) throw;
        return live();
    }
    const auto after_mark =
        c.query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").text(0, 0);
    auto second = in_transaction(c, snapshot, [&] {
        const bool keep = c.query("SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8",
                                  {text(after_mark)})
                              .view(0, 0) == "t";
        return funnel_pass(c, q, days, false, keep);
    });
    if (!second.fills.empty())
        in_transaction(c, "BEGIN", [&] {
            for (const auto& f : second.fills) {
                auto claimed = c.prepared(
                    "UPDATE rollup_days SET filled = true "
                    "WHERE start = $1 AND token = $2 AND NOT filled RETURNING start",
                    {number(f.day.start), number(f.day.token)});
                if (claimed.rows() != 1) continue;  // written to since it was marked
                for (const auto& [k, n] : f.funnel)
                    c.prepared(
                        "INSERT INTO funnel_days (start, kecamatan, reached, warned, started, "
                        "registered) VALUES ($1, $2, $3, $4, $5, $6)",
                        {number(f.day.start),
                         text(k.second),
                         number(n[0]),
                         number(n[1]),
                         number(n[2]),
                         number(n[3])});
                for (const auto& [channel, kind, name, n] : f.delivery)
                    c.prepared(
                        "INSERT INTO delivery_days (start, channel, kind, name, n) "
                        "VALUES ($1, $2, $3, $4, $5)",
                        {number(f.day.start), text(channel), text(kind), text(name), number(n)});
            }
            return 0;
        });
    return std::move(second.rows);
}

std::vector<delivery_health> delivery(connection& c, unix_seconds since) {
    return in_transaction(c, snapshot, [&] {
        delivery_counts counts;
        auto kept = c.prepared(
            "SELECT start, end_at FROM rollup_days WHERE start >= $1 AND filled ORDER BY start",
            {number(since)});
        unix_seconds at = since;
        for (int i = 0; i < kept.rows(); ++i) {
            const auto start = kept.integer(i, 0);
            count_delivery(c, at, start, counts);
            auto rows =
                c.prepared("SELECT channel, kind, name, n FROM delivery_days WHERE start = $1",
                           {number(start)});
            for (int j = 0; j < rows.rows(); ++j)
                sql::add_delivery_row(
                    counts, rows.text(j, 0), rows.view(j, 1), rows.text(j, 2), rows.integer(j, 3));
            at = kept.integer(i, 1);
        }
        count_delivery(c, at, open_end, counts);
        return sql::delivery_health_of(counts);
    });
}

}  // namespace sapa::storage::pg
