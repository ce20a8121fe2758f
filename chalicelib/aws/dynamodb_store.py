"""Inquiries in DynamoDB: the one durable write that decides acceptance, and the delivery marks.

Items are keyed `inquiry#<reference>`. Each carries a retention TTL (`expires_at`)
and, until both emails are sent, a `pending` attribute that puts it in a sparse
index the sweep reads. Expired items are never returned, even before DynamoDB's
TTL process removes them. An inquiry about a topic that asks for explicit consent
(health) carries `consent_at`, when the resident gave it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.inquiry import Inquiry
from chalicelib.core.ports import EmailInProgress, ReferenceTaken, StoreUnavailable
from chalicelib.core.records import (
    EMAIL_KINDS,
    Confirmation,
    EmailKind,
    InquiryRecord,
    Recipient,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

PENDING_INDEX = "pending-by-received"
PENDING = "pending"


INQUIRY_PREFIX = "inquiry#"
CONDITION_FAILED = "ConditionalCheckFailedException"


class _ConditionFailed(Exception):
    """A conditional write found the item not as it expected (handled by the caller)."""


@contextmanager
def _dynamodb_errors() -> Iterator[None]:
    """DynamoDB's errors as the store port's: a failed condition for the caller to
    handle, anything else StoreUnavailable (trying again later can help)."""
    try:
        yield
    except ClientError as error:
        if error.response["Error"]["Code"] == CONDITION_FAILED:
            raise _ConditionFailed from error
        raise StoreUnavailable(str(error)) from error
    except BotoCoreError as error:
        raise StoreUnavailable(str(error)) from error


def _key(reference: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": f"{INQUIRY_PREFIX}{reference}"}}


class DynamoDBInquiryStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, record: InquiryRecord) -> None:
        """Write a new inquiry, refusing to overwrite an existing reference."""
        item = _to_item(record)
        item["pending"] = {"S": PENDING}
        expires = record.received_at + timedelta(days=record.retention_days)
        item["expires_at"] = {"N": str(int(expires.timestamp()))}
        try:
            with _dynamodb_errors():
                self._client.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk)",
                )
        except _ConditionFailed as taken:
            raise ReferenceTaken(record.reference) from taken

    def get(self, reference: str, now: datetime) -> InquiryRecord | None:
        """The inquiry with this reference, or None if there is none or it has expired."""
        with _dynamodb_errors():
            answer = self._client.get_item(
                TableName=self._table, Key=_key(reference), ConsistentRead=True
            )
        item = answer.get("Item")
        if item is None or int(item["expires_at"]["N"]) <= now.timestamp():
            return None
        return _from_item(item)

    def claim_email(
        self, reference: str, kind: EmailKind, now: datetime, lease: timedelta
    ) -> bool:
        """Take the right to send one email: False if it was sent or refused already.

        The lease stops two workers that got the same message from sending the same
        email at the same time; a crashed worker's lease simply runs out.
        """
        try:
            with _dynamodb_errors():
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression="SET #lease = :until",
                    ConditionExpression=(
                        "attribute_exists(pk) AND attribute_not_exists(#sent)"
                        " AND attribute_not_exists(#failed)"
                        " AND (attribute_not_exists(#lease) OR #lease < :now)"
                    ),
                    ExpressionAttributeNames={"#sent": f"{kind}_sent_at",
                                              "#failed": f"{kind}_failed_at",
                                              "#lease": f"{kind}_lease"},
                    ExpressionAttributeValues={
                        ":until": {"N": str(int((now + lease).timestamp()))},
                        ":now": {"N": str(int(now.timestamp()))},
                    },
                )
        except _ConditionFailed as taken:
            record = self.get(reference, now)
            if record is None or kind in record.sent or kind in record.failed:
                return False
            raise EmailInProgress(f"{reference} {kind}") from taken
        return True

    def release_email(self, reference: str, kind: EmailKind) -> None:
        """Give up a claim after a send that certainly failed, so a retry need not wait."""
        self._update(reference, "REMOVE #lease", {"#lease": f"{kind}_lease"})

    def mark_sent(self, reference: str, kind: EmailKind, message_id: str, now: datetime) -> None:
        self._update(
            reference,
            "SET #sent = :at, #id = :id REMOVE #lease",
            {"#sent": f"{kind}_sent_at", "#id": f"{kind}_message_id", "#lease": f"{kind}_lease"},
            {":at": {"S": now.isoformat()}, ":id": {"S": message_id}},
        )

    def mark_failed(self, reference: str, kind: EmailKind, reason: str, now: datetime) -> None:
        self._update(
            reference,
            "SET #failed = :at, #reason = :reason REMOVE #lease",
            {"#failed": f"{kind}_failed_at", "#reason": f"{kind}_failure",
             "#lease": f"{kind}_lease"},
            {":at": {"S": now.isoformat()}, ":reason": {"S": reason}},
        )

    def settle_confirmation(self, reference: str, decision: Confirmation) -> Confirmation:
        try:
            with _dynamodb_errors():
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression="SET confirmation = :decision",
                    ConditionExpression=("attribute_exists(pk)"
                                         " AND attribute_not_exists(confirmation)"),
                    ExpressionAttributeValues={":decision": {"S": decision}},
                )
        except _ConditionFailed as decided:
            with _dynamodb_errors():
                item = self._client.get_item(
                    TableName=self._table, Key=_key(reference), ConsistentRead=True,
                    ProjectionExpression="confirmation",
                ).get("Item", {})
            if "confirmation" not in item:
                raise StoreUnavailable(f"inquiry {reference} is gone") from decided
            return Confirmation(item["confirmation"]["S"])
        return decision

    def mark_delivered(self, reference: str) -> None:
        """Both emails are out: take the inquiry off the sweep's list."""
        self._update(reference, "REMOVE #pending", {"#pending": "pending"})

    def count_sweep(self, reference: str, now: datetime, grace: timedelta, limit: int) -> int:
        """Record that the sweep queues this inquiry again; how often it has, or 0 to skip.

        0 when it was swept within the grace period (its message may still be on its
        way) or `limit` times already: an inquiry whose email SES refuses for good must
        not circle through the queue forever.
        """
        try:
            with _dynamodb_errors():
                answer = self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression="SET swept_at = :now ADD sweeps :one",
                    ConditionExpression=(
                        "attribute_exists(pending) AND (attribute_not_exists(sweeps)"
                        " OR (sweeps < :limit AND swept_at < :cutoff))"
                    ),
                    ExpressionAttributeValues={
                        ":now": {"S": now.isoformat()},
                        ":cutoff": {"S": (now - grace).isoformat()},
                        ":one": {"N": "1"},
                        ":limit": {"N": str(limit)},
                    },
                    ReturnValues="UPDATED_NEW",
                )
        except _ConditionFailed:
            return 0
        return int(answer["Attributes"]["sweeps"]["N"])

    def release_sweep(self, reference: str) -> None:
        # "Swept long ago": the next sweep may count it again at once.
        self._update(reference, "SET swept_at = :long_ago ADD sweeps :minus_one", {},
                     {":long_ago": {"S": datetime.fromtimestamp(0, UTC).isoformat()},
                      ":minus_one": {"N": "-1"}})

    def stalled(self, received_before: datetime) -> list[str]:
        """References of inquiries received before the time and not yet fully delivered."""
        references: list[str] = []
        query = {
            "TableName": self._table,
            "IndexName": PENDING_INDEX,
            "KeyConditionExpression": "pending = :pending AND received_at < :before",
            "ExpressionAttributeValues": {
                ":pending": {"S": PENDING},
                ":before": {"S": received_before.isoformat()},
            },
            "ProjectionExpression": "pk",  # the index holds keys only
        }
        with _dynamodb_errors():
            for page in self._client.get_paginator("query").paginate(**query):  # type: ignore[arg-type]
                references.extend(
                    item["pk"]["S"].removeprefix(INQUIRY_PREFIX) for item in page["Items"]
                )
        return references

    def _update(
        self,
        reference: str,
        expression: str,
        names: dict[str, str],
        values: dict[str, AttributeValueTypeDef] | None = None,
    ) -> None:
        extra: dict[str, object] = {"ExpressionAttributeValues": values} if values else {}
        if names:
            extra["ExpressionAttributeNames"] = names
        try:
            with _dynamodb_errors():
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression=expression,
                    ConditionExpression="attribute_exists(pk)",
                    **extra,  # type: ignore[arg-type]
                )
        except _ConditionFailed as gone:
            raise StoreUnavailable(f"inquiry {reference} is gone") from gone


def _to_item(record: InquiryRecord) -> dict[str, AttributeValueTypeDef]:
    inquiry, recipient = record.inquiry, record.recipient
    strings = {
        "reference": record.reference,
        "received_at": record.received_at.astimezone(UTC).isoformat(),
        "email": inquiry.email,
        "topic": inquiry.topic,
        "message": inquiry.message,
        "name": inquiry.name,
        "language": inquiry.language,
        # The routing decision as one JSON attribute: nobody queries its parts, and
        # each attribute costs serialising time on every accepted inquiry.
        "routing": json.dumps({
            "contact_key": recipient.contact_key,
            "contact_name": recipient.name,
            "contact_email": recipient.email,
            "organisation": recipient.organisation,
            "staff_language": recipient.staff_language,
            "cc": list(recipient.cc),
            "speaks_resident_language": recipient.speaks_resident_language,
            "topic_labels": dict(record.topic_labels),
            "response_days": record.response_days,
            "next_steps": record.next_steps,
        }, ensure_ascii=False),
    }
    if record.consent_at is not None:  # only on the topics that ask for consent
        strings["consent_at"] = record.consent_at.astimezone(UTC).isoformat()
    item: dict[str, AttributeValueTypeDef] = {"pk": _key(record.reference)["pk"]}
    item.update({name: {"S": value} for name, value in strings.items()})
    return item


def _from_item(item: dict[str, AttributeValueTypeDef]) -> InquiryRecord:
    def text(name: str) -> str:
        return item[name]["S"]

    received_at = datetime.fromisoformat(text("received_at"))
    routing = json.loads(text("routing"))
    return InquiryRecord(
        reference=text("reference"),
        received_at=received_at,
        inquiry=Inquiry(
            email=text("email"),
            topic=text("topic"),
            message=text("message"),
            name=text("name"),
            language=text("language"),
            consent="consent_at" in item,
        ),
        recipient=Recipient(
            contact_key=routing["contact_key"],
            name=routing["contact_name"],
            email=routing["contact_email"],
            organisation=routing["organisation"],
            staff_language=routing["staff_language"],
            cc=tuple(routing["cc"]),
            # Items written before the flag existed: as the thank-you page then assumed.
            speaks_resident_language=routing.get("speaks_resident_language", True),
        ),
        topic_labels=routing["topic_labels"],
        response_days=routing["response_days"],
        next_steps=routing["next_steps"],
        retention_days=round(
            (int(item["expires_at"]["N"]) - received_at.timestamp()) / 86400
        ),
        sent=frozenset(kind for kind in EMAIL_KINDS if f"{kind}_sent_at" in item),
        failed=frozenset(kind for kind in EMAIL_KINDS if f"{kind}_failed_at" in item),
        confirmation=Confirmation(item["confirmation"]["S"]) if "confirmation" in item else None,
        consent_at=(datetime.fromisoformat(text("consent_at")) if "consent_at" in item
                    else None),
    )
