// The test binary's main: doctest's own, plus one rule. A run that was asked for particular
// test cases (ctest runs each case as `sapa_tests -tc=NAME`) and ran none of them fails, so a
// case whose name ctest mangled can never report "Passed" without running (docs/testing.md).

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstring>
#include <iostream>

namespace {

bool asked_for_test_cases(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        for (const char* prefix : {"-tc=", "--test-case=", "-dt-tc=", "-dt-test-case="}) {
            if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) return true;
        }
    }
    return false;
}

bool only_a_query(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        for (const char* query : {"-ltc",
                                  "--list-test-cases",
                                  "-lts",
                                  "--list-test-suites",
                                  "-count",
                                  "--count",
                                  "-h",
                                  "--help",
                                  "-v",
                                  "--version",
                                  "-lr",
                                  "--list-reporters"}) {
            if (std::strcmp(argv[i], query) == 0) return true;
        }
    }
    return false;
}

unsigned test_cases_started = 0;

// Counts the test cases that really started, whatever the reporter.
struct started_counter final : doctest::IReporter {
    explicit started_counter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override { ++test_cases_started; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("started_counter", 1, started_counter);

}  // namespace

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int result = context.run();
    if (context.shouldExit() || only_a_query(argc, argv)) return result;
    if (asked_for_test_cases(argc, argv) && test_cases_started == 0) {
        std::cerr << "no test case matched the filter: the case's name was probably split or "
                     "mangled on the way (a ';' in a name does that)\n";
        return result == 0 ? 1 : result;
    }
    return result;
}
