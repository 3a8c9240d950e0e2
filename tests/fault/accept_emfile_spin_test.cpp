// Regression: accept_emfile_spin. When the process runs out of file descriptors (a
// connection flood with max_connections above `ulimit -n`; both are 1024 by default),
// accept() fails with EMFILE and leaves the connection queued, so the next accept fails at
// once: the accept loop retried immediately and burned a whole core until a descriptor came
// free. It now pauses briefly after an accept error.

#include "fault/fault_support.hpp"

#include <doctest/doctest.h>

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <thread>

namespace {

using namespace sapa::fault;

// The pid of our child `sapa` process (the only one in the test).
pid_t sapa_child() {
    pid_t found = -1;
    DIR* proc = opendir("/proc");
    if (!proc) return found;
    while (auto* entry = readdir(proc)) {
        std::string name = entry->d_name;
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat("/proc/" + name + "/stat");
        std::string line;
        std::getline(stat, line);
        auto close = line.rfind(')');
        if (close == std::string::npos || line.find("(sapa)") == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 2));
        char state;
        pid_t parent;
        rest >> state >> parent;
        if (parent == getpid()) found = static_cast<pid_t>(std::stoi(name));
    }
    closedir(proc);
    return found;
}

// CPU seconds (user + system) the process has used.
double cpu_seconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

TEST_SUITE("fault") {
    TEST_CASE("regression accept_emfile_spin: out of descriptors, the accept loop does not spin") {
        // The child inherits a low descriptor limit; max_connections stays far above it.
        rlimit saved{};
        getrlimit(RLIMIT_NOFILE, &saved);
        rlimit low = saved;
        low.rlim_cur = 64;
        REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
        std::unique_ptr<fault_sapa> sapa;
        try {
            sapa = std::make_unique<fault_sapa>();
        } catch (...) {
            setrlimit(RLIMIT_NOFILE, &saved);
            throw;
        }
        setrlimit(RLIMIT_NOFILE, &saved);
        const pid_t pid = sapa_child();
        REQUIRE(pid > 0);

        // Flood past the descriptor limit and hold the connections.
        std::vector<std::unique_ptr<raw_connection>> flood;
        for (int i = 0; i < 100; ++i)
            flood.push_back(std::make_unique<raw_connection>(sapa->port));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const double before = cpu_seconds(pid);
        std::this_thread::sleep_for(std::chrono::seconds(2));
        const double used = cpu_seconds(pid) - before;
        MESSAGE("sapa used " << used << " s of CPU in 2 s while out of descriptors");
        CHECK(used < 0.15);  // spinning took a whole core (or all it could get)

        // The flood goes away: service resumes.
        flood.clear();
        bool resumed = false;
        for (int i = 0; i < 40 && !resumed; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            resumed = http_call(sapa->port, {"GET", "/healthz", {}, ""}, std::chrono::seconds(1))
                          .status == 200;
        }
        CHECK(resumed);
    }
}
