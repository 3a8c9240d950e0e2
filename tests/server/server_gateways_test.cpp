// End to end, per gateway: delivery statuses (Twilio, Meta), the generic JSON channel,
// WhatsApp interactive menus, and what the access log may say.

#include "support/running_sapa.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace sapa::testing;

namespace {

// Waits until every reply to `contact` went out through the fake Graph API (status sent and
// the wamid recorded), and returns the outbound rows.
std::vector<row> sent_replies(const running_sapa& sapa,
                              const std::string& contact,
                              std::size_t at_least) {
    std::vector<row> out;
    wait_until([&] {
        out = sapa.conversation_of(contact).outbound();
        if (out.size() < at_least) return false;
        for (const auto& r : out)
            if (column(r, "status") == "queued" || column(r, "gateway_message_id").empty())
                return false;
        return true;
    });
    return out;
}

row by_wamid(const running_sapa& sapa, const std::string& contact, const std::string& wamid) {
    for (const auto& r : sapa.conversation_of(contact).outbound())
        if (column(r, "gateway_message_id") == wamid) return r;
    return {};
}

}  // namespace

TEST_SUITE("server") {
    TEST_CASE(
        "Twilio status callbacks are verified and answered, and cannot match inline replies") {
        // Twilio replies travel inline (TwiML): Twilio never tells Sapa the reply's
        // MessageSid, so the logged reply has no provider id and no status callback can
        // match it. The route still checks the signature, answers 200 (so Twilio does not
        // retry), and changes nothing.
        running_sapa sapa;
        const std::string from = "+6281234500101";
        REQUIRE(sapa.twilio(from, "halo", "SMin101").status == 200);

        auto status = [&](std::map<std::string, std::string> params, bool sign = true) {
            params.emplace("AccountSid", "AC0000");
            params.emplace("From", "+6281100000000");
            params.emplace("To", from);
            params.emplace("ApiVersion", "2010-04-01");
            return sapa.twilio_form("/webhooks/sms/status", params, sign);
        };
        CHECK(status({{"MessageSid", "SMout101"}, {"MessageStatus", "sent"}}).status == 200);
        CHECK(status({{"MessageSid", "SMout101"}, {"MessageStatus", "delivered"}}).status == 200);
        CHECK(status(
                  {{"MessageSid", "SMout101"}, {"MessageStatus", "failed"}, {"ErrorCode", "30003"}})
                  .status == 200);
        // Statuses Sapa does not track (accepted, sending...) are fine too.
        CHECK(status({{"MessageSid", "SMout101"}, {"MessageStatus", "sending"}}).status == 200);
        // The signature covers the status URL, not the inbound one.
        CHECK(status({{"MessageSid", "SMout101"}, {"MessageStatus", "read"}}, false).status == 403);
        auto signed_for_inbound_url =
            twilio_signature(twilio_token,
                             sapa.url("/webhooks/sms"),
                             {{"MessageSid", "SMout101"}, {"MessageStatus", "delivered"}});
        CHECK(http_call(sapa.port,
                        {"POST",
                         "/webhooks/sms/status",
                         {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"X-Twilio-Signature", signed_for_inbound_url}},
                         form_encode({{"MessageSid", "SMout101"}, {"MessageStatus", "delivered"}})})
                  .status == 403);
        CHECK(http_call(sapa.port, {"GET", "/webhooks/sms/status", {}, ""}).status == 405);

        REQUIRE(sapa.process->stop() == 0);
        auto replies = sapa.conversation_of(from).outbound();
        REQUIRE(!replies.empty());
        for (const auto& r : replies) {
            CHECK(column(r, "status") == "sent");  // inline replies are logged as sent
            CHECK(column(r, "gateway_message_id").empty());
            CHECK(column(r, "status_code").empty());
        }
    }

    TEST_CASE("Meta statuses move a reply forward only, and a failure keeps its code and words") {
        running_sapa sapa;
        const std::string wa_id = "6281234500102";
        const std::string contact = "+" + wa_id;
        REQUIRE(sapa.whatsapp(wa_id, "halo", "wamid.IN102a").status == 200);
        auto first = sent_replies(sapa, contact, 1);
        REQUIRE(first.size() == 1);
        const std::string wamid = column(first[0], "gateway_message_id");
        CHECK(wamid.starts_with("wamid.fake"));
        CHECK(column(first[0], "status") == "sent");

        // Out of order: read arrives before delivered; neither delivered nor a late sent
        // moves it back.
        CHECK(sapa.whatsapp_statuses({running_sapa::status(wamid, wa_id, "read")}).status == 200);
        CHECK(column(by_wamid(sapa, contact, wamid), "status") == "read");
        CHECK(sapa.whatsapp_statuses({running_sapa::status(wamid, wa_id, "delivered"),
                                      running_sapa::status(wamid, wa_id, "sent")})
                  .status == 200);
        CHECK(column(by_wamid(sapa, contact, wamid), "status") == "read");
        // Read never becomes failed.
        CHECK(sapa.whatsapp_statuses({running_sapa::status(wamid, wa_id, "failed", 131026, "x")})
                  .status == 200);
        auto after = by_wamid(sapa, contact, wamid);
        CHECK(column(after, "status") == "read");
        CHECK(column(after, "status_code").empty());

        // The next replies: one is delivered in order, one fails with Meta's code.
        REQUIRE(sapa.whatsapp(wa_id, "3", "wamid.IN102b").status == 200);
        auto all = sent_replies(sapa, contact, 3);
        REQUIRE(all.size() >= 3);
        const std::string second = column(all[1], "gateway_message_id");
        const std::string third = column(all[2], "gateway_message_id");
        CHECK(sapa.whatsapp_statuses({running_sapa::status(second, wa_id, "sent"),
                                      running_sapa::status(second, wa_id, "delivered")})
                  .status == 200);
        CHECK(column(by_wamid(sapa, contact, second), "status") == "delivered");
        CHECK(sapa.whatsapp_statuses({running_sapa::status(second, wa_id, "sent")}).status == 200);
        CHECK(column(by_wamid(sapa, contact, second), "status") == "delivered");

        CHECK(sapa.whatsapp_statuses({running_sapa::status(
                                         third, wa_id, "failed", 131026, "Message undeliverable")})
                  .status == 200);
        auto failed = by_wamid(sapa, contact, third);
        CHECK(column(failed, "status") == "failed");
        CHECK(column(failed, "status_code") == "131026");
        CHECK(!column(failed, "status_reason").empty());
        CHECK(column(failed, "status_reason").find("131026") == std::string::npos);
        // Failed is terminal.
        CHECK(sapa.whatsapp_statuses({running_sapa::status(third, wa_id, "delivered")}).status ==
              200);
        CHECK(column(by_wamid(sapa, contact, third), "status") == "failed");

        // Unknown ids and statuses Sapa does not track are answered 200 and ignored; a batch
        // of a message and statuses answers once both are durable.
        CHECK(sapa.whatsapp_statuses({running_sapa::status("wamid.unknown", wa_id, "delivered"),
                                      running_sapa::status(second, wa_id, "deleted")})
                  .status == 200);
        auto batch = running_sapa::text_message(wa_id, "MENU", "wamid.IN102c");
        batch["statuses"] = json::array({running_sapa::status(second, wa_id, "read")});
        CHECK(sapa.meta("wa", phone_number_id, batch).status == 200);
        CHECK(column(by_wamid(sapa, contact, second), "status") == "read");

        // A status signed with the wrong secret changes nothing.
        json forged = {
            {"object", "whatsapp_business_account"},
            {"entry",
             {{{"id", "1"},
               {"changes",
                {{{"field", "messages"},
                  {"value",
                   {{"messaging_product", "whatsapp"},
                    {"statuses", {running_sapa::status(third, wa_id, "failed", 1, "x")}}}}}}}}}}};
        auto raw = forged.dump();
        CHECK(http_call(sapa.port,
                        {"POST",
                         "/webhooks/wa",
                         {{"Content-Type", "application/json"},
                          {"X-Hub-Signature-256", sha256_signature("guess", raw)}},
                         raw})
                  .status == 403);

        REQUIRE(sapa.process->stop() == 0);
        auto final_rows = sapa.conversation_of(contact);
        CHECK(column(by_wamid(sapa, contact, wamid), "status") == "read");
        CHECK(column(by_wamid(sapa, contact, second), "status") == "read");
        CHECK(column(by_wamid(sapa, contact, third), "status_code") == "131026");
        int inbound = 0;
        for (const auto& r : final_rows.rows)
            if (column(r, "direction") == "in") ++inbound;
        CHECK(inbound == 3);
    }

    TEST_CASE(
        "the generic JSON channel answers signed messages inline and refuses bad signatures") {
        running_sapa sapa;
        auto first = sapa.generic({{"id", "g-1"}, {"from", "081234500103"}, {"text", "halo"}});
        REQUIRE(first.status == 200);
        auto answer = json::parse(first.body);
        REQUIRE(answer["replies"].is_array());
        REQUIRE(answer["replies"].size() >= 1);
        const auto& menu = answer["replies"].back();
        CHECK(contains(menu["text"].get<std::string>(), "Selamat datang"));
        CHECK(contains(menu["text"].get<std::string>(), "1. Daftar kursus"));
        CHECK(menu["body"] == "Selamat datang. Pilih:");
        REQUIRE(menu["options"].size() == 3);
        CHECK(menu["options"][0]["key"] == "1");
        CHECK(menu["options"][0]["label"] == "Daftar kursus");

        // The tapped option's key moves the dialog on.
        auto next = sapa.generic({{"id", "g-2"}, {"from", "081234500103"}, {"text", "1"}});
        REQUIRE(next.status == 200);
        CHECK(contains(next.body, "Siapa nama lengkap Anda?"));
        // A second delivery of the same id gets the same answer and runs nothing.
        auto again = sapa.generic({{"id", "g-2"}, {"from", "081234500103"}, {"text", "1"}});
        CHECK(again.status == 200);
        CHECK(again.body == next.body);

        // Signatures: wrong secret, none, and a body changed after signing.
        std::string raw = json{{"id", "g-3"}, {"from", "081234500103"}, {"text", "Budi"}}.dump();
        CHECK(sapa.generic(raw, sha256_signature("guess", raw)).status == 403);
        CHECK(sapa.generic(raw, "").status == 403);
        CHECK(sapa.generic(raw + " ", sha256_signature(generic_secret, raw)).status == 403);
        // Upper-case hex is accepted (docs/generic-json.md).
        auto upper = sha256_signature(generic_secret, raw);
        for (std::size_t i = 7; i < upper.size(); ++i)
            upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
        auto accepted = sapa.generic(raw, upper);
        CHECK(accepted.status == 200);
        CHECK(contains(accepted.body, "Berapa umur Anda, Budi?"));

        // Malformed and unknown status words are 4xx; a status for an inline reply (which
        // has no id) is answered and ignored.
        CHECK(sapa.generic(json{{"id", "g-4"}, {"from", "081234500103"}}).status == 400);
        CHECK(sapa.generic(json{{"status", {{"id", "out-1"}, {"status", "lost"}}}}).status == 400);
        auto status = sapa.generic(json{{"status", {{"id", "out-1"}, {"status", "delivered"}}}});
        CHECK(status.status == 200);
        CHECK(json::parse(status.body) == json{{"replies", json::array()}});

        REQUIRE(sapa.process->stop() == 0);
        auto log = sapa.conversation_of("+6281234500103");
        int inbound = 0;
        for (const auto& r : log.rows)
            if (column(r, "direction") == "in") ++inbound;
        CHECK(inbound == 3);  // g-1, g-2 once, g-3
    }

    TEST_CASE("an interactive WhatsApp channel sends menus as buttons and follows a tapped one") {
        running_sapa sapa;
        const std::string wa_id = "6281234500104";
        auto menu_requests = [&] {
            std::vector<json> out;
            for (const auto& r : sapa.graph.requests())
                if (r.target == "/" + menu_phone_number_id + "/messages")
                    out.push_back(json::parse(r.body));
            return out;
        };
        REQUIRE(sapa.meta("wa-menu",
                          menu_phone_number_id,
                          running_sapa::text_message(wa_id, "halo", "wamid.IN104a"))
                    .status == 200);
        REQUIRE(wait_until([&] { return menu_requests().size() >= 1; }));
        auto sent = menu_requests();
        REQUIRE(sent.size() == 1);
        CHECK(sent[0]["to"] == wa_id);
        CHECK(sent[0]["type"] == "interactive");
        CHECK(sent[0]["interactive"]["type"] == "button");
        CHECK(sent[0]["interactive"]["body"]["text"] == "Selamat datang. Pilih:");
        const auto& buttons = sent[0]["interactive"]["action"]["buttons"];
        REQUIRE(buttons.size() == 3);
        CHECK(buttons[0]["reply"]["id"] == "1");
        CHECK(buttons[0]["reply"]["title"] == "Daftar kursus");
        CHECK(buttons[2]["reply"]["id"] == "3");

        // The resident taps "Daftar kursus": the button's id is the option key.
        json tap = {{"contacts", {{{"profile", {{"name", "Budi"}}}, {"wa_id", wa_id}}}},
                    {"messages",
                     {{{"from", wa_id},
                       {"id", "wamid.IN104b"},
                       {"timestamp", "1718000050"},
                       {"type", "interactive"},
                       {"interactive",
                        {{"type", "button_reply"},
                         {"button_reply", {{"id", "1"}, {"title", "Daftar kursus"}}}}}}}}};
        REQUIRE(sapa.meta("wa-menu", menu_phone_number_id, tap).status == 200);
        REQUIRE(wait_until([&] { return menu_requests().size() >= 2; }));
        sent = menu_requests();
        CHECK(sent[1]["type"] == "text");
        CHECK(sent[1]["text"]["body"] == "Siapa nama lengkap Anda?");

        // Lumajang's main menu writes its options in the prompt (show_options false), so the
        // plain channel sends text even for menus.
        REQUIRE(sapa.whatsapp("6281234500105", "halo", "wamid.IN105").status == 200);
        REQUIRE(sapa.graph.wait_for_successes(3, std::chrono::seconds(5)));
        for (const auto& r : sapa.graph.requests())
            if (r.target == "/" + phone_number_id + "/messages")
                CHECK(json::parse(r.body)["type"] == "text");
    }

    TEST_CASE(
        "the access log has one line per request with channel, status and latency, "
        "and never a full phone number") {
        running_sapa sapa;
        REQUIRE(sapa.twilio("+6281234500106", "halo", "SMlog1").status == 200);
        REQUIRE(sapa.twilio("+6281234500106", "halo", "SMlog2", false).status == 403);
        REQUIRE(sapa.whatsapp("6281234500107", "halo", "wamid.LOG1").status == 200);
        REQUIRE(
            sapa.generic({{"id", "g-log"}, {"from", "081234500108"}, {"text", "halo"}}).status ==
            200);
        REQUIRE(http_call(sapa.port, {"GET", "/healthz", {}, ""}).status == 200);
        REQUIRE(sapa.graph.wait_for_successes(1, std::chrono::seconds(5)));
        REQUIRE(sapa.process->stop() == 0);

        auto text = sapa.log_text();
        CAPTURE(text);
        std::vector<std::string> lines;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);)
            if (contains(line, " info POST /webhooks/") || contains(line, " info GET /healthz"))
                lines.push_back(line);
        // The fixture's own /healthz polls add lines; count the webhooks.
        struct expected_line {
            std::string start, fields;
            int seen = 0;
        };
        std::vector<expected_line> expected = {
            {"POST /webhooks/sms 200 ", "channel=sms contact=+62812****0106"},
            {"POST /webhooks/sms 403 ", "channel=sms"},
            {"POST /webhooks/wa 200 ", "channel=wa contact=+62812****0107"},
            {"POST /webhooks/generic 200 ", "channel=generic contact=+62812****0108"},
        };
        for (const auto& line : lines) {
            CHECK(std::regex_search(line, std::regex(" [0-9]+us( |$)")));
            for (auto& e : expected) {
                if (!contains(line, e.start)) continue;
                ++e.seen;
                CHECK_MESSAGE(contains(line, e.fields), line);
            }
        }
        for (const auto& e : expected)
            CHECK_MESSAGE(e.seen == 1, e.start);
        // Not in any form: E.164, WhatsApp's bare digits, or the local 08... form.
        for (const char* number : {"6281234500106",
                                   "6281234500107",
                                   "6281234500108",
                                   "081234500106",
                                   "081234500107",
                                   "081234500108"})
            CHECK_MESSAGE(!contains(text, number), number);
    }
}
