// End to end (issue 16 item 6): a photo over Twilio MMS and a voice note over WhatsApp Cloud
// reach the real `sapa serve`, are answered that Sapa reads text only, and leave their rows in
// the conversation log: the inbound message with its media (the provider's URL or media id,
// never fetched) and the reply to it.

#include "support/running_sapa.hpp"

#include <doctest/doctest.h>

using namespace sapa::testing;

namespace {

using row = std::map<std::string, std::string>;

const std::string text_only = "hanya bisa membaca tulisan";

}  // namespace

TEST_SUITE("server") {
    TEST_CASE("a photo over Twilio MMS is answered in TwiML and logged with its media URL") {
        running_sapa sapa;
        const std::string from = "+6281234500301";
        REQUIRE(sapa.twilio(from, "halo", "SMmedia1").status == 200);
        const std::string media_url =
            "https://api.twilio.com/2010-04-01/Accounts/AC0000/Messages/MMmedia2/Media/ME1";
        auto r = sapa.twilio_form("/webhooks/sms",
                                  {{"MessageSid", "MMmedia2"},
                                   {"AccountSid", "AC0000"},
                                   {"From", from},
                                   {"To", "+6281100000000"},
                                   {"Body", ""},
                                   {"NumMedia", "1"},
                                   {"MediaUrl0", media_url},
                                   {"MediaContentType0", "image/jpeg"}});
        REQUIRE(r.status == 200);
        CHECK(contains(r.body, "<Response><Message>"));
        CHECK(contains(r.body, text_only));
        CHECK(contains(r.body, "Balas satu angka"));  // the menu's hint: the menu is pending
        // The menu is still the question: "3" picks the course.
        auto next = sapa.twilio(from, "3", "SMmedia3");
        CHECK(contains(next.body, "Setuju?"));
        CHECK(sapa.process->stop() == 0);

        const auto log = sapa.conversation_of(from);
        const row* photo = nullptr;
        for (const auto& row : log.rows)
            if (column(row, "gateway_message_id") == "MMmedia2") photo = &row;
        REQUIRE(photo);
        CHECK(column(*photo, "direction") == "in");
        CHECK(column(*photo, "text").empty());
        CHECK(column(*photo, "media") ==
              R"([{"kind":"image","url":")" + media_url + R"(","content_type":"image/jpeg"}])");
        bool answered = false;
        for (const auto& row : log.outbound())
            if (column(row, "reply_to") == column(*photo, "id") &&
                contains(column(row, "text"), text_only))
                answered = true;
        CHECK(answered);
        CHECK_FALSE(contains(sapa.log_text(), media_url));  // the URL stays out of the log
    }

    TEST_CASE("a WhatsApp voice note is answered through the Graph API and logged") {
        running_sapa sapa;
        const std::string wa_id = "6281234500302";
        const json voice = {
            {"contacts", {{{"profile", {{"name", "Budi"}}}, {"wa_id", wa_id}}}},
            {"messages",
             {{{"from", wa_id},
               {"id", "wamid.voice1"},
               {"timestamp", "1718000000"},
               {"type", "audio"},
               {"audio", {{"id", "media-777"}, {"mime_type", "audio/ogg; codecs=opus"}}}}}}};
        REQUIRE(sapa.meta("wa", phone_number_id, voice).status == 200);
        REQUIRE(sapa.graph.wait_for_successes(1, std::chrono::seconds(5)));
        bool sent = false;
        for (const auto& request : sapa.graph.requests())
            if (contains(request.body, text_only)) sent = true;
        CHECK(sent);
        CHECK(sapa.process->stop() == 0);

        const auto log = sapa.conversation_of("+" + wa_id);
        REQUIRE(log.rows.size() == 2);
        CHECK(column(log.rows[0], "gateway_message_id") == "wamid.voice1");
        CHECK(
            column(log.rows[0], "media") ==
            R"([{"kind":"audio","media_id":"media-777","content_type":"audio/ogg; codecs=opus"}])");
        CHECK(column(log.rows[1], "reply_to") == column(log.rows[0], "id"));
        CHECK(contains(column(log.rows[1], "text"), text_only));
    }
}
