// The registrar's staff changes: confirm, attended, promote, and what holds a seat.

#include "engine/registrations.hpp"

#include <doctest/doctest.h>

using namespace sapa::engine;

namespace {

// Three contacts for course K with two seats: K-0001, K-0002 registered, K-0003 waitlisted.
struct two_seats {
    memory_ledger ledger;
    registrar staff{ledger, true};
    two_seats() {
        for (const auto* who : {"+621", "+622", "+623", "+624"})
            staff.register_contact(who, "K", "K", 2, {}, 10);
    }
};

}  // namespace

TEST_CASE("registrar: statuses read and written as text, confirmed and attended hold a seat") {
    for (auto s : {registration_status::registered,
                   registration_status::waitlisted,
                   registration_status::cancelled,
                   registration_status::confirmed,
                   registration_status::attended})
        CHECK(registration_status_from_string(to_string(s)) == s);
    CHECK(registration_status_from_string("hadir") == registration_status::none);
    CHECK(holds_seat(registration_status::confirmed));
    CHECK(holds_seat(registration_status::attended));
    CHECK_FALSE(holds_seat(registration_status::waitlisted));
    CHECK(std::string(dialog_status(registration_status::attended)) == "registered");
    CHECK(std::string(dialog_status(registration_status::waitlisted)) == "waitlisted");
}

TEST_CASE("registrar: staff confirm a seat and mark it attended, the seat still counts") {
    two_seats k;
    auto confirmed = k.staff.confirm_code("K", "K-0001", 20);
    CHECK(confirmed.refused == change_refusal::none);
    CHECK(confirmed.changed);
    CHECK(confirmed.entry.contact == "+621");
    CHECK(confirmed.entry.record.status == registration_status::confirmed);
    CHECK(confirmed.entry.record.position == 1);
    // Again: nothing to change, not an error.
    auto again = k.staff.confirm_code("K", "K-0001", 21);
    CHECK(again.refused == change_refusal::none);
    CHECK_FALSE(again.changed);

    auto attended = k.staff.mark_attended_code("K", "K-0002", 22);  // straight from registered
    CHECK(attended.changed);
    CHECK(attended.entry.record.status == registration_status::attended);
    CHECK(attended.entry.record.position == 2);
    CHECK(k.staff.mark_attended_code("K", "K-0001", 23).changed);  // from confirmed

    // Still two seats taken: a newcomer waits, a contact asking again gets its seat back.
    auto late = k.staff.register_contact("+625", "K", "K", 2, {}, 30);
    CHECK(late.status == registration_status::waitlisted);
    CHECK(late.position == 3);
    auto back = k.staff.register_contact("+621", "K", "K", 2, {}, 31);
    CHECK(back.code == "K-0001");
    CHECK(back.status == registration_status::attended);
    CHECK(k.staff.find("+622", "K").position == 2);
    CHECK(k.ledger.seats("K") == 2);
    CHECK(k.ledger.seats("K", "K-0001") == 1);
    CHECK(k.staff.promotions().empty());
}

TEST_CASE("registrar: cancelling a confirmed seat promotes the first of the waitlist") {
    two_seats k;
    REQUIRE(k.staff.confirm_code("K", "K-0002", 20).changed);
    auto cancelled = k.staff.cancel("+622", "K", 21);
    CHECK(cancelled.status == registration_status::cancelled);
    REQUIRE(k.staff.promotions().size() == 1);
    CHECK(k.staff.promotions()[0].contact == "+623");
    CHECK(k.staff.promotions()[0].record.position == 2);
}

TEST_CASE("registrar: staff promote a named waitlisted registration, even over capacity") {
    two_seats k;
    // K-0004 is second on the waitlist; staff pick it over K-0003.
    auto promoted = k.staff.promote_code("K", "K-0004", 20);
    CHECK(promoted.refused == change_refusal::none);
    CHECK(promoted.changed);
    CHECK(promoted.entry.record.status == registration_status::registered);
    CHECK(promoted.entry.record.position == 3);  // a third seat in a course of two
    REQUIRE(k.staff.promotions().size() == 1);
    CHECK(k.staff.promotions()[0].contact == "+624");
    CHECK(k.staff.find("+623", "K").position == 1);  // the waitlist moved up
    CHECK(k.ledger.seats("K") == 3);
}

TEST_CASE("registrar: changes that make no sense are refused and change nothing") {
    two_seats k;
    REQUIRE(k.staff.mark_attended_code("K", "K-0001", 20).changed);
    REQUIRE(k.staff.cancel_code("K", "K-0002", 21));
    k.staff.cancel_code("K", "K-0004", 21);  // waitlisted, cancelled
    const auto before = k.ledger.rows();

    auto refused = [&](status_change c, change_refusal why) {
        CHECK(c.refused == why);
        CHECK_FALSE(c.changed);
        CHECK(std::string(describe(why)).size() > 0);
    };
    refused(k.staff.confirm_code("K", "K-0001", 30), change_refusal::is_attended);
    refused(k.staff.promote_code("K", "K-0001", 30), change_refusal::not_waitlisted);
    refused(k.staff.confirm_code("K", "K-0002", 30), change_refusal::is_cancelled);
    refused(k.staff.mark_attended_code("K", "K-0002", 30), change_refusal::is_cancelled);
    refused(k.staff.promote_code("K", "K-0004", 30), change_refusal::is_cancelled);
    // K-0003 moved up when K-0002 cancelled; make a fresh waitlisted one to try.
    auto waiting = k.staff.register_contact("+626", "K", "K", 2, {}, 31);
    REQUIRE(waiting.status == registration_status::waitlisted);
    const auto with_waiting = k.ledger.rows();
    refused(k.staff.confirm_code("K", waiting.code, 32), change_refusal::is_waitlisted);
    refused(k.staff.mark_attended_code("K", waiting.code, 32), change_refusal::is_waitlisted);
    refused(k.staff.confirm_code("K", "K-0099", 32), change_refusal::unknown_code);
    refused(k.staff.promote_code("X", "K-0001", 32), change_refusal::unknown_code);
    CHECK(k.ledger.rows().size() == with_waiting.size());
    for (std::size_t i = 0; i < with_waiting.size(); ++i) {
        CHECK(k.ledger.rows()[i].entry.record == with_waiting[i].entry.record);
        CHECK(k.ledger.rows()[i].updated_at == with_waiting[i].updated_at);
    }
    CHECK(before.size() + 1 == with_waiting.size());
}
