"""What the log tells whoever is on call (intake.py, delivery.py, sweep.py).

An inquiry is followed through the log by its reference, and every line that needs a
person says ALARM: the stage's CloudWatch alarm counts the lines that contain that
word (.chalice/resources.json), so a line that needs nobody must not contain it.
The use cases run with the in-memory ports of tests/support/fakes.py.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.confirmations import ConfirmationPolicy
from chalicelib.core.delivery import Delivery, deliver_batch
from chalicelib.core.delivery_message import delivery_message
from chalicelib.core.emails import Sender
from chalicelib.core.form_token import FormTokens
from chalicelib.core.intake import InquiryIntake
from chalicelib.core.ports import QueueUnavailable, SendingPaused, SendRejected, SendThrottled
from chalicelib.core.rate_limit import RateLimit
from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.sweep import MAX_SWEEPS, Sweep
from tests.support.clock import MovableClock
from tests.support.fakes import (
    InMemoryCounter,
    InMemoryInquiryStore,
    InMemoryUnreachableContacts,
    RecordingMailer,
    RecordingQueue,
)
from tests.support.loop import LINKS

SECRET = b"unit-test-secret"
GRACE = timedelta(minutes=10)
INFO, WARNING, ERROR = logging.INFO, logging.WARNING, logging.ERROR


class Service:
    """The three use cases over one set of fakes, as the wiring puts them together."""

    def __init__(self) -> None:
        self.clock = MovableClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
        self.tokens = FormTokens(SECRET, min_fill_seconds=3)
        self.store = InMemoryInquiryStore()
        self.queue = RecordingQueue()
        self.mailer = RecordingMailer()
        self.intake = InquiryIntake(
            current_routing=bundled_routing, tokens=self.tokens, store=self.store,
            queue=self.queue, rate_limit=RateLimit(InMemoryCounter(), SECRET, 0),
            clock=self.clock, languages=("de", "en"),
            unreachable=InMemoryUnreachableContacts(),
        )
        self.delivery = Delivery(store=self.store, mailer=self.mailer, clock=self.clock,
                                 sender=Sender("noreply@wegweiser.example", "Wegweiser"),
                                 confirmations=ConfirmationPolicy(InMemoryCounter(), SECRET),
                                 links=LINKS)
        self.sweep = Sweep(store=self.store, queue=self.queue, clock=self.clock, grace=GRACE)

    def form(self, **fields: str) -> dict[str, object]:
        return {"form_token": self.tokens.issue(self.clock().timestamp() - 60),
                "email": "zoe@example.org", "topic": "education",
                "message": "Gibt es einen Kita-Platz?", "language": "en", **fields}

    def accept(self, fields: dict[str, object]) -> str:
        return self.intake.accept(fields, default_language="de",
                                  client_address="192.0.2.7").reference

    def after_the_grace_period(self) -> None:
        self.clock.advance(seconds=GRACE.total_seconds() + 1)


@pytest.fixture
def service() -> Service:
    return Service()


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="wegweiser")
    return caplog


def lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "wegweiser"]


# ------------------------------------------------------------ the usual way


def test_an_inquiry_is_followed_from_acceptance_to_both_emails_by_its_reference(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    reference = service.accept(service.form())
    service.delivery.deliver(reference)

    assert lines(log) == [
        (INFO, f"inquiry {reference} accepted"),
        (INFO, f"inquiry {reference}: staff email sent"),
        (INFO, f"inquiry {reference}: resident email sent"),
    ]


def test_a_form_sent_twice_is_logged_as_answered_once_more(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    fields = service.form()
    reference = service.accept(fields)
    service.accept(fields)

    assert lines(log)[-1] == (
        INFO, f"inquiry {reference} sent again with the same form: answered once more")


def test_a_filled_honeypot_is_logged_as_nothing_stored(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    service.accept(service.form(website="https://spam.example"))

    assert lines(log) == [(INFO, "honeypot filled: nothing stored")]


def test_an_unknown_reference_is_logged_as_nothing_to_deliver(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    service.delivery.deliver("NOPE-NOPE")

    assert lines(log) == [(WARNING, "inquiry NOPE-NOPE unknown or expired: nothing to deliver")]


def test_a_queue_message_that_comes_back_is_logged_by_its_message_id_and_error(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    reference = service.accept(service.form())
    log.clear()

    failed = deliver_batch([("m-1", delivery_message(reference)), ("m-2", "not json")],
                           service.delivery)

    assert failed == ["m-2"]
    assert lines(log)[-1] == (WARNING, "message m-2 returned to the queue: JSONDecodeError")


# --------------------------------------------------------------- the queue


def test_an_inquiry_the_queue_did_not_take_is_logged_and_the_sweep_says_it_queued_it(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    service.queue.unavailable = True
    reference = service.accept(service.form())
    service.queue.unavailable = False
    service.after_the_grace_period()

    service.sweep.requeue_stalled()

    assert lines(log) == [
        (INFO, f"inquiry {reference} accepted"),
        (WARNING, f"inquiry {reference} stored but not queued; the sweep will queue it"),
        (WARNING, "1 stalled inquiries queued again"),
    ]


def test_a_sweep_that_cannot_reach_the_queue_raises_an_alarm(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    service.queue.unavailable = True
    service.accept(service.form())
    service.after_the_grace_period()
    log.clear()

    with pytest.raises(QueueUnavailable):
        service.sweep.requeue_stalled()

    assert lines(log) == [(ERROR, "ALARM the sweep cannot queue stalled inquiries: the delivery "
                                  "queue is unavailable (0 queued before it failed)")]


def test_the_last_sweep_of_an_inquiry_raises_an_alarm_pointing_to_the_dead_letter_queue(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    reference = service.accept(service.form())
    for _ in range(MAX_SWEEPS):
        service.after_the_grace_period()
        service.sweep.requeue_stalled()

    assert [line for line in lines(log) if "ALARM" in line[1]] == [
        (ERROR, f"ALARM inquiry {reference} still undelivered: queued again for the last time; "
                "see the dead-letter queue")]


# ------------------------------------------------------------ send errors


def test_a_throttled_email_is_a_warning_that_raises_no_alarm(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    reference = service.accept(service.form())
    service.mailer.plan(SendThrottled("TooManyRequestsException"))

    with pytest.raises(SendThrottled):
        service.delivery.deliver(reference)

    assert lines(log)[-1] == (
        WARNING, f"inquiry {reference}: staff email not sent (TooManyRequestsException), "
                 "will retry")
    assert not any("ALARM" in text for _, text in lines(log))


def test_paused_sending_raises_an_alarm_and_will_be_retried(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    reference = service.accept(service.form())
    service.mailer.plan(SendingPaused("AccountSendingPausedException"))

    with pytest.raises(SendingPaused):
        service.delivery.deliver(reference)

    assert lines(log)[-1] == (
        ERROR, f"ALARM inquiry {reference}: staff email not sent "
               "(AccountSendingPausedException), will retry")


def test_an_email_refused_for_good_raises_an_alarm_naming_the_email_and_why(
    service: Service, log: pytest.LogCaptureFixture,
) -> None:
    reference = service.accept(service.form())
    service.mailer.plan(SendRejected("MessageRejected: Email address is not verified."))

    service.delivery.deliver(reference)

    assert lines(log)[1:] == [
        (ERROR, f"ALARM inquiry {reference}: staff email refused for good "
                "(MessageRejected: Email address is not verified.); not retried"),
        (INFO, f"inquiry {reference}: resident email sent"),
    ]
