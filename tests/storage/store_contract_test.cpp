// The store contract: what every store must do. Each STORE_CONTRACT case runs as one test
// case on memory and SQLite (the stores listed in `local_stores` below), and as a second one,
// "postgres: NAME", on PostgreSQL when SAPA_TEST_POSTGRES_URL names a server (otherwise that
// case reports itself skipped, and ctest counts it as not run).

#include "storage/memory/memory_store.hpp"
#include "storage/store.hpp"
#include "store_test_support.hpp"

#include <boost/system/system_error.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <mutex>

using namespace sapa;
using namespace sapa::storage;
using namespace sapa::storage::testing;

namespace {

std::vector<store_under_test> local_stores(const temp_dir& dir) {
    auto files = std::make_shared<int>(0);
    auto file = [&dir, files] { return dir.file("contract" + std::to_string(*files) + ".db"); };
    return {
        {"memory",
         [](const sqlite_options& o) {
             return std::make_unique<memory_store>(
                 memory_options{.outbound_lease = o.outbound_lease, .text_cost = o.text_cost});
         },
         nullptr,
         false,
         false},
        {"sqlite :memory:",
         [](const sqlite_options& o) { return sqlite_store::open(":memory:", o); },
         nullptr},
        {"sqlite file",
         [file, files](const sqlite_options& o) {
             ++*files;
             return sqlite_store::open(file(), o);
         },
         [file](const sqlite_options& o) { return sqlite_store::open(file(), o); }},
    };
}

// One contract case as two test cases: on the local stores, and on PostgreSQL.
#define STORE_CONTRACT_CASE(fn, title)                    \
    static void fn(const store_under_test& s);            \
    TEST_CASE(title) {                                    \
        temp_dir dir;                                     \
        for (const auto& s : local_stores(dir)) {         \
            CAPTURE(s.name);                              \
            fn(s);                                        \
        }                                                 \
    }                                                     \
    TEST_CASE("postgres: " title) {                       \
        if (auto s = postgres_store_under_test()) fn(*s); \
    }                                                     \
    static void fn(const store_under_test& s)
#define STORE_CONTRACT(title) STORE_CONTRACT_CASE(DOCTEST_ANONYMOUS(store_contract_), title)

// Waits for a number of callbacks.
class latch {
  public:
    explicit latch(int n) : left_(n) {}
    void count_down() {
        std::lock_guard lock(mutex_);
        if (--left_ == 0) done_.notify_all();
    }
    void wait() {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [this] { return left_ == 0; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable done_;
    int left_;
};

// submit() and wait for its answer, which must not be an error.
app::inbound_outcome submitted(store& st, const test_message& m, turn_function turn) {
    std::promise<outcome_or_error> answered;
    auto answer = answered.get_future();
    submit(st, m, std::move(turn), [&](outcome_or_error r) { answered.set_value(std::move(r)); });
    auto r = answer.get();
    REQUIRE(r.has_value());
    return *r;
}

// A provider's status, in a unit of work of its own.
bool update_delivery(store& st,
                     const std::string& channel,
                     const std::string& provider_id,
                     delivery_status status,
                     const std::string& code,
                     const std::string& reason,
                     unix_seconds now) {
    bool moved = false;
    st.run([&](transaction& tx) {
        moved = tx.update_delivery(channel, provider_id, status, code, reason, now);
    });
    return moved;
}

std::vector<std::string> texts(const app::inbound_outcome& o) {
    std::vector<std::string> out;
    for (const auto& r : o.replies)
        out.push_back(r.message.text);
    return out;
}

// A turn entering `nodes` (and registering when asked), setting the kecamatan, with one reply.
turn_function walk(std::vector<std::string> nodes,
                   bool registers,
                   std::string kecamatan,
                   unix_seconds now) {
    return [=](const engine::contact_state& state, engine::registrar&) {
        engine::turn_result r;
        r.state = state;
        r.state.session.last_active = now;
        if (!kecamatan.empty()) r.state.fields["kecamatan"] = kecamatan;
        for (const auto& n : nodes)
            r.events.push_back({.kind = engine::event_kind::node_entered,
                                .node = n,
                                .detail = {},
                                .matched = {},
                                .data = {}});
        if (registers)
            r.events.push_back({.kind = engine::event_kind::registration_completed,
                                .node = "t/daftar",
                                .detail = "registered",
                                .matched = {},
                                .data = {}});
        r.replies.push_back({.text = "ok", .body = {}, .options = {}});
        return r;
    };
}

// Keeps one text column of each exported row.
struct column_sink final : row_sink {
    explicit column_sink(std::size_t column) : column(column) {}
    void begin(const std::vector<export_column>&) override {}
    void row(const std::vector<export_value>& v) override {
        got.push_back(std::get<std::string>(v[column]));
    }
    void end() override {}
    std::size_t column;
    std::vector<std::string> got;
};

}  // namespace

TEST_SUITE("storage") {
    STORE_CONTRACT("a message with a gateway id is processed once, retries get the first replies") {
        auto st = s.open(fast_options());
        int calls = 0;
        auto counting = [&calls](const engine::contact_state& c, engine::registrar& r) {
            ++calls;
            return echo_turn(c, r, "halo", 100);
        };
        auto first = process(*st, sms("0812-3456-7890", "halo", 100, "SM1"), counting);
        auto second = process(*st, sms("+62 812 3456 7890", "halo", 101, "SM1"), counting);
        auto third = process(*st, sms("6281234567890", "halo", 102, "SM1"), counting);
        CHECK(calls == 1);
        CHECK_FALSE(first.duplicate);
        CHECK(second.duplicate);
        CHECK(third.duplicate);
        CHECK(first.contact == "+6281234567890");
        REQUIRE(first.replies.size() == 1);
        CHECK(texts(second) == texts(first));
        CHECK(third.replies[0].message_id == first.replies[0].message_id);
        CHECK(third.replies[0].message.body == "echo");
        REQUIRE(third.replies[0].message.options.size() == 2);
        CHECK(third.replies[0].message.options[1].label == "Tidak");
        // The same id on another channel is another message.
        auto other = process(*st, sms("6281234567890", "halo", 103, "SM1", false, "wa"), counting);
        CHECK_FALSE(other.duplicate);
        CHECK(calls == 2);
        auto contact = st->load_contact("081234567890");
        REQUIRE(contact);
        CHECK(contact->session.variables["turns"] == "2");
    }

    // A retry while its contact is in the SQLite writer's cache must still change nothing and
    // get the first replies.
    STORE_CONTRACT("a retry submitted while its contact is cached is answered once, from the log") {
        auto st = s.open(fast_options());
        auto say = [&](const test_message& m, const std::string& reply) {
            return submitted(*st, m, echo(reply, m.message.received_at));
        };
        auto first = say(sms("081234567890", "halo", 100, "SM9"), "pertama");
        auto retry = say(sms("081234567890", "halo", 101, "SM9"), "kedua");
        auto next = say(sms("081234567890", "lagi", 102, "SM10"), "ketiga");
        auto late_retry = say(sms("081234567890", "halo", 103, "SM9"), "keempat");
        CHECK_FALSE(first.duplicate);
        CHECK(retry.duplicate);
        CHECK_FALSE(next.duplicate);
        CHECK(late_retry.duplicate);
        CHECK(texts(first) == std::vector<std::string>{"echo: pertama"});
        CHECK(texts(retry) == texts(first));
        CHECK(texts(late_retry) == texts(first));
        CHECK(texts(next) == std::vector<std::string>{"echo: ketiga"});
        // Two turns happened, not four.
        auto contact = st->load_contact("081234567890");
        REQUIRE(contact);
        CHECK(contact->session.variables["turns"] == "2");
    }

    STORE_CONTRACT(
        "looking up and cancelling a registration: what the database says, each turn once") {
        auto st = s.open(fast_options());
        std::atomic<int> turns{0};
        engine::unix_seconds at = 100;
        auto say = [&](const std::string& from, const std::string& text) {
            turns = 0;
            const auto now = at++;
            auto turn = [&, text, now](const engine::contact_state& state, engine::registrar& r) {
                ++turns;
                return echo_turn(state, r, text, now);
            };
            return texts(submitted(*st, sms(from, text, now, "SM" + std::to_string(now)), turn));
        };
        using lines = std::vector<std::string>;
        CHECK(say("081200000001", "DAFTAR K 1") == lines{"K-0001 registered"});
        CHECK(say("081200000001", "STATUS K") == lines{"status K-0001 registered"});
        CHECK(turns == 1);
        CHECK(say("081200000001", "BATAL K") == lines{"batal K-0001"});
        CHECK(turns == 1);
        CHECK(say("081200000001", "STATUS K") == lines{"status K-0001 cancelled"});
        CHECK(say("081200000001", "BATAL K") == lines{"batal "});
        // The cancellation reached the database: the only seat is free again.
        CHECK(say("081200000002", "DAFTAR K 1") == lines{"K-0002 registered"});
        CHECK(say("081200000001", "DAFTAR K 1") == lines{"K-0003 waitlisted"});
        CHECK(say("081200000001", "STATUS K") == lines{"status K-0003 waitlisted"});
        CHECK(turns == 1);
        CHECK(say("081200000002", "STATUS L") == lines{"status  none"});
        CHECK(turns == 1);
        CHECK(say("081200000002", "STATUS L") == lines{"status  none"});
        CHECK(turns == 1);
    }

    STORE_CONTRACT(
        "without ids, identical text within the window is a duplicate until Sapa sends") {
        auto st = s.open(fast_options());  // window: 30 s
        // Inline replies: a retry means the gateway never got them, so they do not clear.
        auto a = process(*st, sms("081111111111", "YA", 1000), echo("YA", 1000));
        auto b = process(*st, sms("081111111111", "YA", 1010), echo("YA", 1010));
        CHECK_FALSE(a.duplicate);
        CHECK(b.duplicate);
        CHECK(texts(b) == texts(a));
        // After the window it is a new answer.
        auto c = process(*st, sms("081111111111", "YA", 1031), echo("YA", 1031));
        CHECK_FALSE(c.duplicate);
        // A different message and its reply (a send) clear the window.
        process(*st, sms("081111111111", "TIDAK", 1032), echo("TIDAK", 1032));
        auto d = process(*st, sms("081111111111", "YA", 1033), echo("YA", 1033));
        CHECK_FALSE(d.duplicate);
        // Another contact's identical text is not a duplicate.
        auto e = process(*st, sms("082222222222", "YA", 1034), echo("YA", 1034));
        CHECK_FALSE(e.duplicate);

        // Replies by API: duplicate while the reply waits in the queue...
        auto f = process(*st, sms("083333333333", "1", 2000, "", true), echo("1", 2000));
        auto g = process(*st, sms("083333333333", "1", 2001, "", true), echo("1", 2001));
        CHECK(g.duplicate);
        // ...and a new answer once it was sent.
        auto jobs = st->claim_outbound("sms", 2002, 10);
        REQUIRE(jobs.size() == 1);
        st->complete_outbound(jobs[0].id, "P1", 2002);
        auto h = process(*st, sms("083333333333", "1", 2003, "", true), echo("1", 2003));
        CHECK_FALSE(h.duplicate);
        CHECK(st->load_contact("083333333333")->session.variables["turns"] == "2");
    }

    STORE_CONTRACT("messages are processed in arrival order, callbacks after commit, in order") {
        // FULL too: then the callbacks wait for the log's fsync on the acknowledger thread.
        for (auto sync : {sqlite_options::sync::normal, sqlite_options::sync::full}) {
            {
                CAPTURE(sync == sqlite_options::sync::full);
                auto options = fast_options();
                options.synchronous = sync;
                options.max_batch = 16;
                options.max_batch_wait = std::chrono::microseconds{500};
                auto st = s.open(options);
                constexpr int per_contact = 60;
                const std::vector<std::string> contacts = {
                    "081100000001", "081100000002", "wa-user"};
                latch all(per_contact * 3);
                std::mutex mutex;
                std::vector<int> completion;
                for (int i = 0; i < per_contact; ++i) {
                    for (std::size_t c = 0; c < contacts.size(); ++c) {
                        int n = i * 3 + static_cast<int>(c);
                        submit(
                            *st,
                            sms(contacts[c], std::to_string(i), 10 + i, "id" + std::to_string(n)),
                            echo(std::to_string(i), 10 + i),
                            [&, n](outcome_or_error r) {
                                CHECK(r.has_value());
                                std::lock_guard lock(mutex);
                                completion.push_back(n);
                                all.count_down();
                            });
                    }
                }
                all.wait();
                for (std::size_t i = 0; i < completion.size(); ++i)
                    CHECK(completion[i] == static_cast<int>(i));
                std::string expected;
                for (int i = 0; i < per_contact; ++i)
                    expected += (i ? "," : "") + std::to_string(i);
                for (const auto& c : contacts) {
                    auto state = st->load_contact(c);
                    REQUIRE(state);
                    CHECK(state->session.variables["log"] == expected);
                }
                CHECK(st->load_contact("wa-user")->address == "wa-user");
            }
        }
    }

    STORE_CONTRACT("a callback that calls the store back is refused instead of deadlocking") {
        if (!s.threaded) return;  // callbacks on the store's own threads
        for (auto sync : {sqlite_options::sync::normal, sqlite_options::sync::full}) {
            {
                auto options = fast_options();
                options.synchronous = sync;
                auto st = s.open(options);
                latch done(1);
                bool refused = false;
                submit(*st,
                       sms("081100000001", "halo", 10),
                       echo("halo", 10),
                       [&](outcome_or_error r) {
                           CHECK(r.has_value());
                           try {
                               (void)st->load_contact("081100000001");
                           } catch (const std::logic_error&) {
                               refused = true;
                           }
                           done.count_down();
                       });
                done.wait();
                CHECK(refused);
                // And the store still works afterwards.
                CHECK(st->load_contact("081100000001").has_value());
            }
        }
    }

    STORE_CONTRACT("with a callback runner, submit's callbacks go to it in groups, in order") {
        if (!s.threaded) return;  // the store's own threads and batches
        for (auto sync : {sqlite_options::sync::normal, sqlite_options::sync::full}) {
            {
                CAPTURE(sync == sqlite_options::sync::full);
                // The runner only keeps what it is given, as a busy io_context would for a while.
                std::mutex mutex;
                std::vector<std::function<void()>> groups;
                auto options = fast_options();
                options.synchronous = sync;
                options.run_callbacks = [&](std::function<void()> group) {
                    std::lock_guard lock(mutex);
                    groups.push_back(std::move(group));
                };
                auto st = s.open(options);
                constexpr int messages = 40;
                std::atomic<int> called{0};
                std::vector<int> order;
                for (int n = 0; n < messages; ++n) {
                    submit(*st,
                           sms("081100000001", std::to_string(n), 10 + n, "r" + std::to_string(n)),
                           echo(std::to_string(n), 10 + n),
                           [&, n](outcome_or_error r) {
                               CHECK(r.has_value());
                               order.push_back(n);  // groups run one after another below
                               ++called;
                           });
                }
                // A blocking call's callback does not go to the runner: it returns although the
                // runner runs nothing, and it sees every message submitted before it.
                auto state = st->load_contact("081100000001");
                REQUIRE(state);
                CHECK(state->session.variables["turns"] == std::to_string(messages));
                CHECK(called == 0);
                std::vector<std::function<void()>> taken;
                {
                    std::lock_guard lock(mutex);
                    taken.swap(groups);
                }
                CHECK(!taken.empty());
                CHECK(taken.size() <= static_cast<std::size_t>(messages));
                for (auto& group : taken)
                    group();
                CHECK(called == messages);
                REQUIRE(order.size() == static_cast<std::size_t>(messages));
                for (int n = 0; n < messages; ++n)
                    CHECK(order[static_cast<std::size_t>(n)] == n);
            }
        }
    }

    // Moderate load: a lone message after a small batch waits (at most max_batch_wait) for
    // others to share its transaction. Heavy load: after a big batch nothing waits.
    STORE_CONTRACT("after a small batch the writer waits for more, after a big one it does not") {
        if (!s.threaded) return;  // the store's own threads and batches
        {
            auto options = fast_options();
            options.max_batch_wait = std::chrono::milliseconds(300);
            auto st = s.open(options);
            using clock = std::chrono::steady_clock;
            auto lone = [&](const std::string& id) {
                auto start = clock::now();
                process(*st, sms("081400000001", "halo", 10, id), echo("halo", 10));
                return clock::now() - start;
            };
            const auto waited = std::chrono::milliseconds(250);
            CHECK(lone("w1") >= waited);  // nothing before it: a small batch
            // Sixteen at once end the wait as soon as they are queued.
            auto start = clock::now();
            latch sixteen(16);
            for (int i = 0; i < 16; ++i) {
                submit(
                    *st,
                    sms("0814100000" + std::to_string(10 + i), "halo", 11, "b" + std::to_string(i)),
                    echo("halo", 11),
                    [&](outcome_or_error r) {
                        CHECK(r.has_value());
                        sixteen.count_down();
                    });
            }
            sixteen.wait();
            CHECK(clock::now() - start < waited);
            CHECK(lone("w2") < waited);   // right after a big batch
            CHECK(lone("w3") >= waited);  // after a small one again
        }
    }

    STORE_CONTRACT("two residents racing for the last seat: one registered, one waitlisted") {
        auto options = fast_options();
        options.max_batch_wait = std::chrono::microseconds{2000};  // both in one batch
        auto st = s.open(options);
        process(*st, sms("081200000001", "DAFTAR JHT 2", 10, "a"), echo("DAFTAR JHT 2", 10));
        latch both(2);
        std::map<std::string, std::string> replies;
        std::mutex mutex;
        for (const auto* who : {"081200000002", "081200000003"}) {
            submit(*st,
                   sms(who, "DAFTAR JHT 2", 20, std::string("b") + who),
                   echo("DAFTAR JHT 2", 20),
                   [&, who](outcome_or_error r) {
                       std::lock_guard lock(mutex);
                       if (r && !r->replies.empty()) replies[who] = r->replies[0].message.text;
                       both.count_down();
                   });
        }
        both.wait();
        CHECK(replies["081200000002"] == "JHT-0002 registered");
        CHECK(replies["081200000003"] == "JHT-0003 waitlisted");
        // Registering again returns the existing record.
        auto again =
            process(*st, sms("081200000003", "DAFTAR JHT 2", 30, "c"), echo("DAFTAR JHT 2", 30));
        CHECK(again.replies.at(0).message.text == "JHT-0003 waitlisted");
        // A cancelled seat goes to the first of the waitlist; codes keep counting.
        auto cancel =
            process(*st, sms("081200000001", "BATAL JHT", 40, "d"), echo("BATAL JHT", 40));
        CHECK(cancel.replies.at(0).message.text == "batal JHT-0001");
        REQUIRE(cancel.promotions.size() == 1);
        CHECK(cancel.promotions[0].promoted.contact == "+6281200000003");
        CHECK(cancel.promotions[0].promoted.record.code == "JHT-0003");
        auto late =
            process(*st, sms("081200000004", "DAFTAR JHT 2", 50, "e"), echo("DAFTAR JHT 2", 50));
        CHECK(late.replies.at(0).message.text == "JHT-0004 waitlisted");
    }

    STORE_CONTRACT("staff confirm, mark attended and promote: kept as text, seats, funnel") {
        auto st = s.open(fast_options());
        const unix_seconds day1 = 1767225600;  // 2026-01-01 07:00 WIB
        auto with_registrar = [&](auto fn) {
            st->run([&](transaction& tx) {
                engine::registrar r(tx.registrations(), true);
                fn(r);
            });
        };
        with_registrar([&](engine::registrar& r) {
            for (const auto* who : {"+6281100000001", "+6281100000002", "+6281100000003"})
                r.register_contact(who, "K", "K", 2, {}, day1);
        });
        engine::status_change confirmed, attended, promoted, refused;
        with_registrar([&](engine::registrar& r) {
            confirmed = r.confirm_code("K", "K-0001", day1 + 10);
            attended = r.mark_attended_code("K", "K-0002", day1 + 86400);
            refused = r.confirm_code("K", "K-0003", day1 + 86400);  // waitlisted
        });
        CHECK(confirmed.changed);
        CHECK(attended.changed);
        CHECK(refused.refused == engine::change_refusal::is_waitlisted);
        // Two seats held (confirmed, attended): a newcomer waits, behind K-0003.
        engine::registration_record late;
        with_registrar([&](engine::registrar& r) {
            late = r.register_contact("+6281100000004", "K", "K", 2, {}, day1 + 86400);
            CHECK(r.find("+6281100000001", "K").status == engine::registration_status::confirmed);
            CHECK(r.find("+6281100000002", "K").position == 2);
        });
        CHECK(late.status == engine::registration_status::waitlisted);
        CHECK(late.position == 2);
        with_registrar([&](engine::registrar& r) {
            promoted = r.promote_code("K", "K-0004", day1 + 86400);
            CHECK(r.promotions().size() == 1);
        });
        CHECK(promoted.entry.record.status == engine::registration_status::registered);
        CHECK(promoted.entry.record.position == 3);
        with_registrar([&](engine::registrar& r) {
            CHECK(r.find("+6281100000003", "K").position == 1);
            // Cancelling the confirmed seat moves K-0003 up; seats count in order of joining.
            r.cancel_code("K", "K-0001", day1 + 86400);
            REQUIRE(r.promotions().size() == 1);
            CHECK(r.promotions()[0].record.code == "K-0003");
            CHECK(r.promotions()[0].record.position == 2);
            CHECK(r.find("+6281100000004", "K").position == 3);
        });

        std::ostringstream out;
        json_writer w(out, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        CHECK(st->export_rows(export_kind::registrations, {}, w).rows == 4);
        const auto text = out.str();
        CHECK(text.find(R"("code":"K-0001","course":"K","status":"cancelled")") !=
              std::string::npos);
        CHECK(text.find(R"("code":"K-0002","course":"K","status":"attended")") !=
              std::string::npos);
        CHECK(text.find(R"("code":"K-0004","course":"K","status":"registered")") !=
              std::string::npos);

        // A segment of the registered (a course reminder) holds every seat; the others match
        // their status exactly.
        st->run([&](transaction& tx) {
            auto members = [&](engine::registration_status status) {
                std::vector<std::string> out;
                segment seg;
                seg.course = "K";
                seg.status = status;
                for (const auto& m : tx.select_contacts(seg, 0, 10))
                    out.push_back(m.address);
                return out;
            };
            CHECK(members(engine::registration_status::registered) ==
                  std::vector<std::string>{"+6281100000002", "+6281100000003", "+6281100000004"});
            CHECK(members(engine::registration_status::attended) ==
                  std::vector<std::string>{"+6281100000002"});
            CHECK(members(engine::registration_status::confirmed).empty());
        });

        // The funnel's attended: on the day staff marked it (WIB), from `since` on.
        auto rows = st->funnel({.since = day1,
                                .utc_offset_minutes = 420,
                                .warning_node = "/ilegal_",
                                .signup_node = "/daftar",
                                .limit = 10});
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].day == "2026-01-02");
        CHECK(rows[0].attended == 1);
        CHECK(rows[0].registered == 0);
        CHECK(st->funnel({.since = day1 + 86401,
                          .utc_offset_minutes = 420,
                          .warning_node = "/ilegal_",
                          .signup_node = "/daftar",
                          .limit = 10})
                  .empty());
    }

    STORE_CONTRACT("an engine failure fails only its message, the batch's others are stored") {
        auto options = fast_options();
        options.max_batch_wait = std::chrono::microseconds{5000};
        auto st = s.open(options);
        latch three(3);
        std::vector<outcome_or_error> results(3);
        const char* words[] = {"satu", "GAGAL", "tiga"};
        for (int i = 0; i < 3; ++i) {
            submit(*st,
                   sms("081300000001", words[i], 10 + i, "f" + std::to_string(i)),
                   echo(words[i], 10 + i),
                   [&, i](outcome_or_error r) {
                       results[static_cast<std::size_t>(i)] = std::move(r);
                       three.count_down();
                   });
        }
        three.wait();
        CHECK(results[0].has_value());
        REQUIRE(results[1].has_error());
        CHECK(results[1].error() == errc::work_failed);
        CHECK(results[2].has_value());
        CHECK(st->load_contact("081300000001")->session.variables["log"] == "satu,tiga");
        // The failed message left nothing behind: a retry runs it again.
        int calls = 0;
        process(*st,
                sms("081300000001", "GAGAL", 20, "f1"),
                [&calls](const engine::contact_state& c, engine::registrar& r) {
                    ++calls;
                    return echo_turn(c, r, "lagi", 20);
                });
        CHECK(calls == 1);
        // A failed unit run by run() reports the unit's own words.
        try {
            st->run([](transaction&) { throw std::runtime_error("exploded on purpose"); });
            FAIL("no exception");
        } catch (const boost::system::system_error& e) {
            CHECK(e.code() == errc::work_failed);
            CHECK(std::string(e.what()).find("exploded on purpose") != std::string::npos);
        }
    }

    TEST_CASE("an unusable address is refused before anything runs") {
        auto st = sqlite_store::open(":memory:", fast_options());
        bool called = false;
        submit(*st, sms("   ", "halo", 1), echo("halo", 1), [&called](outcome_or_error r) {
            called = true;
            CHECK(r.error() == app::errc::invalid_address);
        });
        CHECK(called);
        CHECK_THROWS_AS(process(*st, sms("", "halo", 1), echo("halo", 1)),
                        boost::system::system_error);
    }

    STORE_CONTRACT("delivery status only moves forward, unknown provider ids are ignored") {
        auto st = s.open(fast_options());
        for (int i = 0; i < 3; ++i) {
            process(*st, sms("08140000000" + std::to_string(i), "x", 10, "", true), echo("x", 10));
        }
        auto jobs = st->claim_outbound("sms", 11, 10);
        REQUIRE(jobs.size() == 3);
        for (const auto& j : jobs)
            st->complete_outbound(j.id, "P" + std::to_string(j.id), 12);
        auto p = [&](std::size_t i) { return "P" + std::to_string(jobs[i].id); };
        using ds = delivery_status;
        CHECK(update_delivery(*st, "sms", p(0), ds::delivered, "3", "", 13));
        CHECK_FALSE(update_delivery(*st, "sms", p(0), ds::sent, "2", "", 14));
        CHECK(update_delivery(*st, "sms", p(0), ds::read, "4", "", 15));
        CHECK_FALSE(update_delivery(*st, "sms", p(0), ds::delivered, "3", "", 16));
        CHECK_FALSE(update_delivery(*st, "sms", p(0), ds::failed, "30008", "x", 17));
        CHECK(update_delivery(*st, "sms", p(1), ds::failed, "30003", "handset off", 13));
        CHECK_FALSE(update_delivery(*st, "sms", p(1), ds::delivered, "", "", 14));
        CHECK_FALSE(update_delivery(*st, "sms", "nope", ds::delivered, "", "", 14));
        CHECK_FALSE(update_delivery(*st, "wa", p(2), ds::delivered, "", "", 14));

        std::ostringstream out;
        json_writer w(out, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        st->export_rows(export_kind::conversations, {}, w);
        auto text = out.str();
        CHECK(text.find(R"("status":"read","status_code":"4")") != std::string::npos);
        CHECK(
            text.find(R"("status":"failed","status_code":"30003","status_reason":"handset off")") !=
            std::string::npos);
    }

    STORE_CONTRACT("outbound jobs: leased once, one per contact in order, resumed after a crash") {
        if (!s.reopen) return;  // nothing to resume from
        auto options = fast_options();
        options.outbound_lease = 60;
        {
            auto st = s.open(options);
            process(*st, sms("081500000001", "a", 100, "q1", true), echo("a", 100));
            process(*st, sms("081500000001", "b", 101, "q2", true), echo("b", 101));
            process(*st, sms("081500000002", "c", 102, "q3", true), echo("c", 102));
            // Inline replies never enter the queue.
            process(*st, sms("081500000003", "d", 103, "q4", false), echo("d", 103));

            auto first = st->claim_outbound("sms", 110, 10);
            REQUIRE(first.size() == 2);  // one per contact
            CHECK(first[0].contact == "+6281500000001");
            CHECK(first[0].message.text == "echo: a");
            CHECK(first[0].message.options.size() == 2);
            CHECK(first[1].contact == "+6281500000002");
            CHECK(st->claim_outbound("sms", 120, 10).empty());  // leased
            CHECK(st->claim_outbound("wa", 120, 10).empty());

            st->retry_outbound(first[0].id, 150, "timeout");
            CHECK(st->claim_outbound("sms", 140, 10).empty());  // "b" waits behind "a"
            auto again = st->claim_outbound("sms", 150, 10);
            REQUIRE(again.size() == 1);
            CHECK(again[0].id == first[0].id);
            CHECK(again[0].attempts == 1);
            st->complete_outbound(again[0].id, "PA", 151);
            auto next = st->claim_outbound("sms", 152, 10);
            REQUIRE(next.size() == 1);
            CHECK(next[0].message.text == "echo: b");
            st->fail_outbound(next[0].id, "131026", "not a WhatsApp number", 153);
            // first[1] ("c") is still leased, until 170, when the process "crashes" here.
        }
        {
            auto st = s.reopen(options);
            CHECK(st->claim_outbound("sms", 160, 10).empty());  // lease still running
            auto resumed = st->claim_outbound("sms", 171, 10);  // lease over
            REQUIRE(resumed.size() == 1);
            CHECK(resumed[0].message.text == "echo: c");
        }
        if (s.releases_leases_on_open) {
            auto o = options;
            o.release_leases_on_open = true;  // the sending process restarts
            auto st = s.reopen(o);
            auto resumed = st->claim_outbound("sms", 172, 10);
            REQUIRE(resumed.size() == 1);
            CHECK(resumed[0].message.text == "echo: c");
            st->complete_outbound(resumed[0].id, "PC", 173);
            CHECK(st->claim_outbound("sms", 1000, 10).empty());
        }
    }

    STORE_CONTRACT(
        "outbound claims put replies first, and a reply passes a deferred proactive job") {
        auto st = s.open(fast_options());
        // Sapa speaks first to A (whose contacts row says it lives in WITA) and to B.
        const std::string a = "+6281600000001", b = "+6281600000002", c = "+6281600000003";
        st->run([&](transaction& tx) {
            auto ka = tx.add_contact(a, 90);
            auto state = std::make_shared<engine::contact_state>(*ka.state);
            state->fields["timezone"] = "Asia/Makassar";
            tx.save_contact(ka, state, 90);
            auto kb = tx.add_contact(b, 90);
            tx.log_outbound({"sms", ka.id, 0, {"hello A", "hello A", {}}, route::api, 100});
            tx.log_outbound({"sms", kb.id, 0, {"hello B", "hello B", {}}, route::api, 101});
        });
        process(*st, sms(c, "c", 102, "rc", true), echo("c", 102));

        auto first = st->claim_outbound("sms", 110, 2);
        REQUIRE(first.size() == 2);
        CHECK(first[0].message.text == "echo: c");  // the reply, though queued last
        CHECK(first[0].reply_to != 0);
        CHECK(first[1].message.text == "hello A");
        CHECK(first[1].reply_to == 0);
        CHECK(first[1].time_zone == "Asia/Makassar");
        CHECK(first[0].time_zone.empty());
        CHECK(first[0].last_inbound_at == 102);  // C wrote on this channel then
        CHECK(first[1].last_inbound_at == 0);    // A never wrote

        // A's message is held for quiet hours; A writes meanwhile and is answered at once.
        st->defer_outbound(first[1].id, 200, "quiet hours: held until 07:00 WITA");
        process(*st, sms(a, "a", 111, "ra", true), echo("a", 111));
        auto second = st->claim_outbound("sms", 112, 10);
        REQUIRE(second.size() == 2);
        CHECK(second[0].message.text == "echo: a");
        CHECK(second[1].message.text == "hello B");
        CHECK(second[0].last_inbound_at == 111);
        for (const auto& j : second)
            st->complete_outbound(j.id, "P" + std::to_string(j.id), 113);
        st->complete_outbound(first[0].id, "PC", 113);
        CHECK(st->claim_outbound("sms", 150, 10).empty());  // A's message waits for its time
        auto later = st->claim_outbound("sms", 200, 10);
        REQUIRE(later.size() == 1);
        CHECK(later[0].message.text == "hello A");
        CHECK(later[0].attempts == 0);  // a deferral is not a failed attempt
        CHECK(later[0].last_inbound_at == 111);
    }

    STORE_CONTRACT("a queued message keeps its WhatsApp template, and forget erases it") {
        auto st = s.open(fast_options());
        messaging::outbound_message m{"Kelas besok", "Kelas besok", {}};
        m.fallback_template = messaging::message_template{"kelas", "id", {"Ani", "Senin"}};
        st->run([&](transaction& tx) {
            auto k = tx.add_contact("+6281600000021", 100);
            tx.log_outbound({"wa", k.id, 0, m, route::api, 100});
        });
        auto jobs = st->claim_outbound("wa", 101, 10);
        REQUIRE(jobs.size() == 1);
        CHECK(jobs[0].message == m);
        st->retry_outbound(jobs[0].id, 102, "timeout");
        CHECK(st->forget("+6281600000021", 103).messages == 1);
        CHECK(st->claim_outbound("wa", 200, 10).empty());
    }

    STORE_CONTRACT("a job whose send began and never finished comes back in doubt") {
        if (!s.reopen || !s.releases_leases_on_open) return;  // nothing outlives the store
        auto options = fast_options();
        std::int64_t proactive = 0;
        {
            auto st = s.open(options);
            process(*st, sms("081500000021", "a", 100, "d1", true), echo("a", 100));
            st->run([&](transaction& tx) {
                auto c = tx.add_contact("+6281500000022", 100);
                proactive =
                    tx.log_outbound({"sms", c.id, 0, {"Kelas besok", "", {}}, route::api, 100});
            });
            auto jobs = st->claim_outbound("sms", 110, 10);
            REQUIRE(jobs.size() == 2);
            CHECK(jobs[0].reply_to != 0);  // a reply
            CHECK(jobs[1].id == proactive);
            CHECK(jobs[1].reply_to == 0);
            CHECK(jobs[1].in_doubt_since == 0);
            st->begin_outbound_attempt(jobs[0].id, 111);
            st->retry_outbound(jobs[0].id, 112, "timeout");  // an outcome: no longer in doubt
            st->begin_outbound_attempt(proactive, 113);
            // The process dies here, mid-send.
        }
        auto o = options;
        o.release_leases_on_open = true;
        auto st = s.reopen(o);
        auto jobs = st->claim_outbound("sms", 120, 10);
        REQUIRE(jobs.size() == 2);
        CHECK(jobs[0].in_doubt_since == 0);
        CHECK(jobs[1].id == proactive);
        CHECK(jobs[1].in_doubt_since == 113);
        st->complete_outbound(proactive, "SM1", 121);
        st->fail_outbound(jobs[0].id, "x", "y", 121);
        CHECK(st->claim_outbound("sms", 200, 10).empty());
    }

    STORE_CONTRACT("the outbound backlog counts unfinished jobs per channel and the oldest one") {
        auto st = s.open(fast_options());
        CHECK(st->outbound_backlog().empty());
        process(*st, sms("081500000011", "a", 100, "b1", true), echo("a", 100));
        process(*st, sms("081500000012", "b", 101, "b2", true), echo("b", 101));
        process(*st, sms("081500000013", "c", 105, "b3", true, "wa"), echo("c", 105));
        // Inline replies are never in the queue.
        process(*st, sms("081500000014", "d", 90, "b4", false), echo("d", 90));
        auto backlog = st->outbound_backlog();
        REQUIRE(backlog.size() == 2);
        CHECK(backlog[0].channel == "sms");
        CHECK(backlog[0].jobs == 2);
        CHECK(backlog[0].oldest_created_at == 100);
        CHECK(backlog[1].channel == "wa");
        CHECK(backlog[1].jobs == 1);
        CHECK(backlog[1].oldest_created_at == 105);
        // Leased jobs are still unfinished; finished ones are gone.
        auto jobs = st->claim_outbound("sms", 110, 10);
        REQUIRE(jobs.size() == 2);
        CHECK(st->outbound_backlog()[0].jobs == 2);
        st->complete_outbound(jobs[0].id, "P1", 111);
        st->fail_outbound(jobs[1].id, "131026", "not on WhatsApp", 111);
        backlog = st->outbound_backlog();
        REQUIRE(backlog.size() == 1);
        CHECK(backlog[0].channel == "wa");
    }

    TEST_CASE("the SQLite store reports each durable group commit to its observer") {
        std::mutex mutex;
        std::vector<commit_report> reports;
        auto options = fast_options();
        options.on_commit = [&](const commit_report& r) {
            std::lock_guard lock(mutex);
            reports.push_back(r);
        };
        auto st = sqlite_store::open(":memory:", options);
        for (int i = 0; i < 3; ++i)
            process(*st, sms("08150000002" + std::to_string(i), "x", 10), echo("x", 10));
        st.reset();  // every callback has run
        std::size_t units = 0;
        for (const auto& r : reports) {
            CHECK(r.units >= 1);
            CHECK(r.latency.count() >= 0);
            units += r.units;
        }
        CHECK(units >= 3);
    }

    STORE_CONTRACT("state survives a restart, opt-out time and fields are kept") {
        if (!s.reopen) return;  // nothing survives
        {
            auto st = s.open(fast_options());
            process(*st, sms("081600000001", "satu", 10), echo("satu", 10));
            process(*st, sms("081600000001", "DAFTAR K 5", 11), echo("DAFTAR K 5", 11));
            process(*st, sms("081600000001", "STOP", 12), echo("STOP", 12));
        }
        auto st = s.reopen(fast_options());
        auto c = st->load_contact("+6281600000001");
        REQUIRE(c);
        CHECK(c->opted_out);
        CHECK(c->fields["nama"] == "Siti");
        CHECK(c->session.variables["log"] == "satu,DAFTAR K 5,STOP");
        REQUIRE(c->session.stack.size() == 1);
        CHECK(c->session.stack[0].node_id == "node");
        CHECK_FALSE(st->load_contact("081699999999"));
        std::ostringstream out;
        json_writer w(out, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        st->export_rows(export_kind::contacts, {}, w);
        CHECK(out.str().find(R"("opted_out_at":"1970-01-01T00:00:12Z")") != std::string::npos);
    }

    STORE_CONTRACT("forget erases personal data and keeps anonymous counts") {
        auto st = s.open(fast_options());
        process(*st, sms("081700000001", "nama saya Siti", 10, "g1"), echo("nama saya Siti", 10));
        process(*st, sms("081700000001", "DAFTAR K 5", 11, "g2"), echo("DAFTAR K 5", 11));
        process(*st, sms("081700000002", "halo", 12, "g3"), echo("halo", 12));

        auto counts = st->forget("0817-0000-0001", 20);
        CHECK(counts.contacts == 1);
        CHECK(counts.messages == 4);  // two in, two out
        CHECK(counts.registrations == 1);
        CHECK(counts.events == 2);
        CHECK_FALSE(st->load_contact("081700000001"));
        CHECK(st->forget("081700000001", 21).contacts == 0);  // already gone

        std::ostringstream out;
        json_writer w(out, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        st->export_rows(export_kind::conversations, {}, w);
        auto text = out.str();
        CHECK(text.find("Siti") == std::string::npos);
        CHECK(text.find("+6281700000001") == std::string::npos);
        CHECK(text.find("[dihapus]") != std::string::npos);
        CHECK(text.find("echo: halo") != std::string::npos);  // the other contact stays

        std::ostringstream regs;
        json_writer r(regs, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        CHECK(st->export_rows(export_kind::registrations, {}, r).rows == 1);
        CHECK(regs.str().find("3508011234567890") == std::string::npos);
        CHECK(regs.str().find(R"("code":"K-0001","course":"K","status":"registered")") !=
              std::string::npos);
        CHECK(regs.str().find(R"("contact":"anon-)") != std::string::npos);

        // A later message from the same number starts a new, empty contact.
        auto fresh = process(*st, sms("081700000001", "halo", 30, "g4"), echo("halo", 30));
        CHECK_FALSE(fresh.duplicate);
        CHECK(st->load_contact("081700000001")->session.variables["turns"] == "1");
    }

    STORE_CONTRACT("requests export lists handoffs and erasures with words and status") {
        auto st = s.open(fast_options());
        process(*st,
                sms("081900000001", "ada calo di desa", 100, "r1"),
                asking(engine::event_kind::handoff_requested, "ada calo di desa", 100));
        process(*st, sms("081900000002", "halo", 150, "r2"), echo("halo", 150));
        process(*st,
                sms("081900000002", "hapus data saya", 200, "r3"),
                asking(engine::event_kind::erase_requested, "", 200));
        process(*st,
                sms("081900000003", "kapan mulai?", 300, "r4"),
                asking(engine::event_kind::handoff_requested, "kapan mulai?", 300));

        const auto exported = [&](const export_filter& f) {
            std::ostringstream out;
            json_writer w(out,
                          {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
            auto rows = st->export_rows(export_kind::requests, f, w).rows;
            return std::pair{rows, out.str()};
        };
        auto [rows, text] = exported({});
        CHECK(rows == 3);
        CHECK(text.find(R"({"id":2,"time":"1970-01-01T00:01:40Z","contact":"+6281900000001",)"
                        R"("request":"handoff","words":"ada calo di desa",)"
                        R"("node":"t/petugas","status":"open","done_at":null})") !=
              std::string::npos);
        // An erasure's words are the message that asked.
        CHECK(text.find(R"("request":"erase","words":"hapus data saya","node":"t/petugas",)"
                        R"("status":"open","done_at":null})") != std::string::npos);
        CHECK(exported({.since = 250, .course = {}, .contact = {}}).first == 1);
        CHECK(exported({.since = {}, .course = {}, .contact = "+6281900000002"}).first == 1);

        // Done once the contact is forgotten; the words are gone with the rest.
        CHECK(st->forget("+6281900000002", 400).contacts == 1);
        std::tie(rows, text) = exported({});
        CHECK(rows == 3);
        CHECK(text.find("hapus data saya") == std::string::npos);
        CHECK(text.find(R"("request":"erase","words":"[dihapus]","node":"t/petugas",)"
                        R"("status":"done","done_at":"1970-01-01T00:06:40Z"})") !=
              std::string::npos);
        CHECK(text.find(R"("words":"kapan mulai?","node":"t/petugas","status":"open",)") !=
              std::string::npos);

        // Staff mark a handoff done; only requests can be marked, the first time stays.
        CHECK(st->mark_request_done(2, 500));
        CHECK(st->mark_request_done(2, 600));
        CHECK_FALSE(st->mark_request_done(1, 500));  // an answer, not a request
        CHECK_FALSE(st->mark_request_done(99, 500));
        CHECK_FALSE(st->mark_request_done(0, 500));
        std::tie(rows, text) = exported({});
        CHECK(text.find(R"("words":"ada calo di desa","node":"t/petugas","status":"done",)"
                        R"("done_at":"1970-01-01T00:08:20Z"})") != std::string::npos);
        CHECK(text.find(R"("words":"kapan mulai?","node":"t/petugas","status":"open",)") !=
              std::string::npos);
    }

    STORE_CONTRACT("staff accounts are added once and found by name") {
        auto st = s.open(fast_options());
        CHECK_FALSE(st->find_staff("ani"));
        auto id = st->add_staff({0, "ani", "$argon2id$hash", "admin", 100});
        CHECK(id > 0);
        CHECK(st->add_staff({0, "ani", "$argon2id$other", "viewer", 200}) == 0);
        auto second = st->add_staff({0, "budi", "$argon2id$b", "viewer", 300});
        CHECK(second > id);
        auto ani = st->find_staff("ani");
        REQUIRE(ani);
        CHECK(ani->id == id);
        CHECK(ani->password_hash == "$argon2id$hash");  // the first one stays
        CHECK(ani->role == "admin");
        CHECK(ani->created_at == 100);
        CHECK_FALSE(st->find_staff("Ani"));
    }

    STORE_CONTRACT("staff sessions are found with their account, touched and ended") {
        auto st = s.open(fast_options());
        auto id = st->add_staff({0, "ani", "h", "staff", 100});
        CHECK_FALSE(st->find_staff_session("t1"));
        st->add_staff_session({"t1", id, "csrf1", 200, 200});
        st->add_staff_session({"t2", id, "csrf2", 210, 210});
        auto found = st->find_staff_session("t1");
        REQUIRE(found);
        CHECK(found->session.csrf_token == "csrf1");
        CHECK(found->session.created_at == 200);
        CHECK(found->account.name == "ani");
        CHECK(found->account.role == "staff");
        st->touch_staff_session("t1", 260);
        st->touch_staff_session("t1", 250);  // never backwards
        st->touch_staff_session("unknown", 250);
        CHECK(st->find_staff_session("t1")->session.last_seen_at == 260);
        CHECK(st->find_staff_session("t1")->session.created_at == 200);
        st->end_staff_session("t1");
        st->end_staff_session("t1");
        CHECK_FALSE(st->find_staff_session("t1"));
        CHECK(st->find_staff_session("t2"));

        // Stale sessions go in one sweep: idle too long, or begun too long ago.
        st->add_staff_session({"t3", id, "csrf3", 100, 400});
        st->add_staff_session({"t4", id, "csrf4", 300, 500});
        CHECK(st->end_stale_staff_sessions(250, 150) == 2);  // t2 (idle), t3 (begun at 100)
        CHECK_FALSE(st->find_staff_session("t2"));
        CHECK_FALSE(st->find_staff_session("t3"));
        CHECK(st->find_staff_session("t4"));
        CHECK(st->end_stale_staff_sessions(250, 150) == 0);
    }

    STORE_CONTRACT("the audit log keeps every staff action, newest first, page by page") {
        auto st = s.open(fast_options());
        CHECK(st->audit_log(0, 10).empty());
        std::vector<std::int64_t> ids;
        for (int i = 0; i < 5; ++i)
            ids.push_back(st->add_audit(
                {0, 100 + i, "ani", "reply", "request " + std::to_string(i), "teks"}));
        CHECK(std::is_sorted(ids.begin(), ids.end()));
        auto page = st->audit_log(0, 2);
        REQUIRE(page.size() == 2);
        CHECK(page[0].id == ids[4]);
        CHECK(page[0].at == 104);
        CHECK(page[0].staff == "ani");
        CHECK(page[0].action == "reply");
        CHECK(page[0].object == "request 4");
        CHECK(page[0].detail == "teks");
        CHECK(page[1].id == ids[3]);
        auto next = st->audit_log(page[1].id, 10);
        REQUIRE(next.size() == 3);
        CHECK(next[0].id == ids[2]);
        CHECK(next[2].id == ids[0]);
    }

    STORE_CONTRACT(
        "the overview counts the funnel per day and kecamatan and delivery per channel") {
        auto st = s.open(fast_options());
        const unix_seconds day1 = 1767225600;  // 2026-01-01 00:00 UTC, 07:00 WIB
        process(*st,
                sms("081900000001", "2", day1, "f1"),
                walk({"t/ilegal_1", "t/ilegal_2"}, false, "Tempursari", day1));
        process(*st,
                sms("081900000001", "3", day1 + 60, "f2"),
                walk({"t/daftar"}, true, "Tempursari", day1 + 60));
        process(*st,
                sms("081900000002", "2", day1 + 120, "f3"),
                walk({"t/ilegal_1"}, false, "Pasirian", day1 + 120));
        process(*st,
                sms("081900000003", "halo", day1 + 86400, "f4", true, "wa"),
                walk({}, false, "", day1 + 86400));
        process(*st,
                sms("081900000004", "halo", day1 + 86400, "f5", true, "wa"),
                walk({}, false, "", day1 + 86400));
        process(*st, sms("081900000005", "halo", 100, "old"), walk({"t/ilegal_1"}, false, "", 100));

        auto rows = st->funnel({.since = day1,
                                .utc_offset_minutes = 420,
                                .warning_node = "/ilegal_",
                                .signup_node = "/daftar",
                                .limit = 10});
        REQUIRE(rows.size() == 3);
        CHECK(rows[0].day == "2026-01-02");
        CHECK(rows[0].kecamatan == "");
        CHECK(rows[0].reached == 2);
        CHECK(rows[0].warned == 0);
        CHECK(rows[1].day == "2026-01-01");
        CHECK(rows[1].kecamatan == "pasirian");
        CHECK(rows[1].reached == 1);
        CHECK(rows[1].warned == 1);
        CHECK(rows[2].kecamatan == "tempursari");
        CHECK(rows[2].reached == 1);  // two replies, one contact
        CHECK(rows[2].warned == 1);
        CHECK(rows[2].started == 1);
        CHECK(rows[2].registered == 1);
        CHECK(rows[2].attended == 0);
        CHECK(st->funnel({.since = day1,
                          .utc_offset_minutes = 420,
                          .warning_node = "/ilegal_",
                          .signup_node = "/daftar",
                          .limit = 1})
                  .size() == 1);

        // Delivery: the wa replies wait in the queue; one fails, one is sent.
        auto jobs = st->claim_outbound("wa", day1 + 86401, 10);
        REQUIRE(jobs.size() == 2);
        st->fail_outbound(jobs[0].id, "131026", "not on WhatsApp", day1 + 86402);
        st->complete_outbound(jobs[1].id, "wamid.x", day1 + 86402);
        auto health = st->delivery(day1);
        REQUIRE(health.size() == 2);
        CHECK(health[0].channel == "sms");
        CHECK(health[0].sent == 3);
        CHECK(health[0].failed == 0);
        CHECK(health[1].channel == "wa");
        CHECK(health[1].sent == 1);
        CHECK(health[1].failed == 1);
        CHECK(health[1].waiting == 0);
        REQUIRE(health[1].top_failures.size() == 1);
        CHECK(health[1].top_failures[0].first == "not on WhatsApp");
        CHECK(health[1].top_failures[0].second == 1);
    }

    STORE_CONTRACT("an inbound message's attachments are logged, exported and forgotten") {
        auto st = s.open(fast_options());
        auto photo = sms("081900000011", "", 100, "p1");
        photo.message.attachments = {{"image", "https://api.twilio.com/m/ME1", "", "image/jpeg"},
                                     {"audio", "", "wamid-media-2", ""}};
        process(*st, photo, echo("", 100));
        std::ostringstream out;
        json_writer w(out, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        CHECK(st->export_rows(export_kind::conversations, {}, w).rows == 2);
        CHECK(out.str().find(
                  R"("media":"[{\"kind\":\"image\",\"url\":\"https://api.twilio.com/m/ME1\",)"
                  R"(\"content_type\":\"image/jpeg\"},{\"kind\":\"audio\",\"media_id\":)"
                  R"(\"wamid-media-2\"}]"})") != std::string::npos);
        // The reply has no media: its payload (buttons) is not shown there.
        CHECK(out.str().find(R"("text":"echo: ",)") != std::string::npos);
        CHECK(st->forget("081900000011", 200).messages == 2);
        std::ostringstream after;
        json_writer w2(after,
                       {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        st->export_rows(export_kind::conversations, {}, w2);
        CHECK(after.str().find("ME1") == std::string::npos);
        CHECK(after.str().find("wamid-media-2") == std::string::npos);
    }

    STORE_CONTRACT("a contact changed by another process is read again, not served from memory") {
        // The server keeps recent contacts in memory; `sapa forget` and `sapa chat --db` write
        // the same database from another process (here: a second store on it).
        if (!s.reopen) return;  // one process only
        auto server = s.open(fast_options());
        process(
            *server, sms("081700000009", "nama saya Siti", 10, "h1"), echo("nama saya Siti", 10));
        process(*server, sms("081700000009", "lagi", 11, "h2"), echo("lagi", 11));
        {
            auto cli = s.reopen(fast_options());
            CHECK(cli->forget("081700000009", 20).contacts == 1);
        }
        process(*server, sms("081700000009", "halo", 30, "h3"), echo("halo", 30));
        auto after = server->load_contact("081700000009");
        REQUIRE(after);
        CHECK(after->session.variables["turns"] == "1");
        CHECK(after->session.variables["log"] == "halo");
        // The forgotten contact stayed forgotten: its old messages were not touched again.
        std::ostringstream out;
        json_writer w(out, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        server->export_rows(export_kind::conversations, {}, w);
        CHECK(out.str().find("Siti") == std::string::npos);
    }

    STORE_CONTRACT("the text cost hook fills encoding and segments") {
        auto options = fast_options();
        options.text_cost = [](const std::string& text) {
            return message_cost{.encoding = "gsm7", .segments = static_cast<int>(text.size())};
        };
        auto st = s.open(options);
        process(*st, sms("081800000001", "abc", 10), echo("abc", 10));
        std::ostringstream out;
        json_writer w(out, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        st->export_rows(export_kind::conversations, {}, w);
        CHECK(out.str().find(R"("text":"abc","encoding":"gsm7","segments":3)") !=
              std::string::npos);
        CHECK(out.str().find(R"("text":"echo: abc","encoding":"gsm7","segments":9)") !=
              std::string::npos);
    }

    STORE_CONTRACT(
        "waitlist places and seat numbers follow the order of joining, cancels move them up") {
        auto st = s.open(fast_options());
        unix_seconds at = 10;
        auto record = [&](const std::string& who, const std::string& text) {
            const auto now = at++;
            engine::registration_record out;
            process(*st,
                    sms(who, text, now, "p" + std::to_string(now)),
                    [&, text, now](const engine::contact_state& c, engine::registrar& r) {
                        if (text == "DAFTAR")
                            out = r.register_contact(c.address, "K", "K", 1, {}, now);
                        else if (text == "BATAL")
                            out = r.cancel(c.address, "K", now);
                        else
                            out = r.find(c.address, "K");
                        return echo_turn(c, r, "x", now);
                    });
            return std::to_string(out.position) + " " + engine::to_string(out.status);
        };
        CHECK(record("081900000001", "DAFTAR") == "1 registered");
        CHECK(record("081900000002", "DAFTAR") == "1 waitlisted");
        CHECK(record("081900000003", "DAFTAR") == "2 waitlisted");
        CHECK(record("081900000003", "DAFTAR") == "2 waitlisted");  // the same one again
        CHECK(record("081900000002", "BATAL") == "0 cancelled");
        CHECK(record("081900000003", "CEK") == "1 waitlisted");
        CHECK(record("081900000001", "CEK") == "1 registered");
    }

    STORE_CONTRACT("a retry of a message from a contact erased since gets no replies") {
        auto st = s.open(fast_options());
        auto first = process(*st, sms("081900000009", "halo", 10, "e1"), echo("halo", 10));
        REQUIRE(first.replies.size() == 1);
        st->forget("081900000009", 20);
        auto retry = process(*st, sms("081900000009", "halo", 30, "e1"), echo("halo", 30));
        CHECK(retry.duplicate);
        CHECK(retry.replies.empty());  // never "[dihapus]" to the erased number
    }

    STORE_CONTRACT("a unit that throws leaves nothing, whatever it wrote before") {
        auto st = s.open(fast_options());
        CHECK_THROWS_AS(st->run([](transaction& tx) {
            auto c = tx.add_contact("+6281900000010", 10);
            auto state = std::make_shared<engine::contact_state>(*c.state);
            state->fields["nama"] = "Siti";
            tx.save_contact(c, state, 10);
            messaging::inbound_message m;
            m.channel = "sms";
            m.text = "halo";
            m.received_at = 10;
            tx.log_inbound(m, c.id, {});
            engine::registrar r(tx.registrations());
            r.register_contact("+6281900000010", "K", "K", 0, {}, 10);
            throw std::runtime_error("after everything");
        }),
                        boost::system::system_error);
        CHECK_FALSE(st->load_contact("+6281900000010"));
        std::ostringstream out;
        json_writer w(out, {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
        CHECK(st->export_rows(export_kind::registrations, {}, w).rows == 0);
        CHECK(st->export_rows(export_kind::conversations, {}, w).rows == 0);
        // And the code numbers it took are free again.
        auto next = process(*st, sms("081900000011", "DAFTAR K 0", 11), echo("DAFTAR K 0", 11));
        CHECK(next.replies.at(0).message.text == "K-0001 registered");
    }

    STORE_CONTRACT("published script versions are numbered, listed newest first and kept") {
        auto st = s.open(fast_options());
        CHECK(st->latest_script_version() == 0);
        CHECK_FALSE(st->find_script_version(0));
        script_version v1{0, {{"a.json", "{\"id\":\"a\"}"}}, "sapa reload", "dialogs folder", 100};
        script_version v2{0,
                          {{"a.json", "{\"id\":\"a\",\"x\":\"é\"}"}, {"b.json", "{}"}},
                          "token ops",
                          "api",
                          200};
        CHECK(st->publish_scripts(v1) == 1);
        CHECK(st->publish_scripts(v2) == 2);
        CHECK(st->latest_script_version() == 2);
        auto list = st->script_versions();
        REQUIRE(list.size() == 2);
        CHECK(list[0].id == 2);
        CHECK(list[0].published_by == "token ops");
        CHECK(list[0].note == "api");
        CHECK(list[0].published_at == 200);
        CHECK(list[0].files.empty());
        CHECK(list[1].id == 1);
        auto latest = st->find_script_version(0);
        REQUIRE(latest);
        CHECK(latest->id == 2);
        CHECK(latest->files == v2.files);
        auto first = st->find_script_version(1);
        REQUIRE(first);
        CHECK(first->files == v1.files);
        CHECK(first->published_by == "sapa reload");
        CHECK_FALSE(st->find_script_version(3));
        if (!s.reopen) return;
        st.reset();
        auto again = s.reopen(fast_options());
        CHECK(again->latest_script_version() == 2);
        CHECK(again->find_script_version(2)->files == v2.files);
    }

    STORE_CONTRACT("API tokens keep a hash, a role and when they were last used") {
        auto st = s.open(fast_options());
        CHECK(st->api_tokens().empty());
        CHECK(st->add_api_token({"ops", "aa11", "admin", 100, 0}));
        CHECK(st->add_api_token({"dash", "bb22", "viewer", 110, 0}));
        CHECK_FALSE(st->add_api_token({"ops", "cc33", "staff", 120, 0}));  // the name is taken
        auto tokens = st->api_tokens();
        REQUIRE(tokens.size() == 2);
        CHECK(tokens[0].name == "dash");
        CHECK(tokens[0].role == "viewer");
        CHECK(tokens[1].name == "ops");
        CHECK(tokens[1].hash == "aa11");
        CHECK(tokens[1].created_at == 100);
        CHECK(tokens[1].last_used_at == 0);
        st->api_token_used("ops", 500);
        st->api_token_used("ops", 400);  // never backwards
        st->api_token_used("nobody", 400);
        CHECK(st->api_tokens()[1].last_used_at == 500);
        CHECK(st->revoke_api_token("ops"));
        CHECK_FALSE(st->revoke_api_token("ops"));
        tokens = st->api_tokens();
        REQUIRE(tokens.size() == 1);
        CHECK(tokens[0].name == "dash");
    }

    STORE_CONTRACT(
        "the funnel counts each resident once a day per step, days end at local midnight") {
        auto st = s.open(fast_options());
        const unix_seconds midnight = 1767200400;  // 2026-01-01 00:00 WIB (UTC+7)
        // The day before the period: not counted.
        process(*st,
                sms("081900000001", "halo", midnight - 60, "a0"),
                walk({"t/ilegal_1"}, false, "Tempursari", midnight - 60));
        // 2026-01-01, one second before local midnight, and again just after it (2026-01-02).
        const auto day1 = midnight + 86400 - 1, day2 = midnight + 86400;
        process(*st,
                sms("081900000001", "2", day1, "a1"),
                walk({"t/ilegal_1", "t/ilegal_2"}, false, "Tempursari", day1));
        process(*st,
                sms("081900000001", "2", day2, "a2"),
                walk({"t/ilegal_1"}, false, "Tempursari", day2));
        process(*st,
                sms("081900000001", "3", day2 + 10, "a3"),
                walk({"t/ilegal_2", "t/daftar"}, true, "Tempursari", day2 + 10));
        process(*st,
                sms("081900000002", "3", day2 + 20, "b1"),
                walk({"t/daftar"}, false, "TEMPURSARI", day2 + 20));
        process(*st,
                sms("081900000003", "halo", day2 + 86400, "c1"),
                walk({}, false, "", day2 + 86400));

        funnel_query q{.since = midnight,
                       .utc_offset_minutes = 420,
                       .warning_node = "/ilegal_",
                       .signup_node = "/daftar",
                       .limit = 10};
        auto rows = st->funnel(q);
        REQUIRE(rows.size() == 3);
        CHECK(rows[0].day == "2026-01-03");
        CHECK(rows[0].kecamatan == "");
        CHECK(rows[0].reached == 1);
        CHECK(rows[0].warned + rows[0].started + rows[0].registered == 0);
        CHECK(rows[1].day == "2026-01-02");
        CHECK(rows[1].kecamatan == "tempursari");  // both spellings, lower case
        CHECK(rows[1].reached == 2);               // three replies, two residents
        CHECK(rows[1].warned == 1);                // three warning nodes, one resident
        CHECK(rows[1].started == 2);
        CHECK(rows[1].registered == 1);
        CHECK(rows[2].day == "2026-01-01");
        CHECK(rows[2].kecamatan == "tempursari");
        CHECK(rows[2].reached == 1);
        CHECK(rows[2].warned == 1);
        CHECK(rows[2].started == 0);
        // In UTC the turns on both sides of local midnight fall on one day, 2026-01-01.
        q.utc_offset_minutes = 0;
        q.since = 0;
        rows = st->funnel(q);
        REQUIRE(rows.size() == 3);
        CHECK(rows[1].day == "2026-01-01");
        CHECK(rows[1].reached == 2);
        CHECK(rows[1].warned == 1);
        CHECK(rows[1].started == 2);
        CHECK(rows[2].day == "2025-12-31");
        CHECK(rows[2].reached == 1);
        // The newest days first, cut at the limit.
        q.limit = 2;
        rows = st->funnel(q);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].day == "2026-01-02");
        // A resident counts under the kecamatan known now: moved, or forgotten (none).
        process(*st,
                sms("081900000003", "pindah", day2 + 86400 + 5, "c2"),
                walk({}, false, "Pasirian", day2 + 86400 + 5));
        CHECK(st->forget("+6281900000002", day2 + 86400 + 9).contacts == 1);
        q.limit = 10;
        rows = st->funnel(q);
        REQUIRE(rows.size() == 4);
        CHECK(rows[0].day == "2026-01-02");
        CHECK(rows[0].kecamatan == "pasirian");
        CHECK(rows[0].reached == 1);
        CHECK(rows[1].day == "2026-01-01");
        CHECK(rows[1].kecamatan == "");
        CHECK(rows[1].reached == 1);
        CHECK(rows[1].started == 1);
        CHECK(rows[2].kecamatan == "tempursari");
        CHECK(rows[2].reached == 1);
    }

    STORE_CONTRACT(
        "the overview's kept days equal a fresh count after late events, statuses, a move "
        "and forget") {
        // Each step is applied to one store that is asked after every step (so it keeps the
        // days that are over and must drop what a step changes) and, replayed from the
        // start, to a new store asked once (a fresh count).
        const unix_seconds midnight = 1767200400;  // 2026-01-01 00:00 WIB (UTC+7)
        const auto day1 = midnight + 3600, day2 = midnight + 86400 + 3600,
                   day3 = midnight + 2 * 86400 + 3600;
        const std::vector<std::function<void(store&)>> steps = {
            [&](store& st) {
                process(st,
                        sms("081900000001", "2", day1, "s1"),
                        walk({"t/ilegal_1"}, false, "Tempursari", day1));
                process(st,
                        sms("081900000002", "3", day1 + 100, "s2", true, "wa"),
                        walk({"t/daftar"}, true, "Pasirian", day1 + 100));
                // The last second of the day, then the first of the next.
                process(st,
                        sms("081900000003", "halo", midnight + 86400 - 1, "s3", true, "wa"),
                        walk({}, false, "", midnight + 86400 - 1));
                process(st,
                        sms("081900000003", "halo", midnight + 86400, "s4"),
                        walk({"t/ilegal_2"}, false, "", midnight + 86400));
            },
            [&](store& st) {
                process(st,
                        sms("081900000001", "3", day2, "s5"),
                        walk({"t/daftar"}, true, "Tempursari", day2));
            },
            // A late turn dated in a day already counted (a clock behind, an import).
            [&](store& st) {
                process(st,
                        sms("081900000004", "2", day1 + 200, "s6"),
                        walk({"t/ilegal_1"}, false, "Lumajang", day1 + 200));
            },
            // Statuses arriving on day 3 for day 1's WhatsApp replies: one fails, one is sent.
            [&](store& st) {
                auto jobs = st.claim_outbound("wa", day3, 10);
                REQUIRE(jobs.size() == 2);
                st.fail_outbound(jobs[0].id, "131026", "not on WhatsApp", day3);
                st.complete_outbound(jobs[1].id, "wamid.k", day3);
            },
            [&](store& st) {
                REQUIRE(update_delivery(
                    st, "wa", "wamid.k", delivery_status::delivered, "", "", day3 + 1));
            },
            // A read receipt changes no count.
            [&](store& st) {
                REQUIRE(
                    update_delivery(st, "wa", "wamid.k", delivery_status::read, "", "", day3 + 2));
            },
            // A resident active on days 1 and 2 moves; another is forgotten.
            [&](store& st) {
                process(st,
                        sms("081900000001", "pindah", day3 + 10, "s7"),
                        walk({}, false, "Pasirian", day3 + 10));
            },
            [&](store& st) { CHECK(st.forget("+6281900000002", day3 + 20).contacts == 1); },
            // A resident with no kecamatan yet gives one.
            [&](store& st) {
                process(st,
                        sms("081900000003", "Yosowilangun", day3 + 30, "s8"),
                        walk({}, false, "Yosowilangun", day3 + 30));
            },
        };
        const funnel_query q{.since = midnight - 1800,
                             .utc_offset_minutes = 420,
                             .warning_node = "/ilegal_",
                             .signup_node = "/daftar",
                             .limit = 100};
        auto text = [&](store& st) {
            std::string out;
            for (const auto& r : st.funnel(q))
                out += r.day + " " + r.kecamatan + " " + std::to_string(r.reached) + "/" +
                       std::to_string(r.warned) + "/" + std::to_string(r.started) + "/" +
                       std::to_string(r.registered) + "\n";
            for (const auto& h : st.delivery(q.since)) {
                out += h.channel + " " + std::to_string(h.sent) + "/" +
                       std::to_string(h.delivered) + "/" + std::to_string(h.failed) + "/" +
                       std::to_string(h.waiting);
                for (const auto& [reason, n] : h.top_failures)
                    out += " " + reason + "=" + std::to_string(n);
                out += "\n";
            }
            return out;
        };
        auto kept = s.open(fast_options());
        for (std::size_t k = 0; k < steps.size(); ++k) {
            CAPTURE(k);
            steps[k](*kept);
            const auto first = text(*kept);  // may fill the days
            const auto again = text(*kept);  // from the kept days
            auto fresh_store = s.open(fast_options());
            for (std::size_t i = 0; i <= k; ++i)
                steps[i](*fresh_store);
            const auto fresh = text(*fresh_store);
            CHECK(first == fresh);
            CHECK(again == fresh);
        }
        // The figures themselves, at the end.
        CHECK(text(*kept) ==
              "2026-01-03 pasirian 1/0/0/0\n"
              "2026-01-03 yosowilangun 1/0/0/0\n"
              "2026-01-02 pasirian 1/0/1/1\n"
              "2026-01-02 yosowilangun 1/1/0/0\n"
              "2026-01-01  1/0/1/1\n"
              "2026-01-01 lumajang 1/1/0/0\n"
              "2026-01-01 pasirian 1/1/0/0\n"
              "2026-01-01 yosowilangun 1/0/0/0\n"
              "sms 6/0/0/0\n"
              "wa 1/1/1/0 not on WhatsApp=1\n");
    }

    STORE_CONTRACT("exports page with keyset cursors and filter by status, language and group") {
        auto st = s.open(fast_options());
        for (int i = 1; i <= 5; ++i) {
            auto who = "08190000010" + std::to_string(i);
            process(*st, sms(who, "DAFTAR K 2", 10 + i), echo("DAFTAR K 2", 10 + i));
        }
        st->run([](transaction& tx) {
            auto c = tx.find_contact("+6281900000102");
            REQUIRE(c);
            tx.add_to_group(c->id, "desa-a");
            auto e = tx.find_contact("+6281900000104");
            REQUIRE(e);
            tx.add_to_group(e->id, "desa-a");
        });
        // Codes of one page, and the summary.
        auto page = [&](export_kind kind, export_filter f) {
            std::ostringstream out;
            json_writer w(out,
                          {.utc_offset_minutes = 0, .for_spreadsheets = false, .separator = ','});
            auto summary = st->export_rows(kind, f, w);
            return std::pair{summary, out.str()};
        };
        export_filter f;
        f.limit = 2;
        auto [first, text] = page(export_kind::registrations, f);
        CHECK(first.rows == 2);
        CHECK(text.find("K-0001") != std::string::npos);
        CHECK(text.find("K-0002") != std::string::npos);
        CHECK(text.find("K-0003") == std::string::npos);
        CHECK(text.find(R"("nik":"3508011234567890")") != std::string::npos);  // fields of the page
        f.after = first.last_id;
        auto [second, text2] = page(export_kind::registrations, f);
        CHECK(second.rows == 2);
        CHECK(second.last_id > first.last_id);
        CHECK(text2.find("K-0003") != std::string::npos);
        CHECK(text2.find("K-0004") != std::string::npos);
        f.after = second.last_id;
        auto [third, text3] = page(export_kind::registrations, f);
        CHECK(third.rows == 1);
        CHECK(text3.find("K-0005") != std::string::npos);
        f.after = third.last_id;
        CHECK(page(export_kind::registrations, f).first.rows == 0);

        export_filter waiting;
        waiting.status = "waitlisted";
        auto [w, wtext] = page(export_kind::registrations, waiting);
        CHECK(w.rows == 3);
        CHECK(wtext.find("K-0001") == std::string::npos);

        export_filter group;
        group.group = "desa-a";
        auto [g, gtext] = page(export_kind::contacts, group);
        CHECK(g.rows == 2);
        CHECK(gtext.find("+6281900000102") != std::string::npos);
        CHECK(gtext.find("+6281900000104") != std::string::npos);
        group.limit = 1;
        group.after = page(export_kind::contacts, group).first.last_id;
        auto [g2, g2text] = page(export_kind::contacts, group);
        CHECK(g2.rows == 1);
        CHECK(g2text.find("+6281900000104") != std::string::npos);

        export_filter english;
        english.language = "en";
        CHECK(page(export_kind::contacts, english).first.rows == 0);
        english.language = "";
        CHECK(page(export_kind::contacts, english).first.rows == 5);  // nobody set a language
    }

    STORE_CONTRACT("exports page newest first, by status, and search codes and names") {
        auto st = s.open(fast_options());
        // Registers the sender for `course` (2 seats) under `name`.
        auto signs_up = [](std::string course, std::string name, unix_seconds now) {
            return turn_function([=](const engine::contact_state& state, engine::registrar& r) {
                engine::turn_result t;
                t.state = state;
                t.state.session.last_active = now;
                r.register_contact(state.address,
                                   course,
                                   course,
                                   2,
                                   {{"nama", name}, {"desa", "Sumberwuluh 100%"}},
                                   now);
                t.replies.push_back({.text = "ok", .body = {}, .options = {}});
                return t;
            });
        };
        const std::vector<std::pair<std::string, std::string>> people = {
            {"A", "Budi Santoso"},   // A-0001
            {"A", "Siti Aminah"},    // A-0002
            {"B", "Ani \"Ratna\""},  // B-0001
            {"A", "Dewi Sartika"},   // A-0003, waitlisted
            {"B", "budi hartono"},   // B-0002
            {"A", "Rudi_x"},         // A-0004, waitlisted
        };
        for (std::size_t i = 0; i < people.size(); ++i) {
            const auto at = static_cast<unix_seconds>(100 + i);
            process(*st,
                    sms("08190000020" + std::to_string(i), "daftar", at),
                    signs_up(people[i].first, people[i].second, at));
        }
        // The codes of one page, in order, and the summary.
        auto codes = [&](export_filter f) {
            column_sink sink(0);
            auto summary = st->export_rows(export_kind::registrations, f, sink);
            CHECK(summary.rows == static_cast<std::int64_t>(sink.got.size()));
            return std::pair{sink.got, summary};
        };
        using list = std::vector<std::string>;
        export_filter newest;
        newest.newest_first = true;
        CHECK(codes(newest).first ==
              list{"A-0004", "B-0002", "A-0003", "B-0001", "A-0002", "A-0001"});

        // Pages of two, each starting below the last one's smallest id.
        newest.limit = 2;
        auto [p1, s1] = codes(newest);
        CHECK(p1 == list{"A-0004", "B-0002"});
        CHECK(s1.first_id > s1.last_id);
        newest.before = s1.last_id;
        auto [p2, s2] = codes(newest);
        CHECK(p2 == list{"A-0003", "B-0001"});
        newest.before = s2.last_id;
        auto [p3, s3] = codes(newest);
        CHECK(p3 == list{"A-0002", "A-0001"});
        newest.before = s3.last_id;
        CHECK(codes(newest).first.empty());
        // `before` excludes that id itself; with `after` too, the rows between them.
        newest.limit = {};
        newest.before = s1.first_id;
        CHECK(codes(newest).first.size() == 5);
        newest.after = s3.first_id;
        CHECK(codes(newest).first == list{"B-0002", "A-0003", "B-0001"});
        export_filter oldest;  // `before` works oldest first too
        oldest.before = s2.first_id;
        CHECK(codes(oldest).first == list{"A-0001", "A-0002", "B-0001"});

        export_filter waiting;
        waiting.newest_first = true;
        waiting.status = "waitlisted";
        CHECK(codes(waiting).first == list{"A-0004", "A-0003"});
        waiting.limit = 1;
        waiting.before = codes(waiting).second.last_id;
        CHECK(codes(waiting).first == list{"A-0003"});

        // The search: codes, and name fields (ASCII letters in any case), nothing else;
        // LIKE's wildcards and JSON's escapes are plain text.
        auto found = [&](std::string words, std::optional<std::string> course = {}) {
            export_filter f;
            f.newest_first = true;
            f.search = std::move(words);
            f.course = std::move(course);
            return codes(f).first;
        };
        CHECK(found("budi") == list{"B-0002", "A-0001"});
        CHECK(found("BUDI S") == list{"A-0001"});
        CHECK(found("a-000") == list{"A-0004", "A-0003", "A-0002", "A-0001"});
        CHECK(found("Sumberwuluh").empty());  // a place, not a name
        CHECK(found("100%").empty());
        CHECK(found("t_").empty());  // not a wildcard: "Siti" has no "t_"
        CHECK(found("i_x") == list{"A-0004"});
        CHECK(found("\"Ratna\"") == list{"B-0001"});
        CHECK(found("nama").empty());      // a field's name is not its value
        CHECK(found("\xff\xfe").empty());  // not UTF-8: no match, no error
        CHECK(found("budi", "A") == list{"A-0001"});
        CHECK(found("budi", "C").empty());
        export_filter all;
        all.search = "i";
        all.status = "waitlisted";
        all.course = "A";
        all.newest_first = true;
        all.limit = 1;
        CHECK(codes(all).first == list{"A-0004"});
        all.before = codes(all).second.last_id;
        CHECK(codes(all).first == list{"A-0003"});
    }

    STORE_CONTRACT("requests export newest first by open and done, page by page") {
        auto st = s.open(fast_options());
        for (int i = 1; i <= 4; ++i)
            process(
                *st,
                sms("08190000030" + std::to_string(i), "tolong", 100 * i),
                asking(
                    engine::event_kind::handoff_requested, "tolong " + std::to_string(i), 100 * i));
        // The words of one page, in order, and the summary.
        auto words = [&](export_filter f) {
            column_sink sink(4);
            auto summary = st->export_rows(export_kind::requests, f, sink);
            return std::pair{sink.got, summary};
        };
        using list = std::vector<std::string>;
        export_filter f;
        f.newest_first = true;
        auto [all, summary] = words(f);
        CHECK(all == list{"tolong 4", "tolong 3", "tolong 2", "tolong 1"});
        CHECK(summary.first_id > summary.last_id);
        // Mark the second newest done: the open ones skip it, the done ones are only it.
        f.limit = 2;
        auto [top, top_summary] = words(f);
        CHECK(st->mark_request_done(top_summary.last_id, 500));
        f.status = "open";
        auto [open1, o1] = words(f);
        CHECK(open1 == list{"tolong 4", "tolong 2"});
        f.before = o1.last_id;
        CHECK(words(f).first == list{"tolong 1"});
        f.status = "done";
        f.before = 0;
        CHECK(words(f).first == list{"tolong 3"});
    }
}

TEST_SUITE("store contract: broadcasts") {
    STORE_CONTRACT("segments are read page by page, by contact id") {
        auto st = s.open(fast_options());
        st->run([](transaction& tx) {
            for (auto n : {"081600000001", "081600000002", "081600000003"})
                tx.add_contact(normalize_address(n), 100);
        });
        std::vector<segment_member> first, second, third;
        st->run([&](transaction& tx) {
            first = tx.select_contacts({}, 0, 2);
            second = tx.select_contacts({}, first.back().id, 2);
            third = tx.select_contacts({}, second.back().id, 2);
        });
        REQUIRE(first.size() == 2);
        REQUIRE(second.size() == 1);
        CHECK(first[0].address == "+6281600000001");
        CHECK(first[1].address == "+6281600000002");
        CHECK(second[0].address == "+6281600000003");
        CHECK(first[0].id < first[1].id);
        CHECK(third.empty());
    }

    STORE_CONTRACT(
        "a broadcast keeps its recipients once each, counts them and cancels unsent jobs") {
        auto st = s.open(fast_options());
        std::int64_t b = 0, c1 = 0, c2 = 0, c3 = 0, m1 = 0, m2 = 0;
        st->run([&](transaction& tx) {
            c1 = tx.add_contact("+6281600000011", 100).id;
            c2 = tx.add_contact("+6281600000012", 100).id;
            c3 = tx.add_contact("+6281600000013", 100).id;
            broadcast_record r;
            r.channel = "sms";
            r.segment = "group=kelas-a";
            r.texts = {"Kelas besok"};
            r.node = "hadir";
            r.variables = {{"kelas", "A"}};
            r.created_at = 100;
            r.start_at = 200;
            r.budget = 50;
            b = tx.broadcasts().add_broadcast(r);
            tx.broadcasts().add_recipients(b, {c1, c2});
            tx.broadcasts().add_recipients(b, {c2, c3});  // c2 is in it once
        });
        st->run([&](transaction& tx) {
            auto& l = tx.broadcasts();
            auto r = l.find_broadcast(b);
            REQUIRE(r);
            CHECK(r->channel == "sms");
            CHECK(r->segment == "group=kelas-a");
            CHECK(r->texts == std::vector<std::string>{"Kelas besok"});
            CHECK(r->node == "hadir");
            CHECK(r->variables.at("kelas") == "A");
            CHECK(r->start_at == 200);
            CHECK(r->budget == 50);
            CHECK(r->status == broadcast_status::preparing);
            CHECK(l.count_recipients(b).waiting == 3);
            auto page = l.waiting_recipients(b, 0, 2);
            REQUIRE(page.size() == 2);
            CHECK(page[0].id == c1);
            CHECK(page[0].address == "+6281600000011");
            CHECK(l.waiting_recipients(b, page[1].id, 2).size() == 1);
            l.set_broadcast_status(b, broadcast_status::ready, {});
            // c1 gets two messages.
            m1 = tx.log_outbound({"sms", c1, 0, {"Kelas besok", "", {}}, route::api, 200});
            m2 = tx.log_outbound({"sms", c1, 0, {"1 hadir / 2 batal", "", {}}, route::api, 200});
            l.mark_queued(b, c1, m1, m2, 2);
            l.mark_skipped(b, c2, "opted out");
        });
        auto leased = st->claim_outbound("sms", 201, 10);
        REQUIRE(leased.size() == 1);  // one per contact: m1; m2 stays pending
        CHECK(leased[0].id == m1);
        st->run([&](transaction& tx) {
            auto& l = tx.broadcasts();
            CHECK(l.recipient(b, c1) == recipient_status::queued);
            CHECK(l.recipient(b, c2) == recipient_status::skipped);
            CHECK(l.recipient(b, c3) == recipient_status::waiting);
            CHECK(l.find_broadcast(b)->spent == 2);
            // The leased job is with a sender; only the pending one is failed.
            CHECK(l.fail_unsent(b, "cancelled", "cancelled by staff", 202) == 1);
            CHECK(l.skip_waiting(b, "cancelled by staff") == 1);
            l.set_broadcast_status(b, broadcast_status::cancelled, "cancelled by staff");
        });
        st->complete_outbound(m1, "SM1", 203);
        CHECK(st->claim_outbound("sms", 300, 10).empty());  // m2 left the queue
        st->run([&](transaction& tx) {
            auto& l = tx.broadcasts();
            auto c = l.count_recipients(b);
            CHECK(c.sent == 1);
            CHECK(c.skipped == 2);
            CHECK(c.total() == 3);
            auto r = l.find_broadcast(b);
            CHECK(r->status == broadcast_status::cancelled);
            CHECK(r->reason == "cancelled by staff");
            CHECK(l.list_broadcasts().size() == 1);
            CHECK(!l.find_broadcast(b + 1));
        });
    }

    STORE_CONTRACT("a broadcast key is given once and a unit that throws does not keep it") {
        auto st = s.open(fast_options());
        std::int64_t first = 0, second = 0;
        st->run([&](transaction& tx) {
            broadcast_record r;
            r.channel = "sms";
            r.segment = "course=menjahit,status=registered";
            r.texts = {"Kursus mulai 3 hari lagi"};
            first = tx.broadcasts().add_broadcast(r);
            second = tx.broadcasts().add_broadcast(r);
            CHECK(!tx.broadcasts().broadcast_with_key("reminder h3 2026-08-03"));
            CHECK(tx.broadcasts().add_broadcast_key("reminder h3 2026-08-03", first));
        });
        st->run([&](transaction& tx) {
            auto& l = tx.broadcasts();
            CHECK(!l.add_broadcast_key("reminder h3 2026-08-03", second));
            CHECK(l.broadcast_with_key("reminder h3 2026-08-03") == first);
            CHECK(l.add_broadcast_key("reminder h3 2026-09-01", second));
            CHECK(l.broadcast_with_key("reminder h3 2026-09-01") == second);
        });
        CHECK_THROWS_AS(st->run([&](transaction& tx) {
            CHECK(tx.broadcasts().add_broadcast_key("reminder h1 2026-08-03", first));
            throw std::runtime_error("after the key");
        }),
                        boost::system::system_error);
        st->run([&](transaction& tx) {
            CHECK(!tx.broadcasts().broadcast_with_key("reminder h1 2026-08-03"));
        });
    }
}
