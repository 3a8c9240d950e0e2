// The real `sapa` binary keeps what it creates private to its user: the database folder 0700,
// the database, its -wal and -shm 0600, and `sapa export --output` files 0600, whatever the
// umask it was started with.

#include "support/sapa_process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>

namespace {

using namespace sapa::testing;

unsigned mode_of(const std::filesystem::path& path) {
    struct stat st {};
    REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, path.string());
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("sapa creates its folders 0700 and its database and export files 0600") {
    temp_dir dir;
    const auto data = dir.path() / "data";
    const auto db = data / "private" / "sapa.db";
    const unsigned short port = free_port();
    nlohmann::json config = {{"server", {{"listen_address", "127.0.0.1"}, {"port", port}}},
                             {"storage", {{"database_path", "data/private/sapa.db"}}},
                             {"dialogs", {{"paths", {std::string(SAPA_SOURCE_DIR) + "/dialogs"}}}}};
    std::ofstream(dir.path() / "sapa.json") << config.dump();

    // A login's usual umask, inherited by the children: alone it gives 0755 and 0644.
    auto previous = ::umask(022);
    {
        sapa_process serve(dir.path() / "sapa.json", {}, port, dir.path() / "sapa.log");
        CHECK(mode_of(data) == 0700);
        CHECK(mode_of(data / "private") == 0700);
        CHECK(mode_of(db) == 0600);
        CHECK(mode_of(db.string() + "-wal") == 0600);
        CHECK(mode_of(db.string() + "-shm") == 0600);
        CHECK(serve.stop() == 0);
    }
    const auto exported = dir.path() / "daftar.csv";
    const std::string command = std::string(SAPA_BINARY) + " export registrations --db '" +
                                db.string() + "' --output '" + exported.string() + "' 2>/dev/null";
    CHECK(std::system(command.c_str()) == 0);
    CHECK(mode_of(exported) == 0600);
    ::umask(previous);
}
