#pragma once
// The durable store: contacts, sessions, the conversation log, registrations and the outbound
// queue, behind one narrow interface. SQLite (sqlite_store.hpp) is the embedded default; a
// PostgreSQL store can implement the same interface later. No SQL and no database library
// appear in this header.
//
// Write path: every change goes through one writer that group-commits. Many in-flight
// messages share one transaction; one failing message does not lose the others. A message's
// callback runs only once its transaction is committed and durable, so the gateway hears
// success only then.
//
// Thread-safety: all member functions may be called from any thread. Callbacks passed to
// submit() run on a thread of the store's and must not call the store (the SQLite store
// refuses with std::logic_error rather than deadlock).

#include "engine/engine.hpp"
#include "messaging/message.hpp"
#include "storage/error.hpp"
#include "storage/export.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sapa::storage {

struct inbound_message {
    std::string channel;             // "sms-twilio", "wa-meta"...: as the server names it
    std::string gateway_message_id;  // provider's id; empty when the gateway has none
    // As the gateway gave it. Phone numbers are stored as E.164 (messaging::normalize_phone),
    // other ids as they are. Pass a WhatsApp wa_id with a leading '+' ("+8613800138000"):
    // bare digits starting with 8 would be read as an Indonesian number without its 0.
    std::string contact_address;
    std::string text;
    engine::unix_seconds received_at = 0;
    // true: replies go to the outbound queue, sent later by API (Meta). false: replies go
    // inline in the webhook response (Twilio TwiML) and are logged as sent.
    bool replies_by_api = false;
};

// Runs the engine for one message, inside the store's transaction. `state` is the stored
// contact (a fresh state with only the address set for a new contact); `registrations` is
// bound to the same transaction. May throw: then only this message fails.
using turn_function = std::function<engine::turn_result(const engine::contact_state& state,
                                                        engine::registrar& registrations)>;

struct stored_reply {
    std::int64_t message_id = 0;  // the conversation log row; the outbound job has the same id
    engine::outbound_message message;
};

struct inbound_outcome {
    // true: the message had been processed before; `replies` are the ones produced then and
    // nothing ran again.
    bool duplicate = false;
    std::string contact;  // the normalised address
    std::vector<stored_reply> replies;
};

using outcome_or_error = boost::system::result<inbound_outcome>;
using durable_callback = std::function<void(outcome_or_error)>;

// What a text costs as an SMS, stored with each message. Supplied by the caller (the server
// and CLI pass sms::measure) so the store does not depend on the SMS rules.
struct message_cost {
    std::string encoding;  // "gsm7" or "ucs2"
    int segments = 0;
};
using text_cost_function = std::function<message_cost(const std::string& text)>;

// Delivery statuses only move forward (messaging::moves_forward).
using messaging::delivery_status;

// A reply waiting in the outbound queue, handed to a gateway's sender.
struct outbound_job {
    std::int64_t id = 0;  // the message id (conversation log row)
    std::string channel;
    std::string contact;  // E.164 or channel id
    engine::outbound_message message;
    int attempts = 0;  // failed attempts so far
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
    // Finishes every submitted message (callbacks included) before it returns.
    virtual ~store() = default;

    // Queues one inbound message. Dedupes on (channel, gateway_message_id), or, without an id,
    // on identical text from the same contact within the duplicate window unless Sapa has
    // sent to that contact since; loads the contact, calls `turn`, stores state, log, events,
    // registrations and outbound jobs, commits, then calls `on_durable` exactly once.
    // Messages are processed in submission order. Errors: errc::invalid_address,
    // errc::turn_failed, errc::write_failed, errc::shutting_down.
    virtual void submit(inbound_message message,
                        turn_function turn,
                        durable_callback on_durable) = 0;

    // submit() and wait. Throws boost::system::system_error on failure (with the engine's
    // message for turn_failed). Must not be called from a callback.
    virtual inbound_outcome process(inbound_message message, turn_function turn);

    // The stored state of a contact (address normalised like submit does), or nullopt.
    virtual std::optional<engine::contact_state> load_contact(const std::string& address) = 0;

    // --- Outbound queue (gateways that send by API) ---

    // Hands out up to `limit` due jobs of `channel`, oldest first, and leases them until
    // now + lease. At most one job per contact is out at a time, so a contact's replies are
    // sent in order. A leased job is not handed out again until its lease expires (a crashed
    // sender) or the store is reopened.
    virtual std::vector<outbound_job> claim_outbound(const std::string& channel,
                                                     engine::unix_seconds now,
                                                     int limit) = 0;
    // The provider accepted the message: status sent, provider id recorded, job removed.
    virtual void complete_outbound(std::int64_t id,
                                   const std::string& provider_message_id,
                                   engine::unix_seconds now) = 0;
    // A temporary failure: the job becomes due again at `next_attempt_at`.
    virtual void retry_outbound(std::int64_t id,
                                engine::unix_seconds next_attempt_at,
                                const std::string& reason) = 0;
    // A permanent failure: status failed with the provider's code and a plain-words reason.
    virtual void fail_outbound(std::int64_t id,
                               const std::string& raw_code,
                               const std::string& reason,
                               engine::unix_seconds now) = 0;

    // A provider's status callback. Returns false (and changes nothing) when the provider id
    // is unknown or the status would move backwards.
    virtual bool update_delivery(const std::string& channel,
                                 const std::string& provider_message_id,
                                 delivery_status status,
                                 const std::string& raw_code,
                                 const std::string& reason,
                                 engine::unix_seconds now) = 0;

    // --- Staff tools ---

    // Streams the rows of `kind` matching `filter` into `sink`, in constant memory. Runs on
    // the caller's thread and does not block the writer (except for ":memory:" databases).
    virtual export_summary export_rows(export_kind kind,
                                       const export_filter& filter,
                                       row_sink& sink) = 0;

    // Erases a contact's personal data: fields, language, message texts (kept as
    // "[dihapus]"), event details, registration fields; the address becomes a stable
    // anonymous id ("anon-..."), so counts stay. Returns what was erased (all zero: unknown).
    virtual forget_counts forget(const std::string& address, engine::unix_seconds now) = 0;
};

// The stored form of an address: E.164 for phone numbers and WhatsApp ids, other ids as
// given (trimmed). Empty when nothing is left.
std::string normalize_address(const std::string& address);

}  // namespace sapa::storage
