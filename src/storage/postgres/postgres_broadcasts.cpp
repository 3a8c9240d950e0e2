// Broadcasts and their recipients, as the SQLite store keeps them.

#include "storage/postgres/detail/pg_connection.hpp"
#include "storage/stored_form.hpp"

namespace sapa::storage::pg {
namespace {

broadcast_record read_broadcast(const result& r, int row) {
    broadcast_record b;
    b.id = r.integer(row, 0);
    b.channel = r.text(row, 1);
    b.segment = r.text(row, 2);
    opening_from_json(r.view(row, 3), b);
    b.created_at = r.integer(row, 4);
    b.start_at = r.integer(row, 5);
    b.budget = r.integer(row, 6);
    b.spent = r.integer(row, 7);
    b.status = broadcast_status_from_string(r.view(row, 8)).value_or(broadcast_status::done);
    b.reason = r.text(row, 9);
    return b;
}

}  // namespace

std::int64_t broadcasts::add_broadcast(const broadcast_record& b) {
    auto r = c_.prepared(
        "INSERT INTO broadcasts (channel, segment, opening, created_at, start_at, budget, "
        "  spent, status, reason) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING id",
        {text(b.channel),
         text(b.segment),
         text(opening_to_json(b)),
         number(b.created_at),
         number(b.start_at),
         number(b.budget),
         text(to_string(b.status)),
         text(b.reason)});
    return r.integer(0, 0);
}

std::optional<broadcast_record> broadcasts::find_broadcast(std::int64_t id) {
    auto r = c_.prepared(
        "SELECT id, channel, segment, opening, created_at, start_at, budget, spent, status, "
        "reason FROM broadcasts WHERE id = $1",
        {number(id)});
    if (r.rows() == 0) return std::nullopt;
    return read_broadcast(r, 0);
}

std::vector<broadcast_record> broadcasts::list_broadcasts() {
    auto r = c_.prepared(
        "SELECT id, channel, segment, opening, created_at, start_at, budget, spent, status, "
        "reason FROM broadcasts ORDER BY id DESC");
    std::vector<broadcast_record> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(read_broadcast(r, i));
    return out;
}

void broadcasts::set_broadcast_status(std::int64_t id,
                                      broadcast_status status,
                                      const std::string& reason) {
    c_.prepared("UPDATE broadcasts SET status = $2, reason = $3 WHERE id = $1",
                {number(id), text(to_string(status)), text(reason)});
}

void broadcasts::add_recipients(std::int64_t broadcast,
                                const std::vector<std::int64_t>& contact_ids) {
    if (contact_ids.empty()) return;
    std::string ids = "{";
    for (auto id : contact_ids) {
        if (ids.size() > 1) ids += ',';
        ids += std::to_string(id);
    }
    ids += '}';
    c_.prepared(
        "INSERT INTO broadcast_recipients (broadcast_id, contact_id, status) "
        "SELECT $1, unnest($2::bigint[]), 'waiting' ON CONFLICT DO NOTHING",
        {number(broadcast), text(ids)});
}

std::vector<segment_member> broadcasts::waiting_recipients(std::int64_t broadcast,
                                                           std::int64_t after,
                                                           int limit) {
    auto r = c_.prepared(
        "SELECT r.contact_id, k.address FROM broadcast_recipients r "
        "JOIN contacts k ON k.id = r.contact_id "
        "WHERE r.broadcast_id = $1 AND r.contact_id > $2 AND r.status = 'waiting' "
        "ORDER BY r.contact_id LIMIT $3",
        {number(broadcast), number(after), number(limit)});
    std::vector<segment_member> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.integer(i, 0), r.text(i, 1)});
    return out;
}

std::optional<recipient_status> broadcasts::recipient(std::int64_t broadcast,
                                                      std::int64_t contact_id) {
    auto r = c_.prepared(
        "SELECT status FROM broadcast_recipients WHERE broadcast_id = $1 AND contact_id = $2 "
        "FOR UPDATE",
        {number(broadcast), number(contact_id)});
    if (r.rows() == 0) return std::nullopt;
    return recipient_status_from_string(r.view(0, 0));
}

void broadcasts::mark_queued(std::int64_t broadcast,
                             std::int64_t contact_id,
                             std::int64_t first_message,
                             std::int64_t last_message,
                             std::int64_t segments) {
    c_.prepared(
        "UPDATE broadcast_recipients SET status = 'queued', first_message = $3, "
        "  last_message = $4, segments = $5 WHERE broadcast_id = $1 AND contact_id = $2",
        {number(broadcast),
         number(contact_id),
         number(first_message),
         number(last_message),
         number(segments)});
    c_.prepared("UPDATE broadcasts SET spent = spent + $2 WHERE id = $1",
                {number(broadcast), number(segments)});
}

void broadcasts::mark_skipped(std::int64_t broadcast,
                              std::int64_t contact_id,
                              const std::string& reason) {
    c_.prepared(
        "UPDATE broadcast_recipients SET status = 'skipped', reason = $3 "
        "WHERE broadcast_id = $1 AND contact_id = $2",
        {number(broadcast), number(contact_id), text(reason)});
}

std::int64_t broadcasts::skip_waiting(std::int64_t broadcast, const std::string& reason) {
    auto r = c_.prepared(
        "UPDATE broadcast_recipients SET status = 'skipped', reason = $2 "
        "WHERE broadcast_id = $1 AND status = 'waiting'",
        {number(broadcast), text(reason)});
    return r.affected();
}

std::int64_t broadcasts::fail_unsent(std::int64_t broadcast,
                                     const std::string& raw_code,
                                     const std::string& reason,
                                     unix_seconds now) {
    // Pending jobs only: a leased one is with a sender, which records what happened.
    auto r = c_.prepared(
        "SELECT q.message_id FROM broadcast_recipients r JOIN outbound_queue q "
        "  ON q.contact_id = r.contact_id "
        "  AND q.message_id BETWEEN r.first_message AND r.last_message "
        "WHERE r.broadcast_id = $1 AND r.status = 'queued' AND q.state = 'pending' "
        "FOR UPDATE OF q",
        {number(broadcast)});
    for (int i = 0; i < r.rows(); ++i)
        fail_outbound(c_, r.integer(i, 0), raw_code, reason, now);
    return r.rows();
}

broadcast_counts broadcasts::count_recipients(std::int64_t broadcast) {
    auto r = c_.prepared(
        "SELECT r.status, coalesce(m.status, ''), count(*) FROM broadcast_recipients r "
        "LEFT JOIN messages m ON m.id = r.first_message "
        "WHERE r.broadcast_id = $1 GROUP BY 1, 2",
        {number(broadcast)});
    broadcast_counts out;
    for (int i = 0; i < r.rows(); ++i)
        count_recipient(out, r.view(i, 0), r.view(i, 1), r.integer(i, 2));
    return out;
}

bool broadcasts::add_broadcast_key(const std::string& key, std::int64_t broadcast) {
    // Another instance's insert of the same key, not yet committed, makes this one wait for
    // it: then nothing is written here.
    auto r = c_.prepared(
        "INSERT INTO broadcast_keys (key, broadcast_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        {text(key), number(broadcast)});
    return r.affected() == 1;
}

std::optional<std::int64_t> broadcasts::broadcast_with_key(const std::string& key) {
    auto r = c_.prepared("SELECT broadcast_id FROM broadcast_keys WHERE key = $1", {text(key)});
    if (r.rows() == 0) return std::nullopt;
    return r.integer(0, 0);
}

}  // namespace sapa::storage::pg
