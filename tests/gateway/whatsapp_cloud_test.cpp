#include "gateway/whatsapp_cloud.hpp"

#include "gateway/adapter.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cctype>

using namespace sapa::gateway;
using sapa::gateway::test::menu;
using sapa::gateway::test::post;
using sapa::gateway::test::text_message;

namespace {

const std::string secret = "test_app_secret";
const std::string webhook_url = "https://bot.example.id/whatsapp";

// The computed 415-byte vector of gateways.md 2.2.
const std::string vector_body =
    R"({"object":"whatsapp_business_account","entry":[{"id":"8856996819413533","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"6281100000000","phone_number_id":"1234567890"},"contacts":[{"profile":{"name":"Budi"},"wa_id":"6281234567890"}],"messages":[{"from":"6281234567890","id":"wamid.TEST1","timestamp":"1718000000","type":"text","text":{"body":"Halo"}}]},"field":"messages"}]}]})";
const std::string vector_signature =
    "sha256=c86b7774d8536ec328ab3d4a518cfad3c691a695e0e5e263731bdb18bb8face6";

std::unique_ptr<adapter> make_adapter() {
    return make_whatsapp_cloud_adapter(
        secret, "verify-me", "TOKEN", "1234567890", "https://graph.facebook.com/v25.0/");
}

sapa::gateway::webhook_request signed_request(const std::string& body) {
    return post(webhook_url,
                body,
                {{"content-type", "application/json"},
                 {"x-hub-signature-256", whatsapp_cloud_signature(secret, body)}});
}

// A notification carrying `value_inner` (the members of "value" after metadata).
std::string notification(const std::string& value_inner) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"6281100000000","phone_number_id":"1234567890"},)" +
           value_inner + R"(},"field":"messages"}]}]})";
}

parsed_webhook parse_ok(const std::string& body) {
    auto r = make_adapter()->parse(signed_request(body));
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message()));
    return *r;
}

}  // namespace

TEST_SUITE("gateway") {
    TEST_CASE("whatsapp: published and computed signature vectors") {
        CHECK(whatsapp_cloud_signature("It's a Secret to Everybody", "Hello, World!") ==
              "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        REQUIRE(vector_body.size() == 415);
        CHECK(whatsapp_cloud_signature(secret, vector_body) == vector_signature);
    }

    TEST_CASE("whatsapp: the 415-byte vector parses into one message") {
        auto adapter = make_adapter();
        CHECK_FALSE(adapter->replies_inline());
        auto r = adapter->parse(post(
            webhook_url,
            vector_body,
            {{"content-type", "application/json"}, {"x-hub-signature-256", vector_signature}}));
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        const auto& m = r->messages[0];
        CHECK(m.gateway_message_id == "wamid.TEST1");
        CHECK(m.from == "+6281234567890");
        CHECK(m.to == "+6281100000000");
        CHECK(m.text == "Halo");
        CHECK(m.contact_name == "Budi");
        CHECK(m.channel_kind == "whatsapp");
    }

    TEST_CASE("whatsapp: tampered, unsigned and wrongly keyed requests are refused") {
        auto adapter = make_adapter();
        auto req =
            post(webhook_url,
                 vector_body,
                 {{"content-type", "application/json"}, {"x-hub-signature-256", vector_signature}});
        SUBCASE("one byte of the body changed") {
            req.body[req.body.find("Halo")] = 'h';
            CHECK(adapter->parse(req).error() == errc::bad_signature);
        }
        SUBCASE("header missing") {
            req.headers.pop_back();
            CHECK(adapter->parse(req).error() == errc::missing_signature);
        }
        SUBCASE("wrong app secret") {
            auto other = make_whatsapp_cloud_adapter("other", "v", "t", "1", "https://x");
            CHECK(other->parse(req).error() == errc::bad_signature);
        }
        SUBCASE("hex without the sha256= prefix") {
            req.headers.back().second = vector_signature.substr(7);
            CHECK(adapter->parse(req).error() == errc::bad_signature);
        }
        SUBCASE("the legacy sha1 header alone") {
            req.headers.back() = {"x-hub-signature", "sha1=0000"};
            CHECK(adapter->parse(req).error() == errc::missing_signature);
        }
        SUBCASE("uppercase hex is the same signature") {
            auto& value = req.headers.back().second;
            for (std::size_t i = 7; i < value.size(); ++i)
                value[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(value[i])));
            CHECK(adapter->parse(req).has_value());
        }
    }

    TEST_CASE("whatsapp: button and list replies give the option key as text") {
        auto button = parse_ok(notification(
            R"("messages":[{"from":"6281234567890","id":"external_id","timestamp":"1454119029","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"id_button_reply","title":"Yes"}}}])"));
        REQUIRE(button.messages.size() == 1);
        CHECK(button.messages[0].text == "id_button_reply");

        auto list = parse_ok(notification(
            R"("messages":[{"from":"6281234567890","id":"w2","timestamp":"1454119029","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"id_list_reply","title":"Yes"}}}])"));
        REQUIRE(list.messages.size() == 1);
        CHECK(list.messages[0].text == "id_list_reply");

        auto quick = parse_ok(notification(
            R"("messages":[{"from":"6281234567890","id":"w3","timestamp":"1454119029","type":"button","button":{"payload":"No-Button-Payload","text":"No"},"context":{"from":"5678","id":"gBGGFmkiWVVPAgkgQkwi7IORac0"}}])"));
        REQUIRE(quick.messages.size() == 1);
        CHECK(quick.messages[0].text == "No-Button-Payload");
    }

    TEST_CASE("whatsapp: media and other types are kept as attachments, captions as text") {
        auto r = parse_ok(notification(
            R"("contacts":[{"profile":{"name":"Ani"},"wa_id":"6281200000001"},{"profile":{"name":"Budi"},"wa_id":"6281200000002"}],)"
            R"("messages":[)"
            R"({"from":"6281200000001","id":"w1","timestamp":"1","type":"location","location":{"latitude":-6.2,"longitude":106.8}},)"
            R"({"from":"6281200000002","id":"w2","timestamp":"1","type":"image","image":{"id":"m1","mime_type":"image/jpeg","caption":"foto KTP"}},)"
            R"({"from":"6281200000002","id":"w2","timestamp":"1","type":"image","image":{"id":"m1","mime_type":"image/jpeg","caption":"foto KTP"}},)"
            R"({"from":"6281200000001","id":"w3","timestamp":"1","type":"reaction","reaction":{"message_id":"x","emoji":"x"}},)"
            R"({"id":"w4","timestamp":"1","type":"text","text":{"body":"no phone"}},)"
            R"({"from":"6281200000001","id":"w5","timestamp":"1","type":"audio","audio":{"id":"a","mime_type":"audio/ogg; codecs=opus"}},)"
            R"({"from":"6281200000001","id":"w6","timestamp":"1","type":"system","system":{"body":"changed number"}}])"));
        REQUIRE(r.messages.size() == 4);
        CHECK(r.messages[0].gateway_message_id == "w1");
        CHECK(r.messages[0].text.empty());
        REQUIRE(r.messages[0].attachments.size() == 1);
        CHECK(r.messages[0].attachments[0] == sapa::messaging::attachment{"location", "", "", ""});
        CHECK(r.messages[1].gateway_message_id == "w2");
        CHECK(r.messages[1].text == "foto KTP");
        CHECK(r.messages[1].contact_name == "Budi");
        REQUIRE(r.messages[1].attachments.size() == 1);
        CHECK(r.messages[1].attachments[0] ==
              sapa::messaging::attachment{"image", "", "m1", "image/jpeg"});
        CHECK(r.messages[2].attachments.at(0).kind == "reaction");
        CHECK(r.messages[3].attachments.at(0) ==
              sapa::messaging::attachment{"audio", "", "a", "audio/ogg; codecs=opus"});
        CHECK(r.notes.size() == 3);  // repeated w2, no sender, a system notice
    }

    TEST_CASE("whatsapp: each message type a resident can send is read") {
        struct expectation {
            std::string type, payload, kind, media_id, text;
        };
        const std::vector<expectation> cases = {
            {"image", R"({"id":"i1","mime_type":"image/jpeg","sha256":"x"})", "image", "i1", ""},
            {"audio", R"({"id":"a1","mime_type":"audio/ogg"})", "audio", "a1", ""},
            {"voice", R"({"id":"v1","mime_type":"audio/ogg"})", "audio", "v1", ""},
            {"video",
             R"({"id":"d1","mime_type":"video/mp4","caption":"lihat"})",
             "video",
             "d1",
             "lihat"},
            {"document",
             R"({"id":"f1","mime_type":"application/pdf","filename":"ktp.pdf"})",
             "document",
             "f1",
             ""},
            {"sticker",
             R"({"id":"s1","mime_type":"image/webp","animated":false})",
             "sticker",
             "s1",
             ""},
            {"location",
             R"({"latitude":-8.1,"longitude":113.2,"name":"Pasar"})",
             "location",
             "",
             ""},
            {"contacts",
             R"([{"name":{"formatted_name":"Ani"},"phones":[{"phone":"+62812"}]}])",
             "contacts",
             "",
             ""},
            {"reaction", R"({"message_id":"wamid.X","emoji":"\ud83d\udc4d"})", "reaction", "", ""},
            {"unsupported", R"({"title":"Unsupported"})", "unsupported", "", ""},
            {"order", R"({"catalog_id":"1"})", "unsupported", "", ""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.type);
            auto r = parse_ok(notification(R"("messages":[{"from":"6281200000001","id":"wamid.)" +
                                           c.type + R"(","timestamp":"1","type":")" + c.type +
                                           R"(",")" + c.type + R"(":)" + c.payload + "}]"));
            REQUIRE(r.messages.size() == 1);
            CHECK(r.messages[0].text == c.text);
            REQUIRE(r.messages[0].attachments.size() == 1);
            CHECK(r.messages[0].attachments[0].kind == c.kind);
            CHECK(r.messages[0].attachments[0].media_id == c.media_id);
            CHECK(r.messages[0].attachments[0].url.empty());
        }
    }

    TEST_CASE("whatsapp: statuses") {
        auto sent = parse_ok(notification(
            R"("statuses":[{"id":"external_id","recipient_id":"5678","status":"sent","timestamp":"1454119029","type":"message","conversation":{"id":"CONVERSATION_ID","expiration_timestamp":1454119029,"origin":{"type":"referral_conversion"}},"pricing":{"pricing_model":"CBP","billable":false,"category":"referral_conversion"}}])"));
        REQUIRE(sent.statuses.size() == 1);
        CHECK(sent.statuses[0].provider_message_id == "external_id");
        CHECK(sent.statuses[0].status == "sent");
        CHECK(sent.statuses[0].raw_code.empty());

        auto several = parse_ok(notification(
            R"("statuses":[)"
            R"({"id":"a","status":"delivered","timestamp":"1","recipient_id":"5678","pricing":{"pricing_model":"PMP"}},)"
            R"({"id":"b","status":"read","timestamp":"1","recipient_id":"5678"},)"
            R"json({"id":"c","status":"failed","timestamp":"1","recipient_id":"5678","errors":[{"code":131014,"title":"Request for url https://URL.jpg failed with error: 404 (Not Found)"}]},)json"
            R"({"id":"d","status":"failed","timestamp":"1","recipient_id":"5678","errors":[{"code":131047,"title":"Re-engagement message"}]},)"
            R"({"id":"e","status":"deleted","timestamp":"1","recipient_id":"5678"}])"));
        REQUIRE(several.statuses.size() == 4);
        CHECK(several.statuses[0].status == "delivered");
        CHECK(several.statuses[1].status == "read");
        CHECK(several.statuses[2].status == "failed");
        CHECK(several.statuses[2].raw_code == "131014");
        CHECK(several.statuses[2].reason ==
              "Request for url https://URL.jpg failed with error: 404 (Not Found)");
        CHECK(several.statuses[3].raw_code == "131047");
        CHECK(several.statuses[3].reason ==
              "outside WhatsApp's 24-hour window; a template is needed");
        CHECK(several.notes.size() == 1);  // deleted
    }

    TEST_CASE("whatsapp: malformed bodies get the right error") {
        auto adapter = make_adapter();
        auto error_of = [&](const std::string& body) {
            return adapter->parse(signed_request(body)).error();
        };
        CHECK(error_of("{\"entry\":[") == errc::malformed_body);
        CHECK(error_of("[1,2]") == errc::malformed_body);
        CHECK(error_of(R"({"object":"whatsapp_business_account"})") == errc::malformed_body);
        CHECK(error_of(R"({"entry":[{"changes":[{"field":"messages","value":3}]}]})") ==
              errc::malformed_body);
        CHECK(error_of(notification(R"("messages":[{"from":"62812","type":"text"}])")) ==
              errc::missing_field);
        CHECK(error_of(notification(R"("statuses":[{"status":"sent"}])")) == errc::missing_field);
        CHECK(error_of(notification("\"messages\":[{\"from\":\"6281234567890\",\"id\":\"w\","
                                    "\"type\":\"text\",\"text\":{\"body\":\"\xff\"}}]")) ==
              errc::invalid_utf8);
        CHECK(error_of(R"({"s":"\ud800"})") == errc::malformed_body);  // lone surrogate escape

        auto req = signed_request(vector_body);
        req.headers[0].second = "text/plain";
        CHECK(adapter->parse(req).error() == errc::unsupported_content_type);
        req.headers[0].second = "application/json; charset=utf-8";
        CHECK(adapter->parse(req).has_value());
    }

    TEST_CASE("whatsapp: verification handshake") {
        auto adapter = make_adapter();
        sapa::gateway::webhook_request req;
        req.method = "GET";
        req.path = "/whatsapp";
        req.query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me";
        auto ok = adapter->handshake(req);
        REQUIRE(ok.has_value());
        CHECK(ok->status == 200);
        CHECK(ok->content_type == "text/plain");
        CHECK(ok->body == "1158201444");

        req.query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-mE";
        CHECK(adapter->handshake(req)->status == 403);
        req.query = "hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=verify-me";
        CHECK(adapter->handshake(req)->status == 403);
        req.query = "hub.mode=subscribe&hub.challenge=1158201444";
        CHECK(adapter->handshake(req)->status == 403);
        req.query = "%zz";
        CHECK(adapter->handshake(req)->status == 403);

        auto no_token = make_whatsapp_cloud_adapter(secret, "", "t", "1", "https://x");
        req.query = "hub.mode=subscribe&hub.challenge=1&hub.verify_token=";
        CHECK(no_token->handshake(req)->status == 403);

        CHECK_FALSE(adapter->handshake(signed_request(vector_body)).has_value());
        auto ack = adapter->acknowledge({text_message("ignored")});
        CHECK(ack.status == 200);
        CHECK(ack.body.empty());
    }

    TEST_CASE("whatsapp: text send matches the Graph API body exactly") {
        auto req =
            make_adapter()->render_send("250788123123", text_message("Simple Message"), true);
        CHECK(req.method == "POST");
        CHECK(req.url == "https://graph.facebook.com/v25.0/1234567890/messages");
        CHECK(req.headers ==
              std::vector<std::pair<std::string, std::string>>{
                  {"Authorization", "Bearer TOKEN"}, {"Content-Type", "application/json"}});
        CHECK(
            req.body ==
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"250788123123","type":"text","text":{"body":"Simple Message","preview_url":false}})");

        auto link = make_adapter()->render_send(
            "+6281234567890", text_message("Lihat https://example.id"), false);
        CHECK(
            link.body ==
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"6281234567890","type":"text","text":{"body":"Lihat https://example.id","preview_url":true}})");
    }

    TEST_CASE("whatsapp: interactive buttons, lists and the fallback to text") {
        auto adapter = make_adapter();
        sapa::messaging::outbound_message one;
        one.body = "Interactive Button Msg";
        one.text = "Interactive Button Msg\n0. BUTTON1";
        one.options = {{"0", "BUTTON1"}};
        CHECK(
            adapter->render_send("250788123123", one, true).body ==
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"250788123123","type":"interactive","interactive":{"type":"button","body":{"text":"Interactive Button Msg"},"action":{"buttons":[{"type":"reply","reply":{"id":"0","title":"BUTTON1"}}]}}})");

        auto three = adapter->render_send("+6281234567890", menu("Pilih:", 3), true).body;
        CHECK(
            three ==
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"6281234567890","type":"interactive","interactive":{"type":"button","body":{"text":"Pilih:"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"Pilihan 1"}},{"type":"reply","reply":{"id":"2","title":"Pilihan 2"}},{"type":"reply","reply":{"id":"3","title":"Pilihan 3"}}]}}})");

        auto ten = adapter->render_send("+6281234567890", menu("Pilih:", 10), true).body;
        std::string rows;
        for (int i = 1; i <= 10; ++i) {
            rows += (i > 1 ? "," : "") + std::string(R"({"id":")") + std::to_string(i) +
                    R"(","title":"Pilihan )" + std::to_string(i) + R"("})";
        }
        CHECK(
            ten ==
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"6281234567890","type":"interactive","interactive":{"type":"list","body":{"text":"Pilih:"},"action":{"button":"Menu","sections":[{"rows":[)" +
                rows + "]}]}}}");

        auto eleven = menu("Pilih:", 11);
        auto text = adapter->render_send("+6281234567890", eleven, true).body;
        CHECK(text.find(R"("type":"text")") != std::string::npos);
        CHECK(text.find("11. Pilihan 11") != std::string::npos);

        SUBCASE("not interactive: plain text") {
            auto plain = adapter->render_send("+6281234567890", menu("Pilih:", 3), false).body;
            CHECK(plain.find(R"("type":"text")") != std::string::npos);
            CHECK(plain.find(R"(Pilih:\n1. Pilihan 1\n2. Pilihan 2\n3. Pilihan 3)") !=
                  std::string::npos);
        }
        SUBCASE("a title over 20 characters turns buttons into a list") {
            auto m = menu("Pilih:", 2);
            m.options[0].label = "Dua puluh satu huruf";  // 20: still a button
            CHECK(adapter->render_send("+62812", m, true).body.find(R"("type":"button")") !=
                  std::string::npos);
            m.options[0].label = "Dua puluh satu huruf!";  // 21
            CHECK(adapter->render_send("+62812", m, true).body.find(R"("type":"list")") !=
                  std::string::npos);
            m.options[0].label = "Dua puluh lima huruf di sini";  // 28: over a row title
            CHECK(adapter->render_send("+62812", m, true).body.find(R"("type":"text")") !=
                  std::string::npos);
        }
        SUBCASE("repeated or empty option keys fall back to text") {
            auto m = menu("Pilih:", 3);
            m.options[2].key = "1";
            CHECK(adapter->render_send("+62812", m, true).body.find(R"("type":"text")") !=
                  std::string::npos);
            m.options[2].key = "";
            CHECK(adapter->render_send("+62812", m, true).body.find(R"("type":"text")") !=
                  std::string::npos);
        }
        SUBCASE("titles count characters, not bytes") {
            auto m = menu("Pilih:", 2);
            m.options[0].label = "Café ñandú éèêëē ūüú";  // 20 characters, more bytes
            CHECK(adapter->render_send("+62812", m, true).body.find(R"("type":"button")") !=
                  std::string::npos);
        }
        SUBCASE("an interactive body over 1024 characters falls back to text") {
            auto m = menu(std::string(1025, 'a'), 2);
            CHECK(adapter->render_send("+62812", m, true).body.find(R"("type":"text")") !=
                  std::string::npos);
            m = menu(std::string(1024, 'a'), 2);
            CHECK(adapter->render_send("+62812", m, true).body.find(R"("type":"button")") !=
                  std::string::npos);
        }
        SUBCASE("text is cut at 4096 characters") {
            auto body =
                adapter->render_send("+62812", text_message(std::string(5000, 'x')), false).body;
            CHECK(body.find(std::string(4096, 'x')) != std::string::npos);
            CHECK(body.find(std::string(4097, 'x')) == std::string::npos);
        }
    }

    TEST_CASE("whatsapp: send outcomes") {
        auto adapter = make_adapter();
        auto ok = adapter->interpret_send(
            200,
            R"({"messaging_product":"whatsapp","contacts":[{"input":"250788123123","wa_id":"250788123123"}],"messages":[{"id":"wamid.HBgM"}]})");
        CHECK(ok.result == send_outcome::sent);
        CHECK(ok.provider_message_id == "wamid.HBgM");
        CHECK(adapter->interpret_send(200, "{}").result == send_outcome::failed);

        auto pair_limit = adapter->interpret_send(
            400,
            R"({"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"error_data":{},"fbtrace_id":"x"}})");
        CHECK(pair_limit.result == send_outcome::retry);
        CHECK(pair_limit.raw_code == "131056");

        auto window = adapter->interpret_send(
            400, R"({"error":{"message":"(#131047) Re-engagement message","code":131047}})");
        CHECK(window.result == send_outcome::failed);
        CHECK(window.raw_code == "131047");
        CHECK(window.reason == "outside WhatsApp's 24-hour window; a template is needed");

        auto token = adapter->interpret_send(401, R"({"error":{"message":"x","code":190}})");
        CHECK(token.result == send_outcome::failed);
        CHECK(token.reason == "the WhatsApp access token is invalid or expired");

        auto other = adapter->interpret_send(
            400, R"({"error":{"message":"Something specific","code":999}})");
        CHECK(other.result == send_outcome::failed);
        CHECK(other.reason == "Something specific");

        CHECK(adapter->interpret_send(429, "").result == send_outcome::retry);
        CHECK(adapter->interpret_send(500, "oops").result == send_outcome::retry);
        CHECK(adapter->interpret_send(-1, "").result == send_outcome::retry);
        CHECK(adapter->interpret_send(403, "<html>").reason ==
              "WhatsApp refused the message (HTTP 403)");
    }
}

TEST_CASE("whatsapp: messages for another phone number id of the same app are read aside") {
    // Meta posts all of an app's numbers to one callback URL; this channel is 1234567890.
    // A value for another number is not this channel's: it comes back under that number's id
    // for the server to route, never among this channel's messages.
    std::string body = notification(
        R"("messages":[{"from":"6281234567890","id":"wamid.MINE","timestamp":"1718000000","type":"text","text":{"body":"Halo"}}])");
    std::string other = body;
    other.replace(other.find("1234567890"), 10, "9999999999");
    auto mine = parse_ok(body);
    CHECK(mine.messages.size() == 1);
    CHECK(mine.other_accounts.empty());
    auto theirs = parse_ok(other);
    CHECK(theirs.messages.empty());
    CHECK(theirs.statuses.empty());
    REQUIRE(theirs.other_accounts.size() == 1);
    CHECK(theirs.other_accounts[0].account_id == "9999999999");
    REQUIRE(theirs.other_accounts[0].messages.size() == 1);
    CHECK(theirs.other_accounts[0].messages[0].gateway_message_id == "wamid.MINE");
    CHECK(theirs.other_accounts[0].messages[0].from == "+6281234567890");
    CHECK(theirs.other_accounts[0].messages[0].text == "Halo");
}
