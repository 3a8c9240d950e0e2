#pragma once
// Helpers for the storage tests: a temporary folder, a fake turn function (no engine), and a
// store opened for tests.

#include "app/conversations.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/store.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

namespace sapa::storage::testing {

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class temp_dir {
  public:
    temp_dir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("sapa-storage-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// A message's turn in the storage tests: a stand-in for the engine.
using turn_function =
    std::function<engine::turn_result(const engine::contact_state&, engine::registrar&)>;

// The engine stand-in: replies "echo: TEXT", counts turns in variable "turns", appends the
// text to variable "log". "DAFTAR COURSE CAPACITY" registers (code prefix = COURSE),
// "STATUS COURSE" looks the registration up, "BATAL COURSE" cancels, "STOP" opts out, "GAGAL"
// throws.
engine::turn_result echo_turn(const engine::contact_state& state,
                              engine::registrar& registrations,
                              const std::string& text,
                              unix_seconds now);

inline turn_function echo(const std::string& text, unix_seconds now) {
    return [text, now](const engine::contact_state& s, engine::registrar& r) {
        return echo_turn(s, r, text, now);
    };
}

// A turn that asks staff for something, as the engine's handoff and forget actions do: an
// accepted answer, then `kind` with `detail`, and the reply "ok".
inline turn_function asking(engine::event_kind kind, std::string detail, unix_seconds now) {
    return [kind, detail, now](const engine::contact_state& state, engine::registrar&) {
        engine::turn_result r;
        r.state = state;
        r.state.session.last_active = now;
        r.events.push_back({.kind = engine::event_kind::answer_accepted,
                            .node = "t/pesan",
                            .detail = "x",
                            .matched = engine::match_kind::exact,
                            .data = {}});
        r.events.push_back(
            {.kind = kind, .node = "t/petugas", .detail = detail, .matched = {}, .data = {}});
        r.replies.push_back({.text = "ok", .body = {}, .options = {}});
        return r;
    };
}

// A message as a test sends it: the message, and whether its channel replies by API.
struct test_message {
    messaging::inbound_message message;
    bool by_api = false;
};

inline test_message sms(const std::string& from,
                        const std::string& text,
                        unix_seconds at,
                        const std::string& id = {},
                        bool by_api = false,
                        const std::string& channel = "sms") {
    test_message t;
    t.message.channel = channel;
    t.message.gateway_message_id = id;
    t.message.from = from;
    t.message.text = text;
    t.message.received_at = at;
    t.by_api = by_api;
    return t;
}

using outcome_or_error = app::inbound_result;

// The use case (app::conversations) over `st`, with `turn` instead of the engine: submits and
// calls `done` once durable.
void submit(store& st,
            const test_message& m,
            turn_function turn,
            std::function<void(outcome_or_error)> done);
// The same, and waits. Throws boost::system::system_error.
app::inbound_outcome process(store& st, const test_message& m, turn_function turn);

// Sequential tests: no batch wait (a lone caller would wait for it on every message).
// A store to test. `open` takes SQLite's options; other stores use what applies to them.
struct store_under_test {
    std::string name;
    // A new, empty store.
    std::function<std::unique_ptr<store>(const sqlite_options&)> open;
    // The database of the last open() opened again, as a restarted or second process would;
    // empty where nothing outlives the store (memory, SQLite :memory:).
    std::function<std::unique_ptr<store>(const sqlite_options&)> reopen;
    bool threaded = true;                 // a writer thread, callbacks on the store's threads
    bool releases_leases_on_open = true;  // sqlite_options::release_leases_on_open
};

// PostgreSQL, when SAPA_TEST_POSTGRES_URL names a server: each open() makes a new schema on
// it, dropped when the last copy of the returned value goes. Without the variable: nullopt,
// and one line on standard output says the PostgreSQL cases are skipped and why (ctest
// reports them as skipped: tests/CMakeLists.txt).
std::optional<store_under_test> postgres_store_under_test();

inline sqlite_options fast_options() {
    sqlite_options o;
    o.max_batch_wait = std::chrono::microseconds{0};
    o.synchronous = sqlite_options::sync::normal;
    return o;
}

}  // namespace sapa::storage::testing
