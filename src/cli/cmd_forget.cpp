// `sapa forget NUMBER`: the right to deletion. Erases a contact's personal data and message
// texts; anonymous counts (messages, registrations per course) stay.

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/service.hpp"
#include "messaging/address.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <istream>
#include <ostream>

namespace sapa::cli {
namespace {

constexpr const char* usage =
    "Usage: sapa forget NUMBER [--db FILE] [--yes]\n"
    "\n"
    "Erases the personal data of the contact NUMBER (+62812..., 0812..., 62812..., or a\n"
    "channel id; a bare 812... is refused as ambiguous):\n"
    "collected fields, message texts (kept as \"[dihapus]\"), registration details, and the\n"
    "number itself (replaced by an anonymous id). Counts stay. It cannot be undone.\n"
    "\n"
    "Options:\n"
    "  --db FILE|URL  the Sapa database: a SQLite file or a postgresql:// URL\n"
    "                 (default: the one in --config)\n"
    "  --config FILE  the config naming the database (default: config/sapa.json)\n"
    "  --yes          do not ask for confirmation (needed when not run in a terminal)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 erased (or no such contact), 1 not confirmed or failed, 2 wrong usage.\n";

}  // namespace

int run_forget(const arguments& args, streams io) {
    CLI::App app{"", "sapa forget"};
    std::string db, config_path = "config/sapa.json", number;
    bool confirmed = false;
    app.add_option("NUMBER", number);
    app.add_option("--db", db);
    app.add_option("--config", config_path);
    app.add_flag("--yes", confirmed);
    if (auto done = parse_command_line(app, args, io, usage)) return *done;
    // Erasing the wrong person cannot be undone: a number that could be read two ways
    // ("812...": Indonesian without its 0, or another country without its "+") is refused.
    auto strict = messaging::strict_contact_address(number);
    if (!strict.e164) {
        if (strict.problem.empty()) return usage_error(app, "say whose data to erase", io, usage);
        io.err << "sapa forget: " << number << ": " << strict.problem << "\n";
        return 2;
    }
    const std::string address = std::move(*strict.e164);
    auto opened = open_tool_store(db, config_path, false, io.err, "forget");
    if (!opened.store) return opened.exit_code;
    auto& store = opened.store;
    auto shown = address.starts_with("+") ? messaging::mask_phone(address) : address;
    if (!confirmed) {
        if (!io.in_is_terminal) {
            io.err << "sapa forget: add --yes to erase " << shown << " without a prompt\n";
            return 2;
        }
        io.out << "Erase all personal data of " << address << "? This cannot be undone.\n"
               << "Type the number again to confirm: " << std::flush;
        std::string again;
        std::getline(io.in, again);
        if (messaging::strict_contact_address(again).e164 != address) {
            io.out << "Not confirmed; nothing erased.\n";
            return 1;
        }
    }
    try {
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        auto counts = store->forget(address, now);
        if (counts.contacts == 0) {
            io.out << "No contact " << shown << " in " << opened.where << "; nothing erased.\n";
            return 0;
        }
        io.out << "Erased " << shown << ": " << counts.messages << " message texts, "
               << counts.registrations << " registrations' details, " << counts.events
               << " event details. Counts are kept under an anonymous id.\n";
    } catch (const std::exception& e) {
        io.err << "sapa forget: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace sapa::cli
