#pragma once
// Runs the real `sapa serve` binary as a child process on a loopback port, as an operator
// would, so tests cross a real socket into a real SQLite file.

#include <filesystem>
#include <map>
#include <string>
#include <sys/types.h>

namespace sapa::testing {

// A folder under the system temp dir, removed when the object goes.
class temp_dir {
  public:
    temp_dir();
    ~temp_dir();
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// A port that was free a moment ago on 127.0.0.1.
unsigned short free_port();

class sapa_process {
  public:
    // Starts `sapa serve --config config_file` with these extra environment variables and
    // waits until GET /healthz answers (throws after 20 s).
    sapa_process(const std::filesystem::path& config_file,
                 const std::map<std::string, std::string>& env,
                 unsigned short port,
                 const std::filesystem::path& log_file);
    ~sapa_process();  // SIGKILL if still running

    unsigned short port() const { return port_; }
    // SIGTERM and wait; returns the exit status (or -1).
    int stop();
    // Sends `number` (SIGHUP...) and returns at once.
    void signal(int number);
    // SIGKILL and wait.
    void kill();
    bool running() const { return pid_ > 0; }

  private:
    pid_t pid_ = -1;
    unsigned short port_;
};

}  // namespace sapa::testing
