// Engine turn cost: the CPU one inbound message costs in `engine::handle_message`, without
// HTTP or SQL, and the cost of the session JSON the store writes and reads for each message.
//
//   engine_bench [--residents N] [--cycles C] [--reps R] [--dialogs PATH] [--trace]
//
// Loads the dialogs as `sapa serve` does and drives N residents through the Lumajang sign-up
// with the two walks of the load benchmark (bench/lumajang_walk.hpp). Each resident has its own
// memory registrar, reset at the start of each walk to a course already full (16 others
// registered), so every walk ends waitlisted as in the load benchmark and the registrar's cost
// stays constant. A first untimed pass prints a digest of every reply and event, so a change
// that alters behaviour shows as a different digest.

#include "dialog/catalog.hpp"
#include "engine/engine.hpp"
#include "engine/state.hpp"
#include "lumajang_walk.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

using namespace sapa;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
    long residents = 1000;
    int cycles = 4;  // each cycle is both walks: 27 messages per resident
    int reps = 5;
    std::string dialogs = "dialogs";
    bool trace = false;
};

[[noreturn]] void usage(const std::string& problem) {
    std::fprintf(stderr,
                 "engine_bench: %s\nusage: engine_bench [--residents N] [--cycles C] [--reps R] "
                 "[--dialogs PATH] [--trace]\n",
                 problem.c_str());
    std::exit(2);
}

options parse_options(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--trace") {
            o.trace = true;
            continue;
        }
        if (i + 1 >= argc) usage("missing value for " + a);
        const char* v = argv[++i];
        if (a == "--residents")
            o.residents = std::atol(v);
        else if (a == "--cycles")
            o.cycles = std::atoi(v);
        else if (a == "--reps")
            o.reps = std::atoi(v);
        else if (a == "--dialogs")
            o.dialogs = v;
        else
            usage("unknown option " + a);
    }
    if (o.residents < 1 || o.cycles < 1 || o.reps < 1) usage("bad numbers");
    return o;
}

// --- The walks of the load benchmark (bench/lumajang_walk.hpp), as whole lists ---

std::vector<std::string> walk_answers(long resident, int walk) {
    std::vector<std::string> out;
    for (int step = 0; step < sapa::bench::walk_length(walk); ++step)
        out.push_back(sapa::bench::answer(resident, walk, step));
    return out;
}

struct resident {
    engine::contact_state state;
    std::vector<std::string> walks[2];
    int walk = 0;
    std::size_t step = 0;
    engine::memory_ledger registrations;
};

// A course with its 16 seats taken by others.
engine::memory_ledger full_course() {
    engine::memory_ledger ledger;
    engine::registrar r(ledger);
    for (int i = 0; i < 16; ++i) {
        char address[32];
        std::snprintf(address, sizeof address, "+6281999%06d", i);
        r.register_contact(address, "menjahit", "LMJ-JHT", 16, {}, 0);
    }
    return ledger;
}

std::vector<resident> make_residents(long count) {
    std::vector<resident> out(static_cast<std::size_t>(count));
    for (long i = 0; i < count; ++i) {
        auto& r = out[static_cast<std::size_t>(i)];
        char number[32];
        std::snprintf(number, sizeof number, "+62812%08ld", i);
        r.state.address = number;
        r.walks[0] = walk_answers(i, 0);
        r.walks[1] = walk_answers(i, 1);
    }
    return out;
}

// FNV-1a, enough to see that two builds answered alike.
struct digest {
    std::uint64_t h = 1469598103934665603ULL;
    void add(const std::string& s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 1099511628211ULL;
        }
        h ^= 0xFF;
        h *= 1099511628211ULL;
    }
};

// The message a resident sends next; resets its registrar when a walk starts. Untimed.
const std::string& next_message(resident& r, const engine::memory_ledger& template_registrar) {
    if (r.step == 0) r.registrations = template_registrar;
    return r.walks[r.walk][r.step];
}

void advance(resident& r) {
    if (++r.step >= r.walks[r.walk].size()) {
        r.step = 0;
        r.walk = 1 - r.walk;
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const options o = parse_options(argc, argv);
    auto loaded = dialog::load_catalog({o.dialogs});
    if (!loaded.scripts || !loaded.scripts->find("lumajang")) {
        std::fprintf(
            stderr, "engine_bench: cannot load the lumajang script from %s\n", o.dialogs.c_str());
        return 1;
    }
    const dialog::catalog& scripts = *loaded.scripts;
    const std::string script_id = "lumajang";
    const engine::memory_ledger template_registrar = full_course();
    constexpr std::size_t messages_per_cycle = 15 + 12;
    engine::unix_seconds now = 1'780'000'000;

    // Untimed pass: one cycle of both walks for every resident, digesting what the engine
    // said and collecting the sessions for the JSON figures.
    std::vector<resident> people = make_residents(o.residents);
    std::vector<engine::session_state> sessions;
    digest d;
    std::size_t replies = 0, events = 0;
    for (std::size_t m = 0; m < messages_per_cycle; ++m, ++now) {
        for (auto& r : people) {
            const std::string& text = next_message(r, template_registrar);
            engine::registrar registrar(r.registrations);
            auto t = engine::handle_message(scripts, script_id, r.state, text, now, registrar);
            if (o.trace && &r == &people.front()) {
                std::printf("> %s\n", text.c_str());
                for (const auto& e : t.events)
                    std::printf("  %s\n", engine::describe(e).c_str());
                for (const auto& reply : t.replies)
                    std::printf("< %s\n", reply.text.c_str());
            }
            for (const auto& reply : t.replies)
                d.add(reply.text);
            for (const auto& e : t.events)
                d.add(engine::describe(e));
            replies += t.replies.size();
            events += t.events.size();
            r.state = std::move(t.state);
            sessions.push_back(r.state.session);
            advance(r);
        }
    }
    std::printf("residents %ld, digest %016llx (%zu replies, %zu events per cycle)\n",
                o.residents,
                static_cast<unsigned long long>(d.h),
                replies,
                events);

    // Turns, timed per pass over all residents; the registrar resets stay outside the clock.
    std::vector<double> us_per_turn;
    for (int rep = 0; rep < o.reps; ++rep) {
        double seconds = 0;
        std::size_t turns = 0;
        for (int c = 0; c < o.cycles; ++c) {
            for (std::size_t m = 0; m < messages_per_cycle; ++m, ++now) {
                std::vector<const std::string*> texts;
                texts.reserve(people.size());
                for (auto& r : people)
                    texts.push_back(&next_message(r, template_registrar));
                const auto start = clock_type::now();
                for (std::size_t i = 0; i < people.size(); ++i) {
                    auto& r = people[i];
                    engine::registrar registrar(r.registrations);
                    r.state = engine::handle_message(
                                  scripts, script_id, r.state, *texts[i], now, registrar)
                                  .state;
                }
                seconds += std::chrono::duration<double>(clock_type::now() - start).count();
                turns += people.size();
                for (auto& r : people)
                    advance(r);
            }
        }
        us_per_turn.push_back(seconds * 1e6 / static_cast<double>(turns));
        std::printf("turns rep %d: %zu turns, %.0f turns/s, %.2f us/turn\n",
                    rep + 1,
                    turns,
                    static_cast<double>(turns) / seconds,
                    us_per_turn.back());
    }

    // Session JSON as the store does it: nlohmann::json(s).dump() to write,
    // parse + get<session_state>() to read.
    std::vector<double> us_to, us_from;
    std::size_t bytes = 0;
    for (int rep = 0; rep < o.reps; ++rep) {
        std::vector<std::string> texts;
        texts.reserve(sessions.size());
        auto start = clock_type::now();
        for (const auto& s : sessions)
            texts.push_back(nlohmann::json(s).dump());
        const double to_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
        std::size_t checksum = 0;
        start = clock_type::now();
        for (const auto& t : texts) {
            auto j = nlohmann::json::parse(t, nullptr, false);
            checksum += j.get<engine::session_state>().variables.size();
        }
        const double from_seconds =
            std::chrono::duration<double>(clock_type::now() - start).count();
        bytes = 0;
        for (const auto& t : texts)
            bytes += t.size();
        const auto n = static_cast<double>(sessions.size());
        us_to.push_back(to_seconds * 1e6 / n);
        us_from.push_back(from_seconds * 1e6 / n);
        if (checksum == 0) std::printf("(no variables?)\n");
    }
    std::printf(
        "session json: %zu sessions, %.0f bytes avg; to_json+dump %.2f us, "
        "parse+from_json %.2f us (median of %d)\n",
        sessions.size(),
        static_cast<double>(bytes) / static_cast<double>(sessions.size()),
        median(us_to),
        median(us_from),
        o.reps);
    std::printf("median %.2f us/turn (%.0f turns/s), best %.2f; session json %.2f us\n",
                median(us_per_turn),
                1e6 / median(us_per_turn),
                *std::min_element(us_per_turn.begin(), us_per_turn.end()),
                median(us_to) + median(us_from));
    return 0;
}
