#pragma once
// Internal to src/app: Sapa's first messages to a contact, written inside a unit of work
// (start(), broadcasts).

#include "app/conversations.hpp"

namespace sapa::app {

// Queues `what` for `contact` on `on` (outbound jobs), moving the session to the node if one
// is given; returns the logged messages in order.
std::vector<storage::stored_reply> write_opening(storage::transaction& tx,
                                                 const storage::contact_record& contact,
                                                 const dialog::catalog& scripts,
                                                 const channel& on,
                                                 const opening& what,
                                                 const conversation_options& options,
                                                 unix_seconds now);

}  // namespace sapa::app
