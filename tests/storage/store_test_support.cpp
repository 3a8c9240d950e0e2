#include "store_test_support.hpp"

#include <boost/system/system_error.hpp>

#include <future>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace sapa::storage::testing {

engine::turn_result echo_turn(const engine::contact_state& state,
                              engine::registrar& registrations,
                              const std::string& text,
                              unix_seconds now) {
    engine::turn_result r;
    r.state = state;
    auto& vars = r.state.session.variables;
    vars["turns"] = std::to_string(std::stoi(vars.count("turns") ? vars["turns"] : "0") + 1);
    vars["log"] += (vars["log"].empty() ? "" : ",") + text;
    r.state.session.status = engine::session_status::waiting;
    r.state.session.script_id = "test";
    r.state.session.stack = {{"test", "node"}};
    r.state.session.last_active = now;

    std::istringstream words(text);
    std::string verb, course;
    int capacity = 0;
    words >> verb >> course >> capacity;
    if (verb == "GAGAL") throw std::runtime_error("engine exploded on purpose");
    if (verb == "STOP") r.state.opted_out = true;
    if (verb == "MULAI") r.state.opted_out = false;
    if (verb == "DAFTAR") {
        auto rec = registrations.register_contact(state.address,
                                                  course,
                                                  course,
                                                  capacity,
                                                  {{"nama", "Siti"}, {"nik", "3508011234567890"}},
                                                  now);
        r.state.fields["nama"] = "Siti";
        r.replies.push_back(
            {.text = rec.code + " " + engine::to_string(rec.status), .body = {}, .options = {}});
        r.events.push_back({.kind = engine::event_kind::registration_completed,
                            .node = "test/daftar",
                            .detail = engine::to_string(rec.status),
                            .matched = engine::match_kind::keyword,
                            .data = {{"code", rec.code}}});
        return r;
    }
    if (verb == "STATUS") {
        auto rec = registrations.find(state.address, course);
        r.replies.push_back({.text = "status " + rec.code + " " + engine::to_string(rec.status),
                             .body = {},
                             .options = {}});
        return r;
    }
    if (verb == "BATAL") {
        auto rec = registrations.cancel(state.address, course, now);
        r.replies.push_back({.text = "batal " + rec.code, .body = {}, .options = {}});
        return r;
    }
    r.replies.push_back({.text = "echo: " + text,
                         .body = "echo",
                         .options = {{.key = "1", .label = "Ya"}, {.key = "2", .label = "Tidak"}}});
    r.events.push_back({.kind = engine::event_kind::answer_accepted,
                        .node = "test/node",
                        .detail = text,
                        .matched = engine::match_kind::exact,
                        .data = {}});
    return r;
}

void submit(store& st,
            const test_message& m,
            turn_function turn,
            std::function<void(outcome_or_error)> done) {
    app::conversation_options options;
    options.turn = [turn = std::move(turn)](const engine::contact_state& state,
                                            const messaging::inbound_message&,
                                            engine::registrar& r) { return turn(state, r); };
    // Lives until the message is answered.
    auto conversations = std::make_shared<app::conversations>(st, nullptr, options);
    const app::channel on{m.message.channel, "test", m.by_api ? route::api : route::inline_reply};
    conversations->receive(
        m.message, on, [conversations, done = std::move(done)](outcome_or_error r) {
            done(std::move(r));
        });
}

app::inbound_outcome process(store& st, const test_message& m, turn_function turn) {
    auto answered = std::make_shared<std::promise<outcome_or_error>>();
    auto answer = answered->get_future();
    submit(st, m, std::move(turn), [answered](outcome_or_error r) {
        answered->set_value(std::move(r));
    });
    auto r = answer.get();
    if (!r) throw boost::system::system_error(r.error());
    return std::move(*r);
}

}  // namespace sapa::storage::testing
