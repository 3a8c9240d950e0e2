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
