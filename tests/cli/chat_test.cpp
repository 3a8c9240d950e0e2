#include "cli/commands.hpp"
#include "support/sapa_process.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

struct captured {
    int code;
    std::string out, err;
};

captured chat(const sapa::cli::arguments& args, const std::string& input) {
    std::istringstream in(input);
    std::ostringstream out, err;
    sapa::cli::arguments all = {"chat"};
    all.insert(all.end(), args.begin(), args.end());
    int code = sapa::cli::run(all, {in, out, err, false});
    return {code, out.str(), err.str()};
}

const std::string example = SAPA_SOURCE_DIR "/dialogs/example.json";

}  // namespace

TEST_CASE("sapa chat replays piped lines and shows each reply's SMS cost") {
    auto r = chat({example}, "halo\n# a comment line is skipped\n1\n");
    CHECK(r.code == 0);
    CHECK(r.out ==
          "> halo\n"
          "< Selamat datang. Pilih:\n"
          "< 1. Daftar kursus\n"
          "< 2. Info\n"
          "< 3. English\n"
          "  [1 SMS, GSM-7, 58 septets]\n"
          "> 1\n"
          "< Siapa nama lengkap Anda?\n"
          "  [1 SMS, GSM-7, 24 septets]\n");
}

TEST_CASE("sapa chat /media sends a photo or a captioned one") {
    auto r = chat({example}, "halo\n/media sticker\n/media image 1\n");
    CHECK(r.code == 0);
    CHECK(r.out.find("> /media sticker\n"
                     "< Maaf, kami hanya bisa membaca pesan teks, bukan foto, suara, video, "
                     "stiker atau lokasi. Silakan balas dengan tulisan.\n"
                     "< Balas dengan angka 1-3.\n") != std::string::npos);
    // The caption is the answer: menu option 1 asks for the name.
    CHECK(r.out.find("> /media image 1\n< Siapa nama") != std::string::npos);
}

TEST_CASE("sapa chat /wait lets a session expire and LANJUT resumes it") {
    auto r = chat({example}, "halo\n1\n/wait 2h\nBudi\nlanjut\n");
    CHECK(r.out.find("(2h later)") != std::string::npos);
    CHECK(r.out.find("Ketik LANJUT untuk melanjutkan") != std::string::npos);
    auto resumed = r.out.rfind("> lanjut\n< Siapa nama lengkap Anda?");
    CHECK(resumed != std::string::npos);
}

TEST_CASE("sapa chat --db continues the conversation in a later run") {
    sapa::testing::temp_dir dir;
    const std::string db = (dir.path() / "chat.db").string();
    auto first = chat({example, "--db", db, "--from", "081234567890"}, "halo\n1\nSiti Aminah\n");
    CHECK(first.code == 0);
    CHECK(first.out.find("Berapa umur Anda, Siti Aminah?") != std::string::npos);
    // A new run, as after a restart: the answer goes to the question asked last time.
    auto second = chat({example, "--db", db, "--from", "+62 812-3456-7890"}, "30\nmerah\nya\n");
    CHECK(second.code == 0);
    CHECK(second.out.find("Siti Aminah, 30 th, Merah. Benar?") != std::string::npos);
    CHECK(second.out.find("Terdaftar. Kode: CTH-0001") != std::string::npos);
}

TEST_CASE("sapa chat refuses a script with errors and a bad option") {
    CHECK(chat({}, "").code == 2);
    CHECK(chat({example, "--lang", "fr"}, "").code == 2);
    auto missing = chat({SAPA_SOURCE_DIR "/dialogs/nope.json"}, "");
    CHECK(missing.code == 1);
}

TEST_CASE("sapa chat never opens a subflow id that is a path outside the dialog folder") {
    sapa::testing::temp_dir dir;
    const auto folder = dir.path() / "dialogs" / "lumajang";
    std::filesystem::create_directories(folder);
    // What "../../x" names from the script's folder. Had the simulator opened it, its
    // syntax error would be reported under its file name.
    std::ofstream(dir.path() / "x.json") << "not a script: private text";
    const auto script = folder / "main.json";
    std::ofstream(script) << R"({"id": "main", "version": 1, "languages": ["id"], "start": "s",
        "nodes": {"s": {"subflow": "../../x", "next": "a"},
                  "a": {"say": "Halo", "actions": [{"type": "end"}]}}})";
    auto r = chat({script.string()}, "halo\n");
    CHECK(r.code == 1);
    CHECK(r.err.find("x.json") == std::string::npos);
    CHECK(r.err.find("invalid script id \"../../x\"") != std::string::npos);
}
