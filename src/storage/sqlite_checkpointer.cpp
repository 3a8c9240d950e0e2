// The background checkpoint (see detail::checkpointer).

#include "storage/detail/sqlite_connection.hpp"

#include <sqlite3.h>

namespace sapa::storage::detail {
namespace {

// SQLite's own automatic checkpoint starts at 1,000 frames; so does the background one.
constexpr int frames_before_checkpoint = 1000;
// The writer's own checkpoint, which lets the log start over at its next transaction.
constexpr int frames_before_writer_checkpoints = 8000;

}  // namespace

checkpointer::checkpointer(const std::string& path,
                           const sqlite_options& options,
                           connection& writer)
    : own_(path, options, false), thread_([this] { run(); }) {
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

int checkpointer::on_commit(void* self, sqlite3* db, const char* name, int frames) {
    auto* c = static_cast<checkpointer*>(self);
    if (frames >= frames_before_writer_checkpoints) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (frames >= frames_before_checkpoint) {
        {
            std::lock_guard lock(c->mutex_);
            c->due_ = true;
        }
        c->wake_.notify_one();
    }
    return SQLITE_OK;
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
        sqlite3_wal_checkpoint_v2(
            own_.db().getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
}

}  // namespace sapa::storage::detail
