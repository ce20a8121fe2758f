"""The AWS of the bench: the environment the app runs in, and a moto server that logs calls.

The cold processes, ours and the floor's, talk to one moto server on loopback over
HTTP, as the app talks to AWS from Lambda. The server logs the operation of every
request it answers, so the bench can check that the floor makes exactly the AWS
calls ours makes: if they differed, the ratio would compare different work.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devstack.__main__ import REGION, STAGE, stage_environment

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

# Never contacted: where no emulator runs, every AWS call is answered by a Stubber.
UNREACHABLE_ENDPOINT = "http://127.0.0.1:9"


def aws_environment(endpoint: str) -> dict[str, str]:
    """The dev stage's Lambda environment, pointed at `endpoint`, with no limit to hit."""
    return {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "FORM_TOKEN_SECRET": f"bench-{secrets.token_urlsafe(16)}",
        "MIN_FILL_SECONDS": "0",
        # Large, not 0: the limiter's update_item is part of every POST's work.
        "RATE_LIMIT_PER_HOUR": "1000000",
        # Likewise: every run confirms the same bench address, and each confirmation counts.
        "CONFIRMATIONS_PER_DAY": "1000000",
        **stage_environment(STAGE),
    }


@dataclass
class CallLog:
    """A WSGI middleware that notes the AWS operation of each request it passes on."""

    app: WSGIApplication
    calls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.note(operation(environ))
        return self.app(environ, start_response)

    def note(self, call: str) -> None:
        with self._lock:
            self.calls.append(call)

    def since(self, mark: int) -> tuple[str, ...]:
        """The calls after the first `mark` ones, sorted (their order is the app's business)."""
        with self._lock:
            return tuple(sorted(self.calls[mark:]))


def operation(environ: WSGIEnvironment) -> str:
    """DynamoDB and SQS name it in X-Amz-Target; SES v2 is REST: method and path."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rpartition(".")[2]
    return f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    log: CallLog

    def sent_emails(self) -> int:
        from devstack.outbox import sent_emails

        return len(sent_emails(self.endpoint))


@contextmanager
def moto_server() -> Iterator[Emulator]:
    """One moto server on 127.0.0.1 with a CallLog in front; stopped at the end."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    wsgi_server = server._server  # moto 5.2.5 (pinned) keeps its werkzeug server here
    assert wsgi_server is not None
    log = CallLog(wsgi_server.app)
    wsgi_server.app = log
    host, port = server.get_host_and_port()
    try:
        yield Emulator(f"http://{host}:{port}", log)
    finally:
        server.stop()


def create_resources() -> None:
    """The dev stage's table, queues and sender identity, as tests/conftest.py creates them."""
    from chalicelib import wiring
    from chalicelib.aws import clients as aws_clients
    from devstack import resources

    settings = wiring.services().settings
    resources.ensure_table(aws_clients.dynamodb(), settings.table_name)
    resources.ensure_queues(aws_clients.sqs(), settings.queue_name, 30)
    resources.ensure_sender(aws_clients.sesv2(), settings.sender_email)
