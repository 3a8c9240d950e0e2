#include "console/html.hpp"

#include <cctype>

namespace sapa::console {

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::string url_encode(std::string_view text) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 15]);
        }
    }
    return out;
}

std::string mask_niks(std::string_view text) {
    std::string out(text);
    std::size_t i = 0;
    while (i < out.size()) {
        if (!std::isdigit(static_cast<unsigned char>(out[i]))) {
            ++i;
            continue;
        }
        auto end = i;
        while (end < out.size() && std::isdigit(static_cast<unsigned char>(out[end])))
            ++end;
        if (end - i == 16)
            for (auto k = i; k < end - 4; ++k)
                out[k] = '*';
        i = end;
    }
    return out;
}

std::string csrf_field(std::string_view csrf) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">";
}

std::string button_form(std::string_view action,
                        std::string_view csrf,
                        std::string_view label,
                        const std::vector<std::pair<std::string, std::string>>& hidden,
                        std::string_view button_class) {
    std::string out = "<form class=\"inline\" method=\"post\" action=\"" + escape(action) + "\">";
    out += csrf_field(csrf);
    for (const auto& [name, value] : hidden)
        out +=
            "<input type=\"hidden\" name=\"" + escape(name) + "\" value=\"" + escape(value) + "\">";
    out += "<button type=\"submit\"";
    if (!button_class.empty()) out += " class=\"" + escape(button_class) + "\"";
    out += ">" + escape(label) + "</button></form>";
    return out;
}

std::string pager(std::string_view base, std::int64_t newer, std::int64_t older) {
    const char joiner = base.find('?') == std::string_view::npos ? '?' : '&';
    std::string out = "<nav class=\"pager\" aria-label=\"Halaman\">";
    if (newer > 0)
        out += "<a href=\"" +
               escape(std::string(base) + joiner + "after=" + std::to_string(newer)) +
               "\" rel=\"prev\">&larr; Lebih baru</a>";
    if (older > 0)
        out += "<a href=\"" +
               escape(std::string(base) + joiner + "before=" + std::to_string(older)) +
               "\" rel=\"next\">Lebih lama &rarr;</a>";
    return out + "</nav>";
}

std::string page(const frame& f, std::string_view body) {
    std::string out =
        "<!doctype html>\n<html lang=\"id\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>" +
        escape(f.title) +
        " · Sapa</title>"
        "<link rel=\"stylesheet\" href=\"/console/static/console.css\"></head><body>"
        "<a class=\"skip\" href=\"#isi\">Langsung ke isi</a><header>"
        "<a class=\"brand\" href=\"/console\">Sapa</a>";
    if (!f.staff_name.empty()) {
        static const std::vector<nav_link> links = {
            {"/console/inbox", "Kotak masuk"},
            {"/console/registrations", "Pendaftaran"},
            {"/console/overview", "Ringkasan"},
            {"/console/scripts", "Skrip"},
            {"/console/broadcasts", "Siaran"},
            {"/console/audit", "Jejak audit"},
        };
        out += "<nav aria-label=\"Menu utama\"><ul>";
        for (const auto& l : links) {
            out += "<li><a href=\"" + l.href + "\"";
            if (l.href == f.current) out += " aria-current=\"page\"";
            out += ">" + l.label + "</a></li>";
        }
        out += "</ul></nav><div class=\"who\"><span>" + escape(f.staff_name) + " (" +
               escape(f.role) + ")</span>" + button_form("/console/logout", f.csrf, "Keluar") +
               "</div>";
    }
    out += "</header><main id=\"isi\"><h1>" + escape(f.title) + "</h1>";
    out += body;
    out += "</main></body></html>\n";
    return out;
}

}  // namespace sapa::console
