// `sapa serve` (cli::serve) with its store swapped for the in-memory store (src/storage/memory),
// which never touches a disk: the same HTTP server, Twilio adapter (form decode, signature,
// TwiML), use case, scripts, engine turn and registrar, on the same io threads. What it serves is
// the ceiling for any store on this machine, so the load benchmark can tell how much of Sapa's cost
// is storage and how much is everything else. Not a store to run: nothing survives the process.
//
// With --floor-db FILE it also writes each exchange durably in the least way SQLite allows
// (bench/sqlite_floor): one row per message (its text, its replies, deduped by the gateway id)
// and one row per contact (its state as JSON), group-committed by one writer thread with
// synchronous FULL, never checkpointed during the run, and answers only after the commit. That
// is the most a durable store that keeps nothing else could give end to end.
//
//   in_memory_server serve --config FILE [--floor-db FILE]   (as `sapa serve`, for run.sh)

#include "cli/service.hpp"
#include "config/config.hpp"
#include "floor_schema.hpp"
#include "storage/memory/memory_store.hpp"
#include "storage/store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

using namespace sapa;

// One exchange as the floor store keeps it.
struct exchange {
    std::string contact;
    std::string channel;
    std::string gateway_message_id;
    std::string text;
    std::string replies;  // the reply texts, one per line
    std::string state;    // engine::contact_state as JSON
    messaging::unix_seconds at = 0;
    std::function<void()> answer;
};

class floor_log {
  public:
    floor_log(const std::string& path, boost::asio::io_context& io)
        : io_(io), db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {
        db_.exec(bench::floor::pragmas);
        // Never checkpointed while it runs (the log only grows): the most favourable case.
        db_.exec("PRAGMA wal_autocheckpoint = 0");
        db_.exec(bench::floor::schema);
        writer_ = std::thread([this] { run(); });
    }
    floor_log(const floor_log&) = delete;
    floor_log& operator=(const floor_log&) = delete;
    ~floor_log() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        writer_.join();
    }

    void append(exchange e) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(e));
        }
        wake_.notify_one();
    }

  private:
    void run() {
        SQLite::Statement log(db_, bench::floor::insert_exchange);
        SQLite::Statement keep(db_, bench::floor::keep_state);
        for (;;) {
            std::vector<exchange> batch;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
                if (queue_.empty()) return;
                while (!queue_.empty() && batch.size() < 256) {
                    batch.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
            }
            SQLite::Transaction tx(db_);
            for (const auto& e : batch) {
                log.bindNoCopy(1, e.contact);
                log.bindNoCopy(2, e.channel);
                log.bindNoCopy(3, e.gateway_message_id);
                log.bindNoCopy(4, e.text);
                log.bindNoCopy(5, e.replies);
                log.bind(6, static_cast<std::int64_t>(e.at));
                log.exec();
                log.reset();
                keep.bindNoCopy(1, e.contact);
                keep.bindNoCopy(2, e.state);
                keep.exec();
                keep.reset();
            }
            tx.commit();  // synchronous FULL: durable here
            boost::asio::post(io_, [answers = std::move(batch)] {
                for (const auto& e : answers)
                    e.answer();
            });
        }
    }

    boost::asio::io_context& io_;
    SQLite::Database db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<exchange> queue_;
    bool stopping_ = false;
    std::thread writer_;
};

// Forwards every port to the real transaction and notes what the floor writes: the inbound
// message, the reply texts and the contact's new state.
class recording_transaction final : public storage::transaction {
  public:
    recording_transaction(storage::transaction& real, exchange& e) : real_(real), e_(e) {}

    std::optional<storage::contact_record> find_contact(const std::string& address) override {
        return real_.find_contact(address);
    }
    storage::contact_record add_contact(const std::string& address,
                                        messaging::unix_seconds now) override {
        return real_.add_contact(address, now);
    }
    void save_contact(const storage::contact_record& before,
                      std::shared_ptr<const engine::contact_state> after,
                      messaging::unix_seconds now) override {
        e_.contact = after->address;
        e_.state = nlohmann::json(*after).dump();
        real_.save_contact(before, std::move(after), now);
    }
    std::int64_t find_repeat(const messaging::inbound_message& m,
                             std::int64_t contact_id,
                             messaging::unix_seconds window) override {
        return real_.find_repeat(m, contact_id, window);
    }
    std::vector<storage::stored_reply> replies_to(std::int64_t inbound_id) override {
        return real_.replies_to(inbound_id);
    }
    std::int64_t log_inbound(const messaging::inbound_message& m,
                             std::int64_t contact_id,
                             const std::vector<engine::event>& events) override {
        e_.channel = m.channel;
        e_.gateway_message_id = m.gateway_message_id;
        e_.text = m.text;
        e_.at = m.received_at;
        return real_.log_inbound(m, contact_id, events);
    }
    std::int64_t log_outbound(const storage::outbound_record& r) override {
        e_.replies += r.message.text + '\n';
        return real_.log_outbound(r);
    }
    bool update_delivery(const std::string& channel,
                         const std::string& provider_message_id,
                         storage::delivery_status status,
                         const std::string& raw_code,
                         const std::string& reason,
                         messaging::unix_seconds now) override {
        return real_.update_delivery(channel, provider_message_id, status, raw_code, reason, now);
    }
    engine::registration_ledger& registrations() override { return real_.registrations(); }
    std::string last_channel(std::int64_t contact_id) override {
        return real_.last_channel(contact_id);
    }
    std::vector<storage::logged_message> recent_messages(std::int64_t contact_id,
                                                         int limit) override {
        return real_.recent_messages(contact_id, limit);
    }
    std::int64_t segments_sent_since(std::int64_t contact_id,
                                     messaging::unix_seconds since) override {
        return real_.segments_sent_since(contact_id, since);
    }
    void add_to_group(std::int64_t contact_id, const std::string& group) override {
        real_.add_to_group(contact_id, group);
    }
    std::vector<storage::segment_member> select_contacts(const storage::segment& s,
                                                         std::int64_t after,
                                                         int limit) override {
        return real_.select_contacts(s, after, limit);
    }
    storage::broadcast_ledger& broadcasts() override { return real_.broadcasts(); }

  private:
    storage::transaction& real_;
    exchange& e_;
};

// The real in-memory store (src/storage/memory: the same ports, registrar and contract as
// SQLite's) with its answers sent back through the io_context, as SQLite's are; with a floor
// database, each answer waits for the floor's durable write of the message first.
class benchmark_store final : public storage::store {
  public:
    benchmark_store(boost::asio::io_context& io, const std::string& floor_db) : io_(io) {
        if (!floor_db.empty()) floor_ = std::make_unique<floor_log>(floor_db, io);
    }

    void submit(storage::work_function work, storage::durable_callback on_durable) override {
        if (!floor_) {
            memory_.submit(
                std::move(work),
                [this, cb = std::move(on_durable)](boost::system::error_code ec) mutable {
                    boost::asio::post(io_, [cb = std::move(cb), ec] { cb(ec); });
                });
            return;
        }
        // The memory store runs the unit and its callback on this thread, before submit returns.
        exchange e;
        boost::system::error_code outcome;
        memory_.submit(
            [&e, &work](storage::transaction& real) {
                recording_transaction recording(real, e);
                work(recording);
            },
            [&outcome](boost::system::error_code ec) { outcome = ec; });
        e.answer = [cb = std::move(on_durable), outcome] { cb(outcome); };
        // A failed unit and a duplicate wrote nothing: nothing for the floor to keep.
        if (outcome || e.contact.empty()) return boost::asio::post(io_, std::move(e.answer));
        floor_->append(std::move(e));
    }

    std::optional<engine::contact_state> load_contact(const std::string& address) override {
        return memory_.load_contact(address);
    }
    std::vector<storage::outbound_job> claim_outbound(const std::string& channel,
                                                      messaging::unix_seconds now,
                                                      int limit) override {
        return memory_.claim_outbound(channel, now, limit);
    }
    void complete_outbound(std::int64_t id,
                           const std::string& provider_id,
                           messaging::unix_seconds now) override {
        memory_.complete_outbound(id, provider_id, now);
    }
    void begin_outbound_attempt(std::int64_t id, messaging::unix_seconds now) override {
        memory_.begin_outbound_attempt(id, now);
    }
    void retry_outbound(std::int64_t id,
                        messaging::unix_seconds next,
                        const std::string& reason) override {
        memory_.retry_outbound(id, next, reason);
    }
    void defer_outbound(std::int64_t id,
                        messaging::unix_seconds not_before,
                        const std::string& reason) override {
        memory_.defer_outbound(id, not_before, reason);
    }
    void fail_outbound(std::int64_t id,
                       const std::string& code,
                       const std::string& reason,
                       messaging::unix_seconds now) override {
        memory_.fail_outbound(id, code, reason, now);
    }
    storage::export_summary export_rows(storage::export_kind kind,
                                        const storage::export_filter& filter,
                                        storage::row_sink& sink) override {
        return memory_.export_rows(kind, filter, sink);
    }
    storage::forget_counts forget(const std::string& address,
                                  messaging::unix_seconds now) override {
        return memory_.forget(address, now);
    }
    std::vector<storage::queue_backlog> outbound_backlog() override {
        return memory_.outbound_backlog();
    }
    bool mark_request_done(std::int64_t request_id, messaging::unix_seconds now) override {
        return memory_.mark_request_done(request_id, now);
    }
    std::int64_t publish_scripts(const storage::script_version& v) override {
        return memory_.publish_scripts(v);
    }
    std::vector<storage::script_version> script_versions() override {
        return memory_.script_versions();
    }
    std::optional<storage::script_version> find_script_version(std::int64_t id) override {
        return memory_.find_script_version(id);
    }
    std::int64_t latest_script_version() override { return memory_.latest_script_version(); }
    bool add_api_token(const storage::api_token& t) override { return memory_.add_api_token(t); }
    std::vector<storage::api_token> api_tokens() override { return memory_.api_tokens(); }
    bool revoke_api_token(const std::string& name) override {
        return memory_.revoke_api_token(name);
    }
    void api_token_used(const std::string& name, messaging::unix_seconds now) override {
        memory_.api_token_used(name, now);
    }

    std::int64_t add_staff(const storage::staff_account& a) override {
        return memory_.add_staff(a);
    }
    std::optional<storage::staff_account> find_staff(const std::string& name) override {
        return memory_.find_staff(name);
    }
    void add_staff_session(const storage::staff_session& s) override {
        memory_.add_staff_session(s);
    }
    std::optional<storage::staff_login> find_staff_session(const std::string& hash) override {
        return memory_.find_staff_session(hash);
    }
    void touch_staff_session(const std::string& hash, messaging::unix_seconds now) override {
        memory_.touch_staff_session(hash, now);
    }
    void end_staff_session(const std::string& hash) override { memory_.end_staff_session(hash); }
    int end_stale_staff_sessions(messaging::unix_seconds idle_before,
                                 messaging::unix_seconds begun_before) override {
        return memory_.end_stale_staff_sessions(idle_before, begun_before);
    }
    std::int64_t add_audit(const storage::audit_entry& e) override { return memory_.add_audit(e); }
    std::vector<storage::audit_entry> audit_log(std::int64_t before, int limit) override {
        return memory_.audit_log(before, limit);
    }
    std::vector<storage::funnel_row> funnel(const storage::funnel_query& q) override {
        return memory_.funnel(q);
    }
    std::vector<storage::delivery_health> delivery(messaging::unix_seconds since) override {
        return memory_.delivery(since);
    }

  private:
    boost::asio::io_context& io_;
    storage::memory_store memory_;
    std::unique_ptr<floor_log> floor_;  // declared last: its writer's answers use the rest
};

}  // namespace

int main(int argc, char** argv) {
    const bool floor = argc == 6 && std::string(argv[4]) == "--floor-db";
    if ((argc != 4 && !floor) || std::string(argv[1]) != "serve" ||
        std::string(argv[2]) != "--config") {
        std::cerr << "usage: in_memory_server serve --config FILE [--floor-db FILE]\n";
        return 2;
    }
    const std::string floor_db = floor ? argv[5] : "";
    try {
        auto config = config::load_config(argv[3]);
        return cli::serve(
            config,
            {},
            [&](const config::service_config&, boost::asio::io_context& io, auto /*on_commit*/) {
                return std::make_unique<benchmark_store>(io, floor_db);
            });
    } catch (const std::exception& e) {
        std::cerr << "in_memory_server: " << e.what() << "\n";
        return 1;
    }
}
