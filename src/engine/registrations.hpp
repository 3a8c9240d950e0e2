#pragma once
// Course registrations: the rules (seats, waitlist, codes, cancelling, promotion) in one
// place, over a ledger that each store implements inside its transaction. The rules never
// differ between stores: SQLite, memory and PostgreSQL hold the same rows and the registrar
// below decides what they mean.

#include "engine/state.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sapa::engine {

// registered: holds a seat. confirmed: staff confirmed the seat. attended: came to the course.
// The three hold a seat alike (capacity, seat positions, promotion when they cancel).
// waitlisted: waits for a seat. cancelled: by the resident or staff.
enum class registration_status { none, registered, waitlisted, cancelled, confirmed, attended };
const char* to_string(registration_status s);
// "registered", "waitlisted", "cancelled", "confirmed", "attended"; anything else is none.
registration_status registration_status_from_string(const std::string& s);
// registered, confirmed or attended.
bool holds_seat(registration_status s);
// Whether a registration in `s` belongs to a segment of registrations in `wanted`: "registered"
// means holding a seat (a course reminder reaches confirmed residents too); the others match
// exactly.
bool in_segment(registration_status s, registration_status wanted);
// What a dialog script sees as registration.status: a seat is "registered" whether or not
// staff confirmed it or the resident attended (scripts branch on registered / waitlisted /
// cancelled), so STATUS, DAFTAR again and BATAL DAFTAR work alike for all three.
const char* dialog_status(registration_status s);

struct registration_record {
    std::string code;  // "LMJ-JHT-0042"
    std::string course;
    registration_status status = registration_status::none;
    // Registered: the seat's place among the course's registered, in order of joining.
    // Waitlisted: the place in the waitlist (1 is next). Computed by the registrar; a ledger
    // does not store it.
    int position = 0;
    std::map<std::string, std::string> fields;

    bool operator==(const registration_record&) const = default;
};

// One registration as a ledger holds it.
struct registration_entry {
    std::string contact;  // the contact's normalised address
    registration_record record;
};

// The rows behind the rules: what a store keeps of registrations. Every call runs inside the
// caller's transaction, so a count and the insert that depends on it cannot interleave with
// another message (two residents never take the last seat). Registrations are ordered by when
// they were added; codes are unique per course.
class registration_ledger {
  public:
    virtual ~registration_ledger() = default;
    // The contact's latest registration for `course`, whatever its status (position 0).
    virtual std::optional<registration_record> latest(const std::string& contact,
                                                      const std::string& course) = 0;
    // How many of the course's registrations have `status`; with `up_to_code`, only those
    // added no later than that registration.
    virtual int count(const std::string& course,
                      registration_status status,
                      const std::string& up_to_code = {}) = 0;
    // How many of the course's registrations hold a seat (registered, confirmed or attended);
    // with `up_to_code`, only those added no later than that registration.
    virtual int seats(const std::string& course, const std::string& up_to_code = {}) = 0;
    // The course's next registration number, 1, 2, ...: never handed out twice, cancelled
    // registrations included.
    virtual int next_number(const std::string& course) = 0;
    virtual void add(const registration_entry& entry, unix_seconds now) = 0;
    virtual void set_status(const std::string& course,
                            const std::string& code,
                            registration_status status,
                            unix_seconds now) = 0;
    // The course's waitlisted registration that was added first, if any.
    virtual std::optional<registration_entry> first_waitlisted(const std::string& course) = 0;
    // The course's registration with `code`, whatever its status (position 0), if any.
    virtual std::optional<registration_entry> find_code(const std::string& course,
                                                        const std::string& code) = 0;
};

// A contact moved from the waitlist to a seat because a registered one cancelled (or staff
// promoted it).
struct promotion {
    std::string contact;
    registration_record record;  // now registered, with its seat position
};

// Why staff's change of a registration's status was refused; none: it was made (or there was
// nothing to change: confirming a confirmed registration).
enum class change_refusal {
    none,
    unknown_code,    // the course has no registration with that code
    is_cancelled,    // cancelled: it must be made again by the resident (DAFTAR)
    is_waitlisted,   // confirm / attended of a waitlisted registration: promote it first
    is_attended,     // confirm of an attended registration: attended already says more
    not_waitlisted,  // promote of a registration that holds a seat already
};
// In plain English, for the CLI and the API.
const char* describe(change_refusal r);

// What a staff change did.
struct status_change {
    change_refusal refused = change_refusal::none;
    bool changed = false;      // false: refused, or already in that status
    registration_entry entry;  // found: its status now, with its position
};

// The rules the engine applies through a ledger.
class registrar {
  public:
    // `promote`: a cancelled seat goes to the first of the waitlist. Off where nobody would
    // tell the promoted contact.
    explicit registrar(registration_ledger& ledger, bool promote = false)
        : ledger_(ledger), promote_(promote) {}
    registrar(const registrar&) = delete;
    registrar& operator=(const registrar&) = delete;

    // Registers `contact` for `course`: a seat while fewer than `capacity` are registered
    // (capacity <= 0: unlimited), otherwise the end of the waitlist. The code is the prefix and
    // the course's next number ("LMJ-JHT-0042"). A contact already registered or waitlisted
    // for the course gets that registration back, unchanged.
    registration_record register_contact(const std::string& contact,
                                         const std::string& course,
                                         const std::string& code_prefix,
                                         int capacity,
                                         const std::map<std::string, std::string>& fields,
                                         unix_seconds now);
    // The contact's latest registration for `course` with its position; status none when
    // there is none.
    registration_record find(const std::string& contact, const std::string& course);
    // Cancels the contact's active registration for `course` and returns it (status
    // cancelled), or status none when there was nothing to cancel. With promotion on, a freed
    // seat goes to the first of the waitlist (see promotions()).
    registration_record cancel(const std::string& contact,
                               const std::string& course,
                               unix_seconds now);
    // Staff cancel the registration `code` of `course`, as cancel() does for its contact.
    // Returns the entry (status cancelled), or nullopt when the code is unknown; an entry
    // already cancelled comes back unchanged.
    std::optional<registration_entry> cancel_code(const std::string& course,
                                                  const std::string& code,
                                                  unix_seconds now);

    // Staff confirm the seat of registration `code` (registered -> confirmed). Confirming a
    // confirmed one changes nothing; a waitlisted, cancelled or attended one is refused.
    status_change confirm_code(const std::string& course,
                               const std::string& code,
                               unix_seconds now);
    // Staff record that registration `code` came to the course (registered or confirmed ->
    // attended). A waitlisted or cancelled one is refused: promote it first, or it registers
    // again.
    status_change mark_attended_code(const std::string& course,
                                     const std::string& code,
                                     unix_seconds now);
    // Staff move the waitlisted registration `code` to a seat (-> registered), ahead of the
    // waitlist's order and even when the course is full: staff deciding explicitly may add a
    // seat, as an outreach office adds a chair (the seat position says how many hold one).
    // The contact is in promotions(), to be told. Anything not waitlisted is refused.
    status_change promote_code(const std::string& course,
                               const std::string& code,
                               unix_seconds now);

    // The contacts moved up from a waitlist by this registrar's cancellations and promotions,
    // in order: the caller tells them.
    const std::vector<promotion>& promotions() const { return promotions_; }

  private:
    registration_record with_position(registration_record r);
    // Moves registration `code` to `to` (confirmed, attended, or registered from the
    // waitlist), or says why not.
    status_change change_code(const std::string& course,
                              const std::string& code,
                              registration_status to,
                              unix_seconds now);
    // Cancels `r` (active) and, when it held a seat and promotion is on, moves the first of
    // the waitlist up.
    void cancel_active(registration_record& r, unix_seconds now);

    registration_ledger& ledger_;
    bool promote_;
    std::vector<promotion> promotions_;
};

// A ledger in plain memory, for runs of the engine without a store (benchmarks, the engine's
// own tests) and as the in-memory store's registrations.
class memory_ledger final : public registration_ledger {
  public:
    struct row {
        registration_entry entry;
        unix_seconds created_at = 0;
        unix_seconds updated_at = 0;
    };

    std::optional<registration_record> latest(const std::string& contact,
                                              const std::string& course) override;
    int count(const std::string& course,
              registration_status status,
              const std::string& up_to_code = {}) override;
    int seats(const std::string& course, const std::string& up_to_code = {}) override;
    int next_number(const std::string& course) override;
    void add(const registration_entry& entry, unix_seconds now) override;
    void set_status(const std::string& course,
                    const std::string& code,
                    registration_status status,
                    unix_seconds now) override;
    std::optional<registration_entry> first_waitlisted(const std::string& course) override;
    std::optional<registration_entry> find_code(const std::string& course,
                                                const std::string& code) override;

    // In the order added. Changing them directly is the owner's business (the in-memory store
    // undoes a failed unit of work and erases forgotten contacts this way).
    std::vector<row>& rows() { return rows_; }
    const std::vector<row>& rows() const { return rows_; }
    std::map<std::string, int>& issued() { return issued_; }

  private:
    std::vector<row> rows_;
    std::map<std::string, int> issued_;  // per course, numbers handed out
};

}  // namespace sapa::engine
