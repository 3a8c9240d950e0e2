// The staff guide and the Lumajang script say sender_name may have at most 23 characters so
// that the main menu stays one SMS (issue 16: the documented 25 was wrong). Measured here on
// the menu as the engine sends it, in both languages.
#include "dialog/catalog.hpp"
#include "engine/engine.hpp"
#include "sms/gsm7.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace sapa;

std::size_t menu_parts(const std::string& sender_name, const std::string& language) {
    auto loaded = dialog::load_catalog({SAPA_SOURCE_DIR "/dialogs/lumajang.json"});
    REQUIRE(loaded.scripts);
    std::vector<dialog::script> scripts;
    for (const auto& [id, s] : loaded.scripts->scripts())
        scripts.push_back(s);
    scripts.front().settings.at("sender_name").value = sender_name;
    const dialog::catalog catalog(std::move(scripts));
    engine::contact_state state;
    state.address = "+6281234567890";
    state.language = language;
    engine::memory_ledger ledger;
    engine::registrar registrations(ledger);
    const auto turn =
        engine::handle_message(catalog, "lumajang", state, "halo", 1767600000, registrations);
    REQUIRE(turn.replies.size() == 1);
    return sms::measure(turn.replies.front().text).segments;
}

}  // namespace

TEST_CASE("the documented sender_name limit keeps the main menu one SMS") {
    const std::string longest(23, 'N');
    CHECK(menu_parts(longest, "id") == 1);
    CHECK(menu_parts(longest, "en") == 1);
    // One more character and the Indonesian menu needs two parts: 23 is the limit.
    CHECK(menu_parts(longest + "N", "id") == 2);
}
