#include "dialog/loader.hpp"

#include "common/text_position.hpp"
#include "dialog/detail/condition.hpp"
#include "dialog/detail/json_pointer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace sapa::dialog {
namespace {

// ordered_json keeps keys in file order, which gives `node_order` and problems in the order
// staff read the file.
using json = nlohmann::ordered_json;
using detail::child;

const std::vector<std::string> answer_type_names = {
    "menu", "yes_no", "number", "text", "date", "phone", "nik", "list"};
constexpr answer_type answer_types[] = {answer_type::menu,
                                        answer_type::yes_no,
                                        answer_type::number,
                                        answer_type::text,
                                        answer_type::date,
                                        answer_type::phone,
                                        answer_type::nik,
                                        answer_type::list};

struct action_spec {
    const char* name;
    action_kind kind;
    std::vector<std::string> required;
    std::vector<std::string> optional;
};

const std::vector<action_spec>& action_specs() {
    static const std::vector<action_spec> specs = {
        {"set", action_kind::set_variable, {"name", "value"}, {}},
        {"set_field", action_kind::set_field, {"name", "value"}, {}},
        {"set_language", action_kind::set_language, {"language"}, {}},
        {"register",
         action_kind::register_course,
         {"course"},
         {"fields", "capacity", "code_prefix"}},
        {"lookup_registration", action_kind::lookup_registration, {"course"}, {}},
        {"cancel_registration", action_kind::cancel_registration, {"course"}, {}},
        {"opt_out", action_kind::opt_out, {}, {}},
        {"handoff", action_kind::handoff, {}, {"value"}},
        {"forget", action_kind::forget, {}, {}},
        {"end", action_kind::end, {}, {}},
        {"return", action_kind::return_to_question, {}, {}},
    };
    return specs;
}

const std::vector<std::string> built_in_message_names = {"stopped",
                                                         "help",
                                                         "resume_offer",
                                                         "invalid",
                                                         "unanswered",
                                                         "step_limit",
                                                         "ended",
                                                         "media",
                                                         "waitlist_promoted",
                                                         "registration_confirmed"};

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

std::string in_quotes(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

// What staff wrote, in words: "(found the text "10")".
std::string found(const json& v) {
    std::string what;
    if (v.is_string()) {
        auto s = v.get<std::string>();
        if (s.size() > 40) s = s.substr(0, 37) + "...";
        what = "the text " + in_quotes(s);
    } else if (v.is_number() || v.is_boolean() || v.is_null()) {
        what = (v.is_number() ? "the number " : "") + v.dump();
    } else if (v.is_array()) {
        what = "a list";
    } else {
        what = "an object";
    }
    return "(found " + what + ")";
}

bool is_identifier(std::string_view s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

bool is_script_id(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

// nlohmann words its errors for programmers ("[json.exception.parse_error.101] parse error at
// line 3, column 5: syntax error while parsing ..."); keep the part after the position and add
// a hint for the mistake staff make most often.
std::string syntax_message(std::string_view text, std::size_t byte, const std::string& what) {
    std::string detail = what;
    auto colon = detail.find(": ");
    if (colon != std::string::npos) detail = detail.substr(colon + 2);
    std::string message = "the file is not valid JSON: " + detail;
    std::size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
    std::size_t i = end;
    while (i > 0 && std::isspace(static_cast<unsigned char>(text[i - 1])))
        --i;
    bool closes = end < text.size() && (text[end] == '}' || text[end] == ']');
    if (closes && i > 0 && text[i - 1] == ',')
        message += " (remove the comma before the closing bracket)";
    return message;
}

// Finds keys written twice in one object. nlohmann would silently keep the last one, which
// hides a second node with the same id or a key typed twice.
class duplicate_finder {
  public:
    struct duplicate {
        std::string parent, key;
    };

    bool on_event(nlohmann::detail::parse_event_t event, const json& parsed) {
        using e = nlohmann::detail::parse_event_t;
        switch (event) {
            case e::object_start:
                stack_.push_back({false, 0, "", {}});
                break;
            case e::array_start:
                stack_.push_back({true, 0, "", {}});
                break;
            case e::key: {
                auto key = parsed.get<std::string>();
                auto& top = stack_.back();
                if (!top.keys.insert(key).second) duplicates_.push_back({parent_pointer(), key});
                top.key = key;
                break;
            }
            case e::object_end:
            case e::array_end:
                stack_.pop_back();
                element_done();
                break;
            case e::value:
                element_done();
                break;
        }
        return true;
    }

    const std::vector<duplicate>& duplicates() const { return duplicates_; }

  private:
    struct frame {
        bool is_array;
        std::size_t index;
        std::string key;
        std::set<std::string> keys;
    };

    void element_done() {
        if (!stack_.empty() && stack_.back().is_array) ++stack_.back().index;
    }

    // The pointer of the object being read (every frame but the innermost one's current key).
    std::string parent_pointer() const {
        std::string p;
        for (std::size_t i = 0; i + 1 < stack_.size(); ++i)
            p = stack_[i].is_array ? child(p, stack_[i].index) : child(p, stack_[i].key);
        return p;
    }

    std::vector<frame> stack_;
    std::vector<duplicate> duplicates_;
};

// Reads one parsed document into the model. Every check reports and carries on, so staff see
// all problems of a file in one run.
class reader {
  public:
    reader(std::string file, std::vector<problem>& problems)
        : file_(std::move(file)), problems_(problems) {}

    script read(const json& root) {
        script s;
        allowed_keys(root,
                     "",
                     {"id",
                      "version",
                      "languages",
                      "start",
                      "nodes",
                      "help_node",
                      "keywords",
                      "settings",
                      "lists",
                      "messages",
                      "segment_budget",
                      "session_timeout_minutes",
                      "progress_kept_hours",
                      "answer_words",
                      "topics",
                      "question_fallback"});
        read_languages(root, s);
        if (auto id = required_string(root, "", "id")) {
            if (is_script_id(*id))
                s.id = *id;
            else
                error(
                    "/id",
                    "invalid script id " + in_quotes(*id) + " (use only letters, digits, _ and -)");
        }
        if (auto v = required(root, "", "version"))
            s.version = static_cast<int>(whole_number(*v, "/version", 0).value_or(1));
        if (auto start = required_string(root, "", "start")) s.start = *start;
        if (auto help = optional_string(root, "", "help_node")) s.help_node = *help;
        if (root.contains("segment_budget"))
            s.segment_budget = static_cast<int>(
                whole_number(root["segment_budget"], "/segment_budget", 1).value_or(2));
        if (root.contains("session_timeout_minutes"))
            s.session_timeout_minutes = static_cast<int>(
                whole_number(root["session_timeout_minutes"], "/session_timeout_minutes", 1)
                    .value_or(60));
        if (root.contains("progress_kept_hours"))
            s.progress_kept_hours = static_cast<int>(
                whole_number(root["progress_kept_hours"], "/progress_kept_hours", 1).value_or(24));
        if (auto fallback = optional_string(root, "", "question_fallback"))
            s.question_fallback = *fallback;
        if (root.contains("answer_words")) read_vocabulary(root["answer_words"], s);
        if (root.contains("settings")) read_settings(root["settings"], s);
        if (root.contains("lists")) read_lists(root["lists"], s);
        if (root.contains("messages")) read_messages(root["messages"], s);
        if (root.contains("keywords")) read_keywords(root["keywords"], s);
        if (root.contains("topics")) read_topics(root["topics"], s);
        if (auto nodes = required(root, "", "nodes")) read_nodes(*nodes, s);
        return s;
    }

  private:
    void error(const std::string& where, const std::string& message) {
        problems_.push_back({severity::error, file_, where, message});
    }

    // --- plain values ---------------------------------------------------------------------

    const json* required(const json& object, const std::string& where, const char* key) {
        if (object.contains(key)) return &object[key];
        error(where, "missing required key " + in_quotes(key));
        return nullptr;
    }

    std::optional<std::string> string_value(const json& v, const std::string& where) {
        if (v.is_string()) return v.get<std::string>();
        error(where, "must be a text " + found(v));
        return std::nullopt;
    }

    std::optional<std::string> required_string(const json& object,
                                               const std::string& where,
                                               const char* key) {
        auto v = required(object, where, key);
        return v ? string_value(*v, child(where, key)) : std::nullopt;
    }

    std::optional<std::string> optional_string(const json& object,
                                               const std::string& where,
                                               const char* key) {
        if (!object.contains(key)) return std::nullopt;
        return string_value(object[key], child(where, key));
    }

    std::optional<long long> whole_number(const json& v,
                                          const std::string& where,
                                          std::optional<long long> at_least = std::nullopt) {
        bool fits = v.is_number_integer() &&
                    !(v.is_number_unsigned() &&
                      v.get<unsigned long long>() >
                          static_cast<unsigned long long>(std::numeric_limits<long long>::max()));
        if (!fits) {
            error(where, "must be a whole number " + found(v));
            return std::nullopt;
        }
        auto n = v.get<long long>();
        if (at_least && n < *at_least) {
            error(where, "must be at least " + std::to_string(*at_least) + " " + found(v));
            return std::nullopt;
        }
        return n;
    }

    std::optional<bool> boolean(const json& v, const std::string& where) {
        if (v.is_boolean()) return v.get<bool>();
        error(where, "must be true or false " + found(v));
        return std::nullopt;
    }

    bool is_object(const json& v, const std::string& where, const char* what) {
        if (v.is_object()) return true;
        error(where, std::string("must be ") + what + " " + found(v));
        return false;
    }

    bool is_list(const json& v, const std::string& where, const char* what) {
        if (v.is_array()) return true;
        error(where, std::string("must be ") + what + " " + found(v));
        return false;
    }

    std::vector<std::string> string_list(const json& v, const std::string& where) {
        std::vector<std::string> out;
        if (!is_list(v, where, "a list of texts")) return out;
        for (std::size_t i = 0; i < v.size(); ++i)
            if (auto s = string_value(v[i], child(where, i))) out.push_back(*s);
        return out;
    }

    // `comment` is allowed in every object: it is for staff and never reaches residents.
    void allowed_keys(const json& object,
                      const std::string& where,
                      const std::vector<std::string>& keys,
                      const std::string& what = "") {
        if (!object.is_object()) return;
        for (const auto& [key, value] : object.items()) {
            if (key == "comment" || std::find(keys.begin(), keys.end(), key) != keys.end())
                continue;
            error(child(where, key),
                  "unknown key " + in_quotes(key) + (what.empty() ? "" : " for " + what) +
                      " (expected one of: " + join(keys) + ")");
        }
    }

    // A variable the script writes (`save`, `age`, `set`): names with a dot belong to Sapa.
    std::optional<std::string> variable_name(const json& v, const std::string& where) {
        auto name = string_value(v, where);
        if (!name) return std::nullopt;
        if (name->find('.') != std::string::npos) {
            error(where,
                  "cannot write to " + in_quotes(*name) +
                      ": names with a dot (contact., settings., registration.) are filled by "
                      "Sapa");
            return std::nullopt;
        }
        if (!is_identifier(*name)) {
            error(where,
                  "invalid name " + in_quotes(*name) +
                      " (use only letters, digits and _, starting with a letter)");
            return std::nullopt;
        }
        if (*name == "input") {
            error(where,
                  "\"input\" is the built-in name of the resident's last message; "
                  "choose another name");
            return std::nullopt;
        }
        return name;
    }

    std::optional<std::string> field_name(const json& v, const std::string& where) {
        auto name = string_value(v, where);
        if (name && !is_identifier(*name)) {
            error(where,
                  "invalid contact field name " + in_quotes(*name) +
                      " (use only letters, digits and _, starting with a letter)");
            return std::nullopt;
        }
        return name;
    }

    // --- texts ----------------------------------------------------------------------------

    void read_languages(const json& root, script& s) {
        auto v = required(root, "", "languages");
        if (v && is_list(*v, "/languages", "a list of language codes, like [\"id\", \"en\"]")) {
            for (std::size_t i = 0; i < v->size(); ++i) {
                auto code = string_value((*v)[i], child("/languages", i));
                if (!code) continue;
                if (std::find(s.languages.begin(), s.languages.end(), *code) != s.languages.end())
                    error(child("/languages", i),
                          "language " + in_quotes(*code) + " is listed twice");
                else
                    s.languages.push_back(*code);
            }
            if (v->empty()) error("/languages", "list at least one language code, like \"id\"");
        }
        // Without a valid list every text would be reported as wrong: check texts only against
        // languages the staff member actually wrote.
        languages_known_ = !s.languages.empty();
        if (s.languages.empty()) s.languages.push_back("id");
        languages_ = s.languages;
    }

    // Reports a language code the script does not list; true when it is listed (or when the
    // list itself is broken, which is reported once at /languages).
    bool known_language(const std::string& language, const std::string& where) {
        if (!languages_known_ ||
            std::find(languages_.begin(), languages_.end(), language) != languages_.end())
            return true;
        error(where,
              "unknown language " + in_quotes(language) +
                  " (this script's languages: " + join(languages_) + ")");
        return false;
    }

    text read_text(const json& v, const std::string& where) {
        text t;
        const std::string& default_language = languages_.front();
        if (v.is_string()) {
            t.by_language[default_language] = v.get<std::string>();
            return t;
        }
        if (!v.is_object()) {
            error(where, "must be a text or an object with one text per language " + found(v));
            return t;
        }
        for (const auto& [language, value] : v.items()) {
            if (language == "comment") continue;
            auto s = string_value(value, child(where, language));
            if (!s) continue;
            if (!known_language(language, child(where, language))) continue;
            t.by_language[language] = *s;
        }
        if (languages_known_ && !t.by_language.count(default_language))
            error(where,
                  "missing the " + in_quotes(default_language) + " text (the default language)");
        return t;
    }

    // --- top-level sections ----------------------------------------------------------------

    void read_settings(const json& v, script& s) {
        if (!is_object(v, "/settings", "an object of named settings")) return;
        for (const auto& [name, item] : v.items()) {
            if (name == "comment") continue;
            auto where = child("/settings", name);
            if (!is_identifier(name)) {
                error(where,
                      "invalid setting name " + in_quotes(name) +
                          " (use only letters, digits and _, starting with a letter)");
                continue;
            }
            setting st;
            st.name = name;
            const json* value = &item;
            std::string value_where = where;
            if (item.is_object()) {
                allowed_keys(item, where, {"value", "unset_text", "description"}, "a setting");
                value = required(item, where, "value");
                value_where = child(where, "value");
                if (item.contains("unset_text"))
                    st.unset_text = read_text(item["unset_text"], child(where, "unset_text"));
                if (auto d = optional_string(item, where, "description")) st.description = *d;
            }
            if (value) st.value = setting_value(*value, value_where);
            s.settings[name] = std::move(st);
        }
    }

    std::optional<std::string> setting_value(const json& v, const std::string& where) {
        if (v.is_null()) return std::nullopt;
        if (v.is_string()) return v.get<std::string>();
        if (v.is_number_integer() || v.is_number_float()) return v.dump();
        error(where,
              "must be a text, a number or null (unset), or an object with \"value\" " + found(v));
        return std::nullopt;
    }

    void read_lists(const json& v, script& s) {
        if (!is_object(v, "/lists", "an object of named lists")) return;
        for (const auto& [id, value] : v.items()) {
            if (id == "comment") continue;
            auto where = child("/lists", id);
            named_list list;
            list.id = id;
            // A list is its items, or an object with the items and the words around them.
            const json* items = &value;
            auto items_where = where;
            if (value.is_object()) {
                allowed_keys(value, where, {"items", "ignore"}, "a list");
                items = required(value, where, "items");
                items_where = child(where, "items");
                if (value.contains("ignore"))
                    list.ignore = string_list(value["ignore"], child(where, "ignore"));
            }
            if (items && is_list(*items, items_where, "a list of items")) {
                std::set<std::string> seen;
                for (std::size_t i = 0; i < items->size(); ++i) {
                    auto item_where = child(items_where, i);
                    auto item = list_item_value((*items)[i], item_where);
                    if (!item) continue;
                    if (!seen.insert(item->value).second)
                        error(item_where, "item " + in_quotes(item->value) + " is listed twice");
                    list.items.push_back(std::move(*item));
                }
                if (items->empty()) error(items_where, "the list is empty");
            }
            s.lists[id] = std::move(list);
        }
    }

    void read_vocabulary(const json& v, script& s) {
        const std::string where = "/answer_words";
        if (!is_object(v, where, "an object {\"yes\": [...], \"no\": [...], \"ignore\": [...]}"))
            return;
        allowed_keys(v, where, {"yes", "no", "ignore"}, "answer_words");
        auto& words = s.vocabulary;
        if (v.contains("yes")) words.yes = string_list(v["yes"], child(where, "yes"));
        if (v.contains("no")) words.no = string_list(v["no"], child(where, "no"));
        if (v.contains("ignore")) words.ignore = string_list(v["ignore"], child(where, "ignore"));
    }

    // Words by language, as keywords and topics write them: a plain list is the default
    // language's words.
    std::map<std::string, std::vector<std::string>> words_by_language(const json& words,
                                                                      const std::string& where) {
        std::map<std::string, std::vector<std::string>> out;
        if (words.is_array()) {
            out[languages_.front()] = string_list(words, where);
        } else if (is_object(
                       words, where, "a list of words or an object with one list per language")) {
            for (const auto& [language, list] : words.items()) {
                if (language == "comment") continue;
                if (!known_language(language, child(where, language))) continue;
                out[language] = string_list(list, child(where, language));
            }
        }
        return out;
    }

    void read_topics(const json& v, script& s) {
        if (!is_list(v, "/topics", "a list of topics")) return;
        std::set<std::string> ids;
        for (std::size_t i = 0; i < v.size(); ++i) {
            auto where = child("/topics", i);
            const json& item = v[i];
            if (!is_object(item, where, "an object {\"id\": ..., \"words\": ..., \"answer\": ...}"))
                continue;
            allowed_keys(item, where, {"id", "words", "answer"}, "a topic");
            topic t;
            if (auto id = required_string(item, where, "id")) {
                t.id = *id;
                if (!ids.insert(t.id).second)
                    error(child(where, "id"), "topic id " + in_quotes(t.id) + " is used twice");
            }
            if (auto answer = required_string(item, where, "answer")) t.answer = *answer;
            if (auto words = required(item, where, "words"))
                t.words = words_by_language(*words, child(where, "words"));
            s.topics.push_back(std::move(t));
        }
    }

    std::optional<list_item> list_item_value(const json& v, const std::string& where) {
        if (v.is_string()) return list_item{v.get<std::string>(), {}};
        if (!v.is_object()) {
            error(where,
                  "must be a text or an object {\"value\": ..., \"synonyms\": [...]} " + found(v));
            return std::nullopt;
        }
        allowed_keys(v, where, {"value", "synonyms"}, "a list item");
        auto value = required_string(v, where, "value");
        if (!value) return std::nullopt;
        list_item item{*value, {}};
        if (v.contains("synonyms")) item.synonyms = string_list(v["synonyms"], where + "/synonyms");
        return item;
    }

    void read_messages(const json& v, script& s) {
        if (!is_object(v, "/messages", "an object of texts")) return;
        for (const auto& [name, value] : v.items()) {
            if (name == "comment") continue;
            auto where = child("/messages", name);
            if (std::find(built_in_message_names.begin(), built_in_message_names.end(), name) ==
                built_in_message_names.end()) {
                error(where,
                      "unknown built-in message " + in_quotes(name) +
                          " (expected one of: " + join(built_in_message_names) + ")");
                continue;
            }
            s.messages[name] = read_text(value, where);
        }
    }

    void read_keywords(const json& v, script& s) {
        if (!is_list(v, "/keywords", "a list of keywords")) return;
        for (std::size_t i = 0; i < v.size(); ++i) {
            auto where = child("/keywords", i);
            const json& item = v[i];
            if (!is_object(item, where, "an object {\"words\": ..., \"goto\": ...}")) continue;
            allowed_keys(item, where, {"words", "goto"}, "a keyword");
            keyword k;
            if (auto go_to = required_string(item, where, "goto")) k.go_to = *go_to;
            if (auto words = required(item, where, "words"))
                k.words = words_by_language(*words, child(where, "words"));
            s.keywords.push_back(std::move(k));
        }
    }

    // --- nodes ----------------------------------------------------------------------------

    void read_nodes(const json& v, script& s) {
        if (!is_object(v, "/nodes", "an object of nodes, by node id")) return;
        for (const auto& [id, item] : v.items()) {
            if (id == "comment") continue;
            auto where = child("/nodes", id);
            if (id.empty()) {
                error(where, "a node id cannot be empty");
                continue;
            }
            node n = read_node(item, where);
            n.id = id;
            s.node_order.push_back(id);
            s.nodes[id] = std::move(n);
        }
        if (s.nodes.empty()) error("/nodes", "the script has no nodes");
    }

    node read_node(const json& v, const std::string& where) {
        node n;
        if (!is_object(v, where, "an object (a node)")) return n;
        allowed_keys(v, where, {"actions", "say", "ask", "branch", "next", "subflow"}, "a node");
        if (v.contains("actions")) {
            const json& actions = v["actions"];
            auto actions_where = child(where, "actions");
            if (is_list(actions, actions_where, "a list of actions")) {
                for (std::size_t i = 0; i < actions.size(); ++i)
                    if (auto a = read_action(actions[i], child(actions_where, i)))
                        n.actions.push_back(std::move(*a));
            }
        }
        if (v.contains("say")) {
            const json& say = v["say"];
            auto say_where = child(where, "say");
            if (say.is_array()) {
                for (std::size_t i = 0; i < say.size(); ++i)
                    n.say.push_back(read_text(say[i], child(say_where, i)));
            } else {
                n.say.push_back(read_text(say, say_where));
            }
        }
        if (v.contains("ask")) n.ask = read_ask(v["ask"], child(where, "ask"));
        if (v.contains("branch")) n.branches = read_branches(v["branch"], child(where, "branch"));
        if (auto next = optional_string(v, where, "next")) n.next = *next;
        if (auto subflow = optional_string(v, where, "subflow")) {
            n.subflow = *subflow;
            // `sapa chat` looks for a subflow's script next to the file, as ID.json: an id
            // like "../x" would name a file outside the dialog folder.
            if (!is_script_id(n.subflow))
                error(child(where, "subflow"),
                      "invalid script id " + in_quotes(n.subflow) +
                          " (use only letters, digits, _ and -)");
        }
        if (n.ask && !n.subflow.empty())
            error(where,
                  "a node cannot both ask a question and run a subflow (split it into two "
                  "nodes)");
        return n;
    }

    std::vector<branch> read_branches(const json& v, const std::string& where) {
        std::vector<branch> out;
        if (!is_list(v, where, "a list of {\"if\": ..., \"goto\": ...}")) return out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            auto item_where = child(where, i);
            const json& item = v[i];
            if (!is_object(item, item_where, "an object {\"if\": ..., \"goto\": ...}")) continue;
            allowed_keys(item, item_where, {"if", "goto"}, "a branch");
            branch b;
            if (auto go_to = required_string(item, item_where, "goto")) b.go_to = *go_to;
            if (auto condition = optional_string(item, item_where, "if")) {
                b.condition_source = *condition;
                auto parsed = detail::parse_condition(*condition);
                if (!parsed.error.empty())
                    error(child(item_where, "if"),
                          "invalid condition " + in_quotes(*condition) + ": " + parsed.error);
                b.all_of = std::move(parsed.all_of);
            }
            out.push_back(std::move(b));
        }
        return out;
    }

    std::optional<action> read_action(const json& v, const std::string& where) {
        if (!is_object(v, where, "an object with a \"type\"")) return std::nullopt;
        auto type = required_string(v, where, "type");
        if (!type) return std::nullopt;
        const auto& specs = action_specs();
        auto spec = std::find_if(
            specs.begin(), specs.end(), [&](const action_spec& a) { return a.name == *type; });
        if (spec == specs.end()) {
            std::vector<std::string> names;
            for (const auto& a : specs)
                names.push_back(a.name);
            error(child(where, "type"),
                  "unknown action type " + in_quotes(*type) + " (expected one of: " + join(names) +
                      ")");
            return std::nullopt;
        }
        std::vector<std::string> keys = {"type"};
        keys.insert(keys.end(), spec->required.begin(), spec->required.end());
        keys.insert(keys.end(), spec->optional.begin(), spec->optional.end());
        allowed_keys(v, where, keys, "a " + in_quotes(*type) + " action");
        for (const auto& key : spec->required)
            required(v, where, key.c_str());

        action a;
        a.kind = spec->kind;
        if (v.contains("name")) {
            auto name_where = child(where, "name");
            auto name = a.kind == action_kind::set_field ? field_name(v["name"], name_where)
                                                         : variable_name(v["name"], name_where);
            if (name) a.name = *name;
        }
        if (auto value = optional_string(v, where, "value")) a.value = *value;
        if (auto language = optional_string(v, where, "language")) {
            a.language = *language;
            known_language(*language, child(where, "language"));
        }
        if (auto course = optional_string(v, where, "course")) a.course = *course;
        if (v.contains("fields")) a.fields = string_list(v["fields"], child(where, "fields"));
        if (auto prefix = optional_string(v, where, "code_prefix")) a.code_prefix = *prefix;
        if (v.contains("capacity")) a.capacity = capacity(v["capacity"], child(where, "capacity"));
        return a;
    }

    std::string capacity(const json& v, const std::string& where) {
        if (v.is_number_integer()) {
            auto n = whole_number(v, where, 0);
            return n ? std::to_string(*n) : "";
        }
        if (v.is_string()) {
            auto s = v.get<std::string>();
            if (s.rfind("settings.", 0) == 0 && is_identifier(s.substr(9))) return s;
        }
        error(where, "must be a whole number or \"settings.NAME\" " + found(v));
        return "";
    }

    dialog::ask read_ask(const json& v, const std::string& where) {
        dialog::ask a;
        if (!is_object(v, where, "an object with a \"type\"")) return a;
        auto type = required_string(v, where, "type");
        std::vector<std::string> keys = {
            "type", "save", "field", "hint", "max_retries", "on_fail", "optional", "correction_of"};
        std::vector<std::string> type_keys;
        if (type) {
            auto it = std::find(answer_type_names.begin(), answer_type_names.end(), *type);
            if (it == answer_type_names.end()) {
                error(child(where, "type"),
                      "unknown answer type " + in_quotes(*type) +
                          " (expected one of: " + join(answer_type_names) + ")");
                type.reset();
            } else {
                a.type = answer_types[it - answer_type_names.begin()];
                type_keys = ask_keys(a.type);
            }
        }
        if (type) {
            keys.insert(keys.end(), type_keys.begin(), type_keys.end());
            allowed_keys(v, where, keys, "a " + *type + " question");
        }

        if (v.contains("save"))
            a.save_as = variable_name(v["save"], child(where, "save")).value_or("");
        if (v.contains("field"))
            a.save_to_field = field_name(v["field"], child(where, "field")).value_or("");
        if (v.contains("hint")) a.hint = read_text(v["hint"], child(where, "hint"));
        if (v.contains("max_retries"))
            a.max_retries = static_cast<int>(
                whole_number(v["max_retries"], child(where, "max_retries"), 0).value_or(2));
        if (auto on_fail = optional_string(v, where, "on_fail")) a.on_fail = *on_fail;
        if (v.contains("optional"))
            a.optional = boolean(v["optional"], child(where, "optional")).value_or(false);
        if (auto corrects = optional_string(v, where, "correction_of")) a.correction_of = *corrects;
        if (!type) return a;

        // The format lists menu options by default but list items only when asked to.
        a.show_options = a.type == answer_type::menu;
        if (v.contains("show_options"))
            a.show_options =
                boolean(v["show_options"], child(where, "show_options")).value_or(a.show_options);
        switch (a.type) {
            case answer_type::menu:
                if (auto options = required(v, where, "options"))
                    a.options = read_options(*options, child(where, "options"));
                break;
            case answer_type::yes_no:
                if (auto yes = optional_string(v, where, "yes")) a.yes_go_to = *yes;
                if (auto no = optional_string(v, where, "no")) a.no_go_to = *no;
                break;
            case answer_type::number:
                read_range(v, where, a);
                break;
            case answer_type::text:
                if (v.contains("min_length"))
                    a.min_length = static_cast<std::size_t>(
                        whole_number(v["min_length"], child(where, "min_length"), 0).value_or(1));
                if (v.contains("max_length"))
                    a.max_length = static_cast<std::size_t>(
                        whole_number(v["max_length"], child(where, "max_length"), 1).value_or(160));
                if (a.min_length > a.max_length)
                    error(where, "min_length is larger than max_length");
                if (v.contains("any_text"))
                    a.any_text = boolean(v["any_text"], child(where, "any_text")).value_or(false);
                if (v.contains("prefixes"))
                    a.prefixes = string_list(v["prefixes"], child(where, "prefixes"));
                break;
            case answer_type::date:
                if (v.contains("age"))
                    a.age_variable = variable_name(v["age"], child(where, "age")).value_or("");
                break;
            case answer_type::nik:
                if (auto birth = optional_string(v, where, "birth_date"))
                    a.birth_date_variable = *birth;
                break;
            case answer_type::list:
                if (auto list = required_string(v, where, "list")) a.list = *list;
                if (v.contains("numbered"))
                    a.numbered = boolean(v["numbered"], child(where, "numbered")).value_or(false);
                break;
            case answer_type::phone:
                break;
        }
        return a;
    }

    static std::vector<std::string> ask_keys(answer_type t) {
        switch (t) {
            case answer_type::menu:
                return {"options", "show_options"};
            case answer_type::yes_no:
                return {"yes", "no"};
            case answer_type::number:
                return {"min", "max"};
            case answer_type::text:
                return {"min_length", "max_length", "any_text", "prefixes"};
            case answer_type::date:
                return {"age"};
            case answer_type::nik:
                return {"birth_date"};
            case answer_type::list:
                return {"list", "show_options", "numbered"};
            case answer_type::phone:
                break;
        }
        return {};
    }

    void read_range(const json& v, const std::string& where, dialog::ask& a) {
        a.min = std::numeric_limits<long long>::min();
        a.max = std::numeric_limits<long long>::max();
        if (v.contains("min")) {
            a.has_range = true;
            a.min = whole_number(v["min"], child(where, "min")).value_or(a.min);
        }
        if (v.contains("max")) {
            a.has_range = true;
            a.max = whole_number(v["max"], child(where, "max")).value_or(a.max);
        }
        if (!a.has_range) {
            a.min = a.max = 0;
        } else if (a.min > a.max) {
            error(where, "min is larger than max");
        }
    }

    std::vector<menu_option> read_options(const json& v, const std::string& where) {
        std::vector<menu_option> out;
        if (!is_list(v, where, "a list of options")) return out;
        if (v.empty()) error(where, "a menu needs at least one option");
        std::map<std::string, std::size_t> keys;  // key -> 1-based option number
        for (std::size_t i = 0; i < v.size(); ++i) {
            auto item_where = child(where, i);
            const json& item = v[i];
            if (!is_object(item, item_where, "an object with a \"label\"")) continue;
            allowed_keys(
                item, item_where, {"label", "goto", "key", "value", "synonyms"}, "a menu option");
            menu_option o;
            o.key = std::to_string(i + 1);
            if (item.contains("key")) {
                if (auto key = option_word(item["key"], child(item_where, "key"))) o.key = *key;
            }
            o.value = o.key;
            if (item.contains("value")) {
                if (auto value = option_word(item["value"], child(item_where, "value")))
                    o.value = *value;
            }
            if (auto label = required(item, item_where, "label"))
                o.label = read_text(*label, child(item_where, "label"));
            if (auto go_to = optional_string(item, item_where, "goto")) o.go_to = *go_to;
            if (item.contains("synonyms"))
                o.synonyms = string_list(item["synonyms"], child(item_where, "synonyms"));
            auto [it, inserted] = keys.emplace(o.key, i + 1);
            if (!inserted)
                error(item.contains("key") ? child(item_where, "key") : item_where,
                      "option key " + in_quotes(o.key) + " is already used by option " +
                          std::to_string(it->second) +
                          " (an option without \"key\" uses its position)");
            out.push_back(std::move(o));
        }
        return out;
    }

    // Option keys and values may be written as numbers ("key": 9); store them as typed text.
    std::optional<std::string> option_word(const json& v, const std::string& where) {
        if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
        if (v.is_number_integer()) return v.dump();
        error(where, "must be a non-empty text or a whole number " + found(v));
        return std::nullopt;
    }

    std::string file_;
    std::vector<problem>& problems_;
    std::vector<std::string> languages_ = {"id"};
    bool languages_known_ = false;
};

}  // namespace

load_result load_script(std::string_view json_text, const std::string& file_name) {
    load_result result;
    duplicate_finder duplicates;
    json root;
    try {
        root = json::parse(json_text.begin(),
                           json_text.end(),
                           [&](int, nlohmann::detail::parse_event_t event, json& parsed) {
                               return duplicates.on_event(event, parsed);
                           });
    } catch (const json::parse_error& e) {
        result.problems.push_back({severity::error,
                                   file_name,
                                   // nlohmann's byte is 1-based: the last character read.
                                   common::line_column(json_text, e.byte == 0 ? 0 : e.byte - 1),
                                   syntax_message(json_text, e.byte, e.what())});
        return result;
    } catch (const json::out_of_range& e) {
        // A number too large for a double. Its first appearance in the text is taken as its
        // place (nlohmann does not say where it was).
        const auto number = common::overflowing_number(e.what());
        const auto at = number.empty() ? std::string_view::npos : json_text.find(number);
        result.problems.push_back(
            {severity::error,
             file_name,
             at == std::string_view::npos ? "" : common::line_column(json_text, at),
             "the file is not valid JSON: the number " + std::string(number) + " is too large"});
        return result;
    }
    for (const auto& d : duplicates.duplicates()) {
        std::string message = d.parent == "/nodes" ? "node id " + in_quotes(d.key) +
                                                         " is used by two nodes (rename one)"
                                                   : "key " + in_quotes(d.key) +
                                                         " is written twice in the same object "
                                                         "(only the last one would count)";
        result.problems.push_back({severity::error, file_name, child(d.parent, d.key), message});
    }
    if (!root.is_object()) {
        result.problems.push_back({severity::error,
                                   file_name,
                                   "",
                                   "the file must contain one JSON object {...} (found " +
                                       std::string(root.is_array() ? "a list" : "a single value") +
                                       ")"});
        return result;
    }
    reader r(file_name, result.problems);
    result.script = r.read(root);
    return result;
}

load_result load_script_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        load_result result;
        result.problems.push_back(
            {severity::error, path, "", "cannot read the file (check the name and permissions)"});
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return load_script(text.str(), path);
}

}  // namespace sapa::dialog
