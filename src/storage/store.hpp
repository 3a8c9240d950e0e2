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
#include <memory>
#include <optional>
#include <string>
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
    // The addresses of the contacts in `s`, oldest contact first.
    virtual std::vector<std::string> select_contacts(const segment& s) = 0;
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

    // Hands out up to `limit` due jobs of `channel`, oldest first, and leases them until
    // now + the store's lease. At most one job per contact is out at a time, so a contact's
    // messages are sent in order. A leased job is not handed out again until its lease
    // expires (a crashed sender) or the store is reopened by the sending process.
    virtual std::vector<outbound_job> claim_outbound(const std::string& channel,
                                                     unix_seconds now,
                                                     int limit) = 0;
    // The provider accepted the message: status sent, provider id recorded, job removed.
    virtual void complete_outbound(std::int64_t id,
                                   const std::string& provider_message_id,
                                   unix_seconds now) = 0;
    // A temporary failure: the job becomes due again at `next_attempt_at`.
    virtual void retry_outbound(std::int64_t id,
                                unix_seconds next_attempt_at,
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
