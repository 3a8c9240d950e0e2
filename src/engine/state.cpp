#include "engine/state.hpp"

#include <nlohmann/json.hpp>

namespace sapa::engine {
namespace {

const char* status_name(session_status s) {
    switch (s) {
        case session_status::waiting:
            return "waiting";
        case session_status::resume_offer:
            return "resume_offer";
        case session_status::idle:
            break;
    }
    return "idle";
}

session_status status_from_name(const std::string& name) {
    if (name == "waiting") return session_status::waiting;
    if (name == "resume_offer") return session_status::resume_offer;
    return session_status::idle;
}

std::vector<frame> frames_from(const nlohmann::json& j, const char* key) {
    std::vector<frame> out;
    if (auto it = j.find(key); it != j.end() && it->is_array()) {
        for (const auto& f : *it)
            out.push_back({f.value("script", ""), f.value("node", "")});
    }
    return out;
}

}  // namespace

// The store writes the session for every message. Filling the objects in place spares the
// temporary two-element arrays of nlohmann's initializer lists; the text is the same, since an
// object's keys are dumped in sorted order however they were added.
void to_json(nlohmann::json& j, const session_state& s) {
    j = nlohmann::json::object();
    auto& object = j.get_ref<nlohmann::json::object_t&>();
    object.emplace("status", status_name(s.status));
    object.emplace("script", s.script_id);
    object.emplace("version", s.script_version);
    auto& stack = object.emplace("stack", nlohmann::json::array())
                      .first->second.get_ref<nlohmann::json::array_t&>();
    stack.reserve(s.stack.size());
    for (const auto& f : s.stack) {
        auto& frame =
            stack.emplace_back(nlohmann::json::object()).get_ref<nlohmann::json::object_t&>();
        frame.emplace("script", f.script_id);
        frame.emplace("node", f.node_id);
    }
    auto& variables = object.emplace("variables", nlohmann::json::object())
                          .first->second.get_ref<nlohmann::json::object_t&>();
    for (const auto& [name, value] : s.variables)
        variables.emplace_hint(variables.end(), name, value);
    object.emplace("retries", s.retries);
    object.emplace("last_active", s.last_active);
    // Written only when set: most sessions have neither, and rows keep their shape.
    if (!s.paused.empty()) {
        auto& paused = object.emplace("paused", nlohmann::json::array())
                           .first->second.get_ref<nlohmann::json::array_t&>();
        for (const auto& f : s.paused)
            paused.push_back({{"script", f.script_id}, {"node", f.node_id}});
        object.emplace("paused_open", s.paused_open);
    }
    if (s.unanswered != 0) object.emplace("unanswered", s.unanswered);
}

void from_json(const nlohmann::json& j, session_state& s) {
    s = {};
    s.status = status_from_name(j.value("status", "idle"));
    s.script_id = j.value("script", "");
    s.script_version = j.value("version", 0);
    s.stack = frames_from(j, "stack");
    if (auto it = j.find("variables"); it != j.end() && it->is_object()) {
        s.variables = it->get<std::map<std::string, std::string>>();
    }
    s.retries = j.value("retries", 0);
    s.last_active = j.value("last_active", unix_seconds{0});
    s.paused = frames_from(j, "paused");
    s.paused_open = j.value("paused_open", false);
    s.unanswered = j.value("unanswered", 0);
}

void to_json(nlohmann::json& j, const contact_state& c) {
    j = {{"address", c.address},
         {"language", c.language},
         {"fields", c.fields},
         {"opted_out", c.opted_out},
         {"session", c.session}};
}

void from_json(const nlohmann::json& j, contact_state& c) {
    c = {};
    c.address = j.value("address", "");
    c.language = j.value("language", "");
    if (auto it = j.find("fields"); it != j.end() && it->is_object()) {
        c.fields = it->get<std::map<std::string, std::string>>();
    }
    c.opted_out = j.value("opted_out", false);
    if (auto it = j.find("session"); it != j.end() && it->is_object()) {
        c.session = it->get<session_state>();
    }
}

}  // namespace sapa::engine
