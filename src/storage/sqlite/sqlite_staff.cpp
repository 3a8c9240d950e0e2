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

namespace sapa::storage::detail {

std::vector<funnel_row> funnel(connection& c, const funnel_query& q) {
    // The period's steps (1 reached, 2 warned, 3 started, 4 registered, 5 attended) per
    // contact and day, read from two index ranges (messages_out_time, events_funnel: no table
    // row) and the registrations marked attended (a few: a scan of registrations), and
    // gathered here in a hash map; then each contact's kecamatan, once (contact_places, kept
    // by triggers, a tenth of a contact row's size). With 100,000 contacts reached in the
    // period, SQLite's own GROUP BY and count(DISTINCT) over the rows joined with the contacts
    // took about twice as long (bench/README.md, "Console pages").
    auto& steps = c.prepared(
        "SELECT m.contact_id, m.created_at, 1 FROM messages m "
        "WHERE m.direction = 'out' AND m.created_at >= ?1 "
        "UNION ALL "
        "SELECT e.contact_id, e.created_at, "
        "  CASE WHEN e.kind = 'registration_completed' THEN 4 "
        "       WHEN instr(e.node, ?2) > 0 THEN 2 ELSE 3 END "
        "FROM events e WHERE e.created_at >= ?1 "
        "  AND e.kind IN ('node_entered', 'registration_completed') "
        "  AND (e.kind = 'registration_completed' OR instr(e.node, ?2) > 0 OR "
        "    instr(e.node, ?3) > 0) "
        "UNION ALL "
        "SELECT r.contact_id, r.updated_at, 5 FROM registrations r "
        "WHERE r.status = 'attended' AND r.updated_at >= ?1");
    steps.bind(1, q.since);
    steps.bind(2, q.warning_node);
    steps.bind(3, q.signup_node);
    const std::int64_t offset = static_cast<std::int64_t>(q.utc_offset_minutes) * 60;
    struct key_hash {
        std::size_t operator()(const std::pair<std::int64_t, std::int64_t>& k) const {
            return std::hash<std::int64_t>()(k.first * 1'000'003 ^ k.second);
        }
    };
    // (day number, contact) -> the steps seen, one bit each.
    std::unordered_map<std::pair<std::int64_t, std::int64_t>, unsigned, key_hash> seen;
    while (steps.executeStep()) {
        const auto at = steps.getColumn(1).getInt64() + offset;
        const auto day = at >= 0 ? at / 86400 : (at - 86399) / 86400;
        seen[{day, steps.getColumn(0).getInt64()}] |= 1u << steps.getColumn(2).getInt();
    }
    // Each contact's kecamatan (as a number: its place in `names`), in one statement over the
    // contacts' ids in order, from contact_places (a contact without a row has none; every
    // id here is a contact's: messages and events reference them).
    std::vector<std::int64_t> ids;
    ids.reserve(seen.size());
    for (const auto& [k, bits] : seen)
        ids.push_back(k.second);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::string list = "[";
    for (auto id : ids) {
        if (list.size() > 1) list += ',';
        list += std::to_string(id);
    }
    list += "]";
    SQLite::Statement places(c.db(),
                             "SELECT j.value, coalesce(p.kecamatan, '') FROM json_each(?1) j "
                             "LEFT JOIN contact_places p ON p.contact_id = j.value");
    places.bind(1, list);
    std::vector<std::string> names;
    std::unordered_map<std::string, std::size_t> name_at;
    std::unordered_map<std::int64_t, std::size_t> kecamatan;
    kecamatan.reserve(ids.size());
    while (places.executeStep()) {
        auto name = places.getColumn(1).getString();
        auto [at, added] = name_at.emplace(name, names.size());
        if (added) names.push_back(std::move(name));
        kecamatan.emplace(places.getColumn(0).getInt64(), at->second);
    }
    // (day number, kecamatan) -> distinct contacts per step.
    std::unordered_map<std::pair<std::int64_t, std::int64_t>, std::array<std::int64_t, 5>, key_hash>
        counts;
    for (const auto& [k, bits] : seen) {
        auto place = kecamatan.find(k.second);
        if (place == kecamatan.end()) continue;  // no such contact
        auto& n = counts[{k.first, static_cast<std::int64_t>(place->second)}];
        for (unsigned step = 1; step <= 5; ++step)
            if (bits & (1u << step)) ++n[step - 1];
    }
    // Newest day first, then kecamatan by name.
    std::vector<funnel_row> out;
    for (const auto& [k, n] : counts)
        out.push_back({format_timestamp(k.first * 86400, 0, false).substr(0, 10),
                       names[static_cast<std::size_t>(k.second)],
                       n[0],
                       n[1],
                       n[2],
                       n[3],
                       n[4]});
    std::sort(out.begin(), out.end(), [](const funnel_row& a, const funnel_row& b) {
        return a.day != b.day ? a.day > b.day : a.kecamatan < b.kecamatan;
    });
    if (out.size() > static_cast<std::size_t>(std::max(q.limit, 0)))
        out.resize(static_cast<std::size_t>(std::max(q.limit, 0)));
    return out;
}

std::vector<delivery_health> delivery(connection& c, unix_seconds since) {
    // The period's outbound messages, one range of messages_out_time (no table row), counted
    // here per channel: SQLite's GROUP BY channel sorted them first and took twice as long.
    auto& rows = c.prepared(
        "SELECT channel, status FROM messages WHERE direction = 'out' AND created_at >= ?1");
    rows.bind(1, since);
    std::map<std::string, delivery_health, std::less<>> by_channel;
    while (rows.executeStep()) {
        const std::string_view channel = rows.getColumn(0).getText();
        const std::string_view status = rows.getColumn(1).getText();
        auto it = by_channel.find(channel);
        if (it == by_channel.end())
            it = by_channel.emplace(channel, delivery_health{std::string(channel), 0, 0, 0, 0, {}})
                     .first;
        auto& h = it->second;
        const bool delivered = status == "delivered" || status == "read";
        h.sent += delivered || status == "sent";
        h.delivered += delivered;
        h.failed += status == "failed";
        h.waiting += status == "queued";
    }
    std::vector<delivery_health> out;
    for (auto& [channel, h] : by_channel)
        out.push_back(std::move(h));
    auto& reasons = c.prepared(
        "SELECT channel, coalesce(nullif(status_reason, ''), nullif(status_code, ''), 'unknown'), "
        "  count(*) AS n "
        "FROM messages WHERE direction = 'out' AND status = 'failed' AND created_at >= ?1 "
        "GROUP BY 1, 2 ORDER BY 1, n DESC, 2");
    reasons.bind(1, since);
    while (reasons.executeStep()) {
        const auto channel = reasons.getColumn(0).getString();
        for (auto& h : out)
            if (h.channel == channel && h.top_failures.size() < 3)
                h.top_failures.emplace_back(reasons.getColumn(1).getString(),
                                            reasons.getColumn(2).getInt64());
    }
    return out;
}

}  // namespace sapa::storage::detail
