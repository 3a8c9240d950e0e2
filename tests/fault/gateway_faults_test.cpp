// The WhatsApp Graph API misbehaves (500s, 429s, connection resets, slow failures, a hang
// past the sender's request timeout) and then recovers: every queued reply is delivered
// exactly once, in order per contact.
//
// A "delivery" is a request the fake gateway answered 2xx. Planned failures answer non-2xx
// (a hang ends with 504), so none of them counts: a real gateway that hangs and then accepts
// the message anyway would deliver it twice, because the sender has given up and retries;
// no sender can avoid that without an idempotency key, which the Graph API does not offer.

#include "fault/fault_support.hpp"

#include <doctest/doctest.h>

#include <thread>

namespace {

using namespace sapa::fault;

// Each contact's delivered texts, in the order the fake gateway got them, skipping the first
// `failed` requests (the planned failures, answered in request order).
std::map<std::string, std::vector<std::string>> delivered_texts(const fake_gateway& graph,
                                                                std::size_t failed) {
    std::map<std::string, std::vector<std::string>> out;
    auto requests = graph.requests();
    for (std::size_t i = failed; i < requests.size(); ++i) {
        auto body = json::parse(requests[i].body);
        out["+" + body["to"].get<std::string>()].push_back(body["text"]["body"].get<std::string>());
    }
    return out;
}

// Each contact's replies as the dialog produced them (conversation log order).
std::map<std::string, std::vector<std::string>> produced_texts(const fault_sapa& sapa) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& m : sapa.conversation_log())
        if (m.channel == "wa" && m.direction == "out") out[m.contact].push_back(m.text);
    return out;
}

std::size_t count_texts(const std::map<std::string, std::vector<std::string>>& texts) {
    std::size_t n = 0;
    for (const auto& [contact, list] : texts)
        n += list.size();
    return n;
}

}  // namespace

TEST_SUITE("fault") {
    TEST_CASE("Graph API 500s, 429s, resets and slow failures: each reply once, in order") {
        fault_sapa sapa;
        const std::vector<fake_gateway::planned> failures = {
            {500, R"({"error":{"message":"Internal","code":1}})", {}},
            {429, R"({"error":{"message":"Rate limit hit","code":130429}})", {}},
            {503, "upstream unavailable", std::chrono::milliseconds(1500)},  // slow failure
            {500, "", {}},
            {429, "", {}},
            {502, "<html>bad gateway</html>", {}},
        };
        for (const auto& f : failures)
            sapa.graph.plan(f);

        // Three residents write while the gateway fails; each message yields replies that
        // queue behind the failing ones.
        const std::vector<std::string> contacts = {
            "6281255500001", "6281255500002", "6281255500003"};
        const std::vector<std::string> lines = {"halo", "3", "ya", "menu"};
        int n = 0;
        for (const auto& line : lines)
            for (const auto& contact : contacts) {
                auto r = http_call(
                    sapa.port,
                    fault_sapa::whatsapp_request(contact, line, "wamid.F" + std::to_string(n++)));
                REQUIRE(r.status == 200);
            }
        // Midway, the gateway drops every connection for a while.
        sapa.graph.go_down();
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        sapa.graph.come_up();

        // Wait until the log's replies are all sent (retries back off 1-2 s, 2-4 s, ...).
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
        std::map<std::string, std::vector<std::string>> produced;
        for (;;) {
            produced = produced_texts(sapa);
            if (count_texts(delivered_texts(sapa.graph, failures.size())) >= count_texts(produced))
                break;
            if (std::chrono::steady_clock::now() > deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        // A moment more, to catch a late duplicate.
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        CHECK(sapa.process->stop() == 0);

        produced = produced_texts(sapa);
        auto delivered = delivered_texts(sapa.graph, failures.size());
        CHECK(produced.size() == contacts.size());
        for (const auto& contact : contacts) {
            CAPTURE(contact);
            CHECK(produced["+" + contact].size() >= lines.size());
            CHECK(delivered["+" + contact] == produced["+" + contact]);
        }
        for (const auto& m : sapa.conversation_log())
            if (m.direction == "out") CHECK(m.status == "sent");
        CHECK(contains(sapa.log_text(), "will be retried"));
    }

    TEST_CASE("a Graph API hang past the request timeout is retried, and the reply sent once") {
        fault_sapa sapa;
        // The sender's request timeout is 15 s (not configurable); hang a little longer.
        sapa.graph.plan({504, "", std::chrono::milliseconds(16000)});
        auto r = http_call(sapa.port, fault_sapa::whatsapp_request("6281255500009", "halo", "w1"));
        REQUIRE(r.status == 200);
        // Meanwhile, inbound webhooks are still answered at once.
        auto started = std::chrono::steady_clock::now();
        CHECK(
            http_call(sapa.port, fault_sapa::whatsapp_request("6281255500009", "3", "w2")).status ==
            200);
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));

        auto produced = produced_texts(sapa);
        REQUIRE(count_texts(produced) >= 2);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (count_texts(delivered_texts(sapa.graph, 1)) < count_texts(produced) &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CHECK(sapa.process->stop() == 0);
        CHECK(delivered_texts(sapa.graph, 1) == produced_texts(sapa));
        CHECK(contains(sapa.log_text(), "will be retried"));
    }
}
