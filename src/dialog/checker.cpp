#include "dialog/checker.hpp"

#include "common/suggest.hpp"
#include "dialog/answer_text.hpp"
#include "dialog/detail/condition.hpp"
#include "dialog/detail/json_pointer.hpp"
#include "dialog/text_template.hpp"
#include "dialog/words.hpp"
#include "sms/gsm7.hpp"

#include <algorithm>
#include <deque>
#include <set>

namespace sapa::dialog {
namespace {

using detail::child;

const std::vector<std::string> registration_names = {"code", "status", "position", "course"};
const std::string registration_prefix = "registration.";
const std::string settings_prefix = "settings.";

// The longest fill for a variable we know nothing about (a contact field, the last message).
const std::string unknown_fill(20, 'x');

std::string in_quotes(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// " (did you mean "x"?)" for the closest candidate within two edits, else "". Short names
// need proportionally closer matches: "x1" is not a typo of "a".
template <typename Names>
std::string suggestion(const std::string& name, const Names& candidates) {
    const std::string* best = nullptr;
    std::size_t best_distance = 3;
    for (const std::string& c : candidates) {
        auto d = common::edit_distance(name, c);
        if (d > 0 && d < best_distance && 2 * d < name.size()) {
            best = &c;
            best_distance = d;
        }
    }
    return best ? " (did you mean " + in_quotes(*best) + "?)" : "";
}

// An end, or a return to an interrupted question (which ends the conversation when nothing
// was interrupted): either way the node means to stop here.
bool has_end(const node& n) {
    return std::any_of(n.actions.begin(), n.actions.end(), [](const action& a) {
        return a.kind == action_kind::end || a.kind == action_kind::return_to_question;
    });
}

bool sets_registration(const action& a) {
    return a.kind == action_kind::register_course || a.kind == action_kind::lookup_registration ||
           a.kind == action_kind::cancel_registration;
}

// Variables an action makes available to everything after it.
std::vector<std::string> action_defs(const action& a) {
    if (a.kind == action_kind::set_variable) return {a.name};
    if (!sets_registration(a)) return {};
    std::vector<std::string> out;
    for (const auto& r : registration_names)
        out.push_back(registration_prefix + r);
    return out;
}

std::vector<std::string> ask_defs(const ask& a) {
    std::vector<std::string> out;
    if (!a.save_as.empty()) out.push_back(a.save_as);
    if (a.type == answer_type::date && !a.age_variable.empty()) out.push_back(a.age_variable);
    return out;
}

// The nodes a node can lead to, with the pointer of the key that names each one. The implicit
// jumps (MENU and a missing on_fail go to `start`) are left out on purpose: they are ways back,
// and a text that only works after a way back is empty the first time through.
struct edge {
    std::string where;
    std::string target;
};

std::vector<edge> edges_of(const node& n) {
    std::vector<edge> out;
    auto at = child("/nodes", n.id);
    if (n.ask) {
        auto ask_at = child(at, "ask");
        for (std::size_t i = 0; i < n.ask->options.size(); ++i)
            if (!n.ask->options[i].go_to.empty())
                out.push_back(
                    {child(child(child(ask_at, "options"), i), "goto"), n.ask->options[i].go_to});
        if (!n.ask->yes_go_to.empty()) out.push_back({child(ask_at, "yes"), n.ask->yes_go_to});
        if (!n.ask->no_go_to.empty()) out.push_back({child(ask_at, "no"), n.ask->no_go_to});
        if (!n.ask->on_fail.empty()) out.push_back({child(ask_at, "on_fail"), n.ask->on_fail});
    }
    for (std::size_t i = 0; i < n.branches.size(); ++i)
        out.push_back({child(child(child(at, "branch"), i), "goto"), n.branches[i].go_to});
    if (!n.next.empty()) out.push_back({child(at, "next"), n.next});
    return out;
}

// One place a script text or value uses a variable. `stage` orders uses inside a node:
// action i sees the variables of actions before it (stage i); texts and the question see all
// actions (stage = number of actions); branches also see the answer (one more).
struct use {
    std::string where;
    std::string name;
    std::size_t stage;
};

// Where each text of a node lives, for problems about it.
struct located_text {
    std::string where;
    const text* value;
};

class checker {
  public:
    checker(const script& s, std::string file, const catalog* others)
        : s_(s), file_(std::move(file)), others_(others) {
        // The script may not have been through a catalog yet: its words as the engine reads
        // them.
        const auto normalized = [](const std::vector<std::string>& words) {
            std::vector<std::string> out;
            for (const auto& w : words)
                out.push_back(normalize_answer(w));
            return out;
        };
        vocabulary_ = {normalized(s.vocabulary.yes),
                       normalized(s.vocabulary.no),
                       normalized(s.vocabulary.ignore)};
    }

    std::vector<problem> run() {
        check_references();
        find_reachable();
        check_variables();
        check_dead_ends();
        check_topics();
        check_yes_no_words();
        check_translations();
        check_sms_cost();
        check_unset_settings();
        // Errors first: they block the script; warnings are advice.
        std::stable_partition(problems_.begin(), problems_.end(), [](const problem& p) {
            return p.severity == severity::error;
        });
        return std::move(problems_);
    }

  private:
    void error(const std::string& where, const std::string& message) {
        problems_.push_back({severity::error, file_, where, message});
    }
    void warning(const std::string& where, const std::string& message) {
        problems_.push_back({severity::warning, file_, where, message});
    }

    const node* node_at(const std::string& id) const { return s_.find_node(id); }

    // --- references -----------------------------------------------------------------------

    void node_reference(const std::string& where, const std::string& target) {
        if (target.empty() || node_at(target)) return;
        error(where, "unknown node " + in_quotes(target) + suggestion(target, s_.node_order));
    }

    void check_references() {
        node_reference("/start", s_.start);
        node_reference("/help_node", s_.help_node);
        for (std::size_t i = 0; i < s_.keywords.size(); ++i)
            node_reference(child(child("/keywords", i), "goto"), s_.keywords[i].go_to);
        for (std::size_t i = 0; i < s_.topics.size(); ++i)
            node_reference(child(child("/topics", i), "answer"), s_.topics[i].answer);
        node_reference("/question_fallback", s_.question_fallback);
        for (const auto& id : s_.node_order) {
            const node& n = s_.nodes.at(id);
            auto at = child("/nodes", id);
            for (const auto& e : edges_of(n))
                node_reference(e.where, e.target);
            if (n.ask && !n.ask->correction_of.empty()) {
                const auto where = child(child(at, "ask"), "correction_of");
                node_reference(where, n.ask->correction_of);
                if (const node* other = node_at(n.ask->correction_of); other && !other->ask)
                    error(where,
                          "node " + in_quotes(n.ask->correction_of) +
                              " asks no question, so no answer can correct it");
            }
            if (n.ask && n.ask->type == answer_type::list && !n.ask->list.empty() &&
                !s_.lists.count(n.ask->list)) {
                std::vector<std::string> ids;
                for (const auto& [list_id, list] : s_.lists)
                    ids.push_back(list_id);
                error(child(child(at, "ask"), "list"),
                      "unknown list " + in_quotes(n.ask->list) + suggestion(n.ask->list, ids));
            }
            if (others_ && !n.subflow.empty() && !others_->find(n.subflow)) {
                std::vector<std::string> ids;
                for (const auto& [script_id, other] : others_->scripts())
                    ids.push_back(script_id);
                error(child(at, "subflow"),
                      "unknown script " + in_quotes(n.subflow) + suggestion(n.subflow, ids));
            }
            for (std::size_t i = 0; i < n.actions.size(); ++i) {
                const auto& capacity = n.actions[i].capacity;
                if (starts_with(capacity, settings_prefix))
                    setting_reference(child(child(child(at, "actions"), i), "capacity"),
                                      capacity.substr(settings_prefix.size()));
            }
        }
    }

    // Returns false (after reporting) when the setting does not exist.
    bool setting_reference(const std::string& where, const std::string& name) {
        if (s_.settings.count(name)) return true;
        std::vector<std::string> names;
        for (const auto& [setting_name, setting] : s_.settings)
            names.push_back(setting_name);
        error(where, "unknown setting " + in_quotes(name) + suggestion(name, names));
        return false;
    }

    // --- reachability ---------------------------------------------------------------------

    // Where a conversation can begin: `start`, BANTUAN/HELP and the script's keywords all work
    // as the very first message, with no variable set yet; a topic's answer and the question
    // fallback can come at any question, the very first included.
    std::vector<std::string> entries() const {
        std::vector<std::string> out = {s_.start};
        if (!s_.help_node.empty()) out.push_back(s_.help_node);
        for (const auto& k : s_.keywords)
            out.push_back(k.go_to);
        for (const auto& t : s_.topics)
            out.push_back(t.answer);
        if (!s_.question_fallback.empty()) out.push_back(s_.question_fallback);
        std::erase_if(out, [&](const std::string& id) { return !node_at(id); });
        return out;
    }

    void find_reachable() {
        std::deque<std::string> queue;
        for (const auto& id : entries())
            if (reachable_.insert(id).second) queue.push_back(id);
        while (!queue.empty()) {
            const node& n = s_.nodes.at(queue.front());
            queue.pop_front();
            for (const auto& e : edges_of(n))
                if (node_at(e.target) && reachable_.insert(e.target).second)
                    queue.push_back(e.target);
        }
        for (const auto& id : s_.node_order)
            if (!reachable_.count(id))
                warning(child("/nodes", id),
                        "node " + in_quotes(id) +
                            " can never be reached: no node, keyword, \"start\" or "
                            "\"help_node\" leads to it");
    }

    // --- variables ------------------------------------------------------------------------

    std::vector<located_text> texts_of(const node& n) const {
        std::vector<located_text> out;
        auto at = child("/nodes", n.id);
        for (std::size_t i = 0; i < n.say.size(); ++i)
            out.push_back(
                {n.say.size() == 1 ? child(at, "say") : child(child(at, "say"), i), &n.say[i]});
        if (n.ask) {
            auto ask_at = child(at, "ask");
            if (!n.ask->hint.empty()) out.push_back({child(ask_at, "hint"), &n.ask->hint});
            for (std::size_t i = 0; i < n.ask->options.size(); ++i)
                out.push_back(
                    {child(child(child(ask_at, "options"), i), "label"), &n.ask->options[i].label});
        }
        return out;
    }

    static void add_template_uses(std::vector<use>& out,
                                  const std::string& where,
                                  const std::string& text,
                                  std::size_t stage) {
        for (auto& name : template_variables(text))
            out.push_back({where, name, stage});
    }

    std::vector<use> uses_of(const node& n) const {
        std::vector<use> out;
        auto at = child("/nodes", n.id);
        for (std::size_t i = 0; i < n.actions.size(); ++i) {
            const action& a = n.actions[i];
            auto action_at = child(child(at, "actions"), i);
            add_template_uses(out, child(action_at, "value"), a.value, i);
            for (std::size_t f = 0; f < a.fields.size(); ++f)
                out.push_back({child(child(action_at, "fields"), f), a.fields[f], i});
        }
        std::size_t after_actions = n.actions.size();
        for (const auto& t : texts_of(n))
            for (const auto& [language, value] : t.value->by_language)
                add_template_uses(out, t.where, value, after_actions);
        if (n.ask && !n.ask->birth_date_variable.empty())
            out.push_back(
                {child(child(at, "ask"), "birth_date"), n.ask->birth_date_variable, after_actions});
        for (std::size_t i = 0; i < n.branches.size(); ++i) {
            auto if_at = child(child(child(at, "branch"), i), "if");
            for (const auto& c : n.branches[i].all_of) {
                out.push_back({if_at, c.left, after_actions + 1});
                if (detail::is_variable_operand(c.right))
                    out.push_back({if_at, c.right, after_actions + 1});
            }
        }
        return out;
    }

    // Variables the node sets, in stage order (see `use`).
    std::vector<std::vector<std::string>> defs_by_stage(const node& n) const {
        std::vector<std::vector<std::string>> stages;
        for (const auto& a : n.actions)
            stages.push_back(action_defs(a));
        stages.push_back(n.ask ? ask_defs(*n.ask) : std::vector<std::string>{});
        if (others_ && !n.subflow.empty())
            if (const script* sub = others_->find(n.subflow))
                for (const auto& name : all_defs(*sub))
                    stages.back().push_back(name);
        return stages;
    }

    static std::set<std::string> all_defs(const script& s) {
        std::set<std::string> out;
        for (const auto& [id, n] : s.nodes) {
            for (const auto& a : n.actions)
                for (auto& name : action_defs(a))
                    out.insert(name);
            if (n.ask)
                for (auto& name : ask_defs(*n.ask))
                    out.insert(name);
        }
        return out;
    }

    // Forward data flow: a variable is available at a node when some path from an entry sets
    // it. A union over paths, because the check is for texts that can never have a value.
    std::map<std::string, std::set<std::string>> available_on_entry() const {
        std::map<std::string, std::set<std::string>> in;
        std::deque<std::string> queue;
        for (const auto& id : entries()) {
            in[id];
            queue.push_back(id);
        }
        while (!queue.empty()) {
            auto id = queue.front();
            queue.pop_front();
            const node& n = s_.nodes.at(id);
            auto out = in[id];
            for (const auto& stage : defs_by_stage(n))
                out.insert(stage.begin(), stage.end());
            for (const auto& e : edges_of(n)) {
                if (!node_at(e.target)) continue;
                auto [it, created] = in.try_emplace(e.target);
                auto before = it->second.size();
                it->second.insert(out.begin(), out.end());
                if (created || it->second.size() != before) queue.push_back(e.target);
            }
        }
        return in;
    }

    // Checks names that do not depend on the path; returns true when `name` needs the flow
    // check (a plain variable or registration.*).
    bool check_name(const std::string& where, const std::string& name) {
        if (name == "input" || starts_with(name, "contact.")) return false;
        if (starts_with(name, settings_prefix)) {
            setting_reference(where, name.substr(settings_prefix.size()));
            return false;
        }
        if (starts_with(name, registration_prefix)) {
            auto field = name.substr(registration_prefix.size());
            if (std::find(registration_names.begin(), registration_names.end(), field) !=
                registration_names.end())
                return true;
            error(where,
                  "unknown variable " + in_quotes(name) +
                      " (registration variables are: registration.code, registration.status, "
                      "registration.position, registration.course)");
            return false;
        }
        if (name.find('.') != std::string::npos) {
            error(where,
                  "unknown variable " + in_quotes(name) +
                      " (names with a dot start with contact., settings. or registration.)");
            return false;
        }
        return true;
    }

    void report_unset(const std::string& where,
                      const std::string& name,
                      const std::set<std::string>& defined) {
        if (defined.count(name)) {
            error(where, "variable " + in_quotes(name) + " is used before any node sets it");
        } else if (starts_with(name, registration_prefix)) {
            error(where,
                  "variable " + in_quotes(name) +
                      " is used but no register, lookup_registration or cancel_registration "
                      "action sets it");
        } else {
            error(where,
                  "variable " + in_quotes(name) + " is used but no node sets it" +
                      suggestion(name, defined));
        }
    }

    void check_variables() {
        auto defined = all_defs(s_);
        auto in = available_on_entry();
        std::set<std::pair<std::string, std::string>> reported;  // (where, name)
        for (const auto& id : s_.node_order) {
            const node& n = s_.nodes.at(id);
            auto stages = defs_by_stage(n);
            for (const auto& u : uses_of(n)) {
                if (!check_name(u.where, u.name)) continue;
                // In an unreachable node (which has its own warning) no path sets anything, so
                // only a name that nothing sets at all is reported there.
                // A condition may test a variable some node sets even where no path sets it:
                // keywords keep what was answered before them, and an unset variable compares
                // as empty ("x set" is made for that). A text would show a hole instead.
                const bool condition = u.stage > n.actions.size();
                bool available = (reachable_.count(id) && !condition) ? in[id].count(u.name) > 0
                                                                      : defined.count(u.name) > 0;
                for (std::size_t st = 0; st < u.stage && st < stages.size() && !available; ++st)
                    available = std::count(stages[st].begin(), stages[st].end(), u.name) > 0;
                if (!available && reported.insert({u.where, u.name}).second)
                    report_unset(u.where, u.name, defined);
            }
        }
        // Built-in messages can be sent at any point, so only names that exist nowhere are
        // wrong there.
        for (const auto& [name, t] : s_.messages) {
            auto at = child("/messages", name);
            for (const auto& [language, value] : t.by_language)
                for (const auto& var : template_variables(value))
                    if (check_name(at, var) && !defined.count(var) &&
                        reported.insert({at, var}).second)
                        report_unset(at, var, defined);
        }
    }

    // --- dead ends ------------------------------------------------------------------------

    void check_dead_ends() {
        for (const auto& id : s_.node_order) {
            const node& n = s_.nodes.at(id);
            if (has_end(n) || !n.next.empty() || !n.subflow.empty()) continue;
            bool always_branches = std::any_of(n.branches.begin(),
                                               n.branches.end(),
                                               [](const branch& b) { return b.all_of.empty(); });
            if (always_branches) continue;
            auto at = child("/nodes", id);
            if (n.ask) {
                const ask& a = *n.ask;
                bool every_answer_leads_on =
                    (a.type == answer_type::yes_no && !a.yes_go_to.empty() &&
                     !a.no_go_to.empty()) ||
                    (a.type == answer_type::menu && !a.options.empty() &&
                     std::all_of(a.options.begin(), a.options.end(), [](const menu_option& o) {
                         return !o.go_to.empty();
                     }));
                if (!every_answer_leads_on)
                    warning(at,
                            "after some answers the conversation ends here (add a \"next\", or "
                            "an \"end\" action if that is intended)");
            } else if (!n.branches.empty()) {
                warning(at,
                        "when no branch matches, the conversation ends here (add a \"next\", "
                        "a branch without \"if\", or an \"end\" action)");
            } else {
                warning(at,
                        "the conversation ends here: the node has no \"ask\", \"next\", "
                        "\"branch\" or \"subflow\" (add an \"end\" action if that is intended)");
            }
        }
    }

    // --- topics and yes/no words -----------------------------------------------------------

    void check_topics() {
        for (std::size_t i = 0; i < s_.topics.size(); ++i) {
            const node* n = node_at(s_.topics[i].answer);
            if (!n) continue;
            const auto where = child(child("/topics", i), "answer");
            if (n->ask || !n->actions.empty() || !n->subflow.empty())
                error(where,
                      "node " + in_quotes(s_.topics[i].answer) +
                          " cannot answer a topic: its texts are sent, and those of the nodes it "
                          "leads to, up to the first question or action, so it must have neither "
                          "(nor a subflow)");
        }
    }

    word_class class_of(const std::string& word) const {
        return classify_phrase(normalize_answer(word), vocabulary_);
    }

    // A no word read as a keyword or as a cancel option would turn "not correct" into "cancel
    // everything": Sapa never reads a plain no as a keyword, and staff should know.
    void check_yes_no_words() {
        for (std::size_t i = 0; i < s_.keywords.size(); ++i) {
            for (const auto& [language, words] : s_.keywords[i].words) {
                for (std::size_t w = 0; w < words.size(); ++w) {
                    const auto k = class_of(words[w]);
                    if (k != word_class::no && k != word_class::negation) continue;
                    warning(child(child(child(child("/keywords", i), "words"), language), w),
                            in_quotes(words[w]) +
                                " is a no: Sapa never reads a plain no as a keyword (at a "
                                "question it answers the question, elsewhere it starts the "
                                "script)");
                }
            }
        }
        for (const auto& id : s_.node_order) {
            const node& n = s_.nodes.at(id);
            if (!n.ask || n.ask->type != answer_type::menu) continue;
            for (std::size_t i = 0; i < n.ask->options.size(); ++i) {
                const auto& o = n.ask->options[i];
                std::string names = normalize_answer(o.value);
                for (const auto& [language, label] : o.label.by_language)
                    names += " " + normalize_answer(label);
                const bool cancels = names.find("batal") != std::string::npos ||
                                     names.find("cancel") != std::string::npos;
                if (!cancels) continue;
                for (std::size_t w = 0; w < o.synonyms.size(); ++w) {
                    if (class_of(o.synonyms[w]) != word_class::negation &&
                        class_of(o.synonyms[w]) != word_class::no)
                        continue;
                    warning(
                        child(child(child(child(child(child("/nodes", id), "ask"), "options"), i),
                                    "synonyms"),
                              w),
                        in_quotes(o.synonyms[w]) +
                            " is a no, and this option cancels: residents answering "
                            "\"Benar?\" with it mean \"not correct\" (give it to the option "
                            "that changes an answer)");
                }
            }
        }
    }

    // --- translations ---------------------------------------------------------------------

    std::vector<located_text> all_texts() const {
        std::vector<located_text> out;
        for (const auto& id : s_.node_order) {
            auto texts = texts_of(s_.nodes.at(id));
            out.insert(out.end(), texts.begin(), texts.end());
        }
        for (const auto& [name, st] : s_.settings)
            if (!st.unset_text.empty())
                out.push_back({child(child("/settings", name), "unset_text"), &st.unset_text});
        for (const auto& [name, t] : s_.messages)
            out.push_back({child("/messages", name), &t});
        return out;
    }

    void check_translations() {
        for (const auto& t : all_texts()) {
            for (const auto& language : s_.languages) {
                if (t.value->by_language.count(language)) continue;
                if (!t.value->by_language.count(s_.default_language())) continue;  // loader's
                warning(t.where,
                        "no " + in_quotes(language) + " text (contacts using " +
                            in_quotes(language) + " get the " + in_quotes(s_.default_language()) +
                            " text)");
            }
        }
    }

    // --- SMS cost -------------------------------------------------------------------------

    static const std::string& longer(const std::string& a, const std::string& b) {
        return b.size() > a.size() ? b : a;
    }

    // The longest value each variable can take, from what sets it.
    void collect_fills() {
        auto offer = [&](const std::string& name, const std::string& value) {
            fills_[name] = longer(fills_[name], value);
        };
        for (const auto& [id, n] : s_.nodes) {
            for (const auto& a : n.actions) {
                if (a.kind == action_kind::set_variable)
                    offer(a.name, template_variables(a.value).empty() ? a.value : unknown_fill);
                if (a.kind == action_kind::register_course)
                    offer("registration.code", a.code_prefix + std::string(5, '0'));
                if (sets_registration(a)) offer("registration.course", a.course);
            }
            if (n.ask && !n.ask->save_as.empty()) offer(n.ask->save_as, answer_fill(*n.ask));
            if (n.ask && !n.ask->age_variable.empty()) offer(n.ask->age_variable, "100");
        }
        offer("registration.status", "waitlisted");
        offer("registration.position", "99999");
    }

    std::string answer_fill(const ask& a) const {
        switch (a.type) {
            case answer_type::text:
                return std::string(a.max_length, 'x');
            case answer_type::number:
                if (!a.has_range) return unknown_fill;
                return longer(std::to_string(a.min), std::to_string(a.max));
            case answer_type::date:
                return "2000-01-01";
            case answer_type::phone:
                return std::string(15, '0');
            case answer_type::nik:
                return std::string(16, '0');
            case answer_type::yes_no:
                return "tidak";
            case answer_type::menu: {
                std::string out;
                for (const auto& o : a.options)
                    out = longer(out, o.value);
                return out;
            }
            case answer_type::list: {
                std::string out;
                auto it = s_.lists.find(a.list);
                if (it != s_.lists.end())
                    for (const auto& item : it->second.items)
                        out = longer(out, item.value);
                return out;
            }
        }
        return unknown_fill;
    }

    static const std::string& in_language(const text& t,
                                          const std::string& language,
                                          const std::string& fallback) {
        auto it = t.by_language.find(language);
        if (it == t.by_language.end()) it = t.by_language.find(fallback);
        static const std::string empty;
        return it == t.by_language.end() ? empty : it->second;
    }

    std::string worst_case(const std::string& text, const std::string& language) const {
        return render_template(text, [&](const std::string& name) -> std::optional<std::string> {
            if (starts_with(name, settings_prefix)) {
                auto it = s_.settings.find(name.substr(settings_prefix.size()));
                if (it == s_.settings.end()) return unknown_fill;
                if (it->second.value) return *it->second.value;
                return in_language(it->second.unset_text, language, s_.default_language());
            }
            auto it = fills_.find(name);
            return it == fills_.end() ? unknown_fill : it->second;
        });
    }

    // The option lines the engine appends to a question's prompt.
    std::string option_lines(const ask& a, const std::string& language) const {
        std::string out;
        if (!a.show_options) return out;
        if (a.type == answer_type::menu) {
            for (const auto& o : a.options)
                out += "\n" + o.key + ". " + in_language(o.label, language, s_.default_language());
        } else if (a.type == answer_type::list) {
            auto it = s_.lists.find(a.list);
            if (it == s_.lists.end()) return out;
            for (std::size_t i = 0; i < it->second.items.size(); ++i)
                out += "\n" + std::to_string(i + 1) + ". " + it->second.items[i].value;
        }
        return out;
    }

    void measure_message(const std::string& where,
                         const std::string& language,
                         const std::string& message) {
        auto cost = sms::measure(message);
        if (cost.encoding == sms::encoding::ucs2) {
            std::string chars;
            for (const auto& c : cost.non_gsm_chars)
                chars += (chars.empty() ? "" : ", ") + c;
            warning(where,
                    "the " + in_quotes(language) +
                        " message is sent as UCS-2 (70 characters per SMS instead of 160) "
                        "because of " +
                        chars + "; replace them with plain letters");
        }
        if (cost.segments > static_cast<std::size_t>(s_.segment_budget))
            warning(where,
                    "the " + in_quotes(language) + " message needs " +
                        std::to_string(cost.segments) + " SMS parts (" +
                        std::to_string(cost.units) +
                        " characters with every variable at its longest); segment_budget is " +
                        std::to_string(s_.segment_budget));
    }

    // After an invalid answer the engine sends the hint with the question when both fit the
    // segment budget, and the hint alone when they do not (a long page is not sent again):
    // measured the same way, every variable at its longest.
    void measure_reprompt(const node& n, const std::string& at, const std::string& language) {
        const auto hint =
            worst_case(in_language(n.ask->hint, language, s_.default_language()), language);
        std::string question =
            n.say.empty()
                ? std::string()
                : worst_case(in_language(n.say.back(), language, s_.default_language()), language);
        auto lines = worst_case(option_lines(*n.ask, language), language);
        if (question.empty() && !lines.empty()) lines.erase(0, 1);
        question += lines;
        const std::string together = question.empty() ? hint : hint + "\n" + question;
        const bool fits =
            sms::measure(together).segments <= static_cast<std::size_t>(s_.segment_budget);
        measure_message(child(child(at, "ask"), "hint"), language, fits ? together : hint);
    }

    void check_sms_cost() {
        collect_fills();
        for (const auto& language : s_.languages) {
            for (const auto& id : s_.node_order) {
                const node& n = s_.nodes.at(id);
                auto at = child("/nodes", id);
                for (std::size_t i = 0; i < n.say.size(); ++i) {
                    // A missing translation is sent in the default language, measured there.
                    if (language != s_.default_language() && !n.say[i].by_language.count(language))
                        continue;
                    auto message = worst_case(
                        in_language(n.say[i], language, s_.default_language()), language);
                    // The last message is the question's prompt: the option lines go under it.
                    if (n.ask && i + 1 == n.say.size())
                        message += worst_case(option_lines(*n.ask, language), language);
                    measure_message(
                        n.say.size() == 1 ? child(at, "say") : child(child(at, "say"), i),
                        language,
                        message);
                }
                if (!n.ask) continue;
                auto ask_at = child(at, "ask");
                if (n.say.empty()) {
                    auto lines = option_lines(*n.ask, language);
                    if (!lines.empty())
                        measure_message(child(ask_at, "options"),
                                        language,
                                        worst_case(lines.substr(1), language));
                }
                if (!n.ask->hint.empty()) measure_reprompt(n, at, language);
            }
            for (const auto& [name, t] : s_.messages) {
                const auto message =
                    worst_case(in_language(t, language, s_.default_language()), language);
                measure_message(child("/messages", name), language, message);
                // The answer to a photo or voice note is one SMS: the pending question's hint
                // goes with it only when both fit the budget.
                const auto parts = sms::measure(message).segments;
                if (name == "media" && parts > 1)
                    warning(child("/messages", name),
                            "the " + in_quotes(language) + " message needs " +
                                std::to_string(parts) +
                                " SMS parts; the answer to a photo or voice note must fit one");
            }
        }
    }

    // --- settings -------------------------------------------------------------------------

    void check_unset_settings() {
        for (const auto& [name, st] : s_.settings) {
            if (st.value) continue;
            warning(child("/settings", name),
                    "setting " + in_quotes(name) + " has no value yet" +
                        (st.unset_text.empty()
                             ? " and no unset_text: residents see nothing in its place"
                             : ": residents see its unset_text until you fill it in"));
        }
    }

    const script& s_;
    std::string file_;
    const catalog* others_;
    std::vector<problem> problems_;
    std::set<std::string> reachable_;
    std::map<std::string, std::string> fills_;
    answer_vocabulary vocabulary_;
};

}  // namespace

std::vector<problem> check_script(const script& s,
                                  const std::string& file_name,
                                  const catalog* others) {
    return checker(s, file_name, others).run();
}

}  // namespace sapa::dialog
