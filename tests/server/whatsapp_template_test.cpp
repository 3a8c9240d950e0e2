// End to end over loopback against the fake Graph API: outside WhatsApp's 24-hour window a
// proactive message goes as the approved template given with the broadcast; the window runs
// from the resident's last message on the channel, not from a dialog node Sapa started.

#include "cli/commands.hpp"
#include "support/running_sapa.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace sapa::testing;

namespace {

struct cli_result {
    int code;
    std::string out, err;
};

cli_result run_cli(const running_sapa& sapa, sapa::cli::arguments args) {
    args.push_back("--config");
    args.push_back((sapa.dir.path() / "sapa.json").string());
    std::istringstream in;
    std::ostringstream out, err;
    int code = sapa::cli::run(args, {in, out, err});
    return {code, out.str(), err.str()};
}

// The Graph API requests sent to `wa_id` (digits), oldest first, parsed.
std::vector<json> sent_to(const running_sapa& sapa, const std::string& wa_id) {
    std::vector<json> out;
    for (const auto& r : sapa.graph.requests()) {
        auto body = json::parse(r.body, nullptr, false);
        if (body.is_object() && body.value("to", "") == wa_id) out.push_back(body);
    }
    return out;
}

// The contact's outbound rows once there are `count` and the last is no longer queued (the
// running server queues a stored broadcast's recipients on its next tick).
std::vector<row> settled_outbound(const running_sapa& sapa,
                                  const std::string& contact,
                                  std::size_t count) {
    std::vector<row> rows;
    wait_until([&] {
        rows = sapa.conversation_of(contact).outbound();
        return rows.size() >= count && rows.back()["status"] != "queued";
    });
    return rows;
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE("outside the 24-hour window a broadcast goes as its WhatsApp template") {
        sapa_options options;
        options.channels = {channel::wa};
        running_sapa sapa(options);
        const auto csv = (sapa.dir.path() / "kontak.csv").string();
        std::ofstream(csv) << "number,name,consent_source,group\n"
                              "081234500401,Ani,form,a\n"
                              "081234500402,Budi,form,a\n"
                              "081234500403,Citra,form,b\n";
        REQUIRE(run_cli(sapa, {"contacts", "import", csv}).code == 0);
        // Budi wrote a moment ago: inside the window. Ani and Citra never wrote.
        REQUIRE(sapa.meta("wa",
                          phone_number_id,
                          running_sapa::text_message("6281234500402", "halo", "wamid.in1"))
                    .status == 200);
        REQUIRE(sapa.graph.wait_for_successes(1, std::chrono::seconds(5)));

        // Starting the menu node moves Ani's session (it used to count as Ani writing).
        auto sent = run_cli(sapa,
                            {"broadcast",
                             "create",
                             "--node",
                             "menu",
                             "--segment",
                             "group=a",
                             "--channel",
                             "wa",
                             "--template",
                             "kelas_pengingat",
                             "--template-language",
                             "id",
                             "--template-param",
                             "Senin 08:00"});
        CHECK_MESSAGE(sent.code == 0, sent.err);
        REQUIRE(sapa.graph.wait_for_successes(3, std::chrono::seconds(5)));
        auto ani = sent_to(sapa, "6281234500401");
        REQUIRE(ani.size() == 1);
        CHECK(ani[0]["type"] == "template");
        CHECK(ani[0]["template"]["name"] == "kelas_pengingat");
        CHECK(ani[0]["template"]["language"]["code"] == "id");
        CHECK(ani[0]["template"]["components"][0]["type"] == "body");
        CHECK(ani[0]["template"]["components"][0]["parameters"][0]["text"] == "Senin 08:00");
        auto budi = sent_to(sapa, "6281234500402");
        REQUIRE(budi.size() == 2);
        CHECK(budi[1]["type"] == "text");  // inside the window: the menu itself

        // A template Meta does not know: failed with Meta's code and plain words.
        sapa.graph.plan({400,
                         R"({"error":{"message":"(#132001) Template name does not exist in the )"
                         R"(translation","type":"OAuthException","code":132001}})",
                         {}});
        CHECK(run_cli(sapa,
                      {"broadcast",
                       "create",
                       "--text",
                       "Kelas besok",
                       "--segment",
                       "group=b",
                       "--channel",
                       "wa",
                       "--template",
                       "tidak_ada"})
                  .code == 0);
        auto citra = settled_outbound(sapa, "+6281234500403", 1);
        REQUIRE(citra.size() == 1);
        CHECK(citra[0]["status"] == "failed");
        CHECK(citra[0]["status_code"] == "132001");
        CHECK_MESSAGE(contains(citra[0]["status_reason"],
                               "WhatsApp refused template \"tidak_ada\" (id): template does not "
                               "exist in this language"),
                      citra[0]["status_reason"]);

        // No template: failed in plain words, nothing sent to Meta.
        const auto requests_before = sapa.graph.requests().size();
        CHECK(run_cli(sapa,
                      {"broadcast",
                       "create",
                       "--text",
                       "Kelas besok",
                       "--segment",
                       "group=b",
                       "--channel",
                       "wa"})
                  .code == 0);
        citra = settled_outbound(sapa, "+6281234500403", 2);
        REQUIRE(citra.size() == 2);
        CHECK(citra[1]["status"] == "failed");
        CHECK(citra[1]["status_code"] == "window");
        CHECK(contains(citra[1]["status_reason"],
                       "more than 24 hours since the resident last wrote"));
        CHECK(sapa.graph.requests().size() == requests_before);
    }
}
