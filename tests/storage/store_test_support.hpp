#pragma once
// Helpers for the storage tests: a temporary folder, a fake turn function (no engine), and a
// store opened for tests.

#include "storage/sqlite/sqlite_store.hpp"

#include <atomic>
#include <filesystem>
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

// The engine stand-in: replies "echo: TEXT", counts turns in variable "turns", appends the
// text to variable "log". "DAFTAR COURSE CAPACITY" registers (code prefix = COURSE),
// "STATUS COURSE" looks the registration up, "BATAL COURSE" cancels, "STOP" opts out, "GAGAL"
// throws.
engine::turn_result echo_turn(const engine::contact_state& state,
                              engine::registrar& registrations,
                              const std::string& text,
                              engine::unix_seconds now);

inline turn_function echo(const std::string& text, engine::unix_seconds now) {
    return [text, now](const engine::contact_state& s, engine::registrar& r) {
        return echo_turn(s, r, text, now);
    };
}

inline inbound_message sms(const std::string& from,
                           const std::string& text,
                           engine::unix_seconds at,
                           const std::string& id = {},
                           bool by_api = false) {
    return {.channel = "sms",
            .gateway_message_id = id,
            .contact_address = from,
            .text = text,
            .received_at = at,
            .replies_by_api = by_api};
}

// Sequential tests: no batch wait (a lone caller would wait for it on every message).
inline sqlite_options fast_options() {
    sqlite_options o;
    o.max_batch_wait = std::chrono::microseconds{0};
    o.synchronous = sqlite_options::sync::normal;
    return o;
}

}  // namespace sapa::storage::testing
