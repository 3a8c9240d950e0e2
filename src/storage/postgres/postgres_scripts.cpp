// Published dialog scripts and API tokens: small tables staff tools and the servers read and
// write outside the conversation's units of work.

#include "storage/postgres/detail/pg_connection.hpp"

namespace sapa::storage::pg {

std::int64_t publish_scripts(connection& c, const script_version& v) {
    auto r = c.prepared(
        "INSERT INTO script_versions (files, published_by, note, published_at) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        {text(script_files_to_json(v.files)),
         text(v.published_by),
         text(v.note),
         number(v.published_at)});
    return r.integer(0, 0);
}

std::vector<script_version> script_versions(connection& c) {
    auto r = c.prepared(
        "SELECT id, published_by, note, published_at FROM script_versions ORDER BY id DESC", {});
    std::vector<script_version> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.integer(i, 0), {}, r.text(i, 1), r.text(i, 2), r.integer(i, 3)});
    return out;
}

std::optional<script_version> find_script_version(connection& c, std::int64_t id) {
    auto r = c.prepared(
        "SELECT id, files, published_by, note, published_at FROM script_versions "
        "WHERE id = CASE WHEN $1::bigint = 0 THEN (SELECT max(id) FROM script_versions) "
        "ELSE $1::bigint END",
        {number(id)});
    if (r.rows() == 0) return std::nullopt;
    return script_version{r.integer(0, 0),
                          script_files_from_json(r.view(0, 1)),
                          r.text(0, 2),
                          r.text(0, 3),
                          r.integer(0, 4)};
}

std::int64_t latest_script_version(connection& c) {
    return c.prepared("SELECT coalesce(max(id), 0) FROM script_versions", {}).integer(0, 0);
}

bool add_api_token(connection& c, const api_token& t) {
    auto r = c.prepared(
        "INSERT INTO api_tokens (name, hash, role, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        {text(t.name), text(t.hash), text(t.role), number(t.created_at)});
    return r.affected() == 1;
}

std::vector<api_token> api_tokens(connection& c) {
    auto r = c.prepared(
        "SELECT name, hash, role, created_at, coalesce(last_used_at, 0) FROM api_tokens "
        "ORDER BY name",
        {});
    std::vector<api_token> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.integer(i, 3), r.integer(i, 4)});
    return out;
}

bool revoke_api_token(connection& c, const std::string& name) {
    return c.prepared("DELETE FROM api_tokens WHERE name = $1", {text(name)}).affected() == 1;
}

void api_token_used(connection& c, const std::string& name, unix_seconds now) {
    c.prepared(
        "UPDATE api_tokens SET last_used_at = $2 WHERE name = $1 "
        "AND coalesce(last_used_at, 0) < $2",
        {text(name), number(now)});
}

}  // namespace sapa::storage::pg
