// The least a durable SQLite store can spend per message on this machine: no engine, no JSON,
// no events, no registrations; one prepared INSERT of the exchange (inbound and reply in one
// row, deduped by a unique index on the gateway's random id), and with --state also one upsert
// of the contact's ~400-byte state. 256 messages per transaction, WAL, synchronous FULL, as
// Sapa's writer batches under load. Prints the process's CPU time per message: the floor under
// any schema Sapa's store could have, to set beside what the rest of a webhook costs
// (bench/in_memory_server).
//
//   sqlite_floor [--messages 200000] [--contacts 1000] [--state] [--db FILE]

#include "floor_schema.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Twilio's MessageSid: "SM" and 32 hex digits, random.
std::string message_sid(std::mt19937_64& rng) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string sid = "SM";
    for (int i = 0; i < 32; ++i)
        sid += hex[rng() % 16];
    return sid;
}

}  // namespace

int main(int argc, char** argv) {
    long messages = 200000;
    long contacts = 1000;
    bool state = false;
    std::string db_path;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--messages" && i + 1 < argc)
            messages = std::atol(argv[++i]);
        else if (a == "--contacts" && i + 1 < argc)
            contacts = std::atol(argv[++i]);
        else if (a == "--state")
            state = true;
        else if (a == "--db" && i + 1 < argc)
            db_path = argv[++i];
        else {
            std::fprintf(stderr,
                         "usage: sqlite_floor [--messages N] [--contacts N] [--state] [--db F]\n");
            return 2;
        }
    }
    bool own_file = db_path.empty();
    if (own_file) db_path = "sqlite_floor-" + std::to_string(::getpid()) + ".db";

    const std::size_t batch = 256;
    double seconds = 0;
    double cpu = 0;
    {
        SQLite::Database db(db_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec(sapa::bench::floor::pragmas);
        db.exec(sapa::bench::floor::schema);
        SQLite::Statement log(db, sapa::bench::floor::insert_exchange);
        SQLite::Statement keep(db, sapa::bench::floor::keep_state);
        const std::string reply =
            "Pilih kecamatan Anda: balas dengan nama kecamatan, misalnya Tempeh, Pasirian atau "
            "Sukodono. Balas BATAL untuk berhenti, atau MENU untuk kembali ke awal.";
        std::string session(400, 'x');
        std::mt19937_64 rng(42);

        auto wall_start = std::chrono::steady_clock::now();
        auto cpu_start = cpu_seconds();
        for (long done = 0; done < messages;) {
            SQLite::Transaction tx(db);
            for (std::size_t i = 0; i < batch && done < messages; ++i, ++done) {
                std::string address = "+62812" + std::to_string(10000000 + done % contacts);
                log.bind(1, address);
                log.bind(2, "sms");
                log.bind(3, message_sid(rng));
                log.bind(4, "tiga");
                log.bind(5, reply);
                log.bind(6, static_cast<std::int64_t>(1'790'000'000 + done));
                log.exec();
                log.reset();
                if (state) {
                    session[done % session.size()] = static_cast<char>('a' + done % 26);
                    keep.bind(1, address);
                    keep.bind(2, session);
                    keep.exec();
                    keep.reset();
                }
            }
            tx.commit();  // synchronous FULL: the log is fsynced here
        }
        cpu = cpu_seconds() - cpu_start;
        seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    }
    if (own_file) {
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(db_path + suffix);
    }
    std::printf(
        "sqlite_floor%s: %ld messages, %ld contacts, %.0f msg/s, %.1f us of CPU per "
        "message\n",
        state ? " --state" : "",
        messages,
        contacts,
        static_cast<double>(messages) / seconds,
        cpu * 1e6 / static_cast<double>(messages));
    return 0;
}
