// Broadcasts and their recipients.

#include "storage/sqlite/detail/sqlite_connection.hpp"
#include "storage/stored_form.hpp"

namespace sapa::storage::detail {
namespace {

broadcast_record read_broadcast(SQLite::Statement& q) {
    broadcast_record b;
    b.id = q.getColumn(0).getInt64();
    b.channel = q.getColumn(1).getString();
    b.segment = q.getColumn(2).getString();
    opening_from_json(q.getColumn(3).getString(), b);
    b.created_at = q.getColumn(4).getInt64();
    b.start_at = q.getColumn(5).getInt64();
    b.budget = q.getColumn(6).getInt64();
    b.spent = q.getColumn(7).getInt64();
    b.status =
        broadcast_status_from_string(q.getColumn(8).getString()).value_or(broadcast_status::done);
    b.reason = q.getColumn(9).getString();
    return b;
}

}  // namespace

std::int64_t sqlite_broadcasts::add_broadcast(const broadcast_record& b) {
    auto& q = c_.prepared(
        "INSERT INTO broadcasts (channel, segment, opening, created_at, start_at, budget, "
        "  spent, status, reason) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)");
    q.bind(1, b.channel);
    q.bind(2, b.segment);
    q.bind(3, opening_to_json(b));
    q.bind(4, b.created_at);
    q.bind(5, b.start_at);
    q.bind(6, b.budget);
    q.bind(7, to_string(b.status));
    q.bind(8, b.reason);
    q.exec();
    return c_.db().getLastInsertRowid();
}

std::optional<broadcast_record> sqlite_broadcasts::find_broadcast(std::int64_t id) {
    auto& q = c_.prepared(
        "SELECT id, channel, segment, opening, created_at, start_at, budget, spent, status, "
        "reason FROM broadcasts WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return read_broadcast(q);
}

std::vector<broadcast_record> sqlite_broadcasts::list_broadcasts() {
    auto& q = c_.prepared(
        "SELECT id, channel, segment, opening, created_at, start_at, budget, spent, status, "
        "reason FROM broadcasts ORDER BY id DESC");
    std::vector<broadcast_record> out;
    while (q.executeStep())
        out.push_back(read_broadcast(q));
    return out;
}

void sqlite_broadcasts::set_broadcast_status(std::int64_t id,
                                             broadcast_status status,
                                             const std::string& reason) {
    auto& q = c_.prepared("UPDATE broadcasts SET status = ?2, reason = ?3 WHERE id = ?1");
    q.bind(1, id);
    q.bind(2, to_string(status));
    q.bind(3, reason);
    q.exec();
}

void sqlite_broadcasts::add_recipients(std::int64_t broadcast,
                                       const std::vector<std::int64_t>& contact_ids) {
    auto& q = c_.prepared(
        "INSERT OR IGNORE INTO broadcast_recipients (broadcast_id, contact_id, status) "
        "VALUES (?, ?, 'waiting')");
    for (auto id : contact_ids) {
        q.reset();
        q.bind(1, broadcast);
        q.bind(2, id);
        q.exec();
    }
}

std::vector<segment_member> sqlite_broadcasts::waiting_recipients(std::int64_t broadcast,
                                                                  std::int64_t after,
                                                                  int limit) {
    auto& q = c_.prepared(
        "SELECT r.contact_id, k.address FROM broadcast_recipients r "
        "JOIN contacts k ON k.id = r.contact_id "
        "WHERE r.broadcast_id = ?1 AND r.contact_id > ?2 AND r.status = 'waiting' "
        "ORDER BY r.contact_id LIMIT ?3");
    q.bind(1, broadcast);
    q.bind(2, after);
    q.bind(3, limit);
    std::vector<segment_member> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString()});
    return out;
}

std::optional<recipient_status> sqlite_broadcasts::recipient(std::int64_t broadcast,
                                                             std::int64_t contact_id) {
    auto& q = c_.prepared(
        "SELECT status FROM broadcast_recipients WHERE broadcast_id = ? AND contact_id = ?");
    q.bind(1, broadcast);
    q.bind(2, contact_id);
    if (!q.executeStep()) return std::nullopt;
    return recipient_status_from_string(q.getColumn(0).getString());
}

void sqlite_broadcasts::mark_queued(std::int64_t broadcast,
                                    std::int64_t contact_id,
                                    std::int64_t first_message,
                                    std::int64_t last_message,
                                    std::int64_t segments) {
    auto& q = c_.prepared(
        "UPDATE broadcast_recipients SET status = 'queued', first_message = ?3, "
        "  last_message = ?4, segments = ?5 WHERE broadcast_id = ?1 AND contact_id = ?2");
    q.bind(1, broadcast);
    q.bind(2, contact_id);
    q.bind(3, first_message);
    q.bind(4, last_message);
    q.bind(5, segments);
    q.exec();
    auto& spent = c_.prepared("UPDATE broadcasts SET spent = spent + ?2 WHERE id = ?1");
    spent.bind(1, broadcast);
    spent.bind(2, segments);
    spent.exec();
}

void sqlite_broadcasts::mark_skipped(std::int64_t broadcast,
                                     std::int64_t contact_id,
                                     const std::string& reason) {
    auto& q = c_.prepared(
        "UPDATE broadcast_recipients SET status = 'skipped', reason = ?3 "
        "WHERE broadcast_id = ?1 AND contact_id = ?2");
    q.bind(1, broadcast);
    q.bind(2, contact_id);
    q.bind(3, reason);
    q.exec();
}

std::int64_t sqlite_broadcasts::skip_waiting(std::int64_t broadcast, const std::string& reason) {
    auto& q = c_.prepared(
        "UPDATE broadcast_recipients SET status = 'skipped', reason = ?2 "
        "WHERE broadcast_id = ?1 AND status = 'waiting'");
    q.bind(1, broadcast);
    q.bind(2, reason);
    return q.exec();
}

std::int64_t sqlite_broadcasts::fail_unsent(std::int64_t broadcast,
                                            const std::string& raw_code,
                                            const std::string& reason,
                                            unix_seconds now) {
    // Pending jobs only: a leased one is with a sender, which records what happened.
    auto& q = c_.prepared(
        "SELECT q.message_id FROM broadcast_recipients r JOIN outbound_queue q "
        "  ON q.contact_id = r.contact_id "
        "  AND q.message_id BETWEEN r.first_message AND r.last_message "
        "WHERE r.broadcast_id = ? AND r.status = 'queued' AND q.state = 'pending'");
    q.bind(1, broadcast);
    std::vector<std::int64_t> ids;
    while (q.executeStep())
        ids.push_back(q.getColumn(0).getInt64());
    for (auto id : ids)
        fail_outbound(c_, id, raw_code, reason, now);
    return static_cast<std::int64_t>(ids.size());
}

broadcast_counts sqlite_broadcasts::count_recipients(std::int64_t broadcast) {
    auto& q = c_.prepared(
        "SELECT r.status, coalesce(m.status, ''), count(*) FROM broadcast_recipients r "
        "LEFT JOIN messages m ON m.id = r.first_message "
        "WHERE r.broadcast_id = ? GROUP BY 1, 2");
    q.bind(1, broadcast);
    broadcast_counts out;
    while (q.executeStep())
        count_recipient(
            out, q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64());
    return out;
}

bool sqlite_broadcasts::add_broadcast_key(const std::string& key, std::int64_t broadcast) {
    auto& q = c_.prepared(
        "INSERT INTO broadcast_keys (key, broadcast_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
    q.bind(1, key);
    q.bind(2, broadcast);
    return q.exec() == 1;
}

std::optional<std::int64_t> sqlite_broadcasts::broadcast_with_key(const std::string& key) {
    auto& q = c_.prepared("SELECT broadcast_id FROM broadcast_keys WHERE key = ?");
    q.bind(1, key);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getInt64();
}

}  // namespace sapa::storage::detail
