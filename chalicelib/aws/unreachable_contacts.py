"""Contacts whose address bounced for good, in one item of the inquiry table.

One item (`contacts#unreachable`) holds an attribute per contact key with the end of
its unreachable time (Unix seconds): the intake reads it with one GetItem per
inquiry, whatever the number of contacts. The item's TTL is the latest end (every
mark lasts as long, so the newest ends last); an ended entry is ignored on reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.ports import CounterUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ITEM_KEY = "contacts#unreachable"
PREFIX = "contact:"  # attribute names: never `pk` or `expires_at`, whatever the key


class DynamoDBUnreachableContacts:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def mark(self, contact_key: str, until: datetime) -> None:
        end = str(int(until.timestamp()))
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": ITEM_KEY}},
                UpdateExpression="SET #contact = :end, expires_at = :end",
                ExpressionAttributeNames={"#contact": f"{PREFIX}{contact_key}"},
                ExpressionAttributeValues={":end": {"N": end}},
            )
        except (ClientError, BotoCoreError) as error:
            raise CounterUnavailable(type(error).__name__) from error

    def until(self, now: datetime) -> Mapping[str, datetime]:
        try:
            answer = self._client.get_item(TableName=self._table, Key={"pk": {"S": ITEM_KEY}})
        except (ClientError, BotoCoreError) as error:
            raise CounterUnavailable(type(error).__name__) from error
        ends = {name.removeprefix(PREFIX): int(value["N"])
                for name, value in answer.get("Item", {}).items()
                if name.startswith(PREFIX) and "N" in value}
        return {key: datetime.fromtimestamp(end, UTC) for key, end in ends.items()
                if end > now.timestamp()}
