#include "dialog/loader.hpp"

#include "script_builder.hpp"

#include <doctest/doctest.h>

using namespace sapa::dialog;
using sapa::dialog::testing::load_lines;
using sapa::dialog::testing::script_json;
using strings = std::vector<std::string>;

namespace {

const std::string end_node = R"("a": {"say": "Halo", "actions": [{"type": "end"}]})";

script load_ok(const std::string& json) {
    auto r = load_script(json, "t.json");
    REQUIRE(r.problems.empty());
    REQUIRE(r.script);
    return *r.script;
}

}  // namespace

TEST_CASE("the shipped example scripts load without problems") {
    auto main = load_script_file(SAPA_SOURCE_DIR "/dialogs/example.json");
    CHECK(testing::lines(main.problems) == strings{});
    REQUIRE(main.script);
    const script& s = *main.script;
    CHECK(s.id == "example");
    CHECK(s.languages == strings{"id", "en"});
    CHECK(s.start == "menu");
    CHECK(s.help_node == "bantuan");
    CHECK(s.segment_budget == 2);
    CHECK(s.session_timeout_minutes == 60);
    CHECK(s.node_order == strings{"menu",
                                  "info",
                                  "english",
                                  "nama",
                                  "umur",
                                  "terlalu_muda",
                                  "warna",
                                  "konfirmasi",
                                  "simpan",
                                  "terdaftar",
                                  "daftar_tunggu",
                                  "bantuan"});
    CHECK(s.settings.at("kapasitas").value == "2");
    CHECK(s.settings.at("telepon_kantor").unset_text.by_language.at("en") == "ask our staff");
    CHECK(s.lists.at("warna").items.at(0).synonyms == strings{"abang"});
    CHECK(s.lists.at("warna").items.at(2).value == "Hijau");
    REQUIRE(s.keywords.size() == 2);
    CHECK(s.keywords[0].words.at("en") == strings{"REGISTER"});
    CHECK(s.keywords[0].go_to == "nama");

    const node& menu = s.nodes.at("menu");
    REQUIRE(menu.ask);
    CHECK(menu.ask->type == answer_type::menu);
    CHECK(menu.ask->save_as == "pilihan");
    REQUIRE(menu.ask->options.size() == 3);
    CHECK(menu.ask->options[1].key == "2");
    CHECK(menu.ask->options[1].value == "2");
    CHECK(menu.ask->options[0].synonyms == strings{"daftar"});
    CHECK(menu.ask->options[2].label.by_language.at("en") == "Bahasa Indonesia");
    CHECK(menu.ask->show_options);

    const node& umur = s.nodes.at("umur");
    CHECK(umur.ask->has_range);
    CHECK(umur.ask->min == 10);
    CHECK(umur.ask->max == 99);
    CHECK(umur.ask->on_fail == "bantuan");
    REQUIRE(umur.branches.size() == 1);
    CHECK(umur.branches[0].all_of.at(0).left == "umur");
    CHECK(umur.branches[0].all_of.at(0).op == "<");
    CHECK(umur.branches[0].all_of.at(0).right == "18");
    CHECK(umur.next == "warna");

    CHECK(s.nodes.at("nama").ask->max_length == 40);
    CHECK(s.nodes.at("nama").ask->save_to_field == "nama");
    CHECK(s.nodes.at("warna").ask->list == "warna");
    CHECK(s.nodes.at("konfirmasi").ask->yes_go_to == "simpan");
    CHECK(s.nodes.at("info").subflow == "example_info");
    CHECK(s.nodes.at("english").actions.at(0).language == "en");

    const node& simpan = s.nodes.at("simpan");
    REQUIRE(simpan.actions.size() == 1);
    CHECK(simpan.actions[0].kind == action_kind::register_course);
    CHECK(simpan.actions[0].capacity == "settings.kapasitas");
    CHECK(simpan.actions[0].code_prefix == "CTH");
    CHECK(simpan.actions[0].fields == strings{"nama", "umur", "warna"});
    CHECK(simpan.branches.at(0).all_of.at(0).right == "\"waitlisted\"");

    auto info = load_script_file(SAPA_SOURCE_DIR "/dialogs/example_info.json");
    CHECK(testing::lines(info.problems) == strings{});
    REQUIRE(info.script);
    CHECK(info.script->nodes.at("info").ask->options.at(0).key == "9");
    CHECK(info.script->nodes.at("info").ask->options.at(1).value == "0");
}

TEST_CASE("a JSON syntax error is reported at its line and column") {
    auto r = load_script("{\n  \"id\": \"t\",\n  \"start\": \"a\",\n}\n", "t.json");
    CHECK_FALSE(r.script);
    CHECK(load_lines("{\n  \"id\": \"t\",\n  \"start\": \"a\",\n}\n") ==
          strings{"E 4:1: the file is not valid JSON: syntax error while parsing object key - "
                  "unexpected '}'; expected string literal (remove the comma before the closing "
                  "bracket)"});
    CHECK(load_lines("{\"id\": \"t\" \"x\": 1}") ==
          strings{"E 1:14: the file is not valid JSON: syntax error while parsing object - "
                  "unexpected string literal; expected '}'"});
    // Columns count characters: "é" and "“" are two and three bytes.
    CHECK(load_lines("{\"say\": \"é“\" \"x\": 1}").at(0).rfind("E 1:16: ", 0) == 0);
    CHECK(load_lines("") ==
          strings{"E 1:1: the file is not valid JSON: syntax error while parsing value - "
                  "unexpected end of input; expected '[', '{', or a literal"});
    CHECK(load_lines("[1]") ==
          strings{"E : the file must contain one JSON object {...} (found a list)"});
}

TEST_CASE("two nodes with the same id are an error, not a silent overwrite") {
    auto json = script_json(end_node + "," + end_node);
    CHECK(load_lines(json) ==
          strings{"E /nodes/a: node id \"a\" is used by two nodes (rename one)"});
    CHECK(load_lines(script_json(R"("a": {"next": "a", "next": "a"})")) ==
          strings{"E /nodes/a/next: key \"next\" is written twice in the same object (only the "
                  "last one would count)"});
}

TEST_CASE("an unknown answer type lists the valid ones") {
    auto json = script_json(R"("a": {"say": "Umur?", "ask": {"type": "nummber"}})");
    CHECK(load_lines(json) ==
          strings{"E /nodes/a/ask/type: unknown answer type \"nummber\" (expected one of: menu, "
                  "yes_no, number, text, date, phone, nik, list)"});
}

TEST_CASE("missing required keys are named at the object that lacks them") {
    CHECK(load_lines(R"({"id": "t", "version": 1, "languages": ["id"], "nodes": {}})") ==
          strings{"E : missing required key \"start\"", "E /nodes: the script has no nodes"});
    CHECK(load_lines(script_json(R"("a": {"ask": {"save": "x"}})")) ==
          strings{"E /nodes/a/ask: missing required key \"type\""});
    CHECK(load_lines(script_json(R"("a": {"ask": {"type": "menu"}})")) ==
          strings{"E /nodes/a/ask: missing required key \"options\""});
    CHECK(load_lines(script_json(R"("a": {"actions": [{"type": "set", "name": "x"}]})")) ==
          strings{"E /nodes/a/actions/0: missing required key \"value\""});
}

TEST_CASE("a value of the wrong type says what was expected and what was found") {
    CHECK(load_lines(R"({"id": "t", "version": "1", "languages": ["id"], "start": "a",
                         "nodes": {"a": {"next": 5}}})") ==
          strings{"E /version: must be a whole number (found the text \"1\")",
                  "E /nodes/a/next: must be a text (found the number 5)"});
    CHECK(load_lines(
              script_json(R"("a": {"ask": {"type": "number", "min": 1.5, "optional": "ya"}})")) ==
          strings{"E /nodes/a/ask/optional: must be true or false (found the text \"ya\")",
                  "E /nodes/a/ask/min: must be a whole number (found the number 1.5)"});
    CHECK(load_lines(script_json(R"("a": {"say": ["Halo", 3]})")) ==
          strings{"E /nodes/a/say/1: must be a text or an object with one text per language "
                  "(found the number 3)"});
}

TEST_CASE("unknown keys and action types are errors, so typos do not change behaviour quietly") {
    CHECK(load_lines(script_json(R"("a": {"nxt": "a"})")) ==
          strings{"E /nodes/a/nxt: unknown key \"nxt\" for a node (expected one of: actions, say, "
                  "ask, branch, next, subflow)"});
    CHECK(load_lines(script_json(R"("a": {"actions": [{"type": "sett", "name": "x"}]})")) ==
          strings{"E /nodes/a/actions/0/type: unknown action type \"sett\" (expected one of: set, "
                  "set_field, set_language, register, lookup_registration, cancel_registration, "
                  "opt_out, handoff, forget, end, return)"});
    CHECK(load_lines(script_json(R"("a": {"ask": {"type": "text", "max": 5}})")) ==
          strings{"E /nodes/a/ask/max: unknown key \"max\" for a text question (expected one "
                  "of: type, save, field, hint, max_retries, on_fail, optional, correction_of, "
                  "min_length, max_length, any_text, prefixes)"});
    CHECK(load_lines(script_json(end_node, "a", R"(, "messages": {"halo": "x"})")) ==
          strings{"E /messages/halo: unknown built-in message \"halo\" (expected one of: "
                  "stopped, help, resume_offer, invalid, unanswered, step_limit, ended, "
                  "media, waitlist_promoted, registration_confirmed)"});
}

TEST_CASE("branch conditions follow the documented grammar") {
    auto problem_of = [](const std::string& condition) {
        auto nodes = R"("a": {"branch": [{"if": ")" + condition + R"(", "goto": "a"}]})";
        auto l = load_lines(script_json(nodes));
        return l.empty() ? std::string() : l.front();
    };
    CHECK(problem_of("umur < 18 and pendidikan == \\\"SD\\\"") == "");
    CHECK(problem_of("umur > settings.max_age") == "");
    CHECK(problem_of("nik set and hp unset") == "");
    CHECK(problem_of("umur = 18") ==
          "E /nodes/a/branch/0/if: invalid condition \"umur = 18\": unknown comparison \"=\" "
          "(expected one of: ==, !=, <, <=, >, >=, set, unset)");
    CHECK(problem_of("umur <") ==
          "E /nodes/a/branch/0/if: invalid condition \"umur <\": expected a number, a \"quoted "
          "text\" or a variable after \"<\"");
    CHECK(problem_of("umur < 18 or umur > 60") ==
          "E /nodes/a/branch/0/if: invalid condition \"umur < 18 or umur > 60\": \"or\" is not "
          "supported (use one branch for each alternative)");
    CHECK(problem_of("18 < umur") ==
          "E /nodes/a/branch/0/if: invalid condition \"18 < umur\": a comparison must start "
          "with a variable name (found \"18\")");
    CHECK(problem_of("kota == \\\"Lumajang") ==
          "E /nodes/a/branch/0/if: invalid condition \"kota == \"Lumajang\": a quoted text is "
          "not closed with \"");
    CHECK(problem_of("umur > 1 and") ==
          "E /nodes/a/branch/0/if: invalid condition \"umur > 1 and\": expected a condition "
          "after \"and\"");

    auto s = load_ok(script_json(
        R"("a": {"branch": [{"if": "umur >= 18 and kota == \"Lumajang\"", "goto": "a"},
                            {"goto": "a"}]})"));
    const auto& b = s.nodes.at("a").branches;
    REQUIRE(b.size() == 2);
    REQUIRE(b[0].all_of.size() == 2);
    CHECK(b[0].all_of[1].left == "kota");
    CHECK(b[0].all_of[1].op == "==");
    CHECK(b[0].all_of[1].right == "\"Lumajang\"");
    CHECK(b[0].condition_source == "umur >= 18 and kota == \"Lumajang\"");
    CHECK(b[1].all_of.empty());
}

TEST_CASE("menu option keys default to their position and must be unique") {
    auto s = load_ok(script_json(
        R"("a": {"say": "Pilih", "ask": {"type": "menu", "options": [
             {"label": "Satu"}, {"label": "Dua", "value": "dua"}, {"label": "Keluar", "key": 0}]}})"));
    const auto& options = s.nodes.at("a").ask->options;
    CHECK(options[0].key == "1");
    CHECK(options[0].value == "1");
    CHECK(options[1].value == "dua");
    CHECK(options[2].key == "0");

    CHECK(
        load_lines(script_json(
            R"("a": {"ask": {"type": "menu", "options": [{"label": "A", "key": "2"}, {"label": "B"}]}})")) ==
        strings{"E /nodes/a/ask/options/1: option key \"2\" is already used by option 1 (an "
                "option without \"key\" uses its position)"});
}

TEST_CASE("texts: a string is the default language, every text needs the default language") {
    auto s = load_ok(script_json(R"("a": {"say": ["Halo", {"id": "Hai", "en": "Hi"}]})"));
    CHECK(s.nodes.at("a").say.at(0).by_language ==
          std::map<std::string, std::string>{{"id", "Halo"}});
    CHECK(s.nodes.at("a").say.at(1).by_language.at("en") == "Hi");

    CHECK(load_lines(script_json(R"("a": {"say": {"en": "Hi"}})")) ==
          strings{"E /nodes/a/say: missing the \"id\" text (the default language)"});
    CHECK(load_lines(script_json(R"("a": {"say": {"id": "Hai", "eng": "Hi"}})")) ==
          strings{"E /nodes/a/say/eng: unknown language \"eng\" (this script's languages: id, "
                  "en)"});
}

TEST_CASE("settings and lists accept the short and the long form") {
    auto s = load_ok(script_json(end_node, "a", R"(,
        "settings": {"kursi": 20, "tarif": 2.5, "telepon": {"value": null, "unset_text": "tanya petugas",
                     "description": "nomor kantor"}, "alamat": "Jl. Mawar 1"},
        "lists": {"kecamatan": [{"value": "Tempursari", "synonyms": ["tempur sari"]}, "Pronojiwo"]})"));
    CHECK(s.settings.at("kursi").value == "20");
    CHECK(s.settings.at("tarif").value == "2.5");
    CHECK(s.settings.at("alamat").value == "Jl. Mawar 1");
    CHECK_FALSE(s.settings.at("telepon").value);
    CHECK(s.settings.at("telepon").unset_text.by_language.at("id") == "tanya petugas");
    CHECK(s.settings.at("telepon").description == "nomor kantor");
    const auto& items = s.lists.at("kecamatan").items;
    REQUIRE(items.size() == 2);
    CHECK(items[0].synonyms == strings{"tempur sari"});
    CHECK(items[1].value == "Pronojiwo");

    CHECK(load_lines(script_json(end_node, "a", R"(, "settings": {"x": {"description": "d"}})")) ==
          strings{"E /settings/x: missing required key \"value\""});
    CHECK(load_lines(script_json(end_node, "a", R"(, "lists": {"k": ["A", "A"]})")) ==
          strings{"E /lists/k/1: item \"A\" is listed twice"});
}

TEST_CASE("comment is allowed in every object") {
    load_ok(R"({"id": "t", "version": 1, "languages": ["id"], "start": "a", "comment": "x",
               "settings": {"comment": "x", "s": {"value": 1, "comment": "x"}},
               "nodes": {"comment": "x", "a": {"comment": "x", "say": {"id": "Hai", "comment": "x"},
                 "ask": {"type": "menu", "comment": "x", "options": [{"label": "A", "comment": "x"}]},
                 "branch": [{"goto": "a", "comment": "x"}],
                 "actions": [{"type": "end", "comment": "x"}]}}})");
}

TEST_CASE("register capacity is a whole number or a setting") {
    auto s = load_ok(script_json(
        R"("a": {"actions": [{"type": "register", "course": "jahit", "capacity": 20},
                             {"type": "register", "course": "las", "capacity": "settings.kursi"},
                             {"type": "end"}]})"));
    CHECK(s.nodes.at("a").actions[0].capacity == "20");
    CHECK(s.nodes.at("a").actions[1].capacity == "settings.kursi");
    CHECK(load_lines(script_json(
              R"("a": {"actions": [{"type": "register", "course": "las", "capacity": "dua"}]})")) ==
          strings{"E /nodes/a/actions/0/capacity: must be a whole number or \"settings.NAME\" "
                  "(found the text \"dua\")"});
}

TEST_CASE("variables the script writes must be plain names") {
    CHECK(load_lines(script_json(R"("a": {"ask": {"type": "text", "save": "contact.nama"}})")) ==
          strings{"E /nodes/a/ask/save: cannot write to \"contact.nama\": names with a dot "
                  "(contact., settings., registration.) are filled by Sapa"});
    CHECK(load_lines(script_json(
              R"("a": {"actions": [{"type": "set", "name": "nama lengkap", "value": "x"}]})")) ==
          strings{"E /nodes/a/actions/0/name: invalid name \"nama lengkap\" (use only letters, "
                  "digits and _, starting with a letter)"});
}

TEST_CASE("every problem of a file is reported in one run") {
    auto l = load_lines(R"({"id": "t t", "version": 1, "languages": ["id"], "start": "a",
        "nodes": {"a": {"ask": {"type": "nummber"}, "nxt": "b"},
                  "b": {"say": 1}}})");
    CHECK(l.size() == 4);
}

TEST_CASE("set_language must name one of the script's languages") {
    CHECK(load_lines(
              script_json(R"("a": {"actions": [{"type": "set_language", "language": "jv"}]})")) ==
          strings{"E /nodes/a/actions/0/language: unknown language \"jv\" (this script's "
                  "languages: id, en)"});
}

TEST_CASE("issue 16 keys: answer_words, topics, question_fallback, list ignore, ask keys") {
    auto s = load_ok(script_json(
        R"("a": {"say": "Nama?", "ask": {"type": "text", "save": "nama", "prefixes": ["nama saya"],
                 "any_text": true, "correction_of": "a"}, "next": "b"},
           "b": {"say": "Kec?", "ask": {"type": "list", "list": "kec", "numbered": true}, "next": "c"},
           "c": {"say": "Info", "actions": [{"type": "return"}, {"type": "end"}]})",
        "a",
        R"(, "progress_kept_hours": 48, "question_fallback": "c",
             "answer_words": {"yes": ["nggih"], "no": ["mboten"], "ignore": ["kulo"]},
             "topics": [{"id": "biaya", "words": {"id": ["biaya"], "en": ["cost"]}, "answer": "c"},
                        {"id": "kapan", "words": ["kapan"], "answer": "c"}],
             "lists": {"kec": {"items": ["Tempursari"], "ignore": ["lumajang"]}})"));
    CHECK(s.progress_kept_hours == 48);
    CHECK(s.question_fallback == "c");
    CHECK(s.vocabulary.yes == strings{"nggih"});
    CHECK(s.vocabulary.no == strings{"mboten"});
    CHECK(s.vocabulary.ignore == strings{"kulo"});
    REQUIRE(s.topics.size() == 2);
    CHECK(s.topics[0].words.at("en") == strings{"cost"});
    CHECK(s.topics[1].words.at("id") == strings{"kapan"});
    CHECK(s.topics[1].answer == "c");
    CHECK(s.lists.at("kec").ignore == strings{"lumajang"});
    const auto& a = *s.nodes.at("a").ask;
    CHECK(a.any_text);
    CHECK(a.prefixes == strings{"nama saya"});
    CHECK(a.correction_of == "a");
    CHECK(s.nodes.at("b").ask->numbered);
    CHECK(s.nodes.at("c").actions[0].kind == action_kind::return_to_question);

    CHECK(load_lines(script_json(end_node, "a", R"(, "answer_words": {"ya": ["x"]})")) ==
          strings{"E /answer_words/ya: unknown key \"ya\" for answer_words (expected one of: "
                  "yes, no, ignore)"});
    CHECK(load_lines(
              script_json(end_node, "a", R"(, "topics": [{"id": "x", "words": ["a"], "answer": "a"},
                                {"id": "x", "words": ["b"], "answer": "a"}])")) ==
          strings{"E /topics/1/id: topic id \"x\" is used twice"});
    CHECK(load_lines(script_json(R"("a": {"ask": {"type": "menu", "options": [{"label": "A"}],
                                           "any_text": true}})")) ==
          strings{"E /nodes/a/ask/any_text: unknown key \"any_text\" for a menu question "
                  "(expected one of: type, save, field, hint, max_retries, on_fail, optional, "
                  "correction_of, options, show_options)"});
}

TEST_CASE("a subflow id that is a path is an error") {
    // `sapa chat` looks for a subflow's script beside the file, as ID.json.
    for (const std::string id : {"../../x", "sub/flow", "..\\\\x", ".hidden"}) {
        auto nodes = R"("s": {"subflow": ")" + id + R"(", "next": "a"}, )" + end_node;
        auto problems = load_lines(script_json(nodes, "s"));
        REQUIRE_MESSAGE(problems.size() == 1, id);
        CHECK(problems[0].starts_with("E /nodes/s/subflow: invalid script id \""));
    }
    auto plain = R"("s": {"subflow": "info_2", "next": "a"}, )" + end_node;
    CHECK(load_lines(script_json(plain, "s")) == strings{});
}
