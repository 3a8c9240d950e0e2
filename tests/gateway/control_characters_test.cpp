// Inbound texts and profile names lose NUL and the other C0 control characters (but newline
// and tab) in every adapter, before they reach the store, the exports and the logs.

#include "gateway/adapter.hpp"
#include "gateway/detail/text.hpp"
#include "gateway/generic_json.hpp"
#include "gateway/twilio.hpp"
#include "gateway/whatsapp_cloud.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace sapa::gateway;
using sapa::gateway::test::post;

namespace {

// The bytes of a literal, NULs included.
template <std::size_t N>
std::string bytes(const char (&literal)[N]) {
    return std::string(literal, N - 1);
}

// A name and a text as a forged or broken client could send them.
const std::string nul_name = bytes("Budi\0Santoso\x01\x1b[2J\x7f");
const std::string nul_text = bytes("DAFTAR\0 1\r\nbaris dua\tkolom\x07");
const std::string clean_name = "BudiSantoso[2J";
const std::string clean_text = "DAFTAR 1\nbaris dua\tkolom";

// `body` as the generic JSON adapter reads it, correctly signed.
boost::system::result<parsed_webhook> parse_generic(const nlohmann::json& body) {
    auto raw = body.dump();
    return make_generic_json_adapter("secret")->parse(
        post("https://bot.example.id/webhooks/generic",
             raw,
             {{"content-type", "application/json"},
              {"x-sapa-signature", generic_json_signature("secret", raw)}}));
}

}  // namespace

TEST_SUITE("gateway") {
    TEST_CASE("without_control_characters keeps newline, tab and UTF-8") {
        using detail::without_control_characters;
        CHECK(nul_name.size() == 18);
        CHECK(nul_text.size() == 27);
        CHECK(without_control_characters(nul_name) == clean_name);
        CHECK(without_control_characters(nul_text) == clean_text);
        CHECK(without_control_characters("Siti é 🙏\n") == "Siti é 🙏\n");
        CHECK(without_control_characters(std::string(3, '\0')).empty());
    }

    TEST_CASE("twilio: control characters leave the text and the profile name") {
        const std::string url = "https://bot.example.id/webhooks/wa-twilio";
        const std::vector<std::pair<std::string, std::string>> params = {
            {"MessageSid", "SM00000000000000000000000000000001"},
            {"From", "whatsapp:+6281234567890"},
            {"To", "whatsapp:+14155238886"},
            {"Body", nul_text},
            {"ProfileName", nul_name}};
        auto r =
            make_twilio_adapter("12345", true, {}, "whatsapp:+14155238886")
                ->parse(post(url,
                             detail::encode_form(params),
                             {{"content-type", "application/x-www-form-urlencoded"},
                              {"x-twilio-signature", twilio_signature("12345", url, params)}}));
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        CHECK(r->messages[0].text == clean_text);
        CHECK(r->messages[0].contact_name == clean_name);
    }

    TEST_CASE("whatsapp cloud: control characters leave the text and the profile name") {
        nlohmann::json body = {
            {"object", "whatsapp_business_account"},
            {"entry",
             {{{"id", "1"},
               {"changes",
                {{{"field", "messages"},
                  {"value",
                   {{"messaging_product", "whatsapp"},
                    {"metadata", {{"phone_number_id", "1234567890"}}},
                    {"contacts", {{{"wa_id", "6281234567890"}, {"profile", {{"name", nul_name}}}}}},
                    {"messages",
                     {{{"from", "6281234567890"},
                       {"id", "wamid.C1"},
                       {"type", "text"},
                       {"text", {{"body", nul_text}}}}}}}}}}}}}}};
        auto raw = body.dump();
        auto r =
            make_whatsapp_cloud_adapter("secret", "verify", "token", "1234567890", "")
                ->parse(post("https://bot.example.id/webhooks/wa",
                             raw,
                             {{"content-type", "application/json"},
                              {"x-hub-signature-256", whatsapp_cloud_signature("secret", raw)}}));
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        CHECK(r->messages[0].text == clean_text);
        CHECK(r->messages[0].contact_name == clean_name);
    }

    TEST_CASE("generic json: control characters leave the text and the name") {
        auto r = parse_generic(
            {{"id", "g-1"}, {"from", "+6281234567890"}, {"text", nul_text}, {"name", nul_name}});
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        CHECK(r->messages[0].text == clean_text);
        CHECK(r->messages[0].contact_name == clean_name);
    }

    TEST_CASE("a text of control characters only is no text: skipped, not stored") {
        auto r =
            parse_generic({{"id", "g-2"}, {"from", "+6281234567890"}, {"text", bytes("\0\x01")}});
        REQUIRE(r.has_value());
        CHECK(r->messages.empty());
        CHECK(r->notes.size() == 1);
    }
}
