#include "dialog/detail/condition.hpp"

#include "common/ascii.hpp"

#include <cctype>
#include <optional>

namespace sapa::dialog::detail {
namespace {

enum class token_kind { word, number, quoted, op };

struct token {
    token_kind kind;
    std::string text;
};

// ASCII only, whatever the C locale: a script must mean the same on every machine.
constexpr auto is_digit = common::is_ascii_digit;
bool is_word_start(char c) {
    return (common::is_ascii_alnum(c) && !is_digit(c)) || c == '_';
}
bool is_word_char(char c) {
    return common::is_ascii_alnum(c) || c == '_' || c == '.';
}
bool is_op_char(char c) {
    return c == '=' || c == '!' || c == '<' || c == '>';
}

constexpr const char* expected_ops = "==, !=, <, <=, >, >=, set, unset";

// Splits the source into tokens; returns the error text on a character that cannot start one.
std::optional<std::string> tokenize(std::string_view s, std::vector<token>& out) {
    std::size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '"') {
            auto close = s.find('"', i + 1);
            if (close == std::string_view::npos) return "a quoted text is not closed with \"";
            out.push_back({token_kind::quoted, std::string(s.substr(i, close - i + 1))});
            i = close + 1;
        } else if (is_digit(c) || (c == '-' && i + 1 < s.size() && is_digit(s[i + 1]))) {
            std::size_t j = i + 1;
            while (j < s.size() && (is_digit(s[j]) || s[j] == '.'))
                ++j;
            std::string number(s.substr(i, j - i));
            if (number.find('.') != number.rfind('.') || number.back() == '.')
                return "\"" + number + "\" is not a number";
            out.push_back({token_kind::number, number});
            i = j;
        } else if (is_word_start(c)) {
            std::size_t j = i + 1;
            while (j < s.size() && is_word_char(s[j]))
                ++j;
            out.push_back({token_kind::word, std::string(s.substr(i, j - i))});
            i = j;
        } else if (is_op_char(c)) {
            std::size_t j = i + 1;
            while (j < s.size() && is_op_char(s[j]))
                ++j;
            out.push_back({token_kind::op, std::string(s.substr(i, j - i))});
            i = j;
        } else {
            return "unexpected character \"" + std::string(1, c) + "\"";
        }
    }
    return std::nullopt;
}

bool is_comparison_op(const std::string& op) {
    return op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

}  // namespace

bool is_variable_operand(std::string_view operand) {
    return !operand.empty() && is_word_start(operand.front());
}

condition_result parse_condition(std::string_view source) {
    condition_result r;
    std::vector<token> tokens;
    if (auto error = tokenize(source, tokens)) {
        r.error = *error;
        return r;
    }
    if (tokens.empty()) {
        r.error = "the condition is empty (leave out \"if\" for a branch that always matches)";
        return r;
    }
    std::size_t i = 0;
    while (true) {
        if (i >= tokens.size()) {
            r.error = "expected a condition after \"and\"";
            break;
        }
        const token& left = tokens[i];
        if (left.kind != token_kind::word) {
            r.error = "a comparison must start with a variable name (found \"" + left.text + "\")";
            break;
        }
        if (i + 1 >= tokens.size()) {
            r.error =
                "expected a comparison after \"" + left.text + "\" (one of: " + expected_ops + ")";
            break;
        }
        const token& op = tokens[i + 1];
        if (op.kind == token_kind::word && (op.text == "set" || op.text == "unset")) {
            r.all_of.push_back({left.text, op.text, ""});
            i += 2;
        } else if (op.kind == token_kind::op && is_comparison_op(op.text)) {
            if (i + 2 >= tokens.size() || tokens[i + 2].kind == token_kind::op ||
                tokens[i + 2].text == "and") {
                r.error =
                    "expected a number, a \"quoted text\" or a variable after \"" + op.text + "\"";
                break;
            }
            r.all_of.push_back({left.text, op.text, tokens[i + 2].text});
            i += 3;
        } else {
            r.error =
                "unknown comparison \"" + op.text + "\" (expected one of: " + expected_ops + ")";
            break;
        }
        if (i == tokens.size()) break;
        if (tokens[i].kind == token_kind::word && tokens[i].text == "or") {
            r.error = "\"or\" is not supported (use one branch for each alternative)";
            break;
        }
        if (tokens[i].kind != token_kind::word || tokens[i].text != "and") {
            r.error = "expected \"and\" before \"" + tokens[i].text + "\"";
            break;
        }
        ++i;
    }
    if (!r.error.empty()) r.all_of.clear();
    return r;
}

}  // namespace sapa::dialog::detail
