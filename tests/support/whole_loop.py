"""The whole loop over in-memory ports, for unit tests of the use cases together: the
intake, the delivery, the clock, claims and SES feedback as the wiring joins them, over
the fakes of tests/support/fakes.py and the shipped routing (or an edited copy).

With the shipped routing: education goes to Anna Meier, its deputy is Stefan Schulz,
the escalation contact is Anna Meier (the project lead); work goes to Stefan Schulz,
its deputy is Anna Meier. The clock starts on Tuesday, 1 December 2026 at 09:00 in
Flensburg, so one working day later is Wednesday 09:00.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.header import decode_header, make_header

import pytest

from chalicelib.core.claims import Claims
from chalicelib.core.confirmations import ConfirmationPolicy
from chalicelib.core.delivery import Delivery
from chalicelib.core.emails import Sender
from chalicelib.core.erasure import Erasure
from chalicelib.core.escalation import EscalationClock, deadline
from chalicelib.core.follow_up import FollowUps
from chalicelib.core.form_token import FormTokens
from chalicelib.core.intake import InquiryIntake
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.rate_limit import RateLimit
from chalicelib.core.records import EmailKind, InquiryRecord, Step
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, parse_routing_text
from chalicelib.core.ses_feedback import FeedbackRecorder, record_all
from chalicelib.core.telemetry import Event
from tests.support.clock import MovableClock
from tests.support.fakes import (
    InMemoryCounter,
    InMemoryInquiryStore,
    InMemoryUnreachableContacts,
    RecordingMailer,
    RecordingQueue,
    SentMessage,
)
from tests.support.loop import LINKS

SECRET = b"unit-test-secret"
TUESDAY_9_AM = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Flensburg
ANNA, STEFAN, ANDREA = ("info@integration-flensburg.de", "schulz.stefan@flensburg.de",
                        "presse@drk.de")
RESIDENT = "zoe@example.org"


def routing_with(edit: Callable[[str], str] = lambda text: text) -> RoutingConfig:
    return parse_routing_text(edit(BUNDLED_ROUTING_FILE.read_text(encoding="utf-8")))


class Loop:
    """Intake, delivery, the clock and claims over one set of fakes."""

    def __init__(
        self, routing: RoutingConfig | None = None, store: InMemoryInquiryStore | None = None,
        queue: RecordingQueue | None = None,
    ) -> None:
        self.routing = routing or routing_with()
        self.clock = MovableClock(TUESDAY_9_AM)
        self.store = store or InMemoryInquiryStore()
        self.queue = queue or RecordingQueue()
        self.mailer = RecordingMailer()
        self.unreachable = InMemoryUnreachableContacts()
        self.tokens = FormTokens(SECRET, min_fill_seconds=0)
        # SES's bounces and complaints, as the delivery reads them: one counter, as deployed.
        self.feedback_counter = InMemoryCounter()
        self.intake = InquiryIntake(
            current_routing=lambda: self.routing, tokens=self.tokens, store=self.store,
            queue=self.queue, rate_limit=RateLimit(InMemoryCounter(), SECRET, 0),
            clock=self.clock, languages=tuple(LANGUAGES), unreachable=self.unreachable)
        self.delivery = Delivery(
            store=self.store, mailer=self.mailer, clock=self.clock,
            sender=Sender("noreply@wegweiser.example", "Wegweiser"),
            confirmations=ConfirmationPolicy(self.feedback_counter, SECRET), links=LINKS)
        self.escalation = EscalationClock(store=self.store, queue=self.queue,
                                          current_routing=lambda: self.routing,
                                          clock=self.clock, unreachable=self.unreachable)
        self.claims = Claims(store=self.store, tokens=LINKS.claim.tokens, clock=self.clock)
        self.erasure = Erasure(store=self.store, tokens=LINKS.status.tokens, queue=self.queue,
                               clock=self.clock)
        self.follow_ups = FollowUps(store=self.store, tokens=LINKS.answer.tokens,
                                    clock=self.clock, not_answered=self.escalation.not_answered)
        self.feedback = FeedbackRecorder(
            self.feedback_counter, SECRET, store=self.store, queue=self.queue,
            unreachable=self.unreachable, fail_over=self.escalation.fail_over)

    def ses_reports(self, message: str) -> None:
        """SES reports a bounce or complaint through SNS; then the worker delivers."""
        record_all([message], self.feedback, self.routing, self.clock())
        self.deliver()

    def submit(self, topic: str = "education", email: str = RESIDENT,
               language: str = "en") -> str:
        fields = {"email": email, "topic": topic, "message": "Gibt es einen Kita-Platz?",
                  "language": language,
                  "form_token": self.tokens.issue(self.clock().timestamp())}
        record = self.intake.accept(fields, default_language="en", client_address="192.0.2.1")
        self.deliver()
        return record.reference

    def deliver(self) -> None:
        """Deliver what is queued, as the worker would."""
        while self.queue.sent:
            self.delivery.deliver(self.queue.sent.pop(0))

    def run_clock(self) -> int:
        taken = self.escalation.run()
        self.deliver()
        return taken

    def at(self, moment: datetime) -> None:
        self.clock.advance(seconds=(moment - self.clock()).total_seconds())

    def record(self, reference: str) -> InquiryRecord:
        record = self.store.get(reference, self.clock())
        assert record is not None
        return record

    def claim_token(self, reference: str, contact_key: str = "anna-meier") -> str:
        """The token of the claim link in the email to that contact."""
        return LINKS.claim.tokens.issue(reference, contact_key, self.record(reference).expires_at)

    def status_token(self, reference: str) -> str:
        """The token of the status link in the resident's confirmation."""
        return LINKS.status.tokens.issue(reference, self.record(reference).expires_at)

    def erase(self, reference: str) -> None:
        """The resident erases the inquiry from the status page; then the worker delivers."""
        assert self.erasure.erase(reference, self.status_token(reference)) is not None
        self.deliver()

    def answer_token(self, reference: str) -> str:
        """The token of the follow-up's yes and no links."""
        return LINKS.answer.tokens.issue(reference, self.record(reference).expires_at)

    def deadline(self, reference: str, step: Step) -> datetime:
        return deadline(self.record(reference), step)

    def emails(self, after: int = 0) -> list[tuple[str, EmailKind]]:
        """(to, kind) of the emails sent, after the first `after`."""
        return [(sent.to, kind_of(sent)) for sent in self.mailer.sent[after:]]


def to_the_minute(moment: datetime) -> datetime:
    """The moving clock carries on in real time: compare to the minute, in UTC."""
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def subject_of(sent: SentMessage) -> str:
    """The subject as a mail client shows it (non-ASCII ones are encoded words)."""
    return str(make_header(decode_header(sent.subject)))


def text_of(sent: SentMessage) -> str:
    """The plain-text part, as a mail client shows it."""
    for part in sent.message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def kind_of(sent: SentMessage) -> EmailKind:
    """Which of the inquiry's emails it is, from the tags the delivery gave the send."""
    return EmailKind(sent.tags["kind"])


def events(caplog: pytest.LogCaptureFixture) -> list[Event]:
    return [record.event for record in caplog.records  # type: ignore[attr-defined]
            if isinstance(getattr(record, "event", None), Event)]
