#include "support/sapa_process.hpp"

#include "support/http_test_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <random>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace sapa::testing {

temp_dir::temp_dir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("sapa-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
}

temp_dir::~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

namespace {

// The end of the server's log, so that a failed start says why in the test's own output
// (the log itself goes with the test's temp dir).
std::string log_tail(const std::filesystem::path& log_file) {
    std::ifstream in(log_file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t keep = 2000;
    if (text.size() > keep) text.erase(0, text.size() - keep);
    return text;
}

}  // namespace

unsigned short free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

sapa_process::sapa_process(const std::filesystem::path& config_file,
                           const std::map<std::string, std::string>& env,
                           unsigned short port,
                           const std::filesystem::path& log_file)
    : port_(port) {
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        for (const auto& [k, v] : env)
            setenv(k.c_str(), v.c_str(), 1);
        FILE* log = std::fopen(log_file.c_str(), "a");
        if (log) {
            dup2(fileno(log), STDERR_FILENO);
            dup2(fileno(log), STDOUT_FILENO);
        }
        execl(SAPA_BINARY, SAPA_BINARY, "serve", "--config", config_file.c_str(), nullptr);
        _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("sapa serve exited at start; its log ends:\n" +
                                     log_tail(log_file));
        }
        if (http_call(port_, {"GET", "/healthz", {}, {}}, std::chrono::milliseconds(500)).status ==
            200)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill();
    throw std::runtime_error("sapa serve did not answer /healthz within 20 s; its log ends:\n" +
                             log_tail(log_file));
}

sapa_process::~sapa_process() {
    if (pid_ > 0) kill();
}

int sapa_process::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void sapa_process::signal(int number) {
    if (pid_ > 0) ::kill(pid_, number);
}

void sapa_process::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
}

}  // namespace sapa::testing
