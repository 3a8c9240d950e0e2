// The staff console's tables: accounts, signed-in sessions, the audit log.

#include "storage/postgres/detail/pg_connection.hpp"

namespace sapa::storage::pg {
namespace {

staff_account account_from(const result& r, int first) {
    return {r.integer(0, first),
            r.text(0, first + 1),
            r.text(0, first + 2),
            r.text(0, first + 3),
            r.integer(0, first + 4)};
}

}  // namespace

std::int64_t add_staff(connection& c, const staff_account& a) {
    auto r = c.prepared(
        "INSERT INTO staff (name, password_hash, role, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (name) DO NOTHING RETURNING id",
        {text(a.name), text(a.password_hash), text(a.role), number(a.created_at)});
    return r.rows() == 0 ? 0 : r.integer(0, 0);
}

std::optional<staff_account> find_staff(connection& c, const std::string& name) {
    auto r =
        c.prepared("SELECT id, name, password_hash, role, created_at FROM staff WHERE name = $1",
                   {text(name)});
    if (r.rows() == 0) return std::nullopt;
    return account_from(r, 0);
}

void add_staff_session(connection& c, const staff_session& s) {
    c.prepared(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, last_seen_at) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_hash) DO UPDATE SET "
        "staff_id = EXCLUDED.staff_id, csrf_token = EXCLUDED.csrf_token, "
        "created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at",
        {text(s.token_hash),
         number(s.staff_id),
         text(s.csrf_token),
         number(s.created_at),
         number(s.last_seen_at)});
}

std::optional<staff_login> find_staff_session(connection& c, const std::string& token_hash) {
    auto r = c.prepared(
        "SELECT s.token_hash, s.staff_id, s.csrf_token, s.created_at, s.last_seen_at, "
        "       a.id, a.name, a.password_hash, a.role, a.created_at "
        "FROM staff_sessions s JOIN staff a ON a.id = s.staff_id WHERE s.token_hash = $1",
        {text(token_hash)});
    if (r.rows() == 0) return std::nullopt;
    staff_session s{r.text(0, 0), r.integer(0, 1), r.text(0, 2), r.integer(0, 3), r.integer(0, 4)};
    return staff_login{std::move(s), account_from(r, 5)};
}

void touch_staff_session(connection& c, const std::string& token_hash, unix_seconds now) {
    c.prepared(
        "UPDATE staff_sessions SET last_seen_at = greatest(last_seen_at, $2) "
        "WHERE token_hash = $1",
        {text(token_hash), number(now)});
}

void end_staff_session(connection& c, const std::string& token_hash) {
    c.prepared("DELETE FROM staff_sessions WHERE token_hash = $1", {text(token_hash)});
}

int end_stale_staff_sessions(connection& c, unix_seconds idle_before, unix_seconds begun_before) {
    return c
        .prepared("DELETE FROM staff_sessions WHERE last_seen_at < $1 OR created_at < $2",
                  {number(idle_before), number(begun_before)})
        .affected();
}

std::int64_t add_audit(connection& c, const audit_entry& e) {
    auto r = c.prepared(
        "INSERT INTO audit_log (at, staff, action, object, detail) VALUES ($1, $2, $3, $4, $5) "
        "RETURNING id",
        {number(e.at), text(e.staff), text(e.action), text(e.object), text(e.detail)});
    return r.integer(0, 0);
}

std::vector<audit_entry> audit_log(connection& c, std::int64_t before_id, int limit) {
    auto r = c.prepared(
        "SELECT id, at, staff, action, object, detail FROM audit_log "
        "WHERE $1::bigint <= 0 OR id < $1::bigint ORDER BY id DESC LIMIT $2",
        {number(before_id), number(limit)});
    std::vector<audit_entry> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.integer(i, 0),
                       r.integer(i, 1),
                       r.text(i, 2),
                       r.text(i, 3),
                       r.text(i, 4),
                       r.text(i, 5)});
    return out;
}

}  // namespace sapa::storage::pg

namespace sapa::storage::pg {

std::vector<funnel_row> funnel(connection& c, const funnel_query& q) {
    auto r = c.prepared(
        "SELECT x.day, coalesce(lower(k.fields::jsonb ->> 'kecamatan'), '') AS kec, "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 1), "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 2), "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 3), "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 4), "
        "  count(DISTINCT x.contact_id) FILTER (WHERE x.step = 5) "
        "FROM ("
        "  SELECT m.contact_id, to_char(to_timestamp(m.created_at + $2) AT TIME ZONE 'UTC', "
        "    'YYYY-MM-DD') AS day, 1 AS step "
        "  FROM messages m WHERE m.direction = 'out' AND m.created_at >= $1 "
        "  UNION ALL "
        "  SELECT e.contact_id, to_char(to_timestamp(e.created_at + $2) AT TIME ZONE 'UTC', "
        "    'YYYY-MM-DD'), "
        "    CASE WHEN e.kind = 'registration_completed' THEN 4 "
        "         WHEN strpos(e.node, $3) > 0 THEN 2 ELSE 3 END "
        "  FROM events e WHERE e.created_at >= $1 "
        "    AND e.kind IN ('node_entered', 'registration_completed') "  // events_funnel
        "    AND (e.kind = 'registration_completed' OR strpos(e.node, $3) > 0 OR "
        "      strpos(e.node, $4) > 0)"
        "  UNION ALL "
        "  SELECT r.contact_id, to_char(to_timestamp(r.updated_at + $2) AT TIME ZONE 'UTC', "
        "    'YYYY-MM-DD'), 5 "
        "  FROM registrations r WHERE r.status = 'attended' AND r.updated_at >= $1"
        ") x JOIN contacts k ON k.id = x.contact_id "
        "GROUP BY x.day, kec ORDER BY x.day DESC, kec LIMIT $5",
        {number(q.since),
         number(static_cast<std::int64_t>(q.utc_offset_minutes) * 60),
         text(q.warning_node),
         text(q.signup_node),
         number(q.limit)});
    std::vector<funnel_row> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.text(i, 0),
                       r.text(i, 1),
                       r.integer(i, 2),
                       r.integer(i, 3),
                       r.integer(i, 4),
                       r.integer(i, 5),
                       r.integer(i, 6)});
    return out;
}

std::vector<delivery_health> delivery(connection& c, unix_seconds since) {
    auto totals = c.prepared(
        "SELECT channel, "
        "  count(*) FILTER (WHERE status IN ('sent', 'delivered', 'read')), "
        "  count(*) FILTER (WHERE status IN ('delivered', 'read')), "
        "  count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'queued') "
        "FROM messages WHERE direction = 'out' AND created_at >= $1 "
        "GROUP BY channel ORDER BY channel",
        {number(since)});
    std::vector<delivery_health> out;
    for (int i = 0; i < totals.rows(); ++i)
        out.push_back({totals.text(i, 0),
                       totals.integer(i, 1),
                       totals.integer(i, 2),
                       totals.integer(i, 3),
                       totals.integer(i, 4),
                       {}});
    auto reasons = c.prepared(
        "SELECT channel, coalesce(nullif(status_reason, ''), nullif(status_code, ''), 'unknown') "
        "  AS reason, count(*) AS n "
        "FROM messages WHERE direction = 'out' AND status = 'failed' AND created_at >= $1 "
        "GROUP BY 1, 2 ORDER BY 1, n DESC, 2",
        {number(since)});
    for (int i = 0; i < reasons.rows(); ++i)
        for (auto& h : out)
            if (h.channel == reasons.text(i, 0) && h.top_failures.size() < 3)
                h.top_failures.emplace_back(reasons.text(i, 1), reasons.integer(i, 2));
    return out;
}

}  // namespace sapa::storage::pg
