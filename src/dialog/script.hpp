#pragma once
// The dialog script model: what staff write in JSON (docs/dialog-format.md), loaded once and
// immutable afterwards. Nothing here knows about HTTP, SQL or clocks.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sapa::dialog {

// A text shown to residents: one string per language code ("id", "en", ...). A plain JSON
// string is stored under the script's default language. May contain {{variables}}.
struct text {
    std::map<std::string, std::string> by_language;

    bool empty() const { return by_language.empty(); }
};

enum class answer_type {
    menu,    // numbered options
    yes_no,  // y/ya/iya/yes, t/tdk/tidak/gak/nggak/no
    number,  // whole number within [min, max]
    text,    // free text within [min_length, max_length] characters
    date,    // a calendar date, saved as DD-MM-YYYY
    phone,   // a phone number, saved as E.164
    nik,     // 16-digit Indonesian national id number
    list,    // one item of a named list (with synonyms)
};

struct menu_option {
    std::string key;    // what the resident types; defaults to the option's 1-based position
    std::string value;  // saved into the variable; defaults to the key
    dialog::text label;
    std::vector<std::string> synonyms;  // extra words that pick this option (any language)
    std::string go_to;                  // node to continue at; empty: the node's next/branch
};

struct list_item {
    std::string value;                  // canonical spelling, saved into the variable
    std::vector<std::string> synonyms;  // other spellings residents use
};

// Words residents may answer with, as normalize_answer() leaves them, so that matching an
// answer compares with ready words instead of normalising the script's own for every message.
// Filled by catalog from the fields beside it.
struct answer_words {
    std::vector<std::string> keys;                // one per choice: what picks it by number
    std::vector<std::vector<std::string>> words;  // one list per choice: label(s), synonyms...
};

struct named_list {
    std::string id;
    std::vector<list_item> items;
    // Words residents write around an item that name no item themselves ("Kab. Lumajang"
    // after a kecamatan); dropped when the rest of the answer names an item.
    std::vector<std::string> ignore;
    answer_words normalized;  // keys "1".."n"; words: the value, then its synonyms
    std::vector<std::string> normalized_ignore;
};

// Words residents answer with that Sapa does not know by itself: regional yes and no words,
// and courtesy words to ignore around any answer. Understood in every language of the script.
struct answer_vocabulary {
    std::vector<std::string> yes;
    std::vector<std::string> no;
    std::vector<std::string> ignore;
};

struct ask {
    answer_type type = answer_type::text;
    std::string save_as;               // variable that receives the answer; may be empty
    std::string save_to_field;         // contact field that also receives it; may be empty
    std::vector<menu_option> options;  // menu
    bool show_options = true;          // menu/list: append "1. label" lines to the prompt
    std::string list;                  // list: id of a named list
    long long min = 0, max = 0;        // number: inclusive range (has_range when set)
    bool has_range = false;
    std::size_t min_length = 1, max_length = 160;  // text
    std::string yes_go_to, no_go_to;               // yes_no: optional targets
    std::string age_variable;                      // date: also save the age in whole years here
    std::string birth_date_variable;  // nik: the encoded birth date must equal this date
    bool numbered = false;  // list: the prompt numbers the items itself; numbers pick them
    // text: any message is the answer, questions and keyword-like first words included (a
    // message to staff). Otherwise a yes/no word, a greeting or a question is not stored.
    bool any_text = false;
    std::vector<std::string> prefixes;  // text: words dropped from the start ("nama saya")
    std::string correction_of;  // an answer that fits this node's question corrects it instead
    bool optional = false;      // the resident may answer with a skip word (LEWATI/SKIP)
    dialog::text hint;          // sent before the question is asked again
    int max_retries = 2;        // invalid answers tolerated before `on_fail`
    std::string on_fail;        // node after too many invalid answers; empty: the start
    // menu: the options' keys; words: labels by language, synonyms, then the value unless it
    // is the key.
    answer_words normalized;
};

enum class action_kind {
    set_variable,         // name = value (template)
    set_language,         // language
    set_field,            // contact field `name` = value (template)
    register_course,      // course, fields; sets registration.code/status/position
    lookup_registration,  // course; sets registration.code/status
    cancel_registration,  // course; sets registration.status
    opt_out,              // the contact stops receiving messages
    handoff,              // value (template): the resident's words for staff
    forget,               // the resident asked to erase their data
    end,                  // the conversation ends after this node
    return_to_question,   // back to the question a keyword or help interrupted, if any
};

struct action {
    action_kind kind = action_kind::end;
    std::string name;
    std::string value;
    std::string language;
    std::string course;
    std::vector<std::string> fields;  // register_course: variables copied into the record
    std::string code_prefix;          // register_course: "LMJ-JHT" gives codes LMJ-JHT-0001
    std::string capacity;  // register_course: a whole number or "settings.NAME"; empty: no limit
};

// One comparison: `left op right`, where each side is a variable name, a number or a quoted
// string. Conditions of a branch are joined by "and" inside one string ("age >= 18 and x == 1").
struct comparison {
    std::string left;
    std::string op;  // == != < <= > >= ; "set" / "unset" test only `left`
    std::string right;
};

struct branch {
    std::vector<comparison> all_of;  // empty: always true (the default branch)
    std::string condition_source;    // as written, for messages
    std::string go_to;
};

struct node {
    std::string id;
    std::vector<action> actions;           // run first, in order
    std::vector<dialog::text> say;         // then these messages are sent
    std::optional<dialog::ask> ask;        // then the engine waits for an answer
    std::vector<dialog::branch> branches;  // after the answer (or at once): first match wins
    std::string next;                      // when no branch matched
    std::string subflow;                   // run this script, then continue at `next`
};

// A script-defined keyword: any of its words (any language) jumps to a node.
struct keyword {
    std::map<std::string, std::vector<std::string>> words;  // language -> words
    std::string go_to;
    // `words` normalised, one list per language in the map's order. Filled by catalog.
    std::vector<std::vector<std::string>> normalized;
};

// A subject residents ask about ("berapa biayanya?"): its words, and the node whose texts
// answer it. Sapa answers, then asks the pending question again.
struct topic {
    std::string id;
    std::map<std::string, std::vector<std::string>> words;  // language -> words
    std::string answer;                                     // node id
    std::vector<std::string> normalized;  // every language's words, normalised. Filled by catalog
};

// A named setting staff fill in (office phone, course venue). `value` empty: unset; texts then
// use `unset_text` instead and the checker warns.
struct setting {
    std::string name;
    std::optional<std::string> value;
    dialog::text unset_text;
    std::string description;
};

struct script {
    std::string id;
    int version = 1;
    std::vector<std::string> languages;  // first is the default
    std::string start;                   // first node; MENU returns here
    std::string help_node;               // BANTUAN/HELP goes here; empty: built-in help text
    int segment_budget = 2;              // checker warns above this many SMS parts
    int session_timeout_minutes = 60;    // idle time after which a session expires
    int progress_kept_hours = 24;        // after that long idle, an unfinished session is dropped
    std::map<std::string, dialog::text> messages;  // overrides of built-in system texts
    std::vector<dialog::keyword> keywords;
    std::vector<dialog::topic> topics;
    std::string question_fallback;  // node for a second question no topic answers; empty: none
    answer_vocabulary vocabulary;   // "answer_words" in the file
    answer_vocabulary normalized_vocabulary;  // Filled by catalog
    std::map<std::string, setting> settings;
    std::map<std::string, named_list> lists;
    std::map<std::string, node> nodes;
    std::vector<std::string> node_order;  // node ids in file order, for stable reports

    const std::string& default_language() const { return languages.front(); }
    const node* find_node(const std::string& node_id) const {
        auto it = nodes.find(node_id);
        return it == nodes.end() ? nullptr : &it->second;
    }
};

}  // namespace sapa::dialog
