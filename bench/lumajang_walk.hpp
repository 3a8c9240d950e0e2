#pragma once
// The residents' answers in the load and store benchmarks: two walks through the Lumajang
// sign-up. One has invalid answers that the dialog asks again for, the other forgiving ones
// (number words, synonyms, other date formats). After the last steps (registered, then
// BATAL DAFTAR + ya to cancel) a resident starts over with "halo".

#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

namespace sapa::bench {

inline const char* const names[] = {"Siti Aminah",
                                    "Budi Santoso",
                                    "Dewi Lestari",
                                    "Rina Wulandari",
                                    "Sri Rahayu",
                                    "Agus Salim",
                                    "Nur Hidayah",
                                    "Lilis Suryani",
                                    "Yuli Astuti",
                                    "Eko Prasetyo",
                                    "Wati Ningsih",
                                    "Ani Susanti"};
inline const char* const kecamatan[] = {"Tempursari",
                                        "tempursri",
                                        "Candipuro",
                                        "candi puro",
                                        "Jatiroto",
                                        "Pasirian",
                                        "Gucialit",
                                        "Kedungjajang"};
inline const char* const desa[] = {"Pundungsari", "Pasirian", "Sumberejo", "Kaliwungu", "Tunjung"};

// The answer of `resident` at `step` of `walk` (0 or 1).
inline std::string answer(long resident, int walk, int step) {
    auto pick = [resident](const auto& list) {
        return std::string(list[static_cast<std::size_t>(resident) % std::size(list)]);
    };
    char dob[16];
    std::snprintf(dob,
                  sizeof dob,
                  walk == 0 ? "%02ld-%02ld-%ld" : "%ld/%ld/%ld",
                  1 + resident % 28,
                  1 + resident % 12,
                  1982 + resident % 20);
    static const std::vector<std::string> walk0 = {"halo",
                                                   "3",
                                                   "ya",
                                                   "Bu",
                                                   "NAME",
                                                   "31-02-1990",
                                                   "DOB",
                                                   "KEC",
                                                   "DESA",
                                                   "7",
                                                   "3",
                                                   "lewati",
                                                   "1",
                                                   "BATAL DAFTAR",
                                                   "ya"};
    static const std::vector<std::string> walk1 = {"Halo",
                                                   "tiga",
                                                   "iya",
                                                   "NAME",
                                                   "DOB",
                                                   "KEC",
                                                   "DESA",
                                                   "sma",
                                                   "lewati",
                                                   "ya",
                                                   "BATAL DAFTAR",
                                                   "ya"};
    const auto& w = walk == 0 ? walk0 : walk1;
    const auto& s = w[static_cast<std::size_t>(step) % w.size()];
    if (s == "NAME") return pick(names);
    if (s == "DOB") return dob;
    if (s == "KEC") return pick(kecamatan);
    if (s == "DESA") return pick(desa);
    return s;
}

inline int walk_length(int walk) {
    return walk == 0 ? 15 : 12;
}

}  // namespace sapa::bench
