#pragma once
// A store held in memory: the same contract as SQLite's, nothing kept after the process. For
// the simulator without a database (`sapa chat`), the tests, and the benchmark that measures
// everything but storage. A unit of work runs on the submitting thread under one lock; a unit
// that throws is undone from its undo log, and its callback runs after the lock is released.

#include "storage/store.hpp"

#include <memory>

namespace sapa::storage {

struct memory_options {
    unix_seconds outbound_lease = 60;  // as sqlite_options::outbound_lease
    text_cost_function text_cost;      // encoding and segments of each logged message
};

class memory_store final : public store {
  public:
    explicit memory_store(memory_options options = {});
    ~memory_store() override;

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

    struct data;  // the tables (memory_store.cpp)

  private:
    std::unique_ptr<data> data_;
};

}  // namespace sapa::storage
