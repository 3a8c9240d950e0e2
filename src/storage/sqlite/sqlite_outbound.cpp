// The outbound queue (gateways that send by API) and delivery statuses.

#include "storage/sqlite/detail/sqlite_connection.hpp"

namespace sapa::storage::detail {
namespace {

std::optional<delivery_status> outbound_status(connection& c, std::int64_t id) {
    auto& q = c.prepared("SELECT status FROM messages WHERE id = ? AND direction = 'out'");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return messaging::delivery_status_from_string(q.getColumn(0).getString());
}

// Moves message `id` to `to` if that is forward; records code, reason and time.
bool set_status(connection& c,
                std::int64_t id,
                delivery_status to,
                const std::string& raw_code,
                const std::string& reason,
                engine::unix_seconds now) {
    auto from = outbound_status(c, id);
    if (!from || !moves_forward(*from, to)) return false;
    auto& q = c.prepared(
        "UPDATE messages SET status = ?2, status_code = nullif(?3, ''), "
        "  status_reason = nullif(?4, ''), status_at = ?5 WHERE id = ?1");
    q.bind(1, id);
    q.bind(2, to_string(to));
    q.bind(3, raw_code);
    q.bind(4, reason);
    q.bind(5, now);
    q.exec();
    return true;
}

void remove_job(connection& c, std::int64_t id) {
    auto& q = c.prepared("DELETE FROM outbound_queue WHERE message_id = ?");
    q.bind(1, id);
    q.exec();
}

}  // namespace

std::vector<queue_backlog> outbound_backlog(connection& c) {
    auto& q = c.prepared(
        "SELECT q.channel, COUNT(*), MIN(m.created_at) "
        "FROM outbound_queue q JOIN messages m ON m.id = q.message_id "
        "GROUP BY q.channel ORDER BY q.channel");
    std::vector<queue_backlog> out;
    while (q.executeStep())
        out.push_back(
            {q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64()});
    return out;
}

std::vector<outbound_job> claim_outbound(connection& c,
                                         const std::string& channel,
                                         engine::unix_seconds now,
                                         int limit,
                                         engine::unix_seconds lease) {
    // Due, and the oldest unfinished job of its contact on this channel (a contact's messages
    // go out one at a time, in order), except that a reply passes proactive jobs that are not
    // due; replies first.
    auto& q = c.prepared(
        "SELECT q.message_id, k.address, m.text, m.payload, q.attempts, m.reply_to, "
        "  json_extract(k.fields, '$.timezone'), "
        "  (SELECT i.created_at FROM messages i WHERE i.contact_id = q.contact_id "
        "     AND i.direction = 'in' AND i.channel = q.channel ORDER BY i.id DESC LIMIT 1), "
        "  coalesce(q.attempt_at, 0) "
        "FROM outbound_queue q JOIN messages m ON m.id = q.message_id "
        "  JOIN contacts k ON k.id = q.contact_id "
        "WHERE q.channel = ?1 "
        "  AND ((q.state = 'pending' AND q.next_attempt_at <= ?2) "
        "       OR (q.state = 'leased' AND q.lease_until <= ?2)) "
        "  AND NOT EXISTS (SELECT 1 FROM outbound_queue e JOIN messages em ON em.id = e.message_id "
        "    WHERE e.contact_id = q.contact_id AND e.channel = q.channel "
        "    AND e.message_id < q.message_id "
        "    AND NOT (m.reply_to IS NOT NULL AND em.reply_to IS NULL "
        "             AND e.state = 'pending' AND e.next_attempt_at > ?2)) "
        "ORDER BY m.reply_to IS NULL, q.message_id LIMIT ?3");
    q.bind(1, channel);
    q.bind(2, now);
    q.bind(3, limit);
    std::vector<outbound_job> jobs;
    while (q.executeStep()) {
        outbound_job job;
        job.id = q.getColumn(0).getInt64();
        job.channel = channel;
        job.contact = q.getColumn(1).getString();
        job.message = read_reply(q.getColumn(2), q.getColumn(3));
        job.attempts = q.getColumn(4).getInt();
        job.reply_to = q.getColumn(5).isNull() ? 0 : q.getColumn(5).getInt64();
        if (q.getColumn(6).isText()) job.time_zone = q.getColumn(6).getString();
        if (!q.getColumn(7).isNull()) job.last_inbound_at = q.getColumn(7).getInt64();
        job.in_doubt_since = q.getColumn(8).getInt64();
        jobs.push_back(std::move(job));
    }
    for (const auto& job : jobs) {
        auto& u = c.prepared(
            "UPDATE outbound_queue SET state = 'leased', lease_until = ? WHERE message_id = ?");
        u.bind(1, now + lease);
        u.bind(2, job.id);
        u.exec();
    }
    return jobs;
}

void complete_outbound(connection& c,
                       std::int64_t id,
                       const std::string& provider_message_id,
                       engine::unix_seconds now) {
    set_status(c, id, delivery_status::sent, {}, {}, now);
    auto& q = c.prepared(
        "UPDATE messages SET gateway_message_id = nullif(?2, '') WHERE id = ?1 AND direction = "
        "'out'");
    q.bind(1, id);
    q.bind(2, provider_message_id);
    q.exec();
    remove_job(c, id);
}

// The job is due again at `when`, with `attempts` more failed attempts counted.
static void reschedule(connection& c,
                       std::int64_t id,
                       engine::unix_seconds when,
                       const std::string& reason,
                       int attempts) {
    auto& q = c.prepared(
        "UPDATE outbound_queue SET state = 'pending', attempts = attempts + ?4, "
        "  next_attempt_at = ?2, lease_until = NULL, last_error = ?3, attempt_at = NULL "
        "WHERE message_id = ?1");
    q.bind(1, id);
    q.bind(2, when);
    q.bind(3, reason);
    q.bind(4, attempts);
    q.exec();
}

void retry_outbound(connection& c,
                    std::int64_t id,
                    engine::unix_seconds next_attempt_at,
                    const std::string& reason) {
    reschedule(c, id, next_attempt_at, reason, 1);
}

void defer_outbound(connection& c,
                    std::int64_t id,
                    engine::unix_seconds not_before,
                    const std::string& reason) {
    reschedule(c, id, not_before, reason, 0);
}

void begin_outbound_attempt(connection& c, std::int64_t id, engine::unix_seconds now) {
    auto& q = c.prepared("UPDATE outbound_queue SET attempt_at = ? WHERE message_id = ?");
    q.bind(1, now);
    q.bind(2, id);
    q.exec();
}

void fail_outbound(connection& c,
                   std::int64_t id,
                   const std::string& raw_code,
                   const std::string& reason,
                   engine::unix_seconds now) {
    set_status(c, id, delivery_status::failed, raw_code, reason, now);
    remove_job(c, id);
}

bool update_delivery(connection& c,
                     const std::string& channel,
                     const std::string& provider_message_id,
                     delivery_status status,
                     const std::string& raw_code,
                     const std::string& reason,
                     engine::unix_seconds now) {
    auto& q = c.prepared(
        "SELECT id FROM messages "
        "WHERE channel = ? AND gateway_message_id = ? AND direction = 'out'");
    q.bind(1, channel);
    q.bind(2, provider_message_id);
    if (!q.executeStep()) return false;
    auto id = q.getColumn(0).getInt64();
    return set_status(c, id, status, raw_code, reason, now);
}

void release_leases(connection& c) {
    c.db().exec(
        "UPDATE outbound_queue SET state = 'pending', lease_until = NULL "
        "WHERE state = 'leased'");
}

}  // namespace sapa::storage::detail
