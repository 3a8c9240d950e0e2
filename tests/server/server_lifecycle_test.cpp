// End to end: how `sapa serve` starts (or refuses to) and stops, and what it has made durable
// by the time it says so. Also the webhook routes on their own: status webhooks wait for their
// commit without holding the caller's thread.

#include "gateway/adapter.hpp"
#include "server/router.hpp"
#include "server/webhooks.hpp"
#include "support/running_sapa.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sapa::testing;

namespace {

using row = std::map<std::string, std::string>;

// Runs `sapa serve --config FILE` to its end (killed after `timeout`: it should not be
// serving). Returns the exit status, or -1 when it had to be killed.
int run_serve_to_exit(const std::filesystem::path& config,
                      const std::filesystem::path& log_file,
                      std::chrono::milliseconds timeout = std::chrono::seconds(8)) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        for (const auto& [k, v] : secrets_env())
            setenv(k.c_str(), v.c_str(), 1);
        FILE* log = std::fopen(log_file.c_str(), "a");
        if (log) {
            dup2(fileno(log), STDERR_FILENO);
            dup2(fileno(log), STDOUT_FILENO);
        }
        execl(SAPA_BINARY, SAPA_BINARY, "serve", "--config", config.c_str(), nullptr);
        _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

json minimal_config(const temp_dir& dir, const std::filesystem::path& dialogs) {
    return {{"server",
             {{"listen_address", "127.0.0.1"},
              {"port", free_port()},
              {"public_base_url", "https://sapa.example.id"}}},
            {"storage", {{"database_path", (dir.path() / "sapa.db").string()}}},
            {"dialogs", {{"paths", {dialogs.string()}}}},
            {"channels",
             {{{"name", "sms"},
               {"type", "twilio"},
               {"script", "example"},
               {"number", "+6281100000000"},
               {"auth_token_env", "SAPA_TEST_TWILIO_TOKEN"}}}}};
}

// One HTTP exchange on a socket we write ourselves, so a test can stop in the middle of a
// body. Returns the raw answer ("" when the connection closed without one).
class slow_client {
  public:
    explicit slow_client(unsigned short port) : socket_(io_) {
        socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    }
    void send(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
    std::string read_all() {
        std::string out;
        boost::system::error_code ec;
        boost::asio::read(socket_, boost::asio::dynamic_buffer(out), ec);
        return out;
    }

  private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
};

int status_of(const std::string& raw_answer) {
    // "HTTP/1.1 200 OK\r\n..."
    if (!raw_answer.starts_with("HTTP/1.1 ") || raw_answer.size() < 12) return 0;
    return std::stoi(raw_answer.substr(9, 3));
}

bool has_inbound(const collected_rows& rows, const std::string& sid) {
    for (const auto& r : rows.rows)
        if (r.count("direction") && r.at("direction") == "in" && r.count("gateway_message_id") &&
            r.at("gateway_message_id") == sid)
            return true;
    return false;
}

// A store that only takes delivery statuses: its units of work run in order on a thread of
// its own, and each status waits until the test releases it.
class gated_store final : public sapa::storage::store {
  public:
    std::mutex mutex;
    std::condition_variable changed;
    bool open_gate = false;
    bool fail = false;
    int started = 0;
    std::vector<std::string> applied;  // "id status"

    gated_store() : worker_([this] { work_loop(); }) {}
    ~gated_store() override {
        {
            std::lock_guard lock(mutex);
            stopping_ = true;
        }
        changed.notify_all();
        worker_.join();
    }

    void release() {
        {
            std::lock_guard lock(mutex);
            open_gate = true;
        }
        changed.notify_all();
    }
    bool wait_started(int n) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(5), [&] { return started >= n; });
    }

    void submit(sapa::storage::work_function work,
                sapa::storage::durable_callback on_durable) override {
        {
            std::lock_guard lock(mutex);
            queue_.emplace_back(std::move(work), std::move(on_durable));
        }
        changed.notify_all();
    }
    std::optional<sapa::engine::contact_state> load_contact(const std::string&) override {
        return std::nullopt;
    }
    std::vector<sapa::storage::queue_backlog> outbound_backlog() override { return {}; }
    std::vector<sapa::storage::outbound_job> claim_outbound(const std::string&,
                                                            sapa::messaging::unix_seconds,
                                                            int) override {
        return {};
    }
    void complete_outbound(std::int64_t,
                           const std::string&,
                           sapa::messaging::unix_seconds) override {}
    void begin_outbound_attempt(std::int64_t, sapa::messaging::unix_seconds) override {}
    void retry_outbound(std::int64_t, sapa::messaging::unix_seconds, const std::string&) override {}
    void defer_outbound(std::int64_t, sapa::messaging::unix_seconds, const std::string&) override {}
    void fail_outbound(std::int64_t,
                       const std::string&,
                       const std::string&,
                       sapa::messaging::unix_seconds) override {}
    sapa::storage::export_summary export_rows(sapa::storage::export_kind,
                                              const sapa::storage::export_filter&,
                                              sapa::storage::row_sink&) override {
        return {};
    }
    sapa::storage::forget_counts forget(const std::string&,
                                        sapa::messaging::unix_seconds) override {
        return {};
    }
    bool mark_request_done(std::int64_t, sapa::messaging::unix_seconds) override { return false; }
    std::int64_t publish_scripts(const sapa::storage::script_version&) override { return 0; }
    std::vector<sapa::storage::script_version> script_versions() override { return {}; }
    std::optional<sapa::storage::script_version> find_script_version(std::int64_t) override {
        return std::nullopt;
    }
    std::int64_t latest_script_version() override { return 0; }
    bool add_api_token(const sapa::storage::api_token&) override { return false; }
    std::vector<sapa::storage::api_token> api_tokens() override { return {}; }
    bool revoke_api_token(const std::string&) override { return false; }
    void api_token_used(const std::string&, sapa::messaging::unix_seconds) override {}
    std::int64_t add_staff(const sapa::storage::staff_account&) override { return 0; }
    std::optional<sapa::storage::staff_account> find_staff(const std::string&) override {
        return std::nullopt;
    }
    void add_staff_session(const sapa::storage::staff_session&) override {}
    std::optional<sapa::storage::staff_login> find_staff_session(const std::string&) override {
        return std::nullopt;
    }
    void touch_staff_session(const std::string&, sapa::messaging::unix_seconds) override {}
    void end_staff_session(const std::string&) override {}
    int end_stale_staff_sessions(sapa::messaging::unix_seconds,
                                 sapa::messaging::unix_seconds) override {
        return 0;
    }
    std::int64_t add_audit(const sapa::storage::audit_entry&) override { return 0; }
    std::vector<sapa::storage::audit_entry> audit_log(std::int64_t, int) override { return {}; }
    std::vector<sapa::storage::funnel_row> funnel(const sapa::storage::funnel_query&) override {
        return {};
    }
    std::vector<sapa::storage::delivery_health> delivery(sapa::messaging::unix_seconds) override {
        return {};
    }

  private:
    // Only statuses: anything else a unit of work asks for is a test failure.
    class status_transaction final : public sapa::storage::transaction {
      public:
        explicit status_transaction(gated_store& owner) : owner_(owner) {}
        std::optional<sapa::storage::contact_record> find_contact(const std::string&) override {
            throw std::logic_error("not in this test");
        }
        sapa::storage::contact_record add_contact(const std::string&,
                                                  sapa::messaging::unix_seconds) override {
            throw std::logic_error("not in this test");
        }
        void save_contact(const sapa::storage::contact_record&,
                          std::shared_ptr<const sapa::engine::contact_state>,
                          sapa::messaging::unix_seconds) override {
            throw std::logic_error("not in this test");
        }
        std::int64_t find_repeat(const sapa::messaging::inbound_message&,
                                 std::int64_t,
                                 sapa::messaging::unix_seconds) override {
            throw std::logic_error("not in this test");
        }
        std::vector<sapa::storage::stored_reply> replies_to(std::int64_t) override {
            throw std::logic_error("not in this test");
        }
        std::int64_t log_inbound(const sapa::messaging::inbound_message&,
                                 std::int64_t,
                                 const std::vector<sapa::engine::event>&) override {
            throw std::logic_error("not in this test");
        }
        std::string last_channel(std::int64_t) override {
            throw std::logic_error("not in this test");
        }
        std::vector<sapa::storage::logged_message> recent_messages(std::int64_t, int) override {
            return {};
        }
        std::int64_t segments_sent_since(std::int64_t, sapa::messaging::unix_seconds) override {
            return 0;
        }
        std::int64_t log_outbound(const sapa::storage::outbound_record&) override {
            throw std::logic_error("not in this test");
        }
        bool update_delivery(const std::string&,
                             const std::string& provider_message_id,
                             sapa::messaging::delivery_status status,
                             const std::string&,
                             const std::string&,
                             sapa::messaging::unix_seconds) override {
            std::unique_lock lock(owner_.mutex);
            ++owner_.started;
            owner_.changed.notify_all();
            owner_.changed.wait(lock, [&] { return owner_.open_gate; });
            if (owner_.fail)
                throw boost::system::system_error(sapa::storage::errc::write_failed, "disk full");
            owner_.applied.push_back(provider_message_id + " " +
                                     sapa::messaging::to_string(status));
            return true;
        }
        sapa::engine::registration_ledger& registrations() override { return ledger_; }
        void add_to_group(std::int64_t, const std::string&) override {
            throw std::logic_error("not in this test");
        }
        std::vector<sapa::storage::segment_member> select_contacts(const sapa::storage::segment&,
                                                                   std::int64_t,
                                                                   int) override {
            throw std::logic_error("not in this test");
        }
        sapa::storage::broadcast_ledger& broadcasts() override {
            throw std::logic_error("not in this test");
        }

      private:
        gated_store& owner_;
        sapa::engine::memory_ledger ledger_;
    };

    void work_loop() {
        for (;;) {
            std::pair<sapa::storage::work_function, sapa::storage::durable_callback> job;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) return;
                job = std::move(queue_.front());
                queue_.pop_front();
            }
            status_transaction tx(*this);
            boost::system::error_code ec;
            try {
                job.first(tx);
            } catch (const boost::system::system_error& e) {
                ec = e.code();
            }
            job.second(ec);
        }
    }

    bool stopping_ = false;
    std::deque<std::pair<sapa::storage::work_function, sapa::storage::durable_callback>> queue_;
    std::thread worker_;
};

sapa::server::http_request generic_status_request(const std::string& id,
                                                  const std::string& status) {
    sapa::server::http_request r;
    r.method = "POST";
    r.target = r.path = "/webhooks/generic/status";
    r.host = "127.0.0.1";
    r.body = json{{"status", {{"id", id}, {"status", status}}}}.dump();
    r.headers = {{"content-type", "application/json"},
                 {"x-sapa-signature", sha256_signature(generic_secret, r.body)}};
    return r;
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE(
        "SIGTERM during a slow upload: the request finishes, sapa exits 0, acknowledged "
        "messages are in the database") {
        running_sapa sapa;
        std::map<std::string, std::string> params = {{"MessageSid", "SMslow1"},
                                                     {"AccountSid", "AC0000"},
                                                     {"From", "+6281234500201"},
                                                     {"To", "+6281100000000"},
                                                     {"Body", "halo"},
                                                     {"NumMedia", "0"}};
        auto body = form_encode(params);
        auto signature = twilio_signature(twilio_token, sapa.url("/webhooks/sms"), params);
        slow_client slow(sapa.port);
        slow.send("POST /webhooks/sms HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(sapa.port) +
                  "\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: " +
                  signature + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                  body.substr(0, body.size() / 2));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));

        // Other residents keep writing while the stop comes.
        std::atomic<bool> go{true};
        std::mutex acknowledged_mutex;
        std::vector<std::pair<std::string, std::string>> acknowledged;  // (contact, sid)
        std::set<int> statuses_seen;
        std::vector<std::thread> writers;
        for (int w = 0; w < 4; ++w) {
            writers.emplace_back([&, w] {
                const std::string from = "+62812345003" + std::to_string(10 + w);
                for (int i = 0; go && i < 200; ++i) {
                    const std::string sid = "SMbusy" + std::to_string(w) + "x" + std::to_string(i);
                    auto r = sapa.twilio(from, i % 2 ? "halo" : "menu", sid);
                    std::lock_guard lock(acknowledged_mutex);
                    statuses_seen.insert(r.status);
                    if (r.status == 200) acknowledged.emplace_back(from, sid);
                    if (r.status == 0) break;  // the listener is closed
                }
            });
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        auto stopped = std::async(std::launch::async, [&] { return sapa.process->stop(); });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        slow.send(body.substr(body.size() / 2));
        auto answer = slow.read_all();
        go = false;
        for (auto& t : writers)
            t.join();
        REQUIRE(stopped.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        CHECK(stopped.get() == 0);

        // The request in flight was answered in full, and closed (no keep-alive in a stop).
        CAPTURE(answer);
        CHECK(status_of(answer) == 200);
        CHECK(contains(answer, "<Response><Message>"));
        CHECK(contains(answer, "Connection: close"));
        // The others were answered or refused cleanly: no half answers, no 5xx.
        for (int s : statuses_seen)
            CHECK_MESSAGE((s == 200 || s == 0), "status ", s);
        CHECK(!acknowledged.empty());

        CHECK(has_inbound(sapa.conversation_of("+6281234500201"), "SMslow1"));
        std::map<std::string, collected_rows> by_contact;
        for (const auto& [from, sid] : acknowledged) {
            if (!by_contact.count(from)) by_contact[from] = sapa.conversation_of(from);
            CHECK_MESSAGE(has_inbound(by_contact[from], sid), sid);
        }
        CHECK(contains(sapa.log_text(), "stopping: finishing requests in progress"));
        CHECK(contains(sapa.log_text(), "stopped"));
    }

    TEST_CASE("sapa serve refuses to start with a broken dialog, naming the problem") {
        temp_dir dir;
        auto dialogs = dir.path() / "dialogs";
        std::filesystem::create_directories(dialogs);
        std::filesystem::copy_file(
            std::filesystem::path(SAPA_SOURCE_DIR) / "dialogs/example_info.json",
            dialogs / "example_info.json");
        auto script = json::parse(
            read_text_file(std::filesystem::path(SAPA_SOURCE_DIR) / "dialogs/example.json"));
        script["nodes"]["menu"]["ask"]["options"][0]["goto"] = "namaa";  // a typo
        std::ofstream(dialogs / "example.json") << script.dump(2);
        std::ofstream(dir.path() / "sapa.json") << minimal_config(dir, dialogs).dump(2);

        auto log_file = dir.path() / "sapa.log";
        int code = run_serve_to_exit(dir.path() / "sapa.json", log_file);
        auto log = read_text_file(log_file);
        CAPTURE(log);
        CHECK(code != 0);
        CHECK(code != -1);  // it exited by itself, and did not serve
        CHECK(contains(log, "example.json"));
        CHECK(contains(log, "unknown node \"namaa\""));
        CHECK(contains(log, "sapa check"));
    }

    TEST_CASE("sapa serve exits 2 on a config error and names the key") {
        temp_dir dir;
        auto config = minimal_config(dir, std::filesystem::path(SAPA_SOURCE_DIR) / "dialogs");
        config["server"]["port"] = "eighty";
        std::ofstream(dir.path() / "sapa.json") << config.dump(2);
        auto log_file = dir.path() / "sapa.log";
        CHECK(run_serve_to_exit(dir.path() / "sapa.json", log_file) == 2);
        auto log = read_text_file(log_file);
        CAPTURE(log);
        CHECK(contains(log, "server/port"));

        // A channel running a script that is not loaded: refused before listening.
        config = minimal_config(dir, std::filesystem::path(SAPA_SOURCE_DIR) / "dialogs");
        config["channels"][0]["script"] = "nope";
        std::ofstream(dir.path() / "sapa2.json") << config.dump(2);
        auto log2 = dir.path() / "sapa2.log";
        int code = run_serve_to_exit(dir.path() / "sapa2.json", log2);
        CHECK(code != 0);
        CHECK(code != -1);
        CHECK(contains(read_text_file(log2), "\"nope\""));
    }

    TEST_CASE("a status webhook is answered only after its commit, without holding the io thread") {
        gated_store store;
        sapa::app::conversations conversations(
            store, [] { return std::make_shared<const sapa::dialog::catalog>(); });
        std::vector<sapa::server::channel_binding> channels = {
            {{"generic", "example", sapa::storage::route::api},
             sapa::gateway::make_generic_json_adapter(generic_secret)}};
        sapa::server::webhooks webhooks(
            channels,
            conversations,
            [] { return sapa::messaging::unix_seconds{1'800'000'000}; },
            "");
        sapa::server::router routes;
        webhooks.add_routes(routes);

        // Posts one status and returns the future answer.
        auto post = [&](const std::string& id, const std::string& status) {
            auto answered = std::make_shared<std::promise<sapa::server::http_response>>();
            auto answer = answered->get_future();
            routes.handle(
                generic_status_request(id, status),
                [answered](sapa::server::http_response r) { answered->set_value(std::move(r)); });
            return answer;
        };
        auto set_failing = [&](bool fail) {
            std::lock_guard lock(store.mutex);
            store.fail = fail;
        };
        constexpr auto ready = std::future_status::ready;

        auto first = post("out-1", "delivered");
        // handle() returned while the store is still busy with the status...
        REQUIRE(store.wait_started(1));
        CHECK(first.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
        // ...and a second one queues behind it, in order.
        auto second = post("out-1", "read");
        store.release();
        REQUIRE(first.wait_for(std::chrono::seconds(5)) == ready);
        REQUIRE(second.wait_for(std::chrono::seconds(5)) == ready);
        CHECK(first.get().status == 200);
        CHECK(second.get().status == 200);
        CHECK(store.applied == std::vector<std::string>{"out-1 delivered", "out-1 read"});

        // A commit that fails is not acknowledged: the gateway retries later.
        set_failing(true);
        auto refused = post("out-2", "failed");
        REQUIRE(refused.wait_for(std::chrono::seconds(5)) == ready);
        CHECK(refused.get().status == 503);
    }
}
