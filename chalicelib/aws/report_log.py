"""Which monthly reports went out, in the inquiry table: one item per month (`report#2026-11`).

The report's schedule runs every day; the first run on or after the first working day
of a month takes the month's lease, sends, and marks it sent. A run that crashed after
taking the lease leaves it to run out, so the next day's run sends the report then.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.ports import StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REPORT_PREFIX = "report#"


class DynamoDBReportLog:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def take(self, month: str, now: datetime, lease: timedelta) -> bool:
        try:
            self._client.update_item(
                TableName=self._table, Key=self._key(month),
                UpdateExpression="SET lease_until = :until",
                ConditionExpression=("attribute_not_exists(sent_at)"
                                     " AND (attribute_not_exists(lease_until)"
                                     " OR lease_until < :now)"),
                ExpressionAttributeValues={":until": {"N": str(int((now + lease).timestamp()))},
                                           ":now": {"N": str(int(now.timestamp()))}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise StoreUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StoreUnavailable(str(error)) from error
        return True

    def release(self, month: str) -> None:
        self._write(month, "REMOVE lease_until", {})

    def mark_sent(self, month: str, message_id: str, now: datetime) -> None:
        self._write(month, "SET sent_at = :now, message_id = :id REMOVE lease_until",
                    {":now": {"S": now.isoformat()}, ":id": {"S": message_id}})

    def _write(self, month: str, expression: str, values: dict[str, object]) -> None:
        extra = {"ExpressionAttributeValues": values} if values else {}
        try:
            self._client.update_item(TableName=self._table, Key=self._key(month),
                                     UpdateExpression=expression, **extra)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError) as error:
            raise StoreUnavailable(str(error)) from error

    @staticmethod
    def _key(month: str) -> dict[str, dict[str, str]]:
        return {"pk": {"S": f"{REPORT_PREFIX}{month}"}}
