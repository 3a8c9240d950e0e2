// One inbound message, inside the writer's transaction: dedupe, load the contact, run the
// turn with a registrar bound to the transaction, store state, log, events and outbound jobs.

#include "storage/sqlite/detail/sqlite_connection.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace sapa::storage::detail {
namespace {

using engine::registration_record;
using engine::registration_status;

const char* session_status_name(engine::session_status s) {
    switch (s) {
        case engine::session_status::waiting:
            return "waiting";
        case engine::session_status::resume_offer:
            return "resume_offer";
        case engine::session_status::idle:
            break;
    }
    return "idle";
}

registration_status registration_status_from(const std::string& s) {
    if (s == "registered") return registration_status::registered;
    if (s == "waitlisted") return registration_status::waitlisted;
    if (s == "cancelled") return registration_status::cancelled;
    return registration_status::none;
}

std::string to_json_text(const std::map<std::string, std::string>& m) {
    return nlohmann::json(m).dump();
}

std::map<std::string, std::string> fields_from_json(const char* text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    std::map<std::string, std::string> out;
    if (!j.is_object()) return out;
    for (auto& [k, v] : j.items())
        out[k] = v.is_string() ? v.get<std::string>() : v.dump();
    return out;
}

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

std::int64_t find_contact_id(connection& c, const std::string& address) {
    auto& q = c.prepared("SELECT id FROM contacts WHERE address = ?");
    q.bind(1, address);
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

std::int64_t insert_contact(connection& c, const std::string& address, engine::unix_seconds now) {
    auto& q = c.prepared("INSERT INTO contacts (address, first_seen, last_seen) VALUES (?, ?, ?)");
    q.bind(1, address);
    q.bind(2, now);
    q.bind(3, now);
    q.exec();
    return c.db().getLastInsertRowid();
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
    stored_contact out;
    out.id = q.getColumn(0).getInt64();
    out.opted_out_before = state->opted_out;
    out.state = std::move(state);
    return out;
}

std::vector<stored_reply> replies_to(connection& c, std::int64_t inbound_id) {
    auto& q = c.prepared(
        "SELECT id, text, payload FROM messages WHERE reply_to = ? AND direction = 'out' "
        "ORDER BY id");
    q.bind(1, inbound_id);
    std::vector<stored_reply> out;
    while (q.executeStep()) {
        stored_reply r;
        r.message_id = q.getColumn(0).getInt64();
        r.message = read_reply(q.getColumn(1), q.getColumn(2));
        out.push_back(std::move(r));
    }
    return out;
}

// The earlier inbound message this one repeats, or 0. With a gateway id: the same id on the
// same channel. Without: the same text from the same contact on the same channel within the
// window, unless Sapa sent to the contact since (its own inline replies excepted: a gateway
// retrying the webhook never got them).
std::int64_t find_duplicate(connection& c,
                            const inbound_message& m,
                            std::int64_t contact_id,
                            const sqlite_options& options) {
    if (!m.gateway_message_id.empty()) {
        auto& q = c.prepared(
            "SELECT id FROM messages "
            "WHERE channel = ? AND gateway_message_id = ? AND direction = 'in'");
        q.bindNoCopy(1, m.channel);
        q.bindNoCopy(2, m.gateway_message_id);
        return q.executeStep() ? q.getColumn(0).getInt64() : 0;
    }
    if (contact_id == 0) return 0;
    auto& q = c.prepared(
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
    q.bind(4, m.received_at - options.duplicate_window);
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

registration_record no_registration(const std::string& course) {
    return {.code = {}, .course = course, .status = registration_status::none, .fields = {}};
}

// The contact's latest registration for the course, cancelled ones included.
std::optional<registration_record> latest_registration(connection& c,
                                                       std::int64_t contact_id,
                                                       const std::string& course) {
    auto& q = c.prepared(
        "SELECT code, status, fields FROM registrations "
        "WHERE contact_id = ? AND course = ? ORDER BY id DESC LIMIT 1");
    q.bind(1, contact_id);
    q.bind(2, course);
    if (!q.executeStep()) return std::nullopt;
    registration_record r;
    r.code = q.getColumn(0).getString();
    r.course = course;
    r.status = registration_status_from(q.getColumn(1).getString());
    r.fields = fields_from_json(q.getColumn(2).getText());
    return r;
}

// Cancels the contact's latest registration for the course if it is active; the cancelled
// registration, or status none when there was nothing to cancel.
registration_record cancel_latest(connection& c,
                                  std::int64_t contact_id,
                                  const std::string& course,
                                  engine::unix_seconds now) {
    auto& q = c.prepared(
        "UPDATE registrations SET status = 'cancelled', updated_at = ?3 "
        "WHERE id = (SELECT id FROM registrations WHERE contact_id = ?1 AND course = ?2 "
        "            ORDER BY id DESC LIMIT 1) "
        "  AND status IN ('registered', 'waitlisted') "
        "RETURNING code, fields");
    q.bind(1, contact_id);
    q.bind(2, course);
    q.bind(3, now);
    if (!q.executeStep()) return no_registration(course);
    registration_record r;
    r.code = q.getColumn(0).getString();
    r.course = course;
    r.status = registration_status::cancelled;
    r.fields = fields_from_json(q.getColumn(1).getText());
    return r;
}

bool is_active(const registration_record& r) {
    return r.status == registration_status::registered ||
           r.status == registration_status::waitlisted;
}

// The registrar the engine sees: reads and writes in the writer's transaction, so a seat
// count and the insert that takes the seat cannot interleave with another message. Notes the
// message's own contact's latest registration per course it touches, for the contact cache.
class transaction_registrar final : public engine::registrar {
  public:
    transaction_registrar(connection& c,
                          const std::string& own_address,
                          std::int64_t own_id,
                          const known_registrations* known)
        : c_(c), own_address_(own_address), own_id_(own_id) {
        if (known) known_ = *known;
    }

    // Null when the turn touched no registration of its contact.
    std::shared_ptr<const known_registrations> known() const {
        if (!touched_) return nullptr;
        return std::make_shared<const known_registrations>(known_);
    }

    registration_record register_contact(const std::string& contact,
                                         const std::string& course,
                                         const std::string& code_prefix,
                                         int capacity,
                                         const std::map<std::string, std::string>& fields,
                                         engine::unix_seconds now) override {
        auto address = normalize_address(contact);
        auto contact_id = id_of(address);
        if (contact_id == 0) contact_id = insert_contact(c_, address, now);
        if (auto earlier = latest_registration(c_, contact_id, course);
            earlier && is_active(*earlier))
            return noted(address, *earlier);

        std::int64_t taken = 0;
        if (capacity > 0) {
            // O(seats taken) on the (course, status) index, not O(every registration).
            auto& seats = c_.prepared(
                "SELECT count(*) FROM registrations WHERE course = ? AND status = 'registered'");
            seats.bind(1, course);
            seats.executeStep();
            taken = seats.getColumn(0).getInt64();
        }
        auto& count = c_.prepared(
            "INSERT OR FAIL INTO course_counters (course, issued) VALUES (?, 1) "
            "ON CONFLICT (course) DO UPDATE SET issued = issued + 1");
        count.bind(1, course);
        count.exec();
        auto& counted = c_.prepared("SELECT issued FROM course_counters WHERE course = ?");
        counted.bind(1, course);
        counted.executeStep();
        auto issued = counted.getColumn(0).getInt64();  // this one included

        registration_record r;
        char number[24];
        std::snprintf(number, sizeof number, "%04lld", static_cast<long long>(issued));
        r.code = code_prefix.empty() ? number : code_prefix + "-" + number;
        r.course = course;
        r.status = capacity <= 0 || taken < capacity ? registration_status::registered
                                                     : registration_status::waitlisted;
        r.fields = fields;
        auto& insert = c_.prepared(
            "INSERT INTO registrations (contact_id, course, code, status, fields, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, contact_id);
        insert.bind(2, course);
        insert.bind(3, r.code);
        insert.bind(4, engine::to_string(r.status));
        insert.bind(5, to_json_text(fields));
        insert.bind(6, now);
        insert.bind(7, now);
        insert.exec();
        return noted(address, r);
    }

    registration_record find(const std::string& contact, const std::string& course) override {
        auto address = normalize_address(contact);
        auto contact_id = id_of(address);
        if (contact_id == 0) return no_registration(course);
        auto r = latest_registration(c_, contact_id, course);
        return noted(address, r ? *r : no_registration(course));
    }

    registration_record cancel(const std::string& contact,
                               const std::string& course,
                               engine::unix_seconds now) override {
        auto address = normalize_address(contact);
        auto contact_id = id_of(address);
        if (contact_id == 0) return no_registration(course);
        auto r = cancel_latest(c_, contact_id, course, now);
        if (r.status == registration_status::cancelled) return noted(address, r);
        // Nothing active: the latest may be a cancelled one, not read here.
        if (address == own_address_ && known_.erase(course) > 0) touched_ = true;
        return r;
    }

  private:
    // The message's own contact is known; the engine only ever names that one.
    std::int64_t id_of(const std::string& address) {
        return address == own_address_ ? own_id_ : find_contact_id(c_, address);
    }

    const registration_record& noted(const std::string& address, const registration_record& r) {
        if (address != own_address_) return r;
        touched_ = true;
        return known_[r.course] = r;
    }

    connection& c_;
    const std::string& own_address_;
    const std::int64_t own_id_;
    known_registrations known_;
    bool touched_ = false;
};

// Whether each registration a turn run ahead assumed is still the contact's latest.
bool still_latest(connection& c, std::int64_t contact_id, const known_registrations& assumed) {
    for (const auto& [course, expected] : assumed) {
        auto actual = latest_registration(c, contact_id, course);
        if ((actual ? *actual : no_registration(course)) != expected) return false;
    }
    return true;
}

// The session as the store writes it: engine::session_state as JSON.
std::string session_json(const engine::session_state& s) {
    return nlohmann::json(s).dump();
}

// `ahead`: the JSON texts already written by a speculative turn, or null.
void save_contact(connection& c,
                  const stored_contact& before,
                  const engine::contact_state& after,
                  engine::unix_seconds now,
                  const speculative_turn* ahead) {
    auto& q = c.prepared(
        "UPDATE contacts SET language = ?2, fields = ?3, "
        "  opted_out_at = CASE WHEN ?4 = 0 THEN NULL ELSE coalesce(opted_out_at, ?5) END, "
        "  last_seen = max(last_seen, ?5) "
        "WHERE id = ?1");
    const auto fields = ahead ? std::string() : to_json_text(after.fields);
    q.bind(1, before.id);
    q.bindNoCopy(2, after.language);
    q.bindNoCopy(3, ahead ? ahead->fields_json : fields);
    q.bind(4, after.opted_out ? 1 : 0);
    q.bind(5, now);
    q.exec();

    const auto& s = after.session;
    auto& u = c.prepared(
        "INSERT OR FAIL INTO sessions (contact_id, script_id, script_version, status, node, "
        "  retries, last_active, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (contact_id) DO UPDATE SET script_id = excluded.script_id, "
        "  script_version = excluded.script_version, status = excluded.status, "
        "  node = excluded.node, retries = excluded.retries, "
        "  last_active = excluded.last_active, state = excluded.state");
    const auto node =
        s.stack.empty() ? std::string() : s.stack.back().script_id + "/" + s.stack.back().node_id;
    const auto state = ahead ? std::string() : session_json(s);
    u.bind(1, before.id);
    u.bindNoCopy(2, s.script_id);
    u.bind(3, s.script_version);
    u.bindNoCopy(4, session_status_name(s.status));
    u.bindNoCopy(5, node);
    u.bind(6, s.retries);
    u.bind(7, s.last_active);
    u.bindNoCopy(8, ahead ? ahead->session_json : state);
    u.exec();
}

// The new row's id; 0 when the channel already has a message with this gateway id (nothing
// is written then).
std::int64_t insert_inbound(connection& c,
                            const inbound_message& m,
                            std::int64_t contact_id,
                            const engine::turn_result& turn,
                            const sqlite_options& options) {
    // Why the answer was understood: the first event that says how it matched.
    const engine::event* matched = nullptr;
    for (const auto& e : turn.events) {
        if (e.matched) {
            matched = &e;
            break;
        }
    }
    // A repeat writes nothing: the message is not stored twice, whichever path found it.
    auto& q = c.prepared(
        "INSERT INTO messages (contact_id, direction, channel, gateway_message_id, text, "
        "  encoding, segments, status, match_kind, match_detail, created_at, status_at) "
        "VALUES (?1, 'in', ?2, ?3, ?4, ?5, ?6, 'received', ?7, ?8, ?9, ?9) "
        "ON CONFLICT (channel, gateway_message_id) "
        "  WHERE direction = 'in' AND gateway_message_id IS NOT NULL DO NOTHING");
    // Not RETURNING id: SQLite collects RETURNING rows in a temporary table per statement.
    q.bind(1, contact_id);
    q.bindNoCopy(2, m.channel);
    bind_optional(q, 3, m.gateway_message_id);
    q.bindNoCopy(4, m.text);
    bind_cost(c, q, 5, m.text, options, false);
    if (matched) {
        q.bindNoCopy(7, engine::to_string(*matched->matched));
        q.bindNoCopy(8, matched->detail);
    }
    q.bind(9, m.received_at);
    if (q.exec() == 0) return 0;
    return c.db().getLastInsertRowid();
}

// A turn's events in as few statements as possible (most turns have one to three): each
// statement costs more than its rows.
//
// OR FAIL here and in the other multi-row or upserting statements of a turn: with SQLite's
// default (ABORT) such a statement keeps a statement journal, a copy of every page it changes
// that the transaction had already changed, to undo itself alone. A statement of a turn never
// has to undo itself alone: a failing job is undone whole, by the batch's rollback or by its
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
                   engine::unix_seconds now) {
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
                data[r] = to_json_text(e.data);
                q.bindNoCopy(at + 7, data[r]);
            }
            q.bind(at + 8, now);
        }
        q.exec();
    }
}

std::int64_t insert_reply(connection& c,
                          const inbound_message& m,
                          std::int64_t contact_id,
                          std::int64_t inbound_id,
                          const engine::outbound_message& reply,
                          const sqlite_options& options) {
    auto& q = c.prepared(
        "INSERT INTO messages (contact_id, direction, channel, reply_to, text, payload, "
        "  encoding, segments, status, via, created_at, status_at) "
        "VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
    q.bind(1, contact_id);
    q.bindNoCopy(2, m.channel);
    q.bind(3, inbound_id);
    q.bindNoCopy(4, reply.text);
    if (!reply.body.empty() || !reply.options.empty()) {
        // Separators that script texts do not contain keep distinct replies' keys distinct.
        std::string key = reply.body;
        for (const auto& o : reply.options) {
            key += '\x1f';
            key += o.key;
            key += '\x1e';
            key += o.label;
        }
        q.bindNoCopy(5, c.payload_of(key, [&] {
            nlohmann::json options_json = nlohmann::json::array();
            for (const auto& o : reply.options)
                options_json.push_back({{"key", o.key}, {"label", o.label}});
            return nlohmann::json{{"body", reply.body}, {"options", options_json}}.dump();
        }));
    }
    bind_cost(c, q, 6, reply.text, options, true);
    q.bindNoCopy(8, m.replies_by_api ? "queued" : "sent");
    q.bindNoCopy(9, m.replies_by_api ? "api" : "inline");
    q.bind(10, m.received_at);
    q.exec();
    auto id = c.db().getLastInsertRowid();
    if (m.replies_by_api) {
        auto& job = c.prepared(
            "INSERT INTO outbound_queue (message_id, channel, contact_id, state, "
            "  next_attempt_at) VALUES (?, ?, ?, 'pending', ?)");
        job.bind(1, id);
        job.bind(2, m.channel);
        job.bind(3, contact_id);
        job.bind(4, m.received_at);
        job.exec();
    }
    return id;
}

}  // namespace

engine::outbound_message read_reply(const SQLite::Column& text, const SQLite::Column& payload) {
    engine::outbound_message out;
    out.text = text.getString();
    if (payload.isNull()) return out;
    auto j = nlohmann::json::parse(payload.getText(), nullptr, false);
    if (!j.is_object()) return out;
    out.body = j.value("body", "");
    if (auto it = j.find("options"); it != j.end() && it->is_array()) {
        for (const auto& o : *it)
            out.options.push_back({o.value("key", ""), o.value("label", "")});
    }
    return out;
}

inbound_outcome process_inbound(connection& c,
                                const inbound_message& m,
                                const std::string& address,
                                const turn_function& turn,
                                const sqlite_options& options,
                                speculative_turn* ahead) {
    // Taken out of the cache and put back only once this message's writes succeeded: a
    // message that fails leaves no half-changed contact behind.
    auto contact = c.contacts().take(address);
    if (!contact) contact = read_contact(c, address);
    auto repeated = [&](std::int64_t earlier) -> inbound_outcome {
        if (contact) c.contacts().put(address, std::move(*contact));
        return {.duplicate = true, .contact = address, .replies = replies_to(c, earlier)};
    };
    // The turn run ahead counts only if it started from exactly this state (a version is
    // never 0 in the cache, only for a contact read from the database).
    if (ahead && (ahead->used || !contact || contact->version != ahead->version)) ahead = nullptr;
    if (ahead && !ahead->assumed.empty() && !still_latest(c, contact->id, ahead->assumed))
        ahead = nullptr;
    // A turn run ahead has written nothing yet (its cancellations come below), so with a
    // gateway id the inbound row's own unique index can tell a repeat, before anything else
    // is written: one index lookup per message instead of a query and then the insert's.
    const bool insert_finds_repeat = ahead && !m.gateway_message_id.empty();
    std::int64_t inbound_id = 0;
    if (insert_finds_repeat) {
        inbound_id = insert_inbound(c, m, contact->id, ahead->result, options);
        if (inbound_id == 0) return repeated(find_duplicate(c, m, contact->id, options));
    } else if (auto earlier = find_duplicate(c, m, contact ? contact->id : 0, options)) {
        return repeated(earlier);
    }
    if (!contact) {
        auto fresh = std::make_shared<engine::contact_state>();
        fresh->address = address;
        contact = stored_contact{};
        contact->id = insert_contact(c, address, m.received_at);
        contact->state = std::move(fresh);
    }

    engine::turn_result result;
    auto known = contact->registrations;
    if (ahead) {
        ahead->used = true;
        result = std::move(ahead->result);
        if (!ahead->assumed.empty()) {
            auto updated = known ? *known : known_registrations{};
            for (const auto& [course, r] : ahead->assumed)
                updated[course] = r;
            for (const auto& cancellation : ahead->cancellations) {
                cancel_latest(c, contact->id, cancellation.course, cancellation.at);
                updated[cancellation.course].status = registration_status::cancelled;
            }
            known = std::make_shared<const known_registrations>(std::move(updated));
        }
    } else {
        transaction_registrar registrations(c, address, contact->id, known.get());
        try {
            result = turn(*contact->state, registrations);
        } catch (const std::exception& e) {
            throw turn_error(e.what());
        } catch (...) {
            throw turn_error("unknown exception");
        }
        if (auto noted = registrations.known()) known = std::move(noted);
    }
    result.state.address = address;  // the engine does not move a contact

    save_contact(c, *contact, result.state, m.received_at, ahead);
    if (!insert_finds_repeat) {
        inbound_id = insert_inbound(c, m, contact->id, result, options);
        // find_duplicate found none in this same transaction.
        if (inbound_id == 0) throw std::logic_error("an inbound message stored twice");
    }
    insert_events(c, inbound_id, contact->id, result.events, m.received_at);
    inbound_outcome out{.duplicate = false, .contact = address, .replies = {}};
    for (auto& reply : result.replies) {
        auto id = insert_reply(c, m, contact->id, inbound_id, reply, options);
        out.replies.push_back({id, std::move(reply)});
    }
    const bool opted_out = result.state.opted_out;
    c.contacts().put(
        address,
        {.id = contact->id,
         .state = std::make_shared<const engine::contact_state>(std::move(result.state)),
         .opted_out_before = opted_out,
         .version = 0,
         .registrations = std::move(known)});
    return out;
}

namespace {

// The registrar a turn run ahead sees: answers for the contact's own registrations from what
// the writer last knew of them, and notes what it assumed and what it cancelled (see
// speculative_turn). Anything else spoils the turn: registering (seats are counted in the
// writer's transaction), another contact, a course the writer has not seen. The answers
// mirror transaction_registrar's.
class cached_registrar final : public engine::registrar {
  public:
    cached_registrar(const std::string& address, const known_registrations* known)
        : address_(address), known_(known) {}

    bool spoiled = false;
    known_registrations assumed;
    std::vector<speculative_turn::cancellation> cancellations;

    registration_record register_contact(const std::string&,
                                         const std::string& course,
                                         const std::string&,
                                         int,
                                         const std::map<std::string, std::string>&,
                                         engine::unix_seconds) override {
        spoiled = true;
        return no_registration(course);
    }

    registration_record find(const std::string& contact, const std::string& course) override {
        auto* r = latest(contact, course);
        return r ? *r : no_registration(course);
    }

    registration_record cancel(const std::string& contact,
                               const std::string& course,
                               engine::unix_seconds now) override {
        auto* r = latest(contact, course);
        if (!r || !is_active(*r)) return no_registration(course);
        r->status = registration_status::cancelled;
        cancellations.push_back({course, now});
        return *r;
    }

  private:
    // The latest registration as the turn has left it so far, or null (spoiled).
    registration_record* latest(const std::string& contact, const std::string& course) {
        if (normalize_address(contact) != address_) return spoil();
        if (auto it = current_.find(course); it != current_.end()) return &it->second;
        if (!known_) return spoil();
        const auto known = known_->find(course);
        if (known == known_->end()) return spoil();
        assumed.emplace(course, known->second);
        return &current_.emplace(course, known->second).first->second;
    }

    registration_record* spoil() {
        spoiled = true;
        return nullptr;
    }

    const std::string& address_;
    const known_registrations* known_;
    known_registrations current_;  // as the turn has left them so far
};

}  // namespace

std::shared_ptr<speculative_turn> speculate(const contact_cache& contacts,
                                            const std::string& address,
                                            const turn_function& turn) {
    auto cached = contacts.peek(address);
    if (!cached) return nullptr;
    auto ahead = std::make_shared<speculative_turn>();
    ahead->version = cached->version;
    cached_registrar registrations(address, cached->registrations.get());
    try {
        ahead->result = turn(*cached->state, registrations);
    } catch (...) {
        return nullptr;  // the writer runs it again and reports the error
    }
    if (registrations.spoiled) return nullptr;
    ahead->assumed = std::move(registrations.assumed);
    ahead->cancellations = std::move(registrations.cancellations);
    ahead->result.state.address = address;
    ahead->session_json = session_json(ahead->result.state.session);
    ahead->fields_json = to_json_text(ahead->result.state.fields);
    return ahead;
}

std::optional<engine::contact_state> load_contact(connection& c, const std::string& address) {
    auto contact = read_contact(c, address);
    if (!contact) return std::nullopt;
    return *contact->state;
}

}  // namespace sapa::storage::detail
