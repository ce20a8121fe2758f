"""Atomic, self-expiring counters in the inquiry table (rate limits, SES feedback counts)."""

from __future__ import annotations

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
