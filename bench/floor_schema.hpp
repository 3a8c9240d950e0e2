#pragma once
// The least durable store's tables and statements, shared by bench/sqlite_floor (the write
// alone) and bench/in_memory_server --floor-db (end to end), so both measure the same thing:
// one row per message (its text and replies, deduped by the gateway's id) and one row per
// contact (its state), in WAL mode with synchronous FULL.

namespace sapa::bench::floor {

constexpr const char* pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";

constexpr const char* schema =
    "CREATE TABLE IF NOT EXISTS exchanges (id INTEGER PRIMARY KEY, contact TEXT NOT NULL, "
    "  channel TEXT NOT NULL, gateway_message_id TEXT, text TEXT NOT NULL, "
    "  replies TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS exchanges_gateway_id "
    "  ON exchanges(channel, gateway_message_id);"
    "CREATE TABLE IF NOT EXISTS contacts (address TEXT PRIMARY KEY, state TEXT NOT NULL) "
    "  WITHOUT ROWID;";

// ?1 contact, ?2 channel, ?3 gateway message id, ?4 text, ?5 replies, ?6 created_at.
constexpr const char* insert_exchange =
    "INSERT INTO exchanges (contact, channel, gateway_message_id, text, replies, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

// ?1 address, ?2 state.
constexpr const char* keep_state =
    "INSERT INTO contacts (address, state) VALUES (?, ?) "
    "ON CONFLICT (address) DO UPDATE SET state = excluded.state";

}  // namespace sapa::bench::floor
