"""Bounces and complaints that SES reports through SNS: counted per address digest, and
an alarm when a contact person's address bounces (then inquiries for a topic reach nobody).

A resident's address is recorded only as a salted hash with a TTL: enough to withhold
further confirmations from an address that bounced for good or complained (see
confirmations.py), nothing to identify the resident. Logs name contact keys, never an
address. The notification comes from outside: any shape that is not what SES sends
is ignored, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.core.hashing import keyed_digest
from chalicelib.core.ports import Counter, CounterUnavailable
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.telemetry import Event, emit

KEEP_RECORDS = timedelta(days=30)


class FeedbackKind(StrEnum):
    """What SES reports about a recipient; the values are the counters' field names."""

    BOUNCE = "bounce"  # a permanent bounce: the address does not accept mail
    COMPLAINT = "complaint"  # the recipient marked the email as spam


@dataclass(frozen=True)
class SesFeedback:
    kind: FeedbackKind
    permanent: bool
    addresses: tuple[str, ...]


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
    return SesFeedback(kind, permanent, addresses)


@dataclass(frozen=True)
class FeedbackRecorder:
    """Counts permanent bounces and complaints per address digest; alarms for a contact's."""

    counter: Counter
    secret: bytes

    def record(self, feedback: SesFeedback, routing: RoutingConfig, now: datetime) -> None:
        contacts = {c.email.lower(): c.key for c in routing.contacts.values()}
        expires_at = int((now + KEEP_RECORDS).timestamp())
        for address in feedback.addresses:
            contact = contacts.get(address)
            if contact is not None:
                emit(Event.CONTACT_BOUNCED, "%s for contact %s: their inquiries may reach "
                     "nobody; check the address in routing.toml", feedback.kind.capitalize(),
                     contact, contact=contact, kind=feedback.kind)
            else:
                emit(Event.COMPLAINT if feedback.kind is FeedbackKind.COMPLAINT
                     else Event.RESIDENT_BOUNCED,
                     "%s for a resident's address (recorded as a hash)",
                     feedback.kind.capitalize(), kind=feedback.kind)
            if not feedback.permanent:
                continue  # a full mailbox or a slow server: the next mail may arrive
            try:
                self.counter.add(feedback_key(self.secret, address), feedback.kind, expires_at)
            except CounterUnavailable as error:
                emit(Event.FEEDBACK_NOT_RECORDED, "feedback not recorded: %s", error)


def record_all(messages: Iterable[str], recorder: FeedbackRecorder, routing: RoutingConfig,
               now: datetime) -> int:
    recorded = 0
    for message in messages:
        feedback = parse_feedback(message)
        if feedback is not None:
            recorder.record(feedback, routing, now)
            recorded += 1
    return recorded
