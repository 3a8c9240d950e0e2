#include "support/http_test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <thread>

namespace sapa::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;

test_response http_call(unsigned short port,
                        const test_request& request,
                        std::chrono::milliseconds timeout) {
    test_response out;
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    boost::system::error_code ec;
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return out;
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [name, value] : request.headers)
        req.set(name, value);
    req.body() = request.body;
    req.prepare_payload();
    // Blocking calls honour the tcp_stream timeout only in async form, so run them async.
    http::async_write(stream, req, [&](boost::system::error_code e, std::size_t) { ec = e; });
    io.run();
    io.restart();
    if (ec) return out;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::async_read(
        stream, buffer, res, [&](boost::system::error_code e, std::size_t) { ec = e; });
    io.run();
    if (ec) return out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res)
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    return out;
}

std::string raw_exchange(unsigned short port,
                         const std::string& bytes,
                         std::chrono::milliseconds timeout) {
    net::io_context io;
    beast::tcp_stream stream(io);
    boost::system::error_code ec;
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return {};
    stream.expires_after(timeout);
    std::string received;
    net::async_write(stream, net::buffer(bytes), [&](boost::system::error_code, std::size_t) {});
    io.run();
    io.restart();
    char chunk[4096];
    std::function<void(boost::system::error_code, std::size_t)> on_read =
        [&](boost::system::error_code e, std::size_t n) {
            received.append(chunk, n);
            if (!e) stream.async_read_some(net::buffer(chunk), on_read);
        };
    stream.async_read_some(net::buffer(chunk), on_read);
    io.run();
    return received;
}

std::map<std::string, std::string> decode_form(const std::string& text) {
    auto decode = [](const std::string& s) {
        std::string out;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '+') {
                out += ' ';
            } else if (s[i] == '%' && i + 2 < s.size()) {
                out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else {
                out += s[i];
            }
        }
        return out;
    };
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('&', start);
        if (end == std::string::npos) end = text.size();
        auto pair = text.substr(start, end - start);
        auto eq = pair.find('=');
        if (eq != std::string::npos) out[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
        start = end + 1;
    }
    return out;
}

struct fake_gateway::impl : std::enable_shared_from_this<fake_gateway::impl> {
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::deque<planned> plans;
    std::string default_body =
        R"({"messaging_product":"whatsapp","messages":[{"id":"wamid.fake{n}"}]})";
    std::vector<received> log;
    bool twilio_lookups = false;
    struct twilio_message {
        std::string sid, to, body;
    };
    std::vector<twilio_message> twilio_sent;  // POSTs answered 2xx, in order
    std::size_t successes = 0;
    std::size_t counter = 0;
    unsigned short port = 0;

    net::io_context io;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::thread accept_thread;
    std::atomic<bool> running{false};
    std::atomic<bool> down{false};
    std::vector<std::thread> workers;

    void listen(unsigned short wanted) {
        acceptor = std::make_unique<tcp::acceptor>(io);
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), wanted);
        acceptor->open(ep.protocol());
        acceptor->set_option(net::socket_base::reuse_address(true));
        acceptor->bind(ep);
        acceptor->listen();
        port = acceptor->local_endpoint().port();
        running = true;
        accept_thread = std::thread([this] {
            while (running) {
                boost::system::error_code ec;
                tcp::socket socket(io);
                acceptor->accept(socket, ec);
                if (ec || !running) break;
                if (down) {
                    // Down: connections are cut at once, as by a crashed gateway.
                    socket.set_option(net::socket_base::linger(true, 0), ec);
                    socket.close(ec);
                    continue;
                }
                std::lock_guard lock(mutex);
                workers.emplace_back([self = shared_from_this(), s = std::move(socket)]() mutable {
                    self->serve(std::move(s));
                });
            }
        });
    }

    void close() {
        if (!running.exchange(false)) return;
        boost::system::error_code ec;
        acceptor->cancel(ec);
        acceptor->close(ec);
        // Unblock accept(): a connection to ourselves.
        tcp::socket poke(io);
        poke.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
        if (accept_thread.joinable()) accept_thread.join();
    }

    // REQUIRES: mutex held.
    std::string twilio_list(const std::string& target) const {
        auto query = decode_form(target.substr(target.find('?') + 1));
        json messages = json::array();
        for (auto it = twilio_sent.rbegin(); it != twilio_sent.rend(); ++it)
            if (it->to == query["To"])
                messages.push_back({{"sid", it->sid}, {"to", it->to}, {"body", it->body}});
        return json{{"messages", messages}}.dump();
    }

    void serve(tcp::socket socket) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code ec;
            http::read(socket, buffer, req, ec);
            if (ec) return;
            planned answer;
            std::size_t n;
            {
                std::lock_guard lock(mutex);
                n = ++counter;
                log.push_back({std::string(req.method_string()),
                               std::string(req.target()),
                               std::string(req[http::field::authorization]),
                               req.body()});
                if (twilio_lookups && req.method() == http::verb::get &&
                    req.target().find("/Messages.json?") != beast::string_view::npos) {
                    answer.body = twilio_list(std::string(req.target()));
                } else if (!plans.empty()) {
                    answer = plans.front();
                    plans.pop_front();
                } else {
                    answer.body = default_body;
                }
            }
            auto pos = answer.body.find("{n}");
            if (pos != std::string::npos) answer.body.replace(pos, 3, std::to_string(n));
            if (twilio_lookups && req.method() == http::verb::post && answer.status >= 200 &&
                answer.status < 300) {
                auto form = decode_form(req.body());
                auto sid = json::parse(answer.body, nullptr, false).value("sid", "");
                std::lock_guard lock(mutex);
                twilio_sent.push_back({sid, form["To"], form["Body"]});
            }
            if (answer.delay.count() > 0) std::this_thread::sleep_for(answer.delay);
            http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
            res.set(http::field::content_type, "application/json");
            res.body() = answer.body;
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            http::write(socket, res, ec);
            {
                std::lock_guard lock(mutex);
                if (answer.status >= 200 && answer.status < 300 && !ec) ++successes;
            }
            changed.notify_all();
            if (ec || !req.keep_alive()) return;
        }
    }
};

fake_gateway::fake_gateway() : impl_(std::make_shared<impl>()) {
    impl_->listen(0);
}

fake_gateway::~fake_gateway() {
    impl_->close();
    std::vector<std::thread> workers;
    {
        std::lock_guard lock(impl_->mutex);
        workers.swap(impl_->workers);
    }
    for (auto& w : workers)
        w.detach();  // a hung planned answer must not hang the test
}

unsigned short fake_gateway::port() const {
    return impl_->port;
}
std::string fake_gateway::base_url() const {
    return "http://127.0.0.1:" + std::to_string(port());
}

void fake_gateway::plan(planned answer) {
    std::lock_guard lock(impl_->mutex);
    impl_->plans.push_back(std::move(answer));
}

void fake_gateway::answer_twilio_lookups() {
    std::lock_guard lock(impl_->mutex);
    impl_->twilio_lookups = true;
}

void fake_gateway::set_default_body(std::string body) {
    std::lock_guard lock(impl_->mutex);
    impl_->default_body = std::move(body);
}

void fake_gateway::go_down() {
    impl_->down = true;
}
void fake_gateway::come_up() {
    impl_->down = false;
}

std::vector<fake_gateway::received> fake_gateway::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->log;
}

bool fake_gateway::wait_for_successes(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->successes >= n; });
}

}  // namespace sapa::testing
