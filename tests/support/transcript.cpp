#include "support/transcript.hpp"

#include "app/conversations.hpp"
#include "cli/commands.hpp"
#include "dialog/catalog.hpp"
#include "engine/engine.hpp"
#include "sms/gsm7.hpp"
#include "storage/memory/memory_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace sapa::testing {
namespace {

using json = nlohmann::ordered_json;

engine::unix_seconds parse_utc(const std::string& iso) {
    std::tm tm{};
    std::istringstream in(iso);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
    if (in.fail()) throw std::runtime_error("bad time \"" + iso + "\" (want 2026-01-05T09:00:00Z)");
    return static_cast<engine::unix_seconds>(timegm(&tm));
}

engine::unix_seconds parse_duration(const std::string& text) {
    if (auto seconds = cli::parse_duration_seconds(text)) return *seconds;
    throw std::runtime_error("bad duration \"" + text + "\" (use 90s, 30m, 2h, 3d)");
}

json reply_texts(const std::vector<messaging::outbound_message>& replies) {
    json out = json::array();
    for (const auto& r : replies)
        out.push_back(r.text);
    return out;
}

json event_lines(const std::vector<engine::event>& events) {
    json out = json::array();
    for (const auto& e : events) {
        if (e.kind == engine::event_kind::node_entered) continue;  // noise in a transcript
        out.push_back(engine::describe(e));
    }
    return out;
}

// Keeps only the keys the expectation names, so a transcript checks what it cares about.
json subset_of(const json& actual, const json& expected) {
    if (!expected.is_object() || !actual.is_object()) return actual;
    json out = json::object();
    for (const auto& [k, v] : expected.items())
        out[k] = actual.contains(k) ? actual[k] : json();
    return out;
}

// The channel script with the transcript's "settings" filled in, as staff would before launch:
// {"course_capacity": 16} or {"disnaker_phone": null} (unset).
std::shared_ptr<const dialog::catalog> with_settings(const dialog::catalog& scripts,
                                                     const std::string& script_id,
                                                     const json& settings) {
    std::vector<dialog::script> copies;
    for (const auto& [id, s] : scripts.scripts()) {
        copies.push_back(s);
        if (id != script_id) continue;
        for (const auto& [name, value] : settings.items()) {
            auto& setting = copies.back().settings[name];
            setting.name = name;
            if (value.is_null())
                setting.value.reset();
            else
                setting.value = value.is_string() ? value.get<std::string>() : value.dump();
        }
    }
    return std::make_shared<const dialog::catalog>(std::move(copies));
}

}  // namespace

transcript_result run_transcript(const std::filesystem::path& file,
                                 bool update,
                                 transcript_store kind) {
    transcript_result result;
    std::ifstream in(file);
    json t = json::parse(in);
    const std::filesystem::path root = SAPA_SOURCE_DIR;

    std::vector<std::string> paths;
    for (const auto& p : t.at("scripts"))
        paths.push_back((root / p.get<std::string>()).string());
    auto loaded = dialog::load_catalog(paths);
    if (!loaded.scripts) {
        result.passed = false;
        for (const auto& p : loaded.problems)
            result.report += dialog::to_string(p) + "\n";
        return result;
    }
    const std::string script_id = t.at("script");
    if (t.contains("settings"))
        loaded.scripts = with_settings(*loaded.scripts, script_id, t["settings"]);
    engine::unix_seconds now = parse_utc(t.value("start", "2026-01-05T09:00:00Z"));
    std::string contact = t.value("contact", "+6281234567890");
    std::set<std::string> contacts;
    // The same use case `sapa serve` runs, on the store asked for.
    std::unique_ptr<storage::store> store;
    if (kind == transcript_store::memory) {
        store = std::make_unique<storage::memory_store>();
    } else {
        storage::sqlite_options options;
        options.max_batch_wait = std::chrono::microseconds{0};
        store = storage::sqlite_store::open(":memory:", options);
    }
    const std::shared_ptr<const dialog::catalog> scripts = loaded.scripts;
    app::conversations conversations(*store, [scripts] { return scripts; });
    const app::channel channel{"sms", script_id, storage::route::inline_reply};
    int segment_budget = t.value("segment_budget", 2);
    // "gsm7": every reply must stay in the GSM alphabet (160 characters a part, not 70).
    const bool gsm7_only = t.value("encoding", "") == "gsm7";

    auto fail =
        [&](std::size_t step, const std::string& what, const json& expected, const json& actual) {
            result.passed = false;
            result.report += file.filename().string() + " step " + std::to_string(step + 1) + ": " +
                             what + "\n  expected: " + expected.dump() +
                             "\n  actual:   " + actual.dump() + "\n";
        };

    auto& steps = t.at("steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        auto& step = steps[i];
        if (step.contains("wait")) now += parse_duration(step["wait"]);
        if (step.contains("from")) contact = step["from"];
        if (!step.contains("in") && !step.contains("media")) continue;

        contacts.insert(contact);
        messaging::inbound_message m;
        m.gateway_message_id = "step-" + std::to_string(i);
        m.from = contact;
        m.text = step.value("in", "");
        // "media": "image" (or a list of kinds): what a photo, voice note... brings.
        if (step.contains("media")) {
            const auto& media = step["media"];
            for (const auto& kind : media.is_array() ? media : json::array({media}))
                m.attachments.push_back(
                    {kind.get<std::string>(), {}, "media-" + std::to_string(i), {}});
        }
        m.received_at = now;
        auto turn = conversations.receive_now(std::move(m), channel);
        if (!turn.state) throw std::runtime_error("a transcript step was taken for a repeat");
        const auto& state = *turn.state;
        now += 1;  // messages are a second apart unless the transcript waits
        std::vector<messaging::outbound_message> replies;
        for (const auto& r : turn.replies)
            replies.push_back(r.message);

        json out = reply_texts(replies);
        json events = event_lines(turn.events);
        for (const auto& r : replies) {
            auto cost = sms::measure(r.text);
            if (cost.segments > static_cast<std::size_t>(segment_budget))
                fail(i, "reply over the SMS budget", segment_budget, cost.segments);
            if (gsm7_only && cost.encoding != sms::encoding::gsm7)
                fail(i, "reply sent as UCS-2", "gsm7", cost.non_gsm_chars);
        }
        json saved = {{"variables", state.session.variables},
                      {"fields", state.fields},
                      {"language", state.language},
                      {"opted_out", state.opted_out}};
        if (update) {
            step["out"] = out;
            step["events"] = events;
            if (step.contains("saved")) {
                json kept = json::object();
                for (const auto& [group, expected] : step["saved"].items())
                    kept[group] = subset_of(saved.at(group), expected);
                step["saved"] = kept;
            }
            continue;
        }
        if (step.contains("out") && step["out"] != out)
            fail(i, "replies to " + step.value("in", json()).dump(), step["out"], out);
        if (step.contains("events") && step["events"] != events)
            fail(i, "events after " + step.value("in", json()).dump(), step["events"], events);
        if (step.contains("saved")) {
            for (const auto& [group, expected] : step["saved"].items()) {
                json actual = subset_of(saved.at(group), expected);
                if (actual != expected) fail(i, "saved " + group, expected, actual);
            }
        }
    }

    json registered = json::array();
    for (const auto& address : contacts) {
        for (const auto& course : t.value("courses", std::vector<std::string>{})) {
            engine::registration_record r;
            store->run([&](storage::transaction& tx) {
                engine::registrar registrations(tx.registrations());
                r = registrations.find(address, course);
            });
            if (r.status == engine::registration_status::none) continue;
            registered.push_back({{"contact", address},
                                  {"course", course},
                                  {"code", r.code},
                                  {"status", engine::to_string(r.status)},
                                  {"fields", json(r.fields)}});
        }
    }
    if (update) {
        if (t.contains("courses")) t["registrations"] = registered;
        std::ofstream(file) << t.dump(2) << "\n";
    } else if (t.contains("registrations") && t["registrations"] != registered) {
        fail(steps.size() - 1, "registrations at the end", t["registrations"], registered);
    }
    return result;
}

}  // namespace sapa::testing
