// The staff console's tables: accounts, signed-in sessions, the audit log.

#include "storage/sqlite/detail/sqlite_connection.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <string_view>

namespace sapa::storage::detail {
namespace {

staff_account account_from(SQLite::Statement& q, int first) {
    return {q.getColumn(first).getInt64(),
            q.getColumn(first + 1).getString(),
            q.getColumn(first + 2).getString(),
            q.getColumn(first + 3).getString(),
            q.getColumn(first + 4).getInt64()};
}

}  // namespace

std::int64_t add_staff(connection& c, const staff_account& a) {
    auto& q = c.prepared(
        "INSERT OR IGNORE INTO staff (name, password_hash, role, created_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    q.bind(1, a.name);
    q.bind(2, a.password_hash);
    q.bind(3, a.role);
    q.bind(4, a.created_at);
    if (q.exec() == 0) return 0;
    return c.db().getLastInsertRowid();
}

std::optional<staff_account> find_staff(connection& c, const std::string& name) {
    auto& q =
        c.prepared("SELECT id, name, password_hash, role, created_at FROM staff WHERE name = ?1");
    q.bind(1, name);
    if (!q.executeStep()) return std::nullopt;
    return account_from(q, 0);
}

void add_staff_session(connection& c, const staff_session& s) {
    auto& q = c.prepared(
        "INSERT OR REPLACE INTO staff_sessions "
        "(token_hash, staff_id, csrf_token, created_at, last_seen_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    q.bind(1, s.token_hash);
    q.bind(2, s.staff_id);
    q.bind(3, s.csrf_token);
    q.bind(4, s.created_at);
    q.bind(5, s.last_seen_at);
    q.exec();
}

std::optional<staff_login> find_staff_session(connection& c, const std::string& token_hash) {
    auto& q = c.prepared(
        "SELECT s.token_hash, s.staff_id, s.csrf_token, s.created_at, s.last_seen_at, "
        "       a.id, a.name, a.password_hash, a.role, a.created_at "
        "FROM staff_sessions s JOIN staff a ON a.id = s.staff_id WHERE s.token_hash = ?1");
    q.bind(1, token_hash);
    if (!q.executeStep()) return std::nullopt;
    staff_session s{q.getColumn(0).getString(),
                    q.getColumn(1).getInt64(),
                    q.getColumn(2).getString(),
                    q.getColumn(3).getInt64(),
                    q.getColumn(4).getInt64()};
    return staff_login{std::move(s), account_from(q, 5)};
}

void touch_staff_session(connection& c, const std::string& token_hash, unix_seconds now) {
    auto& q = c.prepared(
        "UPDATE staff_sessions SET last_seen_at = max(last_seen_at, ?2) WHERE token_hash = ?1");
    q.bind(1, token_hash);
    q.bind(2, now);
    q.exec();
}

void end_staff_session(connection& c, const std::string& token_hash) {
    auto& q = c.prepared("DELETE FROM staff_sessions WHERE token_hash = ?1");
    q.bind(1, token_hash);
    q.exec();
}

int end_stale_staff_sessions(connection& c, unix_seconds idle_before, unix_seconds begun_before) {
    auto& q = c.prepared("DELETE FROM staff_sessions WHERE last_seen_at < ?1 OR created_at < ?2");
    q.bind(1, idle_before);
    q.bind(2, begun_before);
    return q.exec();
}

std::int64_t add_audit(connection& c, const audit_entry& e) {
    auto& q = c.prepared(
        "INSERT INTO audit_log (at, staff, action, object, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    q.bind(1, e.at);
    q.bind(2, e.staff);
    q.bind(3, e.action);
    q.bind(4, e.object);
    q.bind(5, e.detail);
    q.exec();
    return c.db().getLastInsertRowid();
}

std::vector<audit_entry> audit_log(connection& c, std::int64_t before_id, int limit) {
    auto& q = c.prepared(
        "SELECT id, at, staff, action, object, detail FROM audit_log "
        "WHERE ?1 <= 0 OR id < ?1 ORDER BY id DESC LIMIT ?2");
    q.bind(1, before_id);
    q.bind(2, limit);
    std::vector<audit_entry> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(),
                       q.getColumn(1).getInt64(),
                       q.getColumn(2).getString(),
                       q.getColumn(3).getString(),
                       q.getColumn(4).getString(),
                       q.getColumn(5).getString()});
    return out;
}

}  // namespace sapa::storage::detail
