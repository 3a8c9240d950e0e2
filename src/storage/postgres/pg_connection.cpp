// libpq, wrapped: connect and reconnect, statements prepared once per connection, text
// results, and failures as pg::error with their SQLSTATE.

#include "storage/postgres/detail/pg_connection.hpp"

#include <charconv>
#include <libpq-fe.h>

namespace sapa::storage::pg {

int result::rows() const {
    return PQntuples(r_.get());
}

bool result::null(int row, int column) const {
    return PQgetisnull(r_.get(), row, column) != 0;
}

std::string_view result::view(int row, int column) const {
    return {PQgetvalue(r_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(r_.get(), row, column))};
}

std::int64_t result::integer(int row, int column) const {
    auto v = view(row, column);
    std::int64_t n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    return n;
}

int result::affected() const {
    const char* n = PQcmdTuples(r_.get());
    return n && *n ? std::atoi(n) : 0;
}

void result::clear(pg_result* r) {
    PQclear(r);
}

connection::connection(const postgres_options& options) : options_(options) {
    open();
}

connection::~connection() {
    if (c_) PQfinish(c_);
}

void connection::open() {
    const auto timeout = std::to_string(options_.connect_timeout_seconds);
    const auto search_path = "-c search_path=" + options_.schema;
    // dbname with expand_dbname: the URL or key=value string; the rest set what Sapa needs.
    std::vector<const char*> keys = {"dbname", "connect_timeout", "application_name"};
    std::vector<const char*> values = {options_.url.c_str(), timeout.c_str(), "sapa"};
    if (!options_.schema.empty()) {
        keys.push_back("options");
        values.push_back(search_path.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    if (c_) PQfinish(c_);
    statements_.clear();
    c_ = PQconnectdbParams(keys.data(), values.data(), 1);
    if (PQstatus(c_) != CONNECTION_OK) {
        // libpq's message names host and port, never the password.
        std::string why = PQerrorMessage(c_);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        // A throwing constructor runs no destructor: free the failed handle here.
        PQfinish(c_);
        c_ = nullptr;
        throw error("cannot connect to PostgreSQL: " + why, "08001", true);
    }
    PQsetNoticeProcessor(
        c_, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors
    exec("SET client_encoding = 'UTF8'");
}

bool connection::usable() const {
    return c_ && PQstatus(c_) == CONNECTION_OK;
}

bool connection::reconnect() {
    try {
        open();
        return true;
    } catch (const error&) {
        return false;
    }
}

result connection::check(pg_result* r, const char* what) {
    result out(r);
    auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return out;
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = r ? PQresultErrorMessage(r) : PQerrorMessage(c_);
    while (!message.empty() && message.back() == '\n')
        message.pop_back();
    const bool lost = PQstatus(c_) != CONNECTION_OK;
    throw error(std::string(what) + ": " + message,
                state ? state : (lost ? "08006" : ""),
                lost || (state && std::string_view(state).starts_with("08")) ||
                    (state && std::string_view(state) == "57P01"));
}

void connection::exec(const std::string& sql) {
    check(PQexec(c_, sql.c_str()), "PostgreSQL");
}

namespace {

struct bound {
    std::vector<const char*> values;
    explicit bound(const std::vector<param>& params) {
        values.reserve(params.size());
        for (const auto& p : params)
            values.push_back(p ? p->c_str() : nullptr);
    }
};

}  // namespace

result connection::query(const std::string& sql, const std::vector<param>& params) {
    bound b(params);
    return check(PQexecParams(c_,
                              sql.c_str(),
                              static_cast<int>(params.size()),
                              nullptr,
                              b.values.data(),
                              nullptr,
                              nullptr,
                              0),
                 "PostgreSQL");
}

result connection::prepared(const char* sql, const std::vector<param>& params) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        auto name = "s" + std::to_string(statements_.size());
        check(PQprepare(c_, name.c_str(), sql, 0, nullptr), "PostgreSQL prepare");
        it = statements_.emplace(sql, std::move(name)).first;
    }
    bound b(params);
    return check(PQexecPrepared(c_,
                                it->second.c_str(),
                                static_cast<int>(params.size()),
                                b.values.data(),
                                nullptr,
                                nullptr,
                                0),
                 "PostgreSQL");
}

}  // namespace sapa::storage::pg
