"""The AWS emulator as the tests see it: what was stored, queued and sent, and the
services app.py serves with while a test runs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib import wiring
from chalicelib.aws import clients as aws_clients
from chalicelib.settings import Settings
from devstack.__main__ import STAGE, stage_environment
from devstack.outbox import SentEmail, sent_emails
from tests.support.clock import MovableClock

TEST_SECRET = "test-secret-not-used-anywhere-else"


def settings_for_tests(**overrides: str) -> Settings:
    """The dev stage's settings as the tests run it (MIN_FILL_SECONDS 0), with overrides
    named as their environment variables: settings_for_tests(INQUIRY_TABLE="…")."""
    return Settings.from_environ({
        "AWS_ENDPOINT_URL": "emulator",  # the dev stage talks only to an emulator
        "FORM_TOKEN_SECRET": TEST_SECRET,
        "MIN_FILL_SECONDS": "0",
        **stage_environment(STAGE),
        **overrides,
    })


@dataclass
class Emulator:
    endpoint: str
    queue_url: str
    clock: MovableClock
    stack: ExitStack
    services: wiring.Services = field(init=False)

    def serve(self, settings: Settings | None = None, **given: Any) -> wiring.Services:
        """Let app.py serve with these settings and adapters until the test ends; the
        clock is always this emulator's, so tests move time with `clock.advance`."""
        self.services = wiring.Services(settings or settings_for_tests(), clock=self.clock, **given)
        self.stack.enter_context(wiring.serving(self.services))
        return self.services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def form_token(self) -> str:
        """A token as the form page carries it (MIN_FILL_SECONDS is 0 in tests)."""
        return self.services.new_form_token()

    def sent(self) -> list[SentEmail]:
        return sent_emails(self.endpoint)

    def items(self) -> list[dict[str, Any]]:
        return aws_clients.dynamodb().scan(TableName=self.settings.table_name)["Items"]

    def stored_inquiries(self) -> list[dict[str, Any]]:
        """The inquiry items of the table (not the rate limiter's counters)."""
        return [item for item in self.items() if item["pk"]["S"].startswith("inquiry#")]

    def queued_messages(self) -> int:
        attributes = aws_clients.sqs().get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())


Submit = Callable[..., tuple[int, dict[str, Any]]]


def move_to(aws: Emulator, moment: datetime) -> None:
    """Move the emulated stage's clock forward to `moment`."""
    aws.clock.advance(seconds=(moment - aws.clock()).total_seconds())


def run_the_clock() -> None:
    """The clock's schedule, as EventBridge invokes it."""
    import app
    from devstack.worker import scheduled_event

    app.remind_and_escalate(scheduled_event(), None)
