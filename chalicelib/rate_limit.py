"""A per-client limit on submissions, kept in DynamoDB without keeping the client's address.

The address is reduced to an HMAC with the stage's secret (a salt that is never stored
next to the data) before it is used as a key; the counter item expires by TTL after
its hour. When DynamoDB cannot be asked, the limit lets the request through: refusing
a resident because the limiter is down would be worse than a few extra bot requests,
which the honeypot and the form token still stop.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("wegweiser")

WINDOW_SECONDS = 3600


class RateLimiter:
    def __init__(
        self, client: DynamoDBClient, table_name: str, secret: bytes, per_hour: int
    ) -> None:
        self._client = client
        self._table = table_name
        self._secret = secret
        self._per_hour = per_hour

    def retry_after(self, client_address: str, now: datetime) -> int | None:
        """Count one submission; None if it may go ahead, else seconds until it may."""
        if self._per_hour <= 0:  # 0 switches the limit off
            return None
        window = int(now.timestamp()) // WINDOW_SECONDS
        window_end = (window + 1) * WINDOW_SECONDS
        client = hmac.new(self._secret, f"rate:{client_address}".encode(), hashlib.sha256)
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"rate#{client.hexdigest()[:32]}#{window}"}},
                UpdateExpression="ADD hits :one SET expires_at = if_not_exists(expires_at, :end)",
                ExpressionAttributeValues={":one": {"N": "1"}, ":end": {"N": str(window_end)}},
                ReturnValues="UPDATED_NEW",
            )
        except (ClientError, BotoCoreError) as error:
            log.warning("rate limit not checked: %s", type(error).__name__)
            return None
        hits = int(answer["Attributes"]["hits"]["N"])
        if hits <= self._per_hour:
            return None
        return max(1, window_end - int(now.timestamp()))
