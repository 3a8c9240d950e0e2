// Two real `sapa serve` processes on one PostgreSQL database, as behind a load balancer
// (issue 19): a webhook retried on the other instance is processed once, each reply by API is
// sent by one instance, and when one is SIGKILLed under load nothing acknowledged is lost or
// doubled and the survivor finishes its jobs. Needs SAPA_TEST_POSTGRES_URL
// (scripts/postgres-test.sh); without it the cases report themselves skipped.

#include "support/running_sapa.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <libpq-fe.h>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>

using namespace sapa::testing;

namespace {

// A schema of its own on the test server, dropped at the end; empty url: skipped.
struct shared_database {
    std::string url;
    std::string schema = "sapa_e2e_" + std::to_string(::getpid());

    shared_database() {
        const char* u = std::getenv("SAPA_TEST_POSTGRES_URL");
        if (u && *u) {
            url = u;
        } else {
            std::cout << "sapa-test-skipped: the two-instance test needs SAPA_TEST_POSTGRES_URL "
                         "(scripts/postgres-test.sh starts a server and sets it)"
                      << std::endl;
        }
    }
    ~shared_database() {
        if (url.empty()) return;
        PGconn* c = PQconnectdb(url.c_str());
        if (PQstatus(c) == CONNECTION_OK) {
            PQclear(PQexec(c, "SET client_min_messages = warning"));
            PQclear(PQexec(c, ("DROP SCHEMA IF EXISTS " + schema + " CASCADE").c_str()));
        }
        PQfinish(c);
    }
    sapa_options options() const {
        sapa_options o;
        o.channels = {channel::sms, channel::wa};
        o.postgres_url = url;
        o.postgres_schema = schema;
        return o;
    }
};

// Replies on the WhatsApp channel (sent by API, not inline).
std::size_t api_replies(const running_sapa& sapa) {
    std::size_t n = 0;
    for (const auto& row : sapa.conversation_rows().outbound())
        if (row.at("channel") == "wa") ++n;
    return n;
}

// Outbound rows still waiting to be sent.
int unsent(const running_sapa& sapa) {
    int n = 0;
    for (const auto& row : sapa.conversation_rows().outbound())
        if (row.at("status") == "queued") ++n;
    return n;
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE("postgres: two sapa serve instances share one database, each message once") {
        shared_database database;
        if (database.url.empty()) return;
        running_sapa a(database.options());
        running_sapa b(database.options());

        // Twilio retries a webhook; the load balancer sends the retry to the other instance.
        auto first = a.twilio("+6281234500101", "halo", "SMretry1");
        auto retry = b.twilio("+6281234500101", "halo", "SMretry1");
        REQUIRE(first.status == 200);
        REQUIRE(retry.status == 200);
        CHECK(retry.body == first.body);
        CHECK(contains(first.body, "Balas angka"));
        int inbound = 0;
        for (const auto& row : a.conversation_of("+6281234500101").rows)
            if (row.at("direction") == "in") ++inbound;
        CHECK(inbound == 1);

        // WhatsApp messages to both instances: each reply goes out once, by one of them.
        constexpr int messages = 30;
        for (int i = 0; i < messages; ++i) {
            auto& to = i % 2 ? a : b;
            auto r = to.whatsapp("6281234502" + std::to_string(10 + i % 10),
                                 i < 10 ? "halo" : std::to_string(1 + i % 3),
                                 "wamid.E2E" + std::to_string(i));
            REQUIRE(r.status == 200);
        }
        REQUIRE(wait_until([&] { return unsent(a) == 0; }, std::chrono::seconds(20)));
        const auto outbound = api_replies(a);
        const auto sent = a.graph.requests().size() + b.graph.requests().size();
        CHECK(sent == outbound);
        CHECK(a.graph.requests().size() > 0);
        CHECK(b.graph.requests().size() > 0);
    }

    TEST_CASE("postgres: one of two instances killed under load loses and doubles nothing") {
        shared_database database;
        if (database.url.empty()) return;
        running_sapa a(database.options());
        running_sapa b(database.options());

        std::mutex mutex;
        std::set<std::string> acknowledged;  // wamids answered 200
        std::atomic<bool> stop{false};
        auto load = [&](int worker) {
            for (int i = 0; !stop; ++i) {
                auto id = "wamid.K" + std::to_string(worker) + "-" + std::to_string(i);
                auto& to = (i + worker) % 2 ? a : b;
                try {
                    auto r = to.whatsapp("62812345030" + std::to_string(worker * 5 + i % 5),
                                         i % 4 ? std::to_string(1 + i % 3) : "halo",
                                         id);
                    if (r.status == 200) {
                        std::lock_guard lock(mutex);
                        acknowledged.insert(id);
                    }
                } catch (const std::exception&) {  // the killed instance's connection
                }
            }
        };
        std::thread w0(load, 0), w1(load, 1);
        for (int cycle = 0; cycle < 3; ++cycle) {
            std::this_thread::sleep_for(std::chrono::milliseconds(400));
            a.process->kill();
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            a.start();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        stop = true;
        w0.join();
        w1.join();

        auto rows = b.conversation_rows();
        std::map<std::string, int> stored;
        for (const auto& row : rows.rows)
            if (row.at("direction") == "in") ++stored[row.at("gateway_message_id")];
        CHECK(acknowledged.size() > 20);
        for (const auto& id : acknowledged) {
            CAPTURE(id);
            CHECK(stored[id] == 1);
        }
        for (const auto& [id, n] : stored)
            CHECK(n == 1);
        // The killed instance's leased jobs come back after their lease (3 s here).
        CHECK(wait_until([&] { return unsent(b) == 0; }, std::chrono::seconds(30)));
        const auto outbound = api_replies(b);
        const auto sent = a.graph.requests().size() + b.graph.requests().size();
        // A reply sent just before the kill, not yet marked sent, goes again: at least once.
        CHECK(sent >= outbound);
    }
}
