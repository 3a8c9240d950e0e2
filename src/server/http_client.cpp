#include "server/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>

namespace sapa::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

void configure_client_tls(net::ssl::context& tls, bool verify_certificates) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(verify_certificates ? net::ssl::verify_peer : net::ssl::verify_none);
}

namespace {

http::request<http::string_body> build(const gateway::api_request& r,
                                       const std::string& host,
                                       const std::string& target) {
    http::request<http::string_body> req{http::string_to_verb(r.method), target, 11};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "sapa");
    for (const auto& [name, value] : r.headers)
        req.set(name, value);
    req.body() = r.body;
    req.prepare_payload();
    return req;
}

template <class Stream>
net::awaitable<http_result> exchange(Stream& stream,
                                     beast::tcp_stream& timed,
                                     http::request<http::string_body>& req,
                                     std::chrono::seconds timeout) {
    http_result result;
    timed.expires_after(timeout);
    auto [write_ec, written] = co_await http::async_write(stream, req, use_tuple);
    (void)written;
    if (write_ec) {
        result.error = "sending the request failed: " + write_ec.message();
        co_return result;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1024 * 1024);
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
    (void)read;
    if (read_ec) {
        result.error = "reading the answer failed: " + read_ec.message();
        co_return result;
    }
    result.status = static_cast<int>(parser.get().result_int());
    result.body = std::move(parser.get().body());
    co_return result;
}

}  // namespace

net::awaitable<http_result> fetch(const gateway::api_request& request,
                                  std::chrono::seconds timeout,
                                  net::ssl::context& tls) {
    http_result result;
    auto url = boost::urls::parse_uri(request.url);
    if (!url) {
        result.error = "not a URL: " + request.url;
        co_return result;
    }
    const bool https = url->scheme_id() == boost::urls::scheme::https;
    if (!https && url->scheme_id() != boost::urls::scheme::http) {
        result.error = "only http and https URLs can be called";
        co_return result;
    }
    const std::string host = url->host();
    const std::string port = url->has_port() ? std::string(url->port()) : (https ? "443" : "80");
    std::string target = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
    if (url->has_query()) target += "?" + std::string(url->encoded_query());
    auto req = build(request, url->has_port() ? host + ":" + port : host, target);

    auto executor = co_await net::this_coro::executor;
    tcp::resolver resolver(executor);
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(host, port, use_tuple);
    if (resolve_ec) {
        result.error = "cannot resolve " + host + ": " + resolve_ec.message();
        co_return result;
    }
    if (!https) {
        beast::tcp_stream stream(executor);
        stream.expires_after(timeout);
        auto [connect_ec, ep] = co_await stream.async_connect(endpoints, use_tuple);
        (void)ep;
        if (connect_ec) {
            result.error = "cannot connect to " + host + ": " + connect_ec.message();
            co_return result;
        }
        result = co_await exchange(stream, stream, req, timeout);
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return result;
    }
    beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
        result.error = "cannot set the TLS server name";
        co_return result;
    }
    stream.set_verify_callback(net::ssl::host_name_verification(host));
    auto& timed = beast::get_lowest_layer(stream);
    timed.expires_after(timeout);
    auto [connect_ec, ep] = co_await timed.async_connect(endpoints, use_tuple);
    (void)ep;
    if (connect_ec) {
        result.error = "cannot connect to " + host + ": " + connect_ec.message();
        co_return result;
    }
    auto [handshake_ec] = co_await stream.async_handshake(net::ssl::stream_base::client, use_tuple);
    if (handshake_ec) {
        result.error = "TLS handshake with " + host + " failed: " + handshake_ec.message();
        co_return result;
    }
    result = co_await exchange(stream, timed, req, timeout);
    timed.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(use_tuple);
    co_return result;
}

}  // namespace sapa::server
