# Storage tests: shared helpers, direct SQLite access for fixtures and integrity checks, and
# the child program the crash test kills.
target_sources(sapa_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/store_test_support.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/postgres_support.cpp)
target_link_libraries(sapa_tests PRIVATE SQLiteCpp)

add_executable(sapa_storage_crash_child
  ${CMAKE_CURRENT_LIST_DIR}/crash_child.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store_test_support.cpp)
target_link_libraries(sapa_storage_crash_child PRIVATE sapa_storage_sqlite sapa_app)
add_dependencies(sapa_tests sapa_storage_crash_child)
target_compile_definitions(sapa_tests
  PRIVATE SAPA_STORAGE_CRASH_CHILD="$<TARGET_FILE:sapa_storage_crash_child>")
