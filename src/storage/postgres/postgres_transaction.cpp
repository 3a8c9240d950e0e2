// The ports of one unit of work on PostgreSQL: contacts, the conversation log, the outbound
// queue and the registration ledger, each a prepared statement or two. A message and its
// events, or a reply and its outbound job, go in one statement (one round trip).

#include "storage/postgres/detail/pg_connection.hpp"
#include "storage/stored_form.hpp"

#include <nlohmann/json.hpp>

namespace sapa::storage::pg {
namespace {

using engine::registration_status;

std::shared_ptr<engine::contact_state> contact_from(const result& r, const std::string& address) {
    auto state = std::make_shared<engine::contact_state>();
    state->address = address;
    state->language = r.text(0, 1);
    state->fields = fields_from_json(r.view(0, 2));
    state->opted_out = r.view(0, 3) == "t";
    if (!r.null(0, 4)) {
        auto j = nlohmann::json::parse(r.view(0, 4), nullptr, false);
        if (j.is_object()) state->session = j.get<engine::session_state>();
    }
    return state;
}

std::optional<contact_record> read_contact(connection& c, const std::string& address) {
    auto r = c.prepared(
        "SELECT c.id, c.language, c.fields, c.opted_out_at IS NOT NULL, s.state "
        "FROM contacts c LEFT JOIN sessions s ON s.contact_id = c.id WHERE c.address = $1",
        {text(address)});
    if (r.rows() == 0) return std::nullopt;
    return contact_record{r.integer(0, 0), contact_from(r, address)};
}

param cost_encoding(const postgres_options& o, const std::string& text, message_cost& cost) {
    if (!o.text_cost) return std::nullopt;
    cost = o.text_cost(text);
    return cost.encoding;
}

param cost_segments(const postgres_options& o, const message_cost& cost) {
    if (!o.text_cost) return std::nullopt;
    return number(cost.segments);
}

// The turn's events as one JSON array, inserted by the message's statement.
std::string events_json(const std::vector<engine::event>& events) {
    auto out = nlohmann::json::array();
    for (const auto& e : events) {
        nlohmann::json row = {{"kind", engine::to_string(e.kind)}, {"node", e.node}};
        if (!e.detail.empty()) row["detail"] = e.detail;
        if (e.matched) row["match"] = engine::to_string(*e.matched);
        if (!e.data.empty()) row["data"] = fields_to_json(e.data);
        out.push_back(std::move(row));
    }
    return out.dump();
}

}  // namespace

void lock(connection& c, const std::string& key) {
    c.prepared("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", {text(key)});
}

std::optional<engine::contact_state> load_contact(connection& c, const std::string& address) {
    auto contact = read_contact(c, address);
    if (!contact) return std::nullopt;
    return *contact->state;
}

// --- Contacts ---

std::optional<contact_record> unit::find_contact(const std::string& address) {
    // First the lock, then the read: the read's snapshot then includes what the instance that
    // held the lock committed (READ COMMITTED takes a snapshot per statement).
    lock(c_, "contact:" + address);
    return read_contact(c_, address);
}

contact_record unit::add_contact(const std::string& address, unix_seconds now) {
    auto r = c_.prepared(
        "INSERT INTO contacts (address, first_seen, last_seen) VALUES ($1, $2, $2) RETURNING id",
        {text(address), number(now)});
    auto fresh = std::make_shared<engine::contact_state>();
    fresh->address = address;
    return {r.integer(0, 0), std::move(fresh)};
}

void unit::save_contact(const contact_record& before,
                        std::shared_ptr<const engine::contact_state> saved,
                        unix_seconds now) {
    const auto& after = *saved;
    const auto& s = after.session;
    const auto node =
        s.stack.empty() ? std::string() : s.stack.back().script_id + "/" + s.stack.back().node_id;
    c_.prepared(
        "WITH c AS (UPDATE contacts SET language = $2, fields = $3, "
        "  opted_out_at = CASE WHEN $4 THEN coalesce(opted_out_at, $5) END, "
        "  last_seen = greatest(last_seen, $5) WHERE id = $1) "
        "INSERT INTO sessions (contact_id, script_id, script_version, status, node, retries, "
        "  last_active, state) VALUES ($1, $6, $7, $8, $9, $10, $11, $12) "
        "ON CONFLICT (contact_id) DO UPDATE SET script_id = excluded.script_id, "
        "  script_version = excluded.script_version, status = excluded.status, "
        "  node = excluded.node, retries = excluded.retries, "
        "  last_active = excluded.last_active, state = excluded.state",
        {number(before.id),
         text(after.language),
         text(fields_to_json(after.fields)),
         text(after.opted_out ? "true" : "false"),
         number(now),
         text(s.script_id),
         number(s.script_version),
         text(session_status_name(s.status)),
         text(node),
         number(s.retries),
         number(s.last_active),
         text(nlohmann::json(s).dump())});
}

std::int64_t unit::contact_id(const std::string& address) {
    auto r = c_.prepared("SELECT id FROM contacts WHERE address = $1", {text(address)});
    return r.rows() ? r.integer(0, 0) : 0;
}

// --- The conversation log ---

std::int64_t unit::find_repeat(const messaging::inbound_message& m,
                               std::int64_t contact_id,
                               unix_seconds window) {
    if (!m.gateway_message_id.empty()) {
        auto r = c_.prepared(
            "SELECT id FROM messages "
            "WHERE channel = $1 AND gateway_message_id = $2 AND direction = 'in'",
            {text(m.channel), text(m.gateway_message_id)});
        return r.rows() ? r.integer(0, 0) : 0;
    }
    if (contact_id == 0) return 0;
    auto r = c_.prepared(
        "SELECT m.id FROM messages m "
        "WHERE m.contact_id = $1 AND m.direction = 'in' AND m.channel = $2 "
        "  AND m.gateway_message_id IS NULL AND m.text = $3 AND m.created_at >= $4 "
        "  AND NOT EXISTS (SELECT 1 FROM messages o "
        "    WHERE o.contact_id = $1 AND o.id > m.id AND o.direction = 'out' "
        "      AND o.status IN ('sent', 'delivered', 'read') "
        "      AND NOT (o.reply_to IS NOT DISTINCT FROM m.id AND o.via = 'inline')) "
        "ORDER BY m.id DESC LIMIT 1",
        {number(contact_id), text(m.channel), text(m.text), number(m.received_at - window)});
    return r.rows() ? r.integer(0, 0) : 0;
}

std::vector<stored_reply> unit::replies_to(std::int64_t inbound_id) {
    auto r = c_.prepared(
        "SELECT m.id, m.text, m.payload FROM messages m JOIN contacts k ON k.id = m.contact_id "
        "WHERE m.reply_to = $1 AND m.direction = 'out' AND k.erased_at IS NULL ORDER BY m.id",
        {number(inbound_id)});
    std::vector<stored_reply> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.integer(i, 0), reply_from_payload(r.text(i, 1), r.view(i, 2))});
    return out;
}

std::int64_t unit::log_inbound(const messaging::inbound_message& m,
                               std::int64_t contact_id,
                               const std::vector<engine::event>& events) {
    const engine::event* matched = nullptr;
    for (const auto& e : events) {
        if (e.matched) {
            matched = &e;
            break;
        }
    }
    message_cost cost;
    auto encoding = cost_encoding(options_, m.text, cost);
    auto r = c_.prepared(
        "WITH m AS (INSERT INTO messages (contact_id, direction, channel, gateway_message_id, "
        "  text, encoding, segments, status, match_kind, match_detail, created_at, status_at, "
        "  payload) "
        "  VALUES ($1, 'in', $2, $3, $4, $5, $6, 'received', $7, $8, $9, $9, $11) RETURNING id), "
        "e AS (INSERT INTO events (message_id, contact_id, kind, node, detail, match_kind, "
        "  data, created_at) "
        "  SELECT m.id, $1, e->>'kind', e->>'node', e->>'detail', e->>'match', e->>'data', $9 "
        "  FROM m, jsonb_array_elements($10::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY n) "
        "SELECT id FROM m",
        {number(contact_id),
         text(m.channel),
         text_or_null(m.gateway_message_id),
         text(m.text),
         encoding,
         cost_segments(options_, cost),
         matched ? param(engine::to_string(*matched->matched)) : std::nullopt,
         matched ? param(matched->detail) : std::nullopt,
         number(m.received_at),
         text(events_json(events)),
         // Media the resident sent: what and where the provider keeps it (never downloaded).
         m.attachments.empty() ? std::nullopt : param(attachments_json(m.attachments))});
    return r.integer(0, 0);
}

std::int64_t unit::log_outbound(const outbound_record& r) {
    const bool by_api = r.via == route::api;
    message_cost cost;
    auto encoding = cost_encoding(options_, r.message.text, cost);
    auto payload = reply_payload(r.message);
    auto q = c_.prepared(
        "WITH m AS (INSERT INTO messages (contact_id, direction, channel, reply_to, text, "
        "  payload, encoding, segments, status, via, created_at, status_at) "
        "  VALUES ($1, 'out', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id), "
        "q AS (INSERT INTO outbound_queue (message_id, channel, contact_id, state, "
        "  next_attempt_at) SELECT m.id, $2, $1, 'pending', $10 FROM m WHERE $9 = 'api') "
        "SELECT id FROM m",
        {number(r.contact_id),
         text(r.channel),
         r.reply_to != 0 ? number(r.reply_to) : std::nullopt,
         text(r.message.text),
         text_or_null(payload),
         encoding,
         cost_segments(options_, cost),
         text(by_api ? "queued" : "sent"),
         text(by_api ? "api" : "inline"),
         number(r.created_at)});
    return q.integer(0, 0);
}

bool unit::update_delivery(const std::string& channel,
                           const std::string& provider_message_id,
                           delivery_status status,
                           const std::string& raw_code,
                           const std::string& reason,
                           unix_seconds now) {
    return pg::update_delivery(c_, channel, provider_message_id, status, raw_code, reason, now);
}

// --- The registration ledger ---

void unit::lock_course(const std::string& course) {
    // Every instance counts seats and takes codes of a course one at a time: the count and
    // the insert that depends on it never interleave with another transaction's.
    if (locked_courses_.insert(course).second) lock(c_, "course:" + course);
}

std::optional<engine::registration_record> unit::latest(const std::string& contact,
                                                        const std::string& course) {
    lock_course(course);
    auto r = c_.prepared(
        "SELECT r.code, r.status, r.fields FROM registrations r "
        "JOIN contacts k ON k.id = r.contact_id "
        "WHERE k.address = $1 AND r.course = $2 ORDER BY r.id DESC LIMIT 1",
        {text(contact), text(course)});
    if (r.rows() == 0) return std::nullopt;
    engine::registration_record out;
    out.code = r.text(0, 0);
    out.course = course;
    out.status = engine::registration_status_from_string(r.text(0, 1));
    out.fields = fields_from_json(r.view(0, 2));
    return out;
}

int unit::count(const std::string& course,
                registration_status status,
                const std::string& up_to_code) {
    lock_course(course);
    auto r =
        up_to_code.empty()
            ? c_.prepared("SELECT count(*) FROM registrations WHERE course = $1 AND status = $2",
                          {text(course), text(engine::to_string(status))})
            : c_.prepared(
                  "SELECT count(*) FROM registrations WHERE course = $1 AND status = $2 "
                  "AND id <= (SELECT id FROM registrations WHERE course = $1 AND code = $3)",
                  {text(course), text(engine::to_string(status)), text(up_to_code)});
    return static_cast<int>(r.integer(0, 0));
}

int unit::seats(const std::string& course, const std::string& up_to_code) {
    lock_course(course);
    auto r = up_to_code.empty()
                 ? c_.prepared(
                       "SELECT count(*) FROM registrations WHERE course = $1 AND "
                       "status IN ('registered', 'confirmed', 'attended')",
                       {text(course)})
                 : c_.prepared(
                       "SELECT count(*) FROM registrations WHERE course = $1 AND "
                       "status IN ('registered', 'confirmed', 'attended') AND id <= (SELECT id "
                       "FROM registrations WHERE course = $1 AND code = $2)",
                       {text(course), text(up_to_code)});
    return static_cast<int>(r.integer(0, 0));
}

int unit::next_number(const std::string& course) {
    lock_course(course);
    auto r = c_.prepared(
        "INSERT INTO course_counters (course, issued) VALUES ($1, 1) "
        "ON CONFLICT (course) DO UPDATE SET issued = course_counters.issued + 1 RETURNING issued",
        {text(course)});
    return static_cast<int>(r.integer(0, 0));
}

void unit::add(const engine::registration_entry& entry, unix_seconds now) {
    const auto& r = entry.record;
    lock_course(r.course);
    auto id = contact_id(entry.contact);
    if (id == 0) id = add_contact(entry.contact, now).id;
    c_.prepared(
        "INSERT INTO registrations (contact_id, course, code, status, fields, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        {number(id),
         text(r.course),
         text(r.code),
         text(engine::to_string(r.status)),
         text(fields_to_json(r.fields)),
         number(now)});
}

void unit::set_status(const std::string& course,
                      const std::string& code,
                      registration_status status,
                      unix_seconds now) {
    lock_course(course);
    c_.prepared(
        "UPDATE registrations SET status = $3, updated_at = $4 WHERE course = $1 AND code = $2",
        {text(course), text(code), text(engine::to_string(status)), number(now)});
}

std::string unit::last_channel(std::int64_t contact_id) {
    auto r = c_.prepared(
        "SELECT channel FROM messages WHERE contact_id = $1 AND direction = 'in' "
        "ORDER BY id DESC LIMIT 1",
        {number(contact_id)});
    return r.rows() == 0 ? std::string() : r.text(0, 0);
}

std::vector<logged_message> unit::recent_messages(std::int64_t contact_id, int limit) {
    auto r = c_.prepared(
        "SELECT direction = 'in', created_at FROM messages WHERE contact_id = $1 "
        "ORDER BY id DESC LIMIT $2",
        {number(contact_id), number(limit)});
    std::vector<logged_message> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.text(i, 0) == "t", r.integer(i, 1)});
    return out;
}

std::int64_t unit::segments_sent_since(std::int64_t contact_id, unix_seconds since) {
    auto r = c_.prepared(
        "SELECT coalesce(sum(coalesce(segments, 1)), 0) FROM messages WHERE contact_id = $1 "
        "AND direction = 'out' AND created_at >= $2 AND status <> 'failed'",
        {number(contact_id), number(since)});
    return r.integer(0, 0);
}

void unit::add_to_group(std::int64_t contact_id, const std::string& group) {
    c_.prepared(
        "INSERT INTO contact_groups (group_name, contact_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING",
        {text(group), number(contact_id)});
}

std::vector<segment_member> unit::select_contacts(const segment& s, std::int64_t after, int limit) {
    // As the SQLite store's: unset criteria are empty strings and match everything.
    auto r = c_.prepared(
        "SELECT c.id, c.address FROM contacts c "
        "WHERE c.id > $7 AND c.opted_out_at IS NULL AND c.erased_at IS NULL AND c.last_seen >= $6 "
        "AND ($1 = '' OR EXISTS (SELECT 1 FROM contact_groups g "
        "    WHERE g.group_name = $1 AND g.contact_id = c.id)) "
        "AND ($2 = '' OR lower(c.fields::jsonb ->> 'kecamatan') = lower($2)) "
        "AND ($3 = '' OR c.language = $3) "
        "AND ($4 = '' OR EXISTS (SELECT 1 FROM registrations r "
        "    WHERE r.contact_id = c.id AND r.course = $4 AND ($5 = '' OR r.status = $5 OR "
        "      ($5 = 'registered' AND r.status IN ('confirmed', 'attended'))) "
        "    AND r.id = (SELECT max(id) FROM registrations l "
        "        WHERE l.contact_id = c.id AND l.course = $4))) "
        "ORDER BY c.id LIMIT $8",
        {text(s.group),
         text(s.kecamatan),
         text(s.language),
         text(s.course),
         text(s.status ? std::string(engine::to_string(*s.status)) : std::string()),
         number(s.last_seen_since),
         number(after),
         number(limit)});
    std::vector<segment_member> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.integer(i, 0), r.text(i, 1)});
    return out;
}

std::optional<engine::registration_entry> unit::find_code(const std::string& course,
                                                          const std::string& code) {
    lock_course(course);
    auto r = c_.prepared(
        "SELECT k.address, r.status, r.fields FROM registrations r "
        "JOIN contacts k ON k.id = r.contact_id WHERE r.course = $1 AND r.code = $2",
        {text(course), text(code)});
    if (r.rows() == 0) return std::nullopt;
    engine::registration_entry e;
    e.contact = r.text(0, 0);
    e.record.code = code;
    e.record.course = course;
    e.record.status = engine::registration_status_from_string(std::string(r.view(0, 1)));
    e.record.fields = fields_from_json(r.view(0, 2));
    return e;
}

std::optional<engine::registration_entry> unit::first_waitlisted(const std::string& course) {
    lock_course(course);
    auto r = c_.prepared(
        "SELECT k.address, r.code, r.fields FROM registrations r "
        "JOIN contacts k ON k.id = r.contact_id "
        "WHERE r.course = $1 AND r.status = 'waitlisted' ORDER BY r.id LIMIT 1",
        {text(course)});
    if (r.rows() == 0) return std::nullopt;
    engine::registration_entry e;
    e.contact = r.text(0, 0);
    e.record.code = r.text(0, 1);
    e.record.course = course;
    e.record.status = registration_status::waitlisted;
    e.record.fields = fields_from_json(r.view(0, 2));
    return e;
}

}  // namespace sapa::storage::pg
