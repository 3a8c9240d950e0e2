// The outbound sender's pace with replies first (issue 17, item 3): a fake gateway on
// loopback, a SQLite store, the real app::conversations and server::outbound_sender.
//
//   outreach_bench [--jobs 10000] [--rate 100] [--replies-per-second 10] [--idle-replies 200]
//
// Phase 1 (idle): residents write at --replies-per-second; each reply's latency is from the
// resident's message handed to the use case until the gateway receives the reply.
// Phase 2: a broadcast of --jobs proactive messages is queued in one transaction while the
// residents keep writing. Reported: the achieved send rate of the channel (replies and
// proactive together, first to last proactive send) against the configured one, and the
// reply latency percentiles idle and during the broadcast.

#include "app/conversations.hpp"
#include "gateway/adapter.hpp"
#include "server/outbound_sender.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace net = boost::asio;
namespace http = boost::beast::http;
using namespace sapa;
using clock_type = std::chrono::steady_clock;

namespace {

// The gateway: answers every POST 200 and notes when each message arrived, by its text.
struct fake_gateway {
    net::io_context io;
    net::ip::tcp::acceptor acceptor{io, {net::ip::make_address("127.0.0.1"), 0}};
    std::mutex mutex;
    std::map<std::string, clock_type::time_point> replies;  // "reply-N" -> arrival
    std::vector<clock_type::time_point> proactive;          // arrivals
    std::vector<clock_type::time_point> all;                // every arrival
    std::thread thread{[this] { run(); }};
    std::atomic<bool> stopping{false};

    unsigned short port() const { return acceptor.local_endpoint().port(); }

    void run() {
        while (!stopping) {
            boost::system::error_code ec;
            net::ip::tcp::socket socket(io);
            acceptor.accept(socket, ec);
            if (ec || stopping) continue;
            boost::beast::flat_buffer buffer;
            for (;;) {  // keep-alive if the client keeps it
                http::request<http::string_body> req;
                http::read(socket, buffer, req, ec);
                if (ec) break;
                note(req.body());
                http::response<http::string_body> res{http::status::ok, req.version()};
                res.set(http::field::content_type, "application/json");
                res.body() = R"({"id":"x"})";
                res.keep_alive(req.keep_alive());
                res.prepare_payload();
                http::write(socket, res, ec);
                if (ec || !req.keep_alive()) break;
            }
        }
    }

    void note(const std::string& body) {
        const auto now = clock_type::now();
        std::lock_guard lock(mutex);
        all.push_back(now);
        auto at = body.find("reply-");
        if (at == std::string::npos) {
            proactive.push_back(now);
            return;
        }
        auto end = body.find_first_not_of("0123456789", at + 6);
        replies[body.substr(at, end - at)] = now;
    }

    void stop() {
        stopping = true;
        boost::system::error_code ec;
        net::ip::tcp::socket poke(io);
        poke.connect(acceptor.local_endpoint(), ec);  // wakes accept()
        thread.join();
    }
};

long long arg(int argc, char** argv, const char* name, long long fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return std::atoll(argv[i + 1]);
    return fallback;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

messaging::unix_seconds wall_clock() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
    const auto jobs = arg(argc, argv, "--jobs", 10000);
    const auto rate = arg(argc, argv, "--rate", 100);
    const auto reply_rate = arg(argc, argv, "--replies-per-second", 10);
    const auto idle_replies = arg(argc, argv, "--idle-replies", 200);

    auto dir = std::filesystem::temp_directory_path() /
               ("sapa-outreach-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    storage::sqlite_options options;
    options.release_leases_on_open = true;
    auto store = storage::sqlite_store::open((dir / "sapa.db").string(), options);

    fake_gateway gateway;
    const app::channel channel{"gj", "t", storage::route::api};
    app::conversation_options use_case;
    use_case.channels = {channel};
    use_case.turn = [](const engine::contact_state& state,
                       const messaging::inbound_message& m,
                       engine::registrar&) {
        engine::turn_result r;
        r.state = state;
        const auto text = "reply-" + m.text;
        r.replies.push_back({text, text, {}});
        return r;
    };
    app::conversations conversations(*store, nullptr, use_case);

    net::io_context io;
    server::outbound_sender sender(
        io,
        *store,
        {{"gj",
          gateway::make_generic_json_adapter(
              "secret", "http://127.0.0.1:" + std::to_string(gateway.port()) + "/send"),
          static_cast<double>(rate)}},
        wall_clock);
    conversations.on_queued = [&sender](const std::string& c) { sender.wake(c); };
    sender.start();
    std::thread io_thread([&io] { io.run(); });

    std::mutex sent_mutex;
    std::map<std::string, clock_type::time_point> submitted;
    int resident = 0;
    // Residents write at reply_rate until `until` says stop; returns the reply ids sent.
    auto residents = [&](const std::function<bool()>& go_on) {
        std::vector<std::string> ids;
        auto next = clock_type::now();
        while (go_on()) {
            std::this_thread::sleep_until(next);
            next += std::chrono::microseconds(1'000'000 / std::max<long long>(reply_rate, 1));
            const auto n = std::to_string(++resident);
            messaging::inbound_message m;
            m.from = "+62819" + std::string(7 - std::min<std::size_t>(7, n.size()), '0') + n;
            m.text = n;
            m.gateway_message_id = "in" + n;
            m.received_at = wall_clock();
            {
                std::lock_guard lock(sent_mutex);
                submitted["reply-" + n] = clock_type::now();
            }
            conversations.receive(m, channel, [](app::inbound_result r) {
                if (!r) std::fprintf(stderr, "receive failed: %s\n", r.error().message().c_str());
            });
            ids.push_back("reply-" + n);
        }
        return ids;
    };
    auto latencies = [&](const std::vector<std::string>& ids) {
        // Wait for the last replies to arrive.
        auto deadline = clock_type::now() + std::chrono::seconds(30);
        while (clock_type::now() < deadline) {
            std::lock_guard lock(gateway.mutex);
            if (std::all_of(
                    ids.begin(), ids.end(), [&](auto& id) { return gateway.replies.count(id); }))
                break;
        }
        std::vector<double> ms;
        std::lock_guard a(gateway.mutex);
        std::lock_guard b(sent_mutex);
        for (const auto& id : ids)
            if (auto it = gateway.replies.find(id); it != gateway.replies.end())
                ms.push_back(
                    std::chrono::duration<double, std::milli>(it->second - submitted[id]).count());
        return ms;
    };

    long long idle_count = 0;
    auto idle_ids = residents([&] { return idle_count++ < idle_replies; });
    auto idle = latencies(idle_ids);

    // The broadcast: one transaction, as `sapa broadcast create` writes it.
    const auto queued_at = clock_type::now();
    store->run([&](storage::transaction& tx) {
        const auto now = wall_clock();
        for (long long i = 0; i < jobs; ++i) {
            auto n = std::to_string(i);
            auto contact = tx.add_contact("+62818" + std::string(7 - n.size(), '0') + n, now);
            tx.log_outbound(
                {"gj", contact.id, 0, {"kabar " + n, "kabar " + n, {}}, storage::route::api, now});
        }
    });
    const double queue_ms =
        std::chrono::duration<double, std::milli>(clock_type::now() - queued_at).count();
    sender.wake("gj");
    auto busy_ids = residents([&] {
        std::lock_guard lock(gateway.mutex);
        return static_cast<long long>(gateway.proactive.size()) < jobs;
    });
    auto busy = latencies(busy_ids);

    double seconds = 0;
    std::size_t sends = 0;
    {
        std::lock_guard lock(gateway.mutex);
        const auto first = gateway.proactive.front(), last = gateway.proactive.back();
        seconds = std::chrono::duration<double>(last - first).count();
        for (auto t : gateway.all)
            if (t >= first && t <= last) ++sends;
    }
    const double achieved = seconds > 0 ? static_cast<double>(sends - 1) / seconds : 0;
    std::printf("broadcast of %lld queued in %.0f ms\n", jobs, queue_ms);
    std::printf("configured %lld/s, achieved %.1f/s (%zu sends in %.1f s, %+.1f %%)\n",
                rate,
                achieved,
                sends,
                seconds,
                100.0 * (achieved - static_cast<double>(rate)) / static_cast<double>(rate));
    std::printf("reply latency idle:      n=%zu p50 %.1f ms p99 %.1f ms max %.1f ms\n",
                idle.size(),
                percentile(idle, 0.5),
                percentile(idle, 0.99),
                percentile(idle, 1.0));
    std::printf("reply latency broadcast: n=%zu p50 %.1f ms p99 %.1f ms max %.1f ms\n",
                busy.size(),
                percentile(busy, 0.5),
                percentile(busy, 0.99),
                percentile(busy, 1.0));
    std::printf("p99 ratio %.2f\n",
                percentile(busy, 0.99) / std::max(percentile(idle, 0.99), 1e-9));

    sender.stop();
    io_thread.join();
    gateway.stop();
    store.reset();
    std::filesystem::remove_all(dir);
    return 0;
}
