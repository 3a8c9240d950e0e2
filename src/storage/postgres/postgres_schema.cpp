// The PostgreSQL schema and its migrations. As for SQLite, a released migration never
// changes: a database at version N gets migrations N+1.. in one transaction. The version is
// kept in sapa_schema_version; an advisory lock makes instances that start together migrate
// one after the other.

#include "storage/postgres/detail/pg_connection.hpp"

#include <iterator>

namespace sapa::storage {
namespace pg {
namespace {

struct migration {
    const char* summary;  // what `sapa migrate --dry-run` prints
    const char* sql;
};

// Times are unix seconds (bigint) as in SQLite, so both stores export the same values.
// Collected fields, event data and payloads are JSON text (storage/stored_form.hpp).
constexpr migration migrations[] = {
    {"v1: contacts, sessions, messages, events, registrations, course counters, outbound queue",
     R"sql(
CREATE TABLE contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address text NOT NULL UNIQUE,
    language text NOT NULL DEFAULT '',
    fields text NOT NULL DEFAULT '{}',
    opted_out_at bigint,
    first_seen bigint NOT NULL,
    last_seen bigint NOT NULL,
    erased_at bigint
);
CREATE TABLE sessions (
    contact_id bigint PRIMARY KEY REFERENCES contacts(id),
    script_id text NOT NULL,
    script_version integer NOT NULL,
    status text NOT NULL,
    node text NOT NULL,
    retries integer NOT NULL,
    last_active bigint NOT NULL,
    state text NOT NULL
);
CREATE TABLE messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint NOT NULL REFERENCES contacts(id),
    direction text NOT NULL CHECK (direction IN ('in', 'out')),
    channel text NOT NULL,
    gateway_message_id text,
    reply_to bigint REFERENCES messages(id),
    text text,
    payload text,
    encoding text,
    segments integer,
    status text NOT NULL,
    status_code text,
    status_reason text,
    created_at bigint NOT NULL,
    status_at bigint NOT NULL,
    match_kind text,
    match_detail text,
    via text
);
CREATE UNIQUE INDEX messages_inbound_id ON messages(channel, gateway_message_id)
    WHERE direction = 'in' AND gateway_message_id IS NOT NULL;
CREATE INDEX messages_outbound_id ON messages(channel, gateway_message_id)
    WHERE direction = 'out' AND gateway_message_id IS NOT NULL;
CREATE INDEX messages_contact ON messages(contact_id, id);
CREATE INDEX messages_reply_to ON messages(reply_to) WHERE reply_to IS NOT NULL;
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES messages(id),
    contact_id bigint NOT NULL REFERENCES contacts(id),
    kind text NOT NULL,
    node text NOT NULL,
    detail text,
    match_kind text,
    data text,
    created_at bigint NOT NULL
);
CREATE INDEX events_message ON events(message_id);
CREATE TABLE registrations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint NOT NULL REFERENCES contacts(id),
    course text NOT NULL,
    code text NOT NULL,
    status text NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
    fields text NOT NULL DEFAULT '{}',
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    UNIQUE (course, code)
);
CREATE INDEX registrations_course ON registrations(course, status);
CREATE INDEX registrations_contact ON registrations(contact_id, course);
CREATE TABLE course_counters (
    course text PRIMARY KEY,
    issued integer NOT NULL
);
CREATE TABLE outbound_queue (
    message_id bigint PRIMARY KEY REFERENCES messages(id),
    channel text NOT NULL,
    contact_id bigint NOT NULL REFERENCES contacts(id),
    state text NOT NULL CHECK (state IN ('pending', 'leased')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    lease_until bigint,
    last_error text
);
CREATE INDEX outbound_channel ON outbound_queue(channel, message_id);
CREATE INDEX outbound_contact ON outbound_queue(contact_id, channel, message_id);
)sql"},
    {"v2: residents' requests to staff (handoffs, erasures) by their own index; requests_done",
     R"sql(
CREATE INDEX events_requests ON events(id)
    WHERE kind IN ('handoff_requested', 'erase_requested');
CREATE TABLE requests_done (
    event_id bigint PRIMARY KEY REFERENCES events(id),
    done_at bigint NOT NULL
);
)sql"},
    {"v3: contact groups, for outreach segments",
     R"sql(
CREATE TABLE contact_groups (
    group_name text NOT NULL,
    contact_id bigint NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (group_name, contact_id)
);
)sql"},
    {"v4: published dialog scripts and API tokens",
     R"sql(
CREATE TABLE script_versions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    files text NOT NULL,
    published_by text NOT NULL,
    note text NOT NULL,
    published_at bigint NOT NULL
);
CREATE TABLE api_tokens (
    name text PRIMARY KEY,
    hash text NOT NULL UNIQUE,
    role text NOT NULL CHECK (role IN ('viewer', 'staff', 'admin')),
    created_at bigint NOT NULL,
    last_used_at bigint
);
)sql"},
    {"v5: broadcasts and their recipients; when an outbound send began (in doubt after a crash)",
     R"sql(
CREATE TABLE broadcasts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel text NOT NULL,
    segment text NOT NULL,
    opening text NOT NULL,
    created_at bigint NOT NULL,
    start_at bigint NOT NULL,
    budget bigint NOT NULL DEFAULT 0,
    spent bigint NOT NULL DEFAULT 0,
    status text NOT NULL,
    reason text NOT NULL DEFAULT ''
);
CREATE TABLE broadcast_recipients (
    broadcast_id bigint NOT NULL REFERENCES broadcasts(id),
    contact_id bigint NOT NULL REFERENCES contacts(id),
    status text NOT NULL CHECK (status IN ('waiting', 'queued', 'skipped')),
    first_message bigint,
    last_message bigint,
    segments bigint NOT NULL DEFAULT 0,
    reason text,
    PRIMARY KEY (broadcast_id, contact_id)
);
ALTER TABLE outbound_queue ADD COLUMN attempt_at bigint;
)sql"},
    {"v6: the staff console: accounts, signed-in sessions, audit log",
     R"sql(
CREATE TABLE staff (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('viewer', 'staff', 'admin')),
    created_at bigint NOT NULL
);
CREATE TABLE staff_sessions (
    token_hash text PRIMARY KEY,
    staff_id bigint NOT NULL REFERENCES staff(id),
    csrf_token text NOT NULL,
    created_at bigint NOT NULL,
    last_seen_at bigint NOT NULL
);
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at bigint NOT NULL,
    staff text NOT NULL,
    action text NOT NULL,
    object text NOT NULL,
    detail text NOT NULL
);
)sql"},
    {"v7: broadcasts made once per key (a reminder and its date)",
     R"sql(
CREATE TABLE broadcast_keys (
    key text PRIMARY KEY,
    broadcast_id bigint NOT NULL REFERENCES broadcasts(id)
);
)sql"},
    {"v8: the console's overview reads outbound messages and funnel events by time",
     R"sql(
CREATE INDEX messages_out_time ON messages(created_at, channel, status, contact_id)
    WHERE direction = 'out';
CREATE INDEX events_funnel ON events(created_at, kind, contact_id, node)
    WHERE kind IN ('node_entered', 'registration_completed');
)sql"},
    {"v9: registration statuses confirmed and attended",
     R"sql(
ALTER TABLE registrations DROP CONSTRAINT registrations_status_check;
ALTER TABLE registrations ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('registered', 'waitlisted', 'cancelled', 'confirmed', 'attended'));
CREATE INDEX registrations_attended ON registrations(updated_at, contact_id)
    WHERE status = 'attended';
)sql"},
    {"v10: the overview's days that are over, counted once (as SQLite's v13)",
     R"sql(
CREATE TABLE rollup_days (
    start bigint PRIMARY KEY,
    end_at bigint NOT NULL,
    params text NOT NULL,
    token bigint NOT NULL,
    filled boolean NOT NULL DEFAULT false
);
CREATE INDEX rollup_days_end ON rollup_days(end_at);
CREATE TABLE funnel_days (
    start bigint NOT NULL REFERENCES rollup_days(start) ON DELETE CASCADE,
    kecamatan text NOT NULL,
    reached bigint NOT NULL,
    warned bigint NOT NULL,
    started bigint NOT NULL,
    registered bigint NOT NULL,
    PRIMARY KEY (start, kecamatan)
);
CREATE TABLE delivery_days (
    start bigint NOT NULL REFERENCES rollup_days(start) ON DELETE CASCADE,
    channel text NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (start, channel, kind, name)
);
-- A row of a kept day written: that day's marker goes (its rows with it).
CREATE FUNCTION rollup_drop_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kept bigint := (SELECT max(end_at) FROM rollup_days);
BEGIN
    IF kept IS NULL THEN RETURN NULL; END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.created_at < kept THEN
        DELETE FROM rollup_days WHERE end_at > OLD.created_at AND start <= OLD.created_at;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.created_at < kept THEN
        DELETE FROM rollup_days WHERE end_at > NEW.created_at AND start <= NEW.created_at;
    END IF;
    RETURN NULL;
END $$;
-- A resident's kecamatan changed: the kept days they were active on go.
CREATE FUNCTION rollup_drop_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT max(end_at) FROM rollup_days) IS NULL THEN RETURN NULL; END IF;
    DELETE FROM rollup_days WHERE start IN (
        SELECT r.start FROM messages m JOIN rollup_days r
            ON r.end_at > m.created_at AND r.start <= m.created_at
        WHERE m.contact_id = NEW.id AND m.direction = 'out'
        UNION
        SELECT r.start FROM events e JOIN rollup_days r
            ON r.end_at > e.created_at AND r.start <= e.created_at
        WHERE e.contact_id = NEW.id AND e.kind IN ('node_entered', 'registration_completed'));
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_message_insert AFTER INSERT ON messages
    FOR EACH ROW WHEN (NEW.direction = 'out') EXECUTE FUNCTION rollup_drop_rows();
CREATE TRIGGER rollup_message_update AFTER UPDATE ON messages
    FOR EACH ROW WHEN ((OLD.direction = 'out' OR NEW.direction = 'out') AND (
        (OLD.direction, OLD.channel, OLD.contact_id, OLD.created_at) IS DISTINCT FROM
            (NEW.direction, NEW.channel, NEW.contact_id, NEW.created_at)
        OR (CASE WHEN OLD.status = 'read' THEN 'delivered' ELSE OLD.status END) IS DISTINCT FROM
            (CASE WHEN NEW.status = 'read' THEN 'delivered' ELSE NEW.status END)
        OR (NEW.status = 'failed' AND (OLD.status_reason, OLD.status_code) IS DISTINCT FROM
            (NEW.status_reason, NEW.status_code))))
    EXECUTE FUNCTION rollup_drop_rows();
CREATE TRIGGER rollup_message_delete AFTER DELETE ON messages
    FOR EACH ROW WHEN (OLD.direction = 'out') EXECUTE FUNCTION rollup_drop_rows();
CREATE TRIGGER rollup_event_insert AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.kind IN ('node_entered', 'registration_completed'))
    EXECUTE FUNCTION rollup_drop_rows();
CREATE TRIGGER rollup_event_update AFTER UPDATE ON events
    FOR EACH ROW WHEN ((OLD.kind IN ('node_entered', 'registration_completed')
                        OR NEW.kind IN ('node_entered', 'registration_completed'))
        AND (OLD.kind, OLD.node, OLD.contact_id, OLD.created_at) IS DISTINCT FROM
            (NEW.kind, NEW.node, NEW.contact_id, NEW.created_at))
    EXECUTE FUNCTION rollup_drop_rows();
CREATE TRIGGER rollup_event_delete AFTER DELETE ON events
    FOR EACH ROW WHEN (OLD.kind IN ('node_entered', 'registration_completed'))
    EXECUTE FUNCTION rollup_drop_rows();
CREATE TRIGGER rollup_contact_moved AFTER UPDATE OF fields ON contacts
    FOR EACH ROW WHEN (lower(OLD.fields::jsonb ->> 'kecamatan') IS DISTINCT FROM
                       lower(NEW.fields::jsonb ->> 'kecamatan'))
    EXECUTE FUNCTION rollup_drop_contact();
)sql"},
};

constexpr int latest_version = static_cast<int>(std::size(migrations));

// The version of the database, 0 when new; throws when it holds tables that are not Sapa's
// or a schema newer than this build.
int current_version(connection& c) {
    auto versioned = c.query("SELECT to_regclass('sapa_schema_version') IS NOT NULL");
    if (versioned.view(0, 0) != "t") {
        auto tables = c.query(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename IN ('contacts', 'messages', 'registrations')");
        if (tables.integer(0, 0) > 0)
            throw error(
                "the database has Sapa's table names but no Sapa schema version; "
                "refusing to touch it",
                "",
                false);
        return 0;
    }
    auto v = c.query("SELECT coalesce(max(version), 0) FROM sapa_schema_version");
    const int version = static_cast<int>(v.integer(0, 0));
    if (version > latest_version)
        throw error("database schema version " + std::to_string(version) +
                        " is newer than this sapa (" + std::to_string(latest_version) +
                        "); upgrade sapa",
                    "",
                    false);
    return version;
}

void create_schema(connection& c, const std::string& schema) {
    if (schema.empty()) return;
    auto quoted = c.query("SELECT quote_ident($1)", {text(schema)});
    c.exec("CREATE SCHEMA IF NOT EXISTS " + quoted.text(0, 0));
}

}  // namespace

void migrate(connection& c, const std::string& schema) {
    c.exec("BEGIN");
    try {
        c.exec("SELECT pg_advisory_xact_lock(hashtextextended('sapa:migrate', 0))");
        create_schema(c, schema);
        const int version = current_version(c);
        if (version < latest_version) {
            c.exec(
                "CREATE TABLE IF NOT EXISTS sapa_schema_version (version integer PRIMARY KEY, "
                "applied_at timestamptz NOT NULL DEFAULT now())");
            for (int v = version; v < latest_version; ++v) {
                c.exec(migrations[v].sql);
                c.query("INSERT INTO sapa_schema_version (version) VALUES ($1)", {number(v + 1)});
            }
        }
        c.exec("COMMIT");
    } catch (...) {
        if (c.usable()) c.exec("ROLLBACK");
        throw;
    }
}

std::vector<std::string> pending_migrations(connection& c) {
    std::vector<std::string> out;
    c.exec("BEGIN READ ONLY");
    try {
        for (int v = current_version(c); v < latest_version; ++v)
            out.emplace_back(migrations[v].summary);
        c.exec("COMMIT");
    } catch (...) {
        if (c.usable()) c.exec("ROLLBACK");
        throw;
    }
    return out;
}

}  // namespace pg

int postgres_store::schema_version() {
    return pg::latest_version;
}

}  // namespace sapa::storage
