// A broadcast survives SIGKILL exactly once per recipient: 10,000 imported contacts, a
// broadcast on a Twilio channel that sends by API to a fake Twilio on 127.0.0.1, `sapa serve`
// killed twice mid-way and restarted on the same database. Every recipient is queued once
// (one unit of work per recipient records it queued), and a send that was in flight when the
// process died is in doubt: the restarted sender asks the (fake) Twilio's message list whether
// it has it before sending again. The fake must receive every recipient exactly once.

#include "cli/commands.hpp"
#include "fault/fault_support.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace {

using namespace sapa::fault;

constexpr int recipients = 10'000;

// Sends (POSTs) the fake received, per number.
std::map<std::string, int> sends_per_number(const fake_gateway& twilio) {
    std::map<std::string, int> out;
    for (const auto& r : twilio.requests())
        if (r.method == "POST") ++out[decode_form(r.body)["To"]];
    return out;
}

}  // namespace

TEST_SUITE("fault") {
    TEST_CASE("a broadcast killed mid-way reaches every recipient exactly once after restarts") {
        sapa_options options;
        options.channels = {channel::sms};
        options.twilio_send_api = true;
        options.twilio_send_rate_per_second = 1000;
        options.batch_max_wait_ms = 0;   // the sender's store calls come one at a time
        options.synchronous = "NORMAL";  // a kill loses no commit; power is not cut here
        running_sapa sapa(options);
        sapa.twilio_api.answer_twilio_lookups();
        const auto config = (sapa.dir.path() / "sapa.json").string();
        const auto csv = (sapa.dir.path() / "kontak.csv").string();
        {
            std::ofstream out(csv);
            out << "number,name,consent_source\n";
            for (int i = 0; i < recipients; ++i)
                out << "0813" << 10'000'000 + i << ",Warga " << i << ",form\n";
        }
        auto sapa_cli = [&](sapa::cli::arguments args) {
            args.push_back("--config");
            args.push_back(config);
            std::istringstream in;
            std::ostringstream out, err;
            int code = sapa::cli::run(args, {in, out, err});
            INFO(out.str() << err.str());
            return code;
        };
        REQUIRE(sapa_cli({"contacts", "import", csv}) == 0);
        const auto started = std::chrono::steady_clock::now();
        REQUIRE(sapa_cli({"broadcast",
                          "create",
                          "--text",
                          "Pelatihan menjahit dibuka besok di Balai Desa",
                          "--segment",
                          "all",
                          "--channel",
                          "sms"}) == 0);
        for (std::size_t kill_after : {2'500u, 6'000u}) {
            REQUIRE(sapa.twilio_api.wait_for_successes(kill_after, std::chrono::seconds(30)));
            sapa.process->kill();
            sapa.start();  // same port, same database
        }
        bool all =
            wait_until([&] { return sends_per_number(sapa.twilio_api).size() >= recipients; },
                       std::chrono::seconds(40));
        std::this_thread::sleep_for(std::chrono::milliseconds(500));  // no late duplicate
        MESSAGE("sent to " << recipients << " with two kills in "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - started)
                                  .count()
                           << " ms");
        REQUIRE(all);
        auto sends = sends_per_number(sapa.twilio_api);
        CHECK(sends.size() == recipients);
        int duplicates = 0;
        for (const auto& [number, n] : sends)
            if (n != 1) ++duplicates;
        CHECK(duplicates == 0);
        std::istringstream in;
        std::ostringstream shown, err;
        CHECK(sapa::cli::run({"broadcast", "show", "1", "--config", config}, {in, shown, err}) ==
              0);
        CHECK_MESSAGE(shown.str().find("waiting 0, queued 0, sent 10000,") != std::string::npos,
                      shown.str());
        REQUIRE(sapa.process->stop() == 0);
        SQLite::Database file(sapa.db.string(), SQLite::OPEN_READONLY);
        CHECK(file.execAndGet("PRAGMA integrity_check").getString() == "ok");
    }
}
