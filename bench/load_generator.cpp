// Load generator for `sapa serve` (and, for the ratio, bench/bare_server): starts the server
// command given after `--`, drives it over keep-alive HTTP/1.1 connections on 127.0.0.1 with
// signed Twilio-format webhooks from many residents walking the Lumajang sign-up, records
// each request's latency, reads the server's CPU time and peak RSS, stops it, and then checks
// in its database that every acknowledged MessageSid is logged exactly once with a reply.
//
//   load_generator --port 18080 --connections 64 --duration 15 [--rate 7500]
//                  [--residents 1000] [--population 1000] [--verify-db var/bench.db]
//                  -- build-rel/src/cli/sapa serve --config bench.json
//
// Closed loop (default): each connection sends its next request as soon as the previous
// answer arrived. Open loop (--rate R): requests are due at R per second spread over the
// connections, and latency counts from when a request was due (no coordinated omission).
// A resident belongs to one connection, so its messages never overtake each other.

#include "lumajang_walk.hpp"
#include "support/signing.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <utility>
#include <vector>

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

using sapa::bench::answer;
using sapa::bench::walk_length;

struct options {
    unsigned short port = 18080;
    int connections = 64;
    int threads = 1;
    double duration = 15;  // measured seconds
    double warmup = 2;     // seconds before measuring
    double rate = 0;       // total requests per second; 0: closed loop
    long residents = 1000;
    long population = 0;  // numbers are spread over this many; default: residents
    long number_base = 0;
    std::string token = "bench-twilio-token";
    std::string path = "/webhooks/sms";
    std::string channel = "sms";
    std::string verify_db;
    std::string label = "run";
    std::string log_file;
    std::vector<std::string> command;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "load_generator: " << problem << "\n"
              << "usage: load_generator [--port P] [--connections N] [--threads 1|2] "
                 "[--duration S] [--warmup S] [--rate R] [--residents K] [--population N] "
                 "[--number-base B] [--token T] [--path /webhooks/sms] [--channel sms] "
                 "[--verify-db FILE] [--label NAME] [--log FILE] -- COMMAND ARGS...\n";
    std::exit(2);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--") {
            for (++i; i < argc; ++i)
                o.command.emplace_back(argv[i]);
            break;
        }
        if (i + 1 >= argc) usage("missing value for " + a);
        std::string v = argv[++i];
        if (a == "--port")
            o.port = static_cast<unsigned short>(std::stoi(v));
        else if (a == "--connections")
            o.connections = std::stoi(v);
        else if (a == "--threads")
            o.threads = std::stoi(v);
        else if (a == "--duration")
            o.duration = std::stod(v);
        else if (a == "--warmup")
            o.warmup = std::stod(v);
        else if (a == "--rate")
            o.rate = std::stod(v);
        else if (a == "--residents")
            o.residents = std::stol(v);
        else if (a == "--population")
            o.population = std::stol(v);
        else if (a == "--number-base")
            o.number_base = std::stol(v);
        else if (a == "--token")
            o.token = v;
        else if (a == "--path")
            o.path = v;
        else if (a == "--channel")
            o.channel = v;
        else if (a == "--verify-db")
            o.verify_db = v;
        else if (a == "--label")
            o.label = v;
        else if (a == "--log")
            o.log_file = v;
        else
            usage("unknown option " + a);
    }
    if (o.command.empty()) usage("no server command after --");
    if (o.connections < 1 || o.threads < 1 || o.residents < 1) usage("bad numbers");
    if (o.population < o.residents) o.population = o.residents;
    return o;
}

// --- Residents and their answers ---

struct resident {
    long index = 0;
    std::string number;
    int walk = 0;
    int step = 0;
};

// --- Latency histogram: 1 µs buckets up to 1 s, exact values above ---

struct histogram {
    std::vector<std::uint64_t> buckets = std::vector<std::uint64_t>(1'000'000);
    std::vector<std::int64_t> overflow;
    std::uint64_t count = 0;

    void record(std::int64_t us) {
        ++count;
        if (us < 0) us = 0;
        if (us < static_cast<std::int64_t>(buckets.size()))
            ++buckets[static_cast<std::size_t>(us)];
        else
            overflow.push_back(us);
    }
    void merge(const histogram& h) {
        for (std::size_t i = 0; i < buckets.size(); ++i)
            buckets[i] += h.buckets[i];
        overflow.insert(overflow.end(), h.overflow.begin(), h.overflow.end());
        count += h.count;
    }
    double percentile_ms(double p) {
        if (count == 0) return 0;
        auto rank = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(count - 1)) + 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < buckets.size(); ++i) {
            seen += buckets[i];
            if (seen >= rank) return static_cast<double>(i) / 1000.0;
        }
        std::sort(overflow.begin(), overflow.end());
        auto k = std::min<std::size_t>(rank - seen - 1, overflow.size() - 1);
        return static_cast<double>(overflow[k]) / 1000.0;
    }
};

// --- Per thread ---

struct worker {
    net::io_context io{1};
    histogram latency;
    std::vector<std::uint64_t> acked;  // sequence numbers answered 200 with a reply
    std::uint64_t ok_in_window = 0, errors = 0, no_reply = 0, reconnects = 0;
    std::uint64_t sent = 0;
};

struct shared_state {
    const options* opt = nullptr;
    std::string url;
    std::string host;
    std::string run_id;
    clock_type::time_point start, measure_from, measure_to;
    std::atomic<bool> stop{false};
    std::atomic<int> connections_done{0};
};

// splitmix64's finaliser: a bijection on 64 bits, so distinct sequence numbers give distinct ids.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// The MessageSid of message `seq`: the run's prefix, then 24 hex digits that look random, as
// Twilio's do (sequential ids would always insert at the right edge of the unique index, which
// is cheaper than the real load). Computed again from `seq` when the database is verified.
std::string sid_for(const shared_state& s, std::uint64_t seq) {
    char buf[48];
    std::snprintf(buf,
                  sizeof buf,
                  "SM%s%016" PRIx64 "%08" PRIx64,
                  s.run_id.c_str(),
                  mix(seq),
                  mix(~seq) >> 32);
    return buf;
}

// X-Twilio-Signature as tests/support/signing.hpp's twilio_signature() computes it (base64 of
// HMAC-SHA1 over the URL and the sorted keys and values), with the key set up once per connection:
// OpenSSL 3's one-shot HMAC() looks the digest up and keys a new context on every call, which made
// the signature the generator's largest cost after the kernel. A wrong signature shows at once as
// errors (the server answers 403).
class twilio_signer {
  public:
    using params = std::array<std::pair<std::string_view, std::string_view>, 6>;

    twilio_signer(const std::string& token, std::string url) : url_(std::move(url)) {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        ctx_ = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac);
        char digest[] = "SHA1";
        OSSL_PARAM settings[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
        if (ctx_ == nullptr || EVP_MAC_init(ctx_,
                                            reinterpret_cast<const unsigned char*>(token.data()),
                                            token.size(),
                                            settings) != 1)
            throw std::runtime_error("OpenSSL cannot set up HMAC-SHA1");
    }
    twilio_signer(const twilio_signer&) = delete;
    twilio_signer& operator=(const twilio_signer&) = delete;
    ~twilio_signer() { EVP_MAC_CTX_free(ctx_); }

    // `sorted`: by key, as Twilio sorts them.
    std::string sign(const params& sorted) {
        EVP_MAC_init(ctx_, nullptr, 0, nullptr);  // the same key, a new message
        update(url_);
        for (const auto& [key, value] : sorted) {
            update(key);
            update(value);
        }
        unsigned char mac[EVP_MAX_MD_SIZE];
        std::size_t length = 0;
        EVP_MAC_final(ctx_, mac, &length, sizeof mac);
        unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
        int n = EVP_EncodeBlock(encoded, mac, static_cast<int>(length));
        return {reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n)};
    }

  private:
    void update(std::string_view text) {
        EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    }
    std::string url_;
    EVP_MAC_CTX* ctx_ = nullptr;
};

net::awaitable<void> run_connection(shared_state& s,
                                    worker& w,
                                    int conn,
                                    std::uint64_t thread_bits,
                                    std::vector<resident> residents) {
    const auto& o = *s.opt;
    auto exec = co_await net::this_coro::executor;
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), o.port);
    tcp::socket sock(exec);
    net::steady_timer timer(exec);
    boost::beast::flat_buffer buffer;
    twilio_signer signer(o.token, s.url);
    std::size_t next_resident = 0;
    std::uint64_t counter = 0;
    const auto interval = o.rate > 0 ? std::chrono::duration_cast<clock_type::duration>(
                                           std::chrono::duration<double>(o.connections / o.rate))
                                     : clock_type::duration::zero();
    auto due = s.start + interval * conn / o.connections;
    bool connected = false;
    while (!s.stop.load(std::memory_order_relaxed)) {
        if (!connected) {
            sock = tcp::socket(exec);
            auto [ec] = co_await sock.async_connect(ep, net::as_tuple(net::use_awaitable));
            if (ec) {
                ++w.reconnects;
                timer.expires_after(std::chrono::milliseconds(50));
                co_await timer.async_wait(net::as_tuple(net::use_awaitable));
                continue;
            }
            sock.set_option(tcp::no_delay(true));
            buffer.clear();
            connected = true;
        }
        auto intended = clock_type::now();
        if (o.rate > 0) {
            if (intended < due) {
                timer.expires_at(due);
                co_await timer.async_wait(net::as_tuple(net::use_awaitable));
                if (s.stop.load(std::memory_order_relaxed)) break;
            }
            intended = due;
            due += interval;
        }
        auto& r = residents[next_resident];
        next_resident = (next_resident + 1) % residents.size();
        std::uint64_t seq = thread_bits | (static_cast<std::uint64_t>(conn) << 32) | counter++;
        const std::string sid = sid_for(s, seq);
        const std::string text = answer(r.index, r.walk, r.step);
        const twilio_signer::params params = {{{"AccountSid", "ACbench"},
                                               {"Body", text},
                                               {"From", r.number},
                                               {"MessageSid", sid},
                                               {"NumMedia", "0"},
                                               {"To", "+6281100000000"}}};
        std::string body = sapa::testing::form_encode_pairs(params);
        std::string req = "POST " + o.path + " HTTP/1.1\r\nHost: " + s.host +
                          "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          "X-Twilio-Signature: " +
                          signer.sign(params) +
                          "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        if (++r.step >= walk_length(r.walk)) {
            r.step = 0;
            r.walk = 1 - r.walk;
        }
        auto sent_at = clock_type::now();
        if (o.rate == 0) intended = sent_at;
        ++w.sent;
        auto [wec, n] =
            co_await net::async_write(sock, net::buffer(req), net::as_tuple(net::use_awaitable));
        http::response<http::string_body> res;
        boost::system::error_code rec = wec;
        if (!rec) {
            auto [e, m] =
                co_await http::async_read(sock, buffer, res, net::as_tuple(net::use_awaitable));
            rec = e;
        }
        auto done = clock_type::now();
        if (rec) {
            ++w.errors;
            ++w.reconnects;
            connected = false;
            boost::system::error_code ignored;
            sock.close(ignored);
            continue;
        }
        if (res.result_int() != 200) {
            ++w.errors;
        } else if (res.body().find("<Message>") == std::string::npos) {
            ++w.no_reply;
        } else {
            w.acked.push_back(seq);
        }
        if (res.result_int() == 200 && intended >= s.measure_from && done <= s.measure_to) {
            ++w.ok_in_window;
            w.latency.record(
                std::chrono::duration_cast<std::chrono::microseconds>(done - intended).count());
        }
        if (!res.keep_alive()) connected = false;
    }
    boost::system::error_code ignored;
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
    s.connections_done.fetch_add(1);
}

// --- The server process ---

struct proc_sample {
    double cpu_seconds = 0;
    long hwm_kb = 0;
    long rss_kb = 0;
};

proc_sample sample(pid_t pid) {
    proc_sample out;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close != std::string::npos) {
        std::istringstream rest(line.substr(close + 2));
        std::string field;
        unsigned long utime = 0, stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 14) utime = std::stoul(field);
            if (i == 15) stime = std::stoul(field);
        }
        out.cpu_seconds =
            static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) out.hwm_kb = std::stol(line.substr(6));
        if (line.rfind("VmRSS:", 0) == 0) out.rss_kb = std::stol(line.substr(6));
    }
    return out;
}

pid_t spawn(const options& o) {
    pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        std::exit(1);
    }
    if (pid == 0) {
        if (!o.log_file.empty()) {
            FILE* log = std::fopen(o.log_file.c_str(), "w");
            if (log) {
                dup2(fileno(log), STDERR_FILENO);
                dup2(fileno(log), STDOUT_FILENO);
            }
        }
        std::vector<char*> args;
        for (const auto& a : o.command)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    return pid;
}

bool answers_health(unsigned short port) {
    try {
        net::io_context io;
        tcp::socket sock(io);
        sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        net::write(sock, net::buffer(req));
        boost::beast::flat_buffer b;
        http::response<http::string_body> res;
        http::read(sock, b, res);
        return res.result_int() == 200;
    } catch (...) {
        return false;
    }
}

// --- Verification ---

struct verification {
    std::uint64_t acked = 0, missing = 0, duplicated = 0, without_reply = 0, unacked_rows = 0;
    bool ok() const { return missing == 0 && duplicated == 0 && without_reply == 0; }
};

verification verify(const shared_state& s,
                    const std::vector<std::uint64_t>& acked,
                    const std::string& db_path) {
    verification v;
    v.acked = acked.size();
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    SQLite::Statement q(db,
                        "SELECT m.gateway_message_id, (SELECT count(*) FROM messages o "
                        "  WHERE o.reply_to = m.id AND o.direction = 'out') "
                        "FROM messages m WHERE m.channel = ? AND m.direction = 'in' "
                        "  AND m.gateway_message_id IS NOT NULL "
                        "  AND m.gateway_message_id >= ? AND m.gateway_message_id < ?");
    q.bind(1, s.opt->channel);
    q.bind(2, "SM" + s.run_id);
    q.bind(3, "SM" + s.run_id + "g");
    struct row {
        int seen = 0;
        long replies = 0;
    };
    std::unordered_map<std::string, row> rows;
    rows.reserve(acked.size() + 1024);
    while (q.executeStep()) {
        auto& r = rows[q.getColumn(0).getString()];
        ++r.seen;
        r.replies += q.getColumn(1).getInt64();
    }
    std::uint64_t matched = 0;
    for (auto seq : acked) {
        auto it = rows.find(sid_for(s, seq));
        if (it == rows.end()) {
            ++v.missing;
            continue;
        }
        ++matched;
        if (it->second.seen != 1) ++v.duplicated;
        if (it->second.replies < 1) ++v.without_reply;
    }
    v.unacked_rows = rows.size() - matched;
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    auto o = parse(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);

    pid_t server = spawn(o);
    auto ready_deadline = clock_type::now() + std::chrono::seconds(60);
    while (!answers_health(o.port)) {
        int status = 0;
        if (waitpid(server, &status, WNOHANG) == server) {
            std::cerr << "load_generator: the server exited at start (see its log)\n";
            return 1;
        }
        if (clock_type::now() > ready_deadline) {
            kill(server, SIGKILL);
            waitpid(server, nullptr, 0);
            std::cerr << "load_generator: the server did not answer /healthz within 60 s\n";
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    shared_state s;
    s.opt = &o;
    s.host = "127.0.0.1:" + std::to_string(o.port);
    s.url = "http://" + s.host + o.path;
    {
        char id[16];
        auto t = static_cast<unsigned long long>(
            std::chrono::system_clock::now().time_since_epoch().count());
        std::snprintf(id, sizeof id, "%08llx", (t / 1000) & 0xffffffffULL);
        s.run_id = id;
    }

    // Residents spread over the population's numbers, dealt to connections round robin.
    std::vector<std::vector<resident>> per_conn(static_cast<std::size_t>(o.connections));
    long stride = o.population / o.residents;
    for (long i = 0; i < o.residents; ++i) {
        long index = i * stride;
        char number[32];
        std::snprintf(number, sizeof number, "+62812%08ld", o.number_base + index);
        resident r;
        r.index = index;
        r.number = number;
        r.walk = static_cast<int>(i % 2);
        r.step = static_cast<int>(i % 5);  // not all at the same step
        per_conn[static_cast<std::size_t>(i % o.connections)].push_back(std::move(r));
    }

    std::vector<std::unique_ptr<worker>> workers;
    for (int t = 0; t < o.threads; ++t)
        workers.push_back(std::make_unique<worker>());
    s.start = clock_type::now() + std::chrono::milliseconds(100);
    s.measure_from = s.start + std::chrono::duration_cast<clock_type::duration>(
                                   std::chrono::duration<double>(o.warmup));
    s.measure_to = s.measure_from + std::chrono::duration_cast<clock_type::duration>(
                                        std::chrono::duration<double>(o.duration));
    int active = 0;
    for (int c = 0; c < o.connections; ++c) {
        if (per_conn[static_cast<std::size_t>(c)].empty()) continue;
        auto& w = *workers[static_cast<std::size_t>(c % o.threads)];
        ++active;
        net::co_spawn(w.io,
                      run_connection(s,
                                     w,
                                     c,
                                     static_cast<std::uint64_t>(c % o.threads) << 56,
                                     std::move(per_conn[static_cast<std::size_t>(c)])),
                      net::detached);
    }

    rusage self_before{};
    getrusage(RUSAGE_SELF, &self_before);
    std::vector<std::thread> threads;
    for (auto& w : workers)
        threads.emplace_back([&w] { w->io.run(); });

    std::this_thread::sleep_until(s.measure_from);
    auto before = sample(server);
    std::this_thread::sleep_until(s.measure_to);
    auto after = sample(server);
    rusage self_after{};
    getrusage(RUSAGE_SELF, &self_after);
    s.stop = true;
    // Answers still in flight are awaited (up to 10 s), so they can be verified too.
    auto drain_deadline = clock_type::now() + std::chrono::seconds(10);
    while (s.connections_done.load() < active && clock_type::now() < drain_deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (auto& w : workers)
        w->io.stop();
    for (auto& t : threads)
        t.join();

    kill(server, SIGTERM);
    int status = 0;
    rusage server_usage{};
    wait4(server, &status, 0, &server_usage);
    bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;

    histogram all;
    std::vector<std::uint64_t> acked;
    std::uint64_t ok = 0, errors = 0, no_reply = 0, reconnects = 0;
    for (auto& w : workers) {
        all.merge(w->latency);
        acked.insert(acked.end(), w->acked.begin(), w->acked.end());
        ok += w->ok_in_window;
        errors += w->errors;
        no_reply += w->no_reply;
        reconnects += w->reconnects;
    }
    double window = o.duration;
    double rate = static_cast<double>(ok) / window;
    double server_cpu = (after.cpu_seconds - before.cpu_seconds) / window * 100.0;
    auto cpu_of = [](const rusage& r) {
        return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
               static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
    };
    double client_cpu = (cpu_of(self_after) - cpu_of(self_before)) / window * 100.0;
    long peak_kb = std::max(after.hwm_kb, server_usage.ru_maxrss);

    std::printf(
        "%s: %.0f msg/s over %.1f s (%d connections, %s), p50 %.2f ms, p99 %.2f ms, "
        "p99.9 %.2f ms; server CPU %.0f%% of a core, peak RSS %.1f MB; client CPU %.0f%%; "
        "errors %" PRIu64 ", 200 without reply %" PRIu64 ", reconnects %" PRIu64
        ", server exit %s\n",
        o.label.c_str(),
        rate,
        window,
        o.connections,
        o.rate > 0 ? ("open loop at " + std::to_string(static_cast<long>(o.rate)) + "/s").c_str()
                   : "closed loop",
        all.percentile_ms(50),
        all.percentile_ms(99),
        all.percentile_ms(99.9),
        server_cpu,
        static_cast<double>(peak_kb) / 1024.0,
        client_cpu,
        errors,
        no_reply,
        reconnects,
        clean_exit ? "0" : "not clean");

    std::string verified = "skipped";
    if (!o.verify_db.empty()) {
        auto v = verify(s, acked, o.verify_db);
        std::printf("%s: verified %" PRIu64 " acknowledged messages: %" PRIu64 " missing, %" PRIu64
                    " logged more than once, %" PRIu64 " without a reply row; %" PRIu64
                    " logged but not acknowledged (in flight at the stop or answered with an "
                    "error)\n",
                    o.label.c_str(),
                    v.acked,
                    v.missing,
                    v.duplicated,
                    v.without_reply,
                    v.unacked_rows);
        verified = v.ok() ? "ok" : "FAILED";
    }
    std::printf(
        "RESULT label=%s rate=%.0f p50=%.2f p99=%.2f p999=%.2f cpu=%.0f rss_mb=%.1f "
        "client_cpu=%.0f errors=%" PRIu64 " verified=%s\n",
        o.label.c_str(),
        rate,
        all.percentile_ms(50),
        all.percentile_ms(99),
        all.percentile_ms(99.9),
        server_cpu,
        static_cast<double>(peak_kb) / 1024.0,
        client_cpu,
        errors + no_reply,
        verified.c_str());
    return verified == "FAILED" || !clean_exit ? 1 : 0;
}
