"""Bounces and complaints that SES reports through SNS: recorded, and an alarm when a
contact person's address bounces (then inquiries for a topic reach nobody).

A resident's bounced address is recorded only as a salted hash with a TTL: enough to
count bounces, nothing to identify the resident. Logs name contact keys, never an
address.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.hashing import keyed_digest
from chalicelib.core.ports import Counter, CounterUnavailable
from chalicelib.core.routing import RoutingConfig

log = logging.getLogger("wegweiser")

KEEP_RECORDS = timedelta(days=30)


@dataclass(frozen=True)
class SesFeedback:
    kind: str  # "Bounce" or "Complaint"
    permanent: bool
    addresses: tuple[str, ...]


def parse_feedback(message: str) -> SesFeedback | None:
    """The feedback an SES event notification carries; None for anything else."""
    try:
        event = json.loads(message)
    except json.JSONDecodeError:
        return None
    if not isinstance(event, dict):
        return None
    kind = event.get("eventType") or event.get("notificationType")
    if kind == "Bounce":
        bounce = event.get("bounce", {})
        recipients = bounce.get("bouncedRecipients", [])
        permanent = bounce.get("bounceType") == "Permanent"
    elif kind == "Complaint":
        recipients = event.get("complaint", {}).get("complainedRecipients", [])
        permanent = True
    else:
        return None
    addresses = tuple(str(r.get("emailAddress", "")).lower() for r in recipients
                      if isinstance(r, dict))
    return SesFeedback(kind, permanent, addresses)


@dataclass(frozen=True)
class FeedbackRecorder:
    """Counts bounces and complaints per address digest, and alarms for a contact's."""

    counter: Counter
    secret: bytes

    def record(self, feedback: SesFeedback, routing: RoutingConfig, now: datetime) -> None:
        contacts = {c.email.lower(): c.key for c in routing.contacts.values()}
        expires_at = int((now + KEEP_RECORDS).timestamp())
        for address in feedback.addresses:
            contact = contacts.get(address)
            if contact is not None:
                log.error("ALARM %s for contact %s: their inquiries may reach nobody; "
                          "check the address in routing.toml", feedback.kind, contact)
            else:
                log.warning("%s for a resident's address (recorded as a hash)", feedback.kind)
            digest = keyed_digest(self.secret, "feedback", address)
            try:
                self.counter.add(f"feedback#{digest}", feedback.kind.lower(), expires_at)
            except CounterUnavailable as error:
                log.warning("feedback not recorded: %s", error)


def record_all(messages: Iterable[str], recorder: FeedbackRecorder, routing: RoutingConfig,
               now: datetime) -> int:
    recorded = 0
    for message in messages:
        feedback = parse_feedback(message)
        if feedback is not None:
            recorder.record(feedback, routing, now)
            recorded += 1
    return recorded
