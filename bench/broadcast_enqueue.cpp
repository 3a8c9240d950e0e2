// Times `sapa broadcast create` of a broadcast to every contact of a large database, and the
// process's peak RSS: the segment is read page by page and the recipients are written in
// chunks, so memory must not grow with the segment.
//
//   broadcast_enqueue FILE N [CHUNK]
//
// Seeds FILE (a fresh SQLite database) with N contacts in plain SQL, then opens it as `sapa`
// does and creates one broadcast (a text, the whole segment) through app::broadcasts.

#include "app/broadcasts.hpp"
#include "dialog/catalog.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <sys/resource.h>

namespace {

long peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;  // Linux: kilobytes
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: broadcast_enqueue FILE N [CHUNK]\n";
        return 2;
    }
    const std::string path = argv[1];
    const long n = std::stol(argv[2]);
    const int chunk = argc > 3 ? std::stoi(argv[3]) : 5000;

    auto seeding = std::chrono::steady_clock::now();
    sapa::storage::sqlite_store::open(path).reset();  // schema at the latest version
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE);
        db.exec("PRAGMA synchronous = OFF");
        db.exec("BEGIN");
        SQLite::Statement contact(db,
                                  "INSERT INTO contacts (address, language, fields, first_seen, "
                                  "last_seen) VALUES (?, '', '{}', ?, ?)");
        for (long i = 0; i < n; ++i) {
            char address[32];
            std::snprintf(address, sizeof address, "+62812%08ld", i);
            contact.reset();
            contact.bind(1, address);
            contact.bind(2, static_cast<std::int64_t>(1'700'000'000 + i));
            contact.bind(3, static_cast<std::int64_t>(1'700'000'000 + i));
            contact.exec();
        }
        db.exec("COMMIT");
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    std::printf("seeded %ld contacts in %.1f s (peak RSS %ld MB)\n",
                n,
                seconds_since(seeding),
                peak_rss_mb());

    auto store = sapa::storage::sqlite_store::open(path);
    sapa::dialog::script script;
    script.id = "bench";
    auto scripts =
        std::make_shared<const sapa::dialog::catalog>(std::vector<sapa::dialog::script>{script});
    const sapa::app::channel sms{"sms", "bench", sapa::storage::route::inline_reply};
    sapa::app::conversation_options options;
    options.channels = {sms};
    sapa::app::broadcasts broadcasts(
        *store, [scripts] { return scripts; }, options);
    sapa::app::broadcast_request request{
        &sms, "all", {}, {{"Pelatihan menjahit dibuka besok"}, {}, {}}, 1'800'000'000, 0};
    auto started = std::chrono::steady_clock::now();
    auto [id, recipients] = broadcasts.create(request, 1'800'000'000, chunk);
    const double took = seconds_since(started);
    store.reset();
    std::printf(
        "broadcast %lld: %lld recipients created in %.1f s (chunks of %d); peak RSS %ld MB\n",
        static_cast<long long>(id),
        static_cast<long long>(recipients),
        took,
        chunk,
        peak_rss_mb());
    return 0;
}
