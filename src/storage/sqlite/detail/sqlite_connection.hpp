#pragma once
// Internal to the SQLite store: a connection with its prepared statements, and the
// operations the writer thread runs on it. Only sqlite_*.cpp include this header.

#include "storage/sql/overview.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/system/error_code.hpp>

#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct sqlite3;

namespace sapa::storage::detail {

// A contact as the writer last stored it, with its row id. The state is shared, never changed.
struct stored_contact {
    std::int64_t id = 0;
    std::shared_ptr<const engine::contact_state> state;
};

// The writer's copy of recently active contacts, so a message does not read and parse its
// contact and session back from the database. Residents in a dialog send several messages in
// a row, so the few thousand most recent cover them. Least recently used goes first.
//
// Correctness rests on three rules kept by the writer: an entry is put only after its
// unit of work ran without throwing; the whole cache is dropped when a transaction rolls back; and
// it is dropped when another connection (another process: `sapa forget`, `sapa chat --db`)
// committed, which PRAGMA data_version shows.
class contact_cache {
  public:
    explicit contact_cache(std::size_t capacity) : capacity_(capacity) {}
    // Writer only. Removes and returns the entry for `address`.
    std::optional<stored_contact> take(const std::string& address);
    // Writer only.
    void put(const std::string& address, stored_contact contact);
    void clear();

  private:
    using entry = std::pair<std::string, stored_contact>;
    std::size_t capacity_;
    std::list<entry> order_;  // most recently used first
    std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

class connection {
  public:
    // Opens `path` read-write (creating it) or read-only and applies the pragmas: WAL,
    // synchronous, foreign keys, busy timeout.
    connection(const std::string& path, const sqlite_options& options, bool read_only);

    SQLite::Database& db() { return db_; }
    // The statement for `sql`, prepared once per connection, reset with bindings cleared.
    // REQUIRES: `sql` is a string literal (statements are cached by its address).
    SQLite::Statement& prepared(const char* sql);
    // Resets the statements handed out since the last call (RELEASE and COMMIT refuse while
    // a statement is in progress).
    void reset_all();
    // True when no transaction is open (e.g. SQLite rolled one back after an I/O error).
    bool in_autocommit() const;
    // `cost(text)`, remembered: replies are mostly the same few script texts, and measuring
    // one (UTF-8 decoding, GSM-7 transliteration, segment planning) costs more than a lookup.
    const message_cost& cost_of(const std::string& text, const text_cost_function& cost);
    // A reply's stored payload by a key naming its body and options, remembered for the same
    // reason: writing the JSON costs more than building the key and looking it up.
    template <class Make>
    const std::string& payload_of(const std::string& key, Make make) {
        return remember(payloads_, key, make);
    }
    // Recently stored contacts (writer connection only).
    contact_cache& contacts() { return contacts_; }
    // Drops cached contacts when another connection committed since the last call.
    void notice_other_writers();

  private:
    // Bounded: free texts (names, dates) vary and would otherwise pile up.
    template <class Value, class Make>
    static const Value& remember(std::unordered_map<std::string, Value>& memo,
                                 const std::string& key,
                                 Make make) {
        if (auto it = memo.find(key); it != memo.end()) return it->second;
        if (memo.size() >= 4096) memo.clear();
        return memo.emplace(key, make()).first->second;
    }

    SQLite::Database db_;
    contact_cache contacts_{4096};
    std::int64_t data_version_ = -1;
    std::unordered_map<std::string, message_cost> costs_;
    std::unordered_map<std::string, std::string> payloads_;
    std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
    std::vector<SQLite::Statement*> in_use_;  // handed out since the last reset_all()
};

// The write-ahead log's fsync, done off the writer's thread. With it the writer's connection
// commits without syncing (synchronous NORMAL) and goes on with the next batch, while the
// batch just committed waits here for the log to reach the disk before anyone hears of it:
// the same promise as synchronous FULL, with the fsync beside the next batch's work.
class log_sync {
  public:
    explicit log_sync(const std::string& database_path);
    ~log_sync();
    log_sync(const log_sync&) = delete;
    log_sync& operator=(const log_sync&) = delete;

    // False when the log could not be opened: then SQLite must sync at each commit.
    bool usable() const { return fd_ >= 0; }
    // Every commit made before the call is on the disk when it returns without error.
    boost::system::error_code sync() const;

  private:
    int fd_ = -1;
};

// Copies committed WAL frames back into the database file on its own thread and connection
// (SQLite's checkpoint), so the writer's commits do not carry the checkpoint's reads, writes
// and fsyncs, which held up every message of the batch behind them. The writer's connection
// tells it through SQLite's WAL hook when the log has grown.
//
// The log only starts over when a write transaction begins with every frame copied, which
// under steady load never happens by itself (the writer begins the next batch as soon as one
// commits). So past options.log_restart_frames the writer calls hold_for_restart() before each
// batch: when no pass is running (or, past twice the mark, after waiting for it), it copies
// what is left and keeps the checkpointer out until that batch committed, whose first frame
// then starts the log over.
class checkpointer {
  public:
    checkpointer(const std::string& path, const sqlite_options& options, connection& writer);
    ~checkpointer();  // after the writer's connection closed
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;

    // On the writer's thread, between transactions. An empty lock when the log is still
    // short or a pass is running (below twice the mark); otherwise hold it until the next
    // commit.
    std::unique_lock<std::mutex> hold_for_restart(connection& writer);

    // After a forget committed: copies the whole log into the database file and truncates
    // the log to zero bytes, so the old versions of the erased rows leave it. (The pages the
    // forget wrote have them zeroed already: secure_delete.) A passive pass first copies what
    // it can while writers go on; the truncating pass then holds the write lock, this
    // process's writer and any other process's, only for the frames committed meanwhile and
    // its fsyncs, and waits (busy timeout, three times) for readers still on the old log.
    // Throws boost::system::system_error(errc::write_failed) when the database stayed busy.
    // Any thread but the writer's; a forget is rare, so it runs on the caller's thread.
    void erase_log();

  private:
    static int on_commit(void* self, sqlite3* db, const char* name, int frames);
    void run();

    connection own_;
    const int restart_frames_;
    // The writer's thread only: the log's length at its last commit, and when to wake the
    // checkpointer next.
    int log_frames_ = 0;
    int next_pass_at_ = 1000;
    std::mutex pass_;  // held while a checkpoint runs
    std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = false;       // guarded by mutex_
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;     // last: starts once the rest is built
};

// Creates or upgrades the schema to sqlite_schema_version(). Throws std::runtime_error for a
// newer schema or a database that is not Sapa's.
void migrate(connection& c);

// --- Run on the writer thread, inside the batch transaction ---

// The broadcasts of one unit of work (sqlite_broadcasts.cpp).
class sqlite_broadcasts final : public broadcast_ledger {
  public:
    explicit sqlite_broadcasts(connection& c) : c_(c) {}
    std::int64_t add_broadcast(const broadcast_record& b) override;
    std::optional<broadcast_record> find_broadcast(std::int64_t id) override;
    std::vector<broadcast_record> list_broadcasts() override;
    void set_broadcast_status(std::int64_t id,
                              broadcast_status status,
                              const std::string& reason) override;
    void add_recipients(std::int64_t broadcast,
                        const std::vector<std::int64_t>& contact_ids) override;
    std::vector<segment_member> waiting_recipients(std::int64_t broadcast,
                                                   std::int64_t after,
                                                   int limit) override;
    std::optional<recipient_status> recipient(std::int64_t broadcast,
                                              std::int64_t contact_id) override;
    void mark_queued(std::int64_t broadcast,
                     std::int64_t contact_id,
                     std::int64_t first_message,
                     std::int64_t last_message,
                     std::int64_t segments) override;
    void mark_skipped(std::int64_t broadcast,
                      std::int64_t contact_id,
                      const std::string& reason) override;
    std::int64_t skip_waiting(std::int64_t broadcast, const std::string& reason) override;
    std::int64_t fail_unsent(std::int64_t broadcast,
                             const std::string& raw_code,
                             const std::string& reason,
                             unix_seconds now) override;
    broadcast_counts count_recipients(std::int64_t broadcast) override;
    bool add_broadcast_key(const std::string& key, std::int64_t broadcast) override;
    std::optional<std::int64_t> broadcast_with_key(const std::string& key) override;

  private:
    connection& c_;
};

// The ports of one unit of work on the writer's connection (sqlite_transaction.cpp). After
// the unit ran without throwing, finish() hands the contacts it stored to the contact cache;
// a unit that threw leaves the cache without them (their rows are rolled back).
class sqlite_transaction final : public transaction, private engine::registration_ledger {
  public:
    sqlite_transaction(connection& c, const sqlite_options& options) : c_(c), options_(options) {}

    std::optional<contact_record> find_contact(const std::string& address) override;
    contact_record add_contact(const std::string& address, unix_seconds now) override;
    void save_contact(const contact_record& before,
                      std::shared_ptr<const engine::contact_state> after,
                      unix_seconds now) override;
    std::int64_t find_repeat(const messaging::inbound_message& m,
                             std::int64_t contact_id,
                             unix_seconds window) override;
    std::vector<stored_reply> replies_to(std::int64_t inbound_id) override;
    std::string last_channel(std::int64_t contact_id) override;
    std::vector<logged_message> recent_messages(std::int64_t contact_id, int limit) override;
    std::int64_t segments_sent_since(std::int64_t contact_id, unix_seconds since) override;
    std::int64_t log_inbound(const messaging::inbound_message& m,
                             std::int64_t contact_id,
                             const std::vector<engine::event>& events) override;
    std::int64_t log_outbound(const outbound_record& r) override;
    bool update_delivery(const std::string& channel,
                         const std::string& provider_message_id,
                         delivery_status status,
                         const std::string& raw_code,
                         const std::string& reason,
                         unix_seconds now) override;
    engine::registration_ledger& registrations() override { return *this; }
    void add_to_group(std::int64_t contact_id, const std::string& group) override;
    std::vector<segment_member> select_contacts(const segment& s,
                                                std::int64_t after,
                                                int limit) override;
    broadcast_ledger& broadcasts() override { return broadcasts_; }

    void finish();

  private:
    // registration_ledger
    std::optional<engine::registration_record> latest(const std::string& contact,
                                                      const std::string& course) override;
    int count(const std::string& course,
              engine::registration_status status,
              const std::string& up_to_code) override;
    int seats(const std::string& course, const std::string& up_to_code) override;
    int next_number(const std::string& course) override;
    void add(const engine::registration_entry& entry, unix_seconds now) override;
    void set_status(const std::string& course,
                    const std::string& code,
                    engine::registration_status status,
                    unix_seconds now) override;
    std::optional<engine::registration_entry> first_waitlisted(const std::string& course) override;
    std::optional<engine::registration_entry> find_code(const std::string& course,
                                                        const std::string& code) override;

    // The row id of a contact the unit names by address (0: none).
    std::int64_t contact_id(const std::string& address);

    connection& c_;
    const sqlite_options& options_;
    sqlite_broadcasts broadcasts_{c_};
    // Contacts taken out of the cache by this unit, and those it stored: back into the cache
    // by finish(), after the unit ran without throwing.
    std::vector<std::pair<std::string, stored_contact>> taken_;
    std::vector<std::pair<std::string, stored_contact>> stored_;
};

std::optional<engine::contact_state> load_contact(connection& c, const std::string& address);
// An outbound message from its logged text and payload columns.
messaging::outbound_message read_reply(const SQLite::Column& text, const SQLite::Column& payload);

std::vector<queue_backlog> outbound_backlog(connection& c);
std::vector<outbound_job> claim_outbound(
    connection& c, const std::string& channel, unix_seconds now, int limit, unix_seconds lease);
void complete_outbound(connection& c,
                       std::int64_t id,
                       const std::string& provider_message_id,
                       unix_seconds now);
void begin_outbound_attempt(connection& c, std::int64_t id, unix_seconds now);
void retry_outbound(connection& c,
                    std::int64_t id,
                    unix_seconds next_attempt_at,
                    const std::string& reason);
void defer_outbound(connection& c,
                    std::int64_t id,
                    unix_seconds not_before,
                    const std::string& reason);
void fail_outbound(connection& c,
                   std::int64_t id,
                   const std::string& raw_code,
                   const std::string& reason,
                   unix_seconds now);
bool update_delivery(connection& c,
                     const std::string& channel,
                     const std::string& provider_message_id,
                     delivery_status status,
                     const std::string& raw_code,
                     const std::string& reason,
                     unix_seconds now);
void release_leases(connection& c);

forget_counts forget(connection& c, const std::string& address, unix_seconds now);
bool mark_request_done(connection& c, std::int64_t request_id, unix_seconds now);
std::int64_t add_staff(connection& c, const staff_account& a);
std::optional<staff_account> find_staff(connection& c, const std::string& name);
void add_staff_session(connection& c, const staff_session& s);
std::optional<staff_login> find_staff_session(connection& c, const std::string& token_hash);
void touch_staff_session(connection& c, const std::string& token_hash, unix_seconds now);
void end_staff_session(connection& c, const std::string& token_hash);
int end_stale_staff_sessions(connection& c, unix_seconds idle_before, unix_seconds begun_before);
std::int64_t add_audit(connection& c, const audit_entry& e);
std::vector<audit_entry> audit_log(connection& c, std::int64_t before_id, int limit);

// The console's overview (sqlite_overview.cpp). Days that are over are counted once and kept
// (rollup_days, funnel_days, delivery_days); the rest is counted from the index ranges.
using sql::day_fill;
using sql::overview_day;
using funnel_result = sql::funnel_pass_result;
// The days of the query that are over at `now` and hold the period's data, oldest first.
std::vector<overview_day> overview_days(connection& c, const funnel_query& q, unix_seconds now);
// Counts the funnel: kept days from their rows, the others from the index ranges (the days
// with this request's token also as fills). With `stop_if_unfilled`, returns only
// `unfilled` as soon as a day is neither kept nor this request's.
funnel_result funnel_pass(connection& c,
                          const funnel_query& q,
                          const std::vector<overview_day>& days,
                          bool stop_if_unfilled);
// Marks days to fill (tokens set): any marker overlapping one goes, with its rows.
void mark_days(connection& c, const funnel_query& q, const std::vector<overview_day>& days);
// Keeps the rows of the days whose marker still has the fill's token (no write since).
void keep_days(connection& c, const std::vector<day_fill>& fills);
std::vector<delivery_health> delivery(connection& c, unix_seconds since);

// Published scripts and API tokens (store.hpp).
std::int64_t publish_scripts(connection& c, const script_version& v);
std::vector<script_version> script_versions(connection& c);
std::optional<script_version> find_script_version(connection& c, std::int64_t id);
std::int64_t latest_script_version(connection& c);
bool add_api_token(connection& c, const api_token& t);
std::vector<api_token> api_tokens(connection& c);
bool revoke_api_token(connection& c, const std::string& name);
void api_token_used(connection& c, const std::string& name, unix_seconds now);

// --- Any connection, inside a read transaction ---

export_summary export_rows(connection& c,
                           export_kind kind,
                           const export_filter& filter,
                           row_sink& sink);

}  // namespace sapa::storage::detail
