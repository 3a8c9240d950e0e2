// The writer thread and group commit. Every change is a job on one queue; the writer takes
// what is queued (up to max_batch; after a small batch waiting at most max_batch_wait for a few
// more), runs the jobs in order in one transaction and commits. The committed batch then goes
// to the acknowledger thread, which syncs the log (one fsync for every batch committed
// meanwhile) and only then reports each job's result, while the writer already runs the next
// batch.

#include "storage/sqlite/sqlite_store.hpp"

#include "storage/sqlite/detail/sqlite_connection.hpp"

#include <SQLiteCpp/Exception.h>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace sapa::storage {
namespace {

struct job {
    // Runs inside the batch transaction. May throw: then the batch is rerun with a savepoint
    // per job (run_batch), and only this job fails.
    std::function<void(detail::connection&)> run;
    // After the commit: error is null when the job's work is durable. `batch_failed`: the
    // transaction itself failed (the job's own run may have succeeded).
    std::function<void(std::exception_ptr error, bool batch_failed)> done;
    // `done` may go to options.run_callbacks (submit's callbacks; not a blocked caller's).
    bool handed_over = false;
};

// A job's callback with its outcome, handed to options.run_callbacks.
struct pending_callback {
    std::function<void(std::exception_ptr error, bool batch_failed)> done;
    std::exception_ptr error;
    bool batch_failed = false;
};

// A batch the writer is done with, waiting for the log's fsync and its callbacks.
struct finished_batch {
    std::vector<job> jobs;
    std::vector<std::exception_ptr> errors;           // per job
    std::exception_ptr batch_error;                   // the transaction failed: every job did
    std::chrono::steady_clock::time_point started{};  // when its transaction began
};

boost::system::error_code error_for(std::exception_ptr error, bool batch_failed) {
    if (batch_failed) return errc::write_failed;
    try {
        std::rethrow_exception(error);
    } catch (const SQLite::Exception&) {
        return errc::write_failed;  // a statement of the unit failed: the store's fault
    } catch (const boost::system::system_error& e) {
        return e.code();
    } catch (...) {
        return errc::work_failed;
    }
}

}  // namespace

struct sqlite_store::impl {
    impl(const std::string& path, sqlite_options o)
        : options(std::move(o)), in_memory(path == ":memory:"), file(path) {}

    sqlite_options options;
    bool in_memory;
    std::string file;

    std::mutex mutex;
    std::condition_variable wake;
    std::deque<job> queue;  // guarded by mutex
    bool stopping = false;  // guarded by mutex
    std::thread writer;

    // Database files with synchronous FULL: the acknowledger syncs the log (see log_sync).
    std::unique_ptr<detail::log_sync> log;
    // Database files: checkpoints beside the writer. Outlives the writer's connection, whose
    // WAL hook points to it.
    std::unique_ptr<detail::checkpointer> checkpoints;

    std::mutex finished_mutex;
    std::condition_variable finished_wake;
    std::deque<finished_batch> finished;  // guarded by finished_mutex
    bool writer_done = false;             // guarded by finished_mutex
    std::thread acknowledger;

    // Under moderate load messages arrive one at a time, and a transaction each writes its own
    // copy of the pages they share (about 7 pages of log per message at 2,500 messages/s), so
    // the log fills and starts over several times a second, and each restart holds up the
    // writer. So after a small batch the writer waits, at most max_batch_wait, until this many
    // are queued. After a big batch (heavy load) it never waits: the queue refills while it
    // commits, and a wait would only cost throughput (bench/README.md, session 5).
    static constexpr std::size_t small_batch = 16;
    std::size_t gather_target() const { return std::min(small_batch, options.max_batch); }

    void enqueue(job j) {
        {
            std::unique_lock lock(mutex);
            if (!stopping) {
                queue.push_back(std::move(j));
                if (queue.size() == 1 || queue.size() == gather_target() ||
                    queue.size() == options.max_batch)
                    wake.notify_one();
                return;
            }
        }
        j.done(std::make_exception_ptr(boost::system::system_error(errc::shutting_down)), false);
    }

    // Runs `f(connection&)` on a read-only connection of its own in one snapshot (WAL), so the
    // writer goes on meanwhile; a private in-memory database has one connection: the writer.
    template <class F>
    auto read(F f) -> decltype(f(std::declval<detail::connection&>())) {
        if (in_memory) return call(std::move(f));
        detail::connection reader(file, options, true);
        reader.db().exec("BEGIN");
        auto result = f(reader);
        reader.db().exec("COMMIT");
        return result;
    }

    // Runs `f(connection&)` as a job and waits for its commit; returns its result or throws.
    template <class F>
    auto call(F f) -> decltype(f(std::declval<detail::connection&>())) {
        using result_type = decltype(f(std::declval<detail::connection&>()));
        if (std::this_thread::get_id() == writer.get_id() ||
            std::this_thread::get_id() == acknowledger.get_id()) {
            throw std::logic_error("sapa storage: a store callback called the store");
        }
        auto result = std::make_shared<std::optional<result_type>>();
        // Shared: the waiting thread may wake and return while set_value is still running.
        auto committed = std::make_shared<std::promise<void>>();
        auto finished = committed->get_future();
        enqueue({[f = std::move(f), result](detail::connection& c) { result->emplace(f(c)); },
                 [committed](std::exception_ptr error, bool batch_failed) {
                     if (!error) {
                         committed->set_value();
                     } else if (batch_failed) {
                         committed->set_exception(std::make_exception_ptr(
                             boost::system::system_error(errc::write_failed, describe(error))));
                     } else {
                         committed->set_exception(error);
                     }
                 }});
        finished.get();
        return std::move(**result);
    }

    static std::string describe(std::exception_ptr error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            return e.what();
        } catch (...) {
            return "unknown exception";
        }
    }

    void run_writer(detail::connection& c) {
        std::size_t last_batch = 0;
        for (;;) {
            std::vector<job> batch;
            batch.reserve(options.max_batch);
            {
                std::unique_lock lock(mutex);
                wake.wait(lock, [this] { return !queue.empty() || stopping; });
                if (queue.empty()) return;  // stopping, and everything is done
                if (last_batch < gather_target() && queue.size() < gather_target() &&
                    options.max_batch_wait.count() > 0 && !stopping) {
                    wake.wait_for(lock, options.max_batch_wait, [this] {
                        return queue.size() >= gather_target() || stopping;
                    });
                }
                while (!queue.empty() && batch.size() < options.max_batch) {
                    batch.push_back(std::move(queue.front()));
                    queue.pop_front();
                }
            }
            last_batch = batch.size();
            // Past a bound, the log starts over with this batch (see checkpointer).
            std::unique_lock<std::mutex> restart;
            if (checkpoints) restart = checkpoints->hold_for_restart(c);
            const auto started = std::chrono::steady_clock::now();
            auto done = run_batch(c, std::move(batch));
            done.started = started;
            if (restart.owns_lock()) restart.unlock();
            {
                std::lock_guard lock(finished_mutex);
                finished.push_back(std::move(done));
            }
            finished_wake.notify_one();
        }
    }

    // Reports what the writer finished, in order, each batch once the log holding it is on the
    // disk. Callbacks run here, so neither they nor the fsync hold up the writer.
    void run_acknowledger() {
        for (;;) {
            std::deque<finished_batch> ready;
            {
                std::unique_lock lock(finished_mutex);
                finished_wake.wait(lock, [this] { return !finished.empty() || writer_done; });
                if (finished.empty()) return;  // the writer stopped and everything is reported
                ready.swap(finished);
            }
            std::exception_ptr sync_error;
            if (log) {
                if (auto ec = log->sync())
                    sync_error = std::make_exception_ptr(boost::system::system_error(
                        errc::write_failed, "cannot sync the write-ahead log: " + ec.message()));
            }
            // Submit's callbacks go to options.run_callbacks in one group; the group is handed
            // over before any later callback runs here, so a blocking call returns only once
            // everything submitted before it was handed over.
            std::vector<pending_callback> handed;
            auto hand_over = [&] {
                if (handed.empty()) return;
                auto group = std::make_shared<std::vector<pending_callback>>(std::move(handed));
                handed.clear();
                run_guarded([&] {
                    options.run_callbacks([group] {
                        for (auto& p : *group)
                            run_guarded([&] { p.done(p.error, p.batch_failed); });
                    });
                });
            };
            if (options.on_commit) {
                const auto now = std::chrono::steady_clock::now();
                for (const auto& batch : ready) {
                    if (sync_error || batch.batch_error) continue;
                    commit_report report{
                        std::chrono::duration_cast<std::chrono::microseconds>(now - batch.started),
                        batch.jobs.size()};
                    run_guarded([&] { options.on_commit(report); });
                }
            }
            for (auto& batch : ready) {
                auto failure = sync_error ? sync_error : batch.batch_error;
                for (std::size_t i = 0; i < batch.jobs.size(); ++i) {
                    auto& j = batch.jobs[i];
                    auto error = failure ? failure : batch.errors[i];
                    if (j.handed_over && options.run_callbacks) {
                        handed.push_back({std::move(j.done), error, failure != nullptr});
                        continue;
                    }
                    hand_over();
                    run_guarded([&] { j.done(error, failure != nullptr); });
                }
            }
            hand_over();
        }
    }

    template <class F>
    static void run_guarded(F&& f) {
        try {
            f();
        } catch (...) {  // a callback must not stop the acknowledger, nor the next callbacks
        }
    }

    // Runs the batch in one transaction. First without a savepoint per job (two statements
    // less per message); if a job fails, that attempt is rolled back whole and the batch runs
    // again with a savepoint per job, so only the failing job is lost. Jobs are safe to run
    // twice: nothing of theirs is visible before the commit, and the turn is a pure function.
    static finished_batch run_batch(detail::connection& c, std::vector<job> jobs) {
        finished_batch out{.jobs = std::move(jobs), .errors = {}, .batch_error = {}};
        auto& batch = out.jobs;
        auto& errors = out.errors;
        errors.resize(batch.size());
        auto& batch_error = out.batch_error;
        bool isolate_jobs = false;
        try {
            begin(c);
            for (auto& j : batch) {
                try {
                    j.run(c);
                } catch (...) {
                    // After some errors (I/O, disk full) SQLite has already rolled the whole
                    // transaction back: then the batch fails.
                    if (c.in_autocommit()) throw;
                    isolate_jobs = true;
                    break;
                }
            }
            c.reset_all();
            if (isolate_jobs) {
                rollback(c);
                run_jobs_isolated(c, batch, errors);
            }
            c.prepared("COMMIT").exec();
        } catch (...) {
            batch_error = std::current_exception();
            rollback(c);
        }
        return out;
    }

    static void begin(detail::connection& c) {
        c.prepared("BEGIN IMMEDIATE").exec();
        c.notice_other_writers();
    }

    // Undoes the open transaction, if any, and forgets what the writer remembered of it.
    static void rollback(detail::connection& c) {
        c.contacts().clear();
        c.reset_all();
        if (!c.in_autocommit()) {
            try {
                c.db().exec("ROLLBACK");
            } catch (...) {  // nothing more to do: the batch is reported as failed
            }
        }
    }

    // A new transaction with each job in its own savepoint: a failing job is rolled back
    // alone and its error kept in `errors`; the others go on.
    static void run_jobs_isolated(detail::connection& c,
                                  std::vector<job>& batch,
                                  std::vector<std::exception_ptr>& errors) {
        begin(c);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            c.prepared("SAVEPOINT job").exec();
            try {
                batch[i].run(c);
            } catch (...) {
                errors[i] = std::current_exception();
                if (c.in_autocommit()) throw;
                c.reset_all();
                c.prepared("ROLLBACK TO job").exec();
            }
            c.reset_all();  // RELEASE refuses while a statement is in progress
            c.prepared("RELEASE job").exec();
        }
        c.reset_all();
    }

    void stop() {
        {
            std::unique_lock lock(mutex);
            stopping = true;
        }
        wake.notify_one();
        if (writer.joinable()) writer.join();
        {
            std::lock_guard lock(finished_mutex);
            writer_done = true;
        }
        finished_wake.notify_one();
        if (acknowledger.joinable()) acknowledger.join();
        checkpoints.reset();
    }
};

sqlite_store::sqlite_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

sqlite_store::~sqlite_store() {
    impl_->stop();
}

std::unique_ptr<sqlite_store> sqlite_store::open(const std::string& path, sqlite_options options) {
    auto p = std::make_unique<impl>(path, std::move(options));
    if (p->options.max_batch == 0) p->options.max_batch = 1;
    // The connection is opened and migrated here, so open() reports a bad file, and then
    // belongs to the writer thread alone.
    auto c = std::make_unique<detail::connection>(path, p->options, false);
    detail::migrate(*c);
    if (p->options.release_leases_on_open) detail::release_leases(*c);
    // The writer takes every parent id it stores (contact, message replied to) from rows of
    // its own transaction, so SQLite's lookup of each parent per inserted row only repeats
    // what the code guarantees: about 11k instructions per message, 7 % of the write path
    // (callgrind over store_bench). The references stay declared; the crash and kill tests
    // check them with PRAGMA foreign_key_check. Other connections keep enforcing them.
    c->db().exec("PRAGMA foreign_keys = OFF");
    if (!p->in_memory) {
        p->checkpoints = std::make_unique<detail::checkpointer>(path, p->options, *c);
        if (p->options.synchronous == sqlite_options::sync::full) {
            auto log = std::make_unique<detail::log_sync>(path);
            if (log->usable()) {
                c->db().exec("PRAGMA synchronous = NORMAL");  // the acknowledger syncs instead
                p->log = std::move(log);
            }
        }
    }
    auto* raw = p.get();
    p->acknowledger = std::thread([raw] { raw->run_acknowledger(); });
    p->writer = std::thread([raw, c = std::move(c)]() mutable {
        raw->run_writer(*c);
        c.reset();
    });
    return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(p)));
}

namespace {

// The unit's ports live as long as its run; the contacts it stored reach the writer's cache
// only once it ran without throwing.
void run_unit(detail::connection& c, const sqlite_options& options, const work_function& work) {
    detail::sqlite_transaction unit(c, options);
    work(unit);
    unit.finish();
}

}  // namespace

void sqlite_store::submit(work_function work, durable_callback on_durable) {
    const auto& options = impl_->options;
    impl_->enqueue(
        {[&options, work = std::move(work)](detail::connection& c) { run_unit(c, options, work); },
         [on_durable = std::move(on_durable)](std::exception_ptr error, bool batch_failed) {
             on_durable(error ? error_for(error, batch_failed) : boost::system::error_code{});
         },
         true});
}

void sqlite_store::run(work_function work) {
    const auto& options = impl_->options;
    try {
        impl_->call([&](detail::connection& c) {
            run_unit(c, options, work);
            return true;
        });
    } catch (const boost::system::system_error&) {
        throw;
    } catch (const SQLite::Exception& e) {
        throw boost::system::system_error(errc::write_failed, e.what());
    } catch (const std::exception& e) {
        throw boost::system::system_error(errc::work_failed, e.what());
    }
}

std::optional<engine::contact_state> sqlite_store::load_contact(const std::string& address) {
    auto normalized = normalize_address(address);
    return impl_->call([&](detail::connection& c) { return detail::load_contact(c, normalized); });
}

std::vector<outbound_job> sqlite_store::claim_outbound(const std::string& channel,
                                                       unix_seconds now,
                                                       int limit) {
    auto lease = impl_->options.outbound_lease;
    return impl_->call([&](detail::connection& c) {
        return detail::claim_outbound(c, channel, now, limit, lease);
    });
}

void sqlite_store::complete_outbound(std::int64_t id,
                                     const std::string& provider_message_id,
                                     unix_seconds now) {
    impl_->call([&](detail::connection& c) {
        detail::complete_outbound(c, id, provider_message_id, now);
        return true;
    });
}

void sqlite_store::begin_outbound_attempt(std::int64_t id, unix_seconds now) {
    impl_->call([&](detail::connection& c) {
        detail::begin_outbound_attempt(c, id, now);
        return true;
    });
}

void sqlite_store::retry_outbound(std::int64_t id,
                                  unix_seconds next_attempt_at,
                                  const std::string& reason) {
    impl_->call([&](detail::connection& c) {
        detail::retry_outbound(c, id, next_attempt_at, reason);
        return true;
    });
}

void sqlite_store::defer_outbound(std::int64_t id,
                                  unix_seconds not_before,
                                  const std::string& reason) {
    impl_->call([&](detail::connection& c) {
        detail::defer_outbound(c, id, not_before, reason);
        return true;
    });
}

void sqlite_store::fail_outbound(std::int64_t id,
                                 const std::string& raw_code,
                                 const std::string& reason,
                                 unix_seconds now) {
    impl_->call([&](detail::connection& c) {
        detail::fail_outbound(c, id, raw_code, reason, now);
        return true;
    });
}

export_summary sqlite_store::export_rows(export_kind kind,
                                         const export_filter& filter,
                                         row_sink& sink) {
    return impl_->read(
        [&](detail::connection& c) { return detail::export_rows(c, kind, filter, sink); });
}

std::vector<queue_backlog> sqlite_store::outbound_backlog() {
    return impl_->call([](detail::connection& c) { return detail::outbound_backlog(c); });
}

forget_counts sqlite_store::forget(const std::string& address, unix_seconds now) {
    auto normalized = normalize_address(address);
    auto counts =
        impl_->call([&](detail::connection& c) { return detail::forget(c, normalized, now); });
    // The erased rows' old versions leave the write-ahead log too (checkpointer::erase_log).
    if (impl_->checkpoints) impl_->checkpoints->erase_log();
    return counts;
}

bool sqlite_store::mark_request_done(std::int64_t request_id, unix_seconds now) {
    return impl_->call(
        [&](detail::connection& c) { return detail::mark_request_done(c, request_id, now); });
}

std::int64_t sqlite_store::publish_scripts(const script_version& v) {
    return impl_->call([&](detail::connection& c) { return detail::publish_scripts(c, v); });
}

std::vector<script_version> sqlite_store::script_versions() {
    return impl_->call([](detail::connection& c) { return detail::script_versions(c); });
}

std::optional<script_version> sqlite_store::find_script_version(std::int64_t id) {
    return impl_->call([&](detail::connection& c) { return detail::find_script_version(c, id); });
}

std::int64_t sqlite_store::latest_script_version() {
    return impl_->call([](detail::connection& c) { return detail::latest_script_version(c); });
}

bool sqlite_store::add_api_token(const api_token& t) {
    return impl_->call([&](detail::connection& c) { return detail::add_api_token(c, t); });
}

std::vector<api_token> sqlite_store::api_tokens() {
    return impl_->call([](detail::connection& c) { return detail::api_tokens(c); });
}

bool sqlite_store::revoke_api_token(const std::string& name) {
    return impl_->call([&](detail::connection& c) { return detail::revoke_api_token(c, name); });
}

void sqlite_store::api_token_used(const std::string& name, unix_seconds now) {
    impl_->call([&](detail::connection& c) {
        detail::api_token_used(c, name, now);
        return true;
    });
}

// --- Staff console ---

std::int64_t sqlite_store::add_staff(const staff_account& account) {
    return impl_->call([&](detail::connection& c) { return detail::add_staff(c, account); });
}

std::optional<staff_account> sqlite_store::find_staff(const std::string& name) {
    return impl_->call([&](detail::connection& c) { return detail::find_staff(c, name); });
}

void sqlite_store::add_staff_session(const staff_session& session) {
    impl_->call([&](detail::connection& c) {
        detail::add_staff_session(c, session);
        return true;
    });
}

std::optional<staff_login> sqlite_store::find_staff_session(const std::string& token_hash) {
    return impl_->call(
        [&](detail::connection& c) { return detail::find_staff_session(c, token_hash); });
}

void sqlite_store::touch_staff_session(const std::string& token_hash, unix_seconds now) {
    impl_->call([&](detail::connection& c) {
        detail::touch_staff_session(c, token_hash, now);
        return true;
    });
}

void sqlite_store::end_staff_session(const std::string& token_hash) {
    impl_->call([&](detail::connection& c) {
        detail::end_staff_session(c, token_hash);
        return true;
    });
}

std::int64_t sqlite_store::add_audit(const audit_entry& entry) {
    return impl_->call([&](detail::connection& c) { return detail::add_audit(c, entry); });
}

std::vector<audit_entry> sqlite_store::audit_log(std::int64_t before_id, int limit) {
    return impl_->read(
        [&](detail::connection& c) { return detail::audit_log(c, before_id, limit); });
}

std::vector<funnel_row> sqlite_store::funnel(const funnel_query& q) {
    // Kept days are read; a day over but not kept yet is marked by the writer (a small unit of
    // work), counted on a reader in a snapshot after that commit, and kept by the writer
    // (sqlite_overview.cpp). The writer only ever writes the markers and the counts.
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::vector<detail::overview_day> days;
    auto first = impl_->read([&](detail::connection& c) {
        days = detail::overview_days(c, q, now);
        return detail::funnel_pass(c, q, days, true);
    });
    if (first.unfilled.empty()) return std::move(first.rows);
    static thread_local std::mt19937_64 random{std::random_device{}()};
    std::vector<detail::overview_day> marked;
    for (auto& d : days)
        for (const auto& u : first.unfilled)
            if (u.start == d.start) {
                d.token = static_cast<std::int64_t>(random() >> 1) | 1;
                marked.push_back(d);
            }
    impl_->call([&](detail::connection& c) {
        detail::mark_days(c, q, marked);
        return 0;
    });
    auto second =
        impl_->read([&](detail::connection& c) { return detail::funnel_pass(c, q, days, false); });
    if (!second.fills.empty())
        impl_->call([&](detail::connection& c) {
            detail::keep_days(c, second.fills);
            return 0;
        });
    return std::move(second.rows);
}

std::vector<delivery_health> sqlite_store::delivery(unix_seconds since) {
    return impl_->read([&](detail::connection& c) { return detail::delivery(c, since); });
}

int sqlite_store::end_stale_staff_sessions(unix_seconds idle_before, unix_seconds begun_before) {
    return impl_->call([&](detail::connection& c) {
        return detail::end_stale_staff_sessions(c, idle_before, begun_before);
    });
}

}  // namespace sapa::storage
