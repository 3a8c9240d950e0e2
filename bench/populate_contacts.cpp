// Fills a fresh Sapa database with N contacts for the large-database scenarios, each with
// one earlier exchange (an inbound "halo" and its reply), so the contacts, messages and
// index B-trees have the size of a deployment that has talked to N residents.
//
//   populate_contacts FILE N [NUMBER_BASE]
//
// Numbers are +62812 followed by NUMBER_BASE + i in 8 digits, as load_generator makes them.
// The schema comes from the store itself (it creates and migrates the file); the rows are
// written with plain SQL in one transaction, which is much faster than going through turns.

#include "storage/sqlite/sqlite_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: populate_contacts FILE N [NUMBER_BASE]\n";
        return 2;
    }
    std::string path = argv[1];
    long n = std::stol(argv[2]);
    long base = argc > 3 ? std::stol(argv[3]) : 0;
    auto started = std::chrono::steady_clock::now();
    sapa::storage::sqlite_store::open(path).reset();  // schema at the latest version

    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA synchronous = OFF");
    db.exec("PRAGMA cache_size = -65536");
    db.exec("BEGIN");
    SQLite::Statement contact(db,
                              "INSERT INTO contacts (address, language, fields, first_seen, "
                              "last_seen) VALUES (?, '', '{}', ?, ?) RETURNING id");
    SQLite::Statement inbound(
        db,
        "INSERT INTO messages (contact_id, direction, channel, gateway_message_id, text, "
        "encoding, segments, status, created_at, status_at) VALUES (?, 'in', 'sms', ?, 'halo', "
        "'gsm7', 1, 'received', ?, ?) RETURNING id");
    SQLite::Statement reply(
        db,
        "INSERT INTO messages (contact_id, direction, channel, reply_to, text, encoding, "
        "segments, status, via, created_at, status_at) VALUES (?, 'out', 'sms', ?, "
        "'Disnaker Lumajang. Balas angka:\n1 Cara resmi kerja ke luar negeri\n2 Ciri jalur "
        "ilegal/calo\n3 Daftar kursus menjahit\n4 Bantuan & lapor\n5 Berhenti\n8 English', "
        "'gsm7', 2, 'sent', 'inline', ?, ?)");
    const std::int64_t then = 1'700'000'000;
    for (long i = 0; i < n; ++i) {
        char address[32];
        std::snprintf(address, sizeof address, "+62812%08ld", base + i);
        char sid[40];
        std::snprintf(sid, sizeof sid, "SMpopulate%024ld", i);
        std::int64_t at = then + i;
        contact.reset();
        contact.bind(1, address);
        contact.bind(2, at);
        contact.bind(3, at);
        contact.executeStep();
        auto contact_id = contact.getColumn(0).getInt64();
        inbound.reset();
        inbound.bind(1, contact_id);
        inbound.bind(2, sid);
        inbound.bind(3, at);
        inbound.bind(4, at);
        inbound.executeStep();
        auto message_id = inbound.getColumn(0).getInt64();
        reply.reset();
        reply.bind(1, contact_id);
        reply.bind(2, message_id);
        reply.bind(3, at);
        reply.bind(4, at);
        reply.exec();
    }
    contact.reset();
    inbound.reset();
    db.exec("COMMIT");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
    std::printf("populated %ld contacts (%ld messages) in %.1f s\n", n, 2 * n, seconds.count());
    return 0;
}
