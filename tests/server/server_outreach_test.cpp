// End to end over loopback: Sapa speaks first through Twilio's Messages API (a fake) while
// replies stay inline, and a cancelled seat promotes the waitlist and tells the promoted
// resident.

#include "cli/commands.hpp"
#include "gateway/detail/crypto.hpp"
#include "gateway/detail/text.hpp"
#include "support/course_script.hpp"
#include "support/running_sapa.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

using namespace sapa::testing;

namespace {

sapa_options twilio_api_options() {
    sapa_options o;
    o.channels = {channel::sms};
    o.sms_script = "k";
    o.twilio_send_api = true;
    o.extra_dialogs = {{"k.json", course_script}};
    return o;
}

std::map<std::string, std::string> form_of(const std::string& body) {
    std::map<std::string, std::string> out;
    auto decoded = sapa::gateway::detail::decode_form(body);
    REQUIRE(decoded.has_value());
    for (const auto& [k, v] : *decoded)
        out[k] = v;
    return out;
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE("a cancel promotes the waitlist and the promoted resident is told by Twilio's API") {
        running_sapa sapa(twilio_api_options());
        const std::string ani = "+6281234500201", budi = "+6281234500202", citra = "+6281234500203";
        auto reply = [&](const std::string& from, const std::string& text, const std::string& sid) {
            auto r = sapa.twilio(from, text, sid);
            REQUIRE(r.status == 200);
            return r.body;
        };
        CHECK(contains(reply(ani, "DAFTAR", "SMin1"), "Terdaftar K-0001"));
        CHECK(contains(reply(budi, "DAFTAR", "SMin2"), "Daftar tunggu nomor 1"));
        CHECK(contains(reply(citra, "DAFTAR", "SMin3"), "Daftar tunggu nomor 2"));
        // Replies to residents stay inline: nothing went to the Messages API.
        CHECK(sapa.twilio_api.requests().empty());

        CHECK(contains(reply(ani, "BATAL", "SMin4"), "Batal K-0001"));
        REQUIRE(sapa.twilio_api.wait_for_successes(1, std::chrono::seconds(5)));
        auto sent = sapa.twilio_api.requests();
        REQUIRE(sent.size() == 1);
        CHECK(sent[0].method == "POST");
        CHECK(sent[0].target == "/2010-04-01/Accounts/" + twilio_account_sid + "/Messages.json");
        CHECK(sent[0].authorization ==
              "Basic " + sapa::gateway::detail::base64(twilio_account_sid + ":" + twilio_token));
        auto form = form_of(sent[0].body);
        CHECK(form["To"] == budi);
        CHECK(form["From"] == "+6281100000000");
        CHECK(form["StatusCallback"] == sapa.url("/webhooks/sms/status"));
        CHECK(contains(form["Body"], "Pendaftaran K-0002 sekarang terdaftar (kursi nomor 1)"));

        // Twilio's status callbacks match the message by its SID and move it forward only.
        std::string sid;
        REQUIRE(wait_until([&] {
            for (const auto& r : sapa.conversation_of(budi).outbound())
                if (contains(column(r, "text"), "Kabar baik"))
                    sid = column(r, "gateway_message_id");
            return !sid.empty();
        }));
        CHECK(sid == "SMfake1");
        auto status = [&](const std::string& s) {
            return sapa
                .twilio_form("/webhooks/sms/status",
                             {{"MessageSid", sid},
                              {"MessageStatus", s},
                              {"AccountSid", twilio_account_sid},
                              {"From", "+6281100000000"},
                              {"To", budi}})
                .status;
        };
        CHECK(status("delivered") == 200);
        CHECK(status("sent") == 200);
        auto promoted_row = [&] {
            for (const auto& r : sapa.conversation_of(budi).outbound())
                if (column(r, "gateway_message_id") == sid) return r;
            return std::map<std::string, std::string>{};
        };
        CHECK(column(promoted_row(), "status") == "delivered");

        // Citra moved up to first on the waitlist.
        CHECK(contains(reply(citra, "DAFTAR", "SMin5"), "Daftar tunggu nomor 1"));

        // Staff cancel Budi's seat from the command line, while the server runs: Citra moves
        // up and the server sends her the news.
        std::istringstream in;
        std::ostringstream out, err;
        const auto config = (sapa.dir.path() / "sapa.json").string();
        CHECK(sapa::cli::run(
                  {"registration", "cancel", "K-0002", "--course", "K", "--config", config},
                  {in, out, err}) == 0);
        CHECK(err.str().empty());
        CHECK(contains(out.str(), "Cancelled K-0002 of course K"));
        CHECK(contains(out.str(), "K-0003"));
        CHECK(contains(out.str(), "moved up to seat 1; told on channel sms"));
        CHECK(!contains(out.str(), citra));
        REQUIRE(sapa.twilio_api.wait_for_successes(2, std::chrono::seconds(5)));
        auto second = form_of(sapa.twilio_api.requests().at(1).body);
        CHECK(second["To"] == citra);
        CHECK(contains(second["Body"], "K-0003 sekarang terdaftar (kursi nomor 1)"));
        CHECK(contains(reply(citra, "DAFTAR", "SMin6"), "Terdaftar K-0003"));
        // Unknown codes and courses are refused, naming them; nothing changes.
        std::ostringstream out2, err2;
        CHECK(sapa::cli::run(
                  {"registration", "cancel", "K-0099", "--course", "K", "--config", config},
                  {in, out2, err2}) == 1);
        CHECK(contains(err2.str(), "no registration K-0099 for course \"K\""));
        // Staff confirm Citra's seat: the server sends the script's confirmation; then she
        // attended (nothing sent); confirming now makes no sense and is refused.
        auto registration = [&](const std::string& action, std::ostringstream& o) {
            std::ostringstream e;
            const int rc = sapa::cli::run(
                {"registration", action, "K-0003", "--course", "K", "--config", config},
                {in, o, e});
            o << e.str();
            return rc;
        };
        std::ostringstream confirmed, attended, refused, unknown;
        CHECK(registration("confirm", confirmed) == 0);
        CHECK(contains(confirmed.str(), "Confirmed K-0003 of course K"));
        CHECK(contains(confirmed.str(), "told on channel sms"));
        REQUIRE(sapa.twilio_api.wait_for_successes(3, std::chrono::seconds(5)));
        auto third = form_of(sapa.twilio_api.requests().at(2).body);
        CHECK(third["To"] == citra);
        CHECK(contains(third["Body"], "Kursi K-0003 dikonfirmasi."));
        CHECK(registration("attended", attended) == 0);
        CHECK(contains(attended.str(), "Marked attended: K-0003"));
        CHECK(registration("confirm", refused) == 1);
        CHECK(contains(refused.str(), "not changed: the resident already attended"));
        CHECK(registration("uncancel", unknown) == 2);
        REQUIRE(sapa.process->stop() == 0);
        auto log = sapa.log_text();
        CHECK(contains(log, "waitlist: K-0002 of course K"));
        CHECK(contains(log, "moved up to seat 1; told on channel sms"));
        CHECK(!contains(log, budi));  // numbers are masked
    }
}

TEST_SUITE("server") {
    TEST_CASE("a broadcast starts a dialog node for a segment and the replies continue it") {
        running_sapa sapa(twilio_api_options());
        const auto config = (sapa.dir.path() / "sapa.json").string();
        const auto csv = (sapa.dir.path() / "kontak.csv").string();
        std::ofstream(csv) << "number,name,consent_source,group\n"
                              "081234500301,Ani,form,kelas-a\n"
                              "081234500302,Budi,form,kelas-a\n"
                              "081234500303,Citra,form,kelas-a\n"
                              "081234500304,Dodi,form,kelas-b\n";
        struct result {
            int code;
            std::string out, err;
        };
        auto sapa_cli = [&](sapa::cli::arguments args) {
            args.push_back("--config");
            args.push_back(config);
            std::istringstream in;
            std::ostringstream out, err;
            int code = sapa::cli::run(args, {in, out, err});
            return result{code, out.str(), err.str()};
        };
        REQUIRE(sapa_cli({"contacts", "import", csv}).code == 0);
        // Citra replied STOP: never in a broadcast.
        REQUIRE(sapa.twilio("+6281234500303", "STOP", "SMb1").status == 200);

        auto plan = sapa_cli({"broadcast",
                              "create",
                              "--node",
                              "hadir",
                              "--segment",
                              "group=kelas-a",
                              "--channel",
                              "sms",
                              "--dry-run"});
        CHECK(plan.code == 0);
        CHECK(plan.out == "2 recipients, 2 messages, 2 SMS segments (dry run: nothing sent)\n");
        // Bad requests: a clear error, nothing sent.
        auto refused = [&](sapa::cli::arguments args, const std::string& words) {
            auto r = sapa_cli(args);
            CHECK(r.code != 0);
            CHECK_MESSAGE(contains(r.err, words), r.err);
        };
        refused(
            {"broadcast", "create", "--text", "x", "--segment", "group=kelas-a", "--channel", "wa"},
            "no channel \"wa\"");
        refused({"broadcast",
                 "create",
                 "--node",
                 "tidak_ada",
                 "--segment",
                 "group=kelas-a",
                 "--channel",
                 "sms"},
                "no node \"tidak_ada\"");
        refused({"broadcast",
                 "create",
                 "--text",
                 "x",
                 "--segment",
                 "kota=Lumajang",
                 "--channel",
                 "sms"},
                "unknown segment key \"kota\"");
        refused({"broadcast",
                 "create",
                 "--text",
                 "x",
                 "--segment",
                 "group=kelas-a",
                 "--channel",
                 "sms",
                 "--at",
                 "2020-01-01T08:00"},
                "is in the past");
        refused({"broadcast",
                 "create",
                 "--node",
                 "hadir",
                 "--segment",
                 "group=kelas-a",
                 "--channel",
                 "sms",
                 "--budget",
                 "1"},
                "2 SMS segments is over the budget of 1; nothing sent");
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a poll of the sender
        CHECK(sapa.twilio_api.requests().empty());

        auto sent = sapa_cli({"broadcast",
                              "create",
                              "--node",
                              "hadir",
                              "--segment",
                              "group=kelas-a",
                              "--channel",
                              "sms"});
        CHECK(sent.code == 0);
        CHECK(contains(sent.out, "broadcast 1: 2 recipients on channel sms"));
        REQUIRE(sapa.twilio_api.wait_for_successes(2, std::chrono::seconds(5)));
        std::set<std::string> to;
        for (const auto& r : sapa.twilio_api.requests()) {
            auto form = form_of(r.body);
            to.insert(form["To"]);
            CHECK(form["Body"] == "Kelas besok. 1 hadir / 2 batal");
        }
        CHECK(to == std::set<std::string>{"+6281234500301", "+6281234500302"});
        // The answer continues the dialog the broadcast started.
        auto answer = sapa.twilio("+6281234500301", "1", "SMb2");
        CHECK(contains(answer.body, "Terima kasih, sampai besok."));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CHECK(sapa.twilio_api.requests().size() == 2);  // each once
    }
}
