"""Sending an inquiry's two emails (chalicelib/core/delivery.py) with in-memory ports:
who gets which email, in which order, and what happens to each kind of send error.

The store and the mailer are the fakes of tests/support/fakes.py; the mailer fails as
a test plans it. The emails themselves are the real ones (chalicelib/core/emails.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.confirmations import ConfirmationPolicy
from chalicelib.core.delivery import EMAIL_LEASE, Delivery, deliver_batch
from chalicelib.core.delivery_message import delivery_message
from chalicelib.core.emails import Sender
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.ports import (
    EmailInProgress,
    SendingPaused,
    SendRejected,
    SendThrottled,
    StoreUnavailable,
)
from chalicelib.core.records import EmailKind, InquiryRecord, Recipient
from tests.support.clock import MovableClock
from tests.support.fakes import InMemoryCounter, InMemoryInquiryStore, RecordingMailer
from tests.support.loop import LINKS

STAFF, RESIDENT = EmailKind.STAFF, EmailKind.RESIDENT
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SENDER = Sender(email="noreply@wegweiser.example", name="Wegweiser Flensburg")
REFERENCE = "K7QM-X3PA"
HASH_KEY = b"a key for address digests"
RESIDENT_EMAIL = "zoe@example.org"
CONTACT_EMAIL = "info@integration-flensburg.de"
TEAM = "team@example.org"
RETENTION_DAYS = 180


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def delivery(
    store: InMemoryInquiryStore, mailer: RecordingMailer, counter: InMemoryCounter,
    clock: MovableClock,
) -> Delivery:
    return Delivery(store=store, mailer=mailer, sender=SENDER,
                    confirmations=ConfirmationPolicy(counter, HASH_KEY), clock=clock,
                    links=LINKS)


def accepted(
    store: InMemoryInquiryStore, clock: MovableClock, reference: str = REFERENCE,
    resident: str = RESIDENT_EMAIL,
) -> InquiryRecord:
    """An inquiry as the intake stores it: education, to Anna, a copy to the team."""
    record = InquiryRecord(
        reference=reference,
        received_at=clock(),
        inquiry=Inquiry(email=resident, topic="education", message="Gibt es einen Kita-Platz?",
                        name="Zoë", language="en"),
        recipient=Recipient(contact_key="anna-meier", name="Anna Meier", email=CONTACT_EMAIL,
                            organisation="Integration in Flensburg e.V.",
                            staff_language="de", cc=(TEAM,)),
        topic_labels={"de": "Bildung", "en": "Education"},
        retention_days=RETENTION_DAYS,
        response_days=5,
        next_steps="",
    )
    store.add(record)
    return record


def alarms(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [entry.getMessage() for entry in caplog.records
            if entry.levelno >= logging.ERROR and "ALARM" in entry.getMessage()]


def still_to_sweep(store: InMemoryInquiryStore, clock: MovableClock) -> list[str]:
    return store.stalled(received_before=clock() + timedelta(days=1))


# Both emails


def test_the_contact_gets_the_staff_email_first_and_then_the_resident_a_confirmation(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)

    delivery.deliver(REFERENCE)

    staff, confirmation = mailer.sent
    assert (staff.to, staff.cc) == (CONTACT_EMAIL, (TEAM,))
    assert staff.message["Reply-To"] == RESIDENT_EMAIL
    assert REFERENCE in staff.subject
    assert (confirmation.to, confirmation.cc) == (RESIDENT_EMAIL, ())
    assert confirmation.subject == f"Your inquiry {REFERENCE} has arrived"


def test_a_delivered_inquiry_has_both_emails_marked_and_is_off_the_sweeps_list(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)

    delivery.deliver(REFERENCE)

    assert store.entry(REFERENCE).message_ids == {
        STAFF: mailer.sent[0].message_id, RESIDENT: mailer.sent[1].message_id}
    sent_at = store.entry(REFERENCE).sent_at
    assert set(sent_at) == {STAFF, RESIDENT}
    assert all(clock() - at < timedelta(seconds=5) for at in sent_at.values()), "marked now"
    assert store.entry(REFERENCE).leases == {}
    assert still_to_sweep(store, clock) == []


def test_a_message_delivered_twice_sends_each_email_once(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)

    delivery.deliver(REFERENCE)
    delivery.deliver(REFERENCE)

    assert mailer.recipients == [CONTACT_EMAIL, RESIDENT_EMAIL]


def test_when_the_staff_email_went_out_already_only_the_resident_gets_theirs(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)
    store.mark_sent(REFERENCE, STAFF, "earlier-message", clock())

    delivery.deliver(REFERENCE)

    assert mailer.recipients == [RESIDENT_EMAIL]
    assert still_to_sweep(store, clock) == []


def test_an_email_another_worker_is_sending_is_left_to_it_and_the_message_comes_back(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)
    store.claim_email(REFERENCE, STAFF, clock(), EMAIL_LEASE)  # the other worker

    with pytest.raises(EmailInProgress):
        delivery.deliver(REFERENCE)

    assert mailer.attempts == []


def test_an_email_whose_worker_died_is_sent_once_its_lease_has_run_out(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)
    store.claim_email(REFERENCE, STAFF, clock(), EMAIL_LEASE)  # and then it crashed
    clock.advance(seconds=EMAIL_LEASE.total_seconds() + 1)

    delivery.deliver(REFERENCE)

    assert mailer.recipients == [CONTACT_EMAIL, RESIDENT_EMAIL]


# Send errors


def test_a_throttled_email_is_released_and_the_retry_sends_each_email_once(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock, caplog: pytest.LogCaptureFixture,
) -> None:
    accepted(store, clock)
    mailer.plan(SendThrottled("TooManyRequestsException"))

    with pytest.raises(SendThrottled):
        delivery.deliver(REFERENCE)

    assert mailer.sent == []
    assert store.entry(REFERENCE).leases == {}, "the retry need not wait for the lease"
    assert alarms(caplog) == [], "retrying will help: nobody needs to act"
    delivery.deliver(REFERENCE)
    assert mailer.recipients == [CONTACT_EMAIL, RESIDENT_EMAIL]


def test_a_throttled_confirmation_is_retried_without_sending_the_staff_email_again(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)
    mailer.plan(None, SendThrottled("Throttling"))

    with pytest.raises(SendThrottled):
        delivery.deliver(REFERENCE)
    assert mailer.recipients == [CONTACT_EMAIL]
    assert still_to_sweep(store, clock) == [REFERENCE]

    delivery.deliver(REFERENCE)

    assert mailer.recipients == [CONTACT_EMAIL, RESIDENT_EMAIL]


def test_paused_sending_keeps_the_email_for_later_and_raises_an_alarm(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock, caplog: pytest.LogCaptureFixture,
) -> None:
    accepted(store, clock)
    mailer.plan(SendingPaused("SendingPausedException"))

    with pytest.raises(SendingPaused):
        delivery.deliver(REFERENCE)

    assert len(alarms(caplog)) == 1
    assert REFERENCE in alarms(caplog)[0]
    assert store.entry(REFERENCE).failures == {}
    assert store.entry(REFERENCE).leases == {}
    assert still_to_sweep(store, clock) == [REFERENCE]
    delivery.deliver(REFERENCE)
    assert mailer.recipients == [CONTACT_EMAIL, RESIDENT_EMAIL]


@pytest.mark.parametrize(("refused", "delivered_to"), [
    pytest.param(STAFF, RESIDENT_EMAIL, id="staff-email-refused"),
    pytest.param(RESIDENT, CONTACT_EMAIL, id="confirmation-refused"),
])
def test_an_email_refused_for_good_is_marked_failed_with_an_alarm_and_the_other_still_goes(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock, caplog: pytest.LogCaptureFixture, refused: EmailKind,
    delivered_to: str,
) -> None:
    accepted(store, clock)
    mailer.plan(*(SendRejected("MessageRejected") if kind == refused else None
                  for kind in (STAFF, RESIDENT)))

    delivery.deliver(REFERENCE)  # not raised: the message must not circle the queue

    assert mailer.recipients == [delivered_to]
    assert store.entry(REFERENCE).failures == {refused: "MessageRejected"}
    (failed_at,) = store.entry(REFERENCE).failed_at.values()
    assert clock() - failed_at < timedelta(seconds=5), "marked now"
    assert len(alarms(caplog)) == 1
    assert REFERENCE in alarms(caplog)[0]
    assert still_to_sweep(store, clock) == []


def test_an_email_refused_for_good_is_never_tried_again(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)
    mailer.plan(SendRejected("MessageRejected"))
    delivery.deliver(REFERENCE)
    attempts = list(mailer.attempts)
    clock.advance(hours=1)

    delivery.deliver(REFERENCE)

    assert mailer.attempts == attempts == [CONTACT_EMAIL, RESIDENT_EMAIL]


# Nothing to deliver


def test_an_unknown_inquiry_sends_nothing(
    delivery: Delivery, mailer: RecordingMailer,
) -> None:
    delivery.deliver("ZZZZ-ZZZZ")

    assert mailer.attempts == []


def test_an_inquiry_past_its_retention_sends_nothing(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)
    clock.advance(days=RETENTION_DAYS, seconds=1)

    delivery.deliver(REFERENCE)

    assert mailer.attempts == []


def test_when_the_store_is_down_nothing_is_sent_and_the_message_comes_back(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)
    store.unavailable = True

    with pytest.raises(StoreUnavailable):
        delivery.deliver(REFERENCE)

    assert mailer.attempts == []


# A batch from the queue


def test_a_batch_reports_back_only_the_messages_whose_delivery_must_be_tried_again(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock, "AAAA-AAAA", "first@example.org")
    accepted(store, clock, "BBBB-BBBB", "second@example.org")
    accepted(store, clock, "CCCC-CCCC", "third@example.org")
    mailer.plan(None, None, SendThrottled("Throttling"), None, None)

    failed = deliver_batch([("m-1", delivery_message("AAAA-AAAA")),
                            ("m-2", delivery_message("BBBB-BBBB")),
                            ("m-3", delivery_message("CCCC-CCCC"))], delivery)

    assert failed == ["m-2"]
    assert mailer.recipients == [CONTACT_EMAIL, "first@example.org",
                                 CONTACT_EMAIL, "third@example.org"]


def test_a_batch_reports_back_a_body_that_is_not_a_delivery_message(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)

    failed = deliver_batch([("m-1", "not json at all"),
                            ("m-2", '{"ref": "K7QM-X3PA"}'),
                            ("m-3", '["K7QM-X3PA"]'),
                            ("m-4", '{"reference": ""}'),
                            ("m-5", delivery_message(REFERENCE))], delivery)

    assert failed == ["m-1", "m-2", "m-3", "m-4"]
    assert mailer.recipients == [CONTACT_EMAIL, RESIDENT_EMAIL]


def test_a_batch_does_not_report_back_an_email_refused_for_good_or_an_unknown_inquiry(
    delivery: Delivery, store: InMemoryInquiryStore, mailer: RecordingMailer,
    clock: MovableClock,
) -> None:
    accepted(store, clock)
    mailer.plan(SendRejected("MessageRejected"))

    failed = deliver_batch([("m-1", delivery_message(REFERENCE)),
                            ("m-2", delivery_message("ZZZZ-ZZZZ"))], delivery)

    assert failed == []
