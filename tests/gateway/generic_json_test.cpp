#include "gateway/generic_json.hpp"

#include "gateway/adapter.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace sapa::gateway;
using sapa::gateway::test::post;
using sapa::gateway::test::text_message;

namespace {

const std::string secret = "sapa-demo-secret";
const std::string url = "https://bot.example.id/bridge";

// The worked examples of docs/generic-json.md, byte for byte.
const std::string inbound_body =
    R"({"id":"bridge-0001","from":"081234567890","text":"DAFTAR","name":"Budi"})";
const std::string inbound_signature =
    "sha256=8215b850b24fcb60f99b2aa7b3532ac4a8db5d519fdc6247d7a4b8ec3e08edcd";
const std::string status_body =
    R"({"status":{"id":"out-42","status":"failed","code":"30005","reason":"unknown number"}})";
const std::string status_signature =
    "sha256=52a16cf1ebd18be0726582784c2a7500d9d23513750e4c181c18ac129f23be93";
const std::string menu_reply =
    R"({"replies":[{"text":"Pilih kursus:\n1. Menjahit\n2. Las","body":"Pilih kursus:","options":[{"key":"1","label":"Menjahit"},{"key":"2","label":"Las"}]}]})";
const std::string send_body =
    R"({"to":"+6281234567890","text":"Pilih kursus:\n1. Menjahit\n2. Las","body":"Pilih kursus:","options":[{"key":"1","label":"Menjahit"},{"key":"2","label":"Las"}]})";
const std::string send_signature =
    "sha256=1be230f7693a6a7c7a4ad9799de7060e941c77d88b19b4e8ffc326d74d6f0113";

sapa::messaging::outbound_message course_menu() {
    sapa::messaging::outbound_message m;
    m.text = "Pilih kursus:\n1. Menjahit\n2. Las";
    m.body = "Pilih kursus:";
    m.options = {{"1", "Menjahit"}, {"2", "Las"}};
    return m;
}

webhook_request signed_request(const std::string& body) {
    return post(url,
                body,
                {{"content-type", "application/json"},
                 {"x-sapa-signature", generic_json_signature(secret, body)}});
}

std::string read_doc() {
    std::ifstream in(SAPA_SOURCE_DIR "/docs/generic-json.md");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_SUITE("gateway") {
    TEST_CASE("generic json: the documented examples are what the code does") {
        auto doc = read_doc();
        REQUIRE(!doc.empty());
        for (const auto& s : {inbound_body,
                              inbound_signature,
                              status_body,
                              status_signature,
                              menu_reply,
                              send_body,
                              send_signature}) {
            CHECK_MESSAGE(doc.find(s) != std::string::npos, s);
        }
        CHECK(inbound_body.size() == 72);
        CHECK(status_body.size() == 85);
        CHECK(send_body.size() == 159);
        CHECK(generic_json_signature(secret, inbound_body) == inbound_signature);
        CHECK(generic_json_signature(secret, status_body) == status_signature);
        CHECK(generic_json_signature(secret, send_body) == send_signature);
    }

    TEST_CASE("generic json: the worked inbound example") {
        auto adapter = make_generic_json_adapter(secret);
        CHECK(adapter->replies_inline());
        auto r = adapter->parse(
            post(url,
                 inbound_body,
                 {{"content-type", "application/json"}, {"x-sapa-signature", inbound_signature}}));
        REQUIRE(r.has_value());
        REQUIRE(r->messages.size() == 1);
        const auto& m = r->messages[0];
        CHECK(m.gateway_message_id == "bridge-0001");
        CHECK(m.from == "+6281234567890");
        CHECK(m.text == "DAFTAR");
        CHECK(m.contact_name == "Budi");
        CHECK(m.channel_kind == "sms");
        CHECK(m.to.empty());
    }

    TEST_CASE("generic json: the worked status example") {
        auto r = make_generic_json_adapter(secret)->parse(
            post(url, status_body, {{"x-sapa-signature", status_signature}}));
        REQUIRE(r.has_value());
        CHECK(r->messages.empty());
        REQUIRE(r->statuses.size() == 1);
        CHECK(r->statuses[0].provider_message_id == "out-42");
        CHECK(r->statuses[0].status == "failed");
        CHECK(r->statuses[0].raw_code == "30005");
        CHECK(r->statuses[0].reason == "unknown number");
    }

    TEST_CASE("generic json: inline replies") {
        auto adapter = make_generic_json_adapter(secret);
        auto reply = adapter->acknowledge({course_menu()});
        CHECK(reply.status == 200);
        CHECK(reply.content_type == "application/json");
        CHECK(reply.body == menu_reply);
        CHECK(adapter->acknowledge({}).body == R"({"replies":[]})");
        CHECK(adapter->acknowledge({text_message("Terima kasih"), text_message("<ok> & \"q\"")})
                  .body == R"({"replies":[{"text":"Terima kasih"},{"text":"<ok> & \"q\""}]})");
        CHECK_FALSE(adapter->handshake(signed_request(inbound_body)).has_value());
    }

    TEST_CASE("generic json: optional push sends") {
        CHECK(make_generic_json_adapter(secret)
                  ->render_send("+6281234567890", course_menu(), true)
                  .method.empty());
        auto adapter = make_generic_json_adapter(secret, "https://bridge.example.id/send");
        auto req = adapter->render_send("+6281234567890", course_menu(), true);
        CHECK(req.method == "POST");
        CHECK(req.url == "https://bridge.example.id/send");
        CHECK(req.body == send_body);
        CHECK(req.headers ==
              std::vector<std::pair<std::string, std::string>>{
                  {"Content-Type", "application/json"}, {"X-Sapa-Signature", send_signature}});
        auto plain = adapter->render_send("+6281234567890", course_menu(), false);
        CHECK(plain.body ==
              R"({"to":"+6281234567890","text":"Pilih kursus:\n1. Menjahit\n2. Las"})");

        auto sent = adapter->interpret_send(200, R"({"id":"out-42"})");
        CHECK(sent.result == send_outcome::sent);
        CHECK(sent.provider_message_id == "out-42");
        CHECK(adapter->interpret_send(204, "").result == send_outcome::sent);
        CHECK(adapter->interpret_send(429, "").result == send_outcome::retry);
        CHECK(adapter->interpret_send(502, "").result == send_outcome::retry);
        CHECK(adapter->interpret_send(0, "").reason == "no answer from the bridge");
        auto refused = adapter->interpret_send(400, R"({"error":"no such number","code":"x1"})");
        CHECK(refused.result == send_outcome::failed);
        CHECK(refused.reason == "no such number");
        CHECK(refused.raw_code == "x1");
    }

    TEST_CASE("generic json: tampered, unsigned and wrongly keyed requests are refused") {
        auto adapter = make_generic_json_adapter(secret);
        auto req = post(url, inbound_body, {{"x-sapa-signature", inbound_signature}});
        SUBCASE("one byte of the body changed") {
            req.body[req.body.find("DAFTAR")] = 'd';
            CHECK(adapter->parse(req).error() == errc::bad_signature);
        }
        SUBCASE("header missing") {
            req.headers.clear();
            CHECK(adapter->parse(req).error() == errc::missing_signature);
        }
        SUBCASE("wrong secret") {
            CHECK(make_generic_json_adapter("sapa-demo-secreT")->parse(req).error() ==
                  errc::bad_signature);
        }
        SUBCASE("header name in another case") {
            req.headers[0].first = "X-Sapa-Signature";
            CHECK(adapter->parse(req).has_value());
        }
    }

    TEST_CASE("generic json: malformed bodies get the right error") {
        auto adapter = make_generic_json_adapter(secret);
        auto error_of = [&](const std::string& body) {
            return adapter->parse(signed_request(body)).error();
        };
        CHECK(error_of("") == errc::malformed_body);
        CHECK(error_of("{\"id\":") == errc::malformed_body);
        CHECK(error_of("\"just a string\"") == errc::malformed_body);
        CHECK(error_of(R"({"from":"+6281234567890","text":"x"})") == errc::missing_field);
        CHECK(error_of(R"({"id":"1","text":"x"})") == errc::missing_field);
        CHECK(error_of(R"({"id":"1","from":"+6281234567890"})") == errc::missing_field);
        CHECK(error_of(R"({"id":"1","from":"not a phone","text":"x"})") == errc::malformed_body);
        CHECK(error_of(R"({"id":"1","from":"+6281234567890","text":5})") == errc::malformed_body);
        CHECK(error_of(R"({"id":"1","from":"+6281234567890","text":"x","channel":"fax"})") ==
              errc::malformed_body);
        CHECK(error_of("{\"id\":\"1\",\"from\":\"+6281234567890\",\"text\":\"\xed\xa0\x80\"}") ==
              errc::invalid_utf8);  // an encoded UTF-16 surrogate
        CHECK(error_of(R"({"status":"delivered"})") == errc::malformed_body);
        CHECK(error_of(R"({"status":{"status":"delivered"}})") == errc::missing_field);
        CHECK(error_of(R"({"status":{"id":"1","status":"lost"}})") == errc::malformed_body);

        auto req = signed_request(inbound_body);
        req.headers[0].second = "application/x-www-form-urlencoded";
        CHECK(adapter->parse(req).error() == errc::unsupported_content_type);

        auto empty_text =
            adapter->parse(signed_request(R"({"id":"1","from":"+6281234567890","text":""})"));
        REQUIRE(empty_text.has_value());
        CHECK(empty_text->messages.empty());
        CHECK(empty_text->notes.size() == 1);

        auto whatsapp = adapter->parse(signed_request(
            R"({"id":"1","from":"6281234567890","text":"Hi","channel":"whatsapp"})"));
        REQUIRE(whatsapp.has_value());
        CHECK(whatsapp->messages.at(0).channel_kind == "whatsapp");
    }

    TEST_CASE("generic json: a sender number that could be read two ways is refused") {
        auto adapter = make_generic_json_adapter(secret);
        auto from = [&](const std::string& number) {
            return adapter->parse(
                signed_request(R"({"id":"1","from":")" + number + R"(","text":"halo"})"));
        };
        // A bridge abroad sending China's 86... without "+" was read as Indonesian.
        CHECK(from("8613800138000").error() == errc::ambiguous_number);
        CHECK(from("81234567890").error() == errc::ambiguous_number);
        CHECK(make_error_code(errc::ambiguous_number).message().find("+6281234567890") !=
              std::string::npos);
        CHECK(from("+8613800138000")->messages.at(0).from == "+8613800138000");
        CHECK(from("6281234567890")->messages.at(0).from == "+6281234567890");
        CHECK(from("+62 0812 3456 7890")->messages.at(0).from == "+6281234567890");
        CHECK(from("not a phone").error() == errc::malformed_body);
    }
}
