#include "app/conversations.hpp"

#include "app/write_opening.hpp"

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <future>
#include <stdexcept>
#include <tuple>

namespace sapa::app {
namespace {

class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sapa.app"; }
    std::string message(int code) const override {
        switch (static_cast<errc>(code)) {
            case errc::invalid_address:
                return "the sender's address is empty or unusable";
            case errc::unknown_node:
                return "the dialog node is not in the channel's script";
            case errc::opted_out:
                return "the contact opted out; Sapa does not write first to it";
        }
        return "unknown error";
    }
};

const channel* find_channel(const conversation_options& options, const std::string& name) {
    for (const auto& c : options.channels)
        if (c.name == name) return &c;
    return nullptr;
}

// Queues the script's text `name` about registration `r` for `address`, on the channel it
// last wrote on, in its language, inside the caller's unit of work; `scripted_only`: only when
// the script itself has that text. Returns the channel and the message id, or an empty channel
// when the contact is not told (opted out, no channel reaches it, no such text).
std::pair<std::string, std::int64_t> tell_contact(storage::transaction& tx,
                                                  const dialog::catalog& scripts,
                                                  const conversation_options& options,
                                                  const std::string& address,
                                                  const std::string& name,
                                                  bool scripted_only,
                                                  const engine::registration_record& r,
                                                  unix_seconds now) {
    auto contact = tx.find_contact(address);
    const channel* on = contact ? find_channel(options, tx.last_channel(contact->id)) : nullptr;
    const auto* script = on ? scripts.find(on->script) : nullptr;
    if (!script || contact->state->opted_out) return {};
    if (scripted_only && !script->messages.contains(name)) return {};
    auto text = engine::named_text(scripts,
                                   on->script,
                                   *contact->state,
                                   name,
                                   {{"registration.code", r.code},
                                    {"registration.course", r.course},
                                    {"registration.position", std::to_string(r.position)}});
    return {
        on->name,
        tx.log_outbound({on->name, contact->id, 0, {text, text, {}}, storage::route::api, now})};
}

// Tells each contact the registrar moved up from a waitlist (the "waitlist_promoted" text);
// inside the unit of work that freed the seat.
std::vector<promotion_notice> tell_promoted(storage::transaction& tx,
                                            const engine::registrar& registrar,
                                            const dialog::catalog& scripts,
                                            const conversation_options& options,
                                            unix_seconds now) {
    std::vector<promotion_notice> out;
    for (const auto& p : registrar.promotions()) {
        promotion_notice notice{p, {}, 0};
        std::tie(notice.channel, notice.message_id) = tell_contact(
            tx, scripts, options, p.contact, "waitlist_promoted", false, p.record, now);
        out.push_back(std::move(notice));
    }
    return out;
}

// Why Sapa must not answer this contact now (the reply limits), or nothing: "node" names the
// rule for the requests export, "why" says it for staff.
struct stop_reason {
    std::string node;
    std::string why;  // without the resident's words: it goes to the log too
};
std::optional<stop_reason> reply_stop(storage::transaction& tx,
                                      const storage::contact_record& contact,
                                      const messaging::inbound_message& m,
                                      const reply_limits& limits) {
    const auto& l = limits;
    if (l.daily_segment_cap > 0) {
        auto zone = contact.state->fields.find("timezone");
        quiet_hours zones{l.default_utc_offset_minutes, {}};
        const int offset =
            contact_utc_offset(zones, zone == contact.state->fields.end() ? "" : zone->second);
        const auto sent =
            tx.segments_sent_since(contact.id, local_day_start(m.received_at, offset));
        if (sent >= l.daily_segment_cap)
            return stop_reason{"sapa/daily_cap",
                               "Sapa stopped replying until tomorrow: " + std::to_string(sent) +
                                   " SMS parts sent to this contact today (daily_segment_cap " +
                                   std::to_string(l.daily_segment_cap) + ")."};
    }
    if (l.loop_times_in_a_row > 0) {
        auto recent = tx.recent_messages(contact.id, 8 * l.loop_times_in_a_row);
        if (answers_like_a_machine(
                recent, m.received_at, l.loop_within_seconds, l.loop_times_in_a_row))
            return stop_reason{"sapa/auto_responder",
                               "Sapa stopped replying: this number answered Sapa's last " +
                                   std::to_string(l.loop_times_in_a_row) + " messages within " +
                                   std::to_string(l.loop_within_seconds) +
                                   " seconds each, like an automatic reply."};
    }
    return std::nullopt;
}

// One inbound message inside the store's transaction. Safe to run again from the start (a
// store may rerun a batch after another unit failed): it only reads its captures.
void handle_inbound(storage::transaction& tx,
                    const messaging::inbound_message& m,
                    const std::string& address,
                    const dialog::catalog& scripts,
                    const channel& on,
                    const conversation_options& options,
                    inbound_outcome& out) {
    // A registration this message cancels frees its seat for the first of the waitlist.
    out = {};
    out.contact = address;
    auto contact = tx.find_contact(address);
    if (auto earlier = tx.find_repeat(m, contact ? contact->id : 0, options.duplicate_window)) {
        out.duplicate = true;
        out.replies = tx.replies_to(earlier);
        return;
    }
    if (!contact) contact = tx.add_contact(address, m.received_at);
    auto run_turn = [&](engine::registrar& r) {
        auto t = options.turn ? options.turn(*contact->state, m, r)
                              : engine::handle_message(
                                    scripts, on.script, *contact->state, m, r, options.limits);
        t.state.address = address;  // the engine does not move a contact
        return t;
    };

    // Over the reply limits: logged for staff as a request, with the resident's words, and
    // not answered. No turn runs, except that STOP and HAPUS still take effect (a dry run
    // on a scratch ledger tells), unanswered too.
    auto stop = reply_stop(tx, *contact, m, options.replies);
    std::optional<engine::event> stopped;
    if (stop) {
        stopped = engine::event{engine::event_kind::handoff_requested,
                                stop->node,
                                stop->why + " The resident wrote: " + m.text,
                                {},
                                {}};
        out.stopped = stop->why;
        engine::memory_ledger scratch;
        engine::registrar dry(scratch);
        const auto probe = run_turn(dry);
        const bool honoured = std::any_of(probe.events.begin(), probe.events.end(), [](auto& e) {
            return e.kind == engine::event_kind::opted_out ||
                   e.kind == engine::event_kind::erase_requested;
        });
        if (!honoured) {
            tx.log_inbound(m, contact->id, {*stopped});
            tx.save_contact(*contact, contact->state, m.received_at);
            out.events = {std::move(*stopped)};
            out.state = contact->state;
            return;
        }
    }

    engine::registrar registrar(tx.registrations(), true);
    auto turn = run_turn(registrar);
    if (stopped) {
        turn.replies.clear();
        turn.events.push_back(std::move(*stopped));
    }

    const auto inbound_id = tx.log_inbound(m, contact->id, turn.events);
    out.replies.reserve(turn.replies.size());
    for (auto& reply : turn.replies) {
        const auto id =
            tx.log_outbound({on.name, contact->id, inbound_id, reply, on.replies, m.received_at});
        out.replies.push_back({id, std::move(reply)});
    }
    out.events = std::move(turn.events);
    out.state = std::make_shared<const engine::contact_state>(std::move(turn.state));
    tx.save_contact(*contact, out.state, m.received_at);
    out.promotions = tell_promoted(tx, registrar, scripts, options, m.received_at);
}

}  // namespace

std::vector<storage::stored_reply> write_opening(storage::transaction& tx,
                                                 const storage::contact_record& contact,
                                                 const dialog::catalog& scripts,
                                                 const channel& on,
                                                 const opening& what,
                                                 const conversation_options& options,
                                                 unix_seconds now) {
    std::vector<messaging::outbound_message> messages;
    for (const auto& t : what.texts)
        messages.push_back({t, t, {}});
    if (!what.node.empty()) {
        engine::registrar registrar(tx.registrations());
        auto turn = engine::start_at(scripts,
                                     on.script,
                                     *contact.state,
                                     what.node,
                                     what.variables,
                                     now,
                                     registrar,
                                     options.limits);
        turn.state.address = contact.state->address;
        for (auto& m : turn.replies)
            messages.push_back(std::move(m));
        tx.save_contact(
            contact, std::make_shared<const engine::contact_state>(std::move(turn.state)), now);
    }
    if (!messages.empty()) messages.front().fallback_template = what.fallback_template;
    std::vector<storage::stored_reply> out;
    for (auto& m : messages) {
        const auto id = tx.log_outbound({on.name, contact.id, 0, m, storage::route::api, now});
        out.push_back({id, std::move(m)});
    }
    return out;
}

const boost::system::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

conversations::conversations(storage::store& store,
                             script_source scripts,
                             conversation_options options)
    : store_(store), scripts_(std::move(scripts)), options_(options) {}

void conversations::receive(messaging::inbound_message m,
                            const channel& on,
                            inbound_callback done) {
    auto address = storage::normalize_address(m.from);
    if (address.empty()) return done(boost::system::error_code(errc::invalid_address));
    m.channel = on.name;
    auto outcome = std::make_shared<inbound_outcome>();
    // The scripts as they are now: a reload while the message waits does not change its turn.
    auto scripts = scripts_ ? scripts_() : nullptr;
    if (!scripts && !options_.turn) throw std::logic_error("app::conversations has no scripts");
    auto work = [this, scripts = std::move(scripts), m = std::move(m), address, on, outcome](
                    storage::transaction& tx) {
        static const dialog::catalog none{{}};
        handle_inbound(tx, m, address, scripts ? *scripts : none, on, options_, *outcome);
    };
    store_.submit(std::move(work),
                  [this, outcome, done = std::move(done), channel = on.name, route = on.replies](
                      boost::system::error_code ec) {
                      if (ec) return done(ec);
                      if (route == storage::route::api && !outcome->replies.empty() && on_queued)
                          on_queued(channel);
                      if (!outcome->stopped.empty() && on_stopped)
                          on_stopped(outcome->contact, outcome->stopped);
                      announce(outcome->promotions);
                      done(std::move(*outcome));
                  });
}

inbound_outcome conversations::receive_now(messaging::inbound_message m, const channel& on) {
    // Shared: the waiting thread may wake and return while set_value is still running.
    auto answered = std::make_shared<std::promise<inbound_result>>();
    auto answer = answered->get_future();
    receive(std::move(m), on, [answered](inbound_result r) { answered->set_value(std::move(r)); });
    auto r = answer.get();
    if (!r) throw boost::system::system_error(r.error());
    return std::move(*r);
}

void conversations::announce(const std::vector<promotion_notice>& promotions) {
    for (const auto& p : promotions) {
        if (!p.channel.empty() && on_queued) on_queued(p.channel);
        if (on_promoted) on_promoted(p);
    }
}

void conversations::start(const std::string& address,
                          const channel& on,
                          opening what,
                          unix_seconds now,
                          std::function<void(started_result)> done) {
    auto normalized = storage::normalize_address(address);
    if (normalized.empty()) return done(boost::system::error_code(errc::invalid_address));
    auto scripts = scripts_ ? scripts_() : nullptr;
    const auto* script = scripts ? scripts->find(on.script) : nullptr;
    if (!script) throw std::logic_error("app::conversations has no script " + on.script);
    if (!what.node.empty() && !script->find_node(what.node))
        return done(boost::system::error_code(errc::unknown_node));
    auto outcome = std::make_shared<started>();
    auto refused = std::make_shared<bool>(false);
    auto work = [this, scripts, normalized, on, what = std::move(what), now, outcome, refused](
                    storage::transaction& tx) {
        *outcome = {normalized, {}};
        *refused = false;
        auto contact = tx.find_contact(normalized);
        if (!contact) contact = tx.add_contact(normalized, now);
        if (contact->state->opted_out) {
            *refused = true;
            return;
        }
        outcome->messages = write_opening(tx, *contact, *scripts, on, what, options_, now);
    };
    store_.submit(std::move(work),
                  [this, outcome, refused, done = std::move(done), channel = on.name](
                      boost::system::error_code ec) {
                      if (ec) return done(ec);
                      if (*refused) return done(boost::system::error_code(errc::opted_out));
                      if (!outcome->messages.empty() && on_queued) on_queued(channel);
                      done(std::move(*outcome));
                  });
}

started conversations::start_now(const std::string& address,
                                 const channel& on,
                                 opening what,
                                 unix_seconds now) {
    auto answered = std::make_shared<std::promise<started_result>>();
    auto answer = answered->get_future();
    start(address, on, std::move(what), now, [answered](started_result r) {
        answered->set_value(std::move(r));
    });
    auto r = answer.get();
    if (!r) throw boost::system::system_error(r.error());
    return std::move(*r);
}

cancel_outcome conversations::cancel_registration(const std::string& course,
                                                  const std::string& code,
                                                  unix_seconds now) {
    cancel_outcome out;
    auto scripts = scripts_ ? scripts_() : nullptr;
    static const dialog::catalog none{{}};
    store_.run([&](storage::transaction& tx) {
        out = {};
        engine::registrar registrar(tx.registrations(), true);
        auto cancelled = registrar.cancel_code(course, code, now);
        if (!cancelled) return;
        out.found = true;
        out.cancelled = std::move(*cancelled);
        out.promotions = tell_promoted(tx, registrar, scripts ? *scripts : none, options_, now);
    });
    announce(out.promotions);
    return out;
}

const char* to_string(registration_change c) {
    switch (c) {
        case registration_change::confirm:
            return "confirm";
        case registration_change::attended:
            return "attended";
        case registration_change::promote:
            return "promote";
    }
    return "";
}

std::optional<registration_change> registration_change_from_string(std::string_view s) {
    for (auto c : {registration_change::confirm,
                   registration_change::attended,
                   registration_change::promote})
        if (s == to_string(c)) return c;
    return std::nullopt;
}

change_outcome conversations::change_registration(registration_change what,
                                                  const std::string& course,
                                                  const std::string& code,
                                                  unix_seconds now) {
    change_outcome out;
    auto scripts = scripts_ ? scripts_() : nullptr;
    static const dialog::catalog none{{}};
    const auto& catalog = scripts ? *scripts : none;
    store_.run([&](storage::transaction& tx) {
        out = {};
        engine::registrar registrar(tx.registrations(), true);
        switch (what) {
            case registration_change::confirm:
                out.change = registrar.confirm_code(course, code, now);
                break;
            case registration_change::attended:
                out.change = registrar.mark_attended_code(course, code, now);
                break;
            case registration_change::promote:
                out.change = registrar.promote_code(course, code, now);
                break;
        }
        out.promotions = tell_promoted(tx, registrar, catalog, options_, now);
        if (what == registration_change::confirm && out.change.changed)
            std::tie(out.told_on, out.message_id) = tell_contact(tx,
                                                                 catalog,
                                                                 options_,
                                                                 out.change.entry.contact,
                                                                 "registration_confirmed",
                                                                 true,
                                                                 out.change.entry.record,
                                                                 now);
    });
    announce(out.promotions);
    if (!out.told_on.empty() && on_queued) on_queued(out.told_on);
    return out;
}

void conversations::record_statuses(const std::string& channel,
                                    std::vector<messaging::status_update> statuses,
                                    unix_seconds now,
                                    std::function<void(boost::system::error_code)> done) {
    store_.submit(
        [channel, statuses = std::move(statuses), now](storage::transaction& tx) {
            for (const auto& s : statuses) {
                auto status = messaging::delivery_status_from_string(s.status);
                if (!status) continue;
                tx.update_delivery(
                    channel, s.provider_message_id, *status, s.raw_code, s.reason, now);
            }
        },
        std::move(done));
}

void conversations::set_language(const std::string& address,
                                 const std::string& language,
                                 unix_seconds now) {
    const auto normalized = storage::normalize_address(address);
    if (normalized.empty()) throw boost::system::system_error(errc::invalid_address);
    store_.run([&](storage::transaction& tx) {
        auto contact = tx.find_contact(normalized);
        if (!contact) contact = tx.add_contact(normalized, now);
        auto state = std::make_shared<engine::contact_state>(*contact->state);
        state->language = language;
        tx.save_contact(*contact, std::move(state), now);
    });
}

}  // namespace sapa::app
