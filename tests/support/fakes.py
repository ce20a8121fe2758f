"""In-memory stand-ins for the core's ports (chalicelib/core/ports.py), for unit tests.

The use cases are tested with these instead of moto: no server, no network, a whole
test in a millisecond. Each fake behaves as its AWS adapter does, down to the edge
cases (a lease that runs out, an expired inquiry that is never returned, a sweep
counted at most `limit` times); tests/functional/test_store_contract.py runs one
suite against the fake and the adapter alike, so the two cannot drift apart.

Each fake also records what happened (what was stored, queued, sent) for a test to
check, and can be told to fail as its service would: the store and the counter go
unavailable, the queue refuses messages, the mailer follows a plan of send errors.
Hand-written on purpose: no mocks, so a test reads as what a person would check.
"""

from __future__ import annotations

import itertools
from collections import Counter as Tallies
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import Message
from typing import TYPE_CHECKING

from chalicelib.core.ports import (
    ClockMove,
    CounterUnavailable,
    EmailInProgress,
    QueueUnavailable,
    ReferenceTaken,
    SendError,
    StoreUnavailable,
)
from chalicelib.core.records import (
    ESCALATION_PHASE,
    Claim,
    Confirmation,
    EmailKind,
    Escalation,
    InquiryRecord,
    Step,
)
from chalicelib.core.statistics import Tally

if TYPE_CHECKING:
    from chalicelib.core.ports import (
        Counter,
        DeliveryQueue,
        InquiryStore,
        Mailer,
        ReportLog,
        StatisticsSource,
        UnreachableContacts,
    )


def _seconds(moment: datetime) -> int:
    """Unix seconds, truncated, as the DynamoDB store writes its numbers."""
    return int(moment.timestamp())


@dataclass
class StoredInquiry:
    """One inquiry as the fake store holds it: the record as added, and its marks."""

    record: InquiryRecord
    expires_at: int  # Unix seconds; from then on the inquiry is gone for `get`
    pending: bool = True  # on the sweep's list until mark_delivered
    leases: dict[EmailKind, int] = field(default_factory=dict)  # held until, Unix seconds
    message_ids: dict[EmailKind, str] = field(default_factory=dict)  # the sent emails
    sent_at: dict[EmailKind, datetime] = field(default_factory=dict)
    failures: dict[EmailKind, str] = field(default_factory=dict)  # refused for good: why
    failed_at: dict[EmailKind, datetime] = field(default_factory=dict)
    sweeps: int = 0
    swept_at: datetime | None = None
    confirmation: Confirmation | None = None  # settled once, before the first email
    # The clock's state: on its index while due_at is set.
    step: Step | None = None
    due_at: datetime | None = None
    step_tries: int = 0
    reminded_at: datetime | None = None
    escalations: tuple[Escalation, ...] = ()
    claim: Claim | None = None
    steps_taken: int = 0
    resident_bounced_at: datetime | None = None
    forgotten_at: datetime | None = None
    erased_at: datetime | None = None
    answered: bool | None = None
    answered_at: datetime | None = None
    followed_up_at: datetime | None = None
    counted: frozenset[str] = frozenset()  # the statistics' columns it was counted in

    def asks_for_emails(self, now: datetime) -> None:
        """Back on the sweep's list, swept "just now" (the sweep waits a grace period),
        and one more step for the delivery to see: as ASKS_FOR_EMAILS in the adapter."""
        self.pending = True
        self.sweeps = 0
        self.swept_at = now
        self.steps_taken += 1


class InMemoryInquiryStore:
    """The InquiryStore port in a dict, with DynamoDBInquiryStore's semantics.

    Set `unavailable` to make every call raise StoreUnavailable, as an outage would.
    """

    def __init__(self) -> None:
        self.inquiries: dict[str, StoredInquiry] = {}
        # The anonymous statistics: month → attribute → count, as the adapter's items.
        self.statistics: dict[str, Tallies[str]] = {}
        self.unavailable = False

    def counts(self, months: Sequence[str]) -> Mapping[str, Mapping[str, int]]:
        """Each month's counts; months without any are left out."""
        self._answer()
        return {month: dict(self.statistics[month]) for month in months
                if month in self.statistics}

    def _count(self, stored: StoredInquiry, tally: Tally | None) -> None:
        """Add a tally with the write it came with, as the adapter's transaction does."""
        if tally:
            self.statistics.setdefault(tally.month, Tallies()).update(tally.increments)
            stored.counted = stored.counted | tally.columns

    def entry(self, reference: str) -> StoredInquiry:
        """Everything stored for one inquiry (KeyError if none): what a test checks."""
        return self.inquiries[reference]

    def add(self, record: InquiryRecord, tally: Tally | None = None) -> None:
        """Keep a new inquiry, without marks; ReferenceTaken if the reference exists."""
        self._answer()
        if record.reference in self.inquiries:
            raise ReferenceTaken(record.reference)
        # As the adapter: the inquiry and its first step, never marks or later states.
        self.inquiries[record.reference] = StoredInquiry(
            record=replace(record, sent=frozenset(), failed=frozenset(), confirmation=None,
                           step=None, due_at=None, step_tries=0, reminded_at=None,
                           escalations=(), claim=None, steps_taken=0,
                           resident_bounced_at=None, forgotten_at=None, erased_at=None,
                           answered=None, answered_at=None, followed_up_at=None),
            expires_at=_seconds(record.expires_at),
            step=record.step if record.due_at is not None else None,
            due_at=record.due_at if record.step is not None else None,
        )
        self._count(self.inquiries[record.reference], tally)

    def get(self, reference: str, now: datetime) -> InquiryRecord | None:
        """The inquiry with its marks, or None if there is none or it has expired."""
        self._answer()
        stored = self.inquiries.get(reference)
        if stored is None or stored.expires_at <= now.timestamp():
            return None
        return replace(stored.record, sent=frozenset(stored.message_ids),
                       failed=frozenset(stored.failures), confirmation=stored.confirmation,
                       step=stored.step, due_at=stored.due_at, step_tries=stored.step_tries,
                       reminded_at=stored.reminded_at, escalations=stored.escalations,
                       claim=stored.claim, steps_taken=stored.steps_taken,
                       resident_bounced_at=stored.resident_bounced_at,
                       forgotten_at=stored.forgotten_at, erased_at=stored.erased_at,
                       answered=stored.answered, answered_at=stored.answered_at,
                       followed_up_at=stored.followed_up_at, counted=stored.counted)

    def claim_email(
        self, reference: str, kind: EmailKind, now: datetime, lease: timedelta
    ) -> bool:
        """Hold the email for `lease`; False if sent or refused, EmailInProgress if held."""
        self._answer()
        stored = self.inquiries.get(reference)
        if stored is None or kind in stored.message_ids or kind in stored.failures:
            return False
        held_until = stored.leases.get(kind)
        if held_until is not None and not held_until < _seconds(now):
            if self.get(reference, now) is None:
                return False  # as the adapter: an expired inquiry is not in progress
            raise EmailInProgress(f"{reference} {kind}")
        stored.leases[kind] = _seconds(now + lease)
        return True

    def release_email(self, reference: str, kind: EmailKind) -> None:
        """Drop the lease, so a retry need not wait for it."""
        self._existing(reference).leases.pop(kind, None)

    def mark_sent(self, reference: str, kind: EmailKind, message_id: str, now: datetime) -> None:
        """Remember the email as sent (with its message id); its lease ends."""
        stored = self._existing(reference)
        stored.message_ids[kind] = message_id
        stored.sent_at[kind] = now
        stored.leases.pop(kind, None)

    def mark_failed(self, reference: str, kind: EmailKind, reason: str, now: datetime) -> None:
        """Remember the email as refused for good, and why; its lease ends."""
        stored = self._existing(reference)
        stored.failures[kind] = reason
        stored.failed_at[kind] = now
        stored.leases.pop(kind, None)

    def mark_delivered(self, reference: str, steps_seen: int = 0) -> None:
        """Take the inquiry off the sweep's list, unless the clock asked for more since."""
        stored = self._existing(reference)
        if stored.steps_taken == steps_seen:
            stored.pending = False

    def count_sweep(self, reference: str, now: datetime, grace: timedelta, limit: int) -> int:
        """One more sweep of a pending inquiry; the count, or 0 to skip it."""
        self._answer()
        stored = self.inquiries.get(reference)
        if stored is None or not stored.pending:
            return 0
        if stored.swept_at is not None and (
            stored.sweeps >= limit or not stored.swept_at < now - grace
        ):
            return 0
        stored.sweeps += 1
        stored.swept_at = now
        return stored.sweeps

    def settle_confirmation(self, reference: str, decision: Confirmation) -> Confirmation:
        """The first decision stands."""
        stored = self._existing(reference)
        if stored.confirmation is None:
            stored.confirmation = decision
        return stored.confirmation

    def release_sweep(self, reference: str) -> None:
        """That sweep does not count; the next may count it again at once."""
        self._answer()
        stored = self._existing(reference)
        stored.sweeps -= 1
        stored.swept_at = None

    def stalled(self, received_before: datetime) -> list[str]:
        """Pending inquiries received before the time, oldest first."""
        self._answer()
        waiting = [stored.record for stored in self.inquiries.values()
                   if stored.pending and stored.record.received_at < received_before]
        return [record.reference for record in sorted(waiting, key=lambda r: r.received_at)]

    def due(self, now: datetime, limit: int) -> list[str]:
        """The inquiries with a due time by `now`, the longest due first, at most `limit`."""
        self._answer()
        waiting = sorted((stored.due_at, reference) for reference, stored in self.inquiries.items()
                         if stored.due_at is not None and stored.due_at <= now)
        return [reference for _, reference in waiting[:limit]]

    def move_clock(
        self, reference: str, expected: Step | None, move: ClockMove, now: datetime,
        tally: Tally | None = None,
    ) -> bool:
        """Write the step if the inquiry waits at `expected`, unclaimed, and has no
        escalation of the move's step yet."""
        self._answer()
        stored = self.inquiries.get(reference)
        if (stored is None or stored.step is not expected
                or stored.erased_at is not None):
            return False
        # The follow-up and the close come claimed or not.
        if stored.claim is not None and expected in ESCALATION_PHASE:
            return False
        if move.follow_up and stored.followed_up_at is not None:
            return False  # never more than one follow-up
        if move.escalation is not None and any(
                e.step is move.escalation.step for e in stored.escalations):
            return False
        stored.step = move.step
        stored.due_at = move.due_at
        stored.step_tries = move.tries
        if move.release_claim:
            stored.claim = None
        if move.remind:
            stored.reminded_at = now
        if move.follow_up:
            stored.followed_up_at = now
        if move.escalation is not None:
            stored.escalations = (*stored.escalations, move.escalation)
        if move.asks_for_emails:
            stored.asks_for_emails(now)
        self._count(stored, tally)
        return True

    def claim(self, reference: str, claim: Claim,
              follow_up_at: datetime | None = None, tally: Tally | None = None) -> Claim | None:
        """The first claim stands; while the clock is at a step that passes the inquiry
        on, it moves the clock to the follow-up."""
        self._answer()
        stored = self.inquiries.get(reference)
        if stored is None:
            return None
        if stored.claim is None:
            stored.claim = claim
            if stored.step in ESCALATION_PHASE:
                stored.step = Step.FOLLOW_UP if follow_up_at is not None else None
                stored.due_at = follow_up_at
                stored.step_tries = 0
            self._count(stored, tally)
        return stored.claim

    def record_answer(self, reference: str, answered: bool, now: datetime,
                      tally: Tally | None = None) -> bool | None:
        """The first answer stands."""
        self._answer()
        stored = self.inquiries.get(reference)
        if stored is None:
            return None
        if stored.answered is None:
            stored.answered = answered
            stored.answered_at = now
            self._count(stored, tally)
        return stored.answered

    def forget_personal_data(self, reference: str, now: datetime) -> bool:
        """Once: name, address and message become "", as the adapter reads them."""
        self._answer()
        stored = self.inquiries.get(reference)
        if stored is None or stored.forgotten_at is not None:
            return False
        stored.record = replace(stored.record, inquiry=replace(
            stored.record.inquiry, name="", email="", message="", phone=""))
        stored.forgotten_at = now
        return True

    def note_resident_bounce(self, reference: str, now: datetime) -> bool:
        """Note the bounce once; it asks for the note to the contact."""
        self._answer()
        stored = self.inquiries.get(reference)
        if stored is None or stored.resident_bounced_at is not None:
            return False
        stored.resident_bounced_at = now
        stored.asks_for_emails(now)
        return True

    def erase(self, reference: str, now: datetime, tally: Tally | None = None) -> bool:
        """Erase once: name, address and message become "", the clock stops, and the
        notes it asks for put the inquiry back on the sweep's list."""
        self._answer()
        stored = self.inquiries.get(reference)
        if (stored is None or stored.erased_at is not None
                or stored.expires_at <= now.timestamp()):
            return False
        stored.record = replace(stored.record, inquiry=replace(
            stored.record.inquiry, name="", email="", message="", phone=""))
        if EmailKind.RESIDENT in stored.failures:
            stored.failures[EmailKind.RESIDENT] = ""  # SES's reason may name the address
        stored.erased_at = now
        stored.forgotten_at = stored.forgotten_at or now
        stored.step = None
        stored.due_at = None
        stored.step_tries = 0
        stored.asks_for_emails(now)
        self._count(stored, tally)
        return True

    def _answer(self) -> None:
        if self.unavailable:
            raise StoreUnavailable("the in-memory store is switched off")

    def _existing(self, reference: str) -> StoredInquiry:
        """The inquiry for a mark; StoreUnavailable if it is gone, as the adapter says."""
        self._answer()
        stored = self.inquiries.get(reference)
        if stored is None:
            raise StoreUnavailable(f"inquiry {reference} is gone")
        return stored


class RecordingQueue:
    """The DeliveryQueue port as a list of the references queued, in order.

    Set `unavailable` to make `send` raise QueueUnavailable (and queue nothing).
    """

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.unavailable = False

    def send(self, reference: str) -> None:
        """Queue the reference, or raise QueueUnavailable."""
        if self.unavailable:
            raise QueueUnavailable("the recording queue is switched off")
        self.sent.append(reference)


@dataclass(frozen=True)
class SentMessage:
    """One email the fake mailer sent."""

    message: Message
    to: str
    cc: tuple[str, ...]
    message_id: str
    tags: Mapping[str, str] = field(default_factory=dict)  # the SES EmailTags

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])


class RecordingMailer:
    """The Mailer port that keeps what it sends; it fails as planned.

    Each send takes the next fault of the plan: a SendError is raised (and nothing
    sent), None sends. Once the plan is used up, every send succeeds.
    """

    def __init__(self, faults: Iterable[SendError | None] = ()) -> None:
        self.faults: list[SendError | None] = list(faults)
        self.sent: list[SentMessage] = []
        self.attempts: list[str] = []  # the `to` of every send, successful or not
        self._ids = itertools.count(1)

    def plan(self, *faults: SendError | None) -> None:
        """Add faults to the end of the plan."""
        self.faults.extend(faults)

    def send(self, message: Message, *, to: str, cc: tuple[str, ...] = (),
             tags: Mapping[str, str] | None = None) -> str:
        """Send, or raise the next planned SendError; the new message id."""
        self.attempts.append(to)
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            raise fault
        message_id = f"fake-message-{next(self._ids)}"
        self.sent.append(SentMessage(message, to, tuple(cc), message_id, dict(tags or {})))
        return message_id

    @property
    def recipients(self) -> list[str]:
        """The `to` of each sent email, in the order they went out."""
        return [sent.to for sent in self.sent]


class InMemoryCounter:
    """The Counter port in a dict, as DynamoDBCounter counts: per key and field.

    `add` does not reset a count at `expires_at` (like the table before its TTL process
    runs; the callers put their time window into the key); `read` hides an expired
    item, as DynamoDBCounter does. Set `unavailable` to make both raise
    CounterUnavailable.
    """

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.expires_at: dict[str, int] = {}
        self.unavailable = False

    def add(self, key: str, field: str, expires_at: int) -> int:
        """Add one to the key's field; the new count."""
        if self.unavailable:
            raise CounterUnavailable("the in-memory counter is switched off")
        count = self.counts.get((key, field), 0) + 1
        self.counts[key, field] = count
        self.expires_at[key] = expires_at
        return count

    def read(self, key: str, now: datetime) -> Mapping[str, int]:
        """Every count of the key; empty once it has expired."""
        if self.unavailable:
            raise CounterUnavailable("the in-memory counter is switched off")
        if self.expires_at.get(key, 0) <= now.timestamp():
            return {}
        return {field: count for (item, field), count in self.counts.items() if item == key}


class InMemoryReportLog:
    """The ReportLog port in a dict, as DynamoDBReportLog: a lease, then sent for good."""

    def __init__(self) -> None:
        self.leases: dict[str, int] = {}
        self.sent: dict[str, str] = {}  # month → message id
        self.unavailable = False

    def take(self, month: str, now: datetime, lease: timedelta) -> bool:
        self._answer()
        if month in self.sent or self.leases.get(month, 0) >= _seconds(now):
            return False
        self.leases[month] = _seconds(now + lease)
        return True

    def release(self, month: str) -> None:
        self._answer()
        self.leases.pop(month, None)

    def mark_sent(self, month: str, message_id: str, now: datetime) -> None:
        self._answer()
        self.sent[month] = message_id
        self.leases.pop(month, None)

    def _answer(self) -> None:
        if self.unavailable:
            raise StoreUnavailable("the in-memory report log is switched off")


class InMemoryUnreachableContacts:
    """The UnreachableContacts port in a dict; `unavailable` makes both calls raise."""

    def __init__(self) -> None:
        self.marked: dict[str, datetime] = {}
        self.unavailable = False

    def mark(self, contact_key: str, until: datetime) -> None:
        if self.unavailable:
            raise CounterUnavailable("the in-memory contact list is switched off")
        self.marked[contact_key] = max(until, self.marked.get(contact_key, until))

    def until(self, now: datetime) -> Mapping[str, datetime]:
        if self.unavailable:
            raise CounterUnavailable("the in-memory contact list is switched off")
        return {key: end for key, end in self.marked.items() if end > now}


if TYPE_CHECKING:

    def _the_fakes_implement_the_ports(
        store: InMemoryInquiryStore, queue: RecordingQueue, mailer: RecordingMailer,
        counter: InMemoryCounter, unreachable: InMemoryUnreachableContacts,
        reports: InMemoryReportLog,
    ) -> tuple[InquiryStore, DeliveryQueue, Mailer, Counter, UnreachableContacts,
               StatisticsSource, ReportLog]:
        """mypy checks each fake against its Protocol here."""
        return store, queue, mailer, counter, unreachable, store, reports
