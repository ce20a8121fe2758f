"""What the use cases need from the outside world, and how it may fail.

Each port is a Protocol that an adapter in chalicelib.aws implements with boto3 and a
fake in tests/support/fakes.py implements in memory (one contract suite runs against both).
The exceptions are the core's own: an adapter translates its backend's errors into
them, so a use case decides what to do without knowing an AWS error code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from typing import TYPE_CHECKING, Protocol

from chalicelib.core.records import Claim, Confirmation, EmailKind, Escalation, InquiryRecord, Step

if TYPE_CHECKING:
    from chalicelib.core.statistics import Tally

Clock = Callable[[], datetime]  # an aware datetime: now


class StoreUnavailable(RuntimeError):
    """The store did not answer as expected; trying again later can help."""


class ReferenceTaken(RuntimeError):
    """Another inquiry already has this reference (astronomically rare)."""


class EmailInProgress(RuntimeError):
    """Another worker is sending this email right now; try again after its lease."""


class QueueUnavailable(RuntimeError):
    """The queue did not take the message; the sweep will queue the inquiry later."""


class CounterUnavailable(RuntimeError):
    """A counter could not be read or written (the rate limit then lets a request pass)."""


class SendError(RuntimeError):
    """The email was not sent."""

    retry_can_help = True
    alarm = False  # True when a person must act (the account, not the message, is at fault)


class SendThrottled(SendError):
    """The mail service is busy or briefly failing; the same email will go through later."""


class SendingPaused(SendError):
    """Sending is paused or the account suspended: keep the email, tell a person."""

    alarm = True


class SendRejected(SendError):
    """The mail service refuses this email; sending it again will not help."""

    retry_can_help = False
    alarm = True


@dataclass(frozen=True)
class ClockMove:
    """What one step of the clock writes on an inquiry, in one conditional write."""

    step: Step | None  # what is next; None: nothing more
    due_at: datetime | None  # when the clock looks again; None: off the clock's index
    remind: bool = False  # ask for the reminder email
    escalation: Escalation | None = None  # ask for the escalation's two emails
    tries: int = 0  # failed tries of `step` so far (0 after a step that succeeded)
    follow_up: bool = False  # ask for the follow-up to the resident (once: `followed_up_at`)
    # The resident reports no answer although somebody claimed it: the claim is lifted,
    # so that the new holder can claim it in turn.
    release_claim: bool = False

    @property
    def asks_for_emails(self) -> bool:
        return self.remind or self.escalation is not None or self.follow_up


class InquiryStore(Protocol):
    """Accepted inquiries and the marks that make each email go out once.

    A write that takes a `tally` adds it to the anonymous statistics in the same
    transaction, and notes its columns in the inquiry's `counted`: written and
    counted, or neither (chalicelib/core/statistics.py).
    """

    def add(self, record: InquiryRecord, tally: Tally | None = None) -> None:
        """Write a new inquiry; ReferenceTaken if the reference exists, StoreUnavailable."""

    def get(self, reference: str, now: datetime) -> InquiryRecord | None:
        """The inquiry, or None if there is none or its retention has passed."""

    def claim_email(
        self, reference: str, kind: EmailKind, now: datetime, lease: timedelta
    ) -> bool:
        """Take the right to send one email for `lease`: False if it was sent or failed
        for good already; EmailInProgress while another worker holds it."""

    def release_email(self, reference: str, kind: EmailKind) -> None:
        """Give up a claim after a send that certainly failed, so a retry need not wait."""

    def mark_sent(self, reference: str, kind: EmailKind, message_id: str, now: datetime) -> None:
        """The email went out: never send it again."""

    def mark_failed(self, reference: str, kind: EmailKind, reason: str, now: datetime) -> None:
        """The email can never go out (refused for good): never try it again."""

    def settle_confirmation(self, reference: str, decision: Confirmation) -> Confirmation:
        """Record whether the resident gets a confirmation, unless that is decided already;
        the decision that stands."""

    def mark_delivered(self, reference: str, steps_seen: int = 0) -> None:
        """Nothing is left to send: take the inquiry off the sweep's list, unless the
        clock has asked for more emails than the `steps_seen` delivery knew of."""

    def count_sweep(self, reference: str, now: datetime, grace: timedelta, limit: int) -> int:
        """Record one more sweep of a pending inquiry; how many so far, or 0 to skip it
        (swept within `grace`, or `limit` times already, or no longer pending)."""

    def release_sweep(self, reference: str) -> None:
        """The sweep could not queue the inquiry after all: that sweep does not count."""

    def stalled(self, received_before: datetime) -> list[str]:
        """References of inquiries received before the time and not yet fully delivered."""

    def due(self, now: datetime, limit: int) -> list[str]:
        """References of inquiries the clock must look at by `now`, the longest due
        first, at most `limit` (read from an index of due times, never a scan)."""

    def move_clock(
        self, reference: str, expected: Step | None, move: ClockMove, now: datetime,
        tally: Tally | None = None,
    ) -> bool:
        """Write one step of the clock if the inquiry still waits at `expected` (None:
        the clock has no step left), is unclaimed while `expected` passes an unclaimed
        inquiry on (REMIND, ESCALATE, ESCALATE_AGAIN; FOLLOW_UP and CLOSE come claimed
        or not), has no escalation of the move's step yet and, for a follow-up move, no
        follow-up yet; False if not (another run took the step, or somebody claimed
        it). A move that asks for emails puts the inquiry back on the sweep's list."""

    def claim(self, reference: str, claim: Claim,
              follow_up_at: datetime | None = None, tally: Tally | None = None) -> Claim | None:
        """Record the claim unless there is one (the first stands); while the clock is
        still at a step that passes the inquiry on, move it to FOLLOW_UP at
        `follow_up_at` (None: no step left). The claim that stands, or None if there is
        no such inquiry."""

    def record_answer(self, reference: str, answered: bool, now: datetime,
                      tally: Tally | None = None) -> bool | None:
        """Record the resident's answer to the follow-up unless there is one (the first
        stands); the answer that stands, or None if there is no such inquiry."""

    def forget_personal_data(self, reference: str, now: datetime) -> bool:
        """The loop closed: remove the resident's name, address and message and note when
        (`forgotten_at`); reference, topic, language, dates and states stay. False if
        they were forgotten already or there is no such inquiry."""

    def note_resident_bounce(self, reference: str, now: datetime) -> bool:
        """Record that the resident's confirmation bounced for good, which asks for the
        note to the contact (back on the sweep's list); False if it was noted already
        or there is no such inquiry."""

    def erase(self, reference: str, now: datetime, tally: Tally | None = None) -> bool:
        """The resident asked for erasure (Art. 17 GDPR): in one write, delete their name,
        address and message (and the reason a refused confirmation gave, which may name
        the address), note when (`erased_at`, `forgotten_at`), stop the clock, and ask
        for the notes to the holders (back on the sweep's list). Reference, topic,
        language, dates and states stay. False if it was erased already or there is no
        such inquiry (or its retention has passed)."""


class StatisticsSource(Protocol):
    """The anonymous counts, read for the statistics and the monthly report."""

    def counts(self, months: Sequence[str]) -> Mapping[str, Mapping[str, int]]:
        """Each month's counts (attribute → count; months without any are left out);
        StoreUnavailable on failure. Reads the counts' items, never an inquiry."""


class ReportLog(Protocol):
    """Which monthly reports went out: one per month, however often the schedule runs."""

    def take(self, month: str, now: datetime, lease: timedelta) -> bool:
        """Take the right to send the report of `month` for `lease`: False if it was
        sent already or another run is sending it now; StoreUnavailable on failure."""

    def release(self, month: str) -> None:
        """The send failed: the next run may try again at once."""

    def mark_sent(self, month: str, message_id: str, now: datetime) -> None:
        """The report went out: never send it again."""


class DeliveryQueue(Protocol):
    def send(self, reference: str) -> None:
        """Queue the delivery of an inquiry's emails; QueueUnavailable if it was not taken."""


class Mailer(Protocol):
    def send(self, message: Message, *, to: str, cc: tuple[str, ...] = (),
             tags: Mapping[str, str] | None = None) -> str:
        """Send a complete MIME message; the mail service's message id, or a SendError.
        `tags` (the inquiry's reference and the email's kind) come back with the mail
        service's bounce and complaint reports, so feedback finds its inquiry."""


class Counter(Protocol):
    """Atomic counters that expire on their own (rate limits, bounce and complaint counts)."""

    def add(self, key: str, field: str, expires_at: int) -> int:
        """Add one to `field` of the item `key` (created on first use, removed after
        `expires_at`, Unix seconds); the new count. CounterUnavailable on failure."""

    def read(self, key: str, now: datetime) -> Mapping[str, int]:
        """Every count of the item `key` (empty if there is none or it expired by `now`)."""


class UnreachableContacts(Protocol):
    """Contacts whose address bounced for good: treated as absent for a while (new
    inquiries and escalations pass them by, with the reason in the routing decision)."""

    def mark(self, contact_key: str, until: datetime) -> None:
        """Treat the contact as unreachable until then; CounterUnavailable on failure."""

    def until(self, now: datetime) -> Mapping[str, datetime]:
        """The contacts unreachable at `now`, each with when that ends;
        CounterUnavailable on failure."""


RoutingFetch = Callable[[], str]  # the text of a remote routing config, or raise
