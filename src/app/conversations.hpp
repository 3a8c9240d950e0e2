#pragma once
// The use cases of a conversation, in one place for every entry point: `sapa serve` (the
// server translates webhooks into calls here) and `sapa chat` call the same functions.
//
//   receive(): an inbound message -> dedupe -> load the contact -> engine turn -> record ->
//              the replies, reported once durable.
//   record_statuses(): what a provider says happened to messages Sapa sent.
//   set_language(): a contact's language, set by staff (the simulator's --lang).
//   start():   Sapa speaks first: messages for a contact on a channel, through the outbound
//              queue, optionally moving the contact's session to a dialog node.
//   cancel_registration(): staff cancel a registration by its code.
//   change_registration(): staff confirm it, mark it attended, or promote it from the waitlist.
//
// When a registered contact cancels (in the dialog or by staff), the first of the course's
// waitlist takes the seat in the same unit of work and is told so (the script's
// "waitlist_promoted" text, in that contact's language) on the channel it last wrote on.
//
// Each is one unit of work of the store (storage/store.hpp): the turn runs exactly once,
// inside the store's transaction, with a registrar bound to it, so seats are counted with the
// write that takes them. Nothing here knows HTTP, SQL or a clock: callers pass `now`.

#include "app/error.hpp"
#include "app/sending_rules.hpp"
#include "dialog/catalog.hpp"
#include "engine/engine.hpp"
#include "messaging/message.hpp"
#include "storage/store.hpp"

#include <boost/system/result.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::app {

using messaging::unix_seconds;

// What the use cases know of a configured channel.
struct channel {
    std::string name;    // as configured, and as stored with each message
    std::string script;  // the dialog script it runs
    // Inline: replies go back in the webhook's answer (Twilio TwiML). Api: through the outbound
    // queue, sent by the provider's API (Meta).
    storage::route replies = storage::route::inline_reply;
};

// The scripts currently served; a reload swaps what it returns. Never null.
using script_source = std::function<std::shared_ptr<const dialog::catalog>()>;

// Computes a message's turn. The default runs the engine on the channel's script; tests of the
// stores put a stand-in here.
using turn_function = std::function<engine::turn_result(const engine::contact_state& state,
                                                        const messaging::inbound_message& m,
                                                        engine::registrar& registrar)>;

struct conversation_options {
    // The configured channels: where a contact Sapa writes to first is reached (the channel of
    // its latest message). A contact whose channel is not among them is not told.
    std::vector<channel> channels;
    // Without a gateway message id, identical text from the same contact within this many
    // seconds is a repeat, unless Sapa wrote to the contact since.
    unix_seconds duplicate_window = 30;
    engine::engine_limits limits;
    turn_function turn;  // empty: the engine
    // The daily cap and the auto-responder check (sending_rules.hpp); off by default.
    reply_limits replies;
    // What a text costs as SMS (broadcast budgets); empty: one segment per message.
    storage::text_cost_function text_cost;
};

// A contact moved from a course's waitlist to a seat, and how it was told.
struct promotion_notice {
    engine::promotion
        promoted;         // contact (normalised address) and the registration, now registered
    std::string channel;  // where the message went; empty: the contact was not told
    std::int64_t message_id = 0;
};

// What Sapa says first (start()): `texts` as they are, then, with a `node`, the node's own
// texts and question, the session moved there (with `variables` set) so the resident's answer
// continues the dialog.
//
// On WhatsApp, more than 24 hours after the resident last wrote, only an approved template is
// delivered: with `fallback_template` the first message goes as that template there (the
// others fail with the reason); without one every message fails there, in plain words.
struct opening {
    std::vector<std::string> texts;
    std::string node;
    std::map<std::string, std::string> variables;
    std::optional<messaging::message_template> fallback_template{};
};

struct started {
    std::string contact;  // the normalised address
    std::vector<storage::stored_reply> messages;
};
using started_result = boost::system::result<started>;

struct cancel_outcome {
    bool found = false;                    // false: no registration with that code
    engine::registration_entry cancelled;  // found: its status now (already cancelled: unchanged)
    std::vector<promotion_notice> promotions;
};

// Staff's changes of a registration's status besides cancelling (engine::registrar).
enum class registration_change {
    confirm,   // registered -> confirmed; the resident gets the script's "registration_confirmed"
               // text when the script has one
    attended,  // registered or confirmed -> attended; nothing is sent
    promote,   // waitlisted -> registered, even over capacity; "waitlist_promoted" is sent
};
const char* to_string(registration_change c);  // "confirm", "attended", "promote"
std::optional<registration_change> registration_change_from_string(std::string_view s);

struct change_outcome {
    // refused (change_refusal::unknown_code: no such registration), changed, and the
    // registration as it is now (with its position).
    engine::status_change change;
    std::vector<promotion_notice> promotions;  // promote: the contact and how it was told
    std::string told_on;  // confirm: where the confirmation went; empty: not told
    std::int64_t message_id = 0;
};

struct inbound_outcome {
    // true: the message had been processed before; `replies` are the ones produced then (none
    // if the contact was erased since) and nothing ran again.
    bool duplicate = false;
    std::string contact;  // the normalised address
    std::vector<storage::stored_reply> replies;
    // The turn's reading of the message and the state it left (not for a duplicate): for the
    // simulator and transcripts.
    std::vector<engine::event> events;
    std::shared_ptr<const engine::contact_state> state;
    // Contacts moved up from a waitlist because this message cancelled a seat.
    std::vector<promotion_notice> promotions;
    // Why Sapa did not answer (the daily cap, an auto-responder), in plain words without the
    // resident's; empty when it did. The message is logged, no turn ran (but for STOP or
    // HAPUS, which take effect unanswered), and staff find it in
    // `sapa export requests` (a handoff at node "sapa/daily_cap" or "sapa/auto_responder").
    std::string stopped;
};
using inbound_result = boost::system::result<inbound_outcome>;
using inbound_callback = std::function<void(inbound_result)>;

class conversations {
  public:
    conversations(storage::store& store, script_source scripts, conversation_options options = {});
    conversations(const conversations&) = delete;
    conversations& operator=(const conversations&) = delete;

    // Handles one inbound message on `on`. `done` is called once, after what the message
    // changed is durable, on a thread of the store's. Errors: errc::invalid_address (from
    // nobody usable: nothing ran), storage::errc::work_failed (the engine failed on it),
    // storage::errc::write_failed and shutting_down (nothing was kept: retry later).
    void receive(messaging::inbound_message m, const channel& on, inbound_callback done);
    // receive() and wait. Throws boost::system::system_error.
    inbound_outcome receive_now(messaging::inbound_message m, const channel& on);

    // Applies provider statuses in order; `done` once they are durable. A status for an
    // unknown message id or one that would move backwards changes nothing.
    void record_statuses(const std::string& channel,
                         std::vector<messaging::status_update> statuses,
                         unix_seconds now,
                         std::function<void(boost::system::error_code)> done);

    // Sets a contact's language (a new contact is added); returns once durable.
    void set_language(const std::string& address, const std::string& language, unix_seconds now);

    // Sapa speaks first to `address` on `on` (the contact is added if new): the messages of
    // `what` go through the outbound queue, and with a node the session moves there, in one
    // unit of work. `done` once durable. Errors: errc::invalid_address, errc::unknown_node
    // (nothing written), the store's.
    void start(const std::string& address,
               const channel& on,
               opening what,
               unix_seconds now,
               std::function<void(started_result)> done);
    // start() and wait. Throws boost::system::system_error.
    started start_now(const std::string& address,
                      const channel& on,
                      opening what,
                      unix_seconds now);

    // Staff cancel registration `code` of `course`; a freed seat goes to the first of the
    // waitlist, who is told. Returns once durable; throws boost::system::system_error.
    cancel_outcome cancel_registration(const std::string& course,
                                       const std::string& code,
                                       unix_seconds now);

    // Staff confirm, mark attended or promote registration `code` of `course` (see
    // registration_change), telling the resident as it says. A refused change writes nothing.
    // Returns once durable; throws boost::system::system_error.
    change_outcome change_registration(registration_change what,
                                       const std::string& course,
                                       const std::string& code,
                                       unix_seconds now);

    // Called after a unit of work queued messages for a channel that sends by API, so the
    // sender can look at once. Set before the first call; any thread.
    std::function<void(const std::string& channel)> on_queued;
    // Called once per contact moved up from a waitlist, after it is durable (for the log).
    // Set before the first call; runs on a thread of the store's.
    std::function<void(const promotion_notice&)> on_promoted;
    // Called after a message Sapa did not answer because of the reply limits is durable, with
    // the contact's address and why (for the log). Set before the first call; store's thread.
    std::function<void(const std::string& contact, const std::string& why)> on_stopped;

  private:
    // Tells the channels and the log about what a durable unit queued and promoted.
    void announce(const std::vector<promotion_notice>& promotions);

    storage::store& store_;
    script_source scripts_;
    conversation_options options_;
};

}  // namespace sapa::app
