"""Bounces and complaints that SES reports through SNS: recorded, and an alarm when a
contact person's address bounces (then inquiries for a topic reach nobody).

A resident's bounced address is recorded only as a salted hash with a TTL: enough to
count bounces, nothing to identify the resident. Logs name contact keys, never an
address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.routing import RoutingConfig

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

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


class FeedbackRecorder:
    def __init__(self, client: DynamoDBClient, table_name: str, secret: bytes) -> None:
        self._client = client
        self._table = table_name
        self._secret = secret

    def record(self, feedback: SesFeedback, routing: RoutingConfig, now: datetime) -> None:
        contacts = {c.email.lower(): c.key for c in routing.contacts.values()}
        for address in feedback.addresses:
            contact = contacts.get(address)
            if contact is not None:
                log.error("ALARM %s for contact %s: their inquiries may reach nobody; "
                          "check the address in routing.toml", feedback.kind, contact)
            else:
                log.warning("%s for a resident's address (recorded as a hash)", feedback.kind)
            self._count(address, feedback.kind, now)

    def _count(self, address: str, kind: str, now: datetime) -> None:
        digest = hmac.new(self._secret, f"feedback:{address}".encode(), hashlib.sha256)
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"feedback#{digest.hexdigest()[:32]}"}},
                UpdateExpression="ADD #kind :one SET expires_at = :expires",
                ExpressionAttributeNames={"#kind": kind.lower()},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":expires": {"N": str(int((now + KEEP_RECORDS).timestamp()))},
                },
            )
        except (ClientError, BotoCoreError) as error:
            log.warning("feedback not recorded: %s", type(error).__name__)


def record_all(messages: Iterable[str], recorder: FeedbackRecorder, routing: RoutingConfig,
               now: datetime) -> int:
    recorded = 0
    for message in messages:
        feedback = parse_feedback(message)
        if feedback is not None:
            recorder.record(feedback, routing, now)
            recorded += 1
    return recorded
