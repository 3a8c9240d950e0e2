// Every adapter must answer any input with a value or an errc, never an exception or a
// crash. Signed, randomly damaged copies of real payloads get past the signature check and
// exercise the parsers; run under the sanitizers too.
#include "gateway/adapter.hpp"
#include "gateway/detail/text.hpp"
#include "gateway/generic_json.hpp"
#include "gateway/twilio.hpp"
#include "gateway/whatsapp_cloud.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace sapa::gateway;

namespace {

// A small deterministic generator, so a failure reproduces.
struct lcg {
    std::uint64_t state = 0x5a9a;
    std::uint32_t next() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::uint32_t>(state >> 33);
    }
};

std::string damage(std::string s, lcg& rng) {
    const char pool[] = "{}[]\":,\\%+&=0a\xff\xc3\xed\x80 ";
    int edits = 1 + static_cast<int>(rng.next() % 4);
    for (int i = 0; i < edits && !s.empty(); ++i) {
        std::size_t at = rng.next() % s.size();
        char c = pool[rng.next() % (sizeof(pool) - 1)];
        switch (rng.next() % 3) {
            case 0:
                s[at] = c;
                break;
            case 1:
                s.insert(at, 1, c);
                break;
            default:
                s.erase(at, 1 + rng.next() % 8);
        }
    }
    return s;
}

const std::vector<std::string> meta_bodies = {
    R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"6281100000000","phone_number_id":"1"},"contacts":[{"profile":{"name":"Budi"},"wa_id":"6281234567890"}],"messages":[{"from":"6281234567890","id":"w1","timestamp":"1","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"2","title":"Las"}}}]},"field":"messages"}]}]})",
    R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"6281100000000","phone_number_id":"1"},"statuses":[{"id":"w1","status":"failed","errors":[{"code":131047,"title":"x"}]}]},"field":"messages"}]}]})",
};

}  // namespace

TEST_SUITE("gateway") {
    TEST_CASE("adapters never throw on damaged payloads") {
        lcg rng;
        auto twilio = make_twilio_adapter("12345", true);
        auto meta = make_whatsapp_cloud_adapter("s", "v", "t", "1", "https://graph.example");
        auto generic = make_generic_json_adapter("g", "https://bridge.example");
        const std::string url = "https://bot.example.id/twilio";
        const std::string form =
            "Body=Halo+%F0%9F%99%8F&From=whatsapp%3A%2B6281234567890&MessageSid=SM1&"
            "MessageStatus=failed&ErrorCode=21610&ProfileName=Budi";
        const std::string generic_body =
            R"({"id":"1","from":"081234567890","text":"DAFTAR","status":{"id":"x","status":"read"}})";
        for (int i = 0; i < 400; ++i) {
            std::string f = damage(form, rng);
            webhook_request tw;
            tw.method = "POST";
            tw.url = url;
            tw.body = f;
            // Signed over what the adapter will decode, so the damage reaches the fields.
            auto decoded = sapa::gateway::detail::decode_form(f);
            tw.headers = {
                {"x-twilio-signature",
                 twilio_signature("12345", url, decoded ? *decoded : detail::form_params{})}};
            CHECK_NOTHROW((void)twilio->parse(tw));
            if (decoded) {
                auto r = twilio->parse(tw);
                CHECK((r.has_value() || r.error() != errc::bad_signature));
            }

            std::string m = damage(meta_bodies[static_cast<std::size_t>(i) % 2], rng);
            webhook_request mr;
            mr.method = "POST";
            mr.body = m;
            mr.headers = {{"x-hub-signature-256", whatsapp_cloud_signature("s", m)}};
            CHECK_NOTHROW((void)meta->parse(mr));

            std::string g = damage(generic_body, rng);
            webhook_request gr;
            gr.method = "POST";
            gr.body = g;
            gr.headers = {{"x-sapa-signature", generic_json_signature("g", g)}};
            CHECK_NOTHROW((void)generic->parse(gr));

            for (const auto* a : {twilio.get(), meta.get(), generic.get()}) {
                CHECK_NOTHROW((void)a->interpret_send(static_cast<int>(rng.next() % 600), m));
            }
            sapa::messaging::outbound_message out;
            out.text = damage("Pilih:\n1. Ya\n2. Tidak", rng);
            out.body = damage("Pilih:", rng);
            out.options = {{"1", damage("Ya", rng)}, {"2", "Tidak"}};
            for (const auto* a : {twilio.get(), meta.get(), generic.get()}) {
                CHECK_NOTHROW((void)a->render_send("+6281234567890", out, true));
                CHECK_NOTHROW((void)a->acknowledge({out}));
            }
        }
    }
}
