#include "dialog/text_template.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace sapa::dialog;

namespace {

std::string render(const std::string& text, const std::map<std::string, std::string>& vars) {
    return render_template(text, [&](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    });
}

}  // namespace

TEST_CASE("template variables are listed in order, spaces inside the braces ignored") {
    CHECK(template_variables("Halo {{nama}}, umur {{ umur }} th, {{nama}}") ==
          std::vector<std::string>{"nama", "umur", "nama"});
    CHECK(template_variables("Telepon {{settings.telepon}}") ==
          std::vector<std::string>{"settings.telepon"});
    CHECK(template_variables("tanpa variabel").empty());
}

TEST_CASE("render_template fills known names and drops unknown ones") {
    CHECK(render("Halo {{ nama }}, kode {{registration.code}}.",
                 {{"nama", "Siti"}, {"registration.code", "CTH-0001"}}) ==
          "Halo Siti, kode CTH-0001.");
    CHECK(render("Halo {{nama}}!", {}) == "Halo !");
    // An unclosed "{{" is shown as written rather than swallowing the rest of the message.
    CHECK(render("Skor {{nilai", {{"nilai", "9"}}) == "Skor {{nilai");
    CHECK(render("{{a}}{{b}}", {{"a", "1"}, {"b", "2"}}) == "12");
}
