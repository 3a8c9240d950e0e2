#pragma once
// The metrics of GET /metrics: counters, gauges and histograms with labels, addressed by
// name, rendered in Prometheus's text exposition format (version 0.0.4). A thin layer over
// prometheus-cpp's core library (Debian's prometheus-cpp-dev), which keeps the series and
// writes the text; this layer adds families by name and scrape-time collectors. Thread-safe.
//
// Families are declared once (counter(), gauge(), histogram()) before samples are recorded;
// a sample for an undeclared name is a programming error (std::logic_error). Keep label
// values few (route patterns, channel names, reasons), never a phone number or a message id.
// Help texts are plain one-line sentences: prometheus-cpp 1.0.1 writes them unescaped. A
// family with no sample yet is left out of the text.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sapa::server {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

class metrics_registry {
  public:
    metrics_registry();
    ~metrics_registry();
    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    void counter(const std::string& name, const std::string& help);
    void gauge(const std::string& name, const std::string& help);
    // `bounds`: the upper bounds of the buckets, increasing (+Inf is added).
    void histogram(const std::string& name, const std::string& help, std::vector<double> bounds);

    void add(const std::string& name, const metric_labels& labels, double by = 1);
    void set(const std::string& name, const metric_labels& labels, double value);
    void observe(const std::string& name, const metric_labels& labels, double value);
    // Drops every sample of a gauge (before a collector sets the current ones).
    void clear(const std::string& name);

    // Runs at each render(), before the samples are written: sets gauges read from elsewhere
    // (the outbound queue).
    void on_scrape(std::function<void(metrics_registry&)> collector);

    // Content-Type of render()'s text.
    static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";
    std::string render();

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Declares every metric Sapa's server records (the list is in README.md, Operations).
void declare_server_metrics(metrics_registry& m);

}  // namespace sapa::server
