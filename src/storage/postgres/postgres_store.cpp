// The writer thread and group commit on PostgreSQL. Units of work (and the blocking calls)
// are jobs on one queue; the writer takes what is queued (after a small batch waiting at most
// max_batch_wait for a few more), runs the jobs in order in one transaction and commits, then
// reports each job's outcome: a gateway hears 200 only for what COMMIT made durable.
//
// Several instances share the database, so a batch may meet another instance's transaction:
// a deadlock on two contacts' locks, or the same retried webhook inserted by both. The batch
// is then rolled back and run again (the turn is a pure function; nothing of it was visible).
// When the server is gone, the batch fails (the gateways get 503 and retry) and the next batch
// connects again.

#include "storage/postgres/postgres_store.hpp"

#include "storage/postgres/detail/pg_connection.hpp"

#include <boost/system/system_error.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

namespace sapa::storage {
namespace {

struct job {
    std::function<void(pg::connection&)> run;  // inside the batch transaction; may throw
    std::function<void(std::exception_ptr error, bool batch_failed)> done;
    bool handed_over = false;  // submit()'s: may go to options.run_callbacks
};

boost::system::error_code error_for(std::exception_ptr error, bool batch_failed) {
    if (batch_failed) return errc::write_failed;
    try {
        std::rethrow_exception(error);
    } catch (const pg::error&) {
        return errc::write_failed;  // a statement of the unit failed: the store's fault
    } catch (const boost::system::system_error& e) {
        return e.code();
    } catch (...) {
        return errc::work_failed;
    }
}

std::string describe(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

void run_unit(pg::connection& c, const postgres_options& options, const work_function& work) {
    pg::unit u(c, options);
    work(u);
}

}  // namespace

struct postgres_store::impl {
    explicit impl(postgres_options o) : options(std::move(o)) {}

    postgres_options options;
    std::unique_ptr<pg::connection> writer_connection;  // the writer thread's alone

    std::mutex mutex;
    std::condition_variable wake;
    std::deque<job> queue;  // guarded by mutex
    bool stopping = false;  // guarded by mutex
    std::thread writer;

    static constexpr std::size_t small_batch = 16;
    static constexpr int transient_attempts = 5;
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

    template <class F>
    auto call(F f) -> decltype(f(std::declval<pg::connection&>())) {
        using result_type = decltype(f(std::declval<pg::connection&>()));
        if (std::this_thread::get_id() == writer.get_id())
            throw std::logic_error("sapa storage: a store callback called the store");
        auto result = std::make_shared<std::optional<result_type>>();
        auto committed = std::make_shared<std::promise<void>>();
        auto finished = committed->get_future();
        enqueue({[f = std::move(f), result](pg::connection& c) { result->emplace(f(c)); },
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

    void run_writer() {
        std::size_t last_batch = 0;
        for (;;) {
            std::vector<job> batch;
            {
                std::unique_lock lock(mutex);
                wake.wait(lock, [this] { return !queue.empty() || stopping; });
                if (queue.empty()) return;
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
            std::vector<std::exception_ptr> errors(batch.size());
            auto batch_error = run_batch(batch, errors);
            report(batch, errors, batch_error);
        }
    }

    // After the commit: submit()'s callbacks in one group to options.run_callbacks, the
    // blocking calls' here (their callers wait on other threads).
    void report(std::vector<job>& batch,
                const std::vector<std::exception_ptr>& errors,
                std::exception_ptr batch_error) {
        auto group = std::make_shared<std::vector<std::function<void()>>>();
        auto hand_over = [&] {
            if (group->empty()) return;
            guarded([&] {
                options.run_callbacks([g = std::move(group)] {
                    for (auto& f : *g)
                        guarded(f);
                });
            });
            group = std::make_shared<std::vector<std::function<void()>>>();
        };
        for (std::size_t i = 0; i < batch.size(); ++i) {
            auto error = batch_error ? batch_error : errors[i];
            const bool failed = batch_error != nullptr;
            if (batch[i].handed_over && options.run_callbacks) {
                group->push_back(
                    [done = std::move(batch[i].done), error, failed] { done(error, failed); });
                continue;
            }
            hand_over();
            guarded([&] { batch[i].done(error, failed); });
        }
        hand_over();
    }

    template <class F>
    static void guarded(F&& f) {
        try {
            f();
        } catch (...) {  // a callback must not stop the writer, nor the next callbacks
        }
    }

    bool connected() {
        if (writer_connection && writer_connection->usable()) return true;
        if (!writer_connection) {
            try {
                writer_connection = std::make_unique<pg::connection>(options);
                return true;
            } catch (const pg::error&) {
                return false;
            }
        }
        return writer_connection->reconnect();
    }

    void rollback() {
        try {
            if (writer_connection->usable()) writer_connection->exec("ROLLBACK");
        } catch (...) {  // the batch is reported as failed anyway
        }
    }

    // Runs the batch in one transaction; returns the error that failed all of it, if any.
    std::exception_ptr run_batch(std::vector<job>& batch, std::vector<std::exception_ptr>& errors) {
        for (int attempt = 1;; ++attempt) {
            if (!connected())
                return std::make_exception_ptr(boost::system::system_error(
                    errc::write_failed,
                    "PostgreSQL is unreachable; trying again with the next batch"));
            auto& c = *writer_connection;
            // On the last attempt another transaction's interference fails only its unit.
            const bool last = attempt >= transient_attempts;
            std::fill(errors.begin(), errors.end(), nullptr);
            try {
                c.exec("BEGIN");
                bool isolate = false;
                for (auto& j : batch) {
                    try {
                        j.run(c);
                    } catch (const pg::error& e) {
                        if (e.connection_lost() || (e.transient() && !last)) throw;
                        isolate = true;
                        break;
                    } catch (...) {
                        isolate = true;
                        break;
                    }
                }
                if (isolate) {
                    c.exec("ROLLBACK");
                    run_isolated(c, batch, errors, last);
                }
                c.exec("COMMIT");
                return nullptr;
            } catch (const pg::error& e) {
                rollback();
                if (e.transient() && !last) continue;
                return std::current_exception();
            } catch (...) {
                rollback();
                return std::current_exception();
            }
        }
    }

    // Each job in its own savepoint: a failing one is undone alone, the others go on.
    static void run_isolated(pg::connection& c,
                             std::vector<job>& batch,
                             std::vector<std::exception_ptr>& errors,
                             bool last) {
        c.exec("BEGIN");
        for (std::size_t i = 0; i < batch.size(); ++i) {
            c.exec("SAVEPOINT job");
            try {
                batch[i].run(c);
            } catch (const pg::error& e) {
                if (e.connection_lost() || (e.transient() && !last)) throw;
                errors[i] = std::current_exception();
                c.exec("ROLLBACK TO SAVEPOINT job");
            } catch (...) {
                errors[i] = std::current_exception();
                c.exec("ROLLBACK TO SAVEPOINT job");
            }
            c.exec("RELEASE SAVEPOINT job");
        }
    }

    void stop() {
        {
            std::unique_lock lock(mutex);
            stopping = true;
        }
        wake.notify_one();
        if (writer.joinable()) writer.join();
    }
};

postgres_store::postgres_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

postgres_store::~postgres_store() {
    impl_->stop();
}

std::unique_ptr<postgres_store> postgres_store::open(postgres_options options) {
    auto p = std::make_unique<impl>(std::move(options));
    if (p->options.max_batch == 0) p->options.max_batch = 1;
    // Connected and migrated here, so open() reports an unreachable server or a wrong schema.
    p->writer_connection = std::make_unique<pg::connection>(p->options);
    pg::migrate(*p->writer_connection, p->options.schema);
    auto* raw = p.get();
    p->writer = std::thread([raw] { raw->run_writer(); });
    return std::unique_ptr<postgres_store>(new postgres_store(std::move(p)));
}

std::vector<std::string> postgres_store::pending_migrations(const postgres_options& options) {
    pg::connection c(options);
    return pg::pending_migrations(c);
}

void postgres_store::submit(work_function work, durable_callback on_durable) {
    const auto& options = impl_->options;
    impl_->enqueue(
        {[&options, work = std::move(work)](pg::connection& c) { run_unit(c, options, work); },
         [on_durable = std::move(on_durable)](std::exception_ptr error, bool batch_failed) {
             on_durable(error ? error_for(error, batch_failed) : boost::system::error_code{});
         },
         true});
}

void postgres_store::run(work_function work) {
    const auto& options = impl_->options;
    try {
        impl_->call([&](pg::connection& c) {
            run_unit(c, options, work);
            return true;
        });
    } catch (const boost::system::system_error&) {
        throw;
    } catch (const pg::error& e) {
        throw boost::system::system_error(errc::write_failed, e.what());
    } catch (const std::exception& e) {
        throw boost::system::system_error(errc::work_failed, e.what());
    }
}

std::optional<engine::contact_state> postgres_store::load_contact(const std::string& address) {
    auto normalized = normalize_address(address);
    return impl_->call([&](pg::connection& c) { return pg::load_contact(c, normalized); });
}

std::vector<outbound_job> postgres_store::claim_outbound(const std::string& channel,
                                                         unix_seconds now,
                                                         int limit) {
    auto lease = impl_->options.outbound_lease;
    return impl_->call(
        [&](pg::connection& c) { return pg::claim_outbound(c, channel, now, limit, lease); });
}

void postgres_store::complete_outbound(std::int64_t id,
                                       const std::string& provider_message_id,
                                       unix_seconds now) {
    impl_->call([&](pg::connection& c) {
        pg::complete_outbound(c, id, provider_message_id, now);
        return true;
    });
}

void postgres_store::begin_outbound_attempt(std::int64_t id, unix_seconds now) {
    impl_->call([&](pg::connection& c) {
        pg::begin_outbound_attempt(c, id, now);
        return true;
    });
}

void postgres_store::retry_outbound(std::int64_t id,
                                    unix_seconds next_attempt_at,
                                    const std::string& reason) {
    impl_->call([&](pg::connection& c) {
        pg::retry_outbound(c, id, next_attempt_at, reason);
        return true;
    });
}

void postgres_store::defer_outbound(std::int64_t id,
                                    unix_seconds not_before,
                                    const std::string& reason) {
    impl_->call([&](pg::connection& c) {
        pg::defer_outbound(c, id, not_before, reason);
        return true;
    });
}

void postgres_store::fail_outbound(std::int64_t id,
                                   const std::string& raw_code,
                                   const std::string& reason,
                                   unix_seconds now) {
    impl_->call([&](pg::connection& c) {
        pg::fail_outbound(c, id, raw_code, reason, now);
        return true;
    });
}

export_summary postgres_store::export_rows(export_kind kind,
                                           const export_filter& filter,
                                           row_sink& sink) {
    // A connection of its own: the writer goes on meanwhile.
    pg::connection reader(impl_->options);
    return pg::export_rows(reader, kind, filter, sink);
}

forget_counts postgres_store::forget(const std::string& address, unix_seconds now) {
    auto normalized = normalize_address(address);
    return impl_->call([&](pg::connection& c) { return pg::forget(c, normalized, now); });
}

std::vector<queue_backlog> postgres_store::outbound_backlog() {
    return impl_->call([](pg::connection& c) { return pg::outbound_backlog(c); });
}

bool postgres_store::mark_request_done(std::int64_t request_id, unix_seconds now) {
    return impl_->call(
        [&](pg::connection& c) { return pg::mark_request_done(c, request_id, now); });
}

std::int64_t postgres_store::publish_scripts(const script_version& v) {
    return impl_->call([&](pg::connection& c) { return pg::publish_scripts(c, v); });
}

std::vector<script_version> postgres_store::script_versions() {
    return impl_->call([](pg::connection& c) { return pg::script_versions(c); });
}

std::optional<script_version> postgres_store::find_script_version(std::int64_t id) {
    return impl_->call([&](pg::connection& c) { return pg::find_script_version(c, id); });
}

std::int64_t postgres_store::latest_script_version() {
    return impl_->call([](pg::connection& c) { return pg::latest_script_version(c); });
}

bool postgres_store::add_api_token(const api_token& t) {
    return impl_->call([&](pg::connection& c) { return pg::add_api_token(c, t); });
}

std::vector<api_token> postgres_store::api_tokens() {
    return impl_->call([](pg::connection& c) { return pg::api_tokens(c); });
}

bool postgres_store::revoke_api_token(const std::string& name) {
    return impl_->call([&](pg::connection& c) { return pg::revoke_api_token(c, name); });
}

void postgres_store::api_token_used(const std::string& name, unix_seconds now) {
    impl_->call([&](pg::connection& c) {
        pg::api_token_used(c, name, now);
        return true;
    });
}

// --- Staff console ---

std::int64_t postgres_store::add_staff(const staff_account& account) {
    return impl_->call([&](pg::connection& c) { return pg::add_staff(c, account); });
}

std::optional<staff_account> postgres_store::find_staff(const std::string& name) {
    return impl_->call([&](pg::connection& c) { return pg::find_staff(c, name); });
}

void postgres_store::add_staff_session(const staff_session& session) {
    impl_->call([&](pg::connection& c) {
        pg::add_staff_session(c, session);
        return true;
    });
}

std::optional<staff_login> postgres_store::find_staff_session(const std::string& token_hash) {
    return impl_->call([&](pg::connection& c) { return pg::find_staff_session(c, token_hash); });
}

void postgres_store::touch_staff_session(const std::string& token_hash, unix_seconds now) {
    impl_->call([&](pg::connection& c) {
        pg::touch_staff_session(c, token_hash, now);
        return true;
    });
}

void postgres_store::end_staff_session(const std::string& token_hash) {
    impl_->call([&](pg::connection& c) {
        pg::end_staff_session(c, token_hash);
        return true;
    });
}

std::int64_t postgres_store::add_audit(const audit_entry& entry) {
    return impl_->call([&](pg::connection& c) { return pg::add_audit(c, entry); });
}

std::vector<audit_entry> postgres_store::audit_log(std::int64_t before_id, int limit) {
    return impl_->call([&](pg::connection& c) { return pg::audit_log(c, before_id, limit); });
}

std::vector<funnel_row> postgres_store::funnel(const funnel_query& q) {
    pg::connection reader(impl_->options);  // the console's reads never hold the writer
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return pg::funnel(reader, q, now);
}

std::vector<delivery_health> postgres_store::delivery(unix_seconds since) {
    pg::connection reader(impl_->options);
    return pg::delivery(reader, since);
}

int postgres_store::end_stale_staff_sessions(unix_seconds idle_before, unix_seconds begun_before) {
    return impl_->call([&](pg::connection& c) {
        return pg::end_stale_staff_sessions(c, idle_before, begun_before);
    });
}

}  // namespace sapa::storage
