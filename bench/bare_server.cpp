// The yardstick: a bare Beast HTTP/1.1 server that answers every request with 200 and a fixed
// TwiML body, with the same number of io threads as `sapa serve` and one coroutine per
// keep-alive connection on its own strand (as src/server/http_server.cpp does). Sapa's
// throughput is reported as a ratio of this one's, measured in the same run on the same
// machine, because absolute figures on a shared machine drift.
//
//   bare_server PORT [THREADS]      (stops on SIGINT/SIGTERM)

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

const std::string twiml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Disnaker Lumajang. Balas "
    "angka:\n1 Cara resmi kerja ke luar negeri\n2 Ciri jalur ilegal/calo\n3 Daftar kursus "
    "menjahit\n4 Bantuan &amp; lapor\n5 Berhenti\n8 English</Message></Response>";

net::awaitable<void> session(tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    socket.set_option(tcp::no_delay(true));
    for (;;) {
        http::request<http::string_body> req;
        auto [ec, n] =
            co_await http::async_read(socket, buffer, req, net::as_tuple(net::use_awaitable));
        if (ec) break;
        http::response<http::string_body> res(http::status::ok, req.version());
        res.set(http::field::content_type, "text/xml; charset=utf-8");
        res.keep_alive(req.keep_alive());
        res.body() = twiml;
        res.prepare_payload();
        auto [wec, m] = co_await http::async_write(socket, res, net::as_tuple(net::use_awaitable));
        if (wec || !res.keep_alive()) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> listen(tcp::acceptor& acceptor, net::io_context& io) {
    for (;;) {
        auto [ec, socket] =
            co_await acceptor.async_accept(net::make_strand(io), net::as_tuple(net::use_awaitable));
        if (ec) co_return;
        auto exec = socket.get_executor();
        net::co_spawn(exec, session(std::move(socket)), net::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bare_server PORT [THREADS]\n";
        return 2;
    }
    auto port = static_cast<unsigned short>(std::stoi(argv[1]));
    int threads = argc > 2 ? std::stoi(argv[2]) : 2;
    net::io_context io(threads);
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
    net::co_spawn(io, listen(acceptor, io), net::detached);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
        pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool)
        t.join();
    return 0;
}
