// Published dialog scripts and API tokens: small tables staff tools and the server read and
// write outside the conversation's units of work.

#include "storage/sqlite/detail/sqlite_connection.hpp"

namespace sapa::storage::detail {

std::int64_t publish_scripts(connection& c, const script_version& v) {
    auto& q = c.prepared(
        "INSERT INTO script_versions (files, published_by, note, published_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    q.bind(1, script_files_to_json(v.files));
    q.bind(2, v.published_by);
    q.bind(3, v.note);
    q.bind(4, v.published_at);
    q.exec();
    return c.db().getLastInsertRowid();
}

std::vector<script_version> script_versions(connection& c) {
    auto& q = c.prepared(
        "SELECT id, published_by, note, published_at FROM script_versions ORDER BY id DESC");
    std::vector<script_version> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(),
                       {},
                       q.getColumn(1).getString(),
                       q.getColumn(2).getString(),
                       q.getColumn(3).getInt64()});
    return out;
}

std::optional<script_version> find_script_version(connection& c, std::int64_t id) {
    auto& q = c.prepared(
        "SELECT id, files, published_by, note, published_at FROM script_versions "
        "WHERE id = CASE WHEN ?1 = 0 THEN (SELECT max(id) FROM script_versions) ELSE ?1 END");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return script_version{q.getColumn(0).getInt64(),
                          script_files_from_json(q.getColumn(1).getText()),
                          q.getColumn(2).getString(),
                          q.getColumn(3).getString(),
                          q.getColumn(4).getInt64()};
}

std::int64_t latest_script_version(connection& c) {
    auto& q = c.prepared("SELECT coalesce(max(id), 0) FROM script_versions");
    q.executeStep();
    return q.getColumn(0).getInt64();
}

bool add_api_token(connection& c, const api_token& t) {
    auto& q = c.prepared(
        "INSERT OR IGNORE INTO api_tokens (name, hash, role, created_at) VALUES (?1, ?2, ?3, ?4)");
    q.bind(1, t.name);
    q.bind(2, t.hash);
    q.bind(3, t.role);
    q.bind(4, t.created_at);
    return q.exec() == 1;
}

std::vector<api_token> api_tokens(connection& c) {
    auto& q = c.prepared(
        "SELECT name, hash, role, created_at, coalesce(last_used_at, 0) FROM api_tokens "
        "ORDER BY name");
    std::vector<api_token> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getString(),
                       q.getColumn(1).getString(),
                       q.getColumn(2).getString(),
                       q.getColumn(3).getInt64(),
                       q.getColumn(4).getInt64()});
    return out;
}

bool revoke_api_token(connection& c, const std::string& name) {
    auto& q = c.prepared("DELETE FROM api_tokens WHERE name = ?1");
    q.bind(1, name);
    return q.exec() == 1;
}

void api_token_used(connection& c, const std::string& name, unix_seconds now) {
    auto& q = c.prepared(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE name = ?1 "
        "AND coalesce(last_used_at, 0) < ?2");
    q.bind(1, name);
    q.bind(2, now);
    q.exec();
}

}  // namespace sapa::storage::detail
