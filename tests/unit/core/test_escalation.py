"""Reminders and escalations (chalicelib/core/escalation.py), with in-memory ports: who
gets which email when nobody claims an inquiry, step by step, in working days.

The whole loop runs over fakes (tests/support/whole_loop.py) with the shipped routing:
education goes to Anna Meier, its deputy is Stefan Schulz, the escalation contact is
Anna Meier (the project lead); work goes to Stefan Schulz, its deputy is Anna Meier.
Inquiries arrive on Tuesday, 1 December 2026 at 09:00 in Flensburg, so one working day
later is Wednesday 09:00.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.escalation import (
    MAX_STEP_TRIES,
)
from chalicelib.core.ports import ClockMove, StoreUnavailable
from chalicelib.core.records import EmailKind, Step
from chalicelib.core.statistics import Tally
from chalicelib.core.telemetry import KINDS, Event
from tests.support.fakes import (
    InMemoryInquiryStore,
    RecordingQueue,
)
from tests.support.loop import LINKS
from tests.support.whole_loop import (
    ANDREA,
    ANNA,
    RESIDENT,
    STEFAN,
    TUESDAY_9_AM,
    Loop,
    events,
    routing_with,
    subject_of,
    to_the_minute,
)


@pytest.fixture
def loop() -> Loop:
    return Loop()


# The schedule


def test_a_new_inquiry_waits_for_its_reminder_one_working_day_after_it_arrived(
    loop: Loop,
) -> None:
    reference = loop.submit()

    record = loop.record(reference)
    assert record.step is Step.REMIND and record.due_at is not None
    assert to_the_minute(record.due_at) == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert record.remind_after_days == 1


def test_no_reminder_for_a_topic_whose_answer_is_due_no_later_than_the_reminder() -> None:
    loop = Loop(routing_with(lambda text: text.replace("remind_after_days = 1",
                                                       "remind_after_days = 5")))
    reference = loop.submit()  # education: response_days 5

    record = loop.record(reference)
    assert (record.step, record.remind_after_days) == (Step.ESCALATE, 0)
    assert record.due_at is not None
    assert to_the_minute(record.due_at) == datetime(2026, 12, 8, 8, 0, tzinfo=UTC), "a week on"


def test_no_step_is_planned_for_after_the_inquiry_is_erased(loop: Loop) -> None:
    reference = loop.submit()
    # Kept 7 days (the routing check refuses that today; an item stored before may have
    # it): erased Tuesday 8 December 09:00, when its escalation is due.
    stored = loop.store.entry(reference)
    stored.record = replace(stored.record, retention_days=7)
    stored.expires_at = int(stored.record.expires_at.timestamp())

    loop.at(loop.deadline(reference, Step.REMIND))
    loop.run_clock()

    record = loop.record(reference)
    assert record.reminded_at is not None
    assert (record.step, record.due_at) == (None, None)


# The reminder


def test_nobody_is_reminded_before_the_first_working_day_is_over(loop: Loop) -> None:
    reference = loop.submit()
    sent = len(loop.mailer.sent)

    loop.at(loop.deadline(reference, Step.REMIND) - timedelta(minutes=1))

    assert loop.run_clock() == 0
    assert loop.emails(sent) == []


def test_one_working_day_later_the_contact_gets_one_reminder_never_twice(loop: Loop) -> None:
    reference = loop.submit()
    sent = len(loop.mailer.sent)

    loop.at(loop.deadline(reference, Step.REMIND))
    assert loop.run_clock() == 1
    loop.clock.advance(hours=2)
    assert loop.run_clock() == 0

    assert loop.emails(sent) == [(ANNA, EmailKind.REMINDER)]
    assert subject_of(loop.mailer.sent[-1]) == (
        f"Erinnerung: Anfrage {reference} wartet seit 1 Arbeitstag")


def test_a_reminder_overtaken_by_its_escalation_is_not_sent(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit()
    sent = len(loop.mailer.sent)
    loop.at(loop.deadline(reference, Step.ESCALATE))  # the clock was down for a week

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        loop.run_clock()

    assert loop.emails(sent) == [(STEFAN, EmailKind.ESCALATED), (ANNA, EmailKind.MOVED)]
    assert Event.REMINDER_OVERTAKEN in events(caplog)


# Escalations


def test_unclaimed_by_response_days_it_goes_to_the_deputy_and_the_contact_gets_a_note(
    loop: Loop,
) -> None:
    reference = loop.submit()
    loop.at(loop.deadline(reference, Step.REMIND))
    loop.run_clock()
    sent = len(loop.mailer.sent)

    loop.at(loop.deadline(reference, Step.ESCALATE))
    loop.run_clock()

    assert loop.emails(sent) == [(STEFAN, EmailKind.ESCALATED), (ANNA, EmailKind.MOVED)]
    (escalation,) = loop.record(reference).escalations
    assert (escalation.to.contact_key, escalation.previous.contact_key) == (
        "stefan-schulz", "anna-meier")
    assert (escalation.not_claimed_by, escalation.working_days) == (("Anna Meier",), 5)
    assert to_the_minute(escalation.at) == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)


def test_one_clock_run_takes_every_due_step_in_order() -> None:
    loop = Loop(routing_with(lambda text: text.replace('escalation_contact = "anna-meier"',
                                                       'escalation_contact = "andrea-becker"')))
    reference = loop.submit()
    sent = len(loop.mailer.sent)
    loop.at(loop.deadline(reference, Step.ESCALATE_AGAIN) + timedelta(hours=3))

    assert loop.run_clock() == 3

    assert loop.emails(sent) == [(STEFAN, EmailKind.ESCALATED), (ANNA, EmailKind.MOVED),
                                 (ANDREA, EmailKind.ESCALATED_AGAIN),
                                 (STEFAN, EmailKind.MOVED_AGAIN)]
    record = loop.record(reference)
    assert record.reminded_at is None, "overtaken"
    assert [e.to.contact_key for e in record.escalations] == ["stefan-schulz", "andrea-becker"]
    assert record.escalations[1].not_claimed_by == ("Anna Meier", "Stefan Schulz")
    assert (record.step, record.due_at) == (Step.FOLLOW_UP,
                                            loop.deadline(reference, Step.FOLLOW_UP))


def test_a_step_whose_target_already_had_the_inquiry_is_skipped_and_nobody_left_alarms(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit(topic="work")  # Stefan, deputy Anna, escalation contact Anna
    loop.at(loop.deadline(reference, Step.ESCALATE))
    loop.run_clock()
    sent = len(loop.mailer.sent)

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        loop.at(loop.deadline(reference, Step.ESCALATE_AGAIN))
        loop.run_clock()

    assert loop.emails(sent) == [], "Anna had it already, as the deputy"
    (alarm,) = [r for r in caplog.records if getattr(r, "event", None) is Event.NOBODY_LEFT]
    assert KINDS[Event.NOBODY_LEFT].alarm and KINDS[Event.NOBODY_LEFT].metric
    assert alarm.getMessage().startswith(f"ALARM inquiry {reference}: unclaimed after 6 ")
    assert "anna-meier, had it already" in alarm.getMessage()
    assert loop.record(reference).step is Step.FOLLOW_UP, "the resident is asked still"
    sent = len(loop.mailer.sent)
    loop.at(loop.deadline(reference, Step.ESCALATE_AGAIN) + timedelta(days=30))
    assert loop.run_clock() == 1, "the follow-up; the loop closes 14 days after it"
    assert loop.emails(sent) == [(RESIDENT, EmailKind.FOLLOW_UP)]
    assert loop.record(reference).step is Step.CLOSE


def test_the_deputy_who_received_it_for_an_absent_contact_is_skipped_for_the_next() -> None:
    absent = ('\n[[absences]]\ncontact = "anna-meier"\nfirst_day = 2026-11-30\n'
              'last_day = 2026-12-02\n')
    loop = Loop(routing_with(lambda text: text + absent))
    reference = loop.submit()  # education, Anna absent: to Stefan, the deputy
    assert loop.record(reference).recipient.contact_key == "stefan-schulz"
    loop.at(loop.deadline(reference, Step.ESCALATE))
    loop.run_clock()
    sent = len(loop.mailer.sent)

    loop.at(loop.deadline(reference, Step.ESCALATE_AGAIN))
    loop.run_clock()

    assert loop.emails(sent) == [(ANNA, EmailKind.ESCALATED_AGAIN),
                                 (STEFAN, EmailKind.MOVED_AGAIN)]
    (escalation,) = loop.record(reference).escalations
    assert escalation.step is Step.ESCALATE_AGAIN, "the deputy's step was skipped"


def test_an_escalation_target_who_is_absent_that_day_is_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    absent = ('\n[[absences]]\ncontact = "stefan-schulz"\nfirst_day = 2026-12-07\n'
              'last_day = 2026-12-11\n')
    loop = Loop(routing_with(lambda text: text + absent))
    reference = loop.submit()
    sent = len(loop.mailer.sent)

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        loop.at(loop.deadline(reference, Step.ESCALATE))
        loop.run_clock()

    assert (STEFAN, EmailKind.ESCALATED) not in loop.emails(sent)
    assert Event.ESCALATION_SKIPPED in events(caplog)


# A claim stops the reminders and escalations: only the follow-up comes


def test_after_a_claim_nobody_is_reminded_or_escalated_only_the_resident_is_followed_up(
    loop: Loop,
) -> None:
    reference = loop.submit()
    token = LINKS.claim.tokens.issue(reference, "anna-meier", loop.record(reference).expires_at)
    loop.claims.claim(reference, token)
    sent = len(loop.mailer.sent)
    record = loop.record(reference)
    assert (record.step, record.due_at) == (Step.FOLLOW_UP,
                                            loop.deadline(reference, Step.FOLLOW_UP))

    taken = []
    for days in (1, 7, 8, 30, 100):
        loop.at(TUESDAY_9_AM + timedelta(days=days))
        taken.append(loop.run_clock())

    assert taken == [0, 0, 0, 1, 1], "the follow-up on day 30, the close 14 days later"
    assert loop.emails(sent) == [(RESIDENT, EmailKind.FOLLOW_UP)]


def test_a_claim_between_the_step_and_its_delivery_stops_its_emails(loop: Loop) -> None:
    reference = loop.submit()
    sent = len(loop.mailer.sent)
    loop.at(loop.deadline(reference, Step.REMIND))
    loop.escalation.run()  # the reminder is asked for and queued

    token = LINKS.claim.tokens.issue(reference, "anna-meier", loop.record(reference).expires_at)
    loop.claims.claim(reference, token)
    loop.deliver()

    assert loop.emails(sent) == []


# Faults


class RacedStore(InMemoryInquiryStore):
    """Another run of the clock takes each step (and queues it) just before ours."""

    def __init__(self, queue: RecordingQueue) -> None:
        super().__init__()
        self.queue = queue

    def move_clock(
        self, reference: str, expected: Step | None, move: ClockMove, now: datetime,
        tally: Tally | None = None,
    ) -> bool:
        if super().move_clock(reference, expected, move, now, tally):
            self.queue.send(reference)
        return super().move_clock(reference, expected, move, now, tally)


def test_a_second_run_that_lost_the_race_takes_no_step_twice() -> None:
    queue = RecordingQueue()
    loop = Loop(store=RacedStore(queue), queue=queue)
    reference = loop.submit()
    loop.at(loop.deadline(reference, Step.REMIND))
    sent = len(loop.mailer.sent)

    assert loop.run_clock() == 0, "the other run took it"

    assert loop.emails(sent) == [(ANNA, EmailKind.REMINDER)]
    assert loop.record(reference).steps_taken == 1


def test_when_the_queue_is_down_a_step_is_still_taken_and_the_sweep_will_queue_it(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit()
    loop.at(loop.deadline(reference, Step.REMIND))
    loop.queue.unavailable = True

    with caplog.at_level(logging.WARNING, logger="wegweiser"):
        assert loop.escalation.run() == 1

    assert Event.CLOCK_NOT_QUEUED in events(caplog)
    assert loop.store.stalled(received_before=loop.clock()) == [reference]


def test_when_the_store_is_down_the_run_fails_and_the_next_run_takes_the_step(
    loop: Loop,
) -> None:
    reference = loop.submit()
    sent = len(loop.mailer.sent)
    loop.at(loop.deadline(reference, Step.REMIND))
    loop.store.unavailable = True

    with pytest.raises(StoreUnavailable):
        loop.escalation.run()
    loop.store.unavailable = False
    loop.clock.advance(minutes=15)
    loop.run_clock()

    assert loop.emails(sent) == [(ANNA, EmailKind.REMINDER)]


class PoisonedStore(InMemoryInquiryStore):
    """Taking one inquiry's step fails for a reason nobody foresaw; counting tries works."""

    poisoned = ""

    def move_clock(
        self, reference: str, expected: Step | None, move: ClockMove, now: datetime,
        tally: Tally | None = None,
    ) -> bool:
        if reference == self.poisoned and not move.tries:
            raise RuntimeError("a bug the tests stand in for")
        return super().move_clock(reference, expected, move, now, tally)


def test_a_step_that_keeps_failing_is_tried_again_then_set_aside_with_an_alarm(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = PoisonedStore()
    loop = Loop(store=store)
    store.poisoned = loop.submit()
    healthy = loop.submit(email="amal@example.org")
    loop.at(loop.deadline(healthy, Step.REMIND))
    sent = len(loop.mailer.sent)

    with caplog.at_level(logging.WARNING, logger="wegweiser"):
        for _ in range(MAX_STEP_TRIES):
            loop.run_clock()
            loop.clock.advance(minutes=15)

    assert loop.emails(sent) == [(ANNA, EmailKind.REMINDER)], "the healthy one went on"
    assert events(caplog).count(Event.CLOCK_STEP_FAILED) == MAX_STEP_TRIES - 1
    assert events(caplog).count(Event.CLOCK_GAVE_UP) == 1
    assert KINDS[Event.CLOCK_GAVE_UP].alarm
    assert store.poisoned not in store.due(loop.clock() + timedelta(days=365), 10), "set aside"


def test_a_run_looks_at_no_more_inquiries_than_its_bound(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    references = [loop.submit(email=f"resident{n}@example.org") for n in range(3)]
    loop.escalation.max_per_run = 2
    loop.at(loop.deadline(references[0], Step.REMIND) + timedelta(minutes=5))

    with caplog.at_level(logging.WARNING, logger="wegweiser"):
        assert loop.run_clock() == 2
    assert Event.CLOCK_BEHIND in events(caplog)
    assert loop.run_clock() == 1, "the next run goes on"
    assert [kind for _, kind in loop.emails()].count(EmailKind.REMINDER) == 3
