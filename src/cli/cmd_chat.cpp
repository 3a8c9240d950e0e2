// `sapa chat`: the simulator staff use to try a script before it goes live.

#include "app/conversations.hpp"
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "dialog/catalog.hpp"
#include "dialog/loader.hpp"
#include "engine/engine.hpp"
#include "messaging/address.hpp"
#include "sms/gsm7.hpp"
#include "storage/memory/memory_store.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <istream>
#include <ostream>
#include <set>
#include <sstream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa chat FILE [MORE_FILES...] [--lang LANG] [--from NUMBER] [--db FILE]\n"
    "\n"
    "Talk to the dialog script in FILE as a resident would. Each line you type is one\n"
    "SMS; Sapa's replies follow, each with its SMS cost. Scripts used as subflows are\n"
    "found next to FILE (by id) or may be given as MORE_FILES.\n"
    "\n"
    "When standard input is not a terminal, one inbound message is read per line, so a\n"
    "conversation can be replayed from a file:  sapa chat dialogs/lumajang.json < talk.txt\n"
    "\n"
    "Lines starting with / are simulator commands, not messages:\n"
    "  /wait 2h     let time pass (s, m, h, d), e.g. to see a session expire\n"
    "  /media image [caption]  send a photo (or audio, video, document, sticker,\n"
    "               location...), with a caption if given\n"
    "  /state       print what Sapa remembers about this resident\n"
    "  /quit        leave (end of input also leaves)\n"
    "Lines starting with # are comments and are skipped.\n"
    "\n"
    "Options:\n"
    "  --lang LANG      start in this language (default: the script's first language)\n"
    "  --from NUMBER    the resident's phone number (default +6281200000000)\n"
    "  --db FILE|URL    keep the conversation in this SQLite database (created if\n"
    "                   missing), so it continues where it stopped on the next run and\n"
    "                   its registrations and log can be exported; without it nothing\n"
    "                   is kept after the simulator ends; a postgresql:// URL keeps it\n"
    "                   in that PostgreSQL database instead\n"
    "  --help           show this help\n"
    "\n"
    "Exit status: 0 the input ended or /quit, 1 the script has errors or the database\n"
    "failed, 2 wrong usage.\n";

// A subflow id that can name a file only beside the script: no folder, no "..", not
// hidden. The loader refuses other ids too (they are not script ids); this keeps the
// simulator from opening such a path before the errors are reported.
bool plain_file_name(const std::string& id) {
    return !id.empty() && id.front() != '.' && id.find_first_of("/\\") == std::string::npos &&
           id.find("..") == std::string::npos;
}

// The files to load: those given, plus sibling files for subflow scripts not given.
std::vector<std::string> files_with_subflows(const std::vector<std::string>& given) {
    std::vector<std::string> files = given;
    std::set<std::string> known_ids;
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto loaded = dialog::load_script_file(files[i]);
        if (!loaded.script) continue;
        known_ids.insert(loaded.script->id);
        for (const auto& [id, node] : loaded.script->nodes) {
            if (!plain_file_name(node.subflow) || known_ids.count(node.subflow)) continue;
            auto sibling = std::filesystem::path(files[i]).parent_path() / (node.subflow + ".json");
            if (std::filesystem::exists(sibling) &&
                std::find(files.begin(), files.end(), sibling.string()) == files.end())
                files.push_back(sibling.string());
        }
    }
    return files;
}

void print_reply(std::ostream& out, const messaging::outbound_message& reply) {
    std::size_t start = 0;
    while (start <= reply.text.size()) {
        auto end = reply.text.find('\n', start);
        if (end == std::string::npos) end = reply.text.size();
        out << "< " << reply.text.substr(start, end - start) << "\n";
        start = end + 1;
    }
    auto cost = sms::measure(reply.text);
    out << "  [" << cost.segments << " SMS, "
        << (cost.encoding == sms::encoding::gsm7 ? "GSM-7" : "UCS-2") << ", " << cost.units
        << (cost.encoding == sms::encoding::gsm7 ? " septets" : " UTF-16 units") << "]\n";
}

}  // namespace

int run_chat(const arguments& args, streams io) {
    CLI::App app{"", "sapa chat"};
    std::vector<std::string> files;
    std::string language;
    std::string from = "+6281200000000";
    std::string db_path;
    app.add_option("FILE", files);
    app.add_option("--lang", language);
    app.add_option("--from", from);
    app.add_option("--db", db_path);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    if (files.empty()) return usage_error(app, "name a dialog script file", io, usage);
    auto address = messaging::normalize_phone(from);
    if (!address) {
        io.err << "sapa chat: --from " << from << " is not a phone number\n";
        return 2;
    }

    auto first = dialog::load_script_file(files.front());
    auto loaded = dialog::load_catalog(files_with_subflows(files));
    if (!loaded.scripts || !first.script) {
        for (const auto& p : loaded.problems)
            if (p.severity == dialog::severity::error) io.err << dialog::to_string(p) << "\n";
        io.err << "sapa chat: the script has errors; run `sapa check` for details\n";
        return 1;
    }
    const auto& scripts = *loaded.scripts;
    const std::string script_id = first.script->id;
    if (!language.empty()) {
        const auto& langs = scripts.find(script_id)->languages;
        if (std::find(langs.begin(), langs.end(), language) == langs.end()) {
            io.err << "sapa chat: the script has no language \"" << language << "\"\n";
            return 2;
        }
    }

    // The same use case as `sapa serve`, on the database given or on a store in memory.
    std::unique_ptr<storage::store> store;
    if (db_path.empty()) {
        store = std::make_unique<storage::memory_store>();
    } else {
        auto opened = open_tool_store(db_path, {}, true, io.err, "chat");
        if (!opened.store) return opened.exit_code;
        store = std::move(opened.store);
    }
    auto shared_scripts = loaded.scripts;
    app::conversations conversations(*store, [shared_scripts] { return shared_scripts; });
    const app::channel channel{"chat", script_id, storage::route::inline_reply};

    int sent = 0;
    const long long run_id = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    long long clock_offset = 0;
    auto now = [&] {
        using namespace std::chrono;
        return duration_cast<seconds>(system_clock::now().time_since_epoch()).count() +
               clock_offset;
    };
    try {
        if (!language.empty()) conversations.set_language(*address, language, now());
    } catch (const std::exception& e) {
        io.err << "sapa chat: " << e.what() << "\n";
        return 1;
    }
    engine::contact_state state;
    state.address = *address;
    if (auto saved = store->load_contact(*address)) state = *saved;

    if (io.in_is_terminal)
        io.out << "Chatting with \"" << script_id << "\" as " << *address
               << ". Type /quit to leave.\n";
    std::string line;
    while (true) {
        if (io.in_is_terminal) io.out << "> " << std::flush;
        if (!std::getline(io.in, line)) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.starts_with("#")) continue;
        if (line == "/quit") break;
        if (line == "/state") {
            io.out << nlohmann::json(state).dump(2) << "\n";
            continue;
        }
        if (line.starts_with("/wait")) {
            auto seconds = parse_duration_seconds(line.size() > 6 ? line.substr(6) : "");
            if (!seconds) {
                io.err << "sapa chat: /wait needs a duration like 90s, 30m, 2h or 3d\n";
                continue;
            }
            clock_offset += *seconds;
            io.out << "(" << line.substr(6) << " later)\n";
            continue;
        }
        if (!io.in_is_terminal) io.out << "> " << line << "\n";
        std::vector<messaging::outbound_message> replies;
        // Each typed line is a new message: an id keeps the store from taking a repeated
        // answer ("1" twice) for a gateway's retry.
        messaging::inbound_message in;
        in.gateway_message_id = "chat-" + std::to_string(run_id) + "-" + std::to_string(++sent);
        in.from = *address;
        in.text = line;
        if (line.starts_with("/media")) {
            // "/media sticker" or "/media image ini KTP saya": what a photo or a voice note
            // brings, a kind and no text (or the caption).
            std::istringstream words(line.substr(6));
            std::string kind, caption;
            words >> kind;
            std::getline(words >> std::ws, caption);
            in.attachments.push_back({kind.empty() ? "image" : kind, {}, "chat-media", {}});
            in.text = caption;
        }
        in.channel_kind = "sms";
        in.received_at = now();
        try {
            auto outcome = conversations.receive_now(std::move(in), channel);
            if (outcome.state) state = *outcome.state;
            for (auto& r : outcome.replies)
                replies.push_back(std::move(r.message));
        } catch (const std::exception& e) {
            io.err << "sapa chat: " << e.what() << "\n";
            return 1;
        }
        for (const auto& reply : replies)
            print_reply(io.out, reply);
        if (replies.empty()) io.out << "  (no reply)\n";
    }
    return 0;
}

}  // namespace sapa::cli
