// Fuzzes the Twilio adapter's parse() past the signature check: the input is
// "QUERY\nBODY"; the target signs the decoded body with the fixed token, as Twilio would, so
// random bodies reach the translation. Also fuzzes interpret_send() on the same bytes.
#include "gateway/adapter.hpp"
#include "gateway/detail/text.hpp"
#include "gateway/twilio.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {
const std::string token = "fuzz-twilio-token";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto sms = sapa::gateway::make_twilio_adapter(token, false);
    static const auto whatsapp = sapa::gateway::make_twilio_adapter(
        token, true, {"AC0000", "+6281100000000", "https://api.twilio.invalid"});
    std::string input(reinterpret_cast<const char*>(data), size);
    auto newline = input.find('\n');
    std::string query = newline == std::string::npos ? "" : input.substr(0, newline);
    std::string body = newline == std::string::npos ? input : input.substr(newline + 1);

    sapa::gateway::webhook_request req;
    req.method = "POST";
    req.path = "/webhooks/sms";
    req.query = query;
    req.url = "https://sapa.example.id/webhooks/sms" + (query.empty() ? "" : "?" + query);
    req.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    req.body = body;
    auto decoded = sapa::gateway::detail::decode_form(body);
    auto params = decoded ? *decoded : sapa::gateway::detail::form_params{};
    req.headers.emplace_back("x-twilio-signature",
                             sapa::gateway::twilio_signature(token, req.url, params));
    for (const auto* adapter : {sms.get(), whatsapp.get()}) {
        auto parsed = adapter->parse(req);
        if (parsed && !parsed->messages.empty()) {
            std::vector<sapa::messaging::outbound_message> replies(1);
            replies[0].text = parsed->messages.front().text;
            (void)adapter->acknowledge(replies);
            (void)adapter->render_send(parsed->messages.front().from, replies[0], false);
        }
        (void)adapter->interpret_send(size > 0 ? 200 + data[0] * 2 : 0, input);
    }
    // GET webhooks sign only the URL.
    req.method = "GET";
    req.body.clear();
    req.headers = {{"x-twilio-signature", sapa::gateway::twilio_signature(token, req.url, {})}};
    (void)sms->parse(req);
    return 0;
}
