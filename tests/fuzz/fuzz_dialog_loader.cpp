// Fuzzes the dialog script loader (and the checker on what it loads): any bytes must give
// problems, never a crash, a hang or undefined behaviour.
#include "dialog/checker.hpp"
#include "dialog/loader.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto loaded = sapa::dialog::load_script(text, "fuzz.json");
    if (loaded.script) (void)sapa::dialog::check_script(*loaded.script, "fuzz.json", nullptr);
    return 0;
}
