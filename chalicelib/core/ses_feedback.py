"""Bounces and complaints that SES reports through SNS, and what each one changes.

Every send carries SES EmailTags (the inquiry's reference and the email's kind), which
SES v2 event publishing hands back with the report, so a bounce finds its inquiry:

- a contact person's address bounced for good: an ALARM naming the contact key, the
  contact counts as absent for new inquiries and escalations for UNREACHABLE_FOR, and
  the inquiry whose email bounced goes at once to the next person the rules allow
  (core/escalation.py, `fail_over`);
- a resident's confirmation bounced for good: whoever answers the inquiry is told
  that a reply by email will not arrive (EmailKind.RESIDENT_UNREACHABLE).

A resident's address is recorded only as a salted hash with a TTL: enough to withhold
further confirmations from an address that bounced for good or complained (see
confirmations.py), nothing to identify the resident. Logs name contact keys, never an
address. The notification comes from outside: any shape that is not what SES sends
is ignored, never an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.core.hashing import keyed_digest
from chalicelib.core.ports import (
    Counter,
    CounterUnavailable,
    DeliveryQueue,
    InquiryStore,
    QueueUnavailable,
    UnreachableContacts,
)
from chalicelib.core.records import EmailKind
from chalicelib.core.references import PATTERN
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.telemetry import Event, emit

KEEP_RECORDS = timedelta(days=30)
# How long a contact whose address bounced for good counts as absent: long enough for
# an admin to fix the address in the routing, short enough that a mailbox that was
# only broken for a day gets its inquiries again.
UNREACHABLE_FOR = timedelta(days=7)
_REFERENCE = re.compile(PATTERN)


class FeedbackKind(StrEnum):
    """What SES reports about a recipient; the values are the counters' field names."""

    BOUNCE = "bounce"  # a permanent bounce: the address does not accept mail
    COMPLAINT = "complaint"  # the recipient marked the email as spam


@dataclass(frozen=True)
class SesFeedback:
    kind: FeedbackKind
    permanent: bool
    addresses: tuple[str, ...]
    # From the send's EmailTags: the inquiry and which of its emails; None when the
    # report carries none (an email sent before the tags, or not by Wegweiser).
    reference: str | None = None
    email_kind: EmailKind | None = None


def feedback_key(secret: bytes, address: str) -> str:
    """The counter item that holds an address's bounces and complaints."""
    return f"feedback#{keyed_digest(secret, 'feedback', address.lower())}"


def parse_feedback(message: str) -> SesFeedback | None:
    """The feedback an SES event notification carries; None for anything else."""
    try:
        event = json.loads(message)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(event, dict):
        return None
    # SES v2 event publishing says eventType; the older notifications notificationType.
    match event.get("eventType") or event.get("notificationType"):
        case "Bounce":
            details = event.get("bounce")
            kind, recipients_field = FeedbackKind.BOUNCE, "bouncedRecipients"
        case "Complaint":
            details = event.get("complaint")
            kind, recipients_field = FeedbackKind.COMPLAINT, "complainedRecipients"
        case _:
            return None
    if not isinstance(details, dict):
        return None
    recipients = details.get(recipients_field)
    if not isinstance(recipients, list):
        return None
    addresses = tuple(r["emailAddress"].lower() for r in recipients
                      if isinstance(r, dict) and isinstance(r.get("emailAddress"), str))
    permanent = kind is FeedbackKind.COMPLAINT or details.get("bounceType") == "Permanent"
    reference, email_kind = _tags(event.get("mail"))
    return SesFeedback(kind, permanent, addresses, reference, email_kind)


def _tags(mail: object) -> tuple[str | None, EmailKind | None]:
    """The reference and the email kind of the send's tags, if they are ours: SES v2
    gives each tag as a list of values."""
    if not isinstance(mail, dict) or not isinstance(tags := mail.get("tags"), dict):
        return None, None

    def tag(name: str) -> str | None:
        values = tags.get(name)
        value = values[0] if isinstance(values, list) and values else None
        return value if isinstance(value, str) else None

    reference = tag("reference")
    kind = tag("kind")
    return (reference if reference is not None and _REFERENCE.match(reference) else None,
            EmailKind(kind) if kind in {k.value for k in EmailKind} else None)


@dataclass(frozen=True)
class FeedbackRecorder:
    """What a report changes: counts per address digest, the alarm for a contact's
    address, the contact's absence and the fail-over, the note of a resident's bounce."""

    counter: Counter
    secret: bytes
    store: InquiryStore
    queue: DeliveryQueue
    unreachable: UnreachableContacts
    # (reference, bounced address, contact key): pass the inquiry on if that address
    # holds it (EscalationClock.fail_over).
    fail_over: Callable[[str, str, str], bool]

    def record(self, feedback: SesFeedback, routing: RoutingConfig, now: datetime) -> None:
        contacts = {c.email.lower(): c.key for c in routing.contacts.values()}
        staff_email = feedback.email_kind not in (None, EmailKind.RESIDENT)
        for address in feedback.addresses:
            contact = contacts.get(address)
            if contact is not None or staff_email:
                self._staff_address(feedback, address, contact, now)
            else:
                self._resident_address(feedback, address, now)
            if feedback.permanent:  # a full mailbox or a slow server: the next may arrive
                self._count(feedback, address, now)

    def _count(self, feedback: SesFeedback, address: str, now: datetime) -> None:
        """Count it under the address's digest (confirmations.py reads the count)."""
        try:
            self.counter.add(feedback_key(self.secret, address), feedback.kind,
                             int((now + KEEP_RECORDS).timestamp()))
        except CounterUnavailable as error:
            emit(Event.FEEDBACK_NOT_RECORDED, "feedback not recorded: %s", error)

    def _staff_address(
        self, feedback: SesFeedback, address: str, contact: str | None, now: datetime
    ) -> None:
        """A contact's address (or one a staff email went to: a cc, an old address)."""
        who = f"contact {contact}" if contact else f"an address of {feedback.email_kind} email"
        bounced_for_good = feedback.kind is FeedbackKind.BOUNCE and feedback.permanent
        if not bounced_for_good:
            emit(Event.CONTACT_BOUNCED, "%s for %s: their inquiries may reach nobody; check "
                 "the address in routing.toml", feedback.kind.capitalize(), who,
                 contact=contact or "", kind=feedback.kind)
            return
        until = now + UNREACHABLE_FOR
        if contact is not None:
            try:
                self.unreachable.mark(contact, until)
            except CounterUnavailable as error:
                emit(Event.FEEDBACK_NOT_RECORDED, "feedback not recorded: %s", error)
        emit(Event.CONTACT_BOUNCED, "Bounce for %s: the address does not accept mail; "
             "counted as absent for new inquiries until %s; check the address in "
             "routing.toml", who, until.date().isoformat(), reference=feedback.reference,
             contact=contact or "", kind=feedback.kind)
        if feedback.reference is not None:
            self.fail_over(feedback.reference, address, contact or "")

    def _resident_address(self, feedback: SesFeedback, address: str, now: datetime) -> None:
        emit(Event.COMPLAINT if feedback.kind is FeedbackKind.COMPLAINT
             else Event.RESIDENT_BOUNCED,
             "%s for a resident's address (recorded as a hash)",
             feedback.kind.capitalize(), kind=feedback.kind, reference=feedback.reference)
        if (feedback.kind is FeedbackKind.BOUNCE and feedback.permanent
                and feedback.reference is not None
                and feedback.email_kind is EmailKind.RESIDENT):
            self._note_resident_bounce(feedback.reference, address, now)

    def _note_resident_bounce(self, reference: str, address: str, now: datetime) -> None:
        """Tell whoever answers that a reply by email will not arrive: once, and only if
        the address that bounced is this inquiry's."""
        record = self.store.get(reference, now)
        if record is None or record.inquiry.email.lower() != address:
            return
        if not self.store.note_resident_bounce(reference, now):
            return
        try:
            self.queue.send(reference)
        except QueueUnavailable:
            # Noted is asked for: the sweep queues it after its grace period.
            emit(Event.INQUIRY_NOT_QUEUED, "inquiry %s: the note of the resident's bounce "
                 "is asked for but not queued; the sweep will queue it", reference,
                 reference=reference)


def record_all(messages: Iterable[str], recorder: FeedbackRecorder, routing: RoutingConfig,
               now: datetime) -> int:
    recorded = 0
    for message in messages:
        feedback = parse_feedback(message)
        if feedback is not None:
            recorder.record(feedback, routing, now)
            recorded += 1
    return recorded
