"""Queueing again what was stored but never delivered (chalicelib/core/sweep.py), with
in-memory ports and a clock the tests move past the grace period.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.confirmations import ConfirmationPolicy
from chalicelib.core.delivery import Delivery
from chalicelib.core.emails import Sender
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.ports import QueueUnavailable, SendRejected
from chalicelib.core.records import InquiryRecord, Recipient
from chalicelib.core.sweep import MAX_SWEEPS, Sweep
from tests.support.clock import MovableClock
from tests.support.fakes import (
    InMemoryCounter,
    InMemoryInquiryStore,
    RecordingMailer,
    RecordingQueue,
)
from tests.support.loop import LINKS

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
GRACE = timedelta(minutes=10)
REFERENCE = "K7QM-X3PA"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def sweep(store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock) -> Sweep:
    return Sweep(store=store, queue=queue, clock=clock, grace=GRACE)


def stored_not_queued(
    store: InMemoryInquiryStore, clock: MovableClock, reference: str = REFERENCE
) -> None:
    """An inquiry the intake stored now, whose delivery message never reached the queue."""
    store.add(InquiryRecord(
        reference=reference,
        received_at=clock(),
        inquiry=Inquiry(email="zoe@example.org", topic="work", message="Wo melde ich mich?",
                        name="Zoë", language="en"),
        recipient=Recipient(contact_key="stefan-schulz", name="Stefan Schulz",
                            email="schulz.stefan@flensburg.de",
                            organisation="Stadt Flensburg, Amt für Integration",
                            staff_language="de"),
        topic_labels={"de": "Arbeitsmarkt und Beruf", "en": "Work and jobs"},
        retention_days=180,
        response_days=5,
        next_steps="",
    ))


def after_the_grace_period(clock: MovableClock) -> None:
    clock.advance(seconds=GRACE.total_seconds() + 1)


def alarms(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [entry.getMessage() for entry in caplog.records
            if entry.levelno >= logging.ERROR and "ALARM" in entry.getMessage()]


def test_an_undelivered_inquiry_is_queued_again_only_after_the_grace_period(
    sweep: Sweep, store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock,
) -> None:
    stored_not_queued(store, clock)
    clock.advance(seconds=GRACE.total_seconds() - 1)
    assert sweep.requeue_stalled() == 0
    assert queue.sent == [], "its first message may still be on its way"

    after_the_grace_period(clock)

    assert sweep.requeue_stalled() == 1
    assert queue.sent == [REFERENCE]


def test_only_inquiries_older_than_the_grace_period_are_queued_again(
    sweep: Sweep, store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock,
) -> None:
    stored_not_queued(store, clock, "AAAA-AAAA")
    stored_not_queued(store, clock, "BBBB-BBBB")
    after_the_grace_period(clock)
    stored_not_queued(store, clock, "CCCC-CCCC")

    assert sweep.requeue_stalled() == 2
    assert queue.sent == ["AAAA-AAAA", "BBBB-BBBB"]


def test_an_inquiry_is_not_queued_again_within_the_grace_period_of_its_last_sweep(
    sweep: Sweep, store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock,
) -> None:
    stored_not_queued(store, clock)
    after_the_grace_period(clock)
    sweep.requeue_stalled()
    clock.advance(minutes=5)

    assert sweep.requeue_stalled() == 0
    assert queue.sent == [REFERENCE]


def test_an_inquiry_is_queued_again_at_most_max_sweeps_times_with_an_alarm_on_the_last(
    sweep: Sweep, store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stored_not_queued(store, clock)
    alarms_after_each_sweep = []

    for _ in range(MAX_SWEEPS + 3):
        after_the_grace_period(clock)
        sweep.requeue_stalled()
        alarms_after_each_sweep.append(len(alarms(caplog)))

    assert queue.sent == [REFERENCE] * MAX_SWEEPS
    assert alarms_after_each_sweep == [0] * (MAX_SWEEPS - 1) + [1] * 4, "on the last one only"
    assert REFERENCE in alarms(caplog)[0]


def test_each_inquiry_has_its_own_sweeps(
    sweep: Sweep, store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock,
) -> None:
    stored_not_queued(store, clock, "AAAA-AAAA")
    for _ in range(MAX_SWEEPS):
        after_the_grace_period(clock)
        sweep.requeue_stalled()
    stored_not_queued(store, clock, "BBBB-BBBB")
    after_the_grace_period(clock)

    assert sweep.requeue_stalled() == 1
    assert queue.sent[-1] == "BBBB-BBBB"


def test_a_delivered_inquiry_is_not_queued_again(
    sweep: Sweep, store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock,
) -> None:
    stored_not_queued(store, clock)
    mailer = RecordingMailer()
    delivery_with(store, mailer, clock).deliver(REFERENCE)
    after_the_grace_period(clock)

    assert sweep.requeue_stalled() == 0
    assert queue.sent == []
    assert len(mailer.sent) == 2


def test_an_inquiry_whose_email_was_refused_for_good_is_not_queued_again(
    sweep: Sweep, store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock,
) -> None:
    stored_not_queued(store, clock)
    mailer = RecordingMailer([SendRejected("MessageRejected")])
    delivery_with(store, mailer, clock).deliver(REFERENCE)
    after_the_grace_period(clock)

    assert sweep.requeue_stalled() == 0
    assert queue.sent == []


def test_nothing_stalled_means_nothing_queued(sweep: Sweep, queue: RecordingQueue) -> None:
    assert sweep.requeue_stalled() == 0
    assert queue.sent == []


def test_sweeps_that_could_not_queue_an_inquiry_do_not_use_up_its_sweeps(
    sweep: Sweep, store: InMemoryInquiryStore, queue: RecordingQueue, clock: MovableClock,
) -> None:
    # The queue was down when the inquiry came in (that is why it is stalled), and it
    # stays down for a few sweeps: once it is back, the inquiry must still be queued.
    stored_not_queued(store, clock)
    queue.unavailable = True
    for _ in range(MAX_SWEEPS):
        after_the_grace_period(clock)
        with contextlib.suppress(QueueUnavailable):
            sweep.requeue_stalled()
    queue.unavailable = False
    after_the_grace_period(clock)

    sweep.requeue_stalled()

    assert queue.sent == [REFERENCE]


def delivery_with(
    store: InMemoryInquiryStore, mailer: RecordingMailer, clock: MovableClock
) -> Delivery:
    confirmations = ConfirmationPolicy(InMemoryCounter(), b"a key for address digests")
    return Delivery(store, mailer, Sender("noreply@wegweiser.example", "Wegweiser"),
                    confirmations, clock, LINKS)
