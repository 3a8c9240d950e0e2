#include "engine/engine.hpp"

#include "dialog/text_template.hpp"
#include "engine/answers.hpp"
#include "messaging/address.hpp"

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

// Built-in keywords. Scripts cannot remove them: STOP must always work.
const std::vector<std::string> stop_words =
    normalized({"stop", "berhenti", "unsubscribe", "stop all"});
const std::vector<std::string> menu_words = normalized({"menu"});
const std::vector<std::string> help_words = normalized({"bantuan", "help"});
const std::vector<std::string> continue_words = normalized({"lanjut", "lanjutkan", "continue"});

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
    {"step_limit",
     {{"id", "Maaf, terjadi kesalahan. Ketik MENU untuk mulai lagi."},
      {"en", "Sorry, something went wrong. Type MENU to start again."}}},
};

// `words` normalised.
bool matches_any(const std::string& normalized, const std::vector<std::string>& words) {
    return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
        return within_one_typo(normalized, w);
    });
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

// One inbound message being processed: the state it changes and what it produces.
class turn {
  public:
    turn(const dialog::catalog& scripts,
         const dialog::script& channel_script,
         const contact_state& state,
         const std::string& inbound,
         unix_seconds now,
         registrar& registrations,
         const engine_limits& limits)
        : scripts_(scripts),
          channel_script_(channel_script),
          inbound_(inbound),
          normalized_(normalize_answer(inbound)),
          now_(now),
          registrations_(registrations),
          limits_(limits) {
        result_.state = state;
    }

    turn_result run();

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
        if (auto it = builtin.find(language_of(s)); it != builtin.end()) return it->second;
        return builtin.at("id");
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
        if (name == "input") return inbound_;
        if (name.starts_with("contact.")) {
            auto it = result_.state.fields.find(name.substr(8));
            if (it != result_.state.fields.end()) return it->second;
            return std::nullopt;
        }
        if (name.starts_with("settings.")) return setting_value(name.substr(9), s, for_display);
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
    bool run_actions(const dialog::script& s, const dialog::node& n);
    void send_prompt(const dialog::script& s,
                     const dialog::node& n,
                     const std::string& prefix,
                     bool question_only = false);
    void answer(const dialog::script& s, const dialog::node& n, const dialog::ask& a);
    void reject(const dialog::script& s,
                const dialog::node& n,
                const dialog::ask& a,
                const std::string& reason);
    bool handle_keyword();
    const dialog::node* current_node() const;

    const dialog::catalog& scripts_;
    const dialog::script& channel_script_;
    const std::string& inbound_;
    std::string normalized_;
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
    bool ended = run_actions(s, *n);
    if (aborted_ || stack.empty() || stack.back().node_id != node_id) return;
    if (n->ask) {
        send_prompt(s, *n, {});
        session().status = session_status::waiting;
        session().retries = 0;
        return;
    }
    for (const auto& t : n->say)
        send(render(t, s));
    if (ended) {
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
    for (const auto& b : n.branches) {
        bool all = std::all_of(b.all_of.begin(), b.all_of.end(), [&](const dialog::comparison& c) {
            return holds(c, s);
        });
        if (all) {
            enter(s, b.go_to);
            return;
        }
    }
    if (!n.next.empty()) {
        enter(s, n.next);
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

bool turn::run_actions(const dialog::script& s, const dialog::node& n) {
    using kind = dialog::action_kind;
    auto& vars = session().variables;
    bool ended = false;
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
                vars["registration.status"] = to_string(record.status);
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
                vars["registration.status"] = to_string(record.status);
                vars["registration.course"] = a.course;
                break;
            }
            case kind::cancel_registration: {
                auto record = registrations_.cancel(contact().address, a.course, now_);
                vars["registration.code"] = record.code;
                vars["registration.status"] = to_string(record.status);
                vars["registration.course"] = a.course;
                if (record.status == registration_status::cancelled)
                    emit(event_kind::registration_cancelled, record.code);
                break;
            }
            case kind::opt_out:
                contact().opted_out = true;
                emit(event_kind::opted_out, "menu");
                ended = true;
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
                ended = true;
                break;
        }
    }
    return ended;
}

// Sends the node's messages; the last one carries the question and, for menus and lists shown
// as options, the numbered lines. `prefix` (a hint) goes in front of the first message. After
// an invalid answer (`question_only`) only the last text, the question itself, is sent again:
// re-sending a node's introduction would cost residents SMS for nothing.
void turn::send_prompt(const dialog::script& s,
                       const dialog::node& n,
                       const std::string& prefix,
                       bool question_only) {
    std::vector<std::string> texts;
    for (const auto& t : n.say)
        texts.push_back(render(t, s));
    if (question_only && texts.size() > 1) texts.erase(texts.begin(), texts.end() - 1);
    if (texts.empty()) texts.emplace_back();
    if (!prefix.empty())
        texts.front() = texts.front().empty() ? prefix : prefix + "\n" + texts.front();
    std::vector<outbound_message::option> options;
    const auto& a = *n.ask;
    if (a.show_options) {
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
    }
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
    std::string hint = a.hint.empty() ? system_text("invalid") : render(a.hint, s);
    send_prompt(s, n, hint, /*question_only=*/true);
}

void turn::answer(const dialog::script& s, const dialog::node& n, const dialog::ask& a) {
    using type = dialog::answer_type;
    std::string value;
    match_kind how = match_kind::exact;
    std::string target;  // a per-answer destination (menu option, yes/no)
    auto today = civil_from_unix(now_);

    if (a.optional && is_skip_word(inbound_)) {
        how = match_kind::skipped;
    } else {
        switch (a.type) {
            case type::menu: {
                auto m = match_normalized_choice(inbound_, a.normalized.keys, a.normalized.words);
                if (!m) return reject(s, n, a, "not one of the options");
                value = a.options[m->index].value;
                target = a.options[m->index].go_to;
                how = m->kind;
                break;
            }
            case type::yes_no: {
                auto m = match_yes_no(inbound_);
                if (!m) return reject(s, n, a, "not yes or no");
                value = m->first ? "ya" : "tidak";
                target = m->first ? a.yes_go_to : a.no_go_to;
                how = m->second;
                break;
            }
            case type::number: {
                auto m = match_whole_number(inbound_);
                if (!m) return reject(s, n, a, "not a whole number");
                if (a.has_range && (m->first < a.min || m->first > a.max))
                    return reject(
                        s, n, a, "outside " + std::to_string(a.min) + ".." + std::to_string(a.max));
                value = std::to_string(m->first);
                how = m->second;
                break;
            }
            case type::text: {
                std::string trimmed = inbound_;
                auto first = trimmed.find_first_not_of(" \t\r\n");
                auto last = trimmed.find_last_not_of(" \t\r\n");
                trimmed = first == std::string::npos ? "" : trimmed.substr(first, last - first + 1);
                std::size_t length = 0;
                for (unsigned char c : trimmed)
                    if ((c & 0xC0) != 0x80) ++length;
                if (length < a.min_length) return reject(s, n, a, "too short");
                if (length > a.max_length) return reject(s, n, a, "too long");
                value = trimmed;
                break;
            }
            case type::date: {
                auto d = parse_date(inbound_, today);
                if (!d) return reject(s, n, a, "not a date");
                if (std::tie(d->year, d->month, d->day) >
                    std::tie(today.year, today.month, today.day))
                    return reject(s, n, a, "date in the future");
                // Saved the way Indonesian residents and staff write dates; parse_date reads
                // it back for ages and NIK checks.
                char shown[16];
                std::snprintf(shown, sizeof shown, "%02d-%02d-%04d", d->day, d->month, d->year);
                value = shown;
                if (!a.age_variable.empty())
                    session().variables[a.age_variable] = std::to_string(age_on(*d, today));
                break;
            }
            case type::phone: {
                auto p = messaging::normalize_phone(inbound_);
                if (!p) return reject(s, n, a, "not a phone number");
                value = *p;
                break;
            }
            case type::nik: {
                std::string digits;
                for (char c : inbound_)
                    if (c != ' ' && c != '.' && c != '-') digits.push_back(c);
                std::optional<civil_date> birth;
                if (!a.birth_date_variable.empty()) {
                    if (auto b = lookup(a.birth_date_variable, s, false); b && !b->empty())
                        birth = parse_date(*b, today);
                }
                switch (check_nik(digits, birth)) {
                    case nik_problem::none:
                        break;
                    case nik_problem::not_16_digits:
                        return reject(s, n, a, "NIK is not 16 digits");
                    case nik_problem::bad_region:
                        return reject(s, n, a, "NIK region code invalid");
                    case nik_problem::bad_serial:
                        return reject(s, n, a, "NIK serial number invalid");
                    case nik_problem::bad_birth_date:
                        return reject(s, n, a, "NIK birth date invalid");
                    case nik_problem::birth_date_mismatch:
                        return reject(s, n, a, "NIK does not match the date of birth");
                }
                value = digits;
                break;
            }
            case type::list: {
                auto it = s.lists.find(a.list);
                if (it == s.lists.end()) return reject(s, n, a, "unknown list");
                // Numbers pick an item only when the list was shown as a menu.
                static const std::vector<std::string> no_keys;
                const auto& words = it->second.normalized;
                auto m = match_normalized_choice(
                    inbound_, a.show_options ? words.keys : no_keys, words.words);
                if (!m) return reject(s, n, a, "not in the list");
                value = it->second.items[m->index].value;
                how = m->kind;
                break;
            }
        }
    }

    emit(event_kind::answer_accepted, value, how);
    session().retries = 0;
    if (!a.save_as.empty()) session().variables[a.save_as] = value;
    if (!a.save_to_field.empty()) contact().fields[a.save_to_field] = value;
    if (!target.empty()) {
        enter(s, target);
        return;
    }
    if (!n.subflow.empty()) {
        if (const auto* sub = scripts_.find(n.subflow)) {
            session().stack.push_back({sub->id, sub->start});
            enter(*sub, sub->start);
            return;
        }
    }
    continue_after(s, n);
}

// Global keywords, matched against the whole message before a node sees it. Returns true
// when the message was consumed.
bool turn::handle_keyword() {
    if (matches_any(normalized_, menu_words)) {
        emit(event_kind::keyword_matched, "MENU", match_kind::keyword);
        session().script_id = channel_script_.id;
        session().script_version = channel_script_.version;
        restart_at(channel_script_.start);
        return true;
    }
    if (matches_any(normalized_, help_words)) {
        emit(event_kind::keyword_matched, "HELP", match_kind::keyword);
        if (!channel_script_.help_node.empty()) {
            restart_at(channel_script_.help_node);
        } else {
            send(system_text("help"));
        }
        return true;
    }
    for (const auto& k : channel_script_.keywords) {
        auto normalized = k.normalized.begin();  // in the order of k.words
        for (const auto& [lang, words] : k.words) {
            if (!matches_any(normalized_, *normalized++)) continue;
            emit(event_kind::keyword_matched, words.front(), match_kind::keyword);
            session().script_id = channel_script_.id;
            session().script_version = channel_script_.version;
            restart_at(k.go_to);
            return true;
        }
    }
    return false;
}

turn_result turn::run() {
    auto& sess = session();
    const bool was_waiting = sess.status != session_status::idle;
    const unix_seconds idle_for = now_ - sess.last_active;

    // STOP always works, whatever state the conversation is in.
    if (matches_any(normalized_, stop_words)) {
        contact().opted_out = true;
        sess.stack.clear();
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
    const bool session_valid =
        was_waiting && node && sess.script_id == channel_script_.id && node->ask;
    const bool expired =
        session_valid && sess.status == session_status::waiting &&
        idle_for > static_cast<unix_seconds>(channel_script_.session_timeout_minutes) * 60;

    if (session_valid && (expired || sess.status == session_status::resume_offer) &&
        matches_any(normalized_, continue_words)) {
        emit(event_kind::session_resumed, "LANJUT", match_kind::keyword);
        sess.status = session_status::waiting;
        sess.retries = 0;
        const auto& top = top_script();
        send_prompt(top, *node, {});
    } else if (handle_keyword()) {
        // done
    } else if (session_valid && expired) {
        emit(event_kind::session_expired);
        sess.status = session_status::resume_offer;
        send(system_text("resume_offer"));
    } else if (session_valid && sess.status == session_status::waiting) {
        const auto& top = top_script();
        answer(top, *node, *node->ask);
    } else {
        start_session();
    }
    session().last_active = now_;
    return std::move(result_);
}

}  // namespace

turn_result handle_message(const dialog::catalog& scripts,
                           const std::string& script_id,
                           const contact_state& state,
                           const std::string& inbound_text,
                           unix_seconds now,
                           registrar& registrations,
                           const engine_limits& limits) {
    const dialog::script* channel_script = scripts.find(script_id);
    turn t(scripts, *channel_script, state, inbound_text, now, registrations, limits);
    return t.run();
}

}  // namespace sapa::engine
