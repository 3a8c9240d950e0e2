# Fault tests: they check the SQLite file directly (PRAGMA integrity_check, read-only).
target_link_libraries(sapa_tests PRIVATE SQLiteCpp)
