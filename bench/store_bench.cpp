// The store's write path in-process, without HTTP: residents walk the Lumajang sign-up through
// the use case (app::conversations) on the SQLite store, with the real engine turn and SMS cost
// hook, as `sapa serve` runs them. Message ids are random, as Twilio's MessageSids are.
// Measures what one writer thread can do, which bounds the server's throughput.
//
//   store_bench [--messages 200000] [--residents 1000] [--window 256] [--sync FULL|NORMAL]
//               [--db FILE] [--dialogs DIR]
//
// The window is how many messages are in flight (distinct residents, so one resident's
// messages stay in order); each round submits that many and waits for their callbacks.
// Prints messages/s and the process's CPU time per message (the writer does nearly all of it).

#include "app/conversations.hpp"
#include "dialog/catalog.hpp"
#include "engine/engine.hpp"
#include "lumajang_walk.hpp"
#include "sms/gsm7.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace sapa;

// "SM" and 32 hex digits, like a Twilio MessageSid.
std::string random_message_sid(std::mt19937_64& random) {
    char sid[35];
    std::snprintf(sid,
                  sizeof sid,
                  "SM%016llx%016llx",
                  static_cast<unsigned long long>(random()),
                  static_cast<unsigned long long>(random()));
    return sid;
}

struct options {
    long messages = 200000;
    long residents = 1000;
    long window = 256;
    bool full = true;
    std::string db;
    std::string dialogs = "dialogs";
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "store_bench: %s\nusage: store_bench [--messages N] [--residents N] "
                 "[--window N] [--sync FULL|NORMAL] [--db FILE] [--dialogs DIR]\n",
                 why.c_str());
    std::exit(2);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        if (a == "--messages") {
            o.messages = std::atol(value().c_str());
        } else if (a == "--residents") {
            o.residents = std::atol(value().c_str());
        } else if (a == "--window") {
            o.window = std::atol(value().c_str());
        } else if (a == "--sync") {
            o.full = value() != "NORMAL";
        } else if (a == "--db") {
            o.db = value();
        } else if (a == "--dialogs") {
            o.dialogs = value();
        } else {
            usage("unknown option " + a);
        }
    }
    if (o.messages < 1 || o.residents < 1 || o.window < 1) usage("bad numbers");
    if (o.window > o.residents) o.window = o.residents;
    return o;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct resident {
    std::string phone;
    int walk = 0;
    int step = 0;
};

}  // namespace

int main(int argc, char** argv) {
    auto o = parse(argc, argv);
    auto loaded = dialog::load_catalog({o.dialogs});
    if (!loaded.scripts) usage("cannot load the dialogs in " + o.dialogs);
    std::shared_ptr<const dialog::catalog> scripts = loaded.scripts;

    auto db = o.db;
    // Its messages would all be repeats of the ones already logged, answered from the log:
    // a figure several times too good.
    if (!db.empty() && std::filesystem::exists(db))
        usage(db + " exists; give a new file (the walks' message ids would all be repeats)");
    if (db.empty()) {
        db = (std::filesystem::temp_directory_path() /
              ("sapa-store-bench-" + std::to_string(::getpid()) + ".db"))
                 .string();
    }
    storage::sqlite_options so;
    so.synchronous =
        o.full ? storage::sqlite_options::sync::full : storage::sqlite_options::sync::normal;
    so.max_batch = static_cast<std::size_t>(o.window);
    so.max_batch_wait = std::chrono::microseconds{0};
    so.text_cost = [](const std::string& text) {
        auto cost = sms::measure(text);
        return storage::message_cost{cost.encoding == sms::encoding::gsm7 ? "gsm7" : "ucs2",
                                     static_cast<int>(cost.segments)};
    };

    std::vector<resident> residents(static_cast<std::size_t>(o.residents));
    for (std::size_t i = 0; i < residents.size(); ++i) {
        char phone[32];
        std::snprintf(phone, sizeof phone, "+62812%08zu", i);
        residents[i].phone = phone;
        residents[i].walk = static_cast<int>(i % 2);
    }

    std::mutex mutex;
    std::condition_variable done;
    long failed = 0;
    const engine::unix_seconds now = 1'780'000'000;
    {
        auto store = storage::sqlite_store::open(db, so);
        app::conversations conversations(*store, [scripts] { return scripts; });
        const app::channel sms_channel{"sms", "lumajang", storage::route::inline_reply};
        std::mt19937_64 ids(std::random_device{}());
        auto start = std::chrono::steady_clock::now();
        auto cpu_start = cpu_seconds();
        long sent = 0;
        std::size_t next = 0;
        while (sent < o.messages) {
            long round = std::min(o.window, o.messages - sent);
            long left = round;
            for (long k = 0; k < round; ++k) {
                auto& r = residents[next];
                next = (next + 1) % residents.size();
                auto text = bench::answer(static_cast<long>(&r - residents.data()), r.walk, r.step);
                if (++r.step >= bench::walk_length(r.walk)) {
                    r.step = 0;
                    r.walk = 1 - r.walk;
                }
                messaging::inbound_message m{.channel = "sms",
                                             .gateway_message_id = random_message_sid(ids),
                                             .from = r.phone,
                                             .to = "+6281100000000",
                                             .text = text,
                                             .contact_name = {},
                                             .channel_kind = "sms",
                                             .received_at = now + sent / 1000,
                                             .attachments = {}};
                conversations.receive(std::move(m), sms_channel, [&](app::inbound_result outcome) {
                    std::lock_guard lock(mutex);
                    if (!outcome || outcome->replies.empty()) ++failed;
                    if (--left == 0) done.notify_one();
                });
            }
            std::unique_lock lock(mutex);
            done.wait(lock, [&] { return left == 0; });
            sent += round;
        }
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        double cpu = cpu_seconds() - cpu_start;
        std::printf(
            "store_bench: %ld messages from %ld residents, window %ld, %s: %.0f msg/s, "
            "%.1f us CPU per message, %ld failed or without reply\n",
            o.messages,
            o.residents,
            o.window,
            o.full ? "FULL" : "NORMAL",
            static_cast<double>(o.messages) / seconds,
            cpu * 1e6 / static_cast<double>(o.messages),
            failed);
    }
    if (o.db.empty()) {
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(db + suffix);
    }
    return failed == 0 ? 0 : 1;
}
