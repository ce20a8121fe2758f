"""Atomic, self-expiring counters in the inquiry table (rate limits, SES feedback counts)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.ports import CounterUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBCounter:
    """One item per counter key; `expires_at` is the table's TTL attribute."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, key: str, field: str, expires_at: int) -> int:
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": key}},
                UpdateExpression="ADD #field :one SET expires_at = :end",
                ExpressionAttributeNames={"#field": field},
                ExpressionAttributeValues={":one": {"N": "1"}, ":end": {"N": str(expires_at)}},
                ReturnValues="UPDATED_NEW",
            )
        except (ClientError, BotoCoreError) as error:
            raise CounterUnavailable(type(error).__name__) from error
        return int(answer["Attributes"][field]["N"])

    def read(self, key: str, now: datetime) -> Mapping[str, int]:
        try:
            answer = self._client.get_item(TableName=self._table, Key={"pk": {"S": key}},
                                           ConsistentRead=True)
        except (ClientError, BotoCoreError) as error:
            raise CounterUnavailable(type(error).__name__) from error
        item = answer.get("Item")
        # DynamoDB's TTL removes expired items within days, not at once.
        if item is None or int(item.get("expires_at", {}).get("N", "0")) <= now.timestamp():
            return {}
        return {name: int(value["N"]) for name, value in item.items()
                if name not in ("pk", "expires_at") and "N" in value}
