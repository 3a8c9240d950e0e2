#include "dialog/checker.hpp"

#include "script_builder.hpp"

#include <doctest/doctest.h>

using namespace sapa::dialog;
using sapa::dialog::testing::id_script_json;
using sapa::dialog::testing::lines;
using sapa::dialog::testing::script_json;
using strings = std::vector<std::string>;

namespace {

strings check_lines(const std::string& json, const catalog* others = nullptr) {
    auto r = load_script(json, "t.json");
    REQUIRE(lines(r.problems) == strings{});
    REQUIRE(r.script);
    return lines(check_script(*r.script, "t.json", others));
}

// Only the problems of one severity, to keep each test about one kind of finding.
strings only(char severity, const strings& all) {
    strings out;
    for (const auto& l : all)
        if (l.front() == severity) out.push_back(l);
    return out;
}

const char* const ends = R"("actions": [{"type": "end"}])";

}  // namespace

TEST_CASE("the shipped scripts have no errors, only settings staff must fill in warn") {
    auto r = load_catalog({SAPA_SOURCE_DIR "/dialogs"});
    CHECK(only('E', lines(r.problems)) == strings{});
    for (const auto& warning : only('W', lines(r.problems))) {
        CAPTURE(warning);
        CHECK(warning.find("has no value yet") != std::string::npos);
    }
    REQUIRE(r.scripts);
    CHECK(r.scripts->find("example"));
    CHECK(r.scripts->find("example_info"));
    CHECK(r.scripts->find("lumajang"));
}

TEST_CASE("a reference to an unknown node suggests the closest node id") {
    auto json = script_json(
        std::string(R"("ask_age": {"say": "Umur?", "ask": {"type": "number", "save": "umur"},
                              "next": "ask_agee"},
                              "selesai": {"say": "Terima kasih", )") +
            ends + "}",
        "ask_age");
    CHECK(only('E', check_lines(json)) ==
          strings{"E /nodes/ask_age/next: unknown node \"ask_agee\" (did you mean \"ask_age\"?)"});
}

TEST_CASE("every key that names a node is checked") {
    auto json = script_json(
        std::string(R"("a": {"say": {"id": "Ya?", "en": "Yes?"},
                             "ask": {"type": "yes_no", "yes": "x1", "no": "b", "on_fail": "x2"}},
                       "b": {"say": {"id": "Pilih", "en": "Choose"},
                             "ask": {"type": "menu", "options": [{"label": {"id": "A", "en": "A"}, "goto": "x3"}]},
                             "branch": [{"if": "input == 1", "goto": "x4"}], "next": "zzz"})"),
        "menuu",
        R"(, "help_node": "bantuan", "keywords": [{"words": ["DAFTAR"], "goto": "daftr"}])");
    CHECK(only('E', check_lines(json)) ==
          strings{"E /start: unknown node \"menuu\"",
                  "E /help_node: unknown node \"bantuan\"",
                  "E /keywords/0/goto: unknown node \"daftr\"",
                  "E /nodes/a/ask/yes: unknown node \"x1\"",
                  "E /nodes/a/ask/on_fail: unknown node \"x2\"",
                  "E /nodes/b/ask/options/0/goto: unknown node \"x3\"",
                  "E /nodes/b/branch/0/goto: unknown node \"x4\"",
                  "E /nodes/b/next: unknown node \"zzz\""});
}

TEST_CASE("unknown lists, settings and subflow scripts are errors") {
    auto json = id_script_json(std::string(R"("a": {"say": "Telepon {{settings.telpon}}",
                             "ask": {"type": "list", "list": "kecamatn", "save": "kec"},
                             "branch": [{"if": "kec == settings.kota", "goto": "b"}], "next": "b"},
                       "b": {"subflow": "infoo", "next": "c"},
                       "c": {"say": "Selesai", "actions": [{"type": "register", "course": "x",
                             "capacity": "settings.kursi"}, {"type": "end"}]})"),
                               "a",
                               R"(, "settings": {"telepon": "0334"},
             "lists": {"kecamatan": ["Tempursari"]})");
    auto info = load_script(R"({"id": "info", "version": 1, "languages": ["id"], "start": "i",
                               "nodes": {"i": {"say": "Info", "actions": [{"type": "end"}]}}})",
                            "info.json");
    catalog others({*info.script});
    CHECK(only('E', check_lines(json, &others)) ==
          strings{"E /nodes/a/ask/list: unknown list \"kecamatn\" (did you mean \"kecamatan\"?)",
                  "E /nodes/b/subflow: unknown script \"infoo\" (did you mean \"info\"?)",
                  "E /nodes/c/actions/0/capacity: unknown setting \"kursi\"",
                  "E /nodes/a/say: unknown setting \"telpon\" (did you mean \"telepon\"?)",
                  "E /nodes/a/branch/0/if: unknown setting \"kota\""});
    // Without a catalog, subflows cannot be resolved and are not reported.
    CHECK(only('E', check_lines(json)).size() == 4);
}

TEST_CASE("a variable must be set on some path before a node uses it") {
    auto json = id_script_json(std::string(R"(
        "a": {"say": "Halo {{nama}}", "next": "b"},
        "b": {"say": "Nama?", "ask": {"type": "text", "save": "nama"},
              "branch": [{"if": "nama == \"Budi\"", "goto": "c"}], "next": "c"},
        "c": {"say": "Hai {{nama}}, lahir {{tgl}}? {{namaa}} {{registration.code}}",
              "ask": {"type": "date", "save": "tgl", "age": "umur"}, "next": "d"},
        "d": {"actions": [{"type": "set", "name": "salam", "value": "Hai {{nama}}"},
                          {"type": "register", "course": "k", "fields": ["nama", "umur", "hp"]},
                          {"type": "end"}],
              "say": "{{salam}} {{umur}} {{registration.code}} {{registration.kode}} {{contact.nama}} {{input}}"})"));
    CHECK(only('E', check_lines(json)) ==
          strings{"E /nodes/a/say: variable \"nama\" is used before any node sets it",
                  "E /nodes/c/say: variable \"tgl\" is used before any node sets it",
                  "E /nodes/c/say: variable \"namaa\" is used but no node sets it (did you mean "
                  "\"nama\"?)",
                  "E /nodes/c/say: variable \"registration.code\" is used before any node sets it",
                  "E /nodes/d/actions/1/fields/2: variable \"hp\" is used but no node sets it",
                  "E /nodes/d/say: unknown variable \"registration.kode\" (registration variables "
                  "are: registration.code, registration.status, registration.position, "
                  "registration.course)"});
}

TEST_CASE("a keyword can be the first message, so its target starts with nothing set") {
    auto json = id_script_json(std::string(R"(
        "a": {"say": "Nama?", "ask": {"type": "text", "save": "nama"}, "next": "c"},
        "b": {"say": "Terima kasih {{nama}}", "next": "c"},
        "c": {"say": "Sampai jumpa", )") +
                                   ends + "}",
                               "a",
                               R"(, "keywords": [{"words": ["OK"], "goto": "b"}])");
    CHECK(only('E', check_lines(json)) ==
          strings{"E /nodes/b/say: variable \"nama\" is used before any node sets it"});
}

TEST_CASE("unreachable nodes and dead ends are warnings") {
    auto json = id_script_json(R"(
        "a": {"say": "Halo", "ask": {"type": "menu", "options": [{"label": "Satu", "goto": "b"}, {"label": "Dua"}]}},
        "b": {"say": "B", "branch": [{"if": "input == 1", "goto": "c"}]},
        "c": {"say": "C"},
        "lost": {"say": "L {{kota}} {{x}}", "ask": {"type": "text", "save": "x"}, "next": "a"})",
                               "a",
                               "");
    CHECK(check_lines(json) ==
          strings{"E /nodes/lost/say: variable \"kota\" is used but no node sets it",
                  "W /nodes/lost: node \"lost\" can never be reached: no node, keyword, "
                  "\"start\" or \"help_node\" leads to it",
                  "W /nodes/a: after some answers the conversation ends here (add a \"next\", or "
                  "an \"end\" action if that is intended)",
                  "W /nodes/b: when no branch matches, the conversation ends here (add a "
                  "\"next\", a branch without \"if\", or an \"end\" action)",
                  "W /nodes/c: the conversation ends here: the node has no \"ask\", \"next\", "
                  "\"branch\" or \"subflow\" (add an \"end\" action if that is intended)"});
}

TEST_CASE("a text without one of the script's languages is a warning") {
    auto json = script_json(std::string(R"("a": {"say": "Halo",
        "ask": {"type": "menu", "options": [{"label": {"id": "Ya", "en": "Yes"}, "goto": "a"}],
                "hint": {"id": "Balas 1"}}})"));
    CHECK(check_lines(json) ==
          strings{"W /nodes/a/say: no \"en\" text (contacts using \"en\" get the \"id\" text)",
                  "W /nodes/a/ask/hint: no \"en\" text (contacts using \"en\" get the \"id\" "
                  "text)"});
}

TEST_CASE("unset settings are named, one warning each") {
    auto json =
        id_script_json(std::string(R"("a": {"say": "Telepon {{settings.telepon}}", )") + ends + "}",
                       "a",
                       R"(, "settings": {
           "telepon": {"value": null, "unset_text": "tanya petugas"},
           "alamat": {"value": null}, "kursi": 20})");
    CHECK(check_lines(json) ==
          strings{"W /settings/alamat: setting \"alamat\" has no value yet and no unset_text: "
                  "residents see nothing in its place",
                  "W /settings/telepon: setting \"telepon\" has no value yet: residents see its "
                  "unset_text until you fill it in"});
}

TEST_CASE("messages over the segment budget count variables at their longest") {
    // 150 characters of text plus a name of up to 160: three parts in the worst case.
    auto json = id_script_json(std::string(R"(
        "a": {"say": "Nama?", "ask": {"type": "text", "save": "nama"}, "next": "b"},
        "b": {"say": ")") + std::string(150, 'a') +
                                   R"( {{nama}}", )" + ends + "}",
                               "a",
                               "");
    CHECK(check_lines(json) ==
          strings{"W /nodes/b/say: the \"id\" message needs 3 SMS parts (311 characters with "
                  "every variable at its longest); segment_budget is 2"});

    // The same text with a short name fits.
    auto short_name = json;
    short_name.replace(
        short_name.find(R"("save": "nama"})"), 15, R"("save": "nama", "max_length": 20})");
    CHECK(check_lines(short_name) == strings{});
}

TEST_CASE("menu option lines count towards the prompt's SMS parts") {
    std::string options;
    for (int i = 0; i < 8; ++i)
        options += std::string(i ? "," : "") + R"({"label": ")" + std::string(36, 'o') +
                   R"(", "goto": "a"})";
    auto json = id_script_json(
        R"("a": {"say": "Pilih:", "ask": {"type": "menu", "options": [)" + options + "]}}",
        "a",
        R"(, "segment_budget": 1)");
    // "Pilih:" (6) + 8 lines of "\n1. " (4) + 36 = 326 characters.
    CHECK(check_lines(json) ==
          strings{"W /nodes/a/say: the \"id\" message needs 3 SMS parts (326 characters with "
                  "every variable at its longest); segment_budget is 1"});
}

TEST_CASE("characters that force UCS-2 are named") {
    auto json = id_script_json(
        std::string(R"("a": {"say": "Terima kasih 🙏 – “sampai jumpa”", )") + ends + "}", "a", "");
    CHECK(check_lines(json) ==
          strings{"W /nodes/a/say: the \"id\" message is sent as UCS-2 (70 characters per SMS "
                  "instead of 160) because of 🙏, –, “, ”; replace them with plain letters"});
}

TEST_CASE("the worst case uses setting values, unset texts and registration codes") {
    auto json = id_script_json(std::string(R"(
        "a": {"actions": [{"type": "register", "course": "jahit", "code_prefix": "LMJ-JAHIT-KELAS-A"},
                          {"type": "end"}],
              "say": ["Alamat: {{settings.alamat}}", "Telepon: {{settings.telepon}}",
                      ")") + std::string(140, 'k') +
                                   R"( {{registration.code}}"]})",
                               "a",
                               R"(, "segment_budget": 1, "settings": {"alamat": "Jl. Mawar – 1",
                                   "telepon": {"value": null, "unset_text": "tanya petugas ×"}})");
    CHECK(check_lines(json) ==
          strings{"W /nodes/a/say/0: the \"id\" message is sent as UCS-2 (70 characters per SMS "
                  "instead of 160) because of –; replace them with plain letters",
                  "W /nodes/a/say/1: the \"id\" message is sent as UCS-2 (70 characters per SMS "
                  "instead of 160) because of ×; replace them with plain letters",
                  "W /nodes/a/say/2: the \"id\" message needs 2 SMS parts (163 characters with "
                  "every variable at its longest); segment_budget is 1",
                  "W /settings/telepon: setting \"telepon\" has no value yet: residents see its "
                  "unset_text until you fill it in"});
}

TEST_CASE("issue 16 keys are checked: topics, question_fallback, correction_of") {
    auto json = id_script_json(std::string(R"(
        "a": {"say": "Tgl?", "ask": {"type": "date", "save": "tgl"}, "next": "b"},
        "b": {"say": "Lagi?", "ask": {"type": "menu", "options": [{"label": "Ya", "goto": "a"}],
              "correction_of": "c"}},
        "c": {"say": "Info", )") + ends +
                                   R"(},
        "d": {"say": "Tanya", "ask": {"type": "text", "save": "x"}, "next": "c"})",
                               "a",
                               R"(, "question_fallback": "nope",
             "topics": [{"id": "t", "words": ["biaya"], "answer": "d"},
                        {"id": "u", "words": ["kapan"], "answer": "x"}])");
    CHECK(only('E', check_lines(json)) ==
          strings{"E /topics/1/answer: unknown node \"x\"",
                  "E /question_fallback: unknown node \"nope\"",
                  "E /nodes/b/ask/correction_of: node \"c\" asks no question, so no answer can "
                  "correct it",
                  "E /topics/0/answer: node \"d\" cannot answer a topic: its texts are sent, and "
                  "those of the nodes it leads to, up to the first question or action, so it "
                  "must have neither (nor a subflow)"});
}

TEST_CASE("a condition may test a variable that only some paths set") {
    // "batal" is a keyword target, reached with whatever was answered before it: testing
    // daftar_aktif there is how a script asks "is a sign-up being typed?".
    auto json = id_script_json(std::string(R"(
        "a": {"actions": [{"type": "set", "name": "daftar_aktif", "value": "ya"}],
              "say": "Nama?", "ask": {"type": "text", "save": "nama"}, "next": "c"},
        "b": {"branch": [{"if": "daftar_aktif == \"ya\"", "goto": "c"}], "next": "c"},
        "c": {"say": "Selesai {{nama}}", )") +
                                   ends + "}",
                               "a",
                               R"(, "keywords": [{"words": ["BATAL"], "goto": "b"}])");
    // Texts keep their rule (c's {{nama}} is set on the path through a); a condition only needs
    // some node to set the name it tests.
    CHECK(only('E', check_lines(json)) == strings{});
    auto unknown = json;
    unknown.replace(unknown.find("daftar_aktif == "), 12, "daftar_aktf");
    CHECK(only('E', check_lines(unknown)) ==
          strings{"E /nodes/b/branch/0/if: variable \"daftar_aktf\" is used but no node sets it "
                  "(did you mean \"daftar_aktif\"?)"});
}

TEST_CASE("regression issue 16: a no is never a cancel keyword or a cancel option's synonym") {
    auto json = id_script_json(std::string(R"(
        "a": {"say": "Benar?", "ask": {"type": "menu", "options": [
                {"label": "YA", "goto": "b"},
                {"label": "UBAH", "goto": "a", "synonyms": ["tidak"]},
                {"label": "BATAL", "goto": "b", "synonyms": ["tidak", "gak jadi"]}]}},
        "b": {"say": "Selesai", )") +
                                   ends + "}",
                               "a",
                               R"(, "keywords": [{"words": ["BATAL", "TIDAK"], "goto": "b"}])");
    CHECK(only('W', check_lines(json)) ==
          strings{"W /keywords/0/words/id/1: \"TIDAK\" is a no: Sapa never reads a plain no as a "
                  "keyword (at a question it answers the question, elsewhere it starts the "
                  "script)",
                  "W /nodes/a/ask/options/2/synonyms/0: \"tidak\" is a no, and this option "
                  "cancels: residents answering \"Benar?\" with it mean \"not correct\" (give it "
                  "to the option that changes an answer)"});
}

TEST_CASE("a re-prompt is measured as the engine sends it: hint and question, or the hint") {
    // A two-part page with a short hint: together three parts, so the engine sends the hint
    // alone, and nothing is over budget.
    const std::string page(280, 'p');
    auto json = id_script_json(R"("a": {"say": ")" + page + R"(", "ask": {"type": "menu",
        "show_options": false, "options": [{"key": "9", "label": "Lanjut", "goto": "a"}],
        "hint": "Balas 9."}})");
    CHECK(check_lines(json) == strings{});
    // A hint that needs three parts itself is reported.
    auto long_hint = json;
    long_hint.replace(long_hint.find("Balas 9."), 8, std::string(320, 'h'));
    CHECK(check_lines(long_hint) ==
          strings{"W /nodes/a/ask/hint: the \"id\" message needs 3 SMS parts (320 characters with "
                  "every variable at its longest); segment_budget is 2"});
    // A short question and hint go together, and are measured together.
    auto together = id_script_json(R"("a": {"say": "Nama? )" + std::string(140, 'q') +
                                   R"(", "ask": {"type": "text", "save": "n", "hint": "Nama )" +
                                   std::string(180, 'h') + R"("}, "next": "a"})");
    CHECK(check_lines(together) == strings{});
}

TEST_CASE("the answer to a photo or voice note must fit one SMS") {
    const std::string nodes = R"("a": {"say": "Halo", )" + std::string(ends) + "}";
    auto json = id_script_json(
        nodes, "a", R"(, "messages": {"media": {"id": ")" + std::string(170, 'm') + R"("}})");
    CHECK(check_lines(json) ==
          strings{"W /messages/media: the \"id\" message needs 2 SMS parts; the answer to a "
                  "photo or voice note must fit one"});
    auto short_text =
        id_script_json(nodes, "a", R"(, "messages": {"media": {"id": "Balas dengan tulisan."}})");
    CHECK(check_lines(short_text) == strings{});
}
