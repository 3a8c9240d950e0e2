#pragma once
// Broadcasts: Sapa writes first to every contact of a segment, durably and exactly once per
// recipient.
//
//   create():  stores the broadcast and its recipients, read from the segment page by page
//              (a few thousand contacts per unit of work, never the whole segment in memory),
//              then marks it ready.
//   expand():  called by the running server on a timer: for each ready broadcast whose start
//              time has come, queues the next recipients' messages (as conversations::start()
//              does), one unit of work per recipient that also records the recipient as
//              queued, so a crash never queues a recipient twice. The budget (SMS segments) is
//              checked per recipient: once the next one would pass it, the broadcast stops and
//              the rest are skipped.
//   cancel():  staff stop it: recipients not queued yet are skipped, queued messages not yet
//              handed to a sender fail "cancelled by staff"; what was sent stays sent.
//
// Nothing here knows HTTP, SQL or a clock: callers pass `now`.

#include "app/conversations.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sapa::app {

struct broadcast_request {
    const channel* on = nullptr;  // REQUIRES: not null
    std::string segment_text;     // how staff named the segment, kept for `show`
    storage::segment who;
    opening what;
    unix_seconds start_at = 0;
    std::int64_t budget = 0;  // SMS segments; 0: none
};

// What a broadcast would cost: its recipients, their messages and SMS segments.
struct broadcast_estimate {
    std::int64_t recipients = 0, messages = 0, segments = 0;
};

struct broadcast_report {
    storage::broadcast_record broadcast;
    storage::broadcast_counts counts;
};

class broadcasts {
  public:
    broadcasts(storage::store& store, script_source scripts, conversation_options options);
    broadcasts(const broadcasts&) = delete;
    broadcasts& operator=(const broadcasts&) = delete;

    // Reads the segment without writing anything. Throws system_error(errc::unknown_node).
    broadcast_estimate estimate(const broadcast_request& r, unix_seconds now) const;
    // Stores the broadcast and its recipients; returns its id and how many recipients.
    // Throws system_error (errc::unknown_node, the store's).
    std::pair<std::int64_t, std::int64_t> create(const broadcast_request& r,
                                                 unix_seconds now,
                                                 int chunk = 5000);
    // create() in one unit of work, at most once per `key` (across restarts and instances):
    // nullopt when a broadcast already has the key. For small segments (a course's contacts).
    std::optional<std::pair<std::int64_t, std::int64_t>> create_once(const broadcast_request& r,
                                                                     const std::string& key,
                                                                     unix_seconds now);
    std::vector<storage::broadcast_record> list() const;
    std::optional<broadcast_report> show(std::int64_t id) const;
    // nullopt: no such broadcast. A finished one is left as it is.
    std::optional<broadcast_report> cancel(std::int64_t id, unix_seconds now);

    // Queues the next recipients of every due broadcast: at most `room(channel)` recipients
    // per channel this call. Returns how many were queued. Any one thread at a time.
    std::int64_t expand(unix_seconds now,
                        const std::function<std::int64_t(const std::string&)>& room);

    // Called after recipients were queued on `channel` (the sender looks at once).
    std::function<void(const std::string& channel)> on_queued;

  private:
    const channel* find_channel(const std::string& name) const;
    std::int64_t cost(const std::vector<std::string>& texts) const;
    // Queues one recipient (a unit of work of its own); the number of recipients queued.
    void queue_recipient(const storage::broadcast_record& b,
                         const storage::segment_member& who,
                         unix_seconds now,
                         std::function<void(bool queued)> done);

    storage::store& store_;
    script_source scripts_;
    conversation_options options_;
    std::map<std::int64_t, std::int64_t> cursor_;  // per broadcast: the last contact id read
};

}  // namespace sapa::app
