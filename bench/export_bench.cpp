// Store benchmarks: group-commit throughput while filling a database, then exports of the
// big tables with their peak memory (each export runs in its own process, so its peak RSS is
// its own).
//
//   export_bench [MESSAGES] [DB]       fill DB (default: a temp file) with MESSAGES inbound
//                                      messages (default 1,000,000), then export everything
//   export_bench fill DB N [BATCH]     fill only; BATCH=1 measures one commit per message
//   export_bench export DB KIND FORMAT [SINCE]   one export to /dev/null, prints peak RSS

#include "app/conversations.hpp"
#include "dialog/catalog.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace sapa;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// A stand-in for the engine: one reply, a session variable, and a registration with two
// fields for each message (each contact sends 4 and registers for 4 of 50,000 courses).
// The message number travels in the text ("DAFTAR n").
engine::turn_result turn(const engine::contact_state& state,
                         const messaging::inbound_message& m,
                         engine::registrar& registrar) {
    const long long n = std::atoll(m.text.c_str() + 7);
    const auto now = m.received_at;
    {
        engine::turn_result r;
        r.state = state;
        r.state.session.variables["last"] = std::to_string(n);
        r.state.fields["nama"] = "Warga " + std::to_string(n / 4);
        auto rec = registrar.register_contact(state.address,
                                              "C" + std::to_string(n % 50000),
                                              "C" + std::to_string(n % 50000),
                                              30,
                                              {{"nama", "Warga " + std::to_string(n / 4)},
                                               {"nik", "35080112" + std::to_string(10000000 + n)}},
                                              now);
        r.replies.push_back(
            {.text = "Terima kasih, kode Anda " + rec.code, .body = {}, .options = {}});
        return r;
    }
}

int fill(const std::string& db, long long count, std::size_t batch) {
    storage::sqlite_options options;  // synchronous FULL
    options.max_batch = batch;
    auto store = storage::sqlite_store::open(db, options);
    app::conversation_options use_case;
    use_case.turn = turn;
    app::conversations conversations(
        *store, [] { return std::make_shared<const dialog::catalog>(); }, use_case);
    const app::channel sms_channel{"sms", "-", storage::route::inline_reply};
    std::mutex mutex;
    std::condition_variable room;
    long long in_flight = 0, failed = 0;
    constexpr long long window = 4096;  // messages in flight, like a busy webhook server
    auto start = clock_type::now();
    for (long long n = 0; n < count; ++n) {
        {
            std::unique_lock lock(mutex);
            room.wait(lock, [&] { return in_flight < window; });
            ++in_flight;
        }
        char address[32];
        std::snprintf(address, sizeof address, "0812%08lld", n % (count / 4 + 1));
        engine::unix_seconds at = 1714521600 + n / 100;
        conversations.receive({.channel = "sms",
                               .gateway_message_id = "SM" + std::to_string(n),
                               .from = address,
                               .to = {},
                               .text = "DAFTAR " + std::to_string(n),
                               .contact_name = {},
                               .channel_kind = "sms",
                               .received_at = at,
                               .attachments = {}},
                              sms_channel,
                              [&](app::inbound_result r) {
                                  std::lock_guard lock(mutex);
                                  if (!r) ++failed;
                                  --in_flight;
                                  room.notify_one();
                              });
    }
    {
        std::unique_lock lock(mutex);
        room.wait(lock, [&] { return in_flight == 0; });
    }
    double s = seconds_since(start);
    std::printf(
        "fill: %lld messages (+%lld replies, %lld registrations) in %.1f s = %.0f "
        "messages/s, synchronous=FULL, max_batch=%zu, failed %lld\n",
        count,
        count,
        count,
        s,
        static_cast<double>(count) / s,
        batch,
        failed);
    return failed == 0 ? 0 : 1;
}

int export_one(const std::string& db,
               const std::string& kind_name,
               const std::string& format,
               const std::string& since) {
    auto kind = storage::export_kind_from_string(kind_name);
    if (!kind) return 2;
    auto store = storage::sqlite_store::open(db);
    std::ofstream out("/dev/null", std::ios::binary);
    storage::csv_writer csv(out);
    storage::json_writer json(out);
    storage::row_sink& sink = format == "csv" ? static_cast<storage::row_sink&>(csv) : json;
    storage::export_filter filter;
    if (!since.empty()) filter.since = std::stoll(since);
    auto start = clock_type::now();
    auto summary = store->export_rows(*kind, filter, sink);
    double s = seconds_since(start);
    std::printf("export %-13s %-4s %9lld rows in %5.1f s (%7.0f rows/s), peak RSS %ld KiB\n",
                kind_name.c_str(),
                format.c_str(),
                static_cast<long long>(summary.rows),
                s,
                static_cast<double>(summary.rows) / s,
                peak_rss_kib());
    return 0;
}

int spawn_self(std::vector<std::string> args) {
    std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    args.insert(args.begin(), self);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return 1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "fill" && args.size() >= 3) {
        return fill(args[1], std::stoll(args[2]), args.size() > 3 ? std::stoul(args[3]) : 256);
    }
    if (!args.empty() && args[0] == "export" && args.size() >= 4) {
        return export_one(args[1], args[2], args[3], args.size() > 4 ? args[4] : "");
    }
    long long count = args.empty() ? 1'000'000 : std::stoll(args[0]);
    std::string db = args.size() > 1 ? args[1]
                                     : (std::filesystem::temp_directory_path() /
                                        ("sapa-export-bench-" + std::to_string(getpid()) + ".db"))
                                           .string();
    if (!std::filesystem::exists(db) && spawn_self({"fill", db, std::to_string(count)}) != 0) {
        return 1;
    }
    // Small exports first (the last ~1% of messages): the baseline a constant-memory export
    // must stay at.
    std::string late = std::to_string(1714521600 + count / 100 - count / 10000);
    spawn_self({"export", db, "conversations", "csv", late});
    spawn_self({"export", db, "conversations", "json", late});
    for (const char* kind : {"registrations", "conversations", "contacts"}) {
        for (const char* format : {"csv", "json"})
            spawn_self({"export", db, kind, format});
    }
    if (args.size() < 2) {
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(db + suffix);
    }
    return 0;
}
