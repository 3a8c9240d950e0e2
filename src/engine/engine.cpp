#include "engine/engine.hpp"

#include "dialog/text_template.hpp"
#include "dialog/words.hpp"
#include "engine/answers.hpp"
#include "messaging/address.hpp"
#include "sms/gsm7.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string_view>

namespace sapa::engine {

const char* to_string(match_kind k) {
    switch (k) {
        case match_kind::exact:
            return "exact";
        case match_kind::synonym:
            return "synonym";
        case match_kind::typo:
            return "typo";
        case match_kind::number_word:
            return "number_word";
        case match_kind::keyword:
            return "keyword";
        case match_kind::skipped:
            return "skipped";
        case match_kind::extracted:
            return "extracted";
    }
    return "exact";
}

const char* to_string(event_kind k) {
    switch (k) {
        case event_kind::session_started:
            return "session_started";
        case event_kind::node_entered:
            return "node_entered";
        case event_kind::answer_accepted:
            return "answer_accepted";
        case event_kind::answer_rejected:
            return "answer_rejected";
        case event_kind::keyword_matched:
            return "keyword_matched";
        case event_kind::registration_completed:
            return "registration_completed";
        case event_kind::registration_cancelled:
            return "registration_cancelled";
        case event_kind::opted_out:
            return "opted_out";
        case event_kind::opted_in:
            return "opted_in";
        case event_kind::handoff_requested:
            return "handoff_requested";
        case event_kind::erase_requested:
            return "erase_requested";
        case event_kind::language_changed:
            return "language_changed";
        case event_kind::session_expired:
            return "session_expired";
        case event_kind::session_resumed:
            return "session_resumed";
        case event_kind::session_ended:
            return "session_ended";
        case event_kind::step_limit_reached:
            return "step_limit_reached";
        case event_kind::topic_answered:
            return "topic_answered";
        case event_kind::question_unanswered:
            return "question_unanswered";
        case event_kind::returned_to_question:
            return "returned_to_question";
        case event_kind::media_received:
            return "media_received";
    }
    return "unknown";
}

std::string describe(const event& e) {
    std::string line = to_string(e.kind);
    line += " " + e.node;
    if (!e.detail.empty()) line += ": " + e.detail;
    if (e.matched) line += std::string(" [") + to_string(*e.matched) + "]";
    return line;
}

namespace {

// Normalised once, like the scripts' words (dialog::answer_words), not for every message.
std::vector<std::string> normalized(std::initializer_list<std::string_view> words) {
    std::vector<std::string> out;
    for (const auto w : words)
        out.push_back(normalize_answer(w));
    return out;
}

// Built-in keywords. Scripts cannot remove them: STOP must always work. UNREG is what operator
// services taught Indonesian phone users.
const std::vector<std::string> stop_words = normalized({"stop",
                                                        "berhenti",
                                                        "unsubscribe",
                                                        "stop all",
                                                        "unreg",
                                                        "jangan kirim lagi",
                                                        "jangan kirim sms lagi"});
// A message whose first word is one of these stops too ("STOP SMS", "UNREG INFO"): the words
// nobody writes at the start of anything else. "berhenti kerja" is not a request to stop.
const std::vector<std::string> stop_first_words = normalized({"stop", "unreg", "unsubscribe"});
const std::vector<std::string> menu_words = normalized({"menu"});
const std::vector<std::string> help_words = normalized({"bantuan", "help"});
const std::vector<std::string> help_whole_words = normalized({"tolong"});
const std::vector<std::string> continue_words =
    normalized({"lanjut", "lanjutkan", "continue", "teruskan"});
// Said before a keyword without changing it: "mau daftar", "tolong batalkan", "saya mau hapus".
const std::vector<std::string> lead_in_words =
    normalized({"mau", "ingin", "pengen", "pengin", "minta", "tolong", "mohon", "coba"});

// Built-in texts, used when a script's `messages` does not override them.
const std::map<std::string, std::map<std::string, std::string>> builtin_texts = {
    {"stopped",
     {{"id",
       "Anda sudah berhenti dan tidak akan menerima pesan lagi. Kirim pesan apa saja untuk mulai "
       "lagi."},
      {"en", "You have stopped and will get no more messages. Send any message to start again."}}},
    {"help",
     {{"id", "Ketik MENU untuk menu utama, atau BERHENTI untuk berhenti."},
      {"en", "Type MENU for the main menu, or STOP to stop."}}},
    {"resume_offer",
     {{"id",
       "Percakapan Anda sebelumnya belum selesai. Ketik LANJUT untuk melanjutkan atau MENU untuk "
       "mulai dari awal."},
      {"en",
       "Your earlier conversation was not finished. Type CONTINUE to go on or MENU to start "
       "again."}}},
    {"invalid",
     {{"id", "Maaf, jawaban tidak dikenali."}, {"en", "Sorry, that answer was not understood."}}},
    {"unanswered",
     {{"id", "Maaf, pertanyaan itu belum bisa kami jawab di sini."},
      {"en", "Sorry, we cannot answer that question here."}}},
    {"step_limit",
     {{"id", "Maaf, terjadi kesalahan. Ketik MENU untuk mulai lagi."},
      {"en", "Sorry, something went wrong. Type MENU to start again."}}},
    // A photo, voice note, sticker... (one SMS: the pending question's hint may follow).
    {"media",
     {{"id",
       "Maaf, kami hanya bisa membaca pesan teks, bukan foto, suara, video, stiker atau lokasi. "
       "Silakan balas dengan tulisan."},
      {"en",
       "Sorry, we can only read text, not photos, voice notes, videos, stickers or locations. "
       "Please reply in writing."}}},
    // Sent first by Sapa to a resident moved up from the waitlist (app::conversations).
    {"waitlist_promoted",
     {{"id",
       "Kabar baik: ada tempat kosong. Pendaftaran {{registration.code}} sekarang terdaftar "
       "(kursi nomor {{registration.position}}). Cek: ketik STATUS."},
      {"en",
       "Good news: a seat is free. Sign-up {{registration.code}} is now registered (seat "
       "{{registration.position}}). Check: type STATUS."}}},
    // Sent by Sapa when staff confirm a seat, only where the script has its own text
    // (app::conversations::change_registration).
    {"registration_confirmed",
     {{"id",
       "Kursi untuk pendaftaran {{registration.code}} sudah dikonfirmasi. Cek: ketik STATUS."},
      {"en", "The seat of sign-up {{registration.code}} is confirmed. Check: type STATUS."}}},
};

// `words` normalised.
bool matches_any(const std::string& normalized, const std::vector<std::string>& words) {
    return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
        return within_one_typo(normalized, w);
    });
}

// True when `message` begins with the words of one of `words` (both normalised): "daftar
// kursus menjahit" begins with "daftar", "batal daftar sekarang" with "batal daftar".
bool begins_with_any(const std::string& message, const std::vector<std::string>& words) {
    return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
        return !w.empty() && message.size() > w.size() && message.starts_with(w) &&
               message[w.size()] == ' ';
    });
}

// The message without courtesy words and, with `lead_in`, without the lead-in words before a
// keyword: what a keyword is looked for in ("halo, saya mau daftar" -> "daftar").
std::string keyword_core(const std::string& normalized,
                         const dialog::answer_vocabulary& words,
                         bool lead_in) {
    std::string core;
    bool leading = lead_in;
    for (const auto& w : dialog::classify_words(normalized, words)) {
        if (w.kind == dialog::word_class::courtesy) continue;
        if (leading &&
            std::find(lead_in_words.begin(), lead_in_words.end(), w.text) != lead_in_words.end())
            continue;
        leading = false;
        if (!core.empty()) core += ' ';
        core += w.text;
    }
    return core;
}

// The one option among `options` (normalised words per option) one of whose words is in
// `words`.
std::optional<matched_choice> option_with_any(const std::vector<std::vector<std::string>>& options,
                                              const std::vector<std::string>& words) {
    std::optional<matched_choice> found;
    for (std::size_t i = 0; i < options.size(); ++i) {
        if (std::none_of(options[i].begin(), options[i].end(), [&](const std::string& w) {
                return std::find(words.begin(), words.end(), w) != words.end();
            }))
            continue;
        if (found) return std::nullopt;
        found = matched_choice{i, match_kind::synonym};
    }
    return found;
}

std::optional<double> as_number(const std::string& s) {
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return v;
}

std::string format_count(std::size_t n) {
    return std::to_string(n);
}

// A reading of a message as the answer to one question.
struct reading {
    std::string value;
    std::string target;  // a per-answer destination (menu option, yes/no)
    match_kind how = match_kind::exact;
    std::string age;  // date questions with `age`: the age in whole years
};

// The answer a message gives to a question, or why it gives none.
struct read_result {
    std::optional<reading> answer;
    std::string reason;
};

// Readings that need no guessing. Such an answer to the pending question wins over a keyword
// that the same words would also trigger ("batal" at a summary that offers BATAL). Free text
// is never sure: a name could be anything.
bool is_sure(const read_result& r, dialog::answer_type type, bool question) {
    if (!r.answer || type == dialog::answer_type::text) return false;
    const auto how = r.answer->how;
    if (how == match_kind::extracted) return type == dialog::answer_type::yes_no && !question;
    return how != match_kind::typo;
}

// What a node does when its actions have run.
struct action_outcome {
    bool ended = false;      // an end (or opt-out) action: the conversation ends here
    bool returning = false;  // a return action: back to the paused question, if any
};

// One inbound message being processed: the state it changes and what it produces.
class turn {
  public:
    turn(const dialog::catalog& scripts,
         const dialog::script& channel_script,
         const contact_state& state,
         const std::string& inbound,
         const std::vector<messaging::attachment>& attachments,
         unix_seconds now,
         registrar& registrations,
         const engine_limits& limits)
        : scripts_(scripts),
          channel_script_(channel_script),
          inbound_(inbound),
          attachments_(attachments),
          normalized_(normalize_answer(inbound)),
          plain_(keyword_core(normalized_, channel_script.normalized_vocabulary, false)),
          core_(keyword_core(normalized_, channel_script.normalized_vocabulary, true)),
          now_(now),
          registrations_(registrations),
          limits_(limits) {
        result_.state = state;
    }

    turn_result run();
    // Sapa speaks first: the session starts over at `node_id` of the channel's script.
    turn_result start_at(const std::string& node_id,
                         const std::map<std::string, std::string>& variables);
    // The script's text `name` (its `messages`, else the built-in one) with `variables`.
    std::string named_text(const std::string& name,
                           const std::map<std::string, std::string>& variables);

  private:
    contact_state& contact() { return result_.state; }
    session_state& session() { return result_.state.session; }

    const dialog::script& top_script() const {
        const auto& stack = result_.state.session.stack;
        if (!stack.empty())
            if (const auto* s = scripts_.find(stack.back().script_id)) return *s;
        return channel_script_;
    }
    std::string where() const {
        const auto& stack = result_.state.session.stack;
        return stack.empty() ? channel_script_.id
                             : stack.back().script_id + "/" + stack.back().node_id;
    }

    void emit(event_kind kind, std::string detail = {}, std::optional<match_kind> matched = {}) {
        result_.events.push_back({kind, where(), std::move(detail), matched, {}});
    }

    std::string language_of(const dialog::script& s) const {
        const auto& lang = result_.state.language;
        if (!lang.empty() &&
            std::find(s.languages.begin(), s.languages.end(), lang) != s.languages.end())
            return lang;
        return s.default_language();
    }

    std::string pick(const dialog::text& t, const dialog::script& s) const {
        if (auto it = t.by_language.find(language_of(s)); it != t.by_language.end())
            return it->second;
        if (auto it = t.by_language.find(s.default_language()); it != t.by_language.end())
            return it->second;
        return t.by_language.empty() ? std::string() : t.by_language.begin()->second;
    }

    std::string system_text(const std::string& name) const {
        const auto& s = top_script();
        if (auto it = s.messages.find(name); it != s.messages.end()) return render(it->second, s);
        const auto& builtin = builtin_texts.at(name);
        auto it = builtin.find(language_of(s));
        const auto& chosen = it != builtin.end() ? it->second : builtin.at("id");
        if (chosen.find("{{") == std::string::npos) return chosen;
        return dialog::render_template(chosen,
                                       [&](const std::string& v) { return lookup(v, s, true); });
    }

    std::optional<std::string> setting_value(const std::string& name,
                                             const dialog::script& s,
                                             bool for_display) const {
        for (const auto* script : {&s, &channel_script_}) {
            auto it = script->settings.find(name);
            if (it == script->settings.end()) continue;
            if (it->second.value) return *it->second.value;
            if (for_display) return pick(it->second.unset_text, *script);
            return std::string();
        }
        return std::nullopt;
    }

    std::optional<std::string> lookup(const std::string& name,
                                      const dialog::script& s,
                                      bool for_display) const {
        if (name.starts_with("settings.")) return setting_value(name.substr(9), s, for_display);
        auto value = resident_value(name);
        // What residents typed goes back to them in plain GSM-7 where it can: an emoji or a
        // curly apostrophe in a name would send the whole summary as UCS-2, 70 characters
        // a part instead of 160.
        if (value && for_display) return sms::gsm7_friendly(*value);
        return value;
    }

    // A value that came from the resident: their last message, a contact field, a variable.
    std::optional<std::string> resident_value(const std::string& name) const {
        if (name == "input") return inbound_;
        if (name.starts_with("contact.")) {
            auto it = result_.state.fields.find(name.substr(8));
            if (it != result_.state.fields.end()) return it->second;
            return std::nullopt;
        }
        auto it = result_.state.session.variables.find(name);
        if (it != result_.state.session.variables.end()) return it->second;
        return std::nullopt;
    }

    std::string render(const dialog::text& t, const dialog::script& s) const {
        return dialog::render_template(
            pick(t, s), [&](const std::string& name) { return lookup(name, s, true); });
    }

    // The value of one side of a comparison: a quoted string, a number or a variable.
    std::string operand(const std::string& token, const dialog::script& s) const {
        if (token.size() >= 2 && token.front() == '"' && token.back() == '"')
            return token.substr(1, token.size() - 2);
        if (as_number(token)) return token;
        return lookup(token, s, false).value_or("");
    }

    bool holds(const dialog::comparison& c, const dialog::script& s) const {
        std::string left = operand(c.left, s);
        if (c.op == "set") return !left.empty();
        if (c.op == "unset") return left.empty();
        std::string right = operand(c.right, s);
        auto l = as_number(left), r = as_number(right);
        int order;
        if (l && r) {
            order = *l < *r ? -1 : (*l > *r ? 1 : 0);
        } else {
            // An empty (unset) value never satisfies an ordering comparison.
            if ((left.empty() || right.empty()) && c.op != "==" && c.op != "!=") return false;
            order = left.compare(right) < 0 ? -1 : (left == right ? 0 : 1);
        }
        if (c.op == "==") return order == 0;
        if (c.op == "!=") return order != 0;
        if (c.op == "<") return order < 0;
        if (c.op == "<=") return order <= 0;
        if (c.op == ">") return order > 0;
        if (c.op == ">=") return order >= 0;
        return false;
    }

    // Where a node goes on its own: its first branch that holds, else `next` (empty: nowhere).
    std::string next_of(const dialog::script& s, const dialog::node& n) const {
        for (const auto& b : n.branches) {
            bool all = std::all_of(b.all_of.begin(),
                                   b.all_of.end(),
                                   [&](const dialog::comparison& c) { return holds(c, s); });
            if (all) return b.go_to;
        }
        return n.next;
    }

    void send(std::string text,
              std::string body = {},
              std::vector<outbound_message::option> o = {}) {
        if (body.empty() && o.empty()) body = text;
        result_.replies.push_back({std::move(text), std::move(body), std::move(o)});
    }

    void start_session();
    void restart_at(const std::string& node_id);
    void enter(const dialog::script& s, const std::string& node_id);
    void continue_after(const dialog::script& s, const dialog::node& n);
    void finish_frame();
    action_outcome run_actions(const dialog::script& s, const dialog::node& n);
    std::vector<std::string> prompt_texts(const dialog::script& s,
                                          const dialog::node& n,
                                          const std::string& prefix,
                                          bool question_only) const;
    std::vector<outbound_message::option> shown_options(const dialog::script& s,
                                                        const dialog::ask& a) const;
    void send_prompt(const dialog::script& s,
                     const dialog::node& n,
                     const std::string& prefix,
                     bool question_only = false);
    bool fits(const std::string& text, int parts) const;
    std::string question_text(const dialog::script& s,
                              const dialog::node& n,
                              const std::string& prefix) const;
    void ask_again(const dialog::script& s,
                   const dialog::node& n,
                   const std::string& lead,
                   bool with_hint,
                   int question_parts = 1);
    read_result read(const dialog::script& s,
                     const dialog::node& n,
                     const dialog::ask& a,
                     const std::string& text) const;
    void accept(const dialog::script& s,
                const dialog::node& n,
                const dialog::ask& a,
                const reading& r);
    void answer(const dialog::script& s, const dialog::node& n, const dialog::ask& a);
    bool answer_elsewhere(std::vector<frame> stack);
    void answer_question(const dialog::script& s, const dialog::node& n);
    void reject(const dialog::script& s,
                const dialog::node& n,
                const dialog::ask& a,
                const std::string& reason);
    void pause_here();
    bool return_to_paused();
    bool continue_after_break(const dialog::script& s, const dialog::node& n);
    bool handle_keyword(bool first_words);
    void media_only();
    unix_seconds session_timeout_seconds() const;
    unix_seconds progress_kept_seconds() const;
    void remind(const dialog::script& s, const dialog::node& n, const std::string& lead);
    bool is_stop() const;
    const dialog::node* current_node() const;
    bool waiting_for_any_text() const;

    const dialog::catalog& scripts_;
    const dialog::script& channel_script_;
    const std::string& inbound_;
    const std::vector<messaging::attachment>& attachments_;
    std::string normalized_;
    std::string plain_;  // normalized_ without courtesy words ("menu pak" -> "menu")
    std::string core_;   // plain_ without lead-in words ("mau daftar" -> "daftar")
    unix_seconds now_;
    registrar& registrations_;
    const engine_limits& limits_;
    int steps_ = 0;
    bool aborted_ = false;
    turn_result result_;
};

const dialog::node* turn::current_node() const {
    const auto& stack = result_.state.session.stack;
    if (stack.empty()) return nullptr;
    const auto* s = scripts_.find(stack.back().script_id);
    return s ? s->find_node(stack.back().node_id) : nullptr;
}

bool turn::waiting_for_any_text() const {
    const auto* n = current_node();
    return result_.state.session.status == session_status::waiting && n && n->ask &&
           n->ask->type == dialog::answer_type::text && n->ask->any_text;
}

void turn::start_session() {
    auto& s = session();
    s = {};
    s.script_id = channel_script_.id;
    s.script_version = channel_script_.version;
    s.last_active = now_;
    emit(event_kind::session_started);
    restart_at(channel_script_.start);
}

void turn::restart_at(const std::string& node_id) {
    auto& s = session();
    s.stack.clear();
    s.stack.push_back({channel_script_.id, node_id});
    s.status = session_status::idle;
    s.retries = 0;
    enter(channel_script_, node_id);
}

void turn::enter(const dialog::script& s, const std::string& node_id) {
    if (aborted_) return;
    if (++steps_ > limits_.max_steps_per_turn) {
        emit(event_kind::step_limit_reached,
             "more than " + format_count(limits_.max_steps_per_turn) + " steps in one message");
        aborted_ = true;
        session().stack.clear();
        session().status = session_status::idle;
        send(system_text("step_limit"));
        return;
    }
    // The menu is a fresh start: an interrupted question is not taken up again from there.
    if (s.id == channel_script_.id && node_id == channel_script_.start) {
        session().paused.clear();
        session().paused_open = false;
    }
    const dialog::node* n = s.find_node(node_id);
    auto& stack = session().stack;
    if (stack.empty()) stack.push_back({s.id, node_id});
    stack.back() = {s.id, node_id};
    if (!n) {
        // Only a script that failed its checks can get here; end rather than loop.
        finish_frame();
        return;
    }
    emit(event_kind::node_entered);
    const auto outcome = run_actions(s, *n);
    if (aborted_ || stack.empty() || stack.back().node_id != node_id) return;
    if (n->ask) {
        send_prompt(s, *n, {});
        session().status = session_status::waiting;
        session().retries = 0;
        return;
    }
    for (const auto& t : n->say)
        send(render(t, s));
    if (outcome.returning && return_to_paused()) return;
    if (outcome.ended) {
        // An ending is an ending: nothing interrupted is taken up again after it.
        session().paused.clear();
        session().paused_open = false;
        finish_frame();
        return;
    }
    if (!n->subflow.empty()) {
        if (const auto* sub = scripts_.find(n->subflow)) {
            stack.push_back({sub->id, sub->start});
            enter(*sub, sub->start);
            return;
        }
    }
    continue_after(s, *n);
}

// After a node is done (answered, or it asks nothing): branches, then next, else the end.
void turn::continue_after(const dialog::script& s, const dialog::node& n) {
    const std::string next = next_of(s, n);
    if (!next.empty()) {
        enter(s, next);
        return;
    }
    finish_frame();
}

// The current script ran out of nodes: return to the caller of a subflow, or end the session.
void turn::finish_frame() {
    auto& stack = session().stack;
    if (!stack.empty()) stack.pop_back();
    if (stack.empty()) {
        session().status = session_status::idle;
        emit(event_kind::session_ended);
        return;
    }
    const auto* parent_script = scripts_.find(stack.back().script_id);
    const dialog::node* parent =
        parent_script ? parent_script->find_node(stack.back().node_id) : nullptr;
    if (!parent) {
        finish_frame();
        return;
    }
    continue_after(*parent_script, *parent);
}

action_outcome turn::run_actions(const dialog::script& s, const dialog::node& n) {
    using kind = dialog::action_kind;
    auto& vars = session().variables;
    action_outcome outcome;
    for (const auto& a : n.actions) {
        switch (a.kind) {
            case kind::set_variable:
                vars[a.name] = dialog::render_template(
                    a.value, [&](const std::string& v) { return lookup(v, s, false); });
                break;
            case kind::set_field:
                contact().fields[a.name] = dialog::render_template(
                    a.value, [&](const std::string& v) { return lookup(v, s, false); });
                break;
            case kind::set_language:
                if (contact().language != a.language) {
                    contact().language = a.language;
                    emit(event_kind::language_changed, a.language);
                }
                break;
            case kind::register_course: {
                std::map<std::string, std::string> fields;
                for (const auto& f : a.fields)
                    fields[f] = lookup(f, s, false).value_or("");
                int capacity = 0;
                std::string cap = operand(a.capacity, s);
                if (auto c = as_number(cap)) capacity = static_cast<int>(*c);
                auto record = registrations_.register_contact(
                    contact().address, a.course, a.code_prefix, capacity, fields, now_);
                vars["registration.code"] = record.code;
                vars["registration.status"] = dialog_status(record.status);
                vars["registration.course"] = record.course;
                vars["registration.position"] = std::to_string(record.position);
                event e{event_kind::registration_completed,
                        where(),
                        to_string(record.status),
                        {},
                        record.fields};
                e.data["code"] = record.code;
                e.data["course"] = record.course;
                result_.events.push_back(std::move(e));
                break;
            }
            case kind::lookup_registration: {
                auto record = registrations_.find(contact().address, a.course);
                vars["registration.code"] = record.code;
                vars["registration.status"] = dialog_status(record.status);
                vars["registration.course"] = a.course;
                break;
            }
            case kind::cancel_registration: {
                auto record = registrations_.cancel(contact().address, a.course, now_);
                vars["registration.code"] = record.code;
                vars["registration.status"] = dialog_status(record.status);
                vars["registration.course"] = a.course;
                if (record.status == registration_status::cancelled)
                    emit(event_kind::registration_cancelled, record.code);
                break;
            }
            case kind::opt_out:
                contact().opted_out = true;
                emit(event_kind::opted_out, "menu");
                outcome.ended = true;
                break;
            case kind::handoff:
                emit(event_kind::handoff_requested,
                     dialog::render_template(
                         a.value, [&](const std::string& v) { return lookup(v, s, false); }));
                break;
            case kind::forget:
                emit(event_kind::erase_requested);
                break;
            case kind::end:
                outcome.ended = true;
                break;
            case kind::return_to_question:
                outcome.returning = true;
                break;
        }
    }
    return outcome;
}

// The node's messages; the last one carries the question, with `prefix` (a hint) in front of
// the first. After an invalid answer (`question_only`) only the last text, the question itself,
// is sent again: re-sending a node's introduction would cost residents SMS for nothing.
std::vector<std::string> turn::prompt_texts(const dialog::script& s,
                                            const dialog::node& n,
                                            const std::string& prefix,
                                            bool question_only) const {
    std::vector<std::string> texts;
    for (const auto& t : n.say)
        texts.push_back(render(t, s));
    if (question_only && texts.size() > 1) texts.erase(texts.begin(), texts.end() - 1);
    if (texts.empty()) texts.emplace_back();
    if (!prefix.empty())
        texts.front() = texts.front().empty() ? prefix : prefix + "\n" + texts.front();
    return texts;
}

// The options a question lists under its prompt: a menu's, or a list's items numbered.
std::vector<outbound_message::option> turn::shown_options(const dialog::script& s,
                                                          const dialog::ask& a) const {
    std::vector<outbound_message::option> options;
    if (!a.show_options) return options;
    if (a.type == dialog::answer_type::menu) {
        for (const auto& o : a.options)
            options.push_back({o.key, render(o.label, s)});
    } else if (a.type == dialog::answer_type::list) {
        if (auto it = s.lists.find(a.list); it != s.lists.end()) {
            std::size_t i = 0;
            for (const auto& item : it->second.items)
                options.push_back({std::to_string(++i), item.value});
        }
    }
    return options;
}

// Sends prompt_texts(); for menus and lists shown as options the last message also carries
// the numbered lines.
void turn::send_prompt(const dialog::script& s,
                       const dialog::node& n,
                       const std::string& prefix,
                       bool question_only) {
    std::vector<std::string> texts = prompt_texts(s, n, prefix, question_only);
    auto options = shown_options(s, *n.ask);
    for (std::size_t i = 0; i + 1 < texts.size(); ++i)
        send(texts[i]);
    std::string body = texts.back();
    std::string text = body;
    for (const auto& o : options) {
        if (!text.empty()) text += "\n";
        text += o.key + ". " + o.label;
    }
    send(std::move(text), std::move(body), std::move(options));
}

// The question as asked again: its last message with `prefix` in front and the option lines
// under it, as send_prompt(s, n, prefix, true) sends it.
std::string turn::question_text(const dialog::script& s,
                                const dialog::node& n,
                                const std::string& prefix) const {
    std::string text = prompt_texts(s, n, prefix, true).back();
    for (const auto& o : shown_options(s, *n.ask))
        text += (text.empty() ? "" : "\n") + o.key + ". " + o.label;
    return text;
}

bool turn::fits(const std::string& text, int parts) const {
    return sms::measure(text).segments <= static_cast<std::size_t>(parts);
}

// Asks the pending question again after something that was not its answer, costing the
// resident as few SMS as the script's segment budget allows: `lead` (a hint, a note) with the
// question when both fit the budget; else, when `with_hint`, the lead with the hint, which
// says how to answer without repeating a long page; else the lead alone. Without a lead (after
// a topic's answer, or back from an interruption) the question alone when it fits
// `question_parts` SMS, else its hint.
void turn::ask_again(const dialog::script& s,
                     const dialog::node& n,
                     const std::string& lead,
                     bool with_hint,
                     int question_parts) {
    const auto& a = *n.ask;
    const std::string hint = a.hint.empty() ? std::string() : render(a.hint, s);
    const int budget = top_script().segment_budget;
    const auto question = [&](const std::string& prefix) { return question_text(s, n, prefix); };
    if (lead.empty()) {
        if (hint.empty() || fits(question({}), question_parts))
            send_prompt(s, n, {}, true);
        else
            send(hint);
        return;
    }
    if (fits(question(lead), budget)) {
        send_prompt(s, n, lead, true);
    } else if (with_hint && !hint.empty() && hint != lead && fits(lead + "\n" + hint, budget)) {
        send(lead + "\n" + hint);
    } else {
        send(lead);
    }
}

read_result turn::read(const dialog::script& s,
                       const dialog::node& n,
                       const dialog::ask& a,
                       const std::string& text) const {
    using type = dialog::answer_type;
    const auto& words = s.normalized_vocabulary;
    reading r;
    auto today = civil_from_unix(now_);
    const auto fail = [](std::string why) { return read_result{std::nullopt, std::move(why)}; };

    if (a.optional && is_skip_word(text)) {
        r.how = match_kind::skipped;
        return {r, {}};
    }
    switch (a.type) {
        case type::menu: {
            choice_context context;
            context.script_words = &words;
            context.yes_no_options = true;
            auto m = match_normalized_choice(text, a.normalized.keys, a.normalized.words, context);
            // "lanjutkan", "teruskan" at a page that offers "lanjut": continue words are one.
            if (!m &&
                matches_any(keyword_core(normalize_answer(text), words, false), continue_words))
                m = option_with_any(a.normalized.words, continue_words);
            if (!m) return fail("not one of the options");
            r.value = a.options[m->index].value;
            r.target = a.options[m->index].go_to;
            r.how = m->kind;
            break;
        }
        case type::yes_no: {
            // "1" after a menu that taught numbers: the prompt says which digit is which.
            const std::string prompt = n.say.empty() ? std::string() : render(n.say.back(), s);
            std::optional<std::pair<bool, match_kind>> m;
            if (auto digit = match_yes_no_digit(text, prompt, words))
                m = std::pair{*digit, match_kind::exact};
            else
                m = match_yes_no(text, words);
            if (!m) return fail("not yes or no");
            r.value = m->first ? "ya" : "tidak";
            r.target = m->first ? a.yes_go_to : a.no_go_to;
            r.how = m->second;
            break;
        }
        case type::number: {
            auto m = match_whole_number(text);
            if (!m) return fail("not a whole number");
            if (a.has_range && (m->first < a.min || m->first > a.max))
                return fail("outside " + std::to_string(a.min) + ".." + std::to_string(a.max));
            r.value = std::to_string(m->first);
            r.how = m->second;
            break;
        }
        case type::text: {
            const auto first = text.find_first_not_of(" \t\r\n");
            const auto last = text.find_last_not_of(" \t\r\n");
            const std::string trimmed =
                first == std::string::npos ? "" : text.substr(first, last - first + 1);
            std::string value = trimmed;  // a message to staff: their words as they wrote them
            if (!a.any_text) {
                if (is_question(text)) return fail("a question, not an answer");
                if (auto why = not_a_text_answer(text, words)) return fail(*why);
                // "lanjut" at a name: a navigation word, not the answer.
                if (matches_any(keyword_core(normalize_answer(text), words, false), continue_words))
                    return fail("a continue word");
                std::vector<std::string> prefixes;
                for (const auto& p : a.prefixes)
                    prefixes.push_back(normalize_answer(p));
                value = clean_text_answer(text, prefixes);
                if (value != trimmed) r.how = match_kind::extracted;
            }
            std::size_t length = 0;
            for (unsigned char c : value)
                if ((c & 0xC0) != 0x80) ++length;
            if (length < a.min_length) return fail("too short");
            if (length > a.max_length) return fail("too long");
            r.value = value;
            break;
        }
        case type::date: {
            auto d = find_date(text, today);
            if (!d) return fail("not a date");
            if (std::tie(d->date.year, d->date.month, d->date.day) >
                std::tie(today.year, today.month, today.day))
                return fail("date in the future");
            // Saved the way Indonesian residents and staff write dates; parse_date reads
            // it back for ages and NIK checks.
            char shown[16];
            std::snprintf(
                shown, sizeof shown, "%02d-%02d-%04d", d->date.day, d->date.month, d->date.year);
            r.value = shown;
            if (d->extracted) r.how = match_kind::extracted;
            if (!a.age_variable.empty()) r.age = std::to_string(age_on(d->date, today));
            break;
        }
        case type::phone: {
            auto p = messaging::normalize_phone(text);
            if (!p) return fail("not a phone number");
            r.value = *p;
            break;
        }
        case type::nik: {
            const std::string digits = nik_digits(text);
            std::optional<civil_date> birth;
            if (!a.birth_date_variable.empty()) {
                if (auto b = lookup(a.birth_date_variable, s, false); b && !b->empty())
                    birth = parse_date(*b, today);
            }
            switch (check_nik(digits, birth)) {
                case nik_problem::none:
                    break;
                case nik_problem::not_16_digits:
                    return fail("NIK is not 16 digits");
                case nik_problem::bad_region:
                    return fail("NIK region code invalid");
                case nik_problem::bad_serial:
                    return fail("NIK serial number invalid");
                case nik_problem::bad_birth_date:
                    return fail("NIK birth date invalid");
                case nik_problem::birth_date_mismatch:
                    return fail("NIK does not match the date of birth");
            }
            r.value = digits;
            break;
        }
        case type::list: {
            auto it = s.lists.find(a.list);
            if (it == s.lists.end()) return fail("unknown list");
            // Numbers pick an item only when the list was shown as a menu or numbered.
            static const std::vector<std::string> no_keys;
            const auto& list = it->second;
            choice_context context;
            context.script_words = &words;
            context.ignore = &list.normalized_ignore;
            context.place = true;
            auto m = match_normalized_choice(
                text,
                a.show_options || a.numbered ? list.normalized.keys : no_keys,
                list.normalized.words,
                context);
            if (!m) return fail("not in the list");
            r.value = list.items[m->index].value;
            r.how = m->kind;
            break;
        }
    }
    return {r, {}};
}

void turn::accept(const dialog::script& s,
                  const dialog::node& n,
                  const dialog::ask& a,
                  const reading& r) {
    emit(event_kind::answer_accepted, r.value, r.how);
    auto& sess = session();
    sess.retries = 0;
    sess.status = session_status::waiting;
    // An answer to the interruption's own question: what was interrupted waits for a return
    // action, but stray answers no longer go to it.
    sess.paused_open = false;
    if (!a.save_as.empty()) sess.variables[a.save_as] = r.value;
    if (!a.save_to_field.empty()) contact().fields[a.save_to_field] = r.value;
    if (!a.age_variable.empty() && !r.age.empty()) sess.variables[a.age_variable] = r.age;
    if (!r.target.empty()) {
        enter(s, r.target);
        return;
    }
    if (!n.subflow.empty()) {
        if (const auto* sub = scripts_.find(n.subflow)) {
            sess.stack.push_back({sub->id, sub->start});
            enter(*sub, sub->start);
            return;
        }
    }
    continue_after(s, n);
}

// The resident asked something instead of answering: the answer when a topic of the script
// knows it, then the pending question again. A question no topic answers is acknowledged;
// the second one goes to the script's question_fallback (a person), which may return here.
void turn::answer_question(const dialog::script& s, const dialog::node& n) {
    std::vector<std::vector<std::string>> topic_words;
    for (const auto& t : s.topics)
        topic_words.push_back(t.normalized);
    if (const auto i = find_topic(inbound_, topic_words)) {
        const auto& t = s.topics[*i];
        emit(event_kind::topic_answered, t.id);
        // The topic's node and the nodes it leads to by itself, up to a question or an action.
        const dialog::node* answer = s.find_node(t.answer);
        for (int step = 0; answer && !answer->ask && answer->actions.empty() &&
                           answer->subflow.empty() && step < limits_.max_steps_per_turn;
             ++step) {
            for (const auto& text : answer->say)
                send(render(text, s));
            const std::string next = next_of(s, *answer);
            answer = next.empty() ? nullptr : s.find_node(next);
        }
        ask_again(s, n, {}, true);
        return;
    }
    emit(event_kind::question_unanswered, inbound_);
    auto& sess = session();
    if (++sess.unanswered >= 2 && s.find_node(s.question_fallback)) {
        sess.unanswered = 0;
        pause_here();
        enter(s, s.question_fallback);
        return;
    }
    ask_again(s, n, system_text("unanswered"), true);
}

void turn::reject(const dialog::script& s,
                  const dialog::node& n,
                  const dialog::ask& a,
                  const std::string& reason) {
    emit(event_kind::answer_rejected, reason);
    auto& sess = session();
    if (++sess.retries > a.max_retries) {
        sess.retries = 0;
        const std::string& target = a.on_fail.empty() ? s.start : a.on_fail;
        enter(s, target);
        return;
    }
    ask_again(s, n, a.hint.empty() ? system_text("invalid") : render(a.hint, s), false);
}

// Tries the message as the answer to the question at the top of `stack` (a paused question,
// or the question a correction_of names); moves there and accepts it when it fits.
bool turn::answer_elsewhere(std::vector<frame> stack) {
    if (stack.empty()) return false;
    const auto* other_script = scripts_.find(stack.back().script_id);
    const auto* other = other_script ? other_script->find_node(stack.back().node_id) : nullptr;
    if (!other || !other->ask) return false;
    const auto r = read(*other_script, *other, *other->ask, inbound_);
    if (!r.answer || (r.answer->how == match_kind::extracted && is_question(inbound_)))
        return false;
    session().stack = std::move(stack);
    session().paused.clear();
    session().paused_open = false;
    accept(*other_script, *other, *other->ask, *r.answer);
    return true;
}

// A message at the question the session waits for. The order matters: an answer that needs
// no guessing, then keywords, then LANJUT back to an interrupted question, then a reading that
// needed some (a typo, a sentence), then a question, then an answer to the interrupted
// question or to the question this one corrects; else the question is asked again.
void turn::answer(const dialog::script& s, const dialog::node& n, const dialog::ask& a) {
    const bool question = is_question(inbound_);
    const read_result r = read(s, n, a, inbound_);
    if (is_sure(r, a.type, question)) return accept(s, n, a, *r.answer);
    if (handle_keyword(!a.any_text)) return;
    if (session().paused_open && matches_any(core_, continue_words) && return_to_paused()) return;
    if (r.answer && !(question && r.answer->how == match_kind::extracted))
        return accept(s, n, a, *r.answer);
    if (question && !(a.type == dialog::answer_type::text && a.any_text))
        return answer_question(s, n);
    if (session().paused_open && answer_elsewhere(session().paused)) return;
    if (!a.correction_of.empty() && answer_elsewhere({{s.id, a.correction_of}})) return;
    reject(s, n, a, r.reason);
}

// Remembers the question the session waits at, to come back to after a keyword or help.
// At an interruption's first question the first interruption's question is kept. The main
// menu is never kept: after a keyword there is nothing to come back to, and asking it again
// would cost an SMS.
void turn::pause_here() {
    auto& sess = session();
    const auto* n = current_node();
    if (sess.status != session_status::waiting || !n || !n->ask) return;
    if (sess.stack.size() == 1 && sess.stack.back().script_id == channel_script_.id &&
        sess.stack.back().node_id == channel_script_.start)
        return;
    if (!sess.paused.empty() && sess.paused_open) return;
    sess.paused = sess.stack;
    sess.paused_open = true;
}

// Back to the paused question, asked again; false when there is none (or it is gone).
bool turn::return_to_paused() {
    auto& sess = session();
    if (sess.paused.empty()) return false;
    const auto stack = sess.paused;
    sess.paused.clear();
    sess.paused_open = false;
    const auto* s = scripts_.find(stack.back().script_id);
    const auto* n = s ? s->find_node(stack.back().node_id) : nullptr;
    if (!n || !n->ask) return false;
    sess.stack = stack;
    sess.status = session_status::waiting;
    sess.retries = 0;
    emit(event_kind::returned_to_question);
    // The resident has been away from it: the whole question when it fits the budget.
    ask_again(*s, *n, {}, true, s->segment_budget);
    return true;
}

// Global keywords: the whole message (one typo allowed in long words), or its first words
// (exactly) when `first_words`. Returns true when the message was consumed.
bool turn::handle_keyword(bool first_words) {
    const auto hit = [&](const std::vector<std::string>& words) {
        return matches_any(normalized_, words) || matches_any(plain_, words) ||
               matches_any(core_, words) || (first_words && begins_with_any(core_, words));
    };
    if (hit(menu_words)) {
        emit(event_kind::keyword_matched, "MENU", match_kind::keyword);
        session().script_id = channel_script_.id;
        session().script_version = channel_script_.version;
        restart_at(channel_script_.start);
        return true;
    }
    if (hit(help_words) || matches_any(plain_, help_whole_words)) {
        emit(event_kind::keyword_matched, "HELP", match_kind::keyword);
        if (!channel_script_.help_node.empty()) {
            pause_here();
            restart_at(channel_script_.help_node);
        } else {
            send(system_text("help"));
        }
        return true;
    }
    // A plain no is never a script keyword, whatever the script lists: "tidak" at a summary
    // means "not correct", never BATAL.
    if (const auto yn = match_yes_no(inbound_, channel_script_.normalized_vocabulary);
        yn && !yn->first && yn->second != match_kind::extracted)
        return false;
    for (const auto& k : channel_script_.keywords) {
        auto normalized = k.normalized.begin();  // in the order of k.words
        for (const auto& [lang, words] : k.words) {
            if (!hit(*normalized++)) continue;
            emit(event_kind::keyword_matched, words.front(), match_kind::keyword);
            pause_here();
            session().script_id = channel_script_.id;
            session().script_version = channel_script_.version;
            restart_at(k.go_to);
            return true;
        }
    }
    return false;
}

bool turn::is_stop() const {
    if (matches_any(normalized_, stop_words) || matches_any(plain_, stop_words)) return true;
    // A message to staff may well begin with "Stop": only the whole message stops it.
    return !waiting_for_any_text() && begins_with_any(core_, stop_first_words);
}

// The resident writes again after a break at an unfinished question (`n`): "LANJUT" or a yes
// continue, an answer that fits is taken as it is (not for free text: a greeting hours later
// cannot be told from a name), a keyword works as always. Returns false when the message is
// none of these.
bool turn::continue_after_break(const dialog::script& s, const dialog::node& n) {
    auto& sess = session();
    const auto& a = *n.ask;
    const auto yes = match_yes_no(inbound_, s.normalized_vocabulary);
    const bool carry_on =
        matches_any(core_, continue_words) ||
        (yes && yes->first && a.type != dialog::answer_type::yes_no && !is_question(inbound_));
    if (carry_on) {
        emit(event_kind::session_resumed, "LANJUT", match_kind::keyword);
        sess.status = session_status::waiting;
        sess.retries = 0;
        send_prompt(s, n, {});
        return true;
    }
    if (a.type != dialog::answer_type::text && !is_question(inbound_)) {
        const auto r = read(s, n, a, inbound_);
        if (r.answer) {
            emit(event_kind::session_resumed, "answer", r.answer->how);
            sess.status = session_status::waiting;
            sess.retries = 0;
            accept(s, n, a, *r.answer);
            return true;
        }
    }
    return handle_keyword(true);
}

// The resident sent only media (a photo, a voice note, a sticker, a location...): they are
// told Sapa reads text, with the hint of the question they are at, which stays pending as it
// was. After a break the session is handled as for a text that is no answer: the offer to
// continue (LANJUT) goes with the note, or, past progress_kept_hours, the answers are dropped.
// With no session nothing starts: the next text does. It is the resident's latest message
// (last_active: WhatsApp's 24-hour window counts from it).
void turn::media_only() {
    auto& sess = session();
    const dialog::node* node = current_node();
    const bool valid = sess.status != session_status::idle && node && node->ask &&
                       sess.script_id == channel_script_.id;
    const unix_seconds idle_for = now_ - sess.last_active;
    sess.last_active = now_;
    if (contact().opted_out) return;  // they asked for no messages; text opts them in again
    const std::string lead = system_text("media");
    if (valid && idle_for > progress_kept_seconds()) {
        emit(event_kind::session_expired, "progress dropped");
        sess = {};
        sess.last_active = now_;
        send(lead);
    } else if (valid && (sess.status == session_status::resume_offer ||
                         idle_for > session_timeout_seconds())) {
        if (sess.status == session_status::waiting) emit(event_kind::session_expired);
        sess.status = session_status::resume_offer;
        const std::string offer = lead + "\n" + system_text("resume_offer");
        send(fits(offer, top_script().segment_budget) ? offer : lead);
    } else if (valid) {
        remind(top_script(), *node, lead);
    } else {
        send(lead);
    }
}

unix_seconds turn::session_timeout_seconds() const {
    return static_cast<unix_seconds>(channel_script_.session_timeout_minutes) * 60;
}

// How long unfinished answers are kept: progress_kept_hours, at least the session timeout.
unix_seconds turn::progress_kept_seconds() const {
    return std::max(static_cast<unix_seconds>(channel_script_.progress_kept_hours) * 3600,
                    session_timeout_seconds());
}

// `lead` with what the pending question expects, within the segment budget: the question's
// short hint; when that does not fit (or there is none), the question itself (its last
// message, with any option lines); else the lead alone.
void turn::remind(const dialog::script& s, const dialog::node& n, const std::string& lead) {
    const int budget = top_script().segment_budget;
    const std::string hint = n.ask->hint.empty() ? std::string() : render(n.ask->hint, s);
    if (!hint.empty() && fits(lead + "\n" + hint, budget)) {
        send(lead + "\n" + hint);
        return;
    }
    if (fits(question_text(s, n, lead), budget))
        send_prompt(s, n, lead, true);
    else
        send(lead);
}

turn_result turn::run() {
    auto& sess = session();
    const bool was_waiting = sess.status != session_status::idle;
    const unix_seconds idle_for = now_ - sess.last_active;

    if (!attachments_.empty()) emit(event_kind::media_received, messaging::describe(attachments_));
    if (!attachments_.empty() && normalized_.empty()) {
        media_only();
        return std::move(result_);
    }

    // STOP always works, whatever state the conversation is in.
    if (is_stop()) {
        contact().opted_out = true;
        sess.stack.clear();
        sess.paused.clear();
        sess.paused_open = false;
        sess.status = session_status::idle;
        emit(event_kind::opted_out, "STOP", match_kind::keyword);
        send(system_text("stopped"));
        sess.last_active = now_;
        return std::move(result_);
    }
    if (contact().opted_out) {
        contact().opted_out = false;
        emit(event_kind::opted_in);
        start_session();
        session().last_active = now_;
        return std::move(result_);
    }

    // A session under a script that has since changed shape starts again.
    const dialog::node* node = current_node();
    bool session_valid = was_waiting && node && sess.script_id == channel_script_.id && node->ask;
    if (session_valid && idle_for > progress_kept_seconds()) {
        // Unfinished answers are not kept longer than the script says (personal data).
        emit(event_kind::session_expired, "progress dropped");
        sess = {};
        session_valid = false;
    }
    const bool expired = session_valid && sess.status == session_status::waiting &&
                         idle_for > session_timeout_seconds();

    if (session_valid && (expired || sess.status == session_status::resume_offer)) {
        const auto& top = top_script();
        if (continue_after_break(top, *node)) {
            // done
        } else if (expired) {
            emit(event_kind::session_expired);
            sess.status = session_status::resume_offer;
            send(system_text("resume_offer"));
        } else {
            start_session();
        }
    } else if (session_valid && sess.status == session_status::waiting) {
        const auto& top = top_script();
        answer(top, *node, *node->ask);
    } else if (!handle_keyword(true)) {
        start_session();
    }
    session().last_active = now_;
    return std::move(result_);
}

turn_result turn::start_at(const std::string& node_id,
                           const std::map<std::string, std::string>& variables) {
    auto& s = session();
    s = {};
    s.script_id = channel_script_.id;
    s.script_version = channel_script_.version;
    for (const auto& [name, value] : variables)
        s.variables[name] = value;
    emit(event_kind::session_started, "started by Sapa at " + node_id);
    restart_at(node_id);
    session().last_active = now_;
    return std::move(result_);
}

std::string turn::named_text(const std::string& name,
                             const std::map<std::string, std::string>& variables) {
    for (const auto& [key, value] : variables)
        session().variables[key] = value;
    return system_text(name);
}

}  // namespace

turn_result start_at(const dialog::catalog& scripts,
                     const std::string& script_id,
                     const contact_state& state,
                     const std::string& node_id,
                     const std::map<std::string, std::string>& variables,
                     unix_seconds now,
                     registrar& registrations,
                     const engine_limits& limits) {
    const dialog::script* channel_script = scripts.find(script_id);
    static const std::string no_input;
    static const std::vector<messaging::attachment> no_media;
    turn t(scripts, *channel_script, state, no_input, no_media, now, registrations, limits);
    return t.start_at(node_id, variables);
}

std::string named_text(const dialog::catalog& scripts,
                       const std::string& script_id,
                       const contact_state& state,
                       const std::string& name,
                       const std::map<std::string, std::string>& variables) {
    const dialog::script* channel_script = scripts.find(script_id);
    static const std::string no_input;
    static const std::vector<messaging::attachment> no_media;
    memory_ledger unused;
    registrar none(unused);
    turn t(scripts, *channel_script, state, no_input, no_media, 0, none, {});
    return t.named_text(name, variables);
}

turn_result handle_message(const dialog::catalog& scripts,
                           const std::string& script_id,
                           const contact_state& state,
                           const std::string& inbound_text,
                           unix_seconds now,
                           registrar& registrations,
                           const engine_limits& limits) {
    static const std::vector<messaging::attachment> none;
    const dialog::script* channel_script = scripts.find(script_id);
    turn t(scripts, *channel_script, state, inbound_text, none, now, registrations, limits);
    return t.run();
}

turn_result handle_message(const dialog::catalog& scripts,
                           const std::string& script_id,
                           const contact_state& state,
                           const messaging::inbound_message& m,
                           registrar& registrations,
                           const engine_limits& limits) {
    const dialog::script* channel_script = scripts.find(script_id);
    turn t(scripts,
           *channel_script,
           state,
           m.text,
           m.attachments,
           m.received_at,
           registrations,
           limits);
    return t.run();
}

}  // namespace sapa::engine
