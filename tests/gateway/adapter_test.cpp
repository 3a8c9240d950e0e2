#include "gateway/adapter.hpp"

#include "gateway/error.hpp"
#include "gateway/webhook.hpp"

#include <doctest/doctest.h>

using namespace sapa::gateway;

TEST_SUITE("gateway") {
    TEST_CASE("gateway errors have a category and short messages") {
        boost::system::error_code ec = errc::bad_signature;
        CHECK(ec.category().name() == std::string("sapa.gateway"));
        CHECK(ec.message() == "signature does not match");
        CHECK(make_error_code(errc::invalid_utf8).message() == "text is not valid UTF-8");
        CHECK(ec != make_error_code(errc::missing_signature));
        for (int e = 1; e <= static_cast<int>(errc::verification_failed); ++e) {
            CHECK_FALSE(make_error_code(static_cast<errc>(e)).message().empty());
        }
    }

    TEST_CASE("webhook_request header lookup ignores case") {
        webhook_request req;
        req.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
        CHECK(req.header("Content-Type") == std::string_view("application/json"));
        CHECK(req.header("x-a") == std::string_view("1"));
        CHECK_FALSE(req.header("x-b").has_value());
        CHECK_FALSE(req.header("x-").has_value());
    }

    TEST_CASE("the WhatsApp customer-service window is 24 hours") {
        const sapa::messaging::unix_seconds t = 1'718'000'000;
        CHECK(within_customer_service_window(t, t));
        CHECK(within_customer_service_window(t, t + 24 * 3600 - 1));
        CHECK_FALSE(within_customer_service_window(t, t + 24 * 3600));
        CHECK_FALSE(within_customer_service_window(t, t + 3 * 24 * 3600));
        CHECK(within_customer_service_window(t, t - 5));  // clock slightly behind
        CHECK_FALSE(within_customer_service_window(0, t));
    }
}
