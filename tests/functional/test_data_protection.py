"""Personal data, health questions included: kept only as long as needed, never logged,
and pages that give nothing away to other sites."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

from tests.support.emulator import Emulator, Submit

NAME = "Samira Haddad"
EMAIL = "samira.haddad@example.org"
MESSAGE = "Mein Sohn hat Asthma und braucht einen Kinderarzt."
EMULATOR_LOGGERS = ("werkzeug", "moto")


def test_the_logs_of_a_submission_and_its_delivery_hold_no_personal_data(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)

    status, answer = submit_json({"email": EMAIL, "name": NAME, "topic": "health",
                                  "consent": True, "message": MESSAGE, "language": "ar",
                                  "answer_by": "phone", "phone": "0461 1234567",
                                  "interpreter": True})
    deliver_queued()

    assert status == 201
    assert len(aws.sent()) == 2, "the whole path ran"
    assert "Rückruf erbeten" in aws.sent()[0].text + aws.sent()[1].text
    logged = "\n".join(
        record.getMessage() for record in caplog.records
        if not record.name.startswith(EMULATOR_LOGGERS)
    ) + capsys.readouterr().out
    assert answer["reference"] in logged, "the logs do say what happened"
    for secret in (EMAIL, "samira", NAME, "Haddad", "Asthma", "Kinderarzt", "127.0.0.1",
                   "4611234567", "461 1234567"):
        assert secret not in logged


def test_every_stored_inquiry_expires_after_its_topics_retention(
    submit_json: Submit, aws: Emulator
) -> None:
    before = datetime.now(UTC)
    submit_json({"email": EMAIL, "topic": "health", "consent": True, "message": MESSAGE})
    submit_json({"email": EMAIL, "topic": "work", "message": MESSAGE})

    expiries = {
        item["topic"]["S"]: datetime.fromtimestamp(int(item["expires_at"]["N"]), UTC) - before
        for item in aws.stored_inquiries()
    }

    assert expiries["health"] == pytest.approx(timedelta(days=90), abs=timedelta(minutes=1))
    assert expiries["work"] == pytest.approx(timedelta(days=180), abs=timedelta(minutes=1))


def test_an_expired_inquiry_is_never_read_even_before_dynamodb_removes_it(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, answer = submit_json({"email": EMAIL, "topic": "health", "consent": True,
                                  "message": MESSAGE})
    assert status == 201
    aws.clock.advance(days=91)

    assert aws.services.store.get(answer["reference"], aws.clock()) is None
    deliver_queued()
    assert aws.sent() == []


@pytest.mark.parametrize("path", ["/", "/ar", "/de/privacy", "/xx", "/en/thanks/K7QM-X3PA"])
def test_pages_forbid_scripts_framing_and_sniffing_and_set_no_cookie(
    path: str, client: Client
) -> None:
    response = client.http.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy, "no script at all, not even a hashed one"
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers
    assert "<script" not in response.body.decode()
