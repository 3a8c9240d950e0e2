// PostgreSQL for the storage tests: the server named by SAPA_TEST_POSTGRES_URL
// (scripts/postgres-test.sh starts a throwaway one), a schema per store under test.

#include "storage/postgres/postgres_store.hpp"
#include "store_test_support.hpp"

#include <cstdlib>
#include <iostream>
#include <libpq-fe.h>
#include <mutex>
#include <vector>

namespace sapa::storage::testing {
namespace {

// The schemas one store_under_test made, dropped with it.
struct schemas {
    std::string url;
    std::vector<std::string> names;
    ~schemas() {
        PGconn* c = PQconnectdb(url.c_str());
        if (PQstatus(c) == CONNECTION_OK) {
            PQclear(PQexec(c, "SET client_min_messages = warning"));
            for (const auto& n : names)
                PQclear(PQexec(c, ("DROP SCHEMA IF EXISTS " + n + " CASCADE").c_str()));
        }
        PQfinish(c);
    }
};

postgres_options options_for(const std::string& url,
                             const std::string& schema,
                             const sqlite_options& o) {
    postgres_options p;
    p.url = url;
    p.schema = schema;
    p.max_batch = o.max_batch;
    p.max_batch_wait = o.max_batch_wait;
    p.outbound_lease = o.outbound_lease;
    p.text_cost = o.text_cost;
    p.run_callbacks = o.run_callbacks;
    return p;
}

}  // namespace

std::optional<store_under_test> postgres_store_under_test() {
    const char* url = std::getenv("SAPA_TEST_POSTGRES_URL");
    if (!url || !*url) {
        static std::once_flag said;
        std::call_once(said, [] {
            // tests/CMakeLists.txt: ctest reports a case printing this line as skipped.
            std::cout << "sapa-test-skipped: the PostgreSQL cases need SAPA_TEST_POSTGRES_URL "
                         "(scripts/postgres-test.sh starts a server and sets it)"
                      << std::endl;
        });
        return std::nullopt;
    }
    auto made = std::make_shared<schemas>();
    made->url = url;
    auto open = [made](const sqlite_options& o) -> std::unique_ptr<store> {
        static std::atomic<int> counter{0};
        made->names.push_back("sapa_test_" + std::to_string(::getpid()) + "_" +
                              std::to_string(counter++));
        return postgres_store::open(options_for(made->url, made->names.back(), o));
    };
    auto reopen = [made](const sqlite_options& o) -> std::unique_ptr<store> {
        return postgres_store::open(options_for(made->url, made->names.back(), o));
    };
    return store_under_test{"postgres", open, reopen, true, false};
}

}  // namespace sapa::storage::testing
