#pragma once
// The dialog engine: a pure function from (scripts, contact state, inbound text, now) to
// (new state, outbound messages, events). No I/O, no clock, no threads; the only effect it
// can ask for goes through `registrar` (registrations.hpp), over a ledger the caller binds to
// its transaction.

#include "dialog/catalog.hpp"
#include "engine/registrations.hpp"
#include "engine/state.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sapa::engine {

using messaging::outbound_message;

// Why an answer was accepted, recorded in the log so staff can see what the engine understood.
// extracted: read out of a longer message ("iya saya setuju", "Kec. Tempursari").
enum class match_kind { exact, synonym, typo, number_word, keyword, skipped, extracted };
// The names below are stored in the conversation log: renaming one needs a storage migration.
const char* to_string(match_kind k);

enum class event_kind {
    session_started,
    node_entered,
    answer_accepted,
    answer_rejected,
    keyword_matched,
    registration_completed,  // detail: status (registered/waitlisted); data: fields + code
    registration_cancelled,
    opted_out,
    opted_in,
    handoff_requested,  // detail: the resident's words
    erase_requested,    // the resident asked to delete their data (HAPUS)
    language_changed,
    session_expired,
    session_resumed,
    session_ended,
    step_limit_reached,
    topic_answered,        // detail: the topic's id; the resident asked instead of answering
    question_unanswered,   // detail: the resident's question, which no topic answers
    returned_to_question,  // back at the question a keyword or help interrupted
    media_received,        // detail: the kinds ("image", "audio, image"); Sapa reads text only
};
const char* to_string(event_kind k);

struct event {
    event_kind kind;
    std::string node;    // script_id/node_id where it happened
    std::string detail;  // human-readable: the answer value, keyword, reason...
    std::optional<match_kind> matched;
    std::map<std::string, std::string> data;
};

// One line for logs and transcripts: "answer_accepted example/umur: 25 [exact]".
std::string describe(const event& e);

struct turn_result {
    contact_state state;
    std::vector<outbound_message> replies;
    std::vector<event> events;
};

struct engine_limits {
    int max_steps_per_turn = 50;  // node entries per inbound message; stops jump loops
};

// Processes one inbound message. `script_id` is the script of the channel; a contact whose
// session belongs to a script missing from `scripts` starts again at `script_id`'s start.
// REQUIRES: scripts.find(script_id) != nullptr.
turn_result handle_message(const dialog::catalog& scripts,
                           const std::string& script_id,
                           const contact_state& state,
                           const std::string& inbound_text,
                           unix_seconds now,
                           registrar& registrations,
                           const engine_limits& limits = {});

// The same for a whole message: its text at `m.received_at`. A message with attachments is
// recorded as media_received. With text beside them (a caption) it is handled as that text.
// Without text it is answered with the script's `media` message (Sapa reads text only) and
// the pending question's hint when both fit the script's segment budget; the question stays
// pending, no answer is taken (after a break: the offer to continue). A resident who stopped
// gets nothing: only text opts them in.
turn_result handle_message(const dialog::catalog& scripts,
                           const std::string& script_id,
                           const contact_state& state,
                           const messaging::inbound_message& m,
                           registrar& registrations,
                           const engine_limits& limits = {});
// Sapa speaks first: the contact's session starts over at `node_id` of `script_id`, with
// `variables` set; the node's texts and question are the messages to send, and the resident's
// answer continues the dialog there. REQUIRES: scripts.find(script_id) != nullptr; a node the
// script lacks ends the session at once.
turn_result start_at(const dialog::catalog& scripts,
                     const std::string& script_id,
                     const contact_state& state,
                     const std::string& node_id,
                     const std::map<std::string, std::string>& variables,
                     unix_seconds now,
                     registrar& registrations,
                     const engine_limits& limits = {});

// The text `name` of `script_id` (the script's `messages`, else the built-in text) in the
// contact's language, with `variables` filled in ("waitlist_promoted" with
// registration.code and registration.position). REQUIRES: the script exists and `name` is a
// built-in message name.
std::string named_text(const dialog::catalog& scripts,
                       const std::string& script_id,
                       const contact_state& state,
                       const std::string& name,
                       const std::map<std::string, std::string>& variables);

}  // namespace sapa::engine
