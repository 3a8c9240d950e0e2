#include "gateway/twilio.hpp"

#include "gateway/adapter.hpp"
#include "gateway/detail/text.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

using namespace sapa::gateway;
using sapa::gateway::test::post;
using params = std::vector<std::pair<std::string, std::string>>;

namespace {

const std::string docs_url = "https://mycompany.com/myapp.php?foo=1&bar=2";

params call_params(const std::string& caller) {
    return {{"CallSid", "CA1234567890ABCDE"},
            {"Caller", caller},
            {"Digits", "1234"},
            {"From", caller},
            {"To", "+18005551212"}};
}

const char* form_type = "application/x-www-form-urlencoded";

std::string errc_message(errc e) {
    return make_error_code(e).message();
}

// The messaging-shaped vector of gateways.md 1.2, as Twilio would post it.
const std::string sms_url = "https://bot.example.id/twilio/sms?tenant=7";
const std::string sms_body =
    "AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&Body=Halo&From=%2B6281234567890"
    "&MessageSid=SM11111111111111111111111111111111&NumMedia=0&To=%2B14155550100";
const std::string sms_signature = "dryHY0lutkPNuIsoPgsPCcHe+OY=";

// Signs `body` as Twilio would (the signature function is pinned by the published vectors).
webhook_request signed_post(const std::string& url,
                            const std::string& body,
                            const params& decoded,
                            const std::string& token = "12345") {
    return post(url,
                body,
                {{"content-type", form_type},
                 {"x-twilio-signature", twilio_signature(token, url, decoded)}});
}

// Joins parameters whose keys and values need no escaping.
std::string plain_form(const params& p) {
    std::string body;
    for (const auto& [k, v] : p)
        body += (body.empty() ? "" : "&") + k + "=" + v;
    return body;
}

}  // namespace

TEST_SUITE("gateway") {
    TEST_CASE("twilio: published signature vectors") {
        CHECK(twilio_signature("12345", docs_url, call_params("+14158675309")) ==
              "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        CHECK(twilio_signature("12345", docs_url, call_params("+12349013030")) ==
              "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        CHECK(twilio_signature("12345",
                               "https://example.com/myapp.php?foo=1&bar=2",
                               call_params("+14158675310")) == "L/OH5YylLD5NRKLltdqwSvS0BnU=");
        params sms = {{"AccountSid", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"},
                      {"Body", "Halo"},
                      {"From", "+6281234567890"},
                      {"MessageSid", "SM11111111111111111111111111111111"},
                      {"NumMedia", "0"},
                      {"To", "+14155550100"}};
        CHECK(twilio_signature("12345", sms_url, sms) == sms_signature);
    }

    TEST_CASE("twilio: parameters are sorted by key, whatever order they arrive in") {
        params shuffled = {{"To", "+18005551212"},
                           {"Digits", "1234"},
                           {"From", "+14158675309"},
                           {"CallSid", "CA1234567890ABCDE"},
                           {"Caller", "+14158675309"}};
        CHECK(twilio_signature("12345", docs_url, shuffled) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    }

    TEST_CASE("twilio: repeated keys are sorted and deduplicated like the SDKs") {
        params repeated = {{"Sid", "CA123"},
                           {"SidAccount", "AC123"},
                           {"Digits", "5678"},
                           {"Digits", "1234"},
                           {"Digits", "1234"}};
        auto signature = twilio_signature("12345", docs_url, repeated);
        CHECK(signature == "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
        CHECK(signature != "tM//N+MVWOh7+ol2z8YCNxSY0Eg=");  // the naive, undeduplicated form
    }

    TEST_CASE("twilio: bodySHA256 vector signs the URL alone") {
        const std::string body = R"({"property": "value", "boolean": true})";
        const std::string hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        const std::string url = docs_url + "&bodySHA256=" + hash;
        CHECK(twilio_signature("12345", url, {}) == "a9nBmqA0ju/hNViExpshrM61xv4=");

        // Through the adapter: the signature and body hash pass, but a Messaging adapter has
        // no use for a JSON body.
        auto adapter = make_twilio_adapter("12345", false);
        auto req = post(url,
                        body,
                        {{"content-type", "application/json"},
                         {"x-twilio-signature", "a9nBmqA0ju/hNViExpshrM61xv4="}});
        auto r = adapter->parse(req);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::unsupported_content_type);

        req.body[3] = 'P';  // the body no longer matches its hash
        CHECK(adapter->parse(req).error() == errc::bad_signature);
    }

    TEST_CASE("twilio: signature accepted with or without the default port") {
        auto with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        CHECK(twilio_signature_matches(
            "12345", with_port, call_params("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        auto sig_with_port = twilio_signature("12345", with_port, call_params("+14158675309"));
        CHECK(sig_with_port != "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        CHECK(twilio_signature_matches(
            "12345", docs_url, call_params("+14158675309"), sig_with_port));
        CHECK_FALSE(twilio_signature_matches("12345",
                                             "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
                                             call_params("+14158675309"),
                                             "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    }

    TEST_CASE("twilio: inbound SMS from the published messaging vector") {
        auto adapter = make_twilio_adapter("12345", false);
        CHECK(adapter->replies_inline());
        auto req = post(sms_url,
                        sms_body,
                        {{"content-type", form_type}, {"x-twilio-signature", sms_signature}});
        auto r = adapter->parse(req);
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        const auto& m = r->messages[0];
        CHECK(m.gateway_message_id == "SM11111111111111111111111111111111");
        CHECK(m.from == "+6281234567890");
        CHECK(m.to == "+14155550100");
        CHECK(m.text == "Halo");
        CHECK(m.channel_kind == "sms");
        CHECK(r->statuses.empty());
    }

    TEST_CASE("twilio: without the public URL nothing verifies, whatever the Host header says") {
        // The Host header is the caller's to choose: the signed URL must never be rebuilt
        // from it (issue 20). The same request verifies once the server passes the URL.
        auto adapter = make_twilio_adapter("12345", false);
        auto req = post(
            "", sms_body, {{"content-type", form_type}, {"x-twilio-signature", sms_signature}});
        req.headers.emplace_back("host", "bot.example.id");
        req.path = "/twilio/sms";
        req.query = "tenant=7";
        CHECK(adapter->parse(req).error() == errc::missing_signature);
        req.url = "https://bot.example.id/twilio/sms?tenant=7";
        CHECK(adapter->parse(req).has_value());
    }

    TEST_CASE("twilio: GET webhooks sign the URL alone and carry the fields in the query") {
        const std::string url =
            "https://bot.example.id/twilio/sms?Body=Halo+kak&From=%2B6281234567890&MessageSid=SM9";
        webhook_request req;
        req.method = "GET";
        req.url = url;
        req.query = url.substr(url.find('?') + 1);
        req.headers = {{"x-twilio-signature", twilio_signature("12345", url, {})}};
        auto r = make_twilio_adapter("12345", false)->parse(req);
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        CHECK(r->messages[0].text == "Halo kak");
        CHECK(r->messages[0].from == "+6281234567890");

        req.url.back() = '8';
        CHECK(make_twilio_adapter("12345", false)->parse(req).error() == errc::bad_signature);
    }

    TEST_CASE("twilio: tampered, unsigned and wrongly keyed requests are refused") {
        auto adapter = make_twilio_adapter("12345", false);
        auto req = post(sms_url,
                        sms_body,
                        {{"content-type", form_type}, {"x-twilio-signature", sms_signature}});
        SUBCASE("one byte of the body changed") {
            req.body.replace(req.body.find("Halo"), 4, "Hala");
            CHECK(adapter->parse(req).error() == errc::bad_signature);
        }
        SUBCASE("another URL") {
            req.url = "https://bot.example.id/twilio/sms?tenant=8";
            CHECK(adapter->parse(req).error() == errc::bad_signature);
        }
        SUBCASE("header missing") {
            req.headers.pop_back();
            CHECK(adapter->parse(req).error() == errc::missing_signature);
        }
        SUBCASE("header empty") {
            req.headers.back().second.clear();
            CHECK(adapter->parse(req).error() == errc::missing_signature);
        }
        SUBCASE("wrong auth token") {
            CHECK(make_twilio_adapter("54321", false)->parse(req).error() == errc::bad_signature);
        }
        SUBCASE("signature of a different length") {
            req.headers.back().second += "=";
            CHECK(adapter->parse(req).error() == errc::bad_signature);
        }
    }

    TEST_CASE("twilio: courier's receiveValid fixture, with + decoded as space") {
        const std::string body =
            "ToCountry=US&ToState=District+Of+Columbia&SmsMessageSid=SMe287d7109a5a925f182f0e07fe5b"
            "223b&NumMedia=0&ToCity=&FromZip=01022&SmsSid=SMe287d7109a5a925f182f0e07fe5b223b&FromSt"
            "ate=MA&SmsStatus=received&FromCity=CHICOPEE&Body=Msg+ok%3F+1%2B1&FromCountry=US&To=%2B"
            "12028831111&ToZip=&NumSegments=1&MessageSid=SMe287d7109a5a925f182f0e07fe5b223b&Account"
            "Sid=acctid&From=%2B14133881111&ApiVersion=2010-04-01";
        params decoded = {{"ToCountry", "US"},
                          {"ToState", "District Of Columbia"},
                          {"SmsMessageSid", "SMe287d7109a5a925f182f0e07fe5b223b"},
                          {"NumMedia", "0"},
                          {"ToCity", ""},
                          {"FromZip", "01022"},
                          {"SmsSid", "SMe287d7109a5a925f182f0e07fe5b223b"},
                          {"FromState", "MA"},
                          {"SmsStatus", "received"},
                          {"FromCity", "CHICOPEE"},
                          {"Body", "Msg ok? 1+1"},
                          {"FromCountry", "US"},
                          {"To", "+12028831111"},
                          {"ToZip", ""},
                          {"NumSegments", "1"},
                          {"MessageSid", "SMe287d7109a5a925f182f0e07fe5b223b"},
                          {"AccountSid", "acctid"},
                          {"From", "+14133881111"},
                          {"ApiVersion", "2010-04-01"}};
        auto r = make_twilio_adapter("12345", false)->parse(signed_post(sms_url, body, decoded));
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        CHECK(r->messages[0].gateway_message_id == "SMe287d7109a5a925f182f0e07fe5b223b");
        CHECK(r->messages[0].from == "+14133881111");
        CHECK(r->messages[0].to == "+12028831111");
        CHECK(r->messages[0].text == "Msg ok? 1+1");
    }

    TEST_CASE("twilio: WhatsApp button reply with the whatsapp: prefix stripped") {
        const std::string body =
            "SmsMessageSid=SM8824d91645395b17594d92659b878468&NumMedia=0&ProfileName=teknisee"
            "&MessageType=interactive&WaId=6285176810035&SmsStatus=received&Body=Konfirmasi"
            "&ButtonText=Konfirmasi&To=whatsapp%3A%2B14155238886"
            "&ButtonPayload=%7BverifyEmail%3Aasd%40asd.com%7D"
            "&MessageSid=SM8824d91645395b17594d92659b878468&From=whatsapp%3A%2B6285176810035";
        params decoded = {{"SmsMessageSid", "SM8824d91645395b17594d92659b878468"},
                          {"NumMedia", "0"},
                          {"ProfileName", "teknisee"},
                          {"MessageType", "interactive"},
                          {"WaId", "6285176810035"},
                          {"SmsStatus", "received"},
                          {"Body", "Konfirmasi"},
                          {"ButtonText", "Konfirmasi"},
                          {"To", "whatsapp:+14155238886"},
                          {"ButtonPayload", "{verifyEmail:asd@asd.com}"},
                          {"MessageSid", "SM8824d91645395b17594d92659b878468"},
                          {"From", "whatsapp:+6285176810035"}};
        auto r = make_twilio_adapter("12345", true)->parse(signed_post(sms_url, body, decoded));
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        const auto& m = r->messages[0];
        CHECK(m.from == "+6285176810035");
        CHECK(m.to == "+14155238886");
        CHECK(m.text == "Konfirmasi");
        CHECK(m.contact_name == "teknisee");
        CHECK(m.channel_kind == "whatsapp");
    }

    TEST_CASE("twilio: status callbacks map to our five words") {
        auto adapter = make_twilio_adapter("12345", false);
        auto status = [&](params p) {
            auto r = adapter->parse(signed_post(sms_url, plain_form(p), p));
            REQUIRE(r.has_value());
            CHECK(r->messages.empty());
            return *r;
        };
        auto delivered = status(
            {{"MessageSid", "SMe287d7109a5a925f182f0e07fe5b223b"}, {"MessageStatus", "delivered"}});
        REQUIRE(delivered.statuses.size() == 1);
        CHECK(delivered.statuses[0].provider_message_id == "SMe287d7109a5a925f182f0e07fe5b223b");
        CHECK(delivered.statuses[0].status == "delivered");
        CHECK(delivered.statuses[0].raw_code.empty());

        auto stopped =
            status({{"ErrorCode", "21610"}, {"MessageSid", "SMe287"}, {"MessageStatus", "failed"}});
        REQUIRE(stopped.statuses.size() == 1);
        CHECK(stopped.statuses[0].status == "failed");
        CHECK(stopped.statuses[0].raw_code == "21610");
        CHECK(stopped.statuses[0].reason == "the resident unsubscribed (replied STOP)");

        auto filtered = status(
            {{"ErrorCode", "30007"}, {"MessageSid", "SM1"}, {"MessageStatus", "undelivered"}});
        CHECK(filtered.statuses.at(0).status == "failed");
        CHECK(filtered.statuses.at(0).reason == "blocked by the carrier's filter");

        auto unknown_code =
            status({{"ErrorCode", "12345"}, {"MessageSid", "SM1"}, {"MessageStatus", "failed"}});
        CHECK(unknown_code.statuses.at(0).reason == "Twilio error 12345");

        CHECK(status({{"MessageSid", "SM1"}, {"MessageStatus", "queued"}}).statuses.at(0).status ==
              "queued");
        CHECK(status({{"MessageSid", "SM1"}, {"MessageStatus", "sent"}}).statuses.at(0).status ==
              "sent");
        CHECK(status({{"MessageSid", "SM1"}, {"MessageStatus", "read"}}).statuses.at(0).status ==
              "read");

        auto odd = status({{"MessageSid", "SM1"}, {"MessageStatus", "mystery"}});
        CHECK(odd.statuses.empty());
        CHECK(odd.notes.size() == 1);
    }

    TEST_CASE("twilio: malformed and invalid bodies get the right error") {
        auto adapter = make_twilio_adapter("12345", false);
        SUBCASE("bad percent escape") {
            auto req = post(sms_url, "Body=%ZZ&From=%2B1", {{"x-twilio-signature", sms_signature}});
            CHECK(adapter->parse(req).error() == errc::malformed_body);
        }
        SUBCASE("invalid UTF-8 in Body") {
            params p = {{"Body", "\xff\xfe"}, {"From", "+6281234567890"}, {"MessageSid", "SM1"}};
            auto req = signed_post(sms_url, "Body=%FF%FE&From=%2B6281234567890&MessageSid=SM1", p);
            CHECK(adapter->parse(req).error() == errc::invalid_utf8);
        }
        SUBCASE("overlong UTF-8 in ProfileName") {
            params p = {{"Body", "Hi"},
                        {"From", "+6281234567890"},
                        {"MessageSid", "SM1"},
                        {"ProfileName", "\xc0\xaf"}};
            auto req = signed_post(
                sms_url, "Body=Hi&From=%2B6281234567890&MessageSid=SM1&ProfileName=%C0%AF", p);
            CHECK(adapter->parse(req).error() == errc::invalid_utf8);
        }
        SUBCASE("no MessageSid") {
            params p = {{"Body", "Hi"}, {"From", "+6281234567890"}};
            auto req = signed_post(sms_url, "Body=Hi&From=%2B6281234567890", p);
            CHECK(adapter->parse(req).error() == errc::missing_field);
        }
        SUBCASE("no From") {
            params p = {{"Body", "Hi"}, {"MessageSid", "SM1"}};
            auto req = signed_post(sms_url, "Body=Hi&MessageSid=SM1", p);
            CHECK(adapter->parse(req).error() == errc::missing_field);
        }
        SUBCASE("JSON content type") {
            auto req =
                post(sms_url,
                     "{}",
                     {{"content-type", "application/json"}, {"x-twilio-signature", sms_signature}});
            CHECK(adapter->parse(req).error() == errc::unsupported_content_type);
        }
    }

    TEST_CASE("twilio: an empty message and a non-phone sender are skipped with a note") {
        auto adapter = make_twilio_adapter("12345", true);
        params empty = {{"Body", ""}, {"From", "whatsapp:+6281234567890"}, {"MessageSid", "MM1"}};
        auto r = adapter->parse(
            signed_post(sms_url, "Body=&From=whatsapp%3A%2B6281234567890&MessageSid=MM1", empty));
        REQUIRE(r.has_value());
        CHECK(r->messages.empty());
        CHECK(r->notes.size() == 1);

        params bsuid = {
            {"Body", "Hi"}, {"From", "whatsapp:ID.4566546130240823"}, {"MessageSid", "SM2"}};
        r = adapter->parse(signed_post(
            sms_url, "Body=Hi&From=whatsapp%3AID.4566546130240823&MessageSid=SM2", bsuid));
        REQUIRE(r.has_value());
        CHECK(r->messages.empty());
        CHECK(r->notes.size() == 1);
    }

    TEST_CASE("twilio: MMS and WhatsApp media become attachments, never fetched") {
        auto adapter = make_twilio_adapter("12345", false);
        const params mms = {
            {"Body", ""},
            {"From", "+6281234567890"},
            {"MessageSid", "MM1"},
            {"NumMedia", "2"},
            {"MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"},
            {"MediaContentType0", "image/jpeg"},
            {"MediaUrl1", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2"},
            {"MediaContentType1", "audio/amr"}};
        auto r = adapter->parse(signed_post(sms_url, sapa::gateway::detail::encode_form(mms), mms));
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        const auto& m = r->messages[0];
        CHECK(m.text.empty());
        REQUIRE(m.attachments.size() == 2);
        CHECK(m.attachments[0] ==
              sapa::messaging::attachment{"image", mms[4].second, "", "image/jpeg"});
        CHECK(m.attachments[1] ==
              sapa::messaging::attachment{"audio", mms[6].second, "", "audio/amr"});

        SUBCASE("a Body with the media is the text") {
            params captioned = mms;
            captioned[0].second = "ini KTP saya";
            captioned[3].second = "1";
            captioned.resize(6);
            r = adapter->parse(
                signed_post(sms_url, sapa::gateway::detail::encode_form(captioned), captioned));
            REQUIRE(r.has_value());
            REQUIRE(r->messages.size() == 1);
            CHECK(r->messages[0].text == "ini KTP saya");
            REQUIRE(r->messages[0].attachments.size() == 1);
            CHECK(r->messages[0].attachments[0].kind == "image");
        }
        SUBCASE("kinds from the content type, a sticker, a location, a type without media") {
            const auto kind_of = sapa::messaging::attachment_kind_of;
            CHECK(kind_of("video/3gpp") == "video");
            CHECK(kind_of("Image/PNG") == "image");
            CHECK(kind_of("text/vcard") == "contacts");
            CHECK(kind_of("application/pdf") == "document");
            CHECK(kind_of("") == "document");
            auto wa = make_twilio_adapter("12345", true);
            params sticker = {{"Body", ""},
                              {"From", "whatsapp:+6281234567890"},
                              {"MessageSid", "MM2"},
                              {"MessageType", "sticker"},
                              {"NumMedia", "1"},
                              {"MediaUrl0", "https://api.twilio.com/m/ME3"},
                              {"MediaContentType0", "image/webp"}};
            r = wa->parse(
                signed_post(sms_url, sapa::gateway::detail::encode_form(sticker), sticker));
            REQUIRE(r.has_value());
            CHECK(r->messages.at(0).attachments.at(0).kind == "sticker");
            params location = {{"Body", ""},
                               {"From", "whatsapp:+6281234567890"},
                               {"MessageSid", "MM3"},
                               {"MessageType", "location"},
                               {"Latitude", "-8.13"},
                               {"Longitude", "113.22"},
                               {"NumMedia", "0"}};
            r = wa->parse(
                signed_post(sms_url, sapa::gateway::detail::encode_form(location), location));
            REQUIRE(r.has_value());
            REQUIRE(r->messages.at(0).attachments.size() == 1);
            CHECK(r->messages[0].attachments[0] ==
                  sapa::messaging::attachment{"location", "", "", ""});
            params other = {{"Body", ""},
                            {"From", "whatsapp:+6281234567890"},
                            {"MessageSid", "MM4"},
                            {"MessageType", "poll"},
                            {"NumMedia", "0"}};
            r = wa->parse(signed_post(sms_url, sapa::gateway::detail::encode_form(other), other));
            REQUIRE(r.has_value());
            CHECK(r->messages.at(0).attachments.at(0).kind == "unsupported");
        }
        SUBCASE("NumMedia is bounded and a bad count reads none") {
            params many = {{"Body", "x"},
                           {"From", "+6281234567890"},
                           {"MessageSid", "MM5"},
                           {"NumMedia", "99999999999999999999"}};
            for (int i = 0; i < 12; ++i) {
                many.push_back({"MediaUrl" + std::to_string(i), "https://t/" + std::to_string(i)});
                many.push_back({"MediaContentType" + std::to_string(i), "image/png"});
            }
            r = adapter->parse(
                signed_post(sms_url, sapa::gateway::detail::encode_form(many), many));
            REQUIRE(r.has_value());
            CHECK(r->messages.at(0).attachments.size() == 10);
            many[3].second = "-1";
            r = adapter->parse(
                signed_post(sms_url, sapa::gateway::detail::encode_form(many), many));
            REQUIRE(r.has_value());
            CHECK(r->messages.at(0).attachments.empty());
        }
    }

    TEST_CASE("twilio: TwiML replies are escaped, several messages, empty Response") {
        auto adapter = make_twilio_adapter("12345", false);
        using sapa::gateway::test::text_message;
        auto reply = adapter->acknowledge({text_message(R"(Harga <promo> & "diskon" 'hari' ini)"),
                                           text_message("Terima kasih.")});
        CHECK(reply.status == 200);
        CHECK(reply.content_type == "text/xml");
        CHECK(
            reply.body ==
            R"(<?xml version="1.0" encoding="UTF-8"?><Response>)"
            R"(<Message>Harga &lt;promo&gt; &amp; &quot;diskon&quot; &apos;hari&apos; ini</Message>)"
            R"(<Message>Terima kasih.</Message></Response>)");

        // Line breaks and tabs stay; other control characters are not XML 1.0 at all.
        CHECK(adapter->acknowledge({text_message("1. Ya\n\t2. Tidak\x01\x1f & <")}).body ==
              R"(<?xml version="1.0" encoding="UTF-8"?><Response>)"
              "<Message>1. Ya\n\t2. Tidak &amp; &lt;</Message></Response>");

        auto empty = adapter->acknowledge({});
        CHECK(empty.status == 200);
        CHECK(empty.body == R"(<?xml version="1.0" encoding="UTF-8"?><Response/>)");
        CHECK(adapter->acknowledge({text_message("")}).body == empty.body);
        CHECK_FALSE(adapter->handshake(post(sms_url, "", {})).has_value());
    }

    TEST_CASE("twilio: REST send request") {
        using sapa::gateway::test::text_message;
        auto none = make_twilio_adapter("12345", false);
        CHECK(none->render_send("+6281234567890", text_message("Halo"), false).method.empty());

        auto sms =
            make_twilio_adapter("tok", false, {.account_sid = "AC123", .from = "+14155550100"});
        auto req = sms->render_send("+6281234567890", text_message("Halo dunia & 1+1"), true);
        CHECK(req.method == "POST");
        CHECK(req.url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json");
        CHECK(req.body == "To=%2B6281234567890&From=%2B14155550100&Body=Halo+dunia+%26+1%2B1");
        REQUIRE(!req.headers.empty());
        CHECK(req.headers[0] ==
              std::pair<std::string, std::string>{"Authorization", "Basic QUMxMjM6dG9r"});

        auto wa =
            make_twilio_adapter("tok", true, {.account_sid = "AC123", .from = "+14155550100"});
        CHECK(wa->render_send("+6281234567890", text_message("Hi"), false).body ==
              "To=whatsapp%3A%2B6281234567890&From=whatsapp%3A%2B14155550100&Body=Hi");

        // A Messaging Service sends instead of the number; statuses are asked for by URL.
        auto service =
            make_twilio_adapter("tok",
                                false,
                                {.account_sid = "AC123",
                                 .from = "+14155550100",
                                 .messaging_service_sid = "MG456",
                                 .status_callback = "https://s.example/webhooks/sms/status"});
        CHECK(service->render_send("+6281234567890", text_message("Hi"), false).body ==
              "To=%2B6281234567890&MessagingServiceSid=MG456&Body=Hi&StatusCallback=https%3A%2F%2F"
              "s.example%2Fwebhooks%2Fsms%2Fstatus");
    }

    TEST_CASE("a send in doubt is looked up in Twilio's message list by number, day and text") {
        auto none = make_twilio_adapter("tok", false);
        CHECK(none->render_lookup("+6281234567890", 1'780'000'000).method.empty());
        auto sms =
            make_twilio_adapter("tok", false, {.account_sid = "AC123", .from = "+14155550100"});
        // 1780000000 is 2026-05-28 20:26:40 UTC.
        auto req = sms->render_lookup("+6281234567890", 1'780'000'000);
        CHECK(req.method == "GET");
        CHECK(req.url ==
              "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json?To=%2B6281234567890"
              "&DateSent%3E%3D=2026-05-28&PageSize=1000");
        REQUIRE(!req.headers.empty());
        CHECK(req.headers[0].second == "Basic QUMxMjM6dG9r");
        const std::string list =
            R"({"messages":[{"sid":"SM2","to":"+6281234567890","body":"Kelas besok"},)"
            R"({"sid":"SM1","to":"+6281234567890","body":"Halo"}]})";
        auto found = sms->interpret_lookup(200, list, "+6281234567890", test::text_message("Halo"));
        CHECK(found.result == lookup_outcome::found);
        CHECK(found.provider_message_id == "SM1");
        CHECK(
            sms->interpret_lookup(200, list, "+6281234567890", test::text_message("Lain")).result ==
            lookup_outcome::not_found);
        CHECK(
            sms->interpret_lookup(200, list, "+6281299999999", test::text_message("Halo")).result ==
            lookup_outcome::not_found);
        // No answer, an error or a body that is no list: ask again later, never send blindly.
        CHECK(sms->interpret_lookup(0, "", "+6281234567890", test::text_message("Halo")).result ==
              lookup_outcome::retry);
        CHECK(
            sms->interpret_lookup(503, list, "+6281234567890", test::text_message("Halo")).result ==
            lookup_outcome::retry);
        CHECK(
            sms->interpret_lookup(200, "{}", "+6281234567890", test::text_message("Halo")).result ==
            lookup_outcome::retry);
    }

    TEST_CASE("twilio: send outcomes") {
        auto adapter = make_twilio_adapter("12345", false);
        auto sent = adapter->interpret_send(201, R"({"sid":"SM123","status":"queued"})");
        CHECK(sent.result == send_outcome::sent);
        CHECK(sent.provider_message_id == "SM123");
        CHECK(adapter->interpret_send(429, R"({"code":20429})").result == send_outcome::retry);
        CHECK(adapter->interpret_send(503, "").result == send_outcome::retry);
        CHECK(adapter->interpret_send(0, "").result == send_outcome::retry);
        auto bad = adapter->interpret_send(
            400, R"({"code":21211,"message":"The 'To' number is not valid.","status":400})");
        CHECK(bad.result == send_outcome::failed);
        CHECK(bad.raw_code == "21211");
        CHECK(bad.reason == "not a valid phone number");
        auto stop = adapter->interpret_send(400, R"({"code":21610,"message":"unsubscribed"})");
        CHECK(stop.result == send_outcome::failed);
        CHECK(stop.reason == "the resident unsubscribed (replied STOP)");
        CHECK(adapter->interpret_send(400, R"({"code":63018})").result == send_outcome::retry);
        auto odd = adapter->interpret_send(404, "not json");
        CHECK(odd.result == send_outcome::failed);
        CHECK(odd.reason == "Twilio refused the message (HTTP 404)");
        CHECK(adapter->interpret_send(201, "{}").result == send_outcome::failed);
    }

    TEST_CASE("twilio: a message for another number than the channel's is refused") {
        // Correctly signed with the account's token: the signature cannot tell the numbers of
        // one account apart, so the adapter compares To with the channel's number.
        auto inbound = [](const std::string& to) {
            params p = {{"MessageSid", "SM00000000000000000000000000000002"},
                        {"From", "+6281234567890"},
                        {"To", to},
                        {"Body", "halo"}};
            return signed_post(sms_url, detail::encode_form(p), p);
        };
        auto sms = make_twilio_adapter("12345", false, {}, "+6281100000000");
        CHECK(sms->parse(inbound("+6281100000000")).has_value());
        // The same number in another form is the same number.
        CHECK(sms->parse(inbound("081100000000")).has_value());
        CHECK(sms->parse(inbound("+6281100000001")).error() == errc::wrong_recipient);
        CHECK(sms->parse(inbound("")).error() == errc::wrong_recipient);
        CHECK(errc_message(errc::wrong_recipient).find("another number") != std::string::npos);

        auto wa = make_twilio_adapter("12345", true, {}, "whatsapp:+14155238886");
        CHECK(wa->parse(inbound("whatsapp:+14155238886")).has_value());
        CHECK(wa->parse(inbound("whatsapp:+14155238887")).error() == errc::wrong_recipient);

        auto short_code = make_twilio_adapter("12345", false, {}, "384387");
        CHECK(short_code->parse(inbound("384387")).has_value());
        CHECK(short_code->parse(inbound("384388")).error() == errc::wrong_recipient);

        // Status callbacks are about our replies: To is the resident there, not checked.
        params status = {{"MessageSid", "SM00000000000000000000000000000003"},
                         {"MessageStatus", "delivered"},
                         {"From", "+6281100000000"},
                         {"To", "+6281234567890"}};
        CHECK(sms->parse(signed_post(sms_url, detail::encode_form(status), status)).has_value());
    }
}
