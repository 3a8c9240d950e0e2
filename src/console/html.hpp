#pragma once
// Server-rendered HTML for the console: escaping, the page frame (Bahasa Indonesia or English,
// console/i18n.hpp), and the masking viewers get. No templates engine: pages are small and built as
// strings.

#include "console/i18n.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sapa::console {

// Text safe inside an element or a quoted attribute.
std::string escape(std::string_view text);
// A query or form value, percent-encoded.
std::string url_encode(std::string_view text);

// Every run of exactly 16 digits (a NIK) with all but its last 4 digits replaced by '*'.
std::string mask_niks(std::string_view text);

struct nav_link {
    std::string href;
    std::string label;
};

// What every signed-in page shows around its body.
struct frame {
    std::string title;       // the page's <h1> and <title>
    std::string staff_name;  // empty: not signed in (no menu)
    std::string role;
    std::string csrf;     // for the sign-out form
    std::string current;  // the nav link that is this page ("/console/inbox")
    language lang = language::id;
    std::string here;  // this page's path and query: where the language link comes back to
};

// A whole page: doctype, head (the stylesheet), header with the menu and sign-out, main.
std::string page(const frame& f, std::string_view body);

// <input type="hidden" name="csrf" ...>
std::string csrf_field(std::string_view csrf);

// A small form posting to `action` with one button (and the CSRF field, and hidden fields).
std::string button_form(std::string_view action,
                        std::string_view csrf,
                        std::string_view label,
                        const std::vector<std::pair<std::string, std::string>>& hidden = {},
                        std::string_view button_class = "");

// "Lebih baru / Lebih lama" links of a page listed newest first: to `base` (which may have a
// query) with after=NEWER (the newer page) and with before=OLDER (the older page); 0: no link.
std::string pager(std::string_view base,
                  std::int64_t newer,
                  std::int64_t older,
                  language lang = language::id);

}  // namespace sapa::console
