#pragma once
// What the SQL stores share for the console's overview: the days they keep (a marker per local
// day, its funnel and delivery counts; storage/sqlite/sqlite_overview.cpp tells how a day is
// filled and dropped), and the counts' sums turned into the port's rows.

#include "storage/export.hpp"
#include "storage/store.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace sapa::storage::sql {

constexpr messaging::unix_seconds open_end = std::numeric_limits<messaging::unix_seconds>::max();

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// A kept day is reused only by a query with the same parameters.
inline std::string overview_params(const funnel_query& q) {
    return std::to_string(q.utc_offset_minutes) + "|" + q.warning_node + "|" + q.signup_node;
}

struct overview_day {
    messaging::unix_seconds start = 0;  // local midnight, UTC seconds
    messaging::unix_seconds end = 0;    // the next one
    std::int64_t token = 0;             // set when this request marked the day to fill it
};

// The local days of the query that are over at `now` and lie between the period's first and
// last row (`first`, `last`: created_at of outbound messages and funnel events from q.since).
inline std::vector<overview_day> overview_days(const funnel_query& q,
                                               messaging::unix_seconds first,
                                               messaging::unix_seconds last,
                                               messaging::unix_seconds now) {
    const std::int64_t offset = static_cast<std::int64_t>(q.utc_offset_minutes) * 60;
    auto start = (floor_div(q.since + offset - 1, 86400) + 1) * 86400 - offset;
    if (first > start) start += floor_div(first - start, 86400) * 86400;
    std::vector<overview_day> days;
    for (; start + 86400 <= now && start <= last; start += 86400)
        days.push_back({start, start + 86400, 0});
    return days;
}

// (day "YYYY-MM-DD", kecamatan) -> distinct residents per step (reached, warned, started,
// registered).
using funnel_counts = std::map<std::pair<std::string, std::string>, std::array<std::int64_t, 4>>;

inline std::string day_name(messaging::unix_seconds start, int utc_offset_minutes) {
    return format_timestamp(start + static_cast<std::int64_t>(utc_offset_minutes) * 60, 0, false)
        .substr(0, 10);
}

// (day, kecamatan) -> distinct residents marked attended that day. Always counted live: a
// registration is marked (or unmarked by a cancel) now, so past days change rarely but may,
// and the registrations_attended index holds only the few marked ones.
using attended_counts = std::map<std::pair<std::string, std::string>, std::int64_t>;

// Newest day first, then kecamatan by name, cut at the limit.
inline std::vector<funnel_row> funnel_rows(const funnel_counts& counts,
                                           const attended_counts& attended,
                                           int limit) {
    std::map<std::pair<std::string, std::string>, funnel_row> rows;
    for (const auto& [k, n] : counts)
        rows[k] = {k.first, k.second, n[0], n[1], n[2], n[3], 0};
    for (const auto& [k, n] : attended) {
        auto [at, added] = rows.try_emplace(k, funnel_row{k.first, k.second, 0, 0, 0, 0, 0});
        at->second.attended = n;
    }
    std::vector<funnel_row> out;
    for (auto& [k, r] : rows)
        out.push_back(std::move(r));
    std::stable_sort(out.begin(), out.end(), [](const funnel_row& a, const funnel_row& b) {
        return a.day > b.day;
    });
    if (out.size() > static_cast<std::size_t>(std::max(limit, 0)))
        out.resize(static_cast<std::size_t>(std::max(limit, 0)));
    return out;
}

// Outbound messages of one channel by class of status, failures by reason. A kept day stores
// one row per class ("status", name) and per reason ("reason", name).
enum status_class { sent_class, delivered_class, failed_class, queued_class, other_class };
constexpr std::array<const char*, 5> class_names = {
    "sent", "delivered", "failed", "queued", "other"};

inline status_class class_of_status(std::string_view status) {
    return status == "delivered" || status == "read" ? delivered_class
           : status == "sent"                        ? sent_class
           : status == "failed"                      ? failed_class
           : status == "queued"                      ? queued_class
                                                     : other_class;
}

inline status_class class_named(std::string_view name) {
    for (std::size_t i = 0; i < class_names.size(); ++i)
        if (name == class_names[i]) return static_cast<status_class>(i);
    return other_class;
}

struct channel_counts {
    std::array<std::int64_t, 5> by_class{};
    std::map<std::string, std::int64_t> reasons;
};
using delivery_counts = std::map<std::string, channel_counts, std::less<>>;

// A kept day's delivery rows: channel, kind, name, n.
using delivery_rows = std::vector<std::tuple<std::string, std::string, std::string, std::int64_t>>;

inline delivery_rows delivery_rows_of(const delivery_counts& counts) {
    delivery_rows out;
    for (const auto& [channel, h] : counts) {
        for (std::size_t i = 0; i < h.by_class.size(); ++i)
            if (h.by_class[i] > 0)
                out.emplace_back(channel, "status", class_names[i], h.by_class[i]);
        for (const auto& [reason, n] : h.reasons)
            out.emplace_back(channel, "reason", reason, n);
    }
    return out;
}

inline void add_delivery_row(delivery_counts& counts,
                             const std::string& channel,
                             std::string_view kind,
                             const std::string& name,
                             std::int64_t n) {
    auto& h = counts[channel];
    if (kind == "status")
        h.by_class[class_named(name)] += n;
    else
        h.reasons[name] += n;
}

// Per channel (by name): sent counts delivered and read too; the three most frequent reasons.
inline std::vector<delivery_health> delivery_health_of(const delivery_counts& counts) {
    std::vector<delivery_health> out;
    for (const auto& [channel, h] : counts) {
        delivery_health d{channel, 0, 0, 0, 0, {}};
        d.sent = h.by_class[sent_class] + h.by_class[delivered_class];
        d.delivered = h.by_class[delivered_class];
        d.failed = h.by_class[failed_class];
        d.waiting = h.by_class[queued_class];
        std::vector<std::pair<std::string, std::int64_t>> reasons(h.reasons.begin(),
                                                                  h.reasons.end());
        std::stable_sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) {
            return a.second > b.second;
        });
        if (reasons.size() > 3) reasons.resize(3);
        d.top_failures = std::move(reasons);
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace sapa::storage::sql
