#include "app/broadcasts.hpp"

#include "app/write_opening.hpp"

#include <boost/system/system_error.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <stdexcept>

namespace sapa::app {
namespace {

using storage::broadcast_status;
using storage::recipient_status;

// The texts `what` sends `state`, without writing anything (a scratch registration ledger).
std::vector<std::string> opening_texts(const dialog::catalog& scripts,
                                       const channel& on,
                                       const engine::contact_state& state,
                                       const opening& what,
                                       const conversation_options& options,
                                       unix_seconds now) {
    std::vector<std::string> out = what.texts;
    if (what.node.empty()) return out;
    engine::memory_ledger scratch;
    engine::registrar registrar(scratch);
    auto turn = engine::start_at(
        scripts, on.script, state, what.node, what.variables, now, registrar, options.limits);
    for (const auto& m : turn.replies)
        out.push_back(m.text);
    return out;
}

std::shared_ptr<const dialog::catalog> checked_scripts(const script_source& scripts,
                                                       const channel& on,
                                                       const opening& what) {
    auto catalog = scripts ? scripts() : nullptr;
    const auto* script = catalog ? catalog->find(on.script) : nullptr;
    if (!script) throw std::logic_error("app::broadcasts has no script " + on.script);
    if (!what.node.empty() && !script->find_node(what.node))
        throw boost::system::system_error(errc::unknown_node);
    return catalog;
}

opening opening_of(const storage::broadcast_record& b) {
    return {b.texts, b.node, b.variables, b.fallback_template};
}

}  // namespace

broadcasts::broadcasts(storage::store& store, script_source scripts, conversation_options options)
    : store_(store), scripts_(std::move(scripts)), options_(std::move(options)) {}

const channel* broadcasts::find_channel(const std::string& name) const {
    for (const auto& c : options_.channels)
        if (c.name == name) return &c;
    return nullptr;
}

std::int64_t broadcasts::cost(const std::vector<std::string>& texts) const {
    std::int64_t segments = 0;
    for (const auto& t : texts)
        segments += options_.text_cost ? options_.text_cost(t).segments : 1;
    return segments;
}

broadcast_estimate broadcasts::estimate(const broadcast_request& r, unix_seconds now) const {
    auto scripts = checked_scripts(scripts_, *r.on, r.what);
    broadcast_estimate out;
    std::int64_t after = 0;
    for (bool more = true; more;) {
        store_.run([&, start = after](storage::transaction& tx) {
            auto page = tx.select_contacts(r.who, start, 2000);
            more = page.size() == 2000;
            for (const auto& member : page) {
                after = member.id;
                auto contact = tx.find_contact(member.address);
                if (!contact || contact->state->opted_out) continue;
                auto texts = opening_texts(*scripts, *r.on, *contact->state, r.what, options_, now);
                ++out.recipients;
                out.messages += static_cast<std::int64_t>(texts.size());
                out.segments += cost(texts);
            }
        });
    }
    return out;
}

namespace {

storage::broadcast_record record_of(const broadcast_request& r, unix_seconds now) {
    storage::broadcast_record b;
    b.channel = r.on->name;
    b.segment = r.segment_text;
    b.texts = r.what.texts;
    b.node = r.what.node;
    b.variables = r.what.variables;
    b.fallback_template = r.what.fallback_template;
    b.created_at = now;
    b.start_at = r.start_at;
    b.budget = r.budget;
    b.status = broadcast_status::preparing;
    return b;
}

}  // namespace

std::optional<std::pair<std::int64_t, std::int64_t>> broadcasts::create_once(
    const broadcast_request& r, const std::string& key, unix_seconds now) {
    (void)checked_scripts(scripts_, *r.on, r.what);
    auto b = record_of(r, now);
    b.status = broadcast_status::ready;
    std::optional<std::pair<std::int64_t, std::int64_t>> out;
    bool taken = false;  // another instance gave the key since this unit read it
    try {
        store_.run([&](storage::transaction& tx) {
            out.reset();
            auto& ledger = tx.broadcasts();
            if (ledger.broadcast_with_key(key)) return;
            const auto id = ledger.add_broadcast(b);
            if (!ledger.add_broadcast_key(key, id)) {
                taken = true;
                throw std::runtime_error("broadcast key " + key + " taken");
            }
            std::int64_t after = 0, recipients = 0;
            for (bool more = true; more;) {
                auto page = tx.select_contacts(r.who, after, 5000);
                std::vector<std::int64_t> ids;
                for (const auto& m : page)
                    ids.push_back(m.id);
                ledger.add_recipients(id, ids);
                recipients += static_cast<std::int64_t>(ids.size());
                more = ids.size() == 5000;
                if (!ids.empty()) after = ids.back();
            }
            out.emplace(id, recipients);
        });
    } catch (const std::exception&) {
        if (!taken) throw;
        return std::nullopt;
    }
    return out;
}

std::pair<std::int64_t, std::int64_t> broadcasts::create(const broadcast_request& r,
                                                         unix_seconds now,
                                                         int chunk) {
    (void)checked_scripts(scripts_, *r.on, r.what);
    auto b = record_of(r, now);
    std::int64_t id = 0;
    store_.run([&](storage::transaction& tx) { id = tx.broadcasts().add_broadcast(b); });
    // Page by page: a unit of work holds one page of contact ids, whatever the segment's size.
    std::int64_t after = 0, recipients = 0;
    for (bool more = true; more;) {
        std::int64_t last = after, added = 0;
        store_.run([&, start = after](storage::transaction& tx) {
            auto page = tx.select_contacts(r.who, start, chunk);
            std::vector<std::int64_t> ids;
            ids.reserve(page.size());
            for (const auto& m : page)
                ids.push_back(m.id);
            tx.broadcasts().add_recipients(id, ids);
            added = static_cast<std::int64_t>(ids.size());
            last = ids.empty() ? start : ids.back();
        });
        recipients += added;
        after = last;
        more = added == chunk;
    }
    store_.run([&](storage::transaction& tx) {
        tx.broadcasts().set_broadcast_status(id, broadcast_status::ready, {});
    });
    return {id, recipients};
}

std::vector<storage::broadcast_record> broadcasts::list() const {
    std::vector<storage::broadcast_record> out;
    store_.run([&](storage::transaction& tx) { out = tx.broadcasts().list_broadcasts(); });
    return out;
}

std::optional<broadcast_report> broadcasts::show(std::int64_t id) const {
    std::optional<broadcast_report> out;
    store_.run([&](storage::transaction& tx) {
        out.reset();
        auto b = tx.broadcasts().find_broadcast(id);
        if (b) out = broadcast_report{*b, tx.broadcasts().count_recipients(id)};
    });
    return out;
}

std::optional<broadcast_report> broadcasts::cancel(std::int64_t id, unix_seconds now) {
    std::optional<broadcast_report> out;
    store_.run([&](storage::transaction& tx) {
        out.reset();
        auto& ledger = tx.broadcasts();
        auto b = ledger.find_broadcast(id);
        if (!b) return;
        if (b->status == broadcast_status::preparing || b->status == broadcast_status::ready) {
            ledger.set_broadcast_status(id, broadcast_status::cancelled, "cancelled by staff");
            ledger.skip_waiting(id, "cancelled by staff");
            ledger.fail_unsent(id, "cancelled", "cancelled by staff", now);
            b = ledger.find_broadcast(id);
        }
        out = broadcast_report{*b, ledger.count_recipients(id)};
    });
    return out;
}

void broadcasts::queue_recipient(const storage::broadcast_record& b,
                                 const storage::segment_member& who,
                                 unix_seconds now,
                                 std::function<void(bool)> done) {
    const auto* on = find_channel(b.channel);
    auto scripts = scripts_ ? scripts_() : nullptr;
    auto queued = std::make_shared<bool>(false);
    auto work = [this, id = b.id, on, scripts, who, now, queued](storage::transaction& tx) {
        *queued = false;
        auto& ledger = tx.broadcasts();
        auto b = ledger.find_broadcast(id);
        // Read again inside the unit: cancelled, stopped or queued since the page was read.
        if (!b || b->status != broadcast_status::ready) return;
        if (ledger.recipient(id, who.id) != recipient_status::waiting) return;
        auto contact = tx.find_contact(who.address);
        if (!contact || contact->state->opted_out) {
            ledger.mark_skipped(id, who.id, "opted out");
            return;
        }
        if (!on || !scripts || !scripts->find(on->script)) {
            ledger.mark_skipped(id, who.id, "the channel is not configured");
            return;
        }
        const auto what = opening_of(*b);
        if (b->budget > 0) {
            auto need = cost(opening_texts(*scripts, *on, *contact->state, what, options_, now));
            if (b->spent + need > b->budget) {
                ledger.set_broadcast_status(
                    id,
                    broadcast_status::over_budget,
                    "the budget of " + std::to_string(b->budget) + " SMS segments is spent");
                ledger.skip_waiting(id, "budget spent");
                return;
            }
        }
        auto messages = write_opening(tx, *contact, *scripts, *on, what, options_, now);
        if (messages.empty()) {
            ledger.mark_skipped(id, who.id, "nothing to send");
            return;
        }
        std::vector<std::string> texts;
        for (const auto& m : messages)
            texts.push_back(m.message.text);
        ledger.mark_queued(
            id, who.id, messages.front().message_id, messages.back().message_id, cost(texts));
        *queued = true;
    };
    store_.submit(std::move(work), [queued, done = std::move(done)](boost::system::error_code ec) {
        done(!ec && *queued);
    });
}

std::int64_t broadcasts::expand(unix_seconds now,
                                const std::function<std::int64_t(const std::string&)>& room) {
    std::vector<storage::broadcast_record> due;
    for (auto& b : list())
        if (b.status == broadcast_status::ready && b.start_at <= now) due.push_back(std::move(b));
    std::map<std::string, std::int64_t> left;  // per channel, this call
    std::int64_t total = 0;
    for (const auto& b : due) {
        auto [it, added] = left.emplace(b.channel, 0);
        if (added) it->second = room ? room(b.channel) : 1000;
        auto& budget = it->second;
        if (budget <= 0) continue;
        std::vector<storage::segment_member> page;
        auto& cursor = cursor_[b.id];
        for (int pass = 0; pass < 2 && page.empty(); ++pass) {
            if (pass == 1) cursor = 0;  // from the start: a recipient whose unit failed
            store_.run([&, start = cursor](storage::transaction& tx) {
                page = tx.broadcasts().waiting_recipients(
                    b.id, start, static_cast<int>(std::min<std::int64_t>(budget, 5000)));
            });
            if (cursor == 0) break;
        }
        if (page.empty()) {
            store_.run([&](storage::transaction& tx) {
                auto& ledger = tx.broadcasts();
                auto now_b = ledger.find_broadcast(b.id);
                if (now_b && now_b->status == broadcast_status::ready &&
                    ledger.waiting_recipients(b.id, 0, 1).empty())
                    ledger.set_broadcast_status(b.id, broadcast_status::done, {});
            });
            cursor_.erase(b.id);
            continue;
        }
        cursor = page.back().id;
        // One unit per recipient, submitted together: the store commits them in groups.
        auto remaining = std::make_shared<std::atomic<std::size_t>>(page.size());
        auto queued = std::make_shared<std::atomic<std::int64_t>>(0);
        auto finished = std::make_shared<std::promise<void>>();
        auto all_done = finished->get_future();
        for (const auto& who : page)
            queue_recipient(b, who, now, [remaining, queued, finished](bool ok) {
                if (ok) ++*queued;
                if (--*remaining == 0) finished->set_value();
            });
        all_done.wait();
        budget -= static_cast<std::int64_t>(page.size());
        total += *queued;
        if (*queued > 0 && on_queued) on_queued(b.channel);
    }
    return total;
}

}  // namespace sapa::app
