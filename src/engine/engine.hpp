#pragma once
// The dialog engine: a pure function from (scripts, contact state, inbound text, now) to
// (new state, outbound messages, events). No I/O, no clock, no threads; the only effect it
// can ask for goes through `registrar`, which the caller implements inside its transaction.

#include "dialog/catalog.hpp"
#include "engine/state.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sapa::engine {

enum class registration_status { none, registered, waitlisted, cancelled };
const char* to_string(registration_status s);

struct registration_record {
    std::string code;  // "LMJ-JHT-0042"
    std::string course;
    registration_status status = registration_status::none;
    // Waitlisted: 1-based place in the course's waitlist. Registered: the seat number.
    int position = 0;
    std::map<std::string, std::string> fields;

    bool operator==(const registration_record&) const = default;
};

// Course registrations, seen by the engine. The store implements it atomically within the
// transaction that processes the message, so two residents can never take the last seat.
class registrar {
  public:
    virtual ~registrar() = default;
    // Registers `contact` for `course`; waitlists when `capacity` seats are taken (capacity
    // <= 0: unlimited). Returns the existing record if the contact is already registered or
    // waitlisted for that course.
    virtual registration_record register_contact(const std::string& contact,
                                                 const std::string& course,
                                                 const std::string& code_prefix,
                                                 int capacity,
                                                 const std::map<std::string, std::string>& fields,
                                                 unix_seconds now) = 0;
    // The contact's latest registration for `course`; status none when there is none.
    virtual registration_record find(const std::string& contact, const std::string& course) = 0;
    // Cancels the contact's active registration for `course`; returns it (status cancelled),
    // or status none when there was nothing to cancel.
    virtual registration_record cancel(const std::string& contact,
                                       const std::string& course,
                                       unix_seconds now) = 0;
};

// A registrar held in memory, for the simulator without --db and for tests.
class memory_registrar final : public registrar {
  public:
    registration_record register_contact(const std::string& contact,
                                         const std::string& course,
                                         const std::string& code_prefix,
                                         int capacity,
                                         const std::map<std::string, std::string>& fields,
                                         unix_seconds now) override;
    registration_record find(const std::string& contact, const std::string& course) override;
    registration_record cancel(const std::string& contact,
                               const std::string& course,
                               unix_seconds now) override;

  private:
    struct entry {
        std::string contact;
        registration_record record;
    };
    std::vector<entry> entries_;
};

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

}  // namespace sapa::engine
