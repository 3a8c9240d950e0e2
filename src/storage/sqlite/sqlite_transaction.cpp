// The ports of one unit of work, on the writer's connection and inside its transaction:
// contacts (through the writer's contact cache), the conversation log, the outbound queue and
// the registration ledger, each a few prepared statements.

#include "storage/sqlite/detail/sqlite_connection.hpp"
#include "storage/stored_form.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

namespace sapa::storage::detail {
namespace {

using engine::registration_record;
using engine::registration_status;

// The text must outlive the statement's run: it is bound without a copy.
void bind_optional(SQLite::Statement& s, int index, const std::string& text) {
    if (text.empty()) {
        s.bind(index);
    } else {
        s.bindNoCopy(index, text);
    }
}

// `remembered`: replies are mostly the same few script texts, worth a lookup; inbound texts
// (names, dates) rarely repeat and would only push the script texts out.
void bind_cost(connection& c,
               SQLite::Statement& s,
               int encoding_index,
               const std::string& text,
               const sqlite_options& options,
               bool remembered) {
    if (!options.text_cost) return;  // both stay NULL
    if (remembered) {
        const auto& cost = c.cost_of(text, options.text_cost);
        s.bindNoCopy(encoding_index, cost.encoding);
        s.bind(encoding_index + 1, cost.segments);
    } else {
        // Gone before the statement runs: bound with a copy, unlike the remembered one.
        const auto cost = options.text_cost(text);
        s.bind(encoding_index, cost.encoding);
        s.bind(encoding_index + 1, cost.segments);
    }
}

std::optional<stored_contact> read_contact(connection& c, const std::string& address) {
    auto& q = c.prepared(
        "SELECT c.id, c.language, c.fields, c.opted_out_at IS NOT NULL, s.state "
        "FROM contacts c LEFT JOIN sessions s ON s.contact_id = c.id WHERE c.address = ?");
    q.bind(1, address);
    if (!q.executeStep()) return std::nullopt;
    auto state = std::make_shared<engine::contact_state>();
    state->address = address;
    state->language = q.getColumn(1).getString();
    state->fields = fields_from_json(q.getColumn(2).getText());
    state->opted_out = q.getColumn(3).getInt() != 0;
    if (!q.getColumn(4).isNull()) {
        auto j = nlohmann::json::parse(q.getColumn(4).getText(), nullptr, false);
        if (j.is_object()) state->session = j.get<engine::session_state>();
    }
    return stored_contact{q.getColumn(0).getInt64(), std::move(state)};
}

// A turn's events in as few statements as possible (most turns have one to three): each
// statement costs more than its rows.
//
// OR FAIL here and in the other multi-row or upserting statements of a unit: with SQLite's
// default (ABORT) such a statement keeps a statement journal, a copy of every page it changes
// that the transaction had already changed, to undo itself alone. A statement of a unit never
// has to undo itself alone: a failing unit is undone whole, by the batch's rollback or by its
// savepoint (sqlite_store.cpp, run_jobs_isolated). About 5k instructions per message.
constexpr const char* insert_events_sql[] = {
    "INSERT OR FAIL INTO events (message_id, contact_id, kind, node, detail, match_kind, data, "
    "  created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT OR FAIL INTO events (message_id, contact_id, kind, node, detail, match_kind, data, "
    "  created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT OR FAIL INTO events (message_id, contact_id, kind, node, detail, match_kind, data, "
    "  created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?), "
    "  (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT OR FAIL INTO events (message_id, contact_id, kind, node, detail, match_kind, data, "
    "  created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?), "
    "  (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)",
};

void insert_events(connection& c,
                   std::int64_t message_id,
                   std::int64_t contact_id,
                   const std::vector<engine::event>& events,
                   unix_seconds now) {
    constexpr std::size_t max_rows = std::size(insert_events_sql);
    constexpr int columns = 8;
    for (std::size_t first = 0; first < events.size(); first += max_rows) {
        const auto rows = std::min(max_rows, events.size() - first);
        auto& q = c.prepared(insert_events_sql[rows - 1]);
        // Kept alive until the statement ran: bound without a copy.
        std::string data[max_rows];
        for (std::size_t r = 0; r < rows; ++r) {
            const auto& e = events[first + r];
            const int at = static_cast<int>(r) * columns;
            q.bind(at + 1, message_id);
            q.bind(at + 2, contact_id);
            q.bindNoCopy(at + 3, engine::to_string(e.kind));
            q.bindNoCopy(at + 4, e.node);
            if (!e.detail.empty()) q.bindNoCopy(at + 5, e.detail);
            if (e.matched) q.bindNoCopy(at + 6, engine::to_string(*e.matched));
            if (!e.data.empty()) {
                data[r] = fields_to_json(e.data);
                q.bindNoCopy(at + 7, data[r]);
            }
            q.bind(at + 8, now);
        }
        q.exec();
    }
}

// The payload column of an interactive message: its body and options as JSON.
const std::string& payload_of(connection& c, const messaging::outbound_message& m) {
    // Separators that script texts do not contain keep distinct messages' keys distinct.
    std::string key = m.body;
    for (const auto& o : m.options) {
        key += '\x1f';
        key += o.key;
        key += '\x1e';
        key += o.label;
    }
    if (const auto& t = m.fallback_template) {
        key += '\x1d' + t->name + '\x1e' + t->language;
        for (const auto& p : t->parameters)
            key += '\x1f' + p;
    }
    return c.payload_of(key, [&] { return reply_payload(m); });
}

}  // namespace

messaging::outbound_message read_reply(const SQLite::Column& text, const SQLite::Column& payload) {
    return reply_from_payload(text.getString(), payload.isNull() ? "" : payload.getText());
}

std::optional<engine::contact_state> load_contact(connection& c, const std::string& address) {
    auto contact = read_contact(c, address);
    if (!contact) return std::nullopt;
    return *contact->state;
}

// --- Contacts ---

std::optional<stored_contact> contact_cache::take(const std::string& address) {
    auto it = index_.find(address);
    if (it == index_.end()) return std::nullopt;
    auto node = it->second;
    std::optional<stored_contact> out(std::move(node->second));
    index_.erase(it);
    order_.erase(node);
    return out;
}

void contact_cache::put(const std::string& address, stored_contact contact) {
    if (auto it = index_.find(address); it != index_.end()) {
        it->second->second = std::move(contact);
        order_.splice(order_.begin(), order_, it->second);
        return;
    }
    if (index_.size() >= capacity_ && !order_.empty()) {
        index_.erase(order_.back().first);
        order_.pop_back();
    }
    order_.emplace_front(address, std::move(contact));
    index_.emplace(address, order_.begin());
}

void contact_cache::clear() {
    index_.clear();
    order_.clear();
}

std::optional<contact_record> sqlite_transaction::find_contact(const std::string& address) {
    // Taken out of the cache and put back by finish(): a unit that fails leaves no
    // half-changed contact behind.
    auto contact = c_.contacts().take(address);
    if (contact) {
        taken_.emplace_back(address, *contact);
    } else {
        contact = read_contact(c_, address);
        if (!contact) return std::nullopt;
    }
    return contact_record{contact->id, contact->state};
}

contact_record sqlite_transaction::add_contact(const std::string& address, unix_seconds now) {
    auto& q = c_.prepared("INSERT INTO contacts (address, first_seen, last_seen) VALUES (?, ?, ?)");
    q.bind(1, address);
    q.bind(2, now);
    q.bind(3, now);
    q.exec();
    auto fresh = std::make_shared<engine::contact_state>();
    fresh->address = address;
    return {c_.db().getLastInsertRowid(), std::move(fresh)};
}

void sqlite_transaction::save_contact(const contact_record& before,
                                      std::shared_ptr<const engine::contact_state> saved,
                                      unix_seconds now) {
    const auto& after = *saved;
    auto& q = c_.prepared(
        "UPDATE contacts SET language = ?2, fields = ?3, "
        "  opted_out_at = CASE WHEN ?4 = 0 THEN NULL ELSE coalesce(opted_out_at, ?5) END, "
        "  last_seen = max(last_seen, ?5) "
        "WHERE id = ?1");
    const auto fields = fields_to_json(after.fields);
    q.bind(1, before.id);
    q.bindNoCopy(2, after.language);
    q.bindNoCopy(3, fields);
    q.bind(4, after.opted_out ? 1 : 0);
    q.bind(5, now);
    q.exec();

    const auto& s = after.session;
    auto& u = c_.prepared(
        "INSERT OR FAIL INTO sessions (contact_id, script_id, script_version, status, node, "
        "  retries, last_active, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (contact_id) DO UPDATE SET script_id = excluded.script_id, "
        "  script_version = excluded.script_version, status = excluded.status, "
        "  node = excluded.node, retries = excluded.retries, "
        "  last_active = excluded.last_active, state = excluded.state");
    const auto node =
        s.stack.empty() ? std::string() : s.stack.back().script_id + "/" + s.stack.back().node_id;
    const auto state = nlohmann::json(s).dump();
    u.bind(1, before.id);
    u.bindNoCopy(2, s.script_id);
    u.bind(3, s.script_version);
    u.bindNoCopy(4, session_status_name(s.status));
    u.bindNoCopy(5, node);
    u.bind(6, s.retries);
    u.bind(7, s.last_active);
    u.bindNoCopy(8, state);
    u.exec();

    stored_.emplace_back(after.address, stored_contact{before.id, std::move(saved)});
}

void sqlite_transaction::finish() {
    for (auto& [address, contact] : taken_) {
        const bool stored = std::any_of(
            stored_.begin(), stored_.end(), [&](const auto& s) { return s.first == address; });
        if (!stored) c_.contacts().put(address, std::move(contact));
    }
    for (auto& [address, contact] : stored_)
        c_.contacts().put(address, std::move(contact));
    taken_.clear();
    stored_.clear();
}

std::int64_t sqlite_transaction::contact_id(const std::string& address) {
    for (auto it = stored_.rbegin(); it != stored_.rend(); ++it)
        if (it->first == address) return it->second.id;
    for (const auto& [taken_address, contact] : taken_)
        if (taken_address == address) return contact.id;
    auto& q = c_.prepared("SELECT id FROM contacts WHERE address = ?");
    q.bind(1, address);
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

// --- The conversation log ---

std::int64_t sqlite_transaction::find_repeat(const messaging::inbound_message& m,
                                             std::int64_t contact_id,
                                             unix_seconds window) {
    if (!m.gateway_message_id.empty()) {
        auto& q = c_.prepared(
            "SELECT id FROM messages "
            "WHERE channel = ? AND gateway_message_id = ? AND direction = 'in'");
        q.bindNoCopy(1, m.channel);
        q.bindNoCopy(2, m.gateway_message_id);
        return q.executeStep() ? q.getColumn(0).getInt64() : 0;
    }
    if (contact_id == 0) return 0;
    auto& q = c_.prepared(
        "SELECT m.id FROM messages m "
        "WHERE m.contact_id = ?1 AND m.direction = 'in' AND m.channel = ?2 "
        "  AND m.gateway_message_id IS NULL AND m.text = ?3 AND m.created_at >= ?4 "
        "  AND NOT EXISTS (SELECT 1 FROM messages o "
        "    WHERE o.contact_id = ?1 AND o.id > m.id AND o.direction = 'out' "
        "      AND o.status IN ('sent', 'delivered', 'read') "
        "      AND NOT (o.reply_to = m.id AND o.via = 'inline')) "
        "ORDER BY m.id DESC LIMIT 1");
    q.bind(1, contact_id);
    q.bind(2, m.channel);
    q.bind(3, m.text);
    q.bind(4, m.received_at - window);
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

std::vector<stored_reply> sqlite_transaction::replies_to(std::int64_t inbound_id) {
    auto& q = c_.prepared(
        "SELECT m.id, m.text, m.payload FROM messages m JOIN contacts k ON k.id = m.contact_id "
        "WHERE m.reply_to = ? AND m.direction = 'out' AND k.erased_at IS NULL ORDER BY m.id");
    q.bind(1, inbound_id);
    std::vector<stored_reply> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(), read_reply(q.getColumn(1), q.getColumn(2))});
    return out;
}

std::int64_t sqlite_transaction::log_inbound(const messaging::inbound_message& m,
                                             std::int64_t contact_id,
                                             const std::vector<engine::event>& events) {
    // Why the answer was understood: the first event that says how it matched.
    const engine::event* matched = nullptr;
    for (const auto& e : events) {
        if (e.matched) {
            matched = &e;
            break;
        }
    }
    auto& q = c_.prepared(
        "INSERT INTO messages (contact_id, direction, channel, gateway_message_id, text, "
        "  encoding, segments, status, match_kind, match_detail, created_at, status_at, "
        "  payload) "
        "VALUES (?1, 'in', ?2, ?3, ?4, ?5, ?6, 'received', ?7, ?8, ?9, ?9, ?10)");
    q.bind(1, contact_id);
    q.bindNoCopy(2, m.channel);
    bind_optional(q, 3, m.gateway_message_id);
    q.bindNoCopy(4, m.text);
    bind_cost(c_, q, 5, m.text, options_, false);
    if (matched) {
        q.bindNoCopy(7, engine::to_string(*matched->matched));
        q.bindNoCopy(8, matched->detail);
    }
    q.bind(9, m.received_at);
    // Media the resident sent: what and where the provider keeps it (never downloaded).
    if (!m.attachments.empty()) q.bind(10, attachments_json(m.attachments));
    q.exec();
    const auto id = c_.db().getLastInsertRowid();
    insert_events(c_, id, contact_id, events, m.received_at);
    return id;
}

std::int64_t sqlite_transaction::log_outbound(const outbound_record& r) {
    const bool by_api = r.via == route::api;
    auto& q = c_.prepared(
        "INSERT INTO messages (contact_id, direction, channel, reply_to, text, payload, "
        "  encoding, segments, status, via, created_at, status_at) "
        "VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
    q.bind(1, r.contact_id);
    q.bindNoCopy(2, r.channel);
    if (r.reply_to != 0) q.bind(3, r.reply_to);
    q.bindNoCopy(4, r.message.text);
    if (!r.message.body.empty() || !r.message.options.empty() || r.message.fallback_template)
        q.bindNoCopy(5, payload_of(c_, r.message));
    bind_cost(c_, q, 6, r.message.text, options_, true);
    q.bindNoCopy(8, by_api ? "queued" : "sent");
    q.bindNoCopy(9, by_api ? "api" : "inline");
    q.bind(10, r.created_at);
    q.exec();
    const auto id = c_.db().getLastInsertRowid();
    if (by_api) {
        auto& job = c_.prepared(
            "INSERT INTO outbound_queue (message_id, channel, contact_id, state, "
            "  next_attempt_at) VALUES (?, ?, ?, 'pending', ?)");
        job.bind(1, id);
        job.bindNoCopy(2, r.channel);
        job.bind(3, r.contact_id);
        job.bind(4, r.created_at);
        job.exec();
    }
    return id;
}

bool sqlite_transaction::update_delivery(const std::string& channel,
                                         const std::string& provider_message_id,
                                         delivery_status status,
                                         const std::string& raw_code,
                                         const std::string& reason,
                                         unix_seconds now) {
    return detail::update_delivery(c_, channel, provider_message_id, status, raw_code, reason, now);
}

std::string sqlite_transaction::last_channel(std::int64_t contact_id) {
    // On the (contact_id, id) index: newest first, stops at the first inbound row.
    auto& q = c_.prepared(
        "SELECT channel FROM messages WHERE contact_id = ? AND direction = 'in' "
        "ORDER BY id DESC LIMIT 1");
    q.bind(1, contact_id);
    return q.executeStep() ? q.getColumn(0).getString() : std::string();
}

std::vector<logged_message> sqlite_transaction::recent_messages(std::int64_t contact_id,
                                                                int limit) {
    auto& q = c_.prepared(
        "SELECT direction = 'in', created_at FROM messages WHERE contact_id = ? "
        "ORDER BY id DESC LIMIT ?");
    q.bind(1, contact_id);
    q.bind(2, limit);
    std::vector<logged_message> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt() != 0, q.getColumn(1).getInt64()});
    return out;
}

std::int64_t sqlite_transaction::segments_sent_since(std::int64_t contact_id, unix_seconds since) {
    auto& q = c_.prepared(
        "SELECT coalesce(sum(coalesce(segments, 1)), 0) FROM messages WHERE contact_id = ? "
        "AND direction = 'out' AND created_at >= ? AND status <> 'failed'");
    q.bind(1, contact_id);
    q.bind(2, since);
    q.executeStep();
    return q.getColumn(0).getInt64();
}

void sqlite_transaction::add_to_group(std::int64_t contact_id, const std::string& group) {
    auto& q =
        c_.prepared("INSERT OR IGNORE INTO contact_groups (group_name, contact_id) VALUES (?, ?)");
    q.bind(1, group);
    q.bind(2, contact_id);
    q.exec();
}

std::vector<segment_member> sqlite_transaction::select_contacts(const segment& s,
                                                                std::int64_t after,
                                                                int limit) {
    // Unset criteria are empty strings and match everything.
    auto& q = c_.prepared(
        "SELECT c.id, c.address FROM contacts c "
        "WHERE c.id > ?7 AND c.opted_out_at IS NULL AND c.erased_at IS NULL AND c.last_seen >= ?6 "
        "AND (?1 = '' OR EXISTS (SELECT 1 FROM contact_groups g "
        "    WHERE g.group_name = ?1 AND g.contact_id = c.id)) "
        "AND (?2 = '' OR lower(json_extract(c.fields, '$.kecamatan')) = lower(?2)) "
        "AND (?3 = '' OR c.language = ?3) "
        "AND (?4 = '' OR EXISTS (SELECT 1 FROM registrations r "
        "    WHERE r.contact_id = c.id AND r.course = ?4 AND (?5 = '' OR r.status = ?5 OR "
        "      (?5 = 'registered' AND r.status IN ('confirmed', 'attended'))) "
        "    AND r.id = (SELECT max(id) FROM registrations l "
        "        WHERE l.contact_id = c.id AND l.course = ?4))) "
        "ORDER BY c.id LIMIT ?8");
    q.bind(1, s.group);
    q.bind(2, s.kecamatan);
    q.bind(3, s.language);
    q.bind(4, s.course);
    q.bind(5, s.status ? std::string(engine::to_string(*s.status)) : std::string());
    q.bind(6, s.last_seen_since);
    q.bind(7, after);
    q.bind(8, limit);
    std::vector<segment_member> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString()});
    return out;
}

// --- The registration ledger ---

std::optional<registration_record> sqlite_transaction::latest(const std::string& contact,
                                                              const std::string& course) {
    const auto id = contact_id(contact);
    if (id == 0) return std::nullopt;
    auto& q = c_.prepared(
        "SELECT code, status, fields FROM registrations "
        "WHERE contact_id = ? AND course = ? ORDER BY id DESC LIMIT 1");
    q.bind(1, id);
    q.bind(2, course);
    if (!q.executeStep()) return std::nullopt;
    registration_record r;
    r.code = q.getColumn(0).getString();
    r.course = course;
    r.status = engine::registration_status_from_string(q.getColumn(1).getString());
    r.fields = fields_from_json(q.getColumn(2).getText());
    return r;
}

int sqlite_transaction::count(const std::string& course,
                              registration_status status,
                              const std::string& up_to_code) {
    // O(rows of that status) on the (course, status) index, not O(every registration).
    auto& q = up_to_code.empty() ? c_.prepared(
                                       "SELECT count(*) FROM registrations WHERE course = ?1 AND "
                                       "status = ?2")
                                 : c_.prepared(
                                       "SELECT count(*) FROM registrations WHERE course = ?1 AND "
                                       "status = ?2 AND id <= (SELECT id FROM registrations "
                                       "WHERE course = ?1 AND code = ?3)");
    q.bind(1, course);
    q.bind(2, engine::to_string(status));
    if (!up_to_code.empty()) q.bind(3, up_to_code);
    q.executeStep();
    return q.getColumn(0).getInt();
}

int sqlite_transaction::seats(const std::string& course, const std::string& up_to_code) {
    // Three ranges of the (course, status) index.
    auto& q = up_to_code.empty()
                  ? c_.prepared(
                        "SELECT count(*) FROM registrations WHERE course = ?1 AND "
                        "status IN ('registered', 'confirmed', 'attended')")
                  : c_.prepared(
                        "SELECT count(*) FROM registrations WHERE course = ?1 AND "
                        "status IN ('registered', 'confirmed', 'attended') AND id <= (SELECT id "
                        "FROM registrations WHERE course = ?1 AND code = ?2)");
    q.bind(1, course);
    if (!up_to_code.empty()) q.bind(2, up_to_code);
    q.executeStep();
    return q.getColumn(0).getInt();
}

int sqlite_transaction::next_number(const std::string& course) {
    auto& count = c_.prepared(
        "INSERT OR FAIL INTO course_counters (course, issued) VALUES (?, 1) "
        "ON CONFLICT (course) DO UPDATE SET issued = issued + 1");
    count.bind(1, course);
    count.exec();
    auto& counted = c_.prepared("SELECT issued FROM course_counters WHERE course = ?");
    counted.bind(1, course);
    counted.executeStep();
    return counted.getColumn(0).getInt();
}

void sqlite_transaction::add(const engine::registration_entry& entry, unix_seconds now) {
    auto id = contact_id(entry.contact);
    if (id == 0) id = add_contact(entry.contact, now).id;
    const auto& r = entry.record;
    auto& insert = c_.prepared(
        "INSERT INTO registrations (contact_id, course, code, status, fields, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, id);
    insert.bind(2, r.course);
    insert.bind(3, r.code);
    insert.bind(4, engine::to_string(r.status));
    insert.bind(5, fields_to_json(r.fields));
    insert.bind(6, now);
    insert.bind(7, now);
    insert.exec();
}

void sqlite_transaction::set_status(const std::string& course,
                                    const std::string& code,
                                    registration_status status,
                                    unix_seconds now) {
    auto& q = c_.prepared(
        "UPDATE registrations SET status = ?3, updated_at = ?4 WHERE course = ?1 AND code = ?2");
    q.bind(1, course);
    q.bind(2, code);
    q.bind(3, engine::to_string(status));
    q.bind(4, now);
    q.exec();
}

std::optional<engine::registration_entry> sqlite_transaction::first_waitlisted(
    const std::string& course) {
    auto& q = c_.prepared(
        "SELECT k.address, r.code, r.fields FROM registrations r "
        "JOIN contacts k ON k.id = r.contact_id "
        "WHERE r.course = ? AND r.status = 'waitlisted' ORDER BY r.id LIMIT 1");
    q.bind(1, course);
    if (!q.executeStep()) return std::nullopt;
    engine::registration_entry e;
    e.contact = q.getColumn(0).getString();
    e.record.code = q.getColumn(1).getString();
    e.record.course = course;
    e.record.status = registration_status::waitlisted;
    e.record.fields = fields_from_json(q.getColumn(2).getText());
    return e;
}

std::optional<engine::registration_entry> sqlite_transaction::find_code(const std::string& course,
                                                                        const std::string& code) {
    auto& q = c_.prepared(
        "SELECT k.address, r.status, r.fields FROM registrations r "
        "JOIN contacts k ON k.id = r.contact_id WHERE r.course = ? AND r.code = ?");
    q.bind(1, course);
    q.bind(2, code);
    if (!q.executeStep()) return std::nullopt;
    engine::registration_entry e;
    e.contact = q.getColumn(0).getString();
    e.record.code = code;
    e.record.course = course;
    e.record.status = engine::registration_status_from_string(q.getColumn(1).getString());
    e.record.fields = fields_from_json(q.getColumn(2).getText());
    return e;
}

}  // namespace sapa::storage::detail
