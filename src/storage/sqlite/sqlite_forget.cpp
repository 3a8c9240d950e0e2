// Right to deletion: a contact's personal data goes, anonymous counts stay.

#include "storage/sqlite/detail/sqlite_connection.hpp"

#include <cstdio>

namespace sapa::storage::detail {

forget_counts forget(connection& c, const std::string& address, engine::unix_seconds now) {
    forget_counts counts;
    auto& find = c.prepared("SELECT id FROM contacts WHERE address = ?");
    find.bind(1, address);
    if (!find.executeStep()) return counts;
    auto id = find.getColumn(0).getInt64();
    counts.contacts = 1;
    c.contacts().clear();  // the cached contact still has the address and fields

    // Stable and unique, and says nothing about the person: the row id.
    char anonymous[32];
    std::snprintf(anonymous, sizeof anonymous, "anon-%06lld", static_cast<long long>(id));

    auto run = [&c, id](const char* sql) {
        auto& q = c.prepared(sql);
        q.bind(1, id);
        return q.exec();
    };
    auto& contact = c.prepared(
        "UPDATE contacts SET address = ?2, language = '', fields = '{}', erased_at = ?3 "
        "WHERE id = ?1");
    contact.bind(1, id);
    contact.bind(2, std::string(anonymous));
    contact.bind(3, now);
    contact.exec();
    // The session holds answers (names, NIK) in its variables.
    run("DELETE FROM sessions WHERE contact_id = ?1");
    counts.messages =
        run("UPDATE messages SET text = '[dihapus]', payload = NULL, match_detail = NULL "
            "WHERE contact_id = ?1 AND (text IS NOT '[dihapus]' OR payload IS NOT NULL)");
    counts.events =
        run("UPDATE events SET detail = NULL, data = NULL "
            "WHERE message_id IN (SELECT id FROM messages WHERE contact_id = ?1) "
            "  AND (detail IS NOT NULL OR data IS NOT NULL)");
    counts.registrations =
        run("UPDATE registrations SET fields = '{}' WHERE contact_id = ?1 AND fields != '{}'");
    // Replies not sent yet would now carry "[dihapus]": they are not sent.
    auto& pending = c.prepared(
        "UPDATE messages SET status = 'failed', status_reason = 'contact erased', "
        "  status_at = ?2 "
        "WHERE id IN (SELECT message_id FROM outbound_queue WHERE contact_id = ?1)");
    pending.bind(1, id);
    pending.bind(2, now);
    pending.exec();
    run("DELETE FROM outbound_queue WHERE contact_id = ?1");
    return counts;
}

}  // namespace sapa::storage::detail
