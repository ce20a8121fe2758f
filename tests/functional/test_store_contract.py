"""One contract for each storage port, run against the in-memory fake and the DynamoDB
adapter on moto alike: what the unit tests of the use cases rely on in the fake is
what the service gets from DynamoDB, so the fake cannot drift from the real store.

Every call gets its `now` from the test, so leases and grace periods are crossed by
choosing a later time, never by waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.aws import clients as aws_clients
from chalicelib.aws.counters import DynamoDBCounter
from chalicelib.aws.dynamodb_store import DynamoDBInquiryStore
from chalicelib.aws.unreachable_contacts import DynamoDBUnreachableContacts
from chalicelib.core import statistics
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.ports import (
    ClockMove,
    Counter,
    EmailInProgress,
    InquiryStore,
    ReferenceTaken,
    StatisticsSource,
    StoreUnavailable,
    UnreachableContacts,
)
from chalicelib.core.records import (
    Claim,
    EmailKind,
    Escalation,
    EscalationReason,
    InquiryRecord,
    Recipient,
    Step,
    emails_asked,
)
from tests.support.fakes import (
    InMemoryCounter,
    InMemoryInquiryStore,
    InMemoryUnreachableContacts,
)

STAFF, RESIDENT = EmailKind.STAFF, EmailKind.RESIDENT
LEASE = timedelta(seconds=60)
GRACE = timedelta(minutes=10)
LIMIT = 3
# A whole second near the real time: the store works in whole seconds, and an item
# that the emulator might expire on its own would be one of years ago.
NOW = datetime.now(UTC).replace(microsecond=0)

BACKENDS = [pytest.param("in-memory", id="fake"), pytest.param("dynamodb", id="dynamodb")]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> InquiryStore:
    if request.param == "in-memory":
        return InMemoryInquiryStore()
    aws = request.getfixturevalue("aws")
    return DynamoDBInquiryStore(aws_clients.dynamodb(), aws.settings.table_name)


@pytest.fixture(params=BACKENDS)
def unreachable(request: pytest.FixtureRequest) -> UnreachableContacts:
    if request.param == "in-memory":
        return InMemoryUnreachableContacts()
    aws = request.getfixturevalue("aws")
    return DynamoDBUnreachableContacts(aws_clients.dynamodb(), aws.settings.table_name)


@pytest.fixture(params=BACKENDS)
def counter(request: pytest.FixtureRequest) -> Counter:
    if request.param == "in-memory":
        return InMemoryCounter()
    aws = request.getfixturevalue("aws")
    return DynamoDBCounter(aws_clients.dynamodb(), aws.settings.table_name)


def inquiry_record(
    reference: str = "K7QM-X3PA",
    *,
    received_at: datetime = NOW,
    retention_days: int = 180,
    message: str = "Gibt es einen Kita-Platz?",
    step: Step | None = None,
    due_at: datetime | None = None,
) -> InquiryRecord:
    return InquiryRecord(
        reference=reference,
        received_at=received_at,
        inquiry=Inquiry(email="zoe@example.org", topic="education", message=message,
                        name="Zoë", language="en"),
        recipient=Recipient(
            contact_key="anna-meier",
            name="Anna Meier",
            email="info@integration-flensburg.de",
            organisation="Integration in Flensburg e.V.",
            staff_language="de",
            cc=("team@example.org",),
        ),
        topic_labels={"de": "Bildung", "en": "Education"},
        retention_days=retention_days,
        response_days=5,
        next_steps="Wir melden uns.",
        remind_after_days=1 if step is Step.REMIND else 0,
        step=step,
        due_at=due_at,
    )


def stored(
    store: InquiryStore,
    reference: str = "K7QM-X3PA",
    *,
    received_at: datetime = NOW,
    retention_days: int = 180,
    step: Step | None = None,
    due_at: datetime | None = None,
) -> InquiryRecord:
    """An inquiry, added to the store."""
    record = inquiry_record(reference, received_at=received_at, retention_days=retention_days,
                            step=step, due_at=due_at)
    store.add(record)
    return record


def waiting(
    store: InquiryStore, reference: str = "K7QM-X3PA", *, due_at: datetime = NOW,
    step: Step = Step.REMIND,
) -> InquiryRecord:
    """An inquiry whose clock waits at `step`, due at `due_at`."""
    return stored(store, reference, received_at=NOW - timedelta(days=1), step=step,
                  due_at=due_at)


def marks(store: InquiryStore, reference: str, now: datetime = NOW) -> tuple[set[str], set[str]]:
    """(sent, failed) as the store reports them."""
    record = store.get(reference, now)
    assert record is not None
    return set(record.sent), set(record.failed)


# add and get


def test_an_added_inquiry_reads_back_as_it_was_with_nothing_sent(store: InquiryStore) -> None:
    record = stored(store)

    assert store.get(record.reference, NOW) == record
    assert marks(store, record.reference) == (set(), set())


def test_an_inquiry_no_contact_could_answer_in_its_language_reads_back_so(
    store: InquiryStore,
) -> None:
    record = inquiry_record()
    record = replace(record, recipient=replace(record.recipient, speaks_resident_language=False))
    store.add(record)

    read = store.get(record.reference, NOW)
    assert read is not None
    assert read.recipient.speaks_resident_language is False


def test_a_reference_cannot_be_added_twice_and_the_first_inquiry_stays(
    store: InquiryStore,
) -> None:
    first = stored(store)

    with pytest.raises(ReferenceTaken):
        store.add(inquiry_record(message="Etwas ganz anderes"))

    assert store.get(first.reference, NOW) == first


def test_the_marks_of_a_record_passed_to_add_are_not_stored(store: InquiryStore) -> None:
    record = replace(inquiry_record(), sent=frozenset({STAFF}), failed=frozenset({RESIDENT}),
                     reminded_at=NOW, escalations=(escalation(),),
                     claim=Claim("anna-meier", "Anna Meier", NOW), steps_taken=3, step_tries=2)
    store.add(record)

    assert marks(store, record.reference) == (set(), set())
    assert store.get(record.reference, NOW) == inquiry_record(), "nor what the clock did"


def test_an_inquiry_is_added_with_its_first_step_and_deadline(store: InquiryStore) -> None:
    record = stored(store, step=Step.REMIND, due_at=NOW + timedelta(days=1))

    assert store.get(record.reference, NOW) == record
    assert store.due(NOW + timedelta(days=1), 10) == [record.reference]


def test_an_unknown_reference_reads_as_none(store: InquiryStore) -> None:
    assert store.get("ZZZZ-ZZZZ", NOW) is None


def test_an_inquiry_is_never_returned_once_its_retention_has_passed(
    store: InquiryStore,
) -> None:
    record = stored(store, received_at=NOW - timedelta(days=7), retention_days=7)

    assert store.get(record.reference, NOW - timedelta(seconds=1)) == record
    assert store.get(record.reference, NOW) is None
    assert store.get(record.reference, NOW + timedelta(days=1)) is None


# claim_email, release_email, mark_sent, mark_failed


def test_a_claimed_email_is_in_progress_for_another_worker_until_the_lease_runs_out(
    store: InquiryStore,
) -> None:
    record = stored(store)
    assert store.claim_email(record.reference, STAFF, NOW, LEASE) is True

    with pytest.raises(EmailInProgress):
        store.claim_email(record.reference, STAFF, NOW, LEASE)
    with pytest.raises(EmailInProgress):
        store.claim_email(record.reference, STAFF, NOW + LEASE - timedelta(seconds=1), LEASE)
    assert store.claim_email(record.reference, STAFF, NOW + LEASE + timedelta(seconds=1),
                             LEASE) is True


def test_each_of_the_two_emails_has_its_own_lease(store: InquiryStore) -> None:
    record = stored(store)
    store.claim_email(record.reference, STAFF, NOW, LEASE)

    assert store.claim_email(record.reference, RESIDENT, NOW, LEASE) is True


def test_a_taken_over_lease_is_in_progress_again_for_its_full_length(
    store: InquiryStore,
) -> None:
    record = stored(store)
    store.claim_email(record.reference, STAFF, NOW, LEASE)
    later = NOW + LEASE + timedelta(seconds=1)
    store.claim_email(record.reference, STAFF, later, LEASE)

    with pytest.raises(EmailInProgress):
        store.claim_email(record.reference, STAFF, later + LEASE - timedelta(seconds=1), LEASE)


def test_a_released_email_can_be_claimed_again_at_once(store: InquiryStore) -> None:
    record = stored(store)
    store.claim_email(record.reference, STAFF, NOW, LEASE)

    store.release_email(record.reference, STAFF)

    assert store.claim_email(record.reference, STAFF, NOW, LEASE) is True


def test_releasing_an_email_nobody_holds_changes_nothing(store: InquiryStore) -> None:
    record = stored(store)

    store.release_email(record.reference, STAFF)

    assert store.claim_email(record.reference, STAFF, NOW, LEASE) is True


def test_a_sent_email_is_never_claimed_again_even_after_its_lease(
    store: InquiryStore,
) -> None:
    record = stored(store)
    store.claim_email(record.reference, STAFF, NOW, LEASE)

    store.mark_sent(record.reference, STAFF, "ses-1", NOW)

    assert marks(store, record.reference) == ({STAFF}, set())
    assert store.claim_email(record.reference, STAFF, NOW, LEASE) is False
    assert store.claim_email(record.reference, STAFF, NOW + 10 * LEASE, LEASE) is False
    assert store.claim_email(record.reference, RESIDENT, NOW, LEASE) is True


def test_a_failed_email_is_never_claimed_again(store: InquiryStore) -> None:
    record = stored(store)
    store.claim_email(record.reference, RESIDENT, NOW, LEASE)

    store.mark_failed(record.reference, RESIDENT, "MessageRejected", NOW)

    assert marks(store, record.reference) == (set(), {RESIDENT})
    assert store.claim_email(record.reference, RESIDENT, NOW, LEASE) is False
    assert store.claim_email(record.reference, RESIDENT, NOW + 10 * LEASE, LEASE) is False
    assert store.claim_email(record.reference, STAFF, NOW, LEASE) is True


def test_an_email_marked_sent_without_a_claim_is_sent(store: InquiryStore) -> None:
    record = stored(store)

    store.mark_sent(record.reference, RESIDENT, "ses-2", NOW)

    assert marks(store, record.reference) == ({RESIDENT}, set())
    assert store.claim_email(record.reference, RESIDENT, NOW, LEASE) is False


def test_both_emails_can_be_marked(store: InquiryStore) -> None:
    record = stored(store)

    store.mark_sent(record.reference, STAFF, "ses-1", NOW)
    store.mark_failed(record.reference, RESIDENT, "MessageRejected", NOW)

    assert marks(store, record.reference) == ({STAFF}, {RESIDENT})


def test_an_email_of_an_unknown_inquiry_cannot_be_claimed(store: InquiryStore) -> None:
    assert store.claim_email("ZZZZ-ZZZZ", STAFF, NOW, LEASE) is False


def test_an_expired_inquiry_held_by_a_worker_is_not_in_progress(store: InquiryStore) -> None:
    record = stored(store, received_at=NOW - timedelta(days=7), retention_days=7)
    store.claim_email(record.reference, STAFF, NOW - timedelta(seconds=10), LEASE)

    assert store.claim_email(record.reference, STAFF, NOW, LEASE) is False


GONE = "ZZZZ-ZZZZ"
MARKS: dict[str, Callable[[InquiryStore], None]] = {
    "release_email": lambda store: store.release_email(GONE, STAFF),
    "mark_sent": lambda store: store.mark_sent(GONE, STAFF, "ses-1", NOW),
    "mark_failed": lambda store: store.mark_failed(GONE, STAFF, "MessageRejected", NOW),
    "mark_delivered": lambda store: store.mark_delivered(GONE),
}


@pytest.mark.parametrize("mark", MARKS.values(), ids=MARKS.keys())
def test_a_mark_on_an_inquiry_that_is_gone_is_store_unavailable(
    store: InquiryStore, mark: Callable[[InquiryStore], None]
) -> None:
    with pytest.raises(StoreUnavailable):
        mark(store)

    assert store.get(GONE, NOW) is None, "a mark does not create an inquiry"


# due, move_clock, claim: the clock's state

DEPUTY = Recipient(contact_key="stefan-schulz", name="Stefan Schulz",
                   email="schulz.stefan@flensburg.de",
                   organisation="Stadt Flensburg, Amt für Integration", staff_language="de")


def escalation(step: Step = Step.ESCALATE) -> Escalation:
    record = inquiry_record()
    return Escalation(step=step, to=DEPUTY, previous=record.recipient, at=NOW,
                      not_claimed_by=("Anna Meier",), working_days=5, topic_label="Bildung")


def test_due_lists_what_is_due_by_now_longest_due_first_and_at_most_the_limit(
    store: InquiryStore,
) -> None:
    later = waiting(store, "BBBB-BBBB", due_at=NOW - timedelta(minutes=5))
    earlier = waiting(store, "AAAA-AAAA", due_at=NOW - timedelta(hours=3))
    exactly = waiting(store, "CCCC-CCCC", due_at=NOW)
    waiting(store, "DDDD-DDDD", due_at=NOW + timedelta(seconds=1))
    stored(store, "EEEE-EEEE")  # no clock at all

    assert store.due(NOW, 10) == [earlier.reference, later.reference, exactly.reference]
    assert store.due(NOW, 2) == [earlier.reference, later.reference]
    assert store.due(NOW - timedelta(days=1), 10) == []


def test_the_clock_moves_an_inquiry_only_from_the_step_it_expects(store: InquiryStore) -> None:
    record = waiting(store)
    next_due = NOW + timedelta(days=4)

    assert store.move_clock(record.reference, Step.ESCALATE,
                            ClockMove(Step.ESCALATE_AGAIN, next_due), NOW) is False
    assert store.move_clock(record.reference, Step.REMIND,
                            ClockMove(Step.ESCALATE, next_due, remind=True), NOW) is True
    assert store.move_clock(record.reference, Step.REMIND,
                            ClockMove(Step.ESCALATE, next_due, remind=True), NOW) is False, (
        "a second run finds the step taken")

    moved = store.get(record.reference, NOW)
    assert moved is not None
    assert (moved.step, moved.due_at, moved.reminded_at, moved.steps_taken) == (
        Step.ESCALATE, next_due, NOW, 1)
    assert store.due(NOW, 10) == []
    assert store.due(next_due, 10) == [record.reference]


def test_an_escalation_reads_back_with_whom_it_went_to_and_why(store: InquiryStore) -> None:
    record = waiting(store, step=Step.ESCALATE)
    first, second = escalation(Step.ESCALATE), escalation(Step.ESCALATE_AGAIN)

    store.move_clock(record.reference, Step.ESCALATE,
                     ClockMove(Step.ESCALATE_AGAIN, NOW, escalation=first), NOW)
    store.move_clock(record.reference, Step.ESCALATE_AGAIN,
                     ClockMove(None, None, escalation=second), NOW)

    moved = store.get(record.reference, NOW)
    assert moved is not None
    assert moved.escalations == (first, second)
    assert (moved.step, moved.due_at, moved.steps_taken) == (None, None, 2)
    assert store.due(NOW + timedelta(days=365), 10) == [], "nothing left to do"


def test_a_fail_over_reads_back_with_its_reason_and_needs_no_step_left(
    store: InquiryStore,
) -> None:
    record = waiting(store, step=Step.ESCALATE)
    store.move_clock(record.reference, Step.ESCALATE, ClockMove(None, None), NOW)  # skipped
    bounced = replace(escalation(Step.ESCALATE_AGAIN), reason=EscalationReason.BOUNCED)

    assert store.move_clock(record.reference, Step.REMIND,
                            ClockMove(None, None, escalation=bounced), NOW) is False
    assert store.move_clock(record.reference, None,
                            ClockMove(None, None, escalation=bounced), NOW) is True
    assert store.move_clock(record.reference, None,
                            ClockMove(None, None, escalation=bounced), NOW) is False, (
        "each step's escalation once")

    moved = store.get(record.reference, NOW)
    assert moved is not None
    assert moved.escalations == (bounced,)
    assert moved.escalations[0].emails == (EmailKind.ESCALATED_AGAIN,), "no note"


def test_a_residents_bounce_is_noted_once_and_asks_for_the_note(store: InquiryStore) -> None:
    record = stored(store)
    store.mark_delivered(record.reference)
    later = NOW + timedelta(hours=1)

    assert store.note_resident_bounce(record.reference, later) is True
    assert store.note_resident_bounce(record.reference, later) is False
    assert store.note_resident_bounce("ZZZZ-ZZZZ", later) is False, "no such inquiry"

    noted = store.get(record.reference, later)
    assert noted is not None
    assert noted.resident_bounced_at == later
    assert EmailKind.RESIDENT_UNREACHABLE in emails_asked(noted)
    assert store.stalled(later + timedelta(days=1)) == [record.reference], (
        "back on the sweep's list until the note is sent")


def test_a_failed_try_is_counted_and_the_step_looked_at_again_later(store: InquiryStore) -> None:
    record = waiting(store)
    retry = NOW + timedelta(minutes=15)

    store.move_clock(record.reference, Step.REMIND, ClockMove(Step.REMIND, retry, tries=1), NOW)

    moved = store.get(record.reference, NOW)
    assert moved is not None
    assert (moved.step, moved.due_at, moved.step_tries, moved.steps_taken) == (
        Step.REMIND, retry, 1, 0)
    store.move_clock(record.reference, Step.REMIND, ClockMove(Step.REMIND, None, tries=5), NOW)
    assert store.due(NOW + timedelta(days=365), 10) == [], "set aside"


def test_a_step_that_asks_for_emails_puts_the_inquiry_back_on_the_sweeps_list_after_a_grace(
    store: InquiryStore,
) -> None:
    record = waiting(store)
    for _ in range(LIMIT):  # the first delivery used up its sweeps
        store.count_sweep(record.reference, NOW - timedelta(hours=20), GRACE, LIMIT)
    store.mark_delivered(record.reference)

    store.move_clock(record.reference, Step.REMIND,
                     ClockMove(Step.ESCALATE, NOW + timedelta(days=4), remind=True), NOW)

    assert store.stalled(received_before=NOW) == [record.reference]
    assert store.count_sweep(record.reference, NOW, GRACE, LIMIT) == 0, "its message first"
    assert store.count_sweep(record.reference, NOW + GRACE + timedelta(seconds=1),
                             GRACE, LIMIT) == 1, "then the sweep counts anew"


def test_delivery_leaves_an_inquiry_on_the_sweeps_list_when_the_clock_asked_for_more(
    store: InquiryStore,
) -> None:
    record = waiting(store)
    seen = store.get(record.reference, NOW)
    assert seen is not None
    store.move_clock(record.reference, Step.REMIND,
                     ClockMove(Step.ESCALATE, NOW + timedelta(days=4), remind=True), NOW)

    store.mark_delivered(record.reference, seen.steps_taken)
    assert store.stalled(received_before=NOW) == [record.reference]
    store.mark_delivered(record.reference, seen.steps_taken + 1)
    assert store.stalled(received_before=NOW) == []


def test_the_first_claim_stands_and_stops_the_clock(store: InquiryStore) -> None:
    record = waiting(store)
    first = Claim("anna-meier", "Anna Meier", NOW)

    assert store.claim(record.reference, first) == first
    assert store.claim(record.reference,
                       Claim("stefan-schulz", "Stefan Schulz", NOW + timedelta(hours=1))) == first

    claimed = store.get(record.reference, NOW)
    assert claimed is not None
    assert (claimed.claim, claimed.step, claimed.due_at) == (first, None, None)
    assert store.due(NOW + timedelta(days=365), 10) == []
    assert store.move_clock(record.reference, Step.REMIND,
                            ClockMove(Step.ESCALATE, NOW, remind=True), NOW) is False


def test_an_inquiry_claimed_while_the_clock_is_off_reads_back_claimed(
    store: InquiryStore,
) -> None:
    record = stored(store)
    claim = Claim("anna-meier", "Anna Meier", NOW)

    assert store.claim(record.reference, claim) == claim
    assert store.get(record.reference, NOW) == replace(record, claim=claim)


def test_nothing_can_be_claimed_or_moved_that_does_not_exist(store: InquiryStore) -> None:
    assert store.claim(GONE, Claim("anna-meier", "Anna Meier", NOW)) is None
    assert store.move_clock(GONE, Step.REMIND, ClockMove(Step.ESCALATE, NOW), NOW) is False
    assert store.get(GONE, NOW) is None


# the follow-up: a claim's move of the clock, the resident's answer, the close


@pytest.mark.parametrize("step", [Step.REMIND, Step.ESCALATE, Step.ESCALATE_AGAIN])
def test_a_claim_moves_the_clock_from_a_step_that_passes_it_on_to_the_follow_up(
    store: InquiryStore, step: Step,
) -> None:
    record = waiting(store, step=step)
    follow_up_at = NOW + timedelta(days=9)
    claim = Claim("anna-meier", "Anna Meier", NOW)

    assert store.claim(record.reference, claim, follow_up_at) == claim

    claimed = store.get(record.reference, NOW)
    assert claimed is not None
    assert (claimed.claim, claimed.step, claimed.due_at, claimed.step_tries) == (
        claim, Step.FOLLOW_UP, follow_up_at, 0)
    assert store.due(follow_up_at, 10) == [record.reference]
    assert store.move_clock(record.reference, step, ClockMove(None, None), NOW) is False, (
        "no reminder or escalation once claimed")


def test_a_claim_after_the_follow_up_leaves_the_close_where_it_is(store: InquiryStore) -> None:
    record = waiting(store, step=Step.FOLLOW_UP)
    close_at = NOW + timedelta(days=14)
    assert store.move_clock(record.reference, Step.FOLLOW_UP,
                            ClockMove(Step.CLOSE, close_at, follow_up=True), NOW) is True
    claim = Claim("anna-meier", "Anna Meier", NOW)

    assert store.claim(record.reference, claim, NOW + timedelta(days=1)) == claim

    claimed = store.get(record.reference, NOW)
    assert claimed is not None
    assert (claimed.claim, claimed.step, claimed.due_at) == (claim, Step.CLOSE, close_at)


def test_a_move_that_lifts_the_claim_lets_the_next_claim_stand(store: InquiryStore) -> None:
    record = waiting(store, step=Step.CLOSE)
    store.claim(record.reference, Claim("anna-meier", "Anna Meier", NOW), NOW)
    close_at = NOW + timedelta(days=14)

    assert store.move_clock(record.reference, Step.CLOSE,
                            ClockMove(Step.CLOSE, close_at, escalation=escalation(),
                                      release_claim=True), NOW) is True

    lifted = store.get(record.reference, NOW)
    assert lifted is not None and lifted.claim is None
    second = Claim("stefan-schulz", "Stefan Schulz", NOW + timedelta(hours=1))
    assert store.claim(record.reference, second, NOW + timedelta(hours=1)) == second


def test_the_follow_up_and_the_close_move_claimed_or_not_and_the_follow_up_once(
    store: InquiryStore,
) -> None:
    record = waiting(store, step=Step.FOLLOW_UP)
    store.claim(record.reference, Claim("anna-meier", "Anna Meier", NOW), NOW)
    store.mark_delivered(record.reference)
    close_at = NOW + timedelta(days=14)

    assert store.move_clock(record.reference, Step.FOLLOW_UP,
                            ClockMove(Step.CLOSE, close_at, follow_up=True), NOW) is True
    assert store.stalled(received_before=NOW) == [record.reference], "its email is asked for"
    assert store.move_clock(record.reference, Step.CLOSE,
                            ClockMove(Step.CLOSE, close_at, follow_up=True), NOW) is False, (
        "never more than one follow-up")
    moved = store.get(record.reference, NOW)
    assert moved is not None
    assert (moved.followed_up_at, moved.step, moved.due_at, moved.steps_taken) == (
        NOW, Step.CLOSE, close_at, 1)
    assert store.move_clock(record.reference, Step.CLOSE, ClockMove(None, None), NOW) is True
    closed = store.get(record.reference, NOW)
    assert closed is not None and (closed.step, closed.due_at) == (None, None)


def test_the_first_answer_stands(store: InquiryStore) -> None:
    record = stored(store)

    assert store.record_answer(record.reference, False, NOW) is False
    assert store.record_answer(record.reference, True, NOW + timedelta(hours=1)) is False

    answered = store.get(record.reference, NOW)
    assert answered is not None
    assert (answered.answered, answered.answered_at) == (False, NOW)
    assert store.record_answer(GONE, True, NOW) is None


def test_forgetting_removes_name_address_and_message_once_and_keeps_the_rest(
    store: InquiryStore,
) -> None:
    record = waiting(store, step=Step.CLOSE)

    assert store.forget_personal_data(record.reference, NOW) is True
    assert store.forget_personal_data(record.reference, NOW + timedelta(hours=1)) is False
    assert store.forget_personal_data(GONE, NOW) is False

    forgotten = store.get(record.reference, NOW)
    assert forgotten is not None
    assert forgotten == replace(
        record, inquiry=replace(record.inquiry, name="", email="", message=""),
        forgotten_at=NOW)


def test_a_no_after_the_close_escalates_with_no_step_left(store: InquiryStore) -> None:
    record = waiting(store, step=Step.CLOSE)
    store.move_clock(record.reference, Step.CLOSE, ClockMove(None, None), NOW)
    store.forget_personal_data(record.reference, NOW)
    not_answered = replace(escalation(), reason=EscalationReason.NOT_ANSWERED)

    assert store.move_clock(record.reference, None,
                            ClockMove(None, None, escalation=not_answered), NOW) is True

    moved = store.get(record.reference, NOW)
    assert moved is not None and moved.escalations == (not_answered,)


# erase: the resident's erasure (Art. 17 GDPR)


def test_erasure_deletes_name_address_and_message_and_keeps_the_rest(
    store: InquiryStore,
) -> None:
    record = stored(store)
    store.mark_sent(record.reference, STAFF, "ses-1", NOW)
    later = NOW + timedelta(hours=1)

    assert store.erase(record.reference, later) is True

    erased = store.get(record.reference, later)
    assert erased is not None
    assert (erased.inquiry.name, erased.inquiry.email, erased.inquiry.message) == ("", "", "")
    assert (erased.erased_at, erased.forgotten_at) == (later, later)
    assert erased == replace(
        record, inquiry=replace(record.inquiry, name="", email="", message=""),
        sent=frozenset({STAFF}), erased_at=later, forgotten_at=later, steps_taken=1)


def test_an_inquiry_is_erased_once_and_an_unknown_or_expired_one_not_at_all(
    store: InquiryStore,
) -> None:
    record = stored(store, retention_days=1)

    assert store.erase(GONE, NOW) is False
    assert store.erase(record.reference, NOW) is True
    assert store.erase(record.reference, NOW + timedelta(hours=1)) is False, "once"
    erased = store.get(record.reference, NOW)
    assert erased is not None and erased.erased_at == NOW
    expiring = stored(store, "BBBB-BBBB", retention_days=1)
    assert store.erase(expiring.reference, NOW + timedelta(days=1)) is False, "expired"


def test_erasure_stops_the_clock_for_good(store: InquiryStore) -> None:
    record = waiting(store, due_at=NOW - timedelta(minutes=5))
    store.erase(record.reference, NOW)

    erased = store.get(record.reference, NOW)
    assert erased is not None
    assert (erased.step, erased.due_at, erased.step_tries) == (None, None, 0)
    assert store.due(NOW + timedelta(days=365), 10) == []
    assert store.move_clock(record.reference, None,
                            ClockMove(None, None, escalation=escalation()), NOW) is False, (
        "not even a fail-over moves an erased inquiry")


def test_erasure_asks_for_the_notes_and_puts_the_inquiry_back_on_the_sweeps_list(
    store: InquiryStore,
) -> None:
    record = stored(store)
    store.mark_sent(record.reference, STAFF, "ses-1", NOW)
    store.mark_delivered(record.reference)
    seen = store.get(record.reference, NOW)
    assert seen is not None

    store.erase(record.reference, NOW)

    erased = store.get(record.reference, NOW)
    assert erased is not None
    assert emails_asked(erased) == (EmailKind.ERASED_FOR_CONTACT,)
    assert store.stalled(NOW + timedelta(days=1)) == [record.reference]
    assert store.count_sweep(record.reference, NOW, GRACE, LIMIT) == 0, "its message first"
    store.mark_delivered(record.reference, seen.steps_taken)
    assert store.stalled(NOW + timedelta(days=1)) == [record.reference], (
        "a delivery that began before the erasure leaves it on the list")
    store.mark_delivered(record.reference, erased.steps_taken)
    assert store.stalled(NOW + timedelta(days=1)) == []


def test_an_erased_inquirys_refused_confirmation_stays_refused(store: InquiryStore) -> None:
    record = stored(store)
    store.mark_failed(record.reference, RESIDENT, "zoe@example.org is on the list", NOW)

    store.erase(record.reference, NOW)

    assert marks(store, record.reference) == (set(), {RESIDENT})


# stalled, mark_delivered, count_sweep


def test_stalled_lists_pending_inquiries_received_before_the_time_oldest_first(
    store: InquiryStore,
) -> None:
    newer = stored(store, reference="BBBB-BBBB", received_at=NOW - timedelta(minutes=20))
    older = stored(store, reference="AAAA-AAAA", received_at=NOW - timedelta(minutes=30))
    stored(store, reference="CCCC-CCCC", received_at=NOW - timedelta(minutes=5))
    stored(store, reference="DDDD-DDDD", received_at=NOW - GRACE)

    assert store.stalled(received_before=NOW - GRACE) == [older.reference, newer.reference]


def test_a_delivered_inquiry_is_off_the_stalled_list(store: InquiryStore) -> None:
    delivered = stored(store, reference="AAAA-AAAA", received_at=NOW - timedelta(hours=1))
    waiting = stored(store, reference="BBBB-BBBB", received_at=NOW - timedelta(hours=1))

    store.mark_delivered(delivered.reference)

    assert store.stalled(received_before=NOW) == [waiting.reference]
    assert store.get(delivered.reference, NOW) == delivered, "kept until its retention ends"


def test_sent_marks_alone_do_not_take_an_inquiry_off_the_stalled_list(
    store: InquiryStore,
) -> None:
    record = stored(store, received_at=NOW - timedelta(hours=1))

    store.mark_sent(record.reference, STAFF, "ses-1", NOW)
    store.mark_sent(record.reference, RESIDENT, "ses-2", NOW)

    assert store.stalled(received_before=NOW) == [record.reference]


def test_nothing_is_stalled_in_an_empty_store(store: InquiryStore) -> None:
    assert store.stalled(received_before=NOW) == []


def test_the_sweep_counts_each_inquiry_up_to_the_limit_once_per_grace_period(
    store: InquiryStore,
) -> None:
    record = stored(store, received_at=NOW - timedelta(hours=1))
    step = GRACE + timedelta(seconds=1)

    counts = [store.count_sweep(record.reference, NOW + n * step, GRACE, LIMIT)
              for n in range(LIMIT + 2)]

    assert counts == [1, 2, 3, 0, 0]


def test_the_sweep_skips_an_inquiry_swept_within_the_grace_period(
    store: InquiryStore,
) -> None:
    record = stored(store, received_at=NOW - timedelta(hours=1))
    assert store.count_sweep(record.reference, NOW, GRACE, LIMIT) == 1

    assert store.count_sweep(record.reference, NOW, GRACE, LIMIT) == 0
    assert store.count_sweep(record.reference, NOW + GRACE - timedelta(seconds=1),
                             GRACE, LIMIT) == 0
    assert store.count_sweep(record.reference, NOW + GRACE + timedelta(seconds=1),
                             GRACE, LIMIT) == 2


def test_the_sweep_counts_each_inquiry_on_its_own(store: InquiryStore) -> None:
    first = stored(store, reference="AAAA-AAAA", received_at=NOW - timedelta(hours=1))
    second = stored(store, reference="BBBB-BBBB", received_at=NOW - timedelta(hours=1))
    store.count_sweep(first.reference, NOW, GRACE, LIMIT)

    assert store.count_sweep(second.reference, NOW, GRACE, LIMIT) == 1


def test_the_sweep_skips_a_delivered_or_unknown_inquiry(store: InquiryStore) -> None:
    record = stored(store, received_at=NOW - timedelta(hours=1))
    store.mark_delivered(record.reference)

    assert store.count_sweep(record.reference, NOW, GRACE, LIMIT) == 0
    assert store.count_sweep("ZZZZ-ZZZZ", NOW, GRACE, LIMIT) == 0
    assert store.get("ZZZZ-ZZZZ", NOW) is None, "counting does not create an inquiry"


def test_a_released_sweep_does_not_count_and_the_next_sweep_may_count_at_once(
    store: InquiryStore,
) -> None:
    record = stored(store, received_at=NOW - timedelta(hours=1))
    assert store.count_sweep(record.reference, NOW, GRACE, LIMIT) == 1
    assert store.count_sweep(record.reference, NOW + 2 * GRACE, GRACE, LIMIT) == 2

    store.release_sweep(record.reference)

    assert store.count_sweep(record.reference, NOW + 2 * GRACE, GRACE, LIMIT) == 2, (
        "the released sweep gave its count back and does not wait a grace period")


def test_an_inquiry_swept_to_the_limit_stays_on_the_stalled_list(store: InquiryStore) -> None:
    record = stored(store, received_at=NOW - timedelta(hours=1))
    for n in range(LIMIT):
        store.count_sweep(record.reference, NOW + n * 2 * GRACE, GRACE, LIMIT)

    assert store.stalled(received_before=NOW) == [record.reference]


# The counter


def test_a_counter_counts_up_from_one(counter: Counter) -> None:
    expires_at = int(NOW.timestamp()) + 3600

    assert [counter.add("rate#abc#1", "hits", expires_at) for _ in range(3)] == [1, 2, 3]


def test_separate_keys_and_fields_are_counted_separately(counter: Counter) -> None:
    expires_at = int(NOW.timestamp()) + 3600
    counter.add("rate#abc#1", "hits", expires_at)
    counter.add("rate#abc#1", "hits", expires_at)

    assert counter.add("rate#xyz#1", "hits", expires_at) == 1
    assert counter.add("rate#abc#2", "hits", expires_at) == 1
    assert counter.add("rate#abc#1", "bounces", expires_at) == 1
    assert counter.add("rate#abc#1", "hits", expires_at) == 3



# The contacts whose address bounced


def test_a_bounced_contact_is_unreachable_until_the_end_it_was_given(
    unreachable: UnreachableContacts,
) -> None:
    week = NOW + timedelta(days=7)
    unreachable.mark("anna-meier", week)
    unreachable.mark("stefan-schulz", NOW + timedelta(days=1))

    assert unreachable.until(NOW) == {"anna-meier": week,
                                      "stefan-schulz": NOW + timedelta(days=1)}
    assert unreachable.until(NOW + timedelta(days=2)) == {"anna-meier": week}
    assert unreachable.until(week) == {}


def test_nobody_is_unreachable_before_any_bounce(unreachable: UnreachableContacts) -> None:
    assert unreachable.until(NOW) == {}


# The anonymous statistics: counted with the write they belong to, once per inquiry.


def counts_of(store: InquiryStore, month: str) -> dict[str, int]:
    source: StatisticsSource = store  # type: ignore[assignment]  # both stores are one
    return dict(source.counts([month]).get(month, {}))


def test_a_tally_is_counted_with_the_write_and_noted_on_the_inquiry(store: InquiryStore) -> None:
    record = inquiry_record()
    store.add(record, statistics.received(record))
    month = statistics.month_of(NOW)

    assert counts_of(store, month) == {"education|en|received": 1}
    kept = store.get(record.reference, NOW)
    assert kept is not None and kept.counted == {"received"}


def test_a_write_that_is_refused_counts_nothing(store: InquiryStore) -> None:
    record = inquiry_record()
    store.add(record, statistics.received(record))
    with pytest.raises(ReferenceTaken):
        store.add(record, statistics.received(record))
    first = Claim("anna-meier", "Anna Meier", NOW)
    store.claim(record.reference, first, None, statistics.claimed(record, first))
    second = Claim("stefan-schulz", "Stefan Schulz", NOW + timedelta(hours=1))
    store.claim(record.reference, second, None, statistics.claimed(record, second))
    assert store.record_answer(record.reference, True, NOW,
                               statistics.answered(record, True)) is True
    assert store.record_answer(record.reference, False, NOW,
                               statistics.answered(record, False)) is True
    assert store.erase(record.reference, NOW, statistics.erased(record))
    assert not store.erase(record.reference, NOW, statistics.erased(record))

    assert counts_of(store, statistics.month_of(NOW)) == {
        "education|en|received": 1, "education|en|claimed": 1,
        "education|en|claimed_in_time": 1, "education|en|days|0": 1,
        "education|en|answered_yes": 1, "education|en|erased": 1}


def test_a_move_of_the_clock_counts_with_its_step_and_a_refused_one_does_not(
    store: InquiryStore,
) -> None:
    record = stored(store, step=Step.ESCALATE, due_at=NOW)
    escalation = Escalation(Step.ESCALATE, record.recipient, record.recipient, NOW, (), 5,
                            "Bildung")
    move = ClockMove(Step.ESCALATE_AGAIN, NOW + timedelta(days=1), escalation=escalation)

    assert store.move_clock(record.reference, Step.ESCALATE, move, NOW,
                            statistics.escalated(record))
    assert not store.move_clock(record.reference, Step.ESCALATE, move, NOW,
                                statistics.escalated(record))
    assert counts_of(store, statistics.month_of(NOW)) == {"education|en|escalated": 1}


def test_the_counts_of_several_months_are_read_together_and_empty_months_left_out(
    store: InquiryStore,
) -> None:
    for number, received_at in enumerate([datetime(2026, 10, 5, 9, tzinfo=UTC),
                                          datetime(2026, 12, 3, 9, tzinfo=UTC),
                                          datetime(2026, 12, 4, 9, tzinfo=UTC)]):
        record = inquiry_record(f"K7QM-X3P{'ABC'[number]}", received_at=received_at,
                                retention_days=10_000)
        store.add(record, statistics.received(record))
    source: StatisticsSource = store  # type: ignore[assignment]

    assert source.counts(["2026-10", "2026-11", "2026-12"]) == {
        "2026-10": {"education|en|received": 1}, "2026-12": {"education|en|received": 2}}
