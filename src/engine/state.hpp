#pragma once
// What the engine remembers about a contact between messages. The store persists it as JSON
// (to_json/from_json below) and hands it back unchanged on the next message.

#include "messaging/message.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sapa::engine {

// The engine never reads a clock: the caller passes `now`.
using messaging::unix_seconds;

struct frame {
    std::string script_id;
    std::string node_id;
};

enum class session_status {
    idle,          // no conversation in progress: the next message starts the script
    waiting,       // waiting for an answer at the top frame's node
    resume_offer,  // the session expired mid-way; the resident was asked LANJUT or MENU
};

struct session_state {
    session_status status = session_status::idle;
    std::string script_id;     // the script the contact talks to
    int script_version = 0;    // version the session started under
    std::vector<frame> stack;  // top is back(); subflows push a frame
    std::map<std::string, std::string> variables;
    int retries = 0;  // invalid answers at the current question
    unix_seconds last_active = 0;
    // The question a keyword or help interrupted (its whole stack), to come back to; empty
    // when nothing was interrupted. paused_open: the resident is still at the interruption's
    // first question, where an answer that fits the paused question goes back to it.
    std::vector<frame> paused;
    bool paused_open = false;
    int unanswered = 0;  // questions no topic answered in this session
};

struct contact_state {
    std::string address;   // E.164 phone number or channel-specific id
    std::string language;  // empty: the script's default
    std::map<std::string, std::string> fields;
    bool opted_out = false;
    session_state session;
};

void to_json(nlohmann::json& j, const session_state& s);
void from_json(const nlohmann::json& j, session_state& s);
void to_json(nlohmann::json& j, const contact_state& c);
void from_json(const nlohmann::json& j, contact_state& c);

}  // namespace sapa::engine
