// `forget` must leave no trace of the person in any file of the database: the main file, the
// write-ahead log and the shared-memory index, read as raw bytes (what `strings` would show).
// And the files are private to Sapa's user.

#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <vector>

using namespace sapa;
using namespace sapa::storage;
using namespace sapa::storage::testing;

namespace {

const std::string number = "081398765432";
// What the person gave, in every form the store keeps it: collected fields, registration
// fields, session variables, message texts both ways, event details and data, the address.
const std::vector<std::string> traces = {
    "Budi", "Santoso", "Wibowo", "3508019876543210", "81398765432", "Kalimalang"};

// A turn that keeps everything the person says everywhere a real one can.
engine::turn_result remembering_turn(const engine::contact_state& state,
                                     engine::registrar& registrations,
                                     const std::string& text,
                                     engine::unix_seconds now) {
    engine::turn_result r;
    r.state = state;
    r.state.fields["nama"] = "Budi Santoso Wibowo";
    r.state.fields["nik"] = "3508019876543210";
    r.state.session.variables["said"] += text + ";";
    r.state.session.status = engine::session_status::waiting;
    r.state.session.script_id = "test";
    r.state.session.stack = {{"test", "node"}};
    r.state.session.last_active = now;
    if (text.starts_with("DAFTAR")) {
        registrations.register_contact(
            state.address,
            "JAHIT",
            "JAHIT",
            10,
            {{"nama", "Budi Santoso Wibowo"}, {"nik", "3508019876543210"}},
            now);
    }
    r.replies.push_back({.text = "Terima kasih Budi Santoso Wibowo: " + text,
                         .body = "Budi Santoso Wibowo",
                         .options = {{.key = "1", .label = "Kalimalang"}}});
    r.events.push_back({.kind = engine::event_kind::answer_accepted,
                        .node = "test/node",
                        .detail = text,
                        .matched = engine::match_kind::exact,
                        .data = {{"nama", "Budi Santoso Wibowo"}}});
    return r;
}

turn_function remembering(const std::string& text, engine::unix_seconds now) {
    return [text, now](const engine::contact_state& s, engine::registrar& r) {
        return remembering_turn(s, r, text, now);
    };
}

// The person talks, and others around them, so that the person's rows share pages with rows
// that stay.
void converse(store& st, int from_id) {
    int id = from_id;
    auto next_id = [&id] { return "m" + std::to_string(id++); };
    for (const char* text : {"nama saya Budi Santoso Wibowo",
                             "NIK 3508019876543210",
                             "alamat Dusun Kalimalang",
                             "DAFTAR JAHIT"}) {
        process(st, sms(number, text, 100 + id, next_id()), remembering(text, 100 + id));
        for (int other = 0; other < 20; ++other) {
            auto from = "08130000" + std::to_string(1000 + other);
            process(st, sms(from, "halo", 100 + id, next_id()), echo("halo", 100 + id));
        }
    }
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every trace found in the database's files, as "FILE: TRACE; ...". Empty: none.
std::string traces_in_files(const std::string& db) {
    std::string found;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        auto bytes = read_bytes(db + suffix);
        for (const auto& t : traces)
            if (bytes.find(t) != std::string::npos) found += db + suffix + ": " + t + "; ";
    }
    return found;
}

// Counting is all export_rows() has to do here.
struct no_sink final : row_sink {
    void begin(const std::vector<export_column>&) override {}
    void row(const std::vector<export_value>&) override {}
    void end() override {}
};

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_SUITE("storage") {
    TEST_CASE("sapa forget while the server runs leaves no trace in the db, -wal or -shm") {
        temp_dir dir;
        auto db = dir.file("sapa.db");
        auto server = sqlite_store::open(db, fast_options());
        converse(*server, 1);
        // The scan can see the person: it fails when the erasure is incomplete.
        REQUIRE(!traces_in_files(db).empty());
        {
            // `sapa forget` is a second process on the same file, the server's connections
            // stay open, so the log is not removed at close.
            auto cli = sqlite_store::open(db, fast_options());
            CHECK(cli->forget(number, 1000).contacts == 1);
            CHECK(exists(db + "-wal"));
            CHECK(traces_in_files(db) == "");
        }
        // The server goes on writing; nothing comes back.
        process(*server, sms("081300001000", "lagi", 2000, "after"), echo("lagi", 2000));
        CHECK(traces_in_files(db) == "");
        CHECK(server->load_contact(number) == std::nullopt);
    }

    TEST_CASE("forget on the server's own store leaves no trace in any file either") {
        temp_dir dir;
        auto db = dir.file("sapa.db");
        auto st = sqlite_store::open(db, fast_options());
        converse(*st, 1);
        REQUIRE(!traces_in_files(db).empty());
        CHECK(st->forget("+62 813-9876-5432", 1000).contacts == 1);
        CHECK(traces_in_files(db) == "");
        // The rows stay for the counts.
        no_sink rows;
        CHECK(st->export_rows(export_kind::registrations, {}, rows).rows == 1);
    }

    TEST_CASE("a new database and its -wal and -shm are private to Sapa's user") {
        temp_dir dir;
        auto db = dir.file("sapa.db");
        // A login's usual umask: SQLite alone would create the files 0644.
        auto previous = ::umask(022);
        {
            auto st = sqlite_store::open(db, fast_options());
            process(*st, sms(number, "halo", 1, "p1"), echo("halo", 1));
            CHECK(mode_of(db) == 0600);
            CHECK(mode_of(db + "-wal") == 0600);
            CHECK(mode_of(db + "-shm") == 0600);
        }
        ::umask(previous);
    }
}
