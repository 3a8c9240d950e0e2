// Fuzzes Sapa's generic JSON adapter: parse() of a correctly signed body (signed inside the
// target with the fixed secret), acknowledge() and render_send() of what it parsed, and
// interpret_send() of the input as a bridge's answer.
#include "fuzz/fuzz_support.hpp"
#include "gateway/adapter.hpp"
#include "gateway/generic_json.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {
const std::string secret = "fuzz-shared-secret";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto adapter =
        sapa::gateway::make_generic_json_adapter(secret, "https://bridge.invalid/send");
    std::string input(reinterpret_cast<const char*>(data), size);

    auto req = sapa::fuzz::signed_json_post("/webhooks/generic",
                                            "x-sapa-signature",
                                            sapa::gateway::generic_json_signature(secret, input),
                                            input);
    auto parsed = adapter->parse(req);
    if (parsed) {
        std::vector<sapa::messaging::outbound_message> replies;
        for (const auto& m : parsed->messages) {
            sapa::messaging::outbound_message reply;
            reply.text = m.text;
            reply.options = {{"1", m.contact_name}};
            replies.push_back(reply);
            (void)adapter->render_send(m.from, reply, true);
        }
        (void)adapter->acknowledge(replies);
    }
    (void)adapter->interpret_send(size > 0 ? 200 + data[0] * 2 : 0, input);
    return 0;
}
