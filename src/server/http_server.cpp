#include "server/http_server.hpp"

#include "common/ascii.hpp"
#include "server/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <set>

namespace sapa::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

const std::string& http_request::header(const std::string& lowercase_name) const {
    static const std::string none;
    for (const auto& [name, value] : headers)
        if (name == lowercase_name) return value;
    return none;
}

bool request_id_acceptable(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == ':' || c == '-';
    });
}

std::string new_request_id() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    auto bits = random();
    std::string id(16, '0');
    for (auto& c : id) {
        c = hex[bits & 0xf];
        bits >>= 4;
    }
    return id;
}

http_response plain_response(int status, std::string text) {
    http_response r;
    r.status = status;
    r.body = std::move(text);
    if (!r.body.empty() && r.body.back() != '\n') r.body += "\n";
    return r;
}

namespace {

using strand_type = net::strand<net::io_context::executor_type>;
using clock_type = std::chrono::steady_clock;
constexpr auto never = clock_type::time_point::max();

// One connection's socket and the deadline of what it is doing now, on `strand` only.
//
// Why not beast::tcp_stream's expires_after: it arms and cancels a timer for every read_some
// and write, and each cancelled wait completes through the strand again: some 18k instructions
// per request, over a fifth of the io threads' work per webhook (bench/io_cost.sh). Here the
// session only assigns `deadline`, and one watchdog timer per connection sleeps until it, never
// longer than `check_every` (the shortest timeout, so a deadline set after it went to sleep,
// which is at least that far off, is never missed). In steady state it wakes once per timeout
// period.
struct connection : std::enable_shared_from_this<connection> {
    connection(tcp::socket s, strand_type st, clock_type::duration check)
        : strand(st), socket(std::move(s)), watchdog(st), check_every(check) {}

    strand_type strand;
    tcp::socket socket;
    net::steady_timer watchdog;
    clock_type::duration check_every;
    clock_type::time_point deadline = never;
    bool writing = false;    // a write past its deadline closes the socket
    bool timed_out = false;  // the watchdog cut a phase short
    bool open = true;
    bool busy = false;         // a request is read, handled or answered: stop() leaves it be
    std::string peer_address;  // the client's IP address, for handlers (login throttling)

    void watch() {
        watchdog.expires_at(std::min(deadline, clock_type::now() + check_every));
        watchdog.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->open) return;
            if (clock_type::now() >= self->deadline) self->time_out();
            self->watch();
        });
    }

    void time_out() {
        timed_out = true;
        deadline = never;  // until the session starts its next phase
        boost::system::error_code ignored;
        if (writing) {
            socket.close(ignored);
            return;
        }
        // Only the reading side, so a request cut short can still be answered 408. The
        // shutdown also ends a read the session starts after this (a composed read between
        // two read_somes has none pending to cancel).
        socket.shutdown(tcp::socket::shutdown_receive, ignored);
        socket.cancel(ignored);
    }

    void close() {
        open = false;
        watchdog.cancel();  // frees the connection now rather than when the timer is due
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        socket.close(ignored);
    }
};

// Whose share of the connections a peer uses: its IPv4 address, or the /64 of its IPv6
// address (what one subscriber is usually given, so a client cannot take more shares by
// changing the low half).
net::ip::address client_of(const net::ip::address& peer) {
    if (!peer.is_v6()) return peer;
    auto v6 = peer.to_v6();
    if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6);
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return net::ip::address_v6(bytes);
}

// Takes the parser's message, so the body is moved rather than copied.
http_request to_request(http::request<http::string_body>&& req) {
    http_request out;
    out.method = req.method_string();
    out.target = req.target();
    auto q = out.target.find('?');
    out.path.assign(out.target, 0, q);
    if (q != std::string::npos) out.query.assign(out.target, q + 1);
    out.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
    bool host_seen = false;
    for (const auto& field : req) {
        auto name = field.name_string();
        auto& lower = out.headers.emplace_back(std::string(name.size(), '\0'), field.value()).first;
        std::transform(name.begin(), name.end(), lower.begin(), common::to_lower_ascii);
        if (!host_seen && field.name() == http::field::host) {
            out.host = field.value();  // the first Host, as req[http::field::host] gives
            host_seen = true;
        }
    }
    out.body = std::move(req.body());
    return out;
}

// What the access log reads, without the headers and the body (which the handler takes).
http_request request_line_of(const http_request& req) {
    http_request out;
    out.method = req.method;
    out.request_id = req.request_id;
    out.target = req.target;
    out.path = req.path;
    out.query = req.query;
    out.host = req.host;
    return out;
}

// The completion waiting for a handler's answer, its executor, and whether it was answered:
// one allocation, shared by the responder's copies.
template <class Completion, class Executor>
struct pending_answer {
    pending_answer(Completion c, Executor e) : completion(std::move(c)), executor(std::move(e)) {}
    Completion completion;
    Executor executor;
    std::atomic<bool> answered{false};
};

// Waits for the handler's answer, which may come from another thread (the store's acknowledger).
template <class Token>
auto async_handle(request_handler& handler, http_request request, Token&& token) {
    return net::async_initiate<Token, void(http_response)>(
        [&handler](auto completion, http_request req) {
            auto ex = net::get_associated_executor(completion);
            // Keeps the io_context running while the answer is pending (during a stop too).
            auto tracked = net::prefer(ex, net::execution::outstanding_work.tracked);
            auto pending =
                std::make_shared<pending_answer<decltype(completion), decltype(tracked)>>(
                    std::move(completion), std::move(tracked));
            responder respond = [pending](http_response response) {
                if (pending->answered.exchange(true)) return;
                // Posted, never run inline: a group of answers handed to one io thread (the
                // store's run_callbacks) spreads over all io threads.
                net::post(pending->executor, [pending, r = std::move(response)]() mutable {
                    pending->completion(std::move(r));
                });
            };
            try {
                handler.handle(std::move(req), respond);
            } catch (const std::exception& e) {
                log(log_level::error, std::string("request handler failed: ") + e.what());
                respond(plain_response(500, "internal error"));
            } catch (...) {
                respond(plain_response(500, "internal error"));
            }
        },
        token,
        std::move(request));
}

}  // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
    net::io_context& io;
    tcp::acceptor acceptor;
    http_limits limits;
    request_handler& handler;
    access_logger log;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> connections{0};
    std::mutex mutex;
    std::set<std::shared_ptr<connection>> open;  // guarded by mutex
    std::map<net::ip::address, int> per_client;  // open connections; guarded by mutex

    // Counts a connection of `client`; false when the client already has its share.
    bool admit(const net::ip::address& client) {
        std::lock_guard lock(mutex);
        auto [it, added] = per_client.emplace(client, 0);
        if (it->second >= limits.client_share()) return false;  // (a share is at least 1)
        ++it->second;
        return true;
    }

    void release(const net::ip::address& client) {  // REQUIRES: mutex held
        auto it = per_client.find(client);
        if (it != per_client.end() && --it->second <= 0) per_client.erase(it);
    }

    impl(net::io_context& io_,
         const std::string& address,
         unsigned short port,
         http_limits l,
         request_handler& h,
         access_logger lg)
        : io(io_), acceptor(net::make_strand(io_)), limits(l), handler(h), log(std::move(lg)) {
        tcp::endpoint endpoint(net::ip::make_address(address), port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(net::socket_base::max_listen_connections);
    }

    net::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        while (!stopping) {
            auto strand = net::make_strand(io);
            auto [ec, socket] = co_await acceptor.async_accept(strand, use_tuple);
            if (ec) {
                if (stopping || ec == net::error::operation_aborted) break;
                // E.g. too many open files: the connection stays queued and the next accept
                // fails at once, so pause instead of spinning (regression test
                // accept_emfile_spin), and keep serving the connections already open.
                net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
                co_await pause.async_wait(use_tuple);
                continue;
            }
            boost::system::error_code peer_error;
            const auto peer = socket.remote_endpoint(peer_error);  // error: already gone
            const auto client = peer_error ? net::ip::address() : client_of(peer.address());
            if (peer_error ||
                connections.load() >= static_cast<std::size_t>(limits.max_connections) ||
                !admit(client)) {
                boost::system::error_code ignored;
                socket.close(ignored);  // over a limit: refuse rather than queue
                continue;
            }
            ++connections;
            auto conn = std::make_shared<connection>(
                std::move(socket), strand, std::min(limits.idle_timeout, limits.read_timeout));
            conn->peer_address = peer.address().to_string();
            {
                std::lock_guard lock(mutex);
                open.insert(conn);
            }
            net::co_spawn(strand, session(conn), [self, conn, client](std::exception_ptr e) {
                if (e) {
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        server::log(log_level::error,
                                    std::string("connection ended: ") + ex.what());
                    }
                }
                conn->close();  // on the strand: co_spawn completes there
                std::lock_guard lock(self->mutex);
                self->open.erase(conn);
                self->release(client);
                --self->connections;
            });
        }
    }

    net::awaitable<void> session(std::shared_ptr<connection> conn) {
        auto& socket = conn->socket;
        // The first request's first byte is due within the read timeout, not the idle one: a
        // client that opens sockets and sends nothing holds them for seconds, not a minute.
        conn->deadline = clock_type::now() + limits.read_timeout;
        conn->watch();
        beast::flat_buffer buffer;
        for (;;) {
            if (buffer.size() == 0) {
                // Wait for the next request's first byte: idle keep-alive time.
                auto [ec, n] = co_await socket.async_read_some(buffer.prepare(4096), use_tuple);
                if (ec) break;
                buffer.commit(n);
            }
            if (stopping) break;
            conn->busy = true;
            auto started = clock_type::now();
            http::request_parser<http::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(limits.header_limit_bytes));
            // The limit depends on the path: read the header with the larger one, then hold
            // the body to the path's (Beast checks a Content-Length against it at once).
            parser.body_limit(std::max(limits.body_limit_bytes, limits.large_body_limit_bytes));
            // Slow senders get read_timeout for the whole request.
            conn->deadline = started + limits.read_timeout;
            auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, use_tuple);
            if (!ec && !parser.is_done()) {
                const std::string_view target(parser.get().target().data(),
                                              parser.get().target().size());
                auto limit = limits.body_limit_bytes;
                for (const auto& prefix : limits.large_body_paths)
                    if (target.starts_with(prefix)) limit = limits.large_body_limit_bytes;
                if (auto length = parser.content_length(); length && *length > limit) {
                    ec = http::error::body_limit;
                } else {
                    parser.body_limit(limit);
                    std::tie(ec, n) = co_await http::async_read(socket, buffer, parser, use_tuple);
                }
            }
            (void)n;
            conn->deadline = never;  // the handler takes as long as it takes
            http_response response;
            http_request logged;
            bool keep_alive = false;
            if (ec == http::error::end_of_stream) break;
            if (ec == http::error::body_limit) {
                response = plain_response(413, "body too large");
            } else if (ec == http::error::header_limit) {
                response = plain_response(431, "headers too large");
            } else if (ec && conn->timed_out) {
                response = plain_response(408, "request timeout");
            } else if (ec) {
                if (ec == net::error::operation_aborted || ec == net::error::connection_reset ||
                    ec == net::error::eof)
                    break;
                response = plain_response(400, "malformed request");
            } else {
                keep_alive = parser.get().keep_alive();
                auto request = to_request(parser.release());
                request.remote_address = conn->peer_address;
                const auto& given = request.header("x-request-id");
                request.request_id = request_id_acceptable(given) ? given : new_request_id();
                logged = request_line_of(request);
                response = co_await async_handle(handler, std::move(request), net::use_awaitable);
            }
            keep_alive = keep_alive && !stopping;
            if (logged.request_id.empty()) logged.request_id = new_request_id();

            http::response<http::string_body> out{static_cast<http::status>(response.status), 11};
            out.set(http::field::server, "sapa");
            out.set(http::field::content_type, response.content_type);
            for (const auto& [name, value] : response.headers)
                out.insert(name, value);  // several Set-Cookie may go out
            out.set("X-Request-Id", logged.request_id);
            out.body() = std::move(response.body);
            out.keep_alive(keep_alive);
            out.prepare_payload();
            conn->deadline = clock_type::now() + limits.read_timeout;
            conn->writing = true;
            auto [write_ec, written] = co_await http::async_write(socket, out, use_tuple);
            (void)written;
            auto finished = clock_type::now();
            conn->deadline = finished + limits.idle_timeout;
            conn->writing = false;
            conn->busy = false;
            if (log) {
                response.body.clear();
                log(logged,
                    response,
                    std::chrono::duration_cast<std::chrono::microseconds>(finished - started));
            }
            if (!write_ec && ec && ec != http::error::end_of_stream && !conn->timed_out)
                co_await linger(*conn);
            if (write_ec || !keep_alive) break;
        }
    }

    // A refused request (413, 400) may still be arriving: closing the socket with its unread
    // bytes sends a reset, and a client still writing then loses the answer with it. As
    // nginx's lingering_close does: stop sending, then read and drop for a bounded time
    // (the watchdog ends the read at the deadline) and amount.
    net::awaitable<void> linger(connection& conn) {
        boost::system::error_code ignored;
        conn.socket.shutdown(tcp::socket::shutdown_send, ignored);
        conn.deadline = clock_type::now() + std::min(limits.read_timeout, std::chrono::seconds(5));
        std::array<char, 16 * 1024> scratch{};
        std::size_t dropped = 0;
        const std::size_t most =
            4 * std::max(limits.body_limit_bytes, limits.large_body_limit_bytes);
        while (dropped < most) {
            auto [e, k] = co_await conn.socket.async_read_some(net::buffer(scratch), use_tuple);
            if (e) break;
            dropped += k;
        }
    }
};

int http_limits::client_share() const {
    int share =
        max_connections_per_client > 0 ? max_connections_per_client : (max_connections + 1) / 2;
    return std::clamp(share, 1, std::max(max_connections, 1));
}

http_server::http_server(net::io_context& io,
                         const std::string& address,
                         unsigned short port,
                         http_limits limits,
                         request_handler& handler,
                         access_logger log)
    : impl_(std::make_shared<impl>(io, address, port, limits, handler, std::move(log))) {}

http_server::~http_server() = default;

unsigned short http_server::port() const {
    return impl_->acceptor.local_endpoint().port();
}

void http_server::start() {
    auto self = impl_;
    net::co_spawn(impl_->acceptor.get_executor(), self->accept_loop(), net::detached);
}

void http_server::stop() {
    auto self = impl_;
    if (self->stopping.exchange(true)) return;
    net::post(self->acceptor.get_executor(), [self] {
        boost::system::error_code ignored;
        self->acceptor.close(ignored);
    });
    std::lock_guard lock(self->mutex);
    for (const auto& conn : self->open) {
        net::post(conn->strand, [conn] {
            // A connection busy with a request finishes it and then closes by itself.
            boost::system::error_code ignored;
            if (conn->open && !conn->busy) conn->socket.cancel(ignored);
        });
    }
}

std::size_t http_server::open_connections() const {
    return impl_->connections.load();
}

}  // namespace sapa::server
