"""SES bounces and complaints, as SNS brings them to the feedback handler, against moto:
the tags every send carries, and what a bounce of a tagged email changes."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chalice.test import Client

from tests.support.emulator import Emulator, Submit
from tests.support.loop import ses_bounce as tagged_bounce

ANNA = "info@integration-flensburg.de"  # education; the deputy is Stefan Schulz
STEFAN = "schulz.stefan@flensburg.de"


def ses_bounce(address: str) -> str:
    """A report without EmailTags (an email sent before the tags)."""
    return json.dumps({
        "eventType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": address}]},
        "mail": {"destination": [address]},
    })


def test_a_contact_persons_bounced_address_raises_an_alarm_naming_the_contact(
    client: Client, aws: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    event = client.events.generate_sns_event(message=ses_bounce("presse@drk.de"))

    with caplog.at_level(logging.WARNING, logger="wegweiser"):
        client.lambda_.invoke("record_ses_feedback", event)

    alarms = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ALARM")]
    assert alarms == ["ALARM Bounce for contact andrea-becker: the address does not accept "
                      "mail; counted as absent for new inquiries until 2026-12-08; check the "
                      "address in routing.toml"]


def test_a_residents_bounce_is_recorded_as_a_hash_and_never_logged(
    client: Client, aws: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    event = client.events.generate_sns_event(message=ses_bounce("amal@example.org"))

    with caplog.at_level(logging.INFO):
        client.lambda_.invoke("record_ses_feedback", event)

    from chalicelib.aws import clients as aws_clients

    items = aws_clients.dynamodb().scan(TableName=aws.settings.table_name)["Items"]
    (record,) = [i for i in items if i["pk"]["S"].startswith("feedback#")]
    assert record["bounce"]["N"] == "1"
    assert "expires_at" in record
    assert "amal" not in json.dumps(items)
    assert not any("amal" in r.getMessage() for r in caplog.records)
    assert not any(r.getMessage().startswith("ALARM") for r in caplog.records)


@pytest.fixture
def send_email_calls() -> Iterator[list[dict[str, Any]]]:
    """The parameters of every SES v2 SendEmail call the app's client makes."""
    from chalicelib.aws import clients as aws_clients

    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: object) -> None:
        calls.append(params)

    events = aws_clients.sesv2().meta.events
    events.register("provide-client-params.sesv2.SendEmail", record)
    yield calls
    events.unregister("provide-client-params.sesv2.SendEmail", record)


def test_every_send_carries_its_inquirys_reference_and_the_emails_kind_as_tags(
    aws: Emulator, submit_json: Submit, deliver_queued: Callable[[], int],
    send_email_calls: list[dict[str, Any]],
) -> None:
    status, answer = submit_json({"email": "amal@example.org", "topic": "education",
                                  "message": "Gibt es einen Kita-Platz?"}, language="de")
    assert status == 201
    deliver_queued()

    assert [call["EmailTags"] for call in send_email_calls] == [
        [{"Name": "reference", "Value": answer["reference"]}, {"Name": "kind", "Value": kind}]
        for kind in ("staff", "resident")]


def test_a_bounced_staff_email_reaches_the_deputy_and_the_next_inquiry_goes_there_first(
    client: Client, aws: Emulator, submit_json: Submit, deliver_queued: Callable[[], int],
) -> None:
    status, answer = submit_json({"email": "amal@example.org", "topic": "education",
                                  "message": "Gibt es einen Kita-Platz?"}, language="de")
    assert status == 201
    deliver_queued()
    reference = answer["reference"]
    sent = len(aws.sent())

    client.lambda_.invoke("record_ses_feedback", client.events.generate_sns_event(
        message=tagged_bounce(ANNA, reference=reference, kind="staff")))
    deliver_queued()

    (escalated,) = aws.sent()[sent:]
    assert escalated.recipients == (STEFAN,)
    assert escalated.subject.startswith(f"Eskaliert: Anfrage {reference}")
    _, next_answer = submit_json({"email": "zoe@example.org", "topic": "education",
                                  "message": "Und ein Schulplatz?"}, language="de")
    deliver_queued()
    (to_stefan,) = [e for e in aws.sent() if next_answer["reference"] in e.subject
                    and e.recipients != ("zoe@example.org",)]
    assert to_stefan.recipients == (STEFAN,), "Anna counts as absent for a week"
