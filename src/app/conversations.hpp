#pragma once
// The use cases of a conversation, in one place for every entry point: `sapa serve` (the
// server translates webhooks into calls here) and `sapa chat` call the same functions.
//
//   receive(): an inbound message -> dedupe -> load the contact -> engine turn -> record ->
//              the replies, reported once durable.
//   record_statuses(): what a provider says happened to messages Sapa sent.
//   set_language(): a contact's language, set by staff (the simulator's --lang).
//
// Each is one unit of work of the store (storage/store.hpp): the turn runs exactly once,
// inside the store's transaction, with a registrar bound to it, so seats are counted with the
// write that takes them. Nothing here knows HTTP, SQL or a clock: callers pass `now`.

#include "app/error.hpp"
#include "dialog/catalog.hpp"
#include "engine/engine.hpp"
#include "messaging/message.hpp"
#include "storage/store.hpp"

#include <boost/system/result.hpp>

#include <functional>
#include <memory>
#include <string>
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
    // Without a gateway message id, identical text from the same contact within this many
    // seconds is a repeat, unless Sapa wrote to the contact since.
    unix_seconds duplicate_window = 30;
    engine::engine_limits limits;
    turn_function turn;  // empty: the engine
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

    // Called after a unit of work queued messages for a channel that sends by API, so the
    // sender can look at once. Set before the first call; any thread.
    std::function<void(const std::string& channel)> on_queued;

  private:
    storage::store& store_;
    script_source scripts_;
    conversation_options options_;
};

}  // namespace sapa::app
