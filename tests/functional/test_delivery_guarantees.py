"""Nothing lost, nothing twice: every fault injected here would break a promise if the
code did not keep it. AWS is moto; faults are injected in front of it (FaultySES) or by
pointing the code at a resource that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

import app
from chalicelib.aws import clients as aws_clients
from chalicelib.aws.ses_mailer import SESMailer
from chalicelib.core.sweep import MAX_SWEEPS
from chalicelib.settings import DELIVERY_QUEUE
from devstack.resources import dead_letter_queue_name
from devstack.worker import LocalWorker
from tests.support.emulator import Emulator, Submit, settings_for_tests

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
def ses_faults(aws: Emulator) -> Callable[[list[BaseException | None]], None]:
    """Serve with a mailer whose SES client fails as planned."""

    def plan(faults: list[BaseException | None]) -> None:
        aws.serve(mailer=SESMailer(FaultySES(faults), None))  # type: ignore[arg-type]

    return plan


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
    submit_json: Submit, aws: Emulator
) -> None:
    working = aws.settings
    aws.serve(settings_for_tests(INQUIRY_TABLE="a-table-that-does-not-exist"))

    status, answer = submit_json(INQUIRY, language="de")

    assert status == 503
    assert answer["error"].startswith("Wir konnten Ihre Anfrage gerade nicht speichern.")
    aws.serve(working)
    assert aws.stored_inquiries() == []
    assert aws.queued_messages() == 0


def test_a_form_that_cannot_be_stored_comes_back_with_the_residents_text(
    client: Client, aws: Emulator
) -> None:
    aws.serve(settings_for_tests(INQUIRY_TABLE="a-table-that-does-not-exist"))
    body = urlencode({**INQUIRY, "language": "en", "form_token": aws.form_token()})

    response = client.http.post(
        "/inquiries", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=body)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    html = response.body.decode()
    assert "Nothing was sent" in html
    assert "Gibt es einen Kita-Platz?</textarea>" in html


def test_when_sqs_fails_after_the_write_the_sweep_queues_the_inquiry_and_both_emails_arrive(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
) -> None:
    working = aws.settings
    aws.serve(settings_for_tests(DELIVERY_QUEUE_NAME="a-queue-that-does-not-exist"))
    status, _ = submit_json(INQUIRY)
    assert status == 201, "stored is accepted, even if the queue is down"
    assert aws.queued_messages() == 0

    sweep = aws.serve(working).sweep
    assert sweep.requeue_stalled() == 0, "not within the grace period"
    aws.clock.advance(minutes=11)
    assert sweep.requeue_stalled() == 1

    deliver_queued()
    assert recipients(aws) == [CONTACT, RESIDENT]
    aws.clock.advance(minutes=19)
    assert sweep.requeue_stalled() == 0, "a delivered inquiry is off the sweep's list"


def test_the_same_form_sent_twice_is_one_inquiry_with_one_reference(
    client: Client, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    body = urlencode({**INQUIRY, "language": "de", "form_token": aws.form_token()})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    first = client.http.post("/inquiries", headers=headers, body=body)
    second = client.http.post("/inquiries", headers=headers, body=body)  # a double click

    assert first.status_code == second.status_code == 303
    # The same thank-you page (its token may be issued in the next second: not compared).
    assert (urlsplit(first.headers["Location"]).path
            == urlsplit(second.headers["Location"]).path)
    assert len(aws.stored_inquiries()) == 1
    deliver_queued()
    assert recipients(aws) == [CONTACT, RESIDENT]


def test_a_form_token_used_for_another_text_is_refused(submit_json: Submit, aws: Emulator) -> None:
    token = aws.form_token()
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


def test_an_email_ses_refuses_for_good_is_recorded_failed_with_an_alarm_at_once_not_retried(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    ses_faults: Callable[[list[BaseException | None]], None], caplog: pytest.LogCaptureFixture,
) -> None:
    submit_json(INQUIRY)
    ses_faults([ses_error("MessageRejected"), None])  # the staff email refused, then fine

    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        received = deliver_queued()

    assert received == 1, "received once: retrying cannot help, so it does not come back"
    assert aws.queued_messages() == 0
    assert dead_letters() == 0
    assert recipients(aws) == [RESIDENT], "the other email still goes out"
    (item,) = aws.stored_inquiries()
    assert item["staff_failure"]["S"] == "MessageRejected"
    assert "staff_failed_at" in item and "pending" not in item
    assert any(r.message.startswith("ALARM") and "MessageRejected" in r.message
               for r in caplog.records)


def test_an_email_that_keeps_failing_for_other_reasons_ends_in_the_dead_letter_queue(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    ses_faults: Callable[[list[BaseException | None]], None],
) -> None:
    submit_json(INQUIRY)
    ses_faults([ses_error("Throttling")] * 10)

    received = deliver_queued()

    assert received == 5, "received five times, then moved: never an endless loop"
    assert aws.queued_messages() == 0
    assert dead_letters() == 1
    assert aws.sent() == []


def test_the_sweep_gives_up_on_an_inquiry_after_a_bounded_number_of_tries(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    ses_faults: Callable[[list[BaseException | None]], None], caplog: pytest.LogCaptureFixture,
) -> None:
    submit_json(INQUIRY)
    ses_faults([ses_error("Throttling")] * 100)  # retrying could help, but never does
    deliver_queued()
    sweep = aws.services.sweep

    queued = []
    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        for _ in range(11, 200, 11):
            aws.clock.advance(minutes=11)
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
    aws.clock.advance(minutes=5)
    deliver_queued()

    assert recipients(aws) == [CONTACT, RESIDENT]


def test_the_same_sqs_message_delivered_twice_sends_one_email_to_each(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, answer = submit_json(INQUIRY)
    assert status == 201
    aws.services.queue.send(answer["reference"])  # SQS delivers at least once

    assert deliver_queued() == 2
    assert recipients(aws) == [CONTACT, RESIDENT]
