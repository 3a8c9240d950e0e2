#include "dialog/words.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>

namespace sapa::dialog {
namespace {

struct entry {
    std::string_view words;  // normalised: lower case, single spaces, no punctuation
    word_class kind;
};

using k = word_class;

// Indonesian as residents text it, and English. Each entry once: a phrase that reads as yes
// although it opens with a negation ("tidak apa apa", "it's fine") is a yes phrase, and the
// longest phrase wins. Sources: the shared resident-language notes; DESIGN for the English.
constexpr auto built_in = std::to_array<entry>({
    // yes
    {"ya", k::yes},
    {"yes", k::yes},
    {"y", k::yes},
    {"yaa", k::yes},
    {"yaaa", k::yes},
    {"iya", k::yes},
    {"iyaa", k::yes},
    {"iyaaa", k::yes},
    {"iye", k::yes},
    {"yoi", k::yes},
    {"yup", k::yes},
    {"yep", k::yes},
    {"yeah", k::yes},
    {"ok", k::yes},
    {"oke", k::yes},
    {"okay", k::yes},
    {"okey", k::yes},
    {"okee", k::yes},
    {"okeh", k::yes},
    {"sip", k::yes},
    {"siap", k::yes},
    {"benar", k::yes},
    {"betul", k::yes},
    {"bener", k::yes},
    {"setuju", k::yes},
    {"mau", k::yes},
    {"boleh", k::yes},
    {"tentu", k::yes},
    {"pasti", k::yes},
    {"sudah", k::yes},
    {"sdh", k::yes},
    {"udah", k::yes},
    {"sure", k::yes},
    {"agree", k::yes},
    {"correct", k::yes},
    {"tidak apa apa", k::yes},
    {"tidak apa2", k::yes},
    {"gak apa apa", k::yes},
    {"ga apa apa", k::yes},
    {"gpp", k::yes},
    {"tidak masalah", k::yes},
    {"gak masalah", k::yes},
    {"ga masalah", k::yes},
    {"no problem", k::yes},
    {"of course", k::yes},
    // negations, which may open a phrase: "tidak mau", "gak setuju"
    {"tidak", k::negation},
    {"tdk", k::negation},
    {"tak", k::negation},
    {"gak", k::negation},
    {"ga", k::negation},
    {"gk", k::negation},
    {"nggak", k::negation},
    {"ngga", k::negation},
    {"ngak", k::negation},
    {"enggak", k::negation},
    {"engga", k::negation},
    {"ndak", k::negation},
    {"nda", k::negation},
    {"kagak", k::negation},
    {"no", k::negation},
    {"not", k::negation},
    {"bukan", k::negation},
    {"belum", k::negation},
    {"blm", k::negation},
    {"jangan", k::negation},
    {"jgn", k::negation},
    // other no words
    {"t", k::no},
    {"n", k::no},
    {"nope", k::no},
    {"salah", k::no},
    {"ogah", k::no},
    // courtesy, fillers and greetings: said around an answer, never the answer
    {"pak", k::courtesy},
    {"bu", k::courtesy},
    {"bapak", k::courtesy},
    {"ibu", k::courtesy},
    {"mas", k::courtesy},
    {"mbak", k::courtesy},
    {"mba", k::courtesy},
    {"kak", k::courtesy},
    {"kakak", k::courtesy},
    {"dik", k::courtesy},
    {"dek", k::courtesy},
    {"bund", k::courtesy},
    {"min", k::courtesy},
    {"gan", k::courtesy},
    {"sis", k::courtesy},
    {"om", k::courtesy},
    {"cak", k::courtesy},
    {"saya", k::courtesy},
    {"sy", k::courtesy},
    {"aku", k::courtesy},
    {"i", k::courtesy},
    {"deh", k::courtesy},
    {"dong", k::courtesy},
    {"sih", k::courtesy},
    {"kok", k::courtesy},
    {"lah", k::courtesy},
    {"nih", k::courtesy},
    {"yah", k::courtesy},
    {"aja", k::courtesy},
    {"saja", k::courtesy},
    {"yang", k::courtesy},
    {"terima kasih", k::courtesy},
    {"terimakasih", k::courtesy},
    {"makasih", k::courtesy},
    {"makasi", k::courtesy},
    {"trims", k::courtesy},
    {"tks", k::courtesy},
    {"thanks", k::courtesy},
    {"thank you", k::courtesy},
    {"thx", k::courtesy},
    {"please", k::courtesy},
    {"mohon", k::courtesy},
    {"maaf", k::courtesy},
    {"permisi", k::courtesy},
    {"halo", k::courtesy},
    {"hallo", k::courtesy},
    {"helo", k::courtesy},
    {"hello", k::courtesy},
    {"hai", k::courtesy},
    {"hi", k::courtesy},
    {"hey", k::courtesy},
    {"p", k::courtesy},
    {"ping", k::courtesy},
    {"tes", k::courtesy},
    {"test", k::courtesy},
    {"assalamualaikum", k::courtesy},
    {"assalamu alaikum", k::courtesy},
    {"ass", k::courtesy},
    {"salam", k::courtesy},
    {"selamat pagi", k::courtesy},
    {"selamat siang", k::courtesy},
    {"selamat sore", k::courtesy},
    {"selamat malam", k::courtesy},
    {"pagi", k::courtesy},
    {"siang", k::courtesy},
    {"sore", k::courtesy},
    {"malam", k::courtesy},
    // question words
    {"apa", k::question},
    {"apakah", k::question},
    {"apaan", k::question},
    {"berapa", k::question},
    {"brp", k::question},
    {"brapa", k::question},
    {"kapan", k::question},
    {"kpn", k::question},
    {"dimana", k::question},
    {"dmn", k::question},
    {"mana", k::question},
    {"siapa", k::question},
    {"bagaimana", k::question},
    {"gimana", k::question},
    {"gmn", k::question},
    {"gmna", k::question},
    {"bgmn", k::question},
    {"kenapa", k::question},
    {"knp", k::question},
    {"mengapa", k::question},
    {"bisakah", k::question},
    {"bolehkah", k::question},
    {"tanya", k::question},
    {"nanya", k::question},
    {"bertanya", k::question},
    {"what", k::question},
    {"when", k::question},
    {"where", k::question},
    {"who", k::question},
    {"why", k::question},
    {"how", k::question},
});

constexpr std::size_t longest_phrase = 4;  // words

const std::unordered_map<std::string_view, word_class>& table() {
    static const auto map = [] {
        std::unordered_map<std::string_view, word_class> m;
        for (const auto& e : built_in)
            m.emplace(e.words, e.kind);
        return m;
    }();
    return map;
}

bool listed(const std::vector<std::string>& words, std::string_view phrase) {
    return std::find(words.begin(), words.end(), phrase) != words.end();
}

// The script's words first: a script may make a built-in courtesy word a yes ("nggih").
std::optional<word_class> class_of(std::string_view phrase, const answer_vocabulary& script) {
    if (listed(script.yes, phrase)) return word_class::yes;
    if (listed(script.no, phrase)) return word_class::no;
    if (listed(script.ignore, phrase)) return word_class::courtesy;
    const auto& m = table();
    if (const auto it = m.find(phrase); it != m.end()) return it->second;
    return std::nullopt;
}

}  // namespace

word_class built_in_class(std::string_view normalized) {
    const auto& m = table();
    const auto it = m.find(normalized);
    return it == m.end() ? word_class::other : it->second;
}

const std::vector<std::string_view>& built_in_words(word_class kind) {
    static const auto by_class = [] {
        std::array<std::vector<std::string_view>, static_cast<std::size_t>(word_class::other) + 1>
            lists;
        for (const auto& e : built_in)
            if (e.words.find(' ') == std::string_view::npos)
                lists[static_cast<std::size_t>(e.kind)].push_back(e.words);
        return lists;
    }();
    return by_class[static_cast<std::size_t>(kind)];
}

word_class classify_phrase(std::string_view normalized, const answer_vocabulary& script_words) {
    return class_of(normalized, script_words).value_or(word_class::other);
}

std::vector<classified_word> classify_words(std::string_view normalized,
                                            const answer_vocabulary& script_words) {
    // Word boundaries: normalize_answer() leaves single spaces between words.
    std::vector<std::size_t> starts, ends;
    for (std::size_t i = 0; i < normalized.size();) {
        const auto space = normalized.find(' ', i);
        const auto end = space == std::string_view::npos ? normalized.size() : space;
        if (end > i) {
            starts.push_back(i);
            ends.push_back(end);
        }
        i = end + 1;
    }
    std::vector<classified_word> out;
    for (std::size_t w = 0; w < starts.size();) {
        std::size_t taken = 1;
        word_class kind = word_class::other;
        for (std::size_t n = std::min(longest_phrase, starts.size() - w); n >= 1; --n) {
            const auto phrase = normalized.substr(starts[w], ends[w + n - 1] - starts[w]);
            if (const auto c = class_of(phrase, script_words)) {
                taken = n;
                kind = *c;
                break;
            }
        }
        out.push_back({normalized.substr(starts[w], ends[w + taken - 1] - starts[w]), kind});
        w += taken;
    }
    return out;
}

}  // namespace sapa::dialog
