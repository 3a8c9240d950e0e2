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

std::string pager(std::string_view base, std::int64_t newer, std::int64_t older, language lang) {
    auto t = [lang](std::string_view text) { return std::string(translate(lang, text)); };
    const char joiner = base.find('?') == std::string_view::npos ? '?' : '&';
    std::string out = "<nav class=\"pager\" aria-label=\"" + t("Halaman") + "\">";
    if (newer > 0)
        out += "<a href=\"" +
               escape(std::string(base) + joiner + "after=" + std::to_string(newer)) +
               "\" rel=\"prev\">&larr; " + t("Lebih baru") + "</a>";
    if (older > 0)
        out += "<a href=\"" +
               escape(std::string(base) + joiner + "before=" + std::to_string(older)) +
               "\" rel=\"next\">" + t("Lebih lama") + " &rarr;</a>";
    return out + "</nav>";
}

// The link to the other language, back to `here`.
static std::string language_link(const frame& f) {
    const bool en = f.lang == language::en;
    const std::string back = f.here.empty() ? "/console" : f.here;
    return std::string("<a class=\"language\" href=\"/console/language?to=") + (en ? "id" : "en") +
           "&amp;back=" + escape(url_encode(back)) + "\" lang=\"" + (en ? "id" : "en") +
           "\" hreflang=\"" + (en ? "id" : "en") + "\">" + (en ? "Bahasa Indonesia" : "English") +
           "</a>";
}

std::string page(const frame& f, std::string_view body) {
    auto t = [&f](std::string_view text) { return std::string(translate(f.lang, text)); };
    std::string out = "<!doctype html>\n<html lang=\"" + std::string(code(f.lang)) +
                      "\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                      "<title>" +
                      escape(f.title) +
                      " · Sapa</title>"
                      "<link rel=\"stylesheet\" href=\"/console/static/console.css\">"
                      "<script src=\"/console/static/console.js\" defer></script></head><body>"
                      "<a class=\"skip\" href=\"#isi\">" +
                      t("Langsung ke isi") +
                      "</a><header>"
                      "<a class=\"brand\" href=\"/console\">Sapa</a>";
    if (!f.staff_name.empty()) {
        static const std::vector<nav_link> links = {
            {"/console/inbox", N_("Kotak masuk")},
            {"/console/registrations", N_("Pendaftaran")},
            {"/console/overview", N_("Ringkasan")},
            {"/console/scripts", N_("Skrip")},
            {"/console/broadcasts", N_("Siaran")},
            {"/console/audit", N_("Jejak audit")},
        };
        out += "<nav aria-label=\"" + t("Menu utama") + "\"><ul>";
        for (const auto& l : links) {
            out += "<li><a href=\"" + l.href + "\"";
            if (l.href == f.current) out += " aria-current=\"page\"";
            out += ">" + t(l.label) + "</a></li>";
        }
        out += "</ul></nav><div class=\"who\"><span>" + escape(f.staff_name) + " (" +
               escape(f.role) + ")</span>" + button_form("/console/logout", f.csrf, t("Keluar")) +
               "</div>";
    }
    out += language_link(f);
    out += "</header><main id=\"isi\"><h1>" + escape(f.title) + "</h1>";
    out += body;
    out += "</main></body></html>\n";
    return out;
}

}  // namespace sapa::console
