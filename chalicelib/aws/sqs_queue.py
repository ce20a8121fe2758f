"""The SQS queue between accepting an inquiry and sending its emails.

The message format (the reference only, no personal data) is core/delivery_message.py.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.delivery_message import delivery_message
from chalicelib.core.ports import QueueUnavailable

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SQSDeliveryQueue:
    def __init__(self, client: SQSClient, queue_name: str) -> None:
        self._client = client
        self._queue_name = queue_name

    def send(self, reference: str) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._queue_url, MessageBody=delivery_message(reference)
            )
        except (ClientError, BotoCoreError) as error:
            raise QueueUnavailable(str(error)) from error

    @functools.cached_property
    def _queue_url(self) -> str:
        # Looked up once per container; inside send() so a failure is a QueueUnavailable.
        return self._client.get_queue_url(QueueName=self._queue_name)["QueueUrl"]

