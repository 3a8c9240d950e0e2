#pragma once
// The store contract: what Sapa keeps (contacts, sessions, the conversation log,
// registrations, the outbound queue) behind ports that know no SQL and no database library.
// The use cases (src/app) decide what happens to a message; a store only keeps it, atomically
// and durably. Every store passes the same contract suite (tests/storage/store_contract_test):
// memory (storage/memory), SQLite (storage/sqlite).
//
// Units of work: a use case hands the store a function of a `transaction`. The store runs it
// inside one of its transactions, in submission order, and reports once what it wrote is
// durable (or failed: then nothing of it was kept). Stores may run many units in one
// transaction (group commit); a unit that throws fails alone.
//
// Thread-safety: all member functions of `store` may be called from any thread. Units of work
// and callbacks run on threads of the store's and must not call the store's blocking
// functions (a store may refuse with std::logic_error rather than deadlock).

#include "engine/engine.hpp"
#include "messaging/message.hpp"
#include "storage/error.hpp"
#include "storage/export.hpp"
#include "storage/staff.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::storage {

using messaging::delivery_status;
using messaging::unix_seconds;

// A contact as the store last kept it. The state is shared and never changed in place: a use
// case builds the next state and hands it to save_contact().
struct contact_record {
    std::int64_t id = 0;                                 // the store's id, unique per contact
    std::shared_ptr<const engine::contact_state> state;  // address normalised
};

// A message Sapa sent or will send, as logged.
struct stored_reply {
    std::int64_t message_id = 0;  // the conversation log row; an outbound job has the same id
    messaging::outbound_message message;
};

// How a message Sapa sends travels: in the answer to the resident's webhook (Twilio TwiML),
// or through the provider's send API from the outbound queue.
enum class route { inline_reply, api };

struct outbound_record {
    std::string channel;
    std::int64_t contact_id = 0;
    std::int64_t reply_to = 0;  // the inbound message it answers; 0: Sapa speaks first
    messaging::outbound_message message;
    route via = route::inline_reply;
    unix_seconds created_at = 0;  // an api message is due from then on
};

// One message of a contact's conversation log, as the sending rules see it.
struct logged_message {
    bool inbound = false;
    unix_seconds created_at = 0;

    bool operator==(const logged_message&) const = default;
};

// What a text costs as an SMS, stored with each message. Supplied by the caller (the
// composition root passes sms::measure) so stores do not depend on the SMS rules.
struct message_cost {
    std::string encoding;  // "gsm7" or "ucs2"
    int segments = 0;
};
using text_cost_function = std::function<message_cost(const std::string& text)>;

// Which contacts an outreach reaches. Every set criterion must hold; contacts who opted out
// or were erased are never in a segment.
struct segment {
    std::string group;      // in this group (contacts import --group, or the file's column)
    std::string kecamatan;  // the contact field "kecamatan", compared without case
    std::string language;   // the contact's language ("id", "en")
    std::string course;     // has a registration for this course (its latest one)...
    std::optional<engine::registration_status> status;  // ...with this status
    unix_seconds last_seen_since = 0;  // last contact (a message, or an import) at or after this

    bool operator==(const segment&) const = default;
};

// A contact of a segment: its store id (the order segments are read in) and address.
struct segment_member {
    std::int64_t id = 0;
    std::string address;
};

// --- Broadcasts (Sapa writes first to every contact of a segment) ---

// preparing: its recipients are being written; ready: the server expands it into outbound
// jobs from start_at on; done: every recipient queued or skipped; cancelled: by staff;
// over_budget: the budget was spent, the remaining recipients were skipped.
enum class broadcast_status { preparing, ready, done, cancelled, over_budget };
const char* to_string(broadcast_status s);
std::optional<broadcast_status> broadcast_status_from_string(std::string_view text);

struct broadcast_record {
    std::int64_t id = 0;
    std::string channel;
    std::string segment;  // who, as staff wrote it ("group=kader,kecamatan=sukodono")
    // What Sapa says (app::opening): texts, then the node's, with its variables set.
    std::vector<std::string> texts;
    std::string node;
    std::map<std::string, std::string> variables;
    // Sent instead of the first message when WhatsApp's 24-hour window is closed.
    std::optional<messaging::message_template> fallback_template;
    unix_seconds created_at = 0;
    unix_seconds start_at = 0;  // nothing is queued before
    std::int64_t budget = 0;    // SMS segments it may cost; 0: no budget
    std::int64_t spent = 0;     // SMS segments of the messages queued so far
    broadcast_status status = broadcast_status::preparing;
    std::string reason;  // why it stopped, in plain words
};

// A recipient is waiting until the server queues its messages (then queued: the outbound
// queue holds them) or skips it (opted out since, cancelled, budget spent).
enum class recipient_status { waiting, queued, skipped };

// How a broadcast's recipients stand: waiting and skipped by the recipient, the queued ones by
// the status of their first message (queued, sent, delivered, read, failed).
struct broadcast_counts {
    std::int64_t waiting = 0, queued = 0, sent = 0, delivered = 0, read = 0, failed = 0,
                 skipped = 0;
    std::int64_t total() const {
        return waiting + queued + sent + delivered + read + failed + skipped;
    }
};

// The broadcasts and their recipients (one row per broadcast and contact), inside a unit of
// work.
class broadcast_ledger {
  public:
    virtual ~broadcast_ledger() = default;
    // Stores `b` (its id ignored) and returns its id.
    virtual std::int64_t add_broadcast(const broadcast_record& b) = 0;
    virtual std::optional<broadcast_record> find_broadcast(std::int64_t id) = 0;
    // Every broadcast, newest first.
    virtual std::vector<broadcast_record> list_broadcasts() = 0;
    virtual void set_broadcast_status(std::int64_t id,
                                      broadcast_status status,
                                      const std::string& reason) = 0;
    // Adds the contacts as waiting recipients; a contact already in the broadcast stays as it
    // is (a contact is in a broadcast once).
    virtual void add_recipients(std::int64_t broadcast,
                                const std::vector<std::int64_t>& contact_ids) = 0;
    // Up to `limit` waiting recipients with a contact id above `after`, by contact id.
    virtual std::vector<segment_member> waiting_recipients(std::int64_t broadcast,
                                                           std::int64_t after,
                                                           int limit) = 0;
    virtual std::optional<recipient_status> recipient(std::int64_t broadcast,
                                                      std::int64_t contact_id) = 0;
    // The recipient's messages were queued (ids first..last, all of its contact); they cost
    // `segments`, added to what the broadcast spent.
    virtual void mark_queued(std::int64_t broadcast,
                             std::int64_t contact_id,
                             std::int64_t first_message,
                             std::int64_t last_message,
                             std::int64_t segments) = 0;
    virtual void mark_skipped(std::int64_t broadcast,
                              std::int64_t contact_id,
                              const std::string& reason) = 0;
    // Every waiting recipient becomes skipped with `reason`; returns how many.
    virtual std::int64_t skip_waiting(std::int64_t broadcast, const std::string& reason) = 0;
    // The queued recipients' jobs not handed to a sender yet are failed with `raw_code` and
    // `reason` and leave the queue; returns how many messages.
    virtual std::int64_t fail_unsent(std::int64_t broadcast,
                                     const std::string& raw_code,
                                     const std::string& reason,
                                     unix_seconds now) = 0;
    virtual broadcast_counts count_recipients(std::int64_t broadcast) = 0;
    // A broadcast made once per key (a reminder and its date): gives `broadcast` the `key`;
    // false, writing nothing, when another broadcast has it (at most one broadcast per key,
    // across every instance).
    virtual bool add_broadcast_key(const std::string& key, std::int64_t broadcast) = 0;
    // The broadcast that has `key`, if any.
    virtual std::optional<std::int64_t> broadcast_with_key(const std::string& key) = 0;
};

// The ports one unit of work sees. Addresses are normalised by the caller
// (normalize_address below). Everything written through one transaction object becomes
// visible and durable together, or not at all.
class transaction {
  public:
    virtual ~transaction() = default;

    // --- Contacts ---
    virtual std::optional<contact_record> find_contact(const std::string& address) = 0;
    // A new contact with a fresh state (only the address set), first and last seen `now`.
    virtual contact_record add_contact(const std::string& address, unix_seconds now) = 0;
    // Stores `after` (language, fields, opt-out, session) as the contact's state; last seen
    // becomes `now` unless it was later; the opt-out time is kept while opted out.
    virtual void save_contact(const contact_record& before,
                              std::shared_ptr<const engine::contact_state> after,
                              unix_seconds now) = 0;

    // --- The conversation log ---
    // The earlier inbound message `m` repeats, or 0. With a gateway id: the same id on the
    // same channel. Without: the same text from the same contact on the same channel
    // received within `window` seconds before `m`, unless Sapa sent the contact anything
    // since (sent, delivered or read; that message's own inline replies excepted, since a
    // gateway that retries the webhook never received them).
    virtual std::int64_t find_repeat(const messaging::inbound_message& m,
                                     std::int64_t contact_id,
                                     unix_seconds window) = 0;
    // The replies logged for inbound message `inbound_id`, in order; none when its contact
    // has been erased since (their texts are gone and must never be sent).
    virtual std::vector<stored_reply> replies_to(std::int64_t inbound_id) = 0;
    // The channel of the contact's latest inbound message: where Sapa reaches the contact
    // when it speaks first. Empty when the contact never wrote.
    virtual std::string last_channel(std::int64_t contact_id) = 0;
    // The contact's latest `limit` messages, newest first (the sending rules read them).
    virtual std::vector<logged_message> recent_messages(std::int64_t contact_id, int limit) = 0;
    // The SMS parts of the messages Sapa logged for the contact from `since` on (failed ones
    // excepted; a message whose cost is not known counts as one).
    virtual std::int64_t segments_sent_since(std::int64_t contact_id, unix_seconds since) = 0;
    // Logs an inbound message with why its answer matched and the turn's events; returns its
    // id. REQUIRES: find_repeat() found no earlier message in this transaction.
    virtual std::int64_t log_inbound(const messaging::inbound_message& m,
                                     std::int64_t contact_id,
                                     const std::vector<engine::event>& events) = 0;
    // Logs a message Sapa sends: as sent when it travels inline, queued with an outbound job
    // when it goes by api. Returns its id.
    virtual std::int64_t log_outbound(const outbound_record& r) = 0;
    // A provider's status for a message Sapa sent. False (and nothing changes) when the
    // provider id is unknown on that channel or the status would move backwards
    // (messaging::moves_forward).
    virtual bool update_delivery(const std::string& channel,
                                 const std::string& provider_message_id,
                                 delivery_status status,
                                 const std::string& raw_code,
                                 const std::string& reason,
                                 unix_seconds now) = 0;

    // --- Registrations ---
    virtual engine::registration_ledger& registrations() = 0;

    // --- Outreach ---
    // Puts the contact in `group` (nothing changes when it is in it already).
    virtual void add_to_group(std::int64_t contact_id, const std::string& group) = 0;
    // Up to `limit` contacts of `s` with an id above `after`, by id (a keyset: a segment of
    // any size is read page by page).
    virtual std::vector<segment_member> select_contacts(const segment& s,
                                                        std::int64_t after,
                                                        int limit) = 0;
    virtual broadcast_ledger& broadcasts() = 0;
};

// A unit of work; it may throw, and then fails alone (errc::work_failed).
using work_function = std::function<void(transaction&)>;
// Called once: no error when the unit's writes are durable.
using durable_callback = std::function<void(boost::system::error_code)>;

// A reply waiting in the outbound queue, handed to a gateway's sender.
struct outbound_job {
    std::int64_t id = 0;  // the message id (conversation log row)
    std::string channel;
    std::string contact;  // E.164 or channel id
    messaging::outbound_message message;
    int attempts = 0;  // failed attempts so far
    // The inbound message it answers; 0: Sapa speaks first (a proactive message, which the
    // sending rules may hold back, e.g. in quiet hours).
    std::int64_t reply_to = 0;
    std::string time_zone;  // the contact's "timezone" field; empty: none
    // When the contact last wrote on this channel (its latest inbound message; WhatsApp's
    // 24-hour window runs from it); 0: never.
    unix_seconds last_inbound_at = 0;
    // When a send of it began that never recorded an outcome (the process died mid-send, or a
    // lease ran out): the provider may or may not have it. 0: not in doubt.
    unix_seconds in_doubt_since = 0;
};

// The outbound queue of one channel, for monitoring: jobs not finished yet (pending or
// leased) and when the oldest of them was created (0 with no job).
struct queue_backlog {
    std::string channel;
    std::int64_t jobs = 0;
    unix_seconds oldest_created_at = 0;
};

// One group commit, as a store reports it for monitoring: how long from the start of its
// transaction until it was durable, and how many units of work it held. Stores call the
// observer on a thread of theirs; it must be quick and must not call the store.
struct commit_report {
    std::chrono::microseconds latency{0};
    std::size_t units = 0;
};
using commit_observer = std::function<void(const commit_report&)>;

// One dialog script as published: its file name and JSON text, exactly as given.
struct script_file {
    std::string name;
    std::string text;
    bool operator==(const script_file&) const = default;
};

// A published set of dialog scripts (store::publish_scripts). Versions are numbered 1, 2, ...
// in publishing order; the newest is the live one.
struct script_version {
    std::int64_t id = 0;
    std::vector<script_file> files;  // empty in listings (store::script_versions)
    std::string published_by;        // who: "sapa reload", "signal SIGHUP", "token ops"
    std::string note;                // what: "dialogs folder", "rollback to version 3"
    unix_seconds published_at = 0;
};

// An API token as kept: never the token itself, only a hash of it (hex).
struct api_token {
    std::string name;  // unique
    std::string hash;
    std::string role;  // "viewer", "staff" or "admin" (app::staff_role)
    unix_seconds created_at = 0;
    unix_seconds last_used_at = 0;  // 0: never used
};

struct forget_counts {
    int contacts = 0;       // 1 when the contact existed
    int messages = 0;       // message texts erased
    int registrations = 0;  // registrations stripped of personal fields
    int events = 0;         // event details erased
};

class store {
  public:
    store() = default;
    store(const store&) = delete;
    store& operator=(const store&) = delete;
    // Finishes every submitted unit (callbacks included) before it returns.
    virtual ~store() = default;

    // Queues a unit of work. Units run in submission order; `on_durable` is called exactly
    // once, after the unit's writes are durable, with errc::work_failed (the unit threw),
    // errc::write_failed (the store could not commit: nothing of it was kept) or
    // errc::shutting_down.
    virtual void submit(work_function work, durable_callback on_durable) = 0;

    // submit() and wait. Throws boost::system::system_error on failure (with the unit's own
    // message for work_failed). Must not be called from a unit or a callback.
    virtual void run(work_function work);

    // The stored state of a contact (address normalised), or nullopt.
    virtual std::optional<engine::contact_state> load_contact(const std::string& address) = 0;

    // --- Outbound queue (gateways that send by API) ---

    // Hands out up to `limit` due jobs of `channel` and leases them until now + the store's
    // lease: replies to residents first, then proactive jobs (reply_to == 0), each oldest
    // first, so a broadcast never holds up an answer. At most one job per contact is out at a
    // time, and a contact's messages are sent in order, except that a reply does not wait
    // behind a proactive job that is not due yet (deferred for quiet hours, or waiting to be
    // retried). A leased job is not handed out again until its lease expires (a crashed
    // sender) or the store is reopened by the sending process.
    virtual std::vector<outbound_job> claim_outbound(const std::string& channel,
                                                     unix_seconds now,
                                                     int limit) = 0;
    // The provider accepted the message: status sent, provider id recorded, job removed.
    virtual void complete_outbound(std::int64_t id,
                                   const std::string& provider_message_id,
                                   unix_seconds now) = 0;
    // A send of job `id` begins now: recorded durably before the request goes out, so a job
    // claimed again without an outcome comes back in doubt (outbound_job::in_doubt_since).
    virtual void begin_outbound_attempt(std::int64_t id, unix_seconds now) = 0;
    // A temporary failure: the job becomes due again at `next_attempt_at` (no longer in doubt).
    virtual void retry_outbound(std::int64_t id,
                                unix_seconds next_attempt_at,
                                const std::string& reason) = 0;
    // Not now: the job becomes due again at `not_before` without counting an attempt (a
    // proactive message held by the sending rules); `reason` is kept as its last note.
    virtual void defer_outbound(std::int64_t id,
                                unix_seconds not_before,
                                const std::string& reason) = 0;
    // A permanent failure: status failed with the provider's code and a plain-words reason.
    virtual void fail_outbound(std::int64_t id,
                               const std::string& raw_code,
                               const std::string& reason,
                               unix_seconds now) = 0;

    // The unfinished jobs per channel that has any, by channel name.
    virtual std::vector<queue_backlog> outbound_backlog() = 0;

    // --- Staff tools ---

    // Streams the rows of `kind` matching `filter` into `sink`, in constant memory where the
    // store allows. Runs on the caller's thread and does not hold up the units of work.
    virtual export_summary export_rows(export_kind kind,
                                       const export_filter& filter,
                                       row_sink& sink) = 0;

    // Erases a contact's personal data: fields, language, message texts (kept as
    // "[dihapus]"), event details, registration fields; the address becomes a stable
    // anonymous id ("anon-..."), so counts stay; replies not sent yet are failed. Returns what
    // was erased (all zero: unknown).
    virtual forget_counts forget(const std::string& address, unix_seconds now) = 0;

    // Marks a resident's request (the id `export_rows(requests)` shows) done by staff at `now`:
    // it is exported with status "done" from then on. Marking it again keeps the first time.
    // False when no request has that id.
    virtual bool mark_request_done(std::int64_t request_id, unix_seconds now) = 0;

    // --- Published dialog scripts ---

    // Keeps `v` (its id ignored) as the newest version; returns its id.
    virtual std::int64_t publish_scripts(const script_version& v) = 0;
    // Every version, newest first, without their files.
    virtual std::vector<script_version> script_versions() = 0;
    // One version with its files (`id` 0: the newest), or nullopt.
    virtual std::optional<script_version> find_script_version(std::int64_t id) = 0;
    // The newest version's id; 0 when nothing was published. Cheap: servers poll it.
    virtual std::int64_t latest_script_version() = 0;

    // --- API tokens ---

    // False (nothing kept) when a token of that name exists.
    virtual bool add_api_token(const api_token& t) = 0;
    // Every token, by name.
    virtual std::vector<api_token> api_tokens() = 0;
    // False when no token has that name.
    virtual bool revoke_api_token(const std::string& name) = 0;
    virtual void api_token_used(const std::string& name, unix_seconds now) = 0;
    // --- Staff console: accounts, sessions, audit (storage/staff.hpp) ---

    // Adds an account; returns its id, or 0 when the name is taken (nothing changes).
    virtual std::int64_t add_staff(const staff_account& account) = 0;
    virtual std::optional<staff_account> find_staff(const std::string& name) = 0;
    virtual void add_staff_session(const staff_session& session) = 0;
    // The session with that token hash and its account, or nullopt.
    virtual std::optional<staff_login> find_staff_session(const std::string& token_hash) = 0;
    // The session was used at `now` (nothing happens for an unknown token hash).
    virtual void touch_staff_session(const std::string& token_hash, unix_seconds now) = 0;
    // Signs the session out (logout, expiry); nothing happens for an unknown token hash.
    virtual void end_staff_session(const std::string& token_hash) = 0;
    // Ends every session last used before `idle_before` or begun before `begun_before` (signed
    // out by expiry but never seen again); returns how many.
    virtual int end_stale_staff_sessions(unix_seconds idle_before, unix_seconds begun_before) = 0;
    // Appends to the audit log; returns the entry's id (increasing).
    virtual std::int64_t add_audit(const audit_entry& entry) = 0;
    // Up to `limit` entries with an id below `before_id` (0: from the newest), newest first.
    virtual std::vector<audit_entry> audit_log(std::int64_t before_id, int limit) = 0;
    // The console's overview (storage/staff.hpp), aggregated by the store.
    virtual std::vector<funnel_row> funnel(const funnel_query& q) = 0;
    virtual std::vector<delivery_health> delivery(unix_seconds since) = 0;
};

// The files of a script version as one JSON array of {"name","text"}, as the SQL stores keep
// it, and back (throws std::invalid_argument on anything else).
std::string script_files_to_json(const std::vector<script_file>& files);
std::vector<script_file> script_files_from_json(std::string_view json);

// The stored form of an address: E.164 for phone numbers and WhatsApp ids, other ids as
// given (trimmed). Empty when nothing is left.
std::string normalize_address(const std::string& address);

// What an inbound message carried besides text, as stored with it and exported: a JSON array
// of {"kind", "url" or "media_id", "content_type"} (empty members left out); empty text when
// there are no attachments.
std::string attachments_json(const std::vector<messaging::attachment>& attachments);

// The text a forgotten message keeps.
inline constexpr const char* erased_text = "[dihapus]";

}  // namespace sapa::storage
