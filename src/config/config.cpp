#include "config/config.hpp"

#include "common/suggest.hpp"
#include "common/text_position.hpp"
#include "common/time_zone.hpp"

#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

namespace sapa::config {
namespace {

using json = nlohmann::json;

// Every object may carry a "comment" for the people editing the file; it is ignored.
constexpr std::string_view comment_key = "comment";

[[noreturn]] void fail(const std::string& pointer, const std::string& problem) {
    throw config_error(pointer.empty() ? problem : pointer + ": " + problem);
}

// One RFC 6901 pointer token ("a/b" -> "a~1b"), escaped by nlohmann's json_pointer.
std::string pointer_token(std::string_view key) {
    return (nlohmann::json::json_pointer() / std::string(key)).to_string().substr(1);
}

std::string in_quotes(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

std::string join(const std::vector<std::string_view>& items, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += separator;
        out += items[i];
    }
    return out;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// ---------------------------------------------------------------------------------------
// Parsing: JSON syntax errors become "line:column: ...", and a key given twice in one
// object is an error (nlohmann would silently keep the last one).

class duplicate_key_guard {
  public:
    bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
                frames_.push_back({false, 0, {}, {}});
                break;
            case json::parse_event_t::array_start:
                frames_.push_back({true, 0, {}, {}});
                break;
            case json::parse_event_t::key: {
                auto& top = frames_.back();
                top.key = parsed.get<std::string>();
                if (!top.keys.insert(top.key).second) fail(pointer(), "appears twice");
                break;
            }
            case json::parse_event_t::value:
                element_done();
                break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                frames_.pop_back();
                element_done();
                break;
        }
        return true;
    }

  private:
    struct frame {
        bool array;
        std::size_t index = 0;  // array: the element being read
        std::string key;        // object: the member being read
        std::set<std::string> keys = {};
    };

    void element_done() {
        if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    }

    std::string pointer() const {
        std::string out;
        for (const auto& f : frames_)
            out += "/" + (f.array ? std::to_string(f.index) : pointer_token(f.key));
        return out;
    }

    std::vector<frame> frames_;
};

json parse_json(std::string_view text) {
    try {
        return json::parse(text.begin(), text.end(), duplicate_key_guard{});
    } catch (const json::parse_error& e) {
        // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: what"
        std::string message = e.what();
        auto at = message.find(" at line ");
        auto column = message.find(", column ", at);
        auto colon = message.find(": ", column);
        if (at == std::string::npos || column == std::string::npos || colon == std::string::npos)
            throw config_error("invalid JSON: " + message);
        std::string line_number = message.substr(at + 9, column - at - 9);
        std::string column_number = message.substr(column + 9, colon - column - 9);
        throw config_error(line_number + ":" + column_number +
                           ": invalid JSON: " + message.substr(colon + 2));
    } catch (const json::out_of_range& e) {
        // A number too large for a double; nlohmann names it but does not say where it was.
        const auto number = common::overflowing_number(e.what());
        const auto at = number.empty() ? std::string_view::npos : text.find(number);
        const auto place = at == std::string_view::npos ? "" : common::line_column(text, at) + ": ";
        throw config_error(place + "invalid JSON: the number " + std::string(number) +
                           " is too large");
    }
}

// ---------------------------------------------------------------------------------------
// Reading values, each with its JSON pointer for the messages.

struct node {
    const json& value;
    std::string pointer;
};

// An object whose keys are checked against the known ones before anything is read.
class object_reader {
  public:
    object_reader(const node& n, std::vector<std::string_view> known)
        : object_(n.value), pointer_(n.pointer), known_(std::move(known)) {
        if (!object_.is_object())
            fail(pointer_,
                 pointer_.empty() ? "the config must be a JSON object" : "must be an object");
        for (const auto& [key, value] : object_.items()) {
            if (key == comment_key) continue;
            if (std::find(known_.begin(), known_.end(), key) == known_.end())
                fail(child_pointer(key), unknown_key_problem(key));
        }
    }

    std::optional<node> find(std::string_view key) const {
        auto it = object_.find(key);
        if (it == object_.end()) return std::nullopt;
        return node{*it, child_pointer(key)};
    }

    node require(std::string_view key, std::string_view why = "required") const {
        auto found = find(key);
        if (!found) fail(child_pointer(key), std::string(why));
        return *found;
    }

    std::string child_pointer(std::string_view key) const {
        return pointer_ + "/" + pointer_token(key);
    }

  private:
    std::string unknown_key_problem(const std::string& key) const {
        std::string_view closest;
        std::size_t best = 3;  // suggest only keys within two edits
        for (auto k : known_) {
            auto d = common::edit_distance(lowercase(key), k);
            if (d < best) best = d, closest = k;
        }
        if (!closest.empty()) return "unknown key (did you mean " + in_quotes(closest) + "?)";
        return "unknown key (expected " + join(known_, ", ") + ")";
    }

    const json& object_;
    std::string pointer_;
    std::vector<std::string_view> known_;
};

std::string read_string(const node& n) {
    if (!n.value.is_string()) fail(n.pointer, "must be a string");
    return n.value.get<std::string>();
}

template <class Int>
Int read_whole(const node& n, Int min, Int max) {
    auto problem =
        "must be a whole number between " + std::to_string(min) + " and " + std::to_string(max);
    if (!n.value.is_number_integer()) fail(n.pointer, problem);
    if (n.value.is_number_unsigned()) {
        auto v = n.value.get<std::uint64_t>();
        if (v < static_cast<std::uint64_t>(min) || v > static_cast<std::uint64_t>(max))
            fail(n.pointer, problem);
        return static_cast<Int>(v);
    }
    auto v = n.value.get<std::int64_t>();
    if (v < static_cast<std::int64_t>(min) || v > static_cast<std::int64_t>(max))
        fail(n.pointer, problem);
    return static_cast<Int>(v);
}

double read_number(const node& n, double min, double max, std::string_view range) {
    if (!n.value.is_number()) fail(n.pointer, "must be a number between " + std::string(range));
    auto v = n.value.get<double>();
    if (!(v >= min && v <= max)) fail(n.pointer, "must be a number between " + std::string(range));
    return v;
}

bool read_bool(const node& n) {
    if (!n.value.is_boolean()) fail(n.pointer, "must be true or false");
    return n.value.get<bool>();
}

template <class Enum, std::size_t N>
Enum read_enum(const node& n,
               std::string_view what,
               const std::array<std::pair<std::string_view, Enum>, N>& names,
               bool any_case) {
    std::vector<std::string_view> expected;
    for (const auto& [name, value] : names)
        expected.push_back(name);
    auto list = join(expected, ", ");
    if (!n.value.is_string()) fail(n.pointer, "must be a string: one of " + list);
    auto text = n.value.get<std::string>();
    for (const auto& [name, value] : names) {
        if (text == name || (any_case && lowercase(text) == lowercase(name))) return value;
    }
    fail(n.pointer,
         "unknown " + std::string(what) + " " + in_quotes(text) + " (expected " + list + ")");
}

// What an environment variable is named by convention (and by every name in Sapa's configs):
// capital letters, digits and '_', not starting with a digit, at most 64 characters. Stricter
// than POSIX on purpose: secrets pasted here by mistake are mostly mixed case (Meta "EAA..."
// tokens) or lowercase hexadecimal (Twilio auth tokens) and long, and would otherwise pass a
// letters-and-digits check, and then be printed as a "variable name" in the log.
bool is_env_name(std::string_view s) {
    if (s.empty() || s.size() > 64 || (s[0] >= '0' && s[0] <= '9')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// The value is never quoted in the message: it may be the secret itself.
std::string read_env_name(const node& n) {
    auto name = read_string(n);
    if (!is_env_name(name))
        fail(n.pointer,
             "must be the name of an environment variable (capital letters, digits and _, not "
             "starting with a digit, at most 64 characters, such as TWILIO_AUTH_TOKEN). The "
             "value looks like a secret, so it is not shown: put the secret in the environment "
             "and its variable's name here");
    return name;
}

bool is_all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
}

// An http(s) base address, checked with Boost.URL: scheme http or https, a host, a numeric
// port in 1..65535 when one is given, no user info, query or fragment. Trailing slashes of
// the path are removed.
std::string read_base_url(const node& n, std::string_view example) {
    auto url = read_string(n);
    auto parsed = boost::urls::parse_absolute_uri(url);
    bool ok = parsed.has_value();
    if (ok) {
        const auto& u = *parsed;
        auto scheme = u.scheme_id();
        ok = (scheme == boost::urls::scheme::http || scheme == boost::urls::scheme::https) &&
             u.has_authority() && !u.encoded_host().empty() && !u.has_userinfo() && !u.has_query();
        if (ok && u.has_port()) {
            auto port = u.port();
            ok = port.size() <= 5 && is_all_digits(port);
            if (ok) {
                auto number = std::stoul(std::string(port));
                ok = number >= 1 && number <= 65535;
            }
        }
    }
    if (!ok)
        fail(n.pointer,
             "must be an address such as " + std::string(example) +
                 " (http:// or https://, a host, a port from 1 to 65535 if any; no user, "
                 "query or fragment)");
    while (url.back() == '/')
        url.pop_back();
    return url;
}

// ---------------------------------------------------------------------------------------
// Sections.

server_config read_server(const node& n) {
    object_reader r(n,
                    {"listen_address",
                     "port",
                     "io_threads",
                     "body_limit_bytes",
                     "header_limit_bytes",
                     "read_timeout_seconds",
                     "idle_timeout_seconds",
                     "max_connections",
                     "max_connections_per_client",
                     "public_base_url"});
    server_config s;
    if (auto v = r.find("listen_address")) {
        s.listen_address = read_string(*v);
        std::array<unsigned char, 16> buffer{};
        if (inet_pton(AF_INET, s.listen_address.c_str(), buffer.data()) != 1 &&
            inet_pton(AF_INET6, s.listen_address.c_str(), buffer.data()) != 1)
            fail(v->pointer,
                 "must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, not a host name");
    }
    if (auto v = r.find("port")) s.port = read_whole<std::uint16_t>(*v, 1, 65535);
    if (auto v = r.find("io_threads")) s.io_threads = read_whole(*v, 1, 64);
    if (auto v = r.find("body_limit_bytes"))
        s.body_limit_bytes = read_whole<std::size_t>(*v, 1024, 16 * 1024 * 1024);
    if (auto v = r.find("header_limit_bytes"))
        s.header_limit_bytes = read_whole<std::size_t>(*v, 1024, 64 * 1024);
    if (auto v = r.find("read_timeout_seconds")) s.read_timeout_seconds = read_whole(*v, 1, 300);
    if (auto v = r.find("idle_timeout_seconds")) s.idle_timeout_seconds = read_whole(*v, 1, 3600);
    if (auto v = r.find("max_connections")) s.max_connections = read_whole(*v, 1, 100000);
    if (auto v = r.find("max_connections_per_client"))
        s.max_connections_per_client = read_whole(*v, 0, 100000);
    if (auto v = r.find("public_base_url")) {
        if (!(v->value.is_string() && v->value.get<std::string>().empty()))
            s.public_base_url = read_base_url(*v, "https://sapa.example.id");
    }
    return s;
}

constexpr std::array<std::pair<std::string_view, sync_mode>, 2> sync_mode_names = {{
    {"FULL", sync_mode::full},
    {"NORMAL", sync_mode::normal},
}};

constexpr std::array<std::pair<std::string_view, store_type>, 2> store_type_names = {{
    {"sqlite", store_type::sqlite},
    {"postgres", store_type::postgres},
}};

storage_config read_storage(const node& n) {
    object_reader r(n,
                    {"type",
                     "url_env",
                     "schema",
                     "database_path",
                     "synchronous",
                     "busy_timeout_ms",
                     "batch_max_messages",
                     "batch_max_wait_ms",
                     "outbound_lease_seconds"});
    storage_config s;
    if (auto v = r.find("type")) s.type = read_enum(*v, "store type", store_type_names, false);
    if (auto v = r.find("url_env")) s.url_env = read_env_name(*v);
    if (auto v = r.find("schema")) {
        s.schema = read_string(*v);
        const bool plain = s.schema.size() <= 63 &&
                           (s.schema.empty() || !(s.schema[0] >= '0' && s.schema[0] <= '9')) &&
                           std::all_of(s.schema.begin(), s.schema.end(), [](char c) {
                               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                           });
        if (!plain) fail(v->pointer, "must be a plain name (a-z, 0-9, _; at most 63)");
    }
    if (auto v = r.find("database_path")) {
        s.database_path = read_string(*v);
        if (s.database_path.empty()) fail(v->pointer, "must not be empty");
    }
    if (auto v = r.find("synchronous"))
        s.synchronous = read_enum(*v, "synchronous mode", sync_mode_names, true);
    if (auto v = r.find("busy_timeout_ms")) s.busy_timeout_ms = read_whole(*v, 0, 600000);
    if (auto v = r.find("batch_max_messages")) s.batch_max_messages = read_whole(*v, 1, 10000);
    if (auto v = r.find("batch_max_wait_ms")) s.batch_max_wait_ms = read_whole(*v, 0, 1000);
    if (auto v = r.find("outbound_lease_seconds"))
        s.outbound_lease_seconds = read_whole(*v, 1, 3600);
    return s;
}

console_config read_console(const node& n) {
    object_reader r(n,
                    {"enabled",
                     "secure_cookies",
                     "trusted_proxies",
                     "session_idle_minutes",
                     "session_max_hours",
                     "login_failures_allowed",
                     "listen_address",
                     "port"});
    console_config c;
    if (auto v = r.find("enabled")) c.enabled = read_bool(*v);
    if (auto v = r.find("secure_cookies")) c.secure_cookies = read_bool(*v);
    if (auto v = r.find("trusted_proxies")) {
        if (!v->value.is_array()) fail(v->pointer, "must be a list of IP addresses");
        for (std::size_t i = 0; i < v->value.size(); ++i) {
            node item{v->value[i], v->pointer + "/" + std::to_string(i)};
            auto address = read_string(item);
            std::array<unsigned char, 16> buffer{};
            if (inet_pton(AF_INET, address.c_str(), buffer.data()) != 1 &&
                inet_pton(AF_INET6, address.c_str(), buffer.data()) != 1)
                fail(item.pointer, "must be an IP address such as 127.0.0.1");
            c.trusted_proxies.push_back(address);
        }
    }
    if (auto v = r.find("session_idle_minutes")) c.session_idle_minutes = read_whole(*v, 1, 1440);
    if (auto v = r.find("session_max_hours")) c.session_max_hours = read_whole(*v, 1, 168);
    if (auto v = r.find("login_failures_allowed"))
        c.login_failures_allowed = read_whole(*v, 1, 100);
    if (auto v = r.find("listen_address")) {
        c.listen_address = read_string(*v);
        std::array<unsigned char, 16> buffer{};
        if (inet_pton(AF_INET, c.listen_address.c_str(), buffer.data()) != 1 &&
            inet_pton(AF_INET6, c.listen_address.c_str(), buffer.data()) != 1)
            fail(v->pointer, "must be an IP address such as 127.0.0.1 or 10.0.0.5");
    }
    if (auto v = r.find("port")) c.port = read_whole<std::uint16_t>(*v, 0, 65535);
    return c;
}

dialogs_config read_dialogs(const node& n) {
    object_reader r(n, {"paths", "session_timeout_minutes"});
    dialogs_config d;
    if (auto v = r.find("paths")) {
        if (!v->value.is_array() || v->value.empty())
            fail(v->pointer, "must be a list of one or more files or folders");
        d.paths.clear();
        for (std::size_t i = 0; i < v->value.size(); ++i) {
            node item{v->value[i], v->pointer + "/" + std::to_string(i)};
            auto path = read_string(item);
            if (path.empty()) fail(item.pointer, "must not be empty");
            d.paths.emplace_back(path);
        }
    }
    if (auto v = r.find("session_timeout_minutes"))
        d.session_timeout_minutes = read_whole(*v, 1, 10080);
    return d;
}

constexpr std::array<std::pair<std::string_view, gateway_type>, 3> gateway_names = {{
    {"twilio", gateway_type::twilio},
    {"whatsapp_cloud", gateway_type::whatsapp_cloud},
    {"generic_json", gateway_type::generic_json},
}};

// The keys each gateway type accepts besides the common ones.
std::vector<std::string_view> type_keys(gateway_type type) {
    switch (type) {
        case gateway_type::twilio:
            return {"account_sid", "messaging_service_sid", "auth_token_env", "api_base_url"};
        case gateway_type::whatsapp_cloud:
            return {"phone_number_id",
                    "app_secret_env",
                    "verify_token_env",
                    "access_token_env",
                    "api_base_url",
                    "interactive"};
        case gateway_type::generic_json:
            return {"secret_env", "api_base_url"};
    }
    return {};
}

const std::vector<std::string_view> common_channel_keys = {
    "name", "type", "script", "number", "send_rate_per_second"};

bool is_channel_name(std::string_view s) {
    return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

bool is_script_id(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
}

bool is_twilio_number(std::string_view s) {
    if (s.starts_with("whatsapp:"))
        s.remove_prefix(9);
    else if (is_all_digits(s) && s.size() >= 3 && s.size() <= 8)
        return true;  // short code
    return s.size() >= 8 && s.size() <= 16 && s[0] == '+' && s[1] != '0' &&
           is_all_digits(s.substr(1));
}

// "AC" (an account) or "MG" (a messaging service) and 32 hexadecimal digits.
bool is_twilio_sid(std::string_view s, std::string_view prefix) {
    return s.size() == 34 && s.starts_with(prefix) &&
           std::all_of(s.begin() + 2, s.end(), [](char c) {
               return std::isxdigit(static_cast<unsigned char>(c));
           });
}

channel_config read_channel(const node& n) {
    if (!n.value.is_object()) fail(n.pointer, "must be an object");
    // The type decides which keys are allowed, so it is read first.
    auto type_it = n.value.find("type");
    if (type_it == n.value.end()) fail(n.pointer + "/type", "required");
    channel_config c;
    c.type = read_enum(node{*type_it, n.pointer + "/type"}, "gateway type", gateway_names, false);

    std::vector<std::string_view> all_keys = common_channel_keys;
    for (const auto& [name, type] : gateway_names) {
        for (auto k : type_keys(type))
            if (std::find(all_keys.begin(), all_keys.end(), k) == all_keys.end())
                all_keys.push_back(k);
    }
    object_reader r(n, all_keys);
    auto own_keys = type_keys(c.type);
    for (const auto& [key, value] : n.value.items()) {
        bool common = std::find(common_channel_keys.begin(), common_channel_keys.end(), key) !=
                      common_channel_keys.end();
        bool own = std::find(own_keys.begin(), own_keys.end(), key) != own_keys.end();
        if (key != comment_key && !common && !own)
            fail(r.child_pointer(key),
                 "not used by " + std::string(to_string(c.type)) + " channels");
    }

    auto name = r.require("name");
    c.name = read_string(name);
    if (!is_channel_name(c.name))
        fail(name.pointer, "must be 1 to 32 lowercase letters, digits, '-' or '_'");
    auto script = r.require("script");
    c.script = read_string(script);
    if (!is_script_id(c.script))
        fail(script.pointer, "must be a dialog script id (letters, digits, '-' and '_')");

    if (c.type == gateway_type::twilio) {
        auto number = r.require("number", "required for twilio channels (the Twilio number)");
        c.number = read_string(number);
        if (!is_twilio_number(c.number))
            fail(number.pointer,
                 "must be \"+\" and 7 to 15 digits (\"whatsapp:+...\" for WhatsApp), or a short "
                 "code of 3 to 8 digits");
    } else if (auto v = r.find("number")) {
        c.number = read_string(*v);
    }

    auto env = [&](std::string_view key, std::string_view holds) {
        return read_env_name(r.require(key,
                                       "required for " + std::string(to_string(c.type)) +
                                           " channels (the name of the environment variable "
                                           "holding " +
                                           std::string(holds) + ")"));
    };
    switch (c.type) {
        case gateway_type::twilio:
            c.auth_token_env = env("auth_token_env", "the Twilio auth token");
            if (auto v = r.find("account_sid")) {
                c.account_sid = read_string(*v);
                if (!is_twilio_sid(c.account_sid, "AC"))
                    fail(v->pointer, "must be \"AC\" followed by 32 hexadecimal digits");
            }
            if (auto v = r.find("messaging_service_sid")) {
                c.messaging_service_sid = read_string(*v);
                if (!is_twilio_sid(c.messaging_service_sid, "MG"))
                    fail(v->pointer, "must be \"MG\" followed by 32 hexadecimal digits");
                if (c.account_sid.empty())
                    fail(v->pointer,
                         "needs account_sid: sending through a Messaging Service uses the REST "
                         "API");
            }
            break;
        case gateway_type::whatsapp_cloud: {
            auto id = r.require("phone_number_id",
                                "required for whatsapp_cloud channels (the phone number id from "
                                "the Meta app dashboard)");
            c.phone_number_id = read_string(id);
            if (!is_all_digits(c.phone_number_id))
                fail(id.pointer, "must be the digits of the phone number id");
            c.app_secret_env = env("app_secret_env", "the Meta app secret");
            c.verify_token_env = env("verify_token_env", "the webhook verify token");
            c.access_token_env = env("access_token_env", "the access token");
            if (auto v = r.find("interactive")) c.interactive = read_bool(*v);
            break;
        }
        case gateway_type::generic_json:
            c.secret_env = env("secret_env", "the shared secret");
            break;
    }

    c.api_base_url = std::string(default_api_base_url(c.type));
    if (auto v = r.find("api_base_url")) {
        if (c.type != gateway_type::generic_json) {
            c.api_base_url = read_base_url(*v, c.api_base_url);
        } else if (c.api_base_url = read_string(*v); !c.api_base_url.empty()) {
            // A full send URL of the bridge: kept exactly, query string included.
            auto lower = lowercase(c.api_base_url);
            if (!lower.starts_with("https://") && !lower.starts_with("http://"))
                fail(v->pointer,
                     "must be empty or the URL outbound messages are sent to, such as "
                     "https://bridge.example.id/send");
        }
    }
    if (auto v = r.find("send_rate_per_second"))
        c.send_rate_per_second = read_number(*v, 0.1, 1000, "0.1 and 1000");
    return c;
}

std::vector<channel_config> read_channels(const node& n) {
    if (!n.value.is_array()) fail(n.pointer, "must be a list");
    std::vector<channel_config> channels;
    std::map<std::string, std::size_t> names, numbers, phone_number_ids;
    // A value used twice is almost always a copy-paste slip: report both places.
    auto unique = [&](std::map<std::string, std::size_t>& seen,
                      const std::string& value,
                      std::size_t i,
                      std::string_view key,
                      std::string_view what) {
        if (value.empty()) return;
        auto [it, inserted] = seen.emplace(value, i);
        if (!inserted)
            fail("/channels/" + std::to_string(i) + "/" + std::string(key),
                 in_quotes(value) + " is already the " + std::string(what) + " of /channels/" +
                     std::to_string(it->second));
    };
    for (std::size_t i = 0; i < n.value.size(); ++i) {
        auto c = read_channel(node{n.value[i], n.pointer + "/" + std::to_string(i)});
        unique(names, c.name, i, "name", "name");
        if (c.type == gateway_type::twilio) unique(numbers, c.number, i, "number", "number");
        unique(phone_number_ids, c.phone_number_id, i, "phone_number_id", "phone_number_id");
        channels.push_back(std::move(c));
    }
    return channels;
}

constexpr std::array<std::pair<std::string_view, log_level>, 4> log_level_names = {{
    {"debug", log_level::debug},
    {"info", log_level::info},
    {"warn", log_level::warn},
    {"error", log_level::error},
}};

constexpr std::array<std::pair<std::string_view, log_format>, 2> log_format_names = {{
    {"text", log_format::text},
    {"json", log_format::json},
}};

logging_config read_logging(const node& n) {
    object_reader r(n, {"level", "format"});
    logging_config l;
    if (auto v = r.find("level")) l.level = read_enum(*v, "log level", log_level_names, true);
    if (auto v = r.find("format")) l.format = read_enum(*v, "log format", log_format_names, true);
    return l;
}

// "HH:MM", 00:00 to 23:59, as minutes after midnight.
int read_clock_time(const node& n) {
    auto text = n.value.is_string() ? n.value.get<std::string>() : std::string();
    const bool shaped = text.size() == 5 && text[2] == ':' && is_all_digits(text.substr(0, 2)) &&
                        is_all_digits(text.substr(3));
    const int hours = shaped ? std::stoi(text.substr(0, 2)) : 99;
    const int minutes = shaped ? std::stoi(text.substr(3)) : 99;
    if (hours > 23 || minutes > 59)
        fail(n.pointer, "must be a time of day as \"HH:MM\", from \"00:00\" to \"23:59\"");
    return hours * 60 + minutes;
}

constexpr std::array<std::pair<std::string_view, int>, 7> weekday_names = {{
    {"sunday", 0},
    {"monday", 1},
    {"tuesday", 2},
    {"wednesday", 3},
    {"thursday", 4},
    {"friday", 5},
    {"saturday", 6},
}};

quiet_period_config read_quiet_period(const node& n) {
    object_reader r(n, {"days", "from", "until"});
    quiet_period_config p;
    auto from = r.require("from");
    auto until = r.require("until");
    p.from_minute = read_clock_time(from);
    p.until_minute = read_clock_time(until);
    if (p.from_minute == p.until_minute)
        fail(until.pointer, "must differ from \"from\" (the period would be empty)");
    if (auto v = r.find("days")) {
        if (!v->value.is_array() || v->value.empty())
            fail(v->pointer, "must be a list of one or more days, such as [\"friday\"]");
        for (std::size_t i = 0; i < v->value.size(); ++i)
            p.weekdays.push_back(read_enum(node{v->value[i], v->pointer + "/" + std::to_string(i)},
                                           "day",
                                           weekday_names,
                                           true));
    }
    return p;
}

sending_rules_config read_sending_rules(const node& n) {
    object_reader r(n,
                    {"time_zone",
                     "quiet_hours",
                     "daily_segment_cap",
                     "loop_within_seconds",
                     "loop_times_in_a_row"});
    sending_rules_config s;
    if (auto v = r.find("time_zone")) {
        s.time_zone = read_string(*v);
        auto offset = common::utc_offset_minutes(s.time_zone);
        if (!offset)
            fail(v->pointer,
                 "unknown time zone " + in_quotes(s.time_zone) + " (expected one of " +
                     common::known_time_zones() + ")");
        s.utc_offset_minutes = *offset;
    }
    if (auto v = r.find("quiet_hours")) {
        if (!v->value.is_array())
            fail(v->pointer,
                 "must be a list of periods such as {\"from\": \"21:00\", \"until\": "
                 "\"07:00\"} (an empty list: never quiet)");
        s.quiet_hours.clear();
        for (std::size_t i = 0; i < v->value.size(); ++i)
            s.quiet_hours.push_back(
                read_quiet_period(node{v->value[i], v->pointer + "/" + std::to_string(i)}));
    }
    if (auto v = r.find("daily_segment_cap")) s.daily_segment_cap = read_whole(*v, 0, 10000);
    if (auto v = r.find("loop_within_seconds")) s.loop_within_seconds = read_whole(*v, 1, 3600);
    if (auto v = r.find("loop_times_in_a_row")) {
        s.loop_times_in_a_row = read_whole(*v, 0, 100);
        if (s.loop_times_in_a_row == 1)
            fail(v->pointer, "must be 0 (no check) or a whole number between 2 and 100");
    }
    return s;
}

reminder_config read_reminder(const node& n) {
    object_reader r(n,
                    {"name",
                     "channel",
                     "course",
                     "date_setting",
                     "days_before",
                     "time",
                     "node",
                     "text",
                     "template"});
    reminder_config m;
    auto name = r.require("name");
    m.name = read_string(name);
    if (!is_channel_name(m.name))
        fail(name.pointer, "must be lowercase letters, digits, '-' or '_', at most 32 characters");
    auto channel = r.require("channel");
    m.channel = read_string(channel);
    auto course = r.require("course");
    m.course = read_string(course);
    if (m.course.empty()) fail(course.pointer, "must not be empty");
    auto setting =
        r.require("date_setting", "required: the script setting with the course's start date");
    m.date_setting = read_string(setting);
    if (m.date_setting.rfind("settings.", 0) == 0) m.date_setting.erase(0, 9);
    if (m.date_setting.empty()) fail(setting.pointer, "must name a setting");
    m.days_before = read_whole(r.require("days_before"), 0, 365);
    m.time_minute = read_clock_time(r.require("time"));
    auto node_key = r.find("node");
    auto text_key = r.find("text");
    if (node_key) m.node = read_string(*node_key);
    if (text_key) m.text = read_string(*text_key);
    if (m.node.empty() == m.text.empty())
        fail(r.child_pointer(node_key ? "text" : "node"),
             "give exactly one of \"node\" (a node of the script) and \"text\"");
    if (auto t = r.find("template")) {
        object_reader tr(*t, {"name", "language", "parameters"});
        auto tname = tr.require("name");
        m.template_name = read_string(tname);
        if (m.template_name.empty()) fail(tname.pointer, "must not be empty");
        if (auto v = tr.find("language")) m.template_language = read_string(*v);
        if (auto v = tr.find("parameters")) {
            if (!v->value.is_array()) fail(v->pointer, "must be a list of strings");
            for (std::size_t i = 0; i < v->value.size(); ++i)
                m.template_parameters.push_back(
                    read_string(node{v->value[i], v->pointer + "/" + std::to_string(i)}));
        }
    }
    return m;
}

std::vector<reminder_config> read_reminders(const node& n,
                                            const std::vector<channel_config>& channels) {
    if (!n.value.is_array()) fail(n.pointer, "must be a list");
    std::vector<reminder_config> out;
    std::map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < n.value.size(); ++i) {
        const auto at = n.pointer + "/" + std::to_string(i);
        auto m = read_reminder(node{n.value[i], at});
        auto [it, inserted] = names.emplace(m.name, i);
        if (!inserted)
            fail(at + "/name",
                 in_quotes(m.name) + " is already the name of " + n.pointer + "/" +
                     std::to_string(it->second));
        const bool known = std::any_of(
            channels.begin(), channels.end(), [&](const auto& c) { return c.name == m.channel; });
        if (!known) fail(at + "/channel", "no channel " + in_quotes(m.channel) + " in /channels");
        out.push_back(std::move(m));
    }
    return out;
}

std::filesystem::path resolve(const std::filesystem::path& p, const std::filesystem::path& base) {
    if (p == ":memory:") return p;
    return (p.is_absolute() ? p : base / p).lexically_normal();
}

}  // namespace

service_config parse_config(std::string_view json_text,
                            const std::filesystem::path& base_directory) {
    auto document = parse_json(json_text);
    object_reader root(node{document, ""},
                       {"server",
                        "admin",
                        "storage",
                        "dialogs",
                        "channels",
                        "logging",
                        "sending_rules",
                        "console",
                        "reminders"});
    service_config config;
    if (auto v = root.find("server")) config.server = read_server(*v);
    // The admin endpoints this key was kept for became /api/v1, whose tokens `sapa token
    // create` makes and keeps hashed in the store: a secret in the environment is not needed.
    if (root.find("admin"))
        config.warnings.emplace_back(
            "/admin: no longer used (API tokens are made with `sapa token create`); remove it");
    if (auto v = root.find("storage")) config.storage = read_storage(*v);
    if (auto v = root.find("dialogs")) config.dialogs = read_dialogs(*v);
    if (auto v = root.find("channels")) config.channels = read_channels(*v);
    if (auto v = root.find("logging")) config.logging = read_logging(*v);
    if (auto v = root.find("sending_rules")) config.sending_rules = read_sending_rules(*v);
    if (auto v = root.find("console")) config.console = read_console(*v);
    if (auto v = root.find("reminders")) config.reminders = read_reminders(*v, config.channels);

    // Twilio signs the public URL it called. Rebuilding it from the Host header would let the
    // caller choose what is verified: a Twilio channel needs the address set.
    for (std::size_t i = 0; i < config.channels.size(); ++i) {
        if (config.channels[i].type == gateway_type::twilio &&
            config.server.public_base_url.empty())
            fail("/server/public_base_url",
                 "must be set when a Twilio channel is configured (/channels/" + std::to_string(i) +
                     " \"" + config.channels[i].name +
                     "\"): the public https:// address Twilio calls, such as "
                     "https://sapa.example.id, whose URLs Twilio signs");
    }

    auto base = base_directory.empty() ? std::filesystem::current_path()
                                       : std::filesystem::absolute(base_directory);
    config.storage.database_path = resolve(config.storage.database_path, base);
    for (auto& p : config.dialogs.paths)
        p = resolve(p, base);
    return config;
}

service_config load_config(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        std::error_code ec;
        bool exists = std::filesystem::exists(path, ec);
        throw config_error(path.string() + ": cannot read the config file (" +
                           (exists ? "not readable" : "no such file") + ")");
    }
    std::stringstream text;
    text << file.rdbuf();
    try {
        return parse_config(text.str(), path.parent_path());
    } catch (const config_error& e) {
        // "file:3:5: invalid JSON ..." like a compiler; "file: /server/port: ..." otherwise.
        std::string message = e.what();
        bool at_line = !message.empty() && std::isdigit(static_cast<unsigned char>(message[0]));
        throw config_error(path.string() + (at_line ? ":" : ": ") + message);
    }
}

std::optional<std::string> secret(const std::string& env_name) {
    const char* value = std::getenv(env_name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
}

std::vector<std::string> missing_secrets(const service_config& config) {
    std::vector<std::string> missing;
    for (const auto& c : config.channels) {
        std::vector<std::pair<std::string_view, const std::string*>> needed;
        switch (c.type) {
            case gateway_type::twilio:
                needed = {{"auth_token_env", &c.auth_token_env}};
                break;
            case gateway_type::whatsapp_cloud:
                needed = {{"app_secret_env", &c.app_secret_env},
                          {"verify_token_env", &c.verify_token_env},
                          {"access_token_env", &c.access_token_env}};
                break;
            case gateway_type::generic_json:
                needed = {{"secret_env", &c.secret_env}};
                break;
        }
        for (const auto& [key, env_name] : needed) {
            if (!secret(*env_name))
                missing.push_back("channel " + in_quotes(c.name) + ": " + *env_name +
                                  " is not set (" + std::string(key) + ")");
        }
    }
    return missing;
}

std::string_view default_api_base_url(gateway_type type) {
    switch (type) {
        case gateway_type::twilio:
            return "https://api.twilio.com";
        case gateway_type::whatsapp_cloud:
            return "https://graph.facebook.com/v25.0";
        case gateway_type::generic_json:
            return "";
    }
    return "";
}

std::string_view to_string(gateway_type type) {
    for (const auto& [name, value] : gateway_names)
        if (value == type) return name;
    return "?";
}

std::string_view to_string(sync_mode mode) {
    for (const auto& [name, value] : sync_mode_names)
        if (value == mode) return name;
    return "?";
}

std::string_view to_string(log_level level) {
    for (const auto& [name, value] : log_level_names)
        if (value == level) return name;
    return "?";
}

}  // namespace sapa::config
