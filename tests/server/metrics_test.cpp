// The Prometheus text format of server::metrics_registry (prometheus-cpp underneath), as
// /metrics serves it.

#include "server/metrics.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using sapa::server::metrics_registry;

namespace {
bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}
}  // namespace

TEST_SUITE("server") {
    TEST_CASE("metrics: counters, gauges and histograms in the Prometheus text format") {
        metrics_registry m;
        m.counter("sapa_http_requests_total", "HTTP requests by route and status.");
        m.gauge("sapa_outbound_queue_depth", "Unfinished outbound jobs.");
        m.histogram("sapa_webhook_duration_seconds", "Webhook latency.", {0.01, 0.1, 1});

        m.add("sapa_http_requests_total", {{"route", "/healthz"}, {"status", "200"}});
        m.add("sapa_http_requests_total", {{"route", "/healthz"}, {"status", "200"}});
        m.add("sapa_http_requests_total", {{"route", "/webhooks/{channel}"}, {"status", "403"}});
        m.set("sapa_outbound_queue_depth", {{"channel", "wa"}}, 7);
        m.observe("sapa_webhook_duration_seconds", {{"channel", "sms"}}, 0.005);
        m.observe("sapa_webhook_duration_seconds", {{"channel", "sms"}}, 0.05);
        m.observe("sapa_webhook_duration_seconds", {{"channel", "sms"}}, 3);
        auto text = m.render();

        CHECK(has_line(text, "# HELP sapa_http_requests_total HTTP requests by route and status."));
        CHECK(has_line(text, "# TYPE sapa_http_requests_total counter"));
        CHECK(has_line(text, "sapa_http_requests_total{route=\"/healthz\",status=\"200\"} 2"));
        CHECK(has_line(text,
                       "sapa_http_requests_total{route=\"/webhooks/{channel}\",status=\"403\"} 1"));
        CHECK(has_line(text, "# TYPE sapa_outbound_queue_depth gauge"));
        CHECK(has_line(text, "sapa_outbound_queue_depth{channel=\"wa\"} 7"));
        // Buckets are cumulative and end with +Inf, which equals _count.
        CHECK(has_line(text, "# TYPE sapa_webhook_duration_seconds histogram"));
        CHECK(
            has_line(text, "sapa_webhook_duration_seconds_bucket{channel=\"sms\",le=\"0.01\"} 1"));
        CHECK(has_line(text, "sapa_webhook_duration_seconds_bucket{channel=\"sms\",le=\"0.1\"} 2"));
        CHECK(has_line(text, "sapa_webhook_duration_seconds_bucket{channel=\"sms\",le=\"1\"} 2"));
        CHECK(
            has_line(text, "sapa_webhook_duration_seconds_bucket{channel=\"sms\",le=\"+Inf\"} 3"));
        CHECK(has_line(text, "sapa_webhook_duration_seconds_sum{channel=\"sms\"} 3.055"));
        CHECK(has_line(text, "sapa_webhook_duration_seconds_count{channel=\"sms\"} 3"));
        CHECK(text.ends_with("\n"));

        m.clear("sapa_outbound_queue_depth");
        CHECK(m.render().find("sapa_outbound_queue_depth{") == std::string::npos);
    }

    TEST_CASE("metrics: label values are escaped and collectors run at each scrape") {
        metrics_registry m;
        m.counter("sapa_test_total", "A test counter.");
        m.add("sapa_test_total", {{"reason", "say \"hi\"\\\n"}});
        m.gauge("sapa_scrapes", "Scrapes so far.");
        int scrapes = 0;
        m.on_scrape([&](metrics_registry& r) { r.set("sapa_scrapes", {}, ++scrapes); });
        auto text = m.render();
        CHECK(has_line(text, "sapa_test_total{reason=\"say \\\"hi\\\"\\\\\\n\"} 1"));
        CHECK(has_line(text, "sapa_scrapes 1"));
        CHECK(has_line(m.render(), "sapa_scrapes 2"));
        CHECK_THROWS_AS(m.add("sapa_undeclared_total", {}), std::logic_error);
        CHECK_THROWS_AS(m.set("sapa_test_total", {}, 1), std::logic_error);
    }
}
