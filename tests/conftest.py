"""Shared fixtures: one moto server for the session, reset for every test that uses AWS.

Tests talk to AWS only through boto3, pointed at moto in server mode, as `make run`
does. app.py serves with the services `aws` builds (tests/support/emulator.py);
a test that needs other adapters or settings passes them to `aws.serve`.
`deliver_queued` drains the delivery queue through app.py's own SQS handler.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from chalice.test import Client

import app
from chalicelib.aws import clients as aws_clients
from devstack import resources
from devstack.__main__ import STAGE
from devstack.worker import LocalWorker
from tests.support.clock import MovableClock
from tests.support.emulator import Emulator, Submit

# What boto3 reads from the environment to reach the emulator (not the app's settings,
# which the tests build and pass).
BOTO3_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
}


@pytest.fixture(scope="session", autouse=True)
def logs_reach_caplog() -> None:
    """app.py writes Wegweiser's records as JSON lines and stops them at its own logger;
    pytest's caplog listens at the root, so in tests they go on there too."""
    logging.getLogger("wegweiser").propagate = True


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    before = dict(os.environ)
    os.environ.update({**BOTO3_ENVIRONMENT, "AWS_ENDPOINT_URL": endpoint})
    yield endpoint
    os.environ.clear()
    os.environ.update(before)
    server.stop()


@pytest.fixture
def aws(moto_endpoint: str) -> Iterator[Emulator]:
    """A clean emulator with the dev stage's table, queues and sender identity."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    with ExitStack() as stack:
        emulator = Emulator(moto_endpoint, "", MovableClock(), stack)
        settings = emulator.serve().settings
        resources.ensure_table(aws_clients.dynamodb(), settings.table_name)
        # Visibility timeout 0: a failed message is visible again at once, so draining the
        # queue walks through every redelivery up to the dead-letter queue without waiting.
        emulator.queue_url = resources.ensure_queues(aws_clients.sqs(), settings.queue_name, 0)
        resources.ensure_sender(aws_clients.sesv2(), settings.sender_email)
        yield emulator


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


@pytest.fixture
def submit_json(client: Client, aws: Emulator) -> Submit:
    """POST a JSON inquiry with a valid form token; (status, parsed body)."""

    def submit(
        fields: dict[str, object], language: str = "en", token: bool = True
    ) -> tuple[int, dict[str, object]]:
        body = {"form_token": aws.form_token(), **fields} if token else fields
        response = client.http.post(
            "/inquiries",
            headers={"Content-Type": "application/json", "Accept-Language": language},
            body=json.dumps(body),
        )
        return response.status_code, json.loads(response.body)

    return submit
