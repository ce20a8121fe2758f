"""The local stand-in for Lambda's SQS trigger and schedule: poll, call the same handlers.

It builds the event Lambda would build, calls app.py's handler, deletes the messages
that succeeded and leaves the failed ones to come back after the visibility timeout,
exactly as Lambda with ReportBatchItemFailures does. It also runs the schedules: the
sweep and the clock (reminders and escalations).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

log = logging.getLogger("wegweiser.devstack")

Handler = Callable[[dict[str, Any], Any], Any]


def lambda_sqs_event(messages: list[MessageTypeDef], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
            for message in messages
        ]
    }


def utc_now() -> datetime:
    return datetime.now(UTC)


def scheduled_event(now: datetime | None = None) -> dict[str, Any]:
    """EventBridge's event for a schedule; `time` on the dev stack's clock when given."""
    return {
        "version": "0", "id": "local", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "000000000000",
        "time": (now or utc_now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-central-1", "resources": [], "detail": {},
    }


class LocalWorker:
    def __init__(
        self,
        client: SQSClient,
        queue_url: str,
        deliver: Handler,
        sweep: Handler,
        sweep_every: float = 60.0,
        threads: int = 1,
        clock: Handler | None = None,
        now: Callable[[], datetime] = utc_now,
        report: Handler | None = None,
    ) -> None:
        self._client = client
        self._queue_url = queue_url
        self._queue_arn = client.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self._deliver = deliver
        self._sweep = sweep
        self._clock = clock
        self._report = report
        self._now = now  # the schedules' event time: the dev stack's clock in `make run`
        self._sweep_every = sweep_every
        self._stop = threading.Event()
        # Lambda runs several workers side by side; so can the local one.
        self._threads = [
            threading.Thread(target=self._run, args=(n == 0,), name=f"local-worker-{n}",
                             daemon=True)
            for n in range(threads)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Receive up to ten messages and hand them to the handler; how many arrived."""
        messages = self._client.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        result = self._deliver(lambda_sqs_event(messages, self._queue_arn), None)
        failed = {failure["itemIdentifier"] for failure in result["batchItemFailures"]}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._client.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                         for i, m in enumerate(done)],
            )
        return len(messages)

    def run_schedules(self) -> None:
        """Run each scheduled handler once, as EventBridge would."""
        self._sweep(scheduled_event(self._now()), None)
        if self._clock is not None:
            self._clock(scheduled_event(self._now()), None)
        if self._report is not None:
            self._report(scheduled_event(self._now()), None)

    def queue_is_empty(self) -> bool:
        """No message waiting, delayed or being handled (received, not yet deleted)."""
        attributes = self._client.get_queue_attributes(
            QueueUrl=self._queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                            "ApproximateNumberOfMessagesDelayed"],
        )["Attributes"]
        return all(int(value) == 0 for value in attributes.values())

    def _run(self, sweeps: bool) -> None:
        next_sweep = time.monotonic() + self._sweep_every
        while not self._stop.is_set():
            try:
                self.poll_once()
                if sweeps and time.monotonic() >= next_sweep:
                    self.run_schedules()
                    next_sweep = time.monotonic() + self._sweep_every
            except Exception:  # the loop must outlive a bad poll, as Lambda would
                log.exception("local worker: poll failed")
                self._stop.wait(1)
