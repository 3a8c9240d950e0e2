#include "storage/memory/memory_store.hpp"

#include "storage/stored_form.hpp"

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

namespace sapa::storage {

struct memory_store::data {
    struct contact_row {
        std::int64_t id = 0;
        std::shared_ptr<const engine::contact_state> state;
        unix_seconds first_seen = 0;
        unix_seconds last_seen = 0;
        std::optional<unix_seconds> opted_out_at;
        std::optional<unix_seconds> erased_at;
    };
    struct message_row {
        std::int64_t id = 0;
        std::int64_t contact_id = 0;
        bool inbound = true;
        std::string channel;
        std::string gateway_message_id;  // in: the gateway's; out: the provider's
        std::int64_t reply_to = 0;
        messaging::outbound_message content;  // in: only the text
        std::string media;                    // in: attachments_json() of its attachments
        std::optional<message_cost> cost;
        std::string status;  // in: received
        std::string status_code;
        std::string status_reason;
        unix_seconds created_at = 0;
        unix_seconds status_at = 0;
        std::string match_kind;
        std::string match_detail;
        bool via_api = false;
    };
    struct event_row {
        std::int64_t message_id = 0;
        std::int64_t contact_id = 0;
        engine::event e;
    };
    struct job_row {
        std::string channel;
        std::int64_t contact_id = 0;
        bool leased = false;
        int attempts = 0;
        unix_seconds next_attempt_at = 0;
        unix_seconds lease_until = 0;
        std::string last_error;
        unix_seconds attempt_at = 0;  // a send began, outcome not recorded
    };

    struct recipient_row {
        recipient_status status = recipient_status::waiting;
        std::int64_t first_message = 0, last_message = 0, segments = 0;
        std::string reason;
    };

    explicit data(memory_options o) : options(std::move(o)) {}

    memory_options options;
    std::mutex mutex;
    std::vector<contact_row> contacts;  // id - 1 is the index
    std::unordered_map<std::string, std::int64_t> contact_by_address;
    std::vector<message_row> messages;  // id - 1 is the index
    std::unordered_map<std::int64_t, std::vector<std::int64_t>> messages_by_contact;  // ids
    std::map<std::pair<std::string, std::string>, std::int64_t> inbound_by_gateway_id;
    std::map<std::pair<std::string, std::string>, std::int64_t> outbound_by_provider_id;
    std::vector<event_row> events;                       // id - 1 is the index
    std::map<std::int64_t, unix_seconds> requests_done;  // by event id: when staff marked it
    engine::memory_ledger ledger;
    std::map<std::int64_t, job_row> jobs;                   // by message id: oldest first
    std::set<std::pair<std::string, std::int64_t>> groups;  // (group, contact id)
    std::vector<staff_account> staff;                       // id - 1 is the index
    std::map<std::string, staff_session> staff_sessions;    // by token hash
    std::vector<audit_entry> audit;                         // id - 1 is the index
    std::vector<script_version> script_versions;            // id - 1 is the index
    std::map<std::string, api_token> tokens;                // by name
    std::vector<broadcast_record> broadcasts;               // id - 1 is the index
    std::map<std::pair<std::int64_t, std::int64_t>, recipient_row> recipients;  // (b, contact)
    std::map<std::string, std::int64_t> broadcast_keys;  // key -> broadcast id

    contact_row* contact(const std::string& address) {
        auto it = contact_by_address.find(address);
        return it == contact_by_address.end() ? nullptr : &contacts[it->second - 1];
    }
    message_row& message(std::int64_t id) { return messages.at(static_cast<std::size_t>(id - 1)); }

    // The job is due again at `when`, with `failed` more attempts counted.
    void reschedule(std::int64_t id, unix_seconds when, const std::string& reason, int failed) {
        std::lock_guard lock(mutex);
        auto it = jobs.find(id);
        if (it == jobs.end()) return;
        it->second.leased = false;
        it->second.attempts += failed;
        it->second.next_attempt_at = when;
        it->second.last_error = reason;
        it->second.attempt_at = 0;  // rescheduled: no send in doubt
    }

    bool set_status(std::int64_t id,
                    delivery_status to,
                    const std::string& code,
                    const std::string& reason,
                    unix_seconds now) {
        if (id <= 0 || id > static_cast<std::int64_t>(messages.size())) return false;
        auto& m = message(id);
        auto from = messaging::delivery_status_from_string(m.status);
        if (m.inbound || !from || !messaging::moves_forward(*from, to)) return false;
        m.status = messaging::to_string(to);
        m.status_code = code;
        m.status_reason = reason;
        m.status_at = now;
        return true;
    }
};

namespace {

using data = memory_store::data;

// The ports of one unit of work. Every change pushes its undo, run in reverse if the unit
// throws.
class memory_transaction final : public transaction,
                                 private engine::registration_ledger,
                                 private broadcast_ledger {
  public:
    explicit memory_transaction(data& d) : d_(d) {}

    void undo() {
        for (auto it = undo_.rbegin(); it != undo_.rend(); ++it)
            (*it)();
        undo_.clear();
    }

    std::optional<contact_record> find_contact(const std::string& address) override {
        auto* c = d_.contact(address);
        if (!c) return std::nullopt;
        return contact_record{c->id, c->state};
    }

    contact_record add_contact(const std::string& address, unix_seconds now) override {
        auto state = std::make_shared<engine::contact_state>();
        state->address = address;
        data::contact_row row;
        row.id = static_cast<std::int64_t>(d_.contacts.size()) + 1;
        row.state = state;
        row.first_seen = row.last_seen = now;
        d_.contacts.push_back(row);
        d_.contact_by_address[address] = row.id;
        undo_.push_back([this, address] {
            d_.contact_by_address.erase(address);
            d_.contacts.pop_back();
        });
        return {row.id, std::move(state)};
    }

    void save_contact(const contact_record& before,
                      std::shared_ptr<const engine::contact_state> after,
                      unix_seconds now) override {
        auto& row = d_.contacts.at(static_cast<std::size_t>(before.id - 1));
        undo_.push_back([this, id = before.id, old = row] {
            d_.contacts[static_cast<std::size_t>(id - 1)] = old;
        });
        if (!after->opted_out) {
            row.opted_out_at.reset();
        } else if (!row.opted_out_at) {
            row.opted_out_at = now;
        }
        row.last_seen = std::max(row.last_seen, now);
        row.state = std::move(after);
    }

    std::int64_t find_repeat(const messaging::inbound_message& m,
                             std::int64_t contact_id,
                             unix_seconds window) override {
        if (!m.gateway_message_id.empty()) {
            auto it = d_.inbound_by_gateway_id.find({m.channel, m.gateway_message_id});
            return it == d_.inbound_by_gateway_id.end() ? 0 : it->second;
        }
        if (contact_id == 0) return 0;
        // The newest candidate that Sapa has not written to since, as SQLite's query.
        for (auto m_it = d_.messages.rbegin(); m_it != d_.messages.rend(); ++m_it) {
            const auto& candidate = *m_it;
            if (!candidate.inbound || candidate.contact_id != contact_id ||
                candidate.channel != m.channel || !candidate.gateway_message_id.empty() ||
                candidate.content.text != m.text || candidate.created_at < m.received_at - window)
                continue;
            const bool sent_since =
                std::any_of(m_it.base(), d_.messages.end(), [&](const data::message_row& o) {
                    return !o.inbound && o.contact_id == contact_id &&
                           (o.status == "sent" || o.status == "delivered" || o.status == "read") &&
                           !(o.reply_to == candidate.id && !o.via_api);
                });
            if (!sent_since) return candidate.id;
        }
        return 0;
    }

    std::vector<stored_reply> replies_to(std::int64_t inbound_id) override {
        std::vector<stored_reply> out;
        const auto& in = d_.message(inbound_id);
        if (d_.contacts[static_cast<std::size_t>(in.contact_id - 1)].erased_at) return out;
        for (auto i = static_cast<std::size_t>(inbound_id); i < d_.messages.size(); ++i) {
            const auto& row = d_.messages[i];
            if (!row.inbound && row.reply_to == inbound_id) out.push_back({row.id, row.content});
        }
        return out;
    }

    std::string last_channel(std::int64_t contact_id) override {
        for (auto it = d_.messages.rbegin(); it != d_.messages.rend(); ++it)
            if (it->inbound && it->contact_id == contact_id) return it->channel;
        return {};
    }

    std::vector<logged_message> recent_messages(std::int64_t contact_id, int limit) override {
        std::vector<logged_message> out;
        const auto& ids = d_.messages_by_contact[contact_id];
        for (auto it = ids.rbegin(); it != ids.rend() && static_cast<int>(out.size()) < limit;
             ++it) {
            const auto& m = d_.message(*it);
            out.push_back({m.inbound, m.created_at});
        }
        return out;
    }

    std::int64_t segments_sent_since(std::int64_t contact_id, unix_seconds since) override {
        std::int64_t sum = 0;
        for (auto id : d_.messages_by_contact[contact_id]) {
            const auto& m = d_.message(id);
            if (!m.inbound && m.created_at >= since && m.status != "failed")
                sum += m.cost ? m.cost->segments : 1;
        }
        return sum;
    }

    std::int64_t log_inbound(const messaging::inbound_message& m,
                             std::int64_t contact_id,
                             const std::vector<engine::event>& events) override {
        data::message_row row;
        row.contact_id = contact_id;
        row.inbound = true;
        row.channel = m.channel;
        row.gateway_message_id = m.gateway_message_id;
        row.content.text = m.text;
        row.media = attachments_json(m.attachments);
        row.status = "received";
        row.created_at = row.status_at = m.received_at;
        for (const auto& e : events) {
            if (!e.matched) continue;
            row.match_kind = engine::to_string(*e.matched);
            row.match_detail = e.detail;
            break;
        }
        const auto id = append(std::move(row));
        if (!m.gateway_message_id.empty()) {
            d_.inbound_by_gateway_id[{m.channel, m.gateway_message_id}] = id;
            undo_.push_back([this, key = std::make_pair(m.channel, m.gateway_message_id)] {
                d_.inbound_by_gateway_id.erase(key);
            });
        }
        for (const auto& e : events)
            d_.events.push_back({id, contact_id, e});
        undo_.push_back([this, n = events.size()] { d_.events.resize(d_.events.size() - n); });
        return id;
    }

    std::int64_t log_outbound(const outbound_record& r) override {
        data::message_row row;
        row.contact_id = r.contact_id;
        row.inbound = false;
        row.channel = r.channel;
        row.reply_to = r.reply_to;
        row.content = r.message;
        row.via_api = r.via == route::api;
        row.status = row.via_api ? "queued" : "sent";
        row.created_at = row.status_at = r.created_at;
        const auto id = append(std::move(row));
        if (r.via == route::api) {
            d_.jobs[id] = {r.channel, r.contact_id, false, 0, r.created_at, 0, {}, 0};
            undo_.push_back([this, id] { d_.jobs.erase(id); });
        }
        return id;
    }

    bool update_delivery(const std::string& channel,
                         const std::string& provider_message_id,
                         delivery_status status,
                         const std::string& raw_code,
                         const std::string& reason,
                         unix_seconds now) override {
        auto it = d_.outbound_by_provider_id.find({channel, provider_message_id});
        if (it == d_.outbound_by_provider_id.end()) return false;
        auto& row = d_.message(it->second);
        undo_.push_back([this, old = row] { d_.message(old.id) = old; });
        return d_.set_status(it->second, status, raw_code, reason, now);
    }

    engine::registration_ledger& registrations() override { return *this; }

    void add_to_group(std::int64_t contact_id, const std::string& group) override {
        if (d_.groups.insert({group, contact_id}).second)
            undo_.push_back(
                [this, key = std::make_pair(group, contact_id)] { d_.groups.erase(key); });
    }

    std::vector<segment_member> select_contacts(const segment& s,
                                                std::int64_t after,
                                                int limit) override {
        auto lower = [](std::string text) {
            for (auto& c : text)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return text;
        };
        std::vector<segment_member> out;
        for (auto i = static_cast<std::size_t>(std::max<std::int64_t>(after, 0));
             i < d_.contacts.size() && static_cast<int>(out.size()) < limit;
             ++i) {
            const auto& c = d_.contacts[i];
            const auto& state = *c.state;
            if (c.opted_out_at || c.erased_at || c.last_seen < s.last_seen_since) continue;
            if (!s.group.empty() && !d_.groups.count({s.group, c.id})) continue;
            if (!s.kecamatan.empty()) {
                auto it = state.fields.find("kecamatan");
                if (it == state.fields.end() || lower(it->second) != lower(s.kecamatan)) continue;
            }
            if (!s.language.empty() && state.language != s.language) continue;
            if (!s.course.empty()) {
                auto r = d_.ledger.latest(state.address, s.course);
                if (!r || (s.status && !engine::in_segment(r->status, *s.status))) continue;
            }
            out.push_back({c.id, state.address});
        }
        return out;
    }

    broadcast_ledger& broadcasts() override { return *this; }

  private:
    std::int64_t append(data::message_row row) {
        row.id = static_cast<std::int64_t>(d_.messages.size()) + 1;
        if (d_.options.text_cost) row.cost = d_.options.text_cost(row.content.text);
        d_.messages_by_contact[row.contact_id].push_back(row.id);
        undo_.push_back(
            [this, contact = row.contact_id] { d_.messages_by_contact[contact].pop_back(); });
        d_.messages.push_back(std::move(row));
        undo_.push_back([this] { d_.messages.pop_back(); });
        return d_.messages.back().id;
    }

    // --- registration_ledger, over the store's memory_ledger, with undo ---

    std::optional<engine::registration_record> latest(const std::string& contact,
                                                      const std::string& course) override {
        return d_.ledger.latest(contact, course);
    }
    int count(const std::string& course,
              engine::registration_status status,
              const std::string& up_to_code) override {
        return d_.ledger.count(course, status, up_to_code);
    }
    int seats(const std::string& course, const std::string& up_to_code) override {
        return d_.ledger.seats(course, up_to_code);
    }
    int next_number(const std::string& course) override {
        undo_.push_back([this, course] { --d_.ledger.issued()[course]; });
        return d_.ledger.next_number(course);
    }
    void add(const engine::registration_entry& entry, unix_seconds now) override {
        if (!d_.contact(entry.contact)) add_contact(entry.contact, now);
        d_.ledger.add(entry, now);
        undo_.push_back([this] { d_.ledger.rows().pop_back(); });
    }
    void set_status(const std::string& course,
                    const std::string& code,
                    engine::registration_status status,
                    unix_seconds now) override {
        undo_.push_back([this, rows = d_.ledger.rows()] { d_.ledger.rows() = rows; });
        d_.ledger.set_status(course, code, status, now);
    }
    std::optional<engine::registration_entry> first_waitlisted(const std::string& course) override {
        return d_.ledger.first_waitlisted(course);
    }
    std::optional<engine::registration_entry> find_code(const std::string& course,
                                                        const std::string& code) override {
        return d_.ledger.find_code(course, code);
    }

    // --- broadcast_ledger, with undo ---

    broadcast_record* broadcast(std::int64_t id) {
        if (id <= 0 || id > static_cast<std::int64_t>(d_.broadcasts.size())) return nullptr;
        return &d_.broadcasts[static_cast<std::size_t>(id - 1)];
    }
    void keep_broadcast(const broadcast_record& b) {
        undo_.push_back([this, old = b] { *broadcast(old.id) = old; });
    }
    data::recipient_row* recipient_row(std::int64_t b, std::int64_t contact_id) {
        auto it = d_.recipients.find({b, contact_id});
        if (it == d_.recipients.end()) return nullptr;
        undo_.push_back([this, key = it->first, old = it->second] { d_.recipients[key] = old; });
        return &it->second;
    }

    bool add_broadcast_key(const std::string& key, std::int64_t b) override {
        if (!d_.broadcast_keys.emplace(key, b).second) return false;
        undo_.push_back([this, key] { d_.broadcast_keys.erase(key); });
        return true;
    }
    std::optional<std::int64_t> broadcast_with_key(const std::string& key) override {
        auto it = d_.broadcast_keys.find(key);
        return it == d_.broadcast_keys.end() ? std::nullopt : std::optional(it->second);
    }
    std::int64_t add_broadcast(const broadcast_record& b) override {
        d_.broadcasts.push_back(b);
        d_.broadcasts.back().id = static_cast<std::int64_t>(d_.broadcasts.size());
        d_.broadcasts.back().spent = 0;
        undo_.push_back([this] { d_.broadcasts.pop_back(); });
        return d_.broadcasts.back().id;
    }
    std::optional<broadcast_record> find_broadcast(std::int64_t id) override {
        auto* b = broadcast(id);
        return b ? std::optional<broadcast_record>(*b) : std::nullopt;
    }
    std::vector<broadcast_record> list_broadcasts() override {
        return {d_.broadcasts.rbegin(), d_.broadcasts.rend()};
    }
    void set_broadcast_status(std::int64_t id,
                              broadcast_status status,
                              const std::string& reason) override {
        auto* b = broadcast(id);
        if (!b) return;
        keep_broadcast(*b);
        b->status = status;
        b->reason = reason;
    }
    void add_recipients(std::int64_t b, const std::vector<std::int64_t>& contact_ids) override {
        for (auto id : contact_ids)
            if (d_.recipients.emplace(std::make_pair(b, id), data::recipient_row{}).second)
                undo_.push_back([this, key = std::make_pair(b, id)] { d_.recipients.erase(key); });
    }
    std::vector<segment_member> waiting_recipients(std::int64_t b,
                                                   std::int64_t after,
                                                   int limit) override {
        std::vector<segment_member> out;
        for (auto it = d_.recipients.upper_bound({b, after});
             it != d_.recipients.end() && it->first.first == b &&
             static_cast<int>(out.size()) < limit;
             ++it)
            if (it->second.status == recipient_status::waiting)
                out.push_back(
                    {it->first.second,
                     d_.contacts[static_cast<std::size_t>(it->first.second - 1)].state->address});
        return out;
    }
    std::optional<recipient_status> recipient(std::int64_t b, std::int64_t contact_id) override {
        auto it = d_.recipients.find({b, contact_id});
        if (it == d_.recipients.end()) return std::nullopt;
        return it->second.status;
    }
    void mark_queued(std::int64_t b,
                     std::int64_t contact_id,
                     std::int64_t first_message,
                     std::int64_t last_message,
                     std::int64_t segments) override {
        if (auto* r = recipient_row(b, contact_id)) {
            r->status = recipient_status::queued;
            r->first_message = first_message;
            r->last_message = last_message;
            r->segments = segments;
        }
        if (auto* row = broadcast(b)) {
            keep_broadcast(*row);
            row->spent += segments;
        }
    }
    void mark_skipped(std::int64_t b, std::int64_t contact_id, const std::string& reason) override {
        if (auto* r = recipient_row(b, contact_id)) {
            r->status = recipient_status::skipped;
            r->reason = reason;
        }
    }
    std::int64_t skip_waiting(std::int64_t b, const std::string& reason) override {
        std::int64_t n = 0;
        for (auto it = d_.recipients.lower_bound({b, 0});
             it != d_.recipients.end() && it->first.first == b;
             ++it) {
            if (it->second.status != recipient_status::waiting) continue;
            mark_skipped(b, it->first.second, reason);
            ++n;
        }
        return n;
    }
    std::int64_t fail_unsent(std::int64_t b,
                             const std::string& raw_code,
                             const std::string& reason,
                             unix_seconds now) override {
        std::int64_t n = 0;
        for (auto it = d_.recipients.lower_bound({b, 0});
             it != d_.recipients.end() && it->first.first == b;
             ++it) {
            const auto& r = it->second;
            if (r.status != recipient_status::queued) continue;
            for (auto id = r.first_message; id <= r.last_message; ++id) {
                auto job = d_.jobs.find(id);
                if (job == d_.jobs.end() || job->second.leased ||
                    job->second.contact_id != it->first.second)
                    continue;
                undo_.push_back([this, id, old = job->second, m = d_.message(id)] {
                    d_.jobs[id] = old;
                    d_.message(id) = m;
                });
                d_.set_status(id, delivery_status::failed, raw_code, reason, now);
                d_.jobs.erase(job);
                ++n;
            }
        }
        return n;
    }
    broadcast_counts count_recipients(std::int64_t b) override {
        broadcast_counts out;
        for (auto it = d_.recipients.lower_bound({b, 0});
             it != d_.recipients.end() && it->first.first == b;
             ++it) {
            const auto& r = it->second;
            if (r.status == recipient_status::waiting)
                ++out.waiting;
            else if (r.status == recipient_status::skipped)
                ++out.skipped;
            else
                count_recipient(out, "queued", d_.message(r.first_message).status, 1);
        }
        return out;
    }

    data& d_;
    std::vector<std::function<void()>> undo_;
};

struct export_row {
    std::vector<export_value> values;
    const std::map<std::string, std::string>* fields = nullptr;
    std::int64_t id = 0;          // the row's order, as the SQL stores' row id
    std::int64_t contact_id = 0;  // whose row it is (language and group filters)
    std::string status;           // what export_filter::status compares; empty: not filtered
};

// As the SQLite export: each collected field becomes a column, in order of first appearance
// (then by name), renamed "field_NAME" when it would clash with a fixed column.
export_summary write_rows_with_fields(std::vector<export_column> columns,
                                      const std::vector<export_row>& rows,
                                      row_sink& sink) {
    const auto fixed = columns.size();
    std::map<std::string, std::size_t> field_index;
    for (const auto& [values, fields, id, contact, status] : rows) {
        if (!fields) continue;
        for (const auto& [name, value] : *fields) {
            if (field_index.count(name)) continue;
            auto column = name;
            for (std::size_t i = 0; i < fixed; ++i)
                if (columns[i].name == column) column = "field_" + name;
            field_index[name] = columns.size();
            columns.push_back({column, column_type::text});
        }
    }
    sink.begin(columns);
    std::vector<export_value> out(columns.size());
    export_summary summary;
    for (const auto& [values, fields, id, contact, status] : rows) {
        std::fill(out.begin(), out.end(), export_value{});
        std::copy(values.begin(), values.end(), out.begin());
        if (fields) {
            for (const auto& [name, value] : *fields)
                out[field_index.at(name)] = value;
        }
        sink.row(out);
        ++summary.rows;
        summary.last_id = id;
        if (summary.rows == 1) summary.first_id = id;
    }
    sink.end();
    return summary;
}

}  // namespace

memory_store::memory_store(memory_options options)
    : data_(std::make_unique<data>(std::move(options))) {}

memory_store::~memory_store() = default;

void memory_store::submit(work_function work, durable_callback on_durable) {
    boost::system::error_code outcome;
    {
        std::lock_guard lock(data_->mutex);
        memory_transaction unit(*data_);
        try {
            work(unit);
        } catch (const boost::system::system_error& e) {
            unit.undo();
            outcome = e.code();
        } catch (...) {
            unit.undo();
            outcome = errc::work_failed;
        }
    }
    on_durable(outcome);
}

void memory_store::run(work_function work) {
    std::lock_guard lock(data_->mutex);
    memory_transaction unit(*data_);
    try {
        work(unit);
    } catch (const boost::system::system_error&) {
        unit.undo();
        throw;
    } catch (const std::exception& e) {
        unit.undo();
        throw boost::system::system_error(errc::work_failed, e.what());
    }
}

std::optional<engine::contact_state> memory_store::load_contact(const std::string& address) {
    std::lock_guard lock(data_->mutex);
    auto* c = data_->contact(normalize_address(address));
    if (!c) return std::nullopt;
    return *c->state;
}

std::vector<queue_backlog> memory_store::outbound_backlog() {
    std::lock_guard lock(data_->mutex);
    std::map<std::string, queue_backlog> by_channel;
    for (const auto& [id, job] : data_->jobs) {
        auto& b = by_channel[job.channel];
        b.channel = job.channel;
        const auto created = data_->message(id).created_at;
        if (b.jobs++ == 0 || created < b.oldest_created_at) b.oldest_created_at = created;
    }
    std::vector<queue_backlog> out;
    for (auto& [name, b] : by_channel)
        out.push_back(std::move(b));
    return out;
}

std::vector<outbound_job> memory_store::claim_outbound(const std::string& channel,
                                                       unix_seconds now,
                                                       int limit) {
    std::lock_guard lock(data_->mutex);
    // Contacts with an earlier unfinished job on this channel; and those whose earlier job
    // also holds up a reply (any but a proactive job that is not due).
    std::set<std::int64_t> any_earlier, reply_earlier;
    std::vector<std::pair<bool, std::int64_t>> picked;  // (proactive, id): replies first
    for (auto& [id, job] : data_->jobs) {
        if (job.channel != channel) continue;
        const bool proactive = data_->message(id).reply_to == 0;
        const bool due = job.leased ? job.lease_until <= now : job.next_attempt_at <= now;
        const auto& earlier = proactive ? any_earlier : reply_earlier;
        if (due && !earlier.contains(job.contact_id)) picked.emplace_back(proactive, id);
        any_earlier.insert(job.contact_id);
        if (!proactive || job.leased || due) reply_earlier.insert(job.contact_id);
    }
    std::sort(picked.begin(), picked.end());
    if (static_cast<int>(picked.size()) > limit) picked.resize(static_cast<std::size_t>(limit));
    std::vector<outbound_job> out;
    for (const auto& [proactive, id] : picked) {
        auto& job = data_->jobs.at(id);
        job.leased = true;
        job.lease_until = now + data_->options.outbound_lease;
        const auto& contact = data_->contacts[static_cast<std::size_t>(job.contact_id - 1)];
        const auto& m = data_->message(id);
        auto zone = contact.state->fields.find("timezone");
        unix_seconds last_inbound = 0;
        const auto& ids = data_->messages_by_contact[job.contact_id];
        for (auto it = ids.rbegin(); it != ids.rend() && last_inbound == 0; ++it) {
            const auto& earlier = data_->message(*it);
            if (earlier.inbound && earlier.channel == channel) last_inbound = earlier.created_at;
        }
        out.push_back({id,
                       channel,
                       contact.state->address,
                       m.content,
                       job.attempts,
                       m.reply_to,
                       zone == contact.state->fields.end() ? std::string() : zone->second,
                       last_inbound,
                       job.attempt_at});
    }
    return out;
}

void memory_store::complete_outbound(std::int64_t id,
                                     const std::string& provider_message_id,
                                     unix_seconds now) {
    std::lock_guard lock(data_->mutex);
    data_->set_status(id, delivery_status::sent, {}, {}, now);
    auto& m = data_->message(id);
    m.gateway_message_id = provider_message_id;
    if (!provider_message_id.empty())
        data_->outbound_by_provider_id[{m.channel, provider_message_id}] = id;
    data_->jobs.erase(id);
}

void memory_store::begin_outbound_attempt(std::int64_t id, unix_seconds now) {
    std::lock_guard lock(data_->mutex);
    if (auto it = data_->jobs.find(id); it != data_->jobs.end()) it->second.attempt_at = now;
}

void memory_store::retry_outbound(std::int64_t id,
                                  unix_seconds next_attempt_at,
                                  const std::string& reason) {
    data_->reschedule(id, next_attempt_at, reason, 1);
}

void memory_store::defer_outbound(std::int64_t id,
                                  unix_seconds not_before,
                                  const std::string& reason) {
    data_->reschedule(id, not_before, reason, 0);
}

void memory_store::fail_outbound(std::int64_t id,
                                 const std::string& raw_code,
                                 const std::string& reason,
                                 unix_seconds now) {
    std::lock_guard lock(data_->mutex);
    data_->set_status(id, delivery_status::failed, raw_code, reason, now);
    data_->jobs.erase(id);
}

forget_counts memory_store::forget(const std::string& address, unix_seconds now) {
    std::lock_guard lock(data_->mutex);
    forget_counts counts;
    const auto normalized = normalize_address(address);
    auto* c = data_->contact(normalized);
    if (!c) return counts;
    counts.contacts = 1;
    char anonymous[32];
    std::snprintf(anonymous, sizeof anonymous, "anon-%06lld", static_cast<long long>(c->id));
    auto erased = std::make_shared<engine::contact_state>();
    erased->address = anonymous;
    c->state = erased;
    c->erased_at = now;
    data_->contact_by_address.erase(normalized);
    data_->contact_by_address[anonymous] = c->id;
    for (auto& m : data_->messages) {
        if (m.contact_id != c->id) continue;
        if (m.content.text != erased_text || !m.content.body.empty() ||
            !m.content.options.empty() || m.content.fallback_template || !m.media.empty()) {
            m.content = {erased_text, {}, {}};
            m.media.clear();
            ++counts.messages;
        }
        m.match_detail.clear();
        if (data_->jobs.erase(m.id) > 0) {
            m.status = "failed";
            m.status_reason = "contact erased";
            m.status_at = now;
        }
    }
    for (auto& e : data_->events) {
        if (e.contact_id != c->id || (e.e.detail.empty() && e.e.data.empty())) continue;
        e.e.detail.clear();
        e.e.data.clear();
        ++counts.events;
    }
    for (auto& row : data_->ledger.rows()) {
        if (row.entry.contact != normalized) continue;
        row.entry.contact = anonymous;
        if (!row.entry.record.fields.empty()) {
            row.entry.record.fields.clear();
            ++counts.registrations;
        }
    }
    return counts;
}

bool memory_store::mark_request_done(std::int64_t request_id, unix_seconds now) {
    std::lock_guard lock(data_->mutex);
    const auto& events = data_->events;
    if (request_id <= 0 || request_id > static_cast<std::int64_t>(events.size())) return false;
    const auto& e = events[static_cast<std::size_t>(request_id - 1)].e;
    if (!request_type_of(engine::to_string(e.kind))) return false;
    data_->requests_done.emplace(request_id, now);  // marked again: the first time stays
    return true;
}

export_summary memory_store::export_rows(export_kind kind,
                                         const export_filter& filter,
                                         row_sink& sink) {
    std::lock_guard lock(data_->mutex);
    auto& d = *data_;
    const auto contact_filter =
        filter.contact ? std::optional(normalize_address(*filter.contact)) : std::nullopt;
    std::set<std::int64_t> in_course;  // contacts registered for filter.course
    if (filter.course) {
        for (const auto& row : d.ledger.rows()) {
            if (row.entry.record.course != *filter.course) continue;
            if (auto* c = d.contact(row.entry.contact)) in_course.insert(c->id);
        }
    }
    auto contact_passes = [&](std::int64_t id) {
        const auto& c = d.contacts[static_cast<std::size_t>(id - 1)];
        if (contact_filter && c.state->address != *contact_filter) return false;
        return !filter.course || in_course.count(id) > 0;
    };
    auto text = [](const std::string& s) -> export_value {
        if (s.empty()) return std::monostate{};
        return s;
    };
    auto time = [](std::optional<unix_seconds> t) -> export_value {
        if (!t) return std::monostate{};
        return static_cast<std::int64_t>(*t);
    };
    std::vector<export_column> columns;
    // Rows with their collected fields; fields become columns in order of first appearance.
    std::vector<export_row> rows;
    switch (kind) {
        case export_kind::registrations:
            columns = fixed_columns(kind);
            for (std::size_t i = 0; i < d.ledger.rows().size(); ++i) {
                const auto& row = d.ledger.rows()[i];
                const auto& r = row.entry.record;
                if (filter.since && row.created_at < *filter.since) continue;
                if (filter.course && r.course != *filter.course) continue;
                if (contact_filter && row.entry.contact != *contact_filter) continue;
                rows.push_back({{r.code,
                                 r.course,
                                 std::string(engine::to_string(r.status)),
                                 row.entry.contact,
                                 time(row.created_at),
                                 time(row.updated_at)},
                                &r.fields,
                                static_cast<std::int64_t>(i + 1),
                                d.contact_by_address.count(row.entry.contact)
                                    ? d.contact_by_address.at(row.entry.contact)
                                    : 0,
                                std::string(engine::to_string(r.status))});
            }
            break;
        case export_kind::conversations:
            columns = fixed_columns(kind);
            for (const auto& m : d.messages) {
                if (filter.since && m.created_at < *filter.since) continue;
                if (!contact_passes(m.contact_id)) continue;
                const auto& c = d.contacts[static_cast<std::size_t>(m.contact_id - 1)];
                rows.push_back({{static_cast<std::int64_t>(m.id),
                                 time(m.created_at),
                                 c.state->address,
                                 std::string(m.inbound ? "in" : "out"),
                                 m.channel,
                                 text(m.gateway_message_id),
                                 m.reply_to == 0 ? export_value{} : export_value{m.reply_to},
                                 m.content.text,
                                 m.cost ? export_value{m.cost->encoding} : export_value{},
                                 m.cost ? export_value{static_cast<std::int64_t>(m.cost->segments)}
                                        : export_value{},
                                 m.status,
                                 text(m.status_code),
                                 text(m.status_reason),
                                 time(m.status_at),
                                 text(m.match_kind),
                                 text(m.match_detail),
                                 text(m.media)},
                                nullptr,
                                m.id,
                                m.contact_id,
                                {}});
            }
            break;
        case export_kind::requests:
            columns = fixed_columns(kind);
            for (std::size_t i = 0; i < d.events.size(); ++i) {
                const auto& row = d.events[i];
                const char* request = request_type_of(engine::to_string(row.e.kind));
                if (!request) continue;
                const auto& m = d.message(row.message_id);
                if (filter.since && m.created_at < *filter.since) continue;
                if (!contact_passes(row.contact_id)) continue;
                const auto& c = d.contacts[static_cast<std::size_t>(row.contact_id - 1)];
                const auto marked = d.requests_done.find(static_cast<std::int64_t>(i + 1));
                const auto done_at = request_done_at(
                    m.created_at,
                    marked == d.requests_done.end() ? std::nullopt : std::optional(marked->second),
                    c.erased_at);
                rows.push_back({{static_cast<std::int64_t>(i + 1),
                                 time(m.created_at),
                                 c.state->address,
                                 std::string(request),
                                 row.e.detail.empty() ? m.content.text : row.e.detail,
                                 row.e.node,
                                 std::string(done_at ? "done" : "open"),
                                 time(done_at)},
                                nullptr,
                                static_cast<std::int64_t>(i + 1),
                                row.contact_id,
                                done_at ? "done" : "open"});
            }
            break;
        case export_kind::contacts:
            columns = fixed_columns(kind);
            for (const auto& c : d.contacts) {
                if (filter.since && c.last_seen < *filter.since) continue;
                if (!contact_passes(c.id)) continue;
                std::int64_t messages = 0;
                for (const auto& m : d.messages)
                    if (m.contact_id == c.id) ++messages;
                rows.push_back({{c.state->address,
                                 c.state->language,
                                 time(c.first_seen),
                                 time(c.last_seen),
                                 time(c.opted_out_at),
                                 time(c.erased_at),
                                 messages},
                                &c.state->fields,
                                c.id,
                                c.id,
                                {}});
            }
            break;
    }
    // As the SQL stores' search: ASCII letters in any case.
    auto contains = [](std::string_view text, std::string_view words) {
        auto lower = [](char ch) {
            return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        };
        return std::search(
                   text.begin(), text.end(), words.begin(), words.end(), [&](char a, char b) {
                       return lower(a) == lower(b);
                   }) != text.end();
    };
    auto found = [&](const export_row& r) {
        const auto* code = std::get_if<std::string>(&r.values[0]);
        if (code && contains(*code, *filter.search)) return true;
        if (!r.fields) return false;
        for (const auto& [name, value] : *r.fields)
            if ((name.find("nama") != std::string::npos ||
                 name.find("name") != std::string::npos) &&
                contains(value, *filter.search))
                return true;
        return false;
    };
    // The page filters (as sql::page_clauses), then the page itself.
    std::erase_if(rows, [&](const export_row& r) {
        if (r.id <= filter.after) return true;
        if (filter.before > 0 && r.id >= filter.before) return true;
        if (filter.search && kind == export_kind::registrations && !found(r)) return true;
        if (filter.status &&
            (kind == export_kind::registrations || kind == export_kind::requests) &&
            r.status != *filter.status)
            return true;
        if (!filter.language && !filter.group) return false;
        if (r.contact_id <= 0) return true;
        const auto& c = d.contacts[static_cast<std::size_t>(r.contact_id - 1)];
        if (filter.language && c.state->language != *filter.language) return true;
        return filter.group && !d.groups.count({*filter.group, r.contact_id});
    });
    std::sort(rows.begin(), rows.end(), [&](const export_row& a, const export_row& b) {
        return filter.newest_first ? a.id > b.id : a.id < b.id;
    });
    if (filter.limit && static_cast<std::int64_t>(rows.size()) > *filter.limit)
        rows.resize(static_cast<std::size_t>(std::max<std::int64_t>(0, *filter.limit)));
    return write_rows_with_fields(std::move(columns), rows, sink);
}

std::int64_t memory_store::publish_scripts(const script_version& v) {
    std::lock_guard lock(data_->mutex);
    auto& versions = data_->script_versions;
    versions.push_back(v);
    versions.back().id = static_cast<std::int64_t>(versions.size());
    return versions.back().id;
}

std::vector<script_version> memory_store::script_versions() {
    std::lock_guard lock(data_->mutex);
    std::vector<script_version> out;
    for (auto it = data_->script_versions.rbegin(); it != data_->script_versions.rend(); ++it) {
        out.push_back(*it);
        out.back().files.clear();
    }
    return out;
}

std::optional<script_version> memory_store::find_script_version(std::int64_t id) {
    std::lock_guard lock(data_->mutex);
    const auto& versions = data_->script_versions;
    if (id == 0) id = static_cast<std::int64_t>(versions.size());
    if (id <= 0 || id > static_cast<std::int64_t>(versions.size())) return std::nullopt;
    return versions[static_cast<std::size_t>(id - 1)];
}

std::int64_t memory_store::latest_script_version() {
    std::lock_guard lock(data_->mutex);
    return static_cast<std::int64_t>(data_->script_versions.size());
}

bool memory_store::add_api_token(const api_token& t) {
    std::lock_guard lock(data_->mutex);
    return data_->tokens.emplace(t.name, t).second;
}

std::vector<api_token> memory_store::api_tokens() {
    std::lock_guard lock(data_->mutex);
    std::vector<api_token> out;
    for (const auto& [name, t] : data_->tokens)
        out.push_back(t);
    return out;
}

bool memory_store::revoke_api_token(const std::string& name) {
    std::lock_guard lock(data_->mutex);
    return data_->tokens.erase(name) > 0;
}

void memory_store::api_token_used(const std::string& name, unix_seconds now) {
    std::lock_guard lock(data_->mutex);
    if (auto it = data_->tokens.find(name); it != data_->tokens.end())
        it->second.last_used_at = std::max(it->second.last_used_at, now);
}

// --- Staff console ---

std::int64_t memory_store::add_staff(const staff_account& account) {
    std::lock_guard lock(data_->mutex);
    auto& staff = data_->staff;
    for (const auto& a : staff)
        if (a.name == account.name) return 0;
    staff.push_back(account);
    staff.back().id = static_cast<std::int64_t>(staff.size());
    return staff.back().id;
}

std::optional<staff_account> memory_store::find_staff(const std::string& name) {
    std::lock_guard lock(data_->mutex);
    for (const auto& a : data_->staff)
        if (a.name == name) return a;
    return std::nullopt;
}

void memory_store::add_staff_session(const staff_session& session) {
    std::lock_guard lock(data_->mutex);
    data_->staff_sessions[session.token_hash] = session;
}

std::optional<staff_login> memory_store::find_staff_session(const std::string& token_hash) {
    std::lock_guard lock(data_->mutex);
    auto it = data_->staff_sessions.find(token_hash);
    if (it == data_->staff_sessions.end()) return std::nullopt;
    const auto id = it->second.staff_id;
    if (id <= 0 || id > static_cast<std::int64_t>(data_->staff.size())) return std::nullopt;
    return staff_login{it->second, data_->staff[static_cast<std::size_t>(id - 1)]};
}

void memory_store::touch_staff_session(const std::string& token_hash, unix_seconds now) {
    std::lock_guard lock(data_->mutex);
    auto it = data_->staff_sessions.find(token_hash);
    if (it != data_->staff_sessions.end())
        it->second.last_seen_at = std::max(it->second.last_seen_at, now);
}

void memory_store::end_staff_session(const std::string& token_hash) {
    std::lock_guard lock(data_->mutex);
    data_->staff_sessions.erase(token_hash);
}

int memory_store::end_stale_staff_sessions(unix_seconds idle_before, unix_seconds begun_before) {
    std::lock_guard lock(data_->mutex);
    return static_cast<int>(std::erase_if(data_->staff_sessions, [&](const auto& kv) {
        return kv.second.last_seen_at < idle_before || kv.second.created_at < begun_before;
    }));
}

std::int64_t memory_store::add_audit(const audit_entry& entry) {
    std::lock_guard lock(data_->mutex);
    data_->audit.push_back(entry);
    data_->audit.back().id = static_cast<std::int64_t>(data_->audit.size());
    return data_->audit.back().id;
}

std::vector<audit_entry> memory_store::audit_log(std::int64_t before_id, int limit) {
    std::lock_guard lock(data_->mutex);
    std::vector<audit_entry> out;
    const auto& audit = data_->audit;
    auto end = static_cast<std::int64_t>(audit.size());
    if (before_id > 0) end = std::min(end, before_id - 1);
    for (auto i = end; i > 0 && static_cast<int>(out.size()) < limit; --i)
        out.push_back(audit[static_cast<std::size_t>(i - 1)]);
    return out;
}

std::vector<funnel_row> memory_store::funnel(const funnel_query& q) {
    std::lock_guard lock(data_->mutex);
    auto& d = *data_;
    // (day, kecamatan) -> the contacts at each step
    std::map<std::pair<std::string, std::string>, std::array<std::set<std::int64_t>, 5>> steps;
    auto add = [&](std::int64_t contact_id, unix_seconds at, std::size_t step) {
        auto day = format_timestamp(at, q.utc_offset_minutes, false).substr(0, 10);
        const auto& state = d.contacts.at(static_cast<std::size_t>(contact_id - 1)).state;
        auto it = state->fields.find("kecamatan");
        std::string kecamatan = it == state->fields.end() ? std::string() : it->second;
        for (auto& ch : kecamatan)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        steps[{day, kecamatan}][step].insert(contact_id);
    };
    for (const auto& m : d.messages)
        if (!m.inbound && m.created_at >= q.since) add(m.contact_id, m.created_at, 0);
    for (const auto& e : d.events) {
        const auto at = d.message(e.message_id).created_at;
        if (at < q.since) continue;
        const bool warned = e.e.node.find(q.warning_node) != std::string::npos;
        const bool signup = e.e.node.find(q.signup_node) != std::string::npos;
        if (e.e.kind == engine::event_kind::registration_completed) {
            add(e.contact_id, at, 3);
        } else if (e.e.kind == engine::event_kind::node_entered && (warned || signup)) {
            add(e.contact_id, at, warned ? 1 : 2);
        }
    }
    // Attended: on the day staff marked it.
    for (const auto& row : d.ledger.rows()) {
        if (row.entry.record.status != engine::registration_status::attended ||
            row.updated_at < q.since)
            continue;
        if (auto it = d.contact_by_address.find(row.entry.contact);
            it != d.contact_by_address.end())
            add(it->second, row.updated_at, 4);
    }
    std::vector<funnel_row> out;
    for (const auto& [key, sets] : steps)
        out.push_back({key.first,
                       key.second,
                       static_cast<std::int64_t>(sets[0].size()),
                       static_cast<std::int64_t>(sets[1].size()),
                       static_cast<std::int64_t>(sets[2].size()),
                       static_cast<std::int64_t>(sets[3].size()),
                       static_cast<std::int64_t>(sets[4].size())});
    // Newest day first, kecamatan in order, as the SQL stores.
    std::stable_sort(out.begin(), out.end(), [](const funnel_row& a, const funnel_row& b) {
        return a.day > b.day;
    });
    if (static_cast<int>(out.size()) > q.limit) out.resize(static_cast<std::size_t>(q.limit));
    return out;
}

std::vector<delivery_health> memory_store::delivery(unix_seconds since) {
    std::lock_guard lock(data_->mutex);
    std::map<std::string, delivery_health> by_channel;
    std::map<std::string, std::map<std::string, std::int64_t>> reasons;
    for (const auto& m : data_->messages) {
        if (m.inbound || m.created_at < since) continue;
        auto& h = by_channel[m.channel];
        h.channel = m.channel;
        if (m.status == "sent" || m.status == "delivered" || m.status == "read") ++h.sent;
        if (m.status == "delivered" || m.status == "read") ++h.delivered;
        if (m.status == "queued") ++h.waiting;
        if (m.status == "failed") {
            ++h.failed;
            ++reasons[m.channel][!m.status_reason.empty() ? m.status_reason
                                 : !m.status_code.empty() ? m.status_code
                                                          : "unknown"];
        }
    }
    std::vector<delivery_health> out;
    for (auto& [channel, h] : by_channel) {
        std::vector<std::pair<std::string, std::int64_t>> top(reasons[channel].begin(),
                                                              reasons[channel].end());
        std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
            return a.second > b.second;
        });
        if (top.size() > 3) top.resize(3);
        h.top_failures = std::move(top);
        out.push_back(std::move(h));
    }
    return out;
}

}  // namespace sapa::storage
