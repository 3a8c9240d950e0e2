#pragma once
// Internal to the PostgreSQL store: a libpq connection with statements prepared once, query
// results, and the errors they raise. Only postgres_*.cpp include this header.

#include "engine/registrations.hpp"
#include "storage/postgres/postgres_store.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace sapa::storage::pg {

// A statement or connection failure, with PostgreSQL's SQLSTATE ("40P01": deadlock) and
// whether the connection is gone (the server stopped or restarted).
class error : public std::runtime_error {
  public:
    error(const std::string& what, std::string sqlstate, bool connection_lost)
        : std::runtime_error(what), sqlstate_(std::move(sqlstate)), lost_(connection_lost) {}
    const std::string& sqlstate() const { return sqlstate_; }
    bool connection_lost() const { return lost_; }
    // Another transaction got in the way (deadlock, serialization, a racing unique insert):
    // running the same work again is expected to succeed.
    bool transient() const {
        return sqlstate_ == "40P01" || sqlstate_ == "40001" || sqlstate_ == "23505";
    }

  private:
    std::string sqlstate_;
    bool lost_;
};

// A statement's parameter, sent as text; nullopt is NULL.
using param = std::optional<std::string>;
inline param text(std::string s) {
    return param(std::move(s));
}
inline param number(std::int64_t n) {
    return param(std::to_string(n));
}
// Empty text is NULL.
inline param text_or_null(const std::string& s) {
    return s.empty() ? std::nullopt : param(s);
}

// The rows of one statement (text format).
class result {
  public:
    explicit result(pg_result* r) : r_(r, &clear) {}
    int rows() const;
    bool null(int row, int column) const;
    std::string_view view(int row, int column) const;
    std::string text(int row, int column) const { return std::string(view(row, column)); }
    std::int64_t integer(int row, int column) const;
    // Rows changed by an INSERT, UPDATE or DELETE.
    int affected() const;

  private:
    static void clear(pg_result* r);
    std::unique_ptr<pg_result, void (*)(pg_result*)> r_;
};

class connection {
  public:
    // Connects with `options.url` (a libpq URL or key=value string) and options.schema as the
    // search path. Throws pg::error when the server cannot be reached.
    explicit connection(const postgres_options& options);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    bool usable() const;
    // Connects again after the server went away; false while it is still unreachable.
    bool reconnect();

    // Runs one or more statements without parameters.
    void exec(const std::string& sql);
    // Runs `sql` with parameters $1...
    result query(const std::string& sql, const std::vector<param>& params = {});
    // As query(), prepared once per connection. REQUIRES: `sql` is a string literal (the
    // prepared statements are kept by its address).
    result prepared(const char* sql, const std::vector<param>& params = {});

  private:
    void open();
    result check(pg_result* r, const char* what);
    const postgres_options& options_;
    pg_conn* c_ = nullptr;
    std::map<const char*, std::string> statements_;  // sql literal -> prepared name
};

// The broadcasts of one unit of work (postgres_broadcasts.cpp). A recipient read to be
// queued is locked until the transaction ends, so two instances never queue it twice.
class broadcasts final : public broadcast_ledger {
  public:
    explicit broadcasts(connection& c) : c_(c) {}
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

// The ports of one unit of work on the writer's connection, inside its transaction
// (postgres_transaction.cpp). Each contact and course it touches is locked until the
// transaction ends, so instances sharing the database take turns on them.
class unit final : public transaction, private engine::registration_ledger {
  public:
    unit(connection& c, const postgres_options& options) : c_(c), options_(options) {}

    std::optional<contact_record> find_contact(const std::string& address) override;
    contact_record add_contact(const std::string& address, unix_seconds now) override;
    void save_contact(const contact_record& before,
                      std::shared_ptr<const engine::contact_state> after,
                      unix_seconds now) override;
    std::int64_t find_repeat(const messaging::inbound_message& m,
                             std::int64_t contact_id,
                             unix_seconds window) override;
    std::vector<stored_reply> replies_to(std::int64_t inbound_id) override;
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
    std::string last_channel(std::int64_t contact_id) override;
    std::vector<logged_message> recent_messages(std::int64_t contact_id, int limit) override;
    std::int64_t segments_sent_since(std::int64_t contact_id, unix_seconds since) override;
    void add_to_group(std::int64_t contact_id, const std::string& group) override;
    std::vector<segment_member> select_contacts(const segment& s,
                                                std::int64_t after,
                                                int limit) override;
    broadcast_ledger& broadcasts() override { return broadcasts_; }

  private:
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

    std::int64_t contact_id(const std::string& address);
    void lock_course(const std::string& course);

    connection& c_;
    const postgres_options& options_;
    pg::broadcasts broadcasts_{c_};
    std::set<std::string> locked_courses_;  // in this unit's transaction
};

// Holds `key` ("contact:+62...", "course:JHT") until the transaction ends; waits while
// another transaction (of this instance or another) holds it.
void lock(connection& c, const std::string& key);

// The operations behind the store's blocking calls, each inside the writer's transaction
// (postgres_queries.cpp).
std::optional<engine::contact_state> load_contact(connection& c, const std::string& address);
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
forget_counts forget(connection& c, const std::string& address, unix_seconds now);
// Staff marked request (event) `request_id` done; false when it is no request.
bool mark_request_done(connection& c, std::int64_t request_id, unix_seconds now);

// Published scripts and API tokens (store.hpp).
std::int64_t publish_scripts(connection& c, const script_version& v);
std::vector<script_version> script_versions(connection& c);
std::optional<script_version> find_script_version(connection& c, std::int64_t id);
std::int64_t latest_script_version(connection& c);
bool add_api_token(connection& c, const api_token& t);
std::vector<api_token> api_tokens(connection& c);
bool revoke_api_token(connection& c, const std::string& name);
void api_token_used(connection& c, const std::string& name, unix_seconds now);

// The staff console's accounts, sessions and audit log; its overview (storage/staff.hpp).
std::int64_t add_staff(connection& c, const staff_account& a);
std::optional<staff_account> find_staff(connection& c, const std::string& name);
void add_staff_session(connection& c, const staff_session& s);
std::optional<staff_login> find_staff_session(connection& c, const std::string& token_hash);
void touch_staff_session(connection& c, const std::string& token_hash, unix_seconds now);
void end_staff_session(connection& c, const std::string& token_hash);
int end_stale_staff_sessions(connection& c, unix_seconds idle_before, unix_seconds begun_before);
std::int64_t add_audit(connection& c, const audit_entry& e);
std::vector<audit_entry> audit_log(connection& c, std::int64_t before_id, int limit);
// The overview (postgres_overview.cpp): on a connection of its own, which it also writes
// the kept days with (short transactions of their own).
std::vector<funnel_row> funnel(connection& c, const funnel_query& q, unix_seconds now);
std::vector<delivery_health> delivery(connection& c, unix_seconds since);
// Unfinished outbound jobs per channel (all instances'), for /metrics.
std::vector<queue_backlog> outbound_backlog(connection& c);
// Streams the rows through a cursor, on a connection of its own in one read-only snapshot.
export_summary export_rows(connection& c,
                           export_kind kind,
                           const export_filter& filter,
                           row_sink& sink);

// A database's schema: the migrations, applied on open (postgres_schema.cpp).
void migrate(connection& c, const std::string& schema);
// What migrate() would run on this database: one line per migration, empty when current.
std::vector<std::string> pending_migrations(connection& c);

}  // namespace sapa::storage::pg
