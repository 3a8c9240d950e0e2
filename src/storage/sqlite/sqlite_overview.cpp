// The console's overview: the funnel per day and kecamatan, and delivery per channel.
//
// A day that is over changes only by a late write (a status, a moved resident, forget), so
// its counts are kept: rollup_days holds one marker per local day (midnight to midnight, in
// UTC seconds), funnel_days and delivery_days its counts. A day is filled in three steps:
// the writer marks it with a random token; a reader, in a snapshot taken after that commit,
// counts it from the index ranges; the writer keeps those counts only if the marker still
// has the token. Every write that would change a marked day's counts deletes its marker
// (triggers of migration v12), so a write before the mark is in the reader's snapshot and
// one after it cancels the fill: kept counts always equal a fresh count. The period's first,
// partial day and the days not over (today) are always counted from the index ranges.

#include "storage/sqlite/detail/sqlite_connection.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace sapa::storage::detail {
namespace {

using sql::channel_counts;
using sql::delivery_counts;
using sql::floor_div;
using sql::funnel_counts;
using sql::open_end;

// The period's steps (1 reached, 2 warned, 3 started, 4 registered) per contact and day in
// [from, to), read from two index ranges (messages_out_time, events_funnel: no table row) and
// gathered here in a hash map; then each contact's kecamatan, once (contact_places, kept by
// triggers, a tenth of a contact row's size). With 100,000 contacts reached in the period,
// SQLite's own GROUP BY and count(DISTINCT) over the rows joined with the contacts took about
// twice as long (bench/README.md, "Console pages").
void count_funnel(
    connection& c, const funnel_query& q, unix_seconds from, unix_seconds to, funnel_counts& out) {
    if (from >= to) return;
    auto& steps = c.prepared(
        "SELECT m.contact_id, m.created_at, 1 FROM messages m "
        "WHERE m.direction = 'out' AND m.created_at >= ?1 AND m.created_at < ?4 "
        "UNION ALL "
        "SELECT e.contact_id, e.created_at, "
        "  CASE WHEN e.kind = 'registration_completed' THEN 4 "
        "       WHEN instr(e.node, ?2) > 0 THEN 2 ELSE 3 END "
        "FROM events e WHERE e.created_at >= ?1 AND e.created_at < ?4 "
        "  AND e.kind IN ('node_entered', 'registration_completed') "
        "  AND (e.kind = 'registration_completed' OR instr(e.node, ?2) > 0 OR "
        "    instr(e.node, ?3) > 0)");
    steps.bind(1, from);
    steps.bind(2, q.warning_node);
    steps.bind(3, q.signup_node);
    steps.bind(4, to);
    const std::int64_t offset = static_cast<std::int64_t>(q.utc_offset_minutes) * 60;
    struct key_hash {
        std::size_t operator()(const std::pair<std::int64_t, std::int64_t>& k) const {
            return std::hash<std::int64_t>()(k.first * 1'000'003 ^ k.second);
        }
    };
    // (day number, contact) -> the steps seen, one bit each.
    std::unordered_map<std::pair<std::int64_t, std::int64_t>, unsigned, key_hash> seen;
    while (steps.executeStep()) {
        const auto day = floor_div(steps.getColumn(1).getInt64() + offset, 86400);
        seen[{day, steps.getColumn(0).getInt64()}] |= 1u << steps.getColumn(2).getInt();
    }
    steps.reset();
    if (seen.empty()) return;
    // Each contact's kecamatan (as a number: its place in `names`), in one statement over the
    // contacts' ids in order, from contact_places (a contact without a row has none; every
    // id here is a contact's: messages and events reference them).
    std::vector<std::int64_t> ids;
    ids.reserve(seen.size());
    for (const auto& [k, bits] : seen)
        ids.push_back(k.second);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::string list = "[";
    for (auto id : ids) {
        if (list.size() > 1) list += ',';
        list += std::to_string(id);
    }
    list += "]";
    auto& places = c.prepared(
        "SELECT j.value, coalesce(p.kecamatan, '') FROM json_each(?1) j "
        "LEFT JOIN contact_places p ON p.contact_id = j.value");
    places.bind(1, list);
    std::vector<std::string> names;
    std::unordered_map<std::string, std::size_t> name_at;
    std::unordered_map<std::int64_t, std::size_t> kecamatan;
    kecamatan.reserve(ids.size());
    while (places.executeStep()) {
        auto name = places.getColumn(1).getString();
        auto [at, added] = name_at.emplace(name, names.size());
        if (added) names.push_back(std::move(name));
        kecamatan.emplace(places.getColumn(0).getInt64(), at->second);
    }
    places.reset();
    // (day number, kecamatan) -> distinct contacts per step.
    std::unordered_map<std::pair<std::int64_t, std::int64_t>, std::array<std::int64_t, 4>, key_hash>
        counts;
    for (const auto& [k, bits] : seen) {
        auto place = kecamatan.find(k.second);
        if (place == kecamatan.end()) continue;  // no such contact
        auto& n = counts[{k.first, static_cast<std::int64_t>(place->second)}];
        for (unsigned step = 1; step <= 4; ++step)
            if (bits & (1u << step)) ++n[step - 1];
    }
    for (const auto& [k, n] : counts) {
        auto& sum = out[{sql::day_name(k.first * 86400 - offset, q.utc_offset_minutes),
                         names[static_cast<std::size_t>(k.second)]}];
        for (std::size_t i = 0; i < 4; ++i)
            sum[i] += n[i];
    }
}

// The outbound messages created in [from, to), one range of messages_out_time (no table row),
// counted here per channel: SQLite's GROUP BY channel sorted them first and took twice as
// long. Then the failures' reasons (table rows, failed ones only).
void count_delivery(connection& c, unix_seconds from, unix_seconds to, delivery_counts& out) {
    if (from >= to) return;
    auto& rows = c.prepared(
        "SELECT channel, status FROM messages "
        "WHERE direction = 'out' AND created_at >= ?1 AND created_at < ?2");
    rows.bind(1, from);
    rows.bind(2, to);
    while (rows.executeStep()) {
        const std::string_view channel = rows.getColumn(0).getText();
        const std::string_view status = rows.getColumn(1).getText();
        auto it = out.find(channel);
        if (it == out.end()) it = out.emplace(std::string(channel), channel_counts{}).first;
        ++it->second.by_class[sql::class_of_status(status)];
    }
    rows.reset();
    auto& reasons = c.prepared(
        "SELECT channel, coalesce(nullif(status_reason, ''), nullif(status_code, ''), 'unknown'), "
        "  count(*) FROM messages "
        "WHERE direction = 'out' AND status = 'failed' AND created_at >= ?1 AND created_at < ?2 "
        "GROUP BY 1, 2");
    reasons.bind(1, from);
    reasons.bind(2, to);
    while (reasons.executeStep())
        out[reasons.getColumn(0).getString()].reasons[reasons.getColumn(1).getString()] +=
            reasons.getColumn(2).getInt64();
    reasons.reset();
}

// Residents marked attended from q.since on, per day and kecamatan (sql::attended_counts),
// from the registrations_attended index.
sql::attended_counts count_attended(connection& c, const funnel_query& q) {
    auto& rows = c.prepared(
        "SELECT r.contact_id, r.updated_at, coalesce(p.kecamatan, '') FROM registrations r "
        "LEFT JOIN contact_places p ON p.contact_id = r.contact_id "
        "WHERE r.status = 'attended' AND r.updated_at >= ?1");
    rows.bind(1, q.since);
    const std::int64_t offset = static_cast<std::int64_t>(q.utc_offset_minutes) * 60;
    std::set<std::tuple<std::int64_t, std::int64_t, std::string>> seen;  // day, contact, place
    while (rows.executeStep())
        seen.emplace(floor_div(rows.getColumn(1).getInt64() + offset, 86400),
                     rows.getColumn(0).getInt64(),
                     rows.getColumn(2).getString());
    rows.reset();
    sql::attended_counts out;
    for (const auto& [day, contact, place] : seen)
        ++out[{sql::day_name(day * 86400 - offset, q.utc_offset_minutes), place}];
    return out;
}

// The markers that start in [from, to).
std::map<unix_seconds, sql::day_marker> markers_in(connection& c,
                                                   unix_seconds from,
                                                   unix_seconds to) {
    auto& q = c.prepared(
        "SELECT start, end_at, params, token, filled FROM rollup_days "
        "WHERE start >= ?1 AND start < ?2");
    q.bind(1, from);
    q.bind(2, to);
    std::map<unix_seconds, sql::day_marker> out;
    while (q.executeStep())
        out.emplace(q.getColumn(0).getInt64(),
                    sql::day_marker{q.getColumn(1).getInt64(),
                                    q.getColumn(2).getString(),
                                    q.getColumn(3).getInt64(),
                                    q.getColumn(4).getInt() != 0});
    q.reset();
    return out;
}

void add_kept_funnel(connection& c,
                     unix_seconds start,
                     const std::string& day,
                     funnel_counts& out) {
    auto& q = c.prepared(
        "SELECT kecamatan, reached, warned, started, registered FROM funnel_days "
        "WHERE start = ?1");
    q.bind(1, start);
    while (q.executeStep()) {
        auto& n = out[{day, q.getColumn(0).getString()}];
        for (int i = 0; i < 4; ++i)
            n[static_cast<std::size_t>(i)] += q.getColumn(i + 1).getInt64();
    }
    q.reset();
}

}  // namespace

std::vector<overview_day> overview_days(connection& c, const funnel_query& q, unix_seconds now) {
    // Only the days between the period's first and last outbound message or funnel event
    // (probes of both indexes): the others count nothing.
    auto& span = c.prepared(
        "SELECT min(a), max(b) FROM ("
        "  SELECT min(created_at) AS a, max(created_at) AS b FROM messages "
        "  WHERE direction = 'out' AND created_at >= ?1 "
        "  UNION ALL "
        "  SELECT min(created_at), max(created_at) FROM events "
        "  WHERE kind IN ('node_entered', 'registration_completed') AND created_at >= ?1)");
    span.bind(1, q.since);
    std::vector<overview_day> days;
    if (!span.executeStep() || span.getColumn(0).isNull()) {
        span.reset();
        return days;
    }
    const auto first = span.getColumn(0).getInt64(), last = span.getColumn(1).getInt64();
    span.reset();
    return sql::overview_days(q, first, last, now);
}

funnel_result funnel_pass(connection& c,
                          const funnel_query& q,
                          const std::vector<overview_day>& days,
                          bool stop_if_unfilled) {
    // What sql::funnel_pass reads, on this connection's snapshot.
    struct source {
        connection& c;
        const funnel_query& q;
        std::map<unix_seconds, sql::day_marker> markers(unix_seconds from, unix_seconds to) {
            return markers_in(c, from, to);
        }
        void add_kept(unix_seconds start, const std::string& day, funnel_counts& out) {
            add_kept_funnel(c, start, day, out);
        }
        void count_funnel(unix_seconds from, unix_seconds to, funnel_counts& out) {
            detail::count_funnel(c, q, from, to, out);
        }
        void count_delivery(unix_seconds from, unix_seconds to, delivery_counts& out) {
            detail::count_delivery(c, from, to, out);
        }
        sql::attended_counts attended() { return count_attended(c, q); }
    } s{c, q};
    return sql::funnel_pass(s, q, days, stop_if_unfilled, true);
}

void mark_days(connection& c, const funnel_query& q, const std::vector<overview_day>& days) {
    const auto params = sql::overview_params(q);
    auto& drop = c.prepared("DELETE FROM rollup_days WHERE end_at > ?1 AND start < ?2");
    auto& add = c.prepared(
        "INSERT INTO rollup_days (start, end_at, params, token, filled) "
        "VALUES (?1, ?2, ?3, ?4, 0)");
    for (const auto& d : days) {
        drop.bind(1, d.start);
        drop.bind(2, d.end);
        drop.exec();
        drop.reset();
        add.bind(1, d.start);
        add.bind(2, d.end);
        add.bind(3, params);
        add.bind(4, d.token);
        add.exec();
        add.reset();
    }
}

void keep_days(connection& c, const std::vector<day_fill>& fills) {
    auto& claim = c.prepared(
        "UPDATE rollup_days SET filled = 1 WHERE start = ?1 AND token = ?2 AND filled = 0");
    auto& funnel = c.prepared(
        "INSERT INTO funnel_days (start, kecamatan, reached, warned, started, registered) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    auto& sent = c.prepared(
        "INSERT INTO delivery_days (start, channel, kind, name, n) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const auto& f : fills) {
        claim.bind(1, f.day.start);
        claim.bind(2, f.day.token);
        const bool still_ours = claim.exec() == 1;
        claim.reset();
        if (!still_ours) continue;  // written to since it was marked: counted live next time
        for (const auto& [k, n] : f.funnel) {
            funnel.bind(1, f.day.start);
            funnel.bind(2, k.second);
            for (int i = 0; i < 4; ++i)
                funnel.bind(i + 3, n[static_cast<std::size_t>(i)]);
            funnel.exec();
            funnel.reset();
        }
        for (const auto& [channel, kind, name, n] : f.delivery) {
            sent.bind(1, f.day.start);
            sent.bind(2, channel);
            sent.bind(3, kind);
            sent.bind(4, name);
            sent.bind(5, n);
            sent.exec();
            sent.reset();
        }
    }
}

std::vector<delivery_health> delivery(connection& c, unix_seconds since) {
    // The kept days from `since` on (any funnel's days: delivery does not depend on them),
    // the time between them from the index range.
    std::vector<std::pair<unix_seconds, unix_seconds>> kept;
    {
        auto& q = c.prepared(
            "SELECT start, end_at FROM rollup_days WHERE start >= ?1 AND filled = 1 ORDER BY "
            "start");
        q.bind(1, since);
        while (q.executeStep())
            kept.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getInt64());
        q.reset();
    }
    delivery_counts counts;
    auto& rows = c.prepared("SELECT channel, kind, name, n FROM delivery_days WHERE start = ?1");
    unix_seconds at = since;
    for (const auto& [start, end] : kept) {
        count_delivery(c, at, start, counts);
        rows.bind(1, start);
        while (rows.executeStep())
            sql::add_delivery_row(counts,
                                  rows.getColumn(0).getString(),
                                  rows.getColumn(1).getText(),
                                  rows.getColumn(2).getString(),
                                  rows.getColumn(3).getInt64());
        rows.reset();
        at = end;
    }
    count_delivery(c, at, open_end, counts);

    return sql::delivery_health_of(counts);
}

}  // namespace sapa::storage::detail
