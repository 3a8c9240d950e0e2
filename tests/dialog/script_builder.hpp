#pragma once
// Small helpers for dialog tests: a valid script around the nodes a test cares about, and the
// problems of a load as "where: message" lines, which read well in a failing CHECK.

#include "dialog/loader.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace sapa::dialog::testing {

// A script whose `nodes` object is `nodes` and whose start is `start`; `extra` is spliced in
// as further top-level keys (",\"lists\": {...}"). Two languages unless told otherwise.
inline std::string script_json(const std::string& nodes,
                               const std::string& start = "a",
                               const std::string& extra = "",
                               const std::string& languages = R"("id", "en")") {
    return R"({"id": "t", "version": 1, "languages": [)" + languages + R"(], "start": ")" + start +
           R"(", "nodes": {)" + nodes + "}" + extra + "}";
}

// The same in Indonesian only, for tests that are not about translations.
inline std::string id_script_json(const std::string& nodes,
                                  const std::string& start = "a",
                                  const std::string& extra = "") {
    return script_json(nodes, start, extra, R"("id")");
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
