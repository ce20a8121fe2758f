"""Shared fixtures: one moto server for the session, reset for every test that uses AWS.

Tests talk to AWS only through boto3, pointed at moto in server mode, as `make run`
does. `delivered` drains the delivery queue through app.py's own SQS handler.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

import app
from chalicelib import aws_clients, wiring
from devstack import resources
from devstack.__main__ import STAGE, stage_environment
from devstack.outbox import SentEmail, sent_emails
from devstack.worker import LocalWorker

TEST_SECRET = "test-secret-not-used-anywhere-else"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Emulator:
    endpoint: str
    queue_url: str

    def sent(self) -> list[SentEmail]:
        return sent_emails(self.endpoint)

    def stored_inquiries(self) -> list[dict[str, Any]]:
        """The inquiry items of the table (not the rate limiter's counters)."""
        table = wiring.settings().table_name
        items = aws_clients.dynamodb().scan(TableName=table)["Items"]
        return [item for item in items if item["pk"]["S"].startswith("inquiry#")]

    def queued_messages(self) -> int:
        attributes = aws_clients.sqs().get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A clean emulator with the dev stage's table, queues and sender identity."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    environment = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ENDPOINT_URL": moto_endpoint,
        "FORM_TOKEN_SECRET": TEST_SECRET,
        "MIN_FILL_SECONDS": "0",
        **stage_environment(STAGE),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    wiring.reset()
    settings = wiring.settings()
    resources.ensure_table(aws_clients.dynamodb(), settings.table_name)
    # Visibility timeout 0: a failed message is visible again at once, so draining the
    # queue walks through every redelivery up to the dead-letter queue without waiting.
    queue_url = resources.ensure_queues(aws_clients.sqs(), settings.queue_name, 0)
    resources.ensure_sender(aws_clients.sesv2(), settings.sender_email)
    yield Emulator(moto_endpoint, queue_url)
    wiring.reset()


@pytest.fixture
def client(aws: Emulator) -> Iterator[Client]:
    with Client(app.app, stage_name=STAGE) as test_client:
        yield test_client


@pytest.fixture
def deliver_queued(aws: Emulator) -> Callable[[], int]:
    """Run the delivery handler over everything queued, as Lambda would; messages handled."""
    worker = LocalWorker(aws_clients.sqs(), aws.queue_url, app.deliver_inquiries,
                         app.sweep_stalled)

    def drain() -> int:
        handled = 0
        while received := worker.poll_once(wait_seconds=0):
            handled += received
        return handled

    return drain



Submit = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def submit_json(client: Client) -> Submit:
    """POST a JSON inquiry with a valid form token; (status, parsed body)."""

    def submit(
        fields: dict[str, object], language: str = "en", token: bool = True
    ) -> tuple[int, dict[str, Any]]:
        body = {"form_token": new_form_token(), **fields} if token else fields
        response = client.http.post(
            "/inquiries",
            headers={"Content-Type": "application/json", "Accept-Language": language},
            body=json.dumps(body),
        )
        return response.status_code, json.loads(response.body)

    return submit


def new_form_token() -> str:
    """A token as the form page carries it (MIN_FILL_SECONDS is 0 in tests)."""
    return wiring.form_tokens().issue(time.time())
