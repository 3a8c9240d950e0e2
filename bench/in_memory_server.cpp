// `sapa serve` with its store swapped for maps in memory that never touch a disk: the same
// HTTP server, Twilio adapter (form decode, signature, TwiML), scripts and engine turn, on the
// same io threads. What it serves is the ceiling for any store on this machine, so the load
// benchmark can tell how much of Sapa's cost is storage and how much is everything else.
// Not a store to run: nothing survives the process, and staff operations are refused.
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

// Codes and seats as the SQLite store counts them (per course: issued codes, taken seats),
// but in maps.
class map_registrar final : public engine::registrar {
  public:
    engine::registration_record register_contact(const std::string& contact,
                                                 const std::string& course,
                                                 const std::string& code_prefix,
                                                 int capacity,
                                                 const std::map<std::string, std::string>& fields,
                                                 engine::unix_seconds) override {
        std::lock_guard lock(mutex_);
        auto& latest = latest_[{contact, course}];
        if (active(latest)) return latest;
        auto& counts = courses_[course];
        char number[16];
        std::snprintf(number, sizeof number, "%04d", ++counts.issued);
        latest = {};
        latest.code = code_prefix.empty() ? number : code_prefix + "-" + number;
        latest.course = course;
        latest.fields = fields;
        if (capacity <= 0 || counts.taken < capacity) {
            latest.status = engine::registration_status::registered;
            latest.position = ++counts.taken;
        } else {
            latest.status = engine::registration_status::waitlisted;
            latest.position = ++counts.waiting;
        }
        return latest;
    }

    engine::registration_record find(const std::string& contact,
                                     const std::string& course) override {
        std::lock_guard lock(mutex_);
        auto it = latest_.find({contact, course});
        if (it != latest_.end()) return it->second;
        return nothing_for(course);
    }

    engine::registration_record cancel(const std::string& contact,
                                       const std::string& course,
                                       engine::unix_seconds) override {
        std::lock_guard lock(mutex_);
        auto it = latest_.find({contact, course});
        if (it == latest_.end() || !active(it->second)) return nothing_for(course);
        auto& counts = courses_[course];
        if (it->second.status == engine::registration_status::registered)
            --counts.taken;
        else
            --counts.waiting;
        it->second.status = engine::registration_status::cancelled;
        return it->second;
    }

  private:
    static engine::registration_record nothing_for(const std::string& course) {
        engine::registration_record none;
        none.course = course;
        return none;
    }
    static bool active(const engine::registration_record& r) {
        return r.status == engine::registration_status::registered ||
               r.status == engine::registration_status::waitlisted;
    }
    struct course_counts {
        int issued = 0;
        int taken = 0;
        int waiting = 0;
    };
    std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, engine::registration_record> latest_;
    std::unordered_map<std::string, course_counts> courses_;
};

// One exchange as the floor store keeps it.
struct exchange {
    std::string contact;
    std::string channel;
    std::string gateway_message_id;
    std::string text;
    std::string replies;  // the reply texts, one per line
    std::string state;    // engine::contact_state as JSON
    engine::unix_seconds at = 0;
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

class memory_store final : public storage::store {
  public:
    memory_store(boost::asio::io_context& io, const std::string& floor_db) : io_(io) {
        if (!floor_db.empty()) floor_ = std::make_unique<floor_log>(floor_db, io);
    }

    void submit(storage::inbound_message message,
                storage::turn_function turn,
                storage::durable_callback on_durable) override {
        storage::inbound_outcome outcome;
        outcome.contact = storage::normalize_address(message.contact_address);
        engine::contact_state state;
        {
            std::lock_guard lock(mutex_);
            if (!message.gateway_message_id.empty() &&
                !seen_.insert(message.channel + '\n' + message.gateway_message_id).second) {
                outcome.duplicate = true;
                return answer(std::move(on_durable), std::move(outcome));
            }
            auto it = contacts_.find(outcome.contact);
            if (it != contacts_.end())
                state = it->second;
            else
                state.address = outcome.contact;
        }
        // As in the SQLite store, the turn runs on the submitting thread; one contact's
        // messages arrive one at a time in the benchmark, so no lock is held over it.
        engine::turn_result result;
        try {
            result = turn(state, registrar_);
        } catch (const std::exception&) {
            return answer(std::move(on_durable),
                          storage::make_error_code(storage::errc::turn_failed));
        }
        exchange e;
        if (floor_) {
            e.contact = outcome.contact;
            e.channel = message.channel;
            e.gateway_message_id = message.gateway_message_id;
            e.text = message.text;
            for (const auto& reply : result.replies)
                e.replies += reply.text + '\n';
            e.state = nlohmann::json(result.state).dump();
            e.at = message.received_at;
        }
        {
            std::lock_guard lock(mutex_);
            contacts_[outcome.contact] = std::move(result.state);
            for (auto& reply : result.replies)
                outcome.replies.push_back({++last_message_id_, std::move(reply)});
        }
        if (!floor_) return answer(std::move(on_durable), std::move(outcome));
        e.answer = [cb = std::move(on_durable), o = std::move(outcome)]() mutable {
            cb(std::move(o));
        };
        floor_->append(std::move(e));
    }

    std::optional<engine::contact_state> load_contact(const std::string& address) override {
        std::lock_guard lock(mutex_);
        auto it = contacts_.find(storage::normalize_address(address));
        if (it == contacts_.end()) return std::nullopt;
        return it->second;
    }

    // Twilio answers inline, so there is never an outbound job.
    std::vector<storage::queue_backlog> outbound_backlog() override { return {}; }
    std::vector<storage::outbound_job> claim_outbound(const std::string&,
                                                      engine::unix_seconds,
                                                      int) override {
        return {};
    }
    void complete_outbound(std::int64_t, const std::string&, engine::unix_seconds) override {}
    void retry_outbound(std::int64_t, engine::unix_seconds, const std::string&) override {}
    void fail_outbound(std::int64_t,
                       const std::string&,
                       const std::string&,
                       engine::unix_seconds) override {}
    bool update_delivery(const std::string&,
                         const std::string&,
                         storage::delivery_status,
                         const std::string&,
                         const std::string&,
                         engine::unix_seconds) override {
        return false;
    }
    storage::export_summary export_rows(storage::export_kind,
                                        const storage::export_filter&,
                                        storage::row_sink&) override {
        throw std::logic_error("the in-memory benchmark store has nothing to export");
    }
    storage::forget_counts forget(const std::string&, engine::unix_seconds) override {
        throw std::logic_error("the in-memory benchmark store keeps no personal data to forget");
    }

  private:
    // Like the SQLite store, the answer reaches the webhook through the io_context, not
    // inside submit().
    void answer(storage::durable_callback on_durable, storage::outcome_or_error outcome) {
        boost::asio::post(io_, [cb = std::move(on_durable), o = std::move(outcome)]() mutable {
            cb(std::move(o));
        });
    }

    boost::asio::io_context& io_;
    std::mutex mutex_;
    std::unordered_map<std::string, engine::contact_state> contacts_;
    std::unordered_set<std::string> seen_;
    std::int64_t last_message_id_ = 0;
    map_registrar registrar_;
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
            [&](const config::service_config&,
                boost::asio::io_context& io,
                storage::commit_observer) { return std::make_unique<memory_store>(io, floor_db); });
    } catch (const std::exception& e) {
        std::cerr << "in_memory_server: " << e.what() << "\n";
        return 1;
    }
}
