#pragma once
// The SQLite store: one file, WAL, foreign keys, versioned migrations, group commit on one
// writer thread. Sapa's embedded default: nothing else has to run.

#include "storage/store.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sapa::storage {

struct sqlite_options {
    // FULL: a commit survives power loss. NORMAL (WAL): survives a process crash, and may
    // lose the last commits on power loss. Group commit keeps FULL affordable.
    enum class sync { full, normal } synchronous = sync::full;
    // How long a write waits for another process holding the database lock (e.g. the
    // `sapa forget` CLI while the server runs).
    std::chrono::milliseconds busy_timeout{5000};
    // Group commit: at most this many messages per transaction...
    std::size_t max_batch = 256;
    // ...and, when the previous batch was small (under 16 messages) and few are queued, at
    // most this long for 16 to gather. 0: commit what is queued at once. Under heavy load
    // batches form by themselves while a commit runs, and nothing waits; under moderate load
    // the wait makes fewer, bigger transactions (less log per message), which shortens the
    // tail: at 3,000 messages/s p99 went from 21–24 ms to 11–14 ms (bench/README.md).
    std::chrono::microseconds max_batch_wait{2000};
    // A claimed outbound job is handed out again when its sender did not finish it by then.
    unix_seconds outbound_lease = 60;
    // Set by the one process that sends outbound jobs (the server): on open, jobs leased by a
    // previous run are due at once instead of when their lease ends. Never set it in a second
    // process (the CLI) while the server runs.
    bool release_leases_on_open = false;
    // The write-ahead log starts over once it holds this many pages of 4 KiB (32,000: 128 MB
    // of disk), or past twice that when checkpoints lag behind. Each restart holds up the
    // writer for a checkpoint pass and its fsyncs, so the mark sets how often the messages
    // waiting behind it see that delay (bench/README.md, session 5).
    int log_restart_frames = 32000;
    // Encoding and segments of each logged message; empty: those columns stay NULL.
    text_cost_function text_cost;
    // Where the callbacks of submit() run. Empty: on the store's acknowledger thread, one
    // after another. Set: each durable group of them is handed over in one call, groups in
    // order, and the group runs them in order (the server posts it to its io threads: one
    // wake-up per group instead of one per message). The runner must eventually call what it
    // is given, also while the store is being destroyed. Callbacks of the blocking calls
    // (process() and the like) always run on the acknowledger, so a caller blocked on an io
    // thread never waits for its own thread; they return once every submit() before them was
    // handed over.
    std::function<void(std::function<void()>)> run_callbacks;
    // Told about each durable group commit (latency, units); empty: nobody is.
    commit_observer on_commit;
};

class sqlite_store final : public store {
  public:
    // Opens (creating if needed) and migrates the database at `path` (":memory:" for tests),
    // and starts the writer thread. Throws std::runtime_error when the file cannot be opened,
    // is not a Sapa database, or has a newer schema than this build
    // ("database schema version 7 is newer than this sapa (3); upgrade sapa").
    static std::unique_ptr<sqlite_store> open(const std::string& path, sqlite_options options = {});

    // The schema version this build creates and understands.
    static int schema_version();
    // What open() would apply to the database at `path`: one line per migration ("v3"), all of
    // them for a missing file, none when current. Reads only. Throws as open() would.
    static std::vector<std::string> pending_migrations(const std::string& path);

    ~sqlite_store() override;

    void submit(work_function work, durable_callback on_durable) override;
    void run(work_function work) override;
    std::optional<engine::contact_state> load_contact(const std::string& address) override;
    std::vector<outbound_job> claim_outbound(const std::string& channel,
                                             unix_seconds now,
                                             int limit) override;
    void complete_outbound(std::int64_t id,
                           const std::string& provider_message_id,
                           unix_seconds now) override;
    void begin_outbound_attempt(std::int64_t id, unix_seconds now) override;
    void retry_outbound(std::int64_t id,
                        unix_seconds next_attempt_at,
                        const std::string& reason) override;
    void defer_outbound(std::int64_t id,
                        unix_seconds not_before,
                        const std::string& reason) override;
    void fail_outbound(std::int64_t id,
                       const std::string& raw_code,
                       const std::string& reason,
                       unix_seconds now) override;
    export_summary export_rows(export_kind kind,
                               const export_filter& filter,
                               row_sink& sink) override;
    forget_counts forget(const std::string& address, unix_seconds now) override;
    bool mark_request_done(std::int64_t request_id, unix_seconds now) override;
    std::int64_t publish_scripts(const script_version& v) override;
    std::vector<script_version> script_versions() override;
    std::optional<script_version> find_script_version(std::int64_t id) override;
    std::int64_t latest_script_version() override;
    bool add_api_token(const api_token& t) override;
    std::vector<api_token> api_tokens() override;
    bool revoke_api_token(const std::string& name) override;
    void api_token_used(const std::string& name, unix_seconds now) override;
    std::vector<queue_backlog> outbound_backlog() override;
    std::int64_t add_staff(const staff_account& account) override;
    std::optional<staff_account> find_staff(const std::string& name) override;
    void add_staff_session(const staff_session& session) override;
    std::optional<staff_login> find_staff_session(const std::string& token_hash) override;
    void touch_staff_session(const std::string& token_hash, unix_seconds now) override;
    void end_staff_session(const std::string& token_hash) override;
    int end_stale_staff_sessions(unix_seconds idle_before, unix_seconds begun_before) override;
    std::int64_t add_audit(const audit_entry& entry) override;
    std::vector<audit_entry> audit_log(std::int64_t before_id, int limit) override;
    std::vector<funnel_row> funnel(const funnel_query& q) override;
    std::vector<delivery_health> delivery(unix_seconds since) override;

  private:
    struct impl;
    explicit sqlite_store(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace sapa::storage
