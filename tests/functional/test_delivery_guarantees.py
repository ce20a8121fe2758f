"""Nothing lost, nothing twice: every fault injected here would break a promise if the
code did not keep it. AWS is moto; faults are injected in front of it (FaultySES) or by
pointing the code at a resource that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

import app
from chalicelib import aws_clients, wiring
from chalicelib.mailer import Mailer
from chalicelib.service import MAX_SWEEPS
from chalicelib.settings import DELIVERY_QUEUE
from devstack.resources import dead_letter_queue_name
from devstack.worker import LocalWorker
from tests.conftest import Emulator, Submit, new_form_token

RESIDENT = "resident@example.org"
CONTACT = "info@integration-flensburg.de"  # education goes to the association
INQUIRY = {"email": RESIDENT, "topic": "education", "message": "Gibt es einen Kita-Platz?"}


class WorkerCrashed(BaseException):
    """The Lambda process dies: not an error the handler could catch and report."""


def ses_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, "SendEmail")


class FaultySES:
    """The emulator's SES behind a plan: each send takes the next fault (None: send)."""

    def __init__(self, faults: list[BaseException | None]) -> None:
        self.real = aws_clients.sesv2()
        self.faults = faults

    def send_email(self, **request: Any) -> Any:
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            raise fault
        return self.real.send_email(**request)


@pytest.fixture
def ses_faults(aws: Emulator) -> Iterator[Callable[[list[BaseException | None]], None]]:
    def plan(faults: list[BaseException | None]) -> None:
        wiring.services().delivery.mailer = Mailer(FaultySES(faults), None)  # type: ignore[arg-type]

    yield plan


def later(minutes: float) -> Callable[[], datetime]:
    return lambda: wiring.utc_now() + timedelta(minutes=minutes)


def recipients(aws: Emulator) -> list[str]:
    return sorted(email.recipients[0] for email in aws.sent())


def dead_letters() -> int:
    sqs = aws_clients.sqs()
    url = sqs.get_queue_url(QueueName=dead_letter_queue_name(DELIVERY_QUEUE))["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def deliver_queued_once(aws: Emulator) -> int:
    """One poll of the queue, as one Lambda invocation."""
    worker = LocalWorker(aws_clients.sqs(), aws.queue_url, app.deliver_inquiries,
                         app.sweep_stalled)
    return worker.poll_once(wait_seconds=0)


# ------------------------------------------------------------------ accepting


def test_when_the_dynamodb_write_fails_the_answer_is_a_translated_503_and_nothing_is_queued(
    submit_json: Submit, aws: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INQUIRY_TABLE", "a-table-that-does-not-exist")
    wiring.reset()

    status, answer = submit_json(INQUIRY, language="de")

    assert status == 503
    assert answer["error"].startswith("Wir konnten Ihre Anfrage gerade nicht speichern.")
    monkeypatch.setenv("INQUIRY_TABLE", "wegweiser-inquiries")
    wiring.reset()
    assert aws.stored_inquiries() == []
    assert aws.queued_messages() == 0


def test_a_form_that_cannot_be_stored_comes_back_with_the_residents_text(
    client: Client, aws: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INQUIRY_TABLE", "a-table-that-does-not-exist")
    wiring.reset()
    body = urlencode({**INQUIRY, "language": "en", "form_token": new_form_token()})

    response = client.http.post(
        "/inquiries", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=body)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    html = response.body.decode()
    assert "Nothing was sent" in html
    assert "Gibt es einen Kita-Platz?</textarea>" in html


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
    sweep.clock = later(11)
    assert sweep.requeue_stalled() == 1

    deliver_queued()
    assert recipients(aws) == [CONTACT, RESIDENT]
    sweep.clock = later(30)
    assert sweep.requeue_stalled() == 0, "a delivered inquiry is off the sweep's list"


def test_the_same_form_sent_twice_is_one_inquiry_with_one_reference(
    client: Client, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    body = urlencode({**INQUIRY, "language": "de", "form_token": new_form_token()})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    first = client.http.post("/inquiries", headers=headers, body=body)
    second = client.http.post("/inquiries", headers=headers, body=body)  # a double click

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(aws.stored_inquiries()) == 1
    deliver_queued()
    assert recipients(aws) == [CONTACT, RESIDENT]


def test_a_form_token_used_for_another_text_is_refused(submit_json: Submit, aws: Emulator) -> None:
    token = new_form_token()
    status, _ = submit_json({**INQUIRY, "form_token": token})
    assert status == 201

    status, answer = submit_json({**INQUIRY, "message": "Etwas anderes", "form_token": token})

    assert status == 422
    assert list(answer["errors"]) == ["form_token"]
    assert len(aws.stored_inquiries()) == 1


# ------------------------------------------------------------------ delivering


@pytest.mark.parametrize("code", ["Throttling", "TooManyRequestsException"])
def test_throttled_emails_are_redelivered_and_sent_later_once_each(
    code: str, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    ses_faults: Callable[[list[BaseException | None]], None],
) -> None:
    submit_json(INQUIRY)
    ses_faults([ses_error(code), ses_error(code)])

    received = deliver_queued()

    assert received == 3, "two throttled tries returned the message to the queue"
    assert recipients(aws) == [CONTACT, RESIDENT]
    assert dead_letters() == 0


def test_an_email_ses_rejects_ends_in_the_dead_letter_queue_with_an_alarm(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    ses_faults: Callable[[list[BaseException | None]], None], caplog: pytest.LogCaptureFixture,
) -> None:
    submit_json(INQUIRY)
    ses_faults([ses_error("MessageRejected")] * 10)

    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        received = deliver_queued()

    assert received == 5, "received five times, then moved: never an endless loop"
    assert aws.queued_messages() == 0
    assert dead_letters() == 1
    assert aws.sent() == []
    assert any(r.message.startswith("ALARM") and "MessageRejected" in r.message
               for r in caplog.records)


def test_the_sweep_gives_up_on_an_inquiry_after_a_bounded_number_of_tries(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    ses_faults: Callable[[list[BaseException | None]], None], caplog: pytest.LogCaptureFixture,
) -> None:
    submit_json(INQUIRY)
    ses_faults([ses_error("MessageRejected")] * 100)
    deliver_queued()
    sweep = wiring.services().sweep

    queued = []
    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        for minutes in range(11, 200, 11):
            sweep.clock = later(minutes)
            queued.append(sweep.requeue_stalled())
            deliver_queued()

    assert sum(queued) == MAX_SWEEPS
    assert any("for the last time" in r.message for r in caplog.records)


@pytest.mark.parametrize("code", ["SendingPausedException", "AccountSuspendedException"])
def test_while_sending_is_paused_messages_are_kept_with_an_alarm_and_sent_when_it_resumes(
    code: str, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    ses_faults: Callable[[list[BaseException | None]], None], caplog: pytest.LogCaptureFixture,
) -> None:
    submit_json(INQUIRY)
    ses_faults([ses_error(code)])

    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        first_try = deliver_queued_once(aws)

    assert first_try == 1
    assert aws.sent() == []
    assert aws.queued_messages() == 1, "the message is kept"
    assert any(r.message.startswith("ALARM") and code in r.message for r in caplog.records)

    deliver_queued()  # sending resumed
    assert recipients(aws) == [CONTACT, RESIDENT]


def test_a_worker_that_dies_after_the_first_email_sends_only_the_second_on_redelivery(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    ses_faults: Callable[[list[BaseException | None]], None],
) -> None:
    submit_json(INQUIRY)
    ses_faults([None, WorkerCrashed()])  # the staff email goes out, then the process dies

    with pytest.raises(WorkerCrashed):
        deliver_queued()
    assert recipients(aws) == [CONTACT]

    # After the visibility timeout the message comes back, and the crashed worker's
    # claim on the resident's email has run out.
    wiring.services().delivery.clock = later(5)
    deliver_queued()

    assert recipients(aws) == [CONTACT, RESIDENT]


def test_the_same_sqs_message_delivered_twice_sends_one_email_to_each(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, answer = submit_json(INQUIRY)
    assert status == 201
    wiring.services().intake.queue.send(answer["reference"])  # SQS delivers at least once

    assert deliver_queued() == 2
    assert recipients(aws) == [CONTACT, RESIDENT]
