"""What accepting means: stored before any 2xx, delivered later whatever SQS and SES do."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from chalicelib import aws_clients, wiring
from chalicelib.settings import DELIVERY_QUEUE
from devstack.resources import dead_letter_queue_name
from tests.conftest import Emulator, Submit

INQUIRY = {"email": "resident@example.org", "topic": "education", "message": "Kita-Platz?"}


def test_when_dynamodb_fails_the_answer_is_503_and_nothing_is_queued(
    submit_json: Submit, aws: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INQUIRY_TABLE", "a-table-that-does-not-exist")
    wiring.reset()

    status, answer = submit_json(INQUIRY)

    assert status == 503
    assert "try again" in answer["error"]
    assert aws.queued_messages() == 0


def test_when_sqs_fails_after_the_write_the_sweep_queues_the_inquiry_and_both_emails_arrive(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELIVERY_QUEUE_NAME", "a-queue-that-does-not-exist")
    wiring.reset()
    status, _ = submit_json(INQUIRY)
    assert status == 201, "stored is accepted, even if the queue is down"
    assert aws.queued_messages() == 0

    monkeypatch.setenv("DELIVERY_QUEUE_NAME", DELIVERY_QUEUE)
    wiring.reset()
    sweep = wiring.services().sweep
    assert sweep.requeue_stalled() == 0, "not within the grace period"
    later = dataclasses.replace(sweep, clock=lambda: wiring.utc_now() + timedelta(minutes=11))
    assert later.requeue_stalled() == 1

    deliver_queued()
    assert sorted(e.recipients[0] for e in aws.sent()) == [
        "info@integration-flensburg.de", "resident@example.org"]
    assert later.requeue_stalled() == 0, "a delivered inquiry is off the sweep's list"


def test_an_email_ses_refuses_ends_in_the_dead_letter_queue_with_an_alarm(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, _ = submit_json(INQUIRY)
    assert status == 201
    # Without a verified sender SES answers MessageRejected, whatever the message.
    aws_clients.sesv2().delete_email_identity(EmailIdentity=wiring.settings().sender_email)

    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        handled = deliver_queued()

    assert handled == 5, "received five times, then moved, never an endless loop"
    assert aws.queued_messages() == 0
    sqs = aws_clients.sqs()
    dead_letters = sqs.get_queue_url(QueueName=dead_letter_queue_name(DELIVERY_QUEUE))
    attributes = sqs.get_queue_attributes(
        QueueUrl=dead_letters["QueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"
    assert aws.sent() == []
    assert any(record.message.startswith("ALARM") for record in caplog.records)


def test_a_worker_that_died_after_the_first_email_sends_only_the_second_on_redelivery(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, answer = submit_json(INQUIRY)
    assert status == 201
    reference = answer["reference"]
    services = wiring.services()
    # The first worker sent the staff email and died before the resident's.
    record = services.store.get(reference, wiring.utc_now())
    assert record is not None
    from chalicelib.emails import build_email

    outgoing = build_email("staff", record, services.delivery.sender)
    assert services.store.claim_email(reference, "staff", wiring.utc_now(), timedelta(0))
    message_id = services.delivery.mailer.send(outgoing.message, to=outgoing.to)
    services.store.mark_sent(reference, "staff", message_id, wiring.utc_now())

    deliver_queued()

    recipients = [e.recipients[0] for e in aws.sent()]
    assert sorted(recipients) == ["info@integration-flensburg.de", "resident@example.org"]
