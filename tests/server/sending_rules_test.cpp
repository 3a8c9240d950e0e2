// The outbound sender with the sending rules, in one process with a controlled clock: a
// proactive message waits out quiet hours (never dropped) while a reply goes at once.

#include "app/sending_rules.hpp"

#include "server/outbound_sender.hpp"
#include "storage/memory/memory_store.hpp"
#include "support/http_test_client.hpp"
#include "support/running_sapa.hpp"

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace sapa;
using namespace sapa::testing;

namespace {

// 2026-12-04, a Friday, 22:00 WIB (15:00 UTC); and 07:00 WIB the next morning.
constexpr messaging::unix_seconds friday_night = 1796342400 + 15 * 3600;
constexpr messaging::unix_seconds saturday_morning = 1796342400 + 24 * 3600;

// Queues a message for `to`: with `reply`, the reply to a message `to` sent; without, a
// proactive one.
void queue(storage::store& st, const std::string& to, const std::string& text, bool reply) {
    st.run([&](storage::transaction& tx) {
        auto contact = tx.find_contact(to);
        if (!contact) contact = tx.add_contact(to, friday_night);
        std::int64_t inbound = 0;
        if (reply) {
            messaging::inbound_message m;
            m.channel = "gj";
            m.from = to;
            m.text = "halo";
            m.received_at = friday_night;
            inbound = tx.log_inbound(m, contact->id, {});
        }
        tx.log_outbound(
            {"gj", contact->id, inbound, {text, text, {}}, storage::route::api, friday_night});
    });
}

bool sent_text(const fake_gateway& bridge, const std::string& text) {
    for (const auto& r : bridge.requests())
        if (r.body.find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE("quiet hours defer a proactive message to 07:00 while a reply goes at once") {
        fake_gateway bridge;
        storage::memory_store store;
        queue(store, "+6281700000001", "broadcast for ani", false);
        queue(store, "+6281700000002", "reply for budi", true);

        std::atomic<messaging::unix_seconds> now{friday_night};
        boost::asio::io_context io;
        server::sender_options options;
        options.poll_interval = std::chrono::milliseconds(20);
        options.hold_proactive = [rules = app::default_quiet_hours()](
                                     const storage::outbound_job& job, messaging::unix_seconds t) {
            return app::quiet_hold(rules, job.time_zone, t);
        };
        server::outbound_sender sender(
            io,
            store,
            {{"gj",
              gateway::make_generic_json_adapter("secret", bridge.base_url() + "/send"),
              100}},
            [&now] { return now.load(); },
            options);
        sender.start();
        std::thread runner([&io] { io.run(); });

        CHECK(bridge.wait_for_successes(1, std::chrono::seconds(5)));
        CHECK(sent_text(bridge, "reply for budi"));
        // Several polls later the broadcast is still held, and still queued.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        CHECK(bridge.requests().size() == 1);
        auto backlog = store.outbound_backlog();
        REQUIRE(backlog.size() == 1);
        CHECK(backlog[0].jobs == 1);

        now = saturday_morning;  // 07:00 WIB: the night is over
        CHECK(bridge.wait_for_successes(2, std::chrono::seconds(5)));
        CHECK(sent_text(bridge, "broadcast for ani"));
        CHECK(wait_until([&] { return store.outbound_backlog().empty(); }));

        sender.stop();
        runner.join();
    }
}
