#include "console/i18n.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

namespace sapa::console {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// A q value ("0.8") in thousandths; unreadable: 0.
int quality(std::string_view q) {
    if (q.empty() || (q[0] != '0' && q[0] != '1')) return 0;
    if (q[0] == '1') return 1000;
    int value = 0, scale = 100;
    for (std::size_t i = 2; i < q.size() && i < 5; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(q[i]))) return 0;
        value += (q[i] - '0') * scale;
        scale /= 10;
    }
    return value;
}

std::mutex missing_mutex;
std::set<std::string, std::less<>> missing;

}  // namespace

std::string_view code(language l) {
    return l == language::en ? "en" : "id";
}

language language_of(std::string_view cookie, std::string_view accept_language) {
    if (cookie == "en") return language::en;
    if (cookie == "id") return language::id;
    language best = language::id;
    int best_q = 0;
    while (!accept_language.empty()) {
        auto end = accept_language.find(',');
        auto part = trim(accept_language.substr(0, end));
        accept_language.remove_prefix(end == std::string_view::npos ? accept_language.size()
                                                                    : end + 1);
        auto semi = part.find(';');
        auto tag = lower(trim(part.substr(0, semi)));
        int q = 1000;
        if (semi != std::string_view::npos) {
            auto param = trim(part.substr(semi + 1));
            q = param.starts_with("q=") ? quality(param.substr(2)) : 1000;
        }
        auto primary = tag.substr(0, tag.find('-'));
        std::optional<language> l;
        if (primary == "id" || primary == "in") l = language::id;
        if (primary == "en") l = language::en;
        if (l && q > best_q) {
            best = *l;
            best_q = q;
        }
    }
    return best;
}

std::string_view translate(language l, std::string_view indonesian) {
    // "context|text": a context tells apart two meanings of one Indonesian word.
    const auto bar = indonesian.find('|');
    const auto text = bar == std::string_view::npos ? indonesian : indonesian.substr(bar + 1);
    if (l == language::id) return text;
    static const auto table = [] {
        std::unordered_map<std::string_view, std::string_view> out;
        for (const auto& [id, en] : english_table())
            out.emplace(id, en);
        return out;
    }();
    auto it = table.find(indonesian);
    if (it != table.end() && !it->second.empty()) return it->second;
    std::lock_guard lock(missing_mutex);
    if (missing.size() < 1000) missing.emplace(indonesian);
    return text;
}

std::string fill(std::string_view pattern, const placeholders& values) {
    std::string out;
    out.reserve(pattern.size());
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == '{') {
            auto close = pattern.find('}', i);
            if (close != std::string_view::npos) {
                auto name = pattern.substr(i + 1, close - i - 1);
                auto it = std::find_if(
                    values.begin(), values.end(), [&](const auto& v) { return v.first == name; });
                if (it != values.end()) {
                    out += it->second;
                    i = close + 1;
                    continue;
                }
            }
        }
        out.push_back(pattern[i++]);
    }
    return out;
}

std::vector<std::string> untranslated() {
    std::lock_guard lock(missing_mutex);
    return {missing.begin(), missing.end()};
}

}  // namespace sapa::console
