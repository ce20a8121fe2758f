"""The SQS side of delivery: one batch of messages in, the failed ones reported back.

Lambda's ReportBatchItemFailures returns only the failed messages to the queue;
after the queue's maxReceiveCount a message moves to the dead-letter queue, so an
email SES refuses for good ends there (and in an alarm) instead of looping.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chalicelib.service import Delivery

log = logging.getLogger("wegweiser")


class SQSRecordLike(Protocol):
    body: str

    def to_dict(self) -> dict[str, Any]: ...


def delivery_message(reference: str) -> str:
    return json.dumps({"reference": reference})


def reference_of(message_body: str) -> str:
    """The reference a delivery message names; ValueError for anything else."""
    body = json.loads(message_body)
    reference = body.get("reference") if isinstance(body, dict) else None
    if not isinstance(reference, str) or not reference:
        raise ValueError("not a delivery message")
    return reference


def deliver_batch(records: Iterable[SQSRecordLike], delivery: Delivery) -> dict[str, Any]:
    failures = []
    for record in records:
        message_id = record.to_dict()["messageId"]
        try:
            delivery.deliver(reference_of(record.body))
        except Exception as error:
            # Back to the queue: tried again after the visibility timeout, and moved to
            # the dead-letter queue after maxReceiveCount tries.
            log.warning("message %s returned to the queue: %s", message_id, type(error).__name__)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
