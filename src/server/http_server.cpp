#include "server/http_server.hpp"

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
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <iostream>
#include <mutex>
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

http_response plain_response(int status, std::string text) {
    http_response r;
    r.status = status;
    r.body = std::move(text);
    if (!r.body.empty() && r.body.back() != '\n') r.body += "\n";
    return r;
}

namespace {

// What stop() needs to reach a connection that is waiting for its next request.
struct connection {
    net::strand<net::io_context::executor_type> strand;
    beast::tcp_stream* stream = nullptr;  // valid while `open`, on `strand` only
    bool open = true;
    bool busy = false;
};

http_request to_request(const http::request<http::string_body>& req) {
    http_request out;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    auto q = out.target.find('?');
    out.path = out.target.substr(0, q);
    out.query = q == std::string::npos ? "" : out.target.substr(q + 1);
    for (const auto& field : req) {
        std::string name(field.name_string());
        for (auto& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    out.host = std::string(req[http::field::host]);
    out.body = req.body();
    return out;
}

// Waits for the handler's answer, which may come from another thread (the store's writer).
template <class Token>
auto async_handle(request_handler& handler, http_request request, Token&& token) {
    return net::async_initiate<Token, void(http_response)>(
        [&handler](auto completion, http_request req) {
            auto ex = net::get_associated_executor(completion);
            // Keeps the io_context running while the answer is pending (during a stop too).
            auto tracked = net::prefer(ex, net::execution::outstanding_work.tracked);
            auto shared = std::make_shared<decltype(completion)>(std::move(completion));
            auto once = std::make_shared<std::once_flag>();
            responder respond = [shared, tracked, once](http_response response) {
                std::call_once(*once, [&] {
                    net::dispatch(tracked, [shared, r = std::move(response)]() mutable {
                        (*shared)(std::move(r));
                    });
                });
            };
            try {
                handler.handle(std::move(req), respond);
            } catch (const std::exception& e) {
                std::cerr << "error: request handler failed: " << e.what() << "\n";
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
    std::set<std::shared_ptr<connection>> open;

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
            if (connections.load() >= static_cast<std::size_t>(limits.max_connections)) {
                boost::system::error_code ignored;
                socket.close(ignored);  // over the limit: refuse rather than queue
                continue;
            }
            ++connections;
            auto conn = std::make_shared<connection>(connection{strand});
            {
                std::lock_guard lock(mutex);
                open.insert(conn);
            }
            net::co_spawn(strand,
                          session(beast::tcp_stream(std::move(socket)), conn),
                          [self, conn](std::exception_ptr e) {
                              if (e) {
                                  try {
                                      std::rethrow_exception(e);
                                  } catch (const std::exception& ex) {
                                      std::cerr << "error: connection ended: " << ex.what() << "\n";
                                  }
                              }
                              std::lock_guard lock(self->mutex);
                              self->open.erase(conn);
                              --self->connections;
                          });
        }
    }

    net::awaitable<void> session(beast::tcp_stream stream, std::shared_ptr<connection> conn) {
        conn->stream = &stream;
        beast::flat_buffer buffer;
        for (;;) {
            if (buffer.size() == 0) {
                // Wait for the next request's first byte: idle keep-alive time.
                stream.expires_after(limits.idle_timeout);
                auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
                if (ec) break;
                buffer.commit(n);
            }
            if (stopping) break;
            conn->busy = true;
            auto started = std::chrono::steady_clock::now();
            http::request_parser<http::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(limits.header_limit_bytes));
            parser.body_limit(limits.body_limit_bytes);
            // Slow senders get read_timeout for the whole request.
            stream.expires_after(limits.read_timeout);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
            (void)n;
            http_response response;
            http_request request;
            bool keep_alive = false;
            if (ec == http::error::end_of_stream) break;
            if (ec == http::error::body_limit) {
                response = plain_response(413, "body too large");
            } else if (ec == http::error::header_limit) {
                response = plain_response(431, "headers too large");
            } else if (ec == beast::error::timeout) {
                response = plain_response(408, "request timeout");
            } else if (ec) {
                if (ec == net::error::operation_aborted || ec == net::error::connection_reset ||
                    ec == net::error::eof)
                    break;
                response = plain_response(400, "malformed request");
            } else {
                const auto& req = parser.get();
                keep_alive = req.keep_alive();
                request = to_request(req);
                response = co_await async_handle(handler, request, net::use_awaitable);
            }
            keep_alive = keep_alive && !stopping;

            http::response<http::string_body> out{static_cast<http::status>(response.status), 11};
            out.set(http::field::server, "sapa");
            out.set(http::field::content_type, response.content_type);
            for (const auto& [name, value] : response.headers)
                out.set(name, value);
            out.body() = std::move(response.body);
            out.keep_alive(keep_alive);
            out.prepare_payload();
            stream.expires_after(limits.read_timeout);
            auto [write_ec, written] = co_await http::async_write(stream, out, use_tuple);
            (void)written;
            conn->busy = false;
            if (log) {
                response.body.clear();
                log(request,
                    response,
                    std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started));
            }
            if (write_ec || !keep_alive) break;
        }
        conn->open = false;
        conn->stream = nullptr;
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.socket().close(ignored);
    }
};

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
            if (conn->open && !conn->busy && conn->stream) conn->stream->cancel();
        });
    }
}

std::size_t http_server::open_connections() const {
    return impl_->connections.load();
}

}  // namespace sapa::server
