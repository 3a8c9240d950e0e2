#include "server/metrics.hpp"

#include <map>
#include <mutex>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <stdexcept>

namespace sapa::server {

struct metrics_registry::impl {
    prometheus::Registry registry;
    std::mutex mutex;  // the maps below; prometheus-cpp guards its own families
    std::map<std::string, prometheus::Family<prometheus::Counter>*> counters;
    std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges;
    std::map<std::string, std::vector<prometheus::Gauge*>> gauge_series;  // for clear()
    std::map<std::string,
             std::pair<prometheus::Family<prometheus::Histogram>*, std::vector<double>>>
        histograms;
    std::vector<std::function<void(metrics_registry&)>> collectors;

    template <class Map>
    static auto& find(Map& map, const std::string& name) {
        auto it = map.find(name);
        if (it == map.end())
            throw std::logic_error("metrics: " + name + " is not declared as this kind of metric");
        return it->second;
    }
};

namespace {
prometheus::Labels to_labels(const metric_labels& labels) {
    return prometheus::Labels(labels.begin(), labels.end());
}
}  // namespace

metrics_registry::metrics_registry() : impl_(std::make_unique<impl>()) {}
metrics_registry::~metrics_registry() = default;

void declare_server_metrics(metrics_registry& m) {
    m.counter("sapa_http_requests_total", "HTTP requests answered, by route pattern and status.");
    m.histogram("sapa_webhook_duration_seconds",
                "Time from a webhook's first byte to its answer being written, by channel.",
                {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    m.counter("sapa_messages_received_total",
              "Inbound messages handed to the dialogs, by channel.");
    m.counter("sapa_messages_sent_total",
              "Replies sent, by channel and way (inline in the webhook answer, or by api).");
    m.counter("sapa_webhook_unrouted_total",
              "Meta messages and statuses for a phone_number_id no channel has (not stored), "
              "by the channel whose URL they arrived on and kind.");
    m.gauge("sapa_outbound_queue_depth", "Replies waiting in the outbound queue, by channel.");
    m.gauge("sapa_outbound_queue_oldest_age_seconds",
            "Age of the oldest reply waiting in the outbound queue, by channel.");
    m.counter("sapa_outbound_retries_total",
              "Sends to be retried later, by channel and reason (provider code, HTTP status or "
              "no_answer).");
    m.counter("sapa_outbound_failures_total",
              "Sends given up, by channel and reason (provider code, HTTP status, no_answer, "
              "window or config).");
    m.histogram("sapa_store_commit_duration_seconds",
                "Time from the start of a group commit to its being durable.",
                {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1});
    m.histogram("sapa_store_commit_batch_size",
                "Units of work (mostly messages) per group commit.",
                {1, 2, 4, 8, 16, 32, 64, 128, 256});
}

void metrics_registry::counter(const std::string& name, const std::string& help) {
    std::lock_guard lock(impl_->mutex);
    impl_->counters[name] =
        &prometheus::BuildCounter().Name(name).Help(help).Register(impl_->registry);
}

void metrics_registry::gauge(const std::string& name, const std::string& help) {
    std::lock_guard lock(impl_->mutex);
    impl_->gauges[name] = &prometheus::BuildGauge().Name(name).Help(help).Register(impl_->registry);
}

void metrics_registry::histogram(const std::string& name,
                                 const std::string& help,
                                 std::vector<double> bounds) {
    std::lock_guard lock(impl_->mutex);
    impl_->histograms[name] = {
        &prometheus::BuildHistogram().Name(name).Help(help).Register(impl_->registry),
        std::move(bounds)};
}

void metrics_registry::add(const std::string& name, const metric_labels& labels, double by) {
    std::lock_guard lock(impl_->mutex);
    impl::find(impl_->counters, name)->Add(to_labels(labels)).Increment(by);
}

void metrics_registry::set(const std::string& name, const metric_labels& labels, double value) {
    std::lock_guard lock(impl_->mutex);
    auto* family = impl::find(impl_->gauges, name);
    auto l = to_labels(labels);
    const bool known = family->Has(l);
    auto& g = family->Add(l);
    if (!known) impl_->gauge_series[name].push_back(&g);
    g.Set(value);
}

void metrics_registry::observe(const std::string& name, const metric_labels& labels, double value) {
    std::lock_guard lock(impl_->mutex);
    auto& [family, bounds] = impl::find(impl_->histograms, name);
    family->Add(to_labels(labels), bounds).Observe(value);
}

void metrics_registry::clear(const std::string& name) {
    std::lock_guard lock(impl_->mutex);
    auto* family = impl::find(impl_->gauges, name);
    for (auto* g : impl_->gauge_series[name])
        family->Remove(g);
    impl_->gauge_series[name].clear();
}

void metrics_registry::on_scrape(std::function<void(metrics_registry&)> collector) {
    std::lock_guard lock(impl_->mutex);
    impl_->collectors.push_back(std::move(collector));
}

std::string metrics_registry::render() {
    std::vector<std::function<void(metrics_registry&)>> collectors;
    {
        std::lock_guard lock(impl_->mutex);
        collectors = impl_->collectors;
    }
    for (const auto& c : collectors)
        c(*this);
    return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

}  // namespace sapa::server
