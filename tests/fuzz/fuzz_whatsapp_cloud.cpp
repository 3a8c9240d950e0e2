// Fuzzes the WhatsApp Cloud adapter: parse() of a correctly signed body (the target signs
// the input with the fixed app secret, as Meta would), the verification handshake with the
// input as query string, interpret_send() of the input as a Graph API answer, and
// render_send() of the texts parsed out of it (plain and interactive).
#include "fuzz/fuzz_support.hpp"
#include "gateway/adapter.hpp"
#include "gateway/whatsapp_cloud.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {
const std::string secret = "fuzz-app-secret";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto adapter = sapa::gateway::make_whatsapp_cloud_adapter(
        secret, "fuzz-verify", "fuzz-access", "1234567890", "https://graph.invalid/v25.0");
    std::string input(reinterpret_cast<const char*>(data), size);

    auto req = sapa::fuzz::signed_json_post("/webhooks/wa",
                                            "x-hub-signature-256",
                                            sapa::gateway::whatsapp_cloud_signature(secret, input),
                                            input);
    auto parsed = adapter->parse(req);
    if (parsed) {
        for (const auto& m : parsed->messages) {
            sapa::messaging::outbound_message reply;
            reply.text = m.text;
            reply.body = m.contact_name;
            reply.options = {{"1", m.text}, {"2", m.contact_name}, {m.gateway_message_id, m.to}};
            (void)adapter->render_send(m.from, reply, false);
            (void)adapter->render_send(m.from, reply, true);
        }
    }
    (void)adapter->interpret_send(size > 0 ? 200 + data[0] * 2 : 0, input);

    sapa::gateway::webhook_request get;
    get.method = "GET";
    get.path = "/webhooks/wa";
    get.query = input;
    get.url = "https://sapa.example.id/webhooks/wa?" + input;
    (void)adapter->handshake(get);
    return 0;
}
