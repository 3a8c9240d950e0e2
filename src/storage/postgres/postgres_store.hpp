#pragma once
// The PostgreSQL store: the same contract as SQLite's, for several `sapa serve` instances on
// one database. One writer thread per instance runs the queued units of work in one
// transaction (group commit) and answers after COMMIT; instances stay apart through the
// database: a lock per contact (its messages run one at a time, in order), a lock per course
// (no seat is given twice), a unique gateway id per channel (a retry is processed once), and
// outbound jobs leased with FOR UPDATE SKIP LOCKED (each is sent by one instance; a killed
// instance's come back after their lease).

#include "storage/store.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sapa::storage {

struct postgres_options {
    // libpq connection string or URL ("postgresql://sapa@127.0.0.1:5432/sapa").
    std::string url;
    // Tables live in this schema, created if missing; empty: the connection's default.
    std::string schema;
    // Group commit, as sqlite_options: at most this many units per transaction, and after a
    // small batch at most this long for more to gather.
    std::size_t max_batch = 256;
    std::chrono::microseconds max_batch_wait{2000};
    // A claimed outbound job is handed out again (to any instance) after this.
    unix_seconds outbound_lease = 60;
    // How long one attempt to (re)connect may take.
    int connect_timeout_seconds = 3;
    text_cost_function text_cost;
    // As sqlite_options::run_callbacks.
    std::function<void(std::function<void()>)> run_callbacks;
};

class postgres_store final : public store {
  public:
    // Connects, migrates (instances starting together take turns) and starts the writer.
    // Throws std::runtime_error when the server cannot be reached, the schema is newer than
    // this build, or the tables are not Sapa's.
    static std::unique_ptr<postgres_store> open(postgres_options options);

    // The schema version this build creates and understands.
    static int schema_version();
    // What open() would change in the database at `options.url`: one line per pending
    // migration (none: up to date). Changes nothing. Throws as open().
    static std::vector<std::string> pending_migrations(const postgres_options& options);

    ~postgres_store() override;

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
    explicit postgres_store(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace sapa::storage
