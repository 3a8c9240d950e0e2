// Keeping the writer thread on the CPU: the log's fsync and the checkpoint run beside it
// (see detail::log_sync and detail::checkpointer).

#include "storage/sqlite/detail/sqlite_connection.hpp"

#include <boost/system/system_error.hpp>

#include <cerrno>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

namespace sapa::storage::detail {
namespace {

// SQLite's own automatic checkpoint starts at 1,000 frames; so does the background one.
constexpr int frames_before_checkpoint = 1000;

}  // namespace

log_sync::log_sync(const std::string& database_path) {
    // The log exists once the connection has read the database in WAL mode (migrate() did),
    // and stays while the writer's connection is open.
    fd_ = ::open((database_path + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
}

log_sync::~log_sync() {
    if (fd_ >= 0) ::close(fd_);
}

boost::system::error_code log_sync::sync() const {
    // fdatasync flushes the file, not the descriptor: the writer's appends through SQLite's
    // own descriptor are covered.
    if (::fdatasync(fd_) == 0) return {};
    return {errno, boost::system::system_category()};
}

checkpointer::checkpointer(const std::string& path,
                           const sqlite_options& options,
                           connection& writer)
    : own_(path, options, false),
      restart_frames_(options.log_restart_frames),
      thread_([this] { run(); }) {
    // Replaces SQLite's automatic checkpoint on the writer's connection.
    sqlite3_wal_hook(writer.db().getHandle(), &checkpointer::on_commit, this);
}

checkpointer::~checkpointer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

int checkpointer::on_commit(void* self, sqlite3*, const char*, int frames) {
    auto* c = static_cast<checkpointer*>(self);
    // The writer's thread, like hold_for_restart(). A pass per 1,000 new frames, not one per
    // commit once the log is long: small batches under light load would otherwise each cost
    // a checkpoint and its two fsyncs.
    if (frames < c->log_frames_) c->next_pass_at_ = frames_before_checkpoint;  // started over
    c->log_frames_ = frames;
    if (frames >= c->next_pass_at_) {
        c->next_pass_at_ = frames + frames_before_checkpoint;
        {
            std::lock_guard lock(c->mutex_);
            c->due_ = true;
        }
        c->wake_.notify_one();
    }
    return SQLITE_OK;
}

std::unique_lock<std::mutex> checkpointer::hold_for_restart(connection& writer) {
    if (log_frames_ < restart_frames_) return {};
    // Preferably not while a pass runs: waiting for its fsyncs holds up every message of the
    // batch, and the next batch can try again. But when passes are slow (a busy disk) the
    // writer could find one running every time, and the log would grow without bound: past
    // twice the mark it waits. Once held, nothing else checkpoints until the writer's next
    // commit has started the log over.
    std::unique_lock hold(pass_, std::defer_lock);
    if (log_frames_ < 2 * restart_frames_) {
        if (!hold.try_lock()) return {};
    } else {
        hold.lock();
    }
    sqlite3_wal_checkpoint_v2(
        writer.db().getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    next_pass_at_ = frames_before_checkpoint;  // for the log that starts over
    return hold;
}

void checkpointer::erase_log() {
    std::lock_guard pass(pass_);  // own_ is this thread's now
    auto* db = own_.db().getHandle();
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    int rc = SQLITE_BUSY;
    for (int attempt = 0; attempt < 3 && rc == SQLITE_BUSY; ++attempt)
        rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        throw boost::system::system_error(
            errc::write_failed,
            std::string("the contact is erased, but the write-ahead log could not be emptied (") +
                sqlite3_errstr(rc) +
                "), so it may still hold the erased data: run the same forget again when the "
                "database is quieter");
    }
}

void checkpointer::run() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return due_ || stopping_; });
            if (stopping_) return;
            due_ = false;
        }
        // PASSIVE: copies what no reader still needs and never waits for the writer. A busy
        // or failed attempt is repeated after a later commit.
        std::lock_guard pass(pass_);
        sqlite3_wal_checkpoint_v2(
            own_.db().getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
}

}  // namespace sapa::storage::detail
