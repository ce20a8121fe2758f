"""Inquiries in DynamoDB: the one durable write that decides acceptance, and the delivery marks.

Items are keyed `inquiry#<reference>`. Each carries a retention TTL (`expires_at`)
and, until both emails are sent, a `pending` attribute that puts it in a sparse
index the sweep reads. Expired items are never returned, even before DynamoDB's
TTL process removes them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.inquiry import Inquiry
from chalicelib.records import EMAIL_KINDS, InquiryRecord, Recipient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

PENDING_INDEX = "pending-by-received"
PENDING = "pending"


class StoreUnavailable(RuntimeError):
    """DynamoDB did not answer as expected; trying again later can help."""


class ReferenceTaken(RuntimeError):
    """Another inquiry already has this reference (astronomically rare)."""


class EmailInProgress(RuntimeError):
    """Another worker is sending this email right now; try again after its lease."""


INQUIRY_PREFIX = "inquiry#"


def _key(reference: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": f"{INQUIRY_PREFIX}{reference}"}}


class InquiryStore:
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
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ReferenceTaken(record.reference) from error
            raise StoreUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StoreUnavailable(str(error)) from error

    def get(self, reference: str, now: datetime) -> InquiryRecord | None:
        """The inquiry with this reference, or None if there is none or it has expired."""
        try:
            answer = self._client.get_item(
                TableName=self._table, Key=_key(reference), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as error:
            raise StoreUnavailable(str(error)) from error
        item = answer.get("Item")
        if item is None or int(item["expires_at"]["N"]) <= now.timestamp():
            return None
        return _from_item(item)

    def claim_email(self, reference: str, kind: str, now: datetime, lease: timedelta) -> bool:
        """Take the right to send one email: False if it was sent already.

        The lease stops two workers that got the same message from sending the same
        email at the same time; a crashed worker's lease simply runs out.
        """
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(reference),
                UpdateExpression="SET #lease = :until",
                ConditionExpression=(
                    "attribute_exists(pk) AND attribute_not_exists(#sent)"
                    " AND (attribute_not_exists(#lease) OR #lease < :now)"
                ),
                ExpressionAttributeNames={"#sent": f"{kind}_sent_at", "#lease": f"{kind}_lease"},
                ExpressionAttributeValues={
                    ":until": {"N": str(int((now + lease).timestamp()))},
                    ":now": {"N": str(int(now.timestamp()))},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise StoreUnavailable(str(error)) from error
            record = self.get(reference, now)
            if record is None or kind in record.sent:
                return False
            raise EmailInProgress(f"{reference} {kind}") from error
        except BotoCoreError as error:
            raise StoreUnavailable(str(error)) from error
        return True

    def release_email(self, reference: str, kind: str) -> None:
        """Give up a claim after a send that certainly failed, so a retry need not wait."""
        self._update(reference, "REMOVE #lease", {"#lease": f"{kind}_lease"})

    def mark_sent(self, reference: str, kind: str, message_id: str, now: datetime) -> None:
        self._update(
            reference,
            "SET #sent = :at, #id = :id REMOVE #lease",
            {"#sent": f"{kind}_sent_at", "#id": f"{kind}_message_id", "#lease": f"{kind}_lease"},
            {":at": {"S": now.isoformat()}, ":id": {"S": message_id}},
        )

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
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return 0
            raise StoreUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StoreUnavailable(str(error)) from error
        return int(answer["Attributes"]["sweeps"]["N"])

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
        try:
            for page in self._client.get_paginator("query").paginate(**query):  # type: ignore[arg-type]
                references.extend(
                    item["pk"]["S"].removeprefix(INQUIRY_PREFIX) for item in page["Items"]
                )
        except (ClientError, BotoCoreError) as error:
            raise StoreUnavailable(str(error)) from error
        return references

    def _update(
        self,
        reference: str,
        expression: str,
        names: dict[str, str],
        values: dict[str, AttributeValueTypeDef] | None = None,
    ) -> None:
        extra = {"ExpressionAttributeValues": values} if values else {}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(reference),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                **extra,  # type: ignore[arg-type]
            )
        except (ClientError, BotoCoreError) as error:
            raise StoreUnavailable(str(error)) from error


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
            "topic_labels": dict(record.topic_labels),
            "response_days": record.response_days,
            "next_steps": record.next_steps,
        }, ensure_ascii=False),
    }
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
        ),
        recipient=Recipient(
            contact_key=routing["contact_key"],
            name=routing["contact_name"],
            email=routing["contact_email"],
            organisation=routing["organisation"],
            staff_language=routing["staff_language"],
            cc=tuple(routing["cc"]),
        ),
        topic_labels=routing["topic_labels"],
        response_days=routing["response_days"],
        next_steps=routing["next_steps"],
        retention_days=round(
            (int(item["expires_at"]["N"]) - received_at.timestamp()) / 86400
        ),
        sent=frozenset(kind for kind in EMAIL_KINDS if f"{kind}_sent_at" in item),
    )
