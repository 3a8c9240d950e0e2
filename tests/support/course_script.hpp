#pragma once
// A small dialog script for the outreach tests (script id "k"): one course "K" with one seat.

namespace sapa::testing {

// One course "K" with one seat; keywords DAFTAR, BATAL, INGGRIS; "hadir" is a node Sapa starts
// ("1 hadir / 2 batal").
inline const char* course_script = R"({
  "id": "k", "version": 1, "languages": ["id", "en"], "start": "menu",
  "settings": {"kapasitas": {"value": 1, "description": "seats"},
               "mulai": {"value": "03-08-2026", "description": "the course starts"}},
  "messages": {"registration_confirmed": {"id": "Kursi {{registration.code}} dikonfirmasi.",
                                          "en": "Seat {{registration.code}} confirmed."}},
  "keywords": [
    {"words": {"id": ["DAFTAR"], "en": ["REGISTER"]}, "goto": "daftar"},
    {"words": {"id": ["BATAL"], "en": ["CANCEL"]}, "goto": "batal"},
    {"words": {"id": ["INGGRIS"], "en": ["ENGLISH"]}, "goto": "english"}
  ],
  "nodes": {
    "menu": {"say": {"id": "Menu. Ketik DAFTAR.", "en": "Menu. Type REGISTER."},
             "actions": [{"type": "end"}]},
    "daftar": {"actions": [{"type": "register", "course": "K", "code_prefix": "K",
                            "capacity": "settings.kapasitas", "fields": []}],
               "branch": [{"if": "registration.status == \"waitlisted\"", "goto": "tunggu"}],
               "next": "terdaftar"},
    "terdaftar": {"say": {"id": "Terdaftar {{registration.code}}", "en": "Registered {{registration.code}}"},
                  "actions": [{"type": "end"}]},
    "tunggu": {"say": {"id": "Daftar tunggu nomor {{registration.position}}",
                       "en": "Waitlist number {{registration.position}}"},
               "actions": [{"type": "end"}]},
    "batal": {"actions": [{"type": "cancel_registration", "course": "K"}, {"type": "end"}],
              "say": {"id": "Batal {{registration.code}}", "en": "Cancelled {{registration.code}}"}},
    "english": {"actions": [{"type": "set_language", "language": "en"}, {"type": "end"}],
                "say": {"id": "Bahasa Inggris", "en": "English now"}},
    "hadir": {"say": {"id": "Kelas besok. 1 hadir / 2 batal", "en": "Class tomorrow. 1 attend / 2 cancel"},
              "ask": {"type": "menu", "save": "jawab", "show_options": false,
                      "options": [{"key": "1", "label": {"id": "hadir", "en": "attend"}, "goto": "hadir_ya"},
                                  {"key": "2", "label": {"id": "batal", "en": "cancel"}, "goto": "batal"}]}},
    "hadir_ya": {"say": {"id": "Terima kasih, sampai besok.", "en": "Thank you, see you tomorrow."},
                 "actions": [{"type": "end"}]}
  }
})";

}  // namespace sapa::testing
