// Abusive and broken clients against the real server with small limits: slowloris, a
// connection flood past max_connections, oversized headers and bodies, invalid UTF-8 in
// signed bodies, pipelined garbage and pipelined valid requests, half requests. After each,
// a well-behaved client is still served.

#include "fault/fault_support.hpp"

#include <doctest/doctest.h>

#include <thread>

namespace {

using namespace sapa::fault;

server_limits small_limits() {
    server_limits l;
    l.read_timeout_seconds = 2;
    l.idle_timeout_seconds = 3;
    l.max_connections = 16;
    // These tests hold many connections from one address on purpose; the per-client share
    // (half by default) has tests of its own below.
    l.max_connections_per_client = 16;
    l.body_limit_bytes = 4096;
    l.header_limit_bytes = 2048;
    return l;
}

// GET /healthz from the client address `from`; true when answered 200.
bool healthy_from(const fault_sapa& sapa, const char* from) {
    raw_connection c(sapa.port, from);
    if (!c.connected()) return false;
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return contains(c.receive(std::chrono::milliseconds(2000)), "200 OK");
}

bool healthy(const fault_sapa& sapa) {
    return http_call(sapa.port, {"GET", "/healthz", {}, ""}, std::chrono::seconds(2)).status == 200;
}

using clock_type = std::chrono::steady_clock;

bool eventually_healthy(const fault_sapa& sapa, std::chrono::milliseconds within) {
    auto deadline = clock_type::now() + within;
    for (;;) {
        if (healthy(sapa)) return true;
        if (clock_type::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

TEST_SUITE("fault") {
    TEST_CASE("slowloris connections are cut after the read timeout, others are served") {
        fault_sapa sapa(small_limits());
        std::vector<std::unique_ptr<raw_connection>> slow;
        for (int i = 0; i < 10; ++i)
            slow.push_back(std::make_unique<raw_connection>(sapa.port));
        const std::string request = "POST /webhooks/sms HTTP/1.1\r\nHost: x\r\n";
        const auto started = clock_type::now();
        std::size_t sent = 0;
        bool served_meanwhile = true;
        // A header byte every 300 ms from each: the whole request would take 12 s.
        while (clock_type::now() - started < std::chrono::milliseconds(3500)) {
            for (auto& c : slow)
                c->send(std::string(1, request[sent % request.size()]));
            ++sent;
            served_meanwhile = served_meanwhile && healthy(sapa);
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
        CHECK(served_meanwhile);
        // 2 s after their first byte, each was answered 408 and closed (the server stops reading
        // a timed-out request, not writing).
        int closed = 0;
        for (auto& c : slow) {
            bool was_closed = false;
            auto answer = c->receive(std::chrono::milliseconds(1000), &was_closed);
            if (was_closed) ++closed;
            CHECK(contains(answer, "408"));
        }
        CHECK(closed == 10);
        CHECK(healthy(sapa));
    }

    TEST_CASE("a connection flood past max_connections: extras are refused, service resumes") {
        fault_sapa sapa(small_limits());
        // The start-up probe's connection counts against the limit until the server has seen
        // it close; flooding before that refuses one more and frees a held slot afterwards.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        // Hold the limit (16) plus ten more, sending nothing.
        std::vector<std::unique_ptr<raw_connection>> flood;
        for (int i = 0; i < 26; ++i)
            flood.push_back(std::make_unique<raw_connection>(sapa.port));
        // The server accepts up to the limit and closes each connection past it at once.
        int refused = 0;
        std::vector<bool> closed(flood.size(), false);
        auto deadline = clock_type::now() + std::chrono::seconds(2);
        while (refused < 10 && clock_type::now() < deadline) {
            for (std::size_t i = 0; i < flood.size(); ++i) {
                if (closed[i]) continue;
                bool gone = false;
                flood[i]->receive(std::chrono::milliseconds(5), &gone);
                if (gone) {
                    closed[i] = true;
                    ++refused;
                }
            }
        }
        CHECK(refused == 10);
        // While the limit is held, a new client is refused too (closed without an answer).
        CHECK(http_call(sapa.port, {"GET", "/healthz", {}, ""}, std::chrono::seconds(1)).status ==
              0);
        // The flood goes away: service resumes at once.
        flood.clear();
        CHECK(eventually_healthy(sapa, std::chrono::seconds(1)));

        // A flood that stays silent is cut by the read timeout (2 s: no first byte), and
        // service resumes by itself.
        // (First let the server finish closing the first flood's connections.)
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        for (int i = 0; i < 20; ++i)
            flood.push_back(std::make_unique<raw_connection>(sapa.port));
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        CHECK(!healthy(sapa));
        const bool resumed = eventually_healthy(sapa, std::chrono::seconds(6));
        CHECK(resumed);
    }

    TEST_CASE("oversized headers get 431, oversized bodies 413, invalid UTF-8 400") {
        fault_sapa sapa(small_limits());
        auto big_header =
            http_call(sapa.port, {"GET", "/healthz", {{"X-Padding", std::string(4000, 'h')}}, ""});
        CHECK(big_header.status == 431);
        auto big_body = http_call(sapa.port,
                                  {"POST",
                                   "/webhooks/sms",
                                   {{"Content-Type", "application/x-www-form-urlencoded"}},
                                   std::string(5000, 'a')});
        CHECK(big_body.status == 413);
        // A chunked body past the limit, with no Content-Length up front.
        std::string chunked =
            "POST /webhooks/wa HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
            "chunked\r\n\r\n";
        for (int i = 0; i < 6; ++i)
            chunked += "3e8\r\n" + std::string(1000, 'b') + "\r\n";
        chunked += "0\r\n\r\n";
        CHECK(response_statuses(raw_exchange(sapa.port, chunked)) == std::vector<int>{413});
        // Many small headers adding up past the limit.
        std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
        for (int i = 0; i < 200; ++i)
            many += "X-H" + std::to_string(i) + ": v\r\n";
        many += "\r\n";
        CHECK(response_statuses(raw_exchange(sapa.port, many)) == std::vector<int>{431});

        // Invalid UTF-8, correctly signed: WhatsApp JSON and a Twilio form.
        auto wa = http_call(
            sapa.port,
            fault_sapa::signed_whatsapp_body(
                "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":"
                "[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"" +
                phone_number_id +
                "\"},\"messages\":[{\"from\":\"6281200000001\",\"id\":\"wamid.U1\",\"type\":"
                "\"text\",\"text\":{\"body\":\"bad \xff\xfe \xc0\xaf\"}}]}}]}]}"));
        CHECK(wa.status == 400);
        auto sms = http_call(sapa.port,
                             sapa.twilio_request("+6281200000002", "bad \xff\xfe utf8", "SMU1"));
        CHECK(sms.status == 400);
        // The same garbage in the request line and a header: answered, not fatal.
        auto odd = raw_exchange(sapa.port,
                                "GET /healthz\xff\xfe HTTP/1.1\r\nHost: \xc3\x28\r\n"
                                "Connection: close\r\n\r\n");
        CHECK(!response_statuses(odd).empty());
        CHECK(healthy(sapa));
        CHECK(sapa.process->stop() == 0);
        for (const auto& m : sapa.conversation_log())
            CHECK(m.gateway_message_id.empty());  // nothing was logged
    }

    TEST_CASE("pipelined requests are answered in order, pipelined garbage ends the connection") {
        fault_sapa sapa(small_limits());
        const std::string host = "Host: 127.0.0.1\r\n";
        auto valid = raw_exchange(
            sapa.port,
            "GET /healthz HTTP/1.1\r\n" + host + "\r\n" + "GET /nope HTTP/1.1\r\n" + host + "\r\n" +
                "DELETE /webhooks/sms HTTP/1.1\r\n" + host + "\r\n" +
                "POST /webhooks/sms HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc" +
                "GET /healthz HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n");
        CHECK(response_statuses(valid) == std::vector<int>{200, 404, 405, 403, 200});

        // A valid request, then garbage: the first is answered, the garbage gets 400, and the
        // request after it is never read.
        auto garbage = raw_exchange(sapa.port,
                                    "GET /healthz HTTP/1.1\r\n" + host + "\r\n" +
                                        "\x16\x03\x01\x02\x00 NOT HTTP\r\n\r\n" +
                                        "GET /healthz HTTP/1.1\r\n" + host + "\r\n");
        CHECK(response_statuses(garbage) == std::vector<int>{200, 400});

        // A signed Twilio webhook pipelined behind a health check is processed normally.
        auto twilio = sapa.twilio_request("+6281200000003", "halo", "SMP1");
        std::string signed_post =
            "POST /webhooks/sms HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(sapa.port) + "\r\n";
        for (const auto& [name, value] : twilio.headers)
            signed_post += name + ": " + value + "\r\n";
        signed_post += "Content-Length: " + std::to_string(twilio.body.size()) +
                       "\r\nConnection: close\r\n\r\n" + twilio.body;
        auto both =
            raw_exchange(sapa.port, "GET /healthz HTTP/1.1\r\n" + host + "\r\n" + signed_post);
        CHECK(response_statuses(both) == std::vector<int>{200, 200});
        CHECK(contains(both, "<Response><Message>"));
        CHECK(healthy(sapa));
    }

    TEST_CASE("clients that send half a request and vanish do not use up connections") {
        fault_sapa sapa(small_limits());
        // Twice the connection limit, each gone mid-body or mid-header.
        for (int i = 0; i < 32; ++i) {
            raw_connection c(sapa.port);
            REQUIRE(c.connected());
            if (i % 2 == 0)
                c.send("POST /webhooks/sms HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
            else
                c.send("POST /webhooks/sms HTTP/1.1\r\nHost: x\r\nContent-Le");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        // All 16 slots are free again: hold 16 connections, each answered.
        std::vector<std::unique_ptr<raw_connection>> held;
        for (int i = 0; i < 16; ++i) {
            held.push_back(std::make_unique<raw_connection>(sapa.port));
            held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        int answered = 0;
        for (auto& c : held)
            if (contains(c->receive(std::chrono::milliseconds(1000)), "200 OK")) ++answered;
        CHECK(answered == 16);
        held.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CHECK(healthy(sapa));
        CHECK(sapa.process->stop() == 0);
        CHECK(sapa.conversation_log().empty());
    }

    TEST_CASE("one client holding idle sockets cannot lock another client out") {
        auto limits = small_limits();
        limits.max_connections_per_client = 0;  // Sapa's default: half of 16
        limits.read_timeout_seconds = 10;       // the idle sockets stay for the whole test
        fault_sapa sapa(limits);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the start-up probe
        // 127.0.0.1 opens twice the connection limit and sends nothing.
        std::vector<std::unique_ptr<raw_connection>> idle;
        for (int i = 0; i < 32; ++i)
            idle.push_back(std::make_unique<raw_connection>(sapa.port, "127.0.0.1"));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        // Its share is taken: it gets no more...
        CHECK(!healthy_from(sapa, "127.0.0.1"));
        // ...and another client (a gateway, a health check) is still served, repeatedly.
        for (int i = 0; i < 5; ++i)
            CHECK(healthy_from(sapa, "127.0.0.2"));
        // Of the 32, exactly the share (8) are held open by the server.
        int held = 0;
        for (auto& c : idle) {
            bool closed = false;
            c->receive(std::chrono::milliseconds(20), &closed);
            if (!closed) ++held;
        }
        CHECK(held == 8);
        idle.clear();
        CHECK(eventually_healthy(sapa, std::chrono::seconds(2)));
    }

    TEST_CASE("a connection that never sends a byte is closed after the read timeout") {
        auto limits = small_limits();
        limits.read_timeout_seconds = 1;
        limits.idle_timeout_seconds = 30;  // kept-alive connections may wait this long
        fault_sapa sapa(limits);
        raw_connection silent(sapa.port);
        REQUIRE(silent.connected());
        const auto opened = clock_type::now();
        bool closed = false;
        silent.receive(std::chrono::milliseconds(4000), &closed);
        CHECK(closed);
        CHECK(clock_type::now() - opened < std::chrono::milliseconds(3500));
        // A kept-alive connection still gets the idle timeout after its first request.
        raw_connection kept(sapa.port);
        kept.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        bool kept_closed = false;
        auto answer = kept.receive(std::chrono::milliseconds(3000), &kept_closed);
        CHECK(contains(answer, "200 OK"));
        CHECK(!kept_closed);
    }
}
