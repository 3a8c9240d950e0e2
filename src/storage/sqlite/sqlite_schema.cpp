// The SQLite connection setup and the schema migrations. A migration, once released, never
// changes: a database at version N is upgraded by running migrations N+1.. in one
// transaction, then PRAGMA user_version is set.

#include "storage/sqlite/detail/sqlite_connection.hpp"

#include <SQLiteCpp/Transaction.h>

#include <fcntl.h>
#include <iterator>
#include <mutex>
#include <sqlite3.h>
#include <stdexcept>
#include <unistd.h>

namespace sapa::storage {
namespace detail {
namespace {

// PRAGMA application_id of a Sapa database: "SAPA".
constexpr int application_id = 0x53415041;

constexpr const char* migrations[] = {
    // v1: contacts, sessions, the conversation log, registrations.
    R"sql(
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,       -- E.164 or channel id; "anon-<id>" once forgotten
    language TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '{}',  -- JSON object of collected fields
    opted_out_at INTEGER,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    erased_at INTEGER
);
CREATE TABLE sessions (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
    script_id TEXT NOT NULL,
    script_version INTEGER NOT NULL,
    status TEXT NOT NULL,
    node TEXT NOT NULL,                 -- top frame, "script/node"
    retries INTEGER NOT NULL,
    last_active INTEGER NOT NULL,
    state TEXT NOT NULL                 -- engine::session_state as JSON
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    channel TEXT NOT NULL,
    gateway_message_id TEXT,            -- in: the gateway's id; out: the provider's id
    reply_to INTEGER REFERENCES messages(id),
    text TEXT,
    payload TEXT,                       -- out: {"body", "options"} for interactive replies
    encoding TEXT,
    segments INTEGER,
    status TEXT NOT NULL,               -- in: received; out: queued/sent/delivered/read/failed
    status_code TEXT,                   -- the provider's raw code
    status_reason TEXT,                 -- in plain words
    created_at INTEGER NOT NULL,
    status_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_inbound_id ON messages(channel, gateway_message_id)
    WHERE direction = 'in' AND gateway_message_id IS NOT NULL;
CREATE INDEX messages_contact ON messages(contact_id, id);
CREATE INDEX messages_reply_to ON messages(reply_to) WHERE reply_to IS NOT NULL;
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    course TEXT NOT NULL,
    code TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
    fields TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (course, code)
);
CREATE INDEX registrations_course ON registrations(course, status);
CREATE INDEX registrations_contact ON registrations(contact_id, course);
)sql",
    // v2: engine events, and why an inbound answer matched.
    R"sql(
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    kind TEXT NOT NULL,
    node TEXT NOT NULL,
    detail TEXT,
    match_kind TEXT,
    data TEXT,                          -- JSON object
    created_at INTEGER NOT NULL
);
CREATE INDEX events_message ON events(message_id);
CREATE INDEX events_contact ON events(contact_id);
ALTER TABLE messages ADD COLUMN match_kind TEXT;
ALTER TABLE messages ADD COLUMN match_detail TEXT;
)sql",
    // v3: the outbound queue for gateways that send by API.
    R"sql(
ALTER TABLE messages ADD COLUMN via TEXT;  -- out: 'inline' (in the webhook response) or 'api'
CREATE INDEX messages_outbound_id ON messages(channel, gateway_message_id)
    WHERE direction = 'out' AND gateway_message_id IS NOT NULL;
CREATE TABLE outbound_queue (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    channel TEXT NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'leased')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT
);
CREATE INDEX outbound_channel ON outbound_queue(channel, message_id);
CREATE INDEX outbound_contact ON outbound_queue(contact_id, channel, message_id);
)sql",
    // v4: registration codes counted per course, instead of counting every registration of
    // the course on each sign-up; events are found through their messages (one random index
    // write less per event).
    R"sql(
CREATE TABLE course_counters (
    course TEXT PRIMARY KEY,
    issued INTEGER NOT NULL             -- registration codes handed out, cancelled included
) WITHOUT ROWID;
INSERT INTO course_counters (course, issued)
    SELECT course, count(*) FROM registrations GROUP BY course;
DROP INDEX events_contact;
)sql",
    // v5: residents' requests to staff (`sapa export requests`: handoffs and erasures) found
    // without reading every event (only those rare events are in the index), and the ones
    // staff marked done (`sapa done`).
    R"sql(
CREATE INDEX events_requests ON events(id)
    WHERE kind IN ('handoff_requested', 'erase_requested');
CREATE TABLE requests_done (
    event_id INTEGER PRIMARY KEY REFERENCES events(id),
    done_at INTEGER NOT NULL
);
)sql",
    // v6: contact groups, for segments.
    R"sql(
CREATE TABLE contact_groups (
    group_name TEXT NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (group_name, contact_id)
) WITHOUT ROWID;
)sql",
    // v7: published dialog scripts (hot reload, rollback) and API tokens (hashes only).
    R"sql(
CREATE TABLE script_versions (
    id INTEGER PRIMARY KEY,
    files TEXT NOT NULL,                -- JSON array of {name, text}
    published_by TEXT NOT NULL,
    note TEXT NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,          -- BLAKE2b of the token, hex; never the token
    role TEXT NOT NULL CHECK (role IN ('viewer', 'staff', 'admin')),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
)sql",
    // v8: broadcasts, one row per recipient (a contact is in a broadcast once); when a send
    // began (a job whose send began before a crash is in doubt, not sent again blindly).
    R"sql(
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    segment TEXT NOT NULL,
    opening TEXT NOT NULL,              -- JSON {"texts", "node", "variables"}
    created_at INTEGER NOT NULL,
    start_at INTEGER NOT NULL,
    budget INTEGER NOT NULL DEFAULT 0,  -- SMS segments; 0: none
    spent INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE broadcast_recipients (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    status TEXT NOT NULL CHECK (status IN ('waiting', 'queued', 'skipped')),
    first_message INTEGER,
    last_message INTEGER,
    segments INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    PRIMARY KEY (broadcast_id, contact_id)
) WITHOUT ROWID;
ALTER TABLE outbound_queue ADD COLUMN attempt_at INTEGER;  -- a send began, outcome not recorded
)sql",
    // v9: the staff console: accounts, signed-in sessions (the token's hash only), audit log.
    R"sql(
CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'staff', 'admin')),
    created_at INTEGER NOT NULL
);
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL
);
)sql",
    // v10: broadcasts made once per key (a reminder and its date), across every instance.
    R"sql(
CREATE TABLE broadcast_keys (
    key TEXT PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id)
) WITHOUT ROWID;
)sql",
    // v11: the console's overview reads only the period's rows: outbound messages and the
    // funnel's events by time, with the columns it counts (no table row is read; SQLite wants
    // the partial index's own column in it too). Both grow at their right edge (time goes
    // forward).
    R"sql(
CREATE INDEX messages_out_time ON messages(created_at, channel, status, contact_id, direction)
    WHERE direction = 'out';
CREATE INDEX events_funnel ON events(created_at, kind, contact_id, node)
    WHERE kind IN ('node_entered', 'registration_completed');
-- Each contact's kecamatan field (lower case) when it has one, kept by triggers: the
-- overview looks up every resident of the period here, a fraction of a contact row's size.
CREATE TABLE contact_places (
    contact_id INTEGER PRIMARY KEY,
    kecamatan TEXT NOT NULL
);
INSERT INTO contact_places (contact_id, kecamatan)
    SELECT id, lower(json_extract(fields, '$.kecamatan')) FROM contacts
    WHERE json_extract(fields, '$.kecamatan') IS NOT NULL;
CREATE TRIGGER contact_places_insert AFTER INSERT ON contacts
    WHEN json_extract(NEW.fields, '$.kecamatan') IS NOT NULL
BEGIN
    INSERT OR REPLACE INTO contact_places (contact_id, kecamatan)
        VALUES (NEW.id, lower(json_extract(NEW.fields, '$.kecamatan')));
END;
CREATE TRIGGER contact_places_update AFTER UPDATE OF fields ON contacts
    WHEN json_extract(NEW.fields, '$.kecamatan') IS NOT json_extract(OLD.fields, '$.kecamatan')
BEGIN
    INSERT OR REPLACE INTO contact_places (contact_id, kecamatan)
        VALUES (NEW.id, coalesce(lower(json_extract(NEW.fields, '$.kecamatan')), ''));
END;
)sql",
    // v12: registration statuses confirmed (staff confirmed the seat) and attended (came to
    // the course). SQLite cannot change a CHECK constraint: the table is rebuilt, ids kept
    // (nothing references a registration's id).
    R"sql(
CREATE TABLE registrations_v12 (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    course TEXT NOT NULL,
    code TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled', 'confirmed',
                                           'attended')),
    fields TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (course, code)
);
INSERT INTO registrations_v12 (id, contact_id, course, code, status, fields, created_at,
                               updated_at)
    SELECT id, contact_id, course, code, status, fields, created_at, updated_at
    FROM registrations;
DROP TABLE registrations;
ALTER TABLE registrations_v12 RENAME TO registrations;
CREATE INDEX registrations_course ON registrations(course, status);
CREATE INDEX registrations_contact ON registrations(contact_id, course);
-- The overview's "attended" step: the few marked attended, by when they were marked.
CREATE INDEX registrations_attended ON registrations(updated_at, contact_id)
    WHERE status = 'attended';
)sql",
    // v13: the overview's days that are over, counted once (sqlite_overview.cpp). A day's
    // marker (its local midnight to the next, in UTC seconds) is written before it is counted
    // and filled after; any later write that changes what the day counts deletes the marker,
    // and a trigger its rows: an outbound message or a funnel event of that day added, changed
    // or deleted, or the kecamatan of a contact active that day changed (forget included).
    // Each trigger first compares with the newest marker's end (an index probe), so a write
    // of today costs one probe.
    R"sql(
CREATE TABLE rollup_days (
    start INTEGER PRIMARY KEY,
    end_at INTEGER NOT NULL,
    params TEXT NOT NULL,
    token INTEGER NOT NULL,
    filled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rollup_days_end ON rollup_days(end_at);
CREATE TABLE funnel_days (
    start INTEGER NOT NULL,
    kecamatan TEXT NOT NULL,
    reached INTEGER NOT NULL,
    warned INTEGER NOT NULL,
    started INTEGER NOT NULL,
    registered INTEGER NOT NULL,
    PRIMARY KEY (start, kecamatan)
) WITHOUT ROWID;
CREATE TABLE delivery_days (
    start INTEGER NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (start, channel, kind, name)
) WITHOUT ROWID;
-- The writer runs without foreign keys (sqlite_store.cpp): a trigger drops a day's rows.
CREATE TRIGGER rollup_days_delete AFTER DELETE ON rollup_days
BEGIN
    DELETE FROM funnel_days WHERE start = OLD.start;
    DELETE FROM delivery_days WHERE start = OLD.start;
END;
CREATE TRIGGER rollup_message_insert AFTER INSERT ON messages
    WHEN NEW.direction = 'out' AND NEW.created_at < (SELECT max(end_at) FROM rollup_days)
BEGIN
    DELETE FROM rollup_days WHERE end_at > NEW.created_at AND start <= NEW.created_at;
END;
CREATE TRIGGER rollup_message_update
    AFTER UPDATE OF direction, channel, status, status_reason, status_code, contact_id,
        created_at ON messages
    WHEN (OLD.direction = 'out' OR NEW.direction = 'out')
     AND min(OLD.created_at, NEW.created_at) < (SELECT max(end_at) FROM rollup_days)
     AND (OLD.direction IS NOT NEW.direction OR OLD.channel IS NOT NEW.channel
       OR OLD.contact_id IS NOT NEW.contact_id OR OLD.created_at IS NOT NEW.created_at
       OR (CASE WHEN OLD.status = 'read' THEN 'delivered' ELSE OLD.status END) IS NOT
          (CASE WHEN NEW.status = 'read' THEN 'delivered' ELSE NEW.status END)
       OR (NEW.status = 'failed' AND (OLD.status_reason IS NOT NEW.status_reason
                                      OR OLD.status_code IS NOT NEW.status_code)))
BEGIN
    DELETE FROM rollup_days WHERE end_at > OLD.created_at AND start <= OLD.created_at;
    DELETE FROM rollup_days WHERE end_at > NEW.created_at AND start <= NEW.created_at;
END;
CREATE TRIGGER rollup_message_delete AFTER DELETE ON messages
    WHEN OLD.direction = 'out' AND OLD.created_at < (SELECT max(end_at) FROM rollup_days)
BEGIN
    DELETE FROM rollup_days WHERE end_at > OLD.created_at AND start <= OLD.created_at;
END;
CREATE TRIGGER rollup_event_insert AFTER INSERT ON events
    WHEN NEW.kind IN ('node_entered', 'registration_completed')
     AND NEW.created_at < (SELECT max(end_at) FROM rollup_days)
BEGIN
    DELETE FROM rollup_days WHERE end_at > NEW.created_at AND start <= NEW.created_at;
END;
CREATE TRIGGER rollup_event_update AFTER UPDATE OF kind, node, contact_id, created_at ON events
    WHEN (OLD.kind IN ('node_entered', 'registration_completed')
          OR NEW.kind IN ('node_entered', 'registration_completed'))
     AND min(OLD.created_at, NEW.created_at) < (SELECT max(end_at) FROM rollup_days)
BEGIN
    DELETE FROM rollup_days WHERE end_at > OLD.created_at AND start <= OLD.created_at;
    DELETE FROM rollup_days WHERE end_at > NEW.created_at AND start <= NEW.created_at;
END;
CREATE TRIGGER rollup_event_delete AFTER DELETE ON events
    WHEN OLD.kind IN ('node_entered', 'registration_completed')
     AND OLD.created_at < (SELECT max(end_at) FROM rollup_days)
BEGIN
    DELETE FROM rollup_days WHERE end_at > OLD.created_at AND start <= OLD.created_at;
END;
-- contact_places changes by INSERT OR REPLACE (its own triggers, on contacts).
CREATE TRIGGER rollup_place_insert AFTER INSERT ON contact_places
    WHEN (SELECT max(end_at) FROM rollup_days) IS NOT NULL
BEGIN
    DELETE FROM rollup_days WHERE start IN (
        SELECT r.start FROM messages m, rollup_days r
        WHERE m.contact_id = NEW.contact_id AND m.direction = 'out'
          AND r.end_at > m.created_at AND r.start <= m.created_at
        UNION
        SELECT r.start FROM events e, rollup_days r
        WHERE e.contact_id = NEW.contact_id
          AND e.kind IN ('node_entered', 'registration_completed')
          AND r.end_at > e.created_at AND r.start <= e.created_at);
END;
CREATE TRIGGER rollup_place_delete AFTER DELETE ON contact_places
    WHEN (SELECT max(end_at) FROM rollup_days) IS NOT NULL
BEGIN
    DELETE FROM rollup_days WHERE start IN (
        SELECT r.start FROM messages m, rollup_days r
        WHERE m.contact_id = OLD.contact_id AND m.direction = 'out'
          AND r.end_at > m.created_at AND r.start <= m.created_at
        UNION
        SELECT r.start FROM events e, rollup_days r
        WHERE e.contact_id = OLD.contact_id
          AND e.kind IN ('node_entered', 'registration_completed')
          AND r.end_at > e.created_at AND r.start <= e.created_at);
END;
)sql",
};

constexpr int latest_version = static_cast<int>(std::size(migrations));

// NOMUTEX: a connection is used by one thread at a time (the writer, or one export).
int open_flags(bool read_only) {
    return SQLite::OPEN_NOMUTEX |
           (read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
}

int pragma_int(SQLite::Database& db, const char* sql) {
    SQLite::Statement q(db, sql);
    q.executeStep();
    return q.getColumn(0).getInt();
}

// SQLite counts every allocation under a global mutex unless told not to; Sapa never reads
// those counts. Must run before SQLite initialises, so before the first connection opens;
// later it is refused harmlessly (SQLITE_MISUSE).
const std::string& without_memory_statistics(const std::string& path) {
    static std::once_flag once;
    std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    return path;
}

// The database holds residents' personal data: a new file is created readable and writable
// by Sapa's user only (0600), before SQLite opens it. SQLite gives the -wal and -shm files it
// creates the database file's permissions, so they follow. An existing file keeps its mode.
const std::string& created_private(const std::string& path, bool read_only) {
    if (read_only || path.empty() || path == ":memory:") return path;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) ::close(fd);  // otherwise it exists, or SQLite's open reports why not
    return path;
}

}  // namespace

connection::connection(const std::string& path, const sqlite_options& options, bool read_only)
    : db_(created_private(without_memory_statistics(path), read_only),
          open_flags(read_only),
          static_cast<int>(options.busy_timeout.count())) {
    db_.exec("PRAGMA foreign_keys = ON");
    if (!read_only) {
        // Deleted and overwritten content is zeroed, in the page and in the log frames written
        // from it, instead of lingering in free space until reused: what `forget` erases
        // must leave the files (see erase_log). Whatever the system's SQLite defaults to.
        db_.exec("PRAGMA secure_delete = ON");
        // WAL: readers (exports) never block the writer; a commit appends to the log.
        db_.exec("PRAGMA journal_mode = WAL");
        db_.exec(options.synchronous == sqlite_options::sync::full ? "PRAGMA synchronous = FULL"
                                                                   : "PRAGMA synchronous = NORMAL");
        // Savepoint journals stay in memory instead of temporary files (one per batch).
        db_.exec("PRAGMA temp_store = MEMORY");
        // 16 MiB of page cache instead of 2: the index pages that random contacts and
        // message ids touch stay cached in a database of a million contacts.
        db_.exec("PRAGMA cache_size = -16384");
    }
}

const message_cost& connection::cost_of(const std::string& text, const text_cost_function& cost) {
    return remember(costs_, text, [&] { return cost(text); });
}

void connection::notice_other_writers() {
    auto& q = prepared("PRAGMA data_version");
    q.executeStep();
    auto version = q.getColumn(0).getInt64();
    q.reset();
    if (version != data_version_) contacts_.clear();
    data_version_ = version;
}

SQLite::Statement& connection::prepared(const char* sql) {
    auto& slot = statements_[sql];
    if (!slot) {
        slot = std::make_unique<SQLite::Statement>(db_, sql);
    } else {
        slot->reset();
        slot->clearBindings();
    }
    in_use_.push_back(slot.get());
    return *slot;
}

void connection::reset_all() {
    for (auto* statement : in_use_)
        statement->tryReset();
    in_use_.clear();
}

bool connection::in_autocommit() const {
    return sqlite3_get_autocommit(db_.getHandle()) != 0;
}

void migrate(connection& c) {
    auto& db = c.db();
    // IMMEDIATE: two processes starting at once upgrade one after the other.
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    int version = pragma_int(db, "PRAGMA user_version");
    int app = pragma_int(db, "PRAGMA application_id");
    if (version > 0 && app != application_id) {
        throw std::runtime_error("database \"" + db.getFilename() + "\" is not a Sapa database");
    }
    if (version == 0 && pragma_int(db, "SELECT count(*) FROM sqlite_schema") > 0) {
        throw std::runtime_error("database \"" + db.getFilename() +
                                 "\" has tables but no Sapa schema version; refusing to touch it");
    }
    if (version > latest_version) {
        throw std::runtime_error("database schema version " + std::to_string(version) +
                                 " is newer than this sapa (" + std::to_string(latest_version) +
                                 "); upgrade sapa");
    }
    if (version == latest_version) return;  // the transaction rolls back: nothing changed
    for (int v = version; v < latest_version; ++v)
        db.exec(migrations[v]);
    db.exec("PRAGMA application_id = " + std::to_string(application_id));
    db.exec("PRAGMA user_version = " + std::to_string(latest_version));
    txn.commit();
}

}  // namespace detail

int sqlite_store::schema_version() {
    return detail::latest_version;
}

std::vector<std::string> sqlite_store::pending_migrations(const std::string& path) {
    int version = 0;
    if (path != ":memory:" && ::access(path.c_str(), F_OK) == 0) {
        SQLite::Database db(path, SQLite::OPEN_READONLY);
        version = detail::pragma_int(db, "PRAGMA user_version");
        if (version > 0 &&
            detail::pragma_int(db, "PRAGMA application_id") != detail::application_id)
            throw std::runtime_error("database \"" + path + "\" is not a Sapa database");
        if (version > detail::latest_version)
            throw std::runtime_error("database schema version " + std::to_string(version) +
                                     " is newer than this sapa (" +
                                     std::to_string(detail::latest_version) + "); upgrade sapa");
    }
    std::vector<std::string> out;
    for (int v = version; v < detail::latest_version; ++v)
        out.push_back("v" + std::to_string(v + 1));
    return out;
}

}  // namespace sapa::storage
