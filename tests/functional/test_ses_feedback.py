"""SES bounces and complaints, as SNS brings them to the feedback handler."""

from __future__ import annotations

import json
import logging

import pytest
from chalice.test import Client

from tests.support.emulator import Emulator


def ses_bounce(address: str) -> str:
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
    assert alarms == ["ALARM Bounce for contact andrea-becker: their inquiries may reach "
                      "nobody; check the address in routing.toml"]


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
