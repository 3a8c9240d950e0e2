# Every console text marked for translation has its English (scripts/check-translations.py;
# scripts/test.sh runs it too). Python 3 is in scripts/setup-debian.sh.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME check_translations
         COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/scripts/check-translations.py)
add_test(NAME check_translations_self_test
         COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/scripts/check-translations.py
                 --self-test)
