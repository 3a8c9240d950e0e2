#pragma once
// Small helpers for dialog tests: a valid script around the nodes a test cares about, and the
// problems of a load as "where: message" lines, which read well in a failing CHECK.

#include "dialog/loader.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace sapa::dialog::testing {

// A two-language script whose `nodes` object is `nodes` and whose start is `start`; `extra`
// is spliced in as further top-level keys (",\"lists\": {...}").
inline std::string script_json(const std::string& nodes,
                               const std::string& start = "a",
                               const std::string& extra = "") {
    return R"({"id": "t", "version": 1, "languages": ["id", "en"], "start": ")" + start +
           R"(", "nodes": {)" + nodes + "}" + extra + "}";
}

inline std::vector<std::string> lines(const std::vector<problem>& problems) {
    std::vector<std::string> out;
    for (const auto& p : problems)
        out.push_back((p.severity == severity::error ? "E " : "W ") + p.where + ": " + p.message);
    return out;
}

inline std::vector<std::string> load_lines(const std::string& json) {
    return lines(load_script(json, "t.json").problems);
}

}  // namespace sapa::dialog::testing

// Failing CHECKs on problem lists print the lines instead of "{?}".
template <>
struct doctest::StringMaker<std::vector<std::string>> {
    static doctest::String convert(const std::vector<std::string>& lines) {
        std::string out = "{";
        for (const auto& line : lines)
            out += "\n  \"" + line + "\"";
        out += lines.empty() ? "}" : "\n}";
        return out.c_str();
    }
};
