#pragma once
// What only the fault tests need on top of support/running_sapa.hpp: typed rows of the
// conversation log, a read-only integrity check of the SQLite file, and raw POSIX sockets
// for clients that misbehave on purpose.

#include "support/running_sapa.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace sapa::fault {

using namespace sapa::testing;

// One message of the conversation log, as the store exported it.
struct logged_message {
    std::int64_t id = 0;
    std::string contact, direction, channel, gateway_message_id, text, status;
    std::int64_t reply_to = 0;
};

// A Sapa with channels "sms" and "wa" only, whose WhatsApp send rate is high enough for the
// Graph API queue to keep pace with the load the fault tests put on it.
struct fault_sapa : running_sapa {
    explicit fault_sapa(server_limits limits = {}) : running_sapa(options(limits)) {}

    static sapa_options options(server_limits limits) {
        sapa_options o;
        o.channels = {channel::sms, channel::wa};
        o.limits = limits;
        o.whatsapp_send_rate_per_second = 200;
        return o;
    }

    // The whole conversation log (call after the server stopped or was killed).
    std::vector<logged_message> conversation_log() const {
        std::vector<logged_message> out;
        for (const auto& r : conversation_rows().rows) {
            auto text = [&](const char* name) {
                auto it = r.find(name);
                return it == r.end() ? std::string() : it->second;
            };
            auto number = [&](const char* name) {
                auto it = r.find(name);
                return it == r.end() ? std::int64_t{0}
                                     : static_cast<std::int64_t>(std::stoll(it->second));
            };
            out.push_back({number("id"),
                           text("contact"),
                           text("direction"),
                           text("channel"),
                           text("gateway_message_id"),
                           text("text"),
                           text("status"),
                           number("reply_to")});
        }
        return out;
    }

    // PRAGMA integrity_check on the file, read-only ("ok" when sound).
    std::string integrity_check() const {
        SQLite::Database file(db.string(), SQLite::OPEN_READONLY);
        return file.execAndGet("PRAGMA integrity_check").getString();
    }

    // Rows whose declared reference (contact, message) points nowhere; 0 when sound.
    int foreign_key_violations() const {
        SQLite::Database file(db.string(), SQLite::OPEN_READONLY);
        SQLite::Statement check(file, "PRAGMA foreign_key_check");
        int rows = 0;
        while (check.executeStep())
            ++rows;
        return rows;
    }
};

// A plain TCP connection to 127.0.0.1, for clients that misbehave on purpose. `from` is the
// client's own address: another loopback address (127.0.0.2) is another client to the server.
class raw_connection {
  public:
    explicit raw_connection(unsigned short port, const char* from = "127.0.0.1") {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        if (::inet_pton(AF_INET, from, &local.sin_addr) != 1 ||
            ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            close();
            return;
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
    }
    ~raw_connection() { close(); }
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;

    bool connected() const { return fd_ >= 0; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    // False when the peer has gone (reset or closed).
    bool send(const std::string& bytes) {
        if (fd_ < 0) return false;
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // Reads what arrives within `wait`; `closed` tells whether the peer closed (or reset).
    std::string receive(std::chrono::milliseconds wait, bool* closed = nullptr) {
        std::string out;
        if (closed) *closed = false;
        if (fd_ < 0) {
            if (closed) *closed = true;
            return out;
        }
        auto deadline = std::chrono::steady_clock::now() + wait;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return out;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
            char buffer[4096];
            auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                if (closed) *closed = true;
                return out;
            }
            out.append(buffer, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_ = -1;
};

// The status codes of the HTTP responses in a raw byte stream, in order.
inline std::vector<int> response_statuses(const std::string& stream) {
    std::vector<int> out;
    for (auto pos = stream.find("HTTP/1.1 "); pos != std::string::npos;
         pos = stream.find("HTTP/1.1 ", pos + 1))
        out.push_back(std::stoi(stream.substr(pos + 9, 3)));
    return out;
}

}  // namespace sapa::fault
