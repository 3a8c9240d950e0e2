#pragma once
// Internal to the SQLite store: a connection with its prepared statements, and the
// operations the writer thread runs on it. Only sqlite_*.cpp include this header.

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

// Per course, a contact's latest registration (status none: it has none), as the writer last
// read or wrote it. Only the courses its turns asked about.
using known_registrations = std::map<std::string, engine::registration_record>;

// A contact as the writer last stored it. The state is shared, never changed: a turn run
// ahead of the writer (speculative_turn) reads it on another thread.
struct stored_contact {
    std::int64_t id = 0;
    std::shared_ptr<const engine::contact_state> state;
    bool opted_out_before = false;
    std::uint64_t version = 0;  // given by contact_cache::put; 0: read from the database
    std::shared_ptr<const known_registrations> registrations;  // null: none known
};

// A message's turn, run on the submitting thread (an io thread) from the cached state of its
// contact, so the writer thread, which every message goes through one after another, does
// not spend its time on the engine and on writing the session's JSON. The writer uses it only
// when the contact's cached state is still the one it started from (same version) and every
// registration the turn looked up is still the contact's latest in the database; otherwise
// it runs the turn itself. The turn is a pure function of its state and of what the registrar
// answers, so either way the result is the same.
//
// A turn that registers never runs ahead: seats and codes are counted in the writer's
// transaction. Looking up and cancelling the contact's own registrations can: they depend only
// on its latest registration per course, which the writer checks before it takes the result.
struct speculative_turn {
    std::uint64_t version = 0;
    engine::turn_result result;
    std::string session_json;
    std::string fields_json;
    known_registrations assumed;  // per course looked up, the latest before the turn
    struct cancellation {
        std::string course;
        engine::unix_seconds at;
    };
    std::vector<cancellation> cancellations;  // for the writer to make, in order
    bool used = false;  // writer only: a batch run again must not take the moved result
};

// The writer's copy of recently active contacts, so a message does not read and parse its
// contact and session back from the database. Residents in a dialog send several messages in
// a row, so the few thousand most recent cover them. Least recently used goes first.
//
// Correctness rests on three rules kept by the writer: an entry is put only after its
// message's writes succeeded; the whole cache is dropped when a transaction rolls back; and
// it is dropped when another connection (another process: `sapa forget`, `sapa chat --db`)
// committed, which PRAGMA data_version shows.
class contact_cache {
  public:
    explicit contact_cache(std::size_t capacity) : capacity_(capacity) {}
    // Writer only. Removes and returns the entry for `address`.
    std::optional<stored_contact> take(const std::string& address);
    // Writer only. Gives the entry a new version.
    void put(const std::string& address, stored_contact contact);
    void clear();
    // Any thread: the entry for `address`, if cached (not while its message is processed).
    std::optional<stored_contact> peek(const std::string& address) const;

  private:
    using entry = std::pair<std::string, stored_contact>;
    mutable std::mutex mutex_;  // the writer changes entries while io threads peek
    std::uint64_t last_version_ = 0;
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

// The turn function threw; the message fails, the batch goes on.
struct turn_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inbound_outcome process_inbound(connection& c,
                                const inbound_message& message,
                                const std::string& address,
                                const turn_function& turn,
                                const sqlite_options& options,
                                speculative_turn* ahead = nullptr);
// On the submitting thread: `turn` run from the cached state of `address`, or null when the
// contact is not cached, the turn threw or it needed the registrar.
std::shared_ptr<speculative_turn> speculate(const contact_cache& contacts,
                                            const std::string& address,
                                            const turn_function& turn);
std::optional<engine::contact_state> load_contact(connection& c, const std::string& address);
// An outbound message from its logged text and payload columns.
engine::outbound_message read_reply(const SQLite::Column& text, const SQLite::Column& payload);

std::vector<outbound_job> claim_outbound(connection& c,
                                         const std::string& channel,
                                         engine::unix_seconds now,
                                         int limit,
                                         engine::unix_seconds lease);
void complete_outbound(connection& c,
                       std::int64_t id,
                       const std::string& provider_message_id,
                       engine::unix_seconds now);
void retry_outbound(connection& c,
                    std::int64_t id,
                    engine::unix_seconds next_attempt_at,
                    const std::string& reason);
void fail_outbound(connection& c,
                   std::int64_t id,
                   const std::string& raw_code,
                   const std::string& reason,
                   engine::unix_seconds now);
bool update_delivery(connection& c,
                     const std::string& channel,
                     const std::string& provider_message_id,
                     delivery_status status,
                     const std::string& raw_code,
                     const std::string& reason,
                     engine::unix_seconds now);
void release_leases(connection& c);

forget_counts forget(connection& c, const std::string& address, engine::unix_seconds now);

// --- Any connection, inside a read transaction ---

export_summary export_rows(connection& c,
                           export_kind kind,
                           const export_filter& filter,
                           row_sink& sink);

}  // namespace sapa::storage::detail
