// The Debian package's config and systemd unit (packaging/) agree with each other and with the
// install rules (cmake/packaging.cmake): scripts/package-test.sh tries them for real in CI,
// this catches a mismatch on every build.

#include "config/config.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

const std::filesystem::path packaging = SAPA_SOURCE_DIR "/packaging";

// Every KEY=VALUE line of the unit, in order (systemd allows a key more than once).
std::multimap<std::string, std::string> unit_settings() {
    std::ifstream in(packaging / "sapa.service");
    std::multimap<std::string, std::string> settings;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line[0] == '[') continue;
        auto eq = line.find('=');
        if (eq != std::string::npos) settings.emplace(line.substr(0, eq), line.substr(eq + 1));
    }
    return settings;
}

std::string setting(const std::multimap<std::string, std::string>& settings,
                    const std::string& key) {
    auto it = settings.find(key);
    return it == settings.end() ? std::string("(not set)") : it->second;
}

}  // namespace

TEST_CASE("the packaged config loads and keeps its data where the unit lets it write") {
    auto c = sapa::config::load_config(packaging / "sapa.json");
    auto unit = unit_settings();
    // StateDirectory=sapa is /var/lib/sapa, the only folder ProtectSystem=strict leaves writable.
    REQUIRE(setting(unit, "StateDirectory") == "sapa");
    CHECK(c.storage.database_path == "/var/lib/sapa/sapa.db");
    CHECK(c.dialogs.paths == std::vector<std::filesystem::path>{"/usr/share/sapa/dialogs"});
    // Behind a reverse proxy on the same machine.
    CHECK(c.server.listen_address == "127.0.0.1");
    auto local = sapa::config::load_config(SAPA_SOURCE_DIR "/config/sapa.json");
    REQUIRE(c.channels.size() == local.channels.size());
    for (std::size_t i = 0; i < c.channels.size(); ++i)
        CHECK(c.channels[i].name == local.channels[i].name);
}

TEST_CASE("sapa.service runs the packaged binary and config, hardened") {
    auto unit = unit_settings();
    CHECK(setting(unit, "ExecStart") == "/usr/bin/sapa serve --config /etc/sapa/sapa.json");
    CHECK(setting(unit, "EnvironmentFile") == "-/etc/sapa/env");
    CHECK(setting(unit, "DynamicUser") == "yes");
    CHECK(setting(unit, "StateDirectoryMode") == "0700");
    CHECK(setting(unit, "UMask") == "0077");
    CHECK(setting(unit, "ProtectSystem") == "strict");
    CHECK(setting(unit, "ProtectHome") == "yes");
    CHECK(setting(unit, "NoNewPrivileges") == "yes");
    CHECK(setting(unit, "PrivateTmp") == "yes");
    CHECK(setting(unit, "CapabilityBoundingSet") == "");
    // Exit 2 is a configuration error (sapa serve --help): no restart loop on it.
    CHECK(setting(unit, "RestartPreventExitStatus") == "2");
    // More descriptors than the config's max_connections.
    auto c = sapa::config::load_config(packaging / "sapa.json");
    CHECK(std::stoi(setting(unit, "LimitNOFILE")) > c.server.max_connections);
    // dpkg keeps an administrator's edits of the config across upgrades.
    std::ifstream conffiles(packaging / "conffiles");
    std::string first;
    std::getline(conffiles, first);
    CHECK(first == "/etc/sapa/sapa.json");
}
