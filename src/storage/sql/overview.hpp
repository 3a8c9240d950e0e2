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

// A day's marker in rollup_days.
struct day_marker {
    messaging::unix_seconds end = 0;
    std::string params;
    std::int64_t token = 0;
    bool filled = false;
};

// Rows ready to be kept for one day, counted by funnel_pass.
struct day_fill {
    overview_day day;
    funnel_counts funnel;  // (day, kecamatan) -> that day's counts
    delivery_rows delivery;
};

struct funnel_pass_result {
    std::vector<funnel_row> rows;
    std::vector<overview_day> unfilled;  // neither kept nor this request's to fill
    std::vector<day_fill> fills;         // days this pass counted for its tokens
};

// The funnel of `q` over `days` (overview_days), the same in both SQL stores: kept days from
// their rows, the others from the index ranges (the days marked with this request's token
// also as fills, when `keep`), the partial first day and the days not over always live, and
// attended always live. With `stop_if_unfilled`, returns only `unfilled` as soon as a day is
// neither kept nor this request's. `Store` reads, on its connection and snapshot:
//   markers(from, to)                 -> std::map<unix_seconds, day_marker> starting in [from, to)
//   add_kept(start, day_name, counts)    a kept day's funnel rows added to `counts`
//   count_funnel(from, to, counts)       funnel steps created in [from, to)
//   count_delivery(from, to, counts)     outbound messages created in [from, to)
//   attended()                        -> attended_counts from q.since
template <class Store>
funnel_pass_result funnel_pass(Store& store,
                               const funnel_query& q,
                               const std::vector<overview_day>& days,
                               bool stop_if_unfilled,
                               bool keep) {
    funnel_pass_result result;
    const auto params = overview_params(q);
    std::map<messaging::unix_seconds, day_marker> markers;
    if (!days.empty()) markers = store.markers(days.front().start, days.back().end);
    auto kept = [&](const overview_day& d) {
        auto m = markers.find(d.start);
        return m != markers.end() && m->second.filled && m->second.end == d.end &&
               m->second.params == params;
    };
    auto ours = [&](const overview_day& d) {
        auto m = markers.find(d.start);
        return keep && d.token != 0 && m != markers.end() && !m->second.filled &&
               m->second.token == d.token;
    };
    for (const auto& d : days)
        if (!kept(d) && !ours(d)) result.unfilled.push_back(d);
    if (stop_if_unfilled && !result.unfilled.empty()) return result;

    funnel_counts counts;
    store.count_funnel(q.since, days.empty() ? open_end : days.front().start, counts);
    for (const auto& d : days) {
        if (kept(d)) {
            store.add_kept(d.start, day_name(d.start, q.utc_offset_minutes), counts);
        } else if (ours(d)) {
            day_fill fill{d, {}, {}};
            delivery_counts sent;
            store.count_funnel(d.start, d.end, fill.funnel);
            store.count_delivery(d.start, d.end, sent);
            fill.delivery = delivery_rows_of(sent);
            for (const auto& [k, n] : fill.funnel)
                for (std::size_t i = 0; i < n.size(); ++i)
                    counts[k][i] += n[i];
            result.fills.push_back(std::move(fill));
        } else {
            store.count_funnel(d.start, d.end, counts);
        }
    }
    if (!days.empty()) store.count_funnel(days.back().end, open_end, counts);
    result.rows = funnel_rows(counts, store.attended(), q.limit);
    return result;
}

}  // namespace sapa::storage::sql
