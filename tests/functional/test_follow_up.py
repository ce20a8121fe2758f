"""The follow-up and the close of the loop through app.py, against moto.

An inquiry is sent through POST /inquiries (in German) and delivered; the tests move the
clock (tests/support/clock.py), run the clock's schedule handler as EventBridge would,
deliver what it queued, and follow the links of the follow-up email with the chalice
test client: GET /{lang}/answered/{reference} changes nothing, POST records the answer.
The raw DynamoDB item shows what the store still holds. With the shipped routing:
education goes to Anna Meier (info@…), its deputy is Stefan Schulz; received Tuesday
1 December 2026 09:00, the follow-up is due on Thursday 10 December 09:00.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.test import Client

from devstack.outbox import SentEmail
from tests.support.clock import MovableClock
from tests.support.emulator import Emulator, Submit

RESIDENT = "resident@example.org"
ANNA = "info@integration-flensburg.de"
STEFAN = "schulz.stefan@flensburg.de"
PUBLIC_URL = "http://127.0.0.1:8000"
TUESDAY_9_AM = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FOLLOW_UP_DUE = datetime(2026, 12, 10, 8, 1, tzinfo=UTC)  # a minute after its deadline
MESSAGE = "Gibt es einen Kita-Platz?"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def inquiry(
    aws: Emulator, submit_json: Submit, deliver_queued: Callable[[], int]
) -> Callable[..., str]:
    """Send an inquiry on Tuesday 09:00 and deliver it; its reference."""

    def send(topic: str = "education") -> str:
        aws.clock = MovableClock(TUESDAY_9_AM)
        aws.serve()
        status, answer = submit_json({"email": RESIDENT, "topic": topic, "name": "Zoë",
                                      "message": MESSAGE}, language="de")
        assert status == 201
        deliver_queued()
        return str(answer["reference"])

    return send



def to(aws: Emulator, address: str) -> list[SentEmail]:
    return [email for email in aws.sent() if address in email.recipients]


def item(aws: Emulator, reference: str) -> dict[str, Any]:
    (found,) = [i for i in aws.stored_inquiries() if i["reference"]["S"] == reference]
    return found


def links(email: SentEmail, path: str) -> list[str]:
    """The links of an email to a path, as paths for the client (the same in both parts)."""
    found = [str(link) for link in re.findall(rf"{PUBLIC_URL}(\S*{path}\S+)", email.text)]
    for link in found:
        assert f'href="{PUBLIC_URL}{link.replace("&", "&amp;")}"' in email.html
    return found


def answer_link(email: SentEmail, answer: str) -> str:
    (link,) = [link for link in links(email, "/answered/") if link.endswith(f"answer={answer}")]
    return link


def post_answer(client: Client, link: str) -> Any:
    parts = urlsplit(link)
    query = parse_qs(parts.query)
    body = f"t={query['t'][0]}&answer={query['answer'][0]}".replace(":", "%3A")
    return client.http.post(parts.path, headers=FORM, body=body)


def status_json(client: Client, aws: Emulator) -> dict[str, Any]:
    (confirmation,) = [e for e in to(aws, RESIDENT) if "/status/" in e.text]
    (link,) = links(confirmation, "/status/")
    answer = client.http.get(link, headers={"Accept": "application/json"})
    assert answer.status_code == 200
    return dict(json.loads(answer.body))


def follow_up(aws: Emulator) -> SentEmail:
    (email,) = [e for e in to(aws, RESIDENT) if "/answered/" in e.text]
    return email


def test_the_follow_up_comes_in_the_residents_language_once_with_a_yes_and_a_no_link(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry()
    clock_at(FOLLOW_UP_DUE - timedelta(minutes=2))
    assert [e for e in to(aws, RESIDENT) if "/answered/" in e.text] == []

    clock_at(FOLLOW_UP_DUE)
    clock_at(FOLLOW_UP_DUE + timedelta(days=1))

    email = follow_up(aws)
    assert email.subject == f"Haben Sie eine Antwort auf Ihre Anfrage {reference} erhalten?"
    assert email.header("Auto-Submitted") == "auto-generated"
    assert email.header("Content-Language") == "de"
    assert MESSAGE not in email.text
    for answer in ("yes", "no"):
        assert answer_link(email, answer).startswith(f"/de/answered/{reference}?t=")


def test_opening_a_link_changes_nothing_and_yes_forgets_the_personal_data_at_once(
    inquiry: Callable[..., str], aws: Emulator, client: Client,
    clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry()
    clock_at(FOLLOW_UP_DUE)
    yes = answer_link(follow_up(aws), "yes")
    before, sent = item(aws, reference), len(aws.sent())

    page = client.http.get(yes)
    assert page.status_code == 200
    assert "Ja, ich habe eine Antwort erhalten" in page.body.decode()
    assert 'method="post"' in page.body.decode()
    assert item(aws, reference) == before, "the page changed nothing"
    assert status_json(client, aws)["answered"] is None

    answered = post_answer(client, yes)
    clock_at(FOLLOW_UP_DUE + timedelta(hours=1))

    assert answered.status_code == 200
    assert "Ihre Anfrage ist abgeschlossen" in answered.body.decode()
    stored = item(aws, reference)
    assert not {"name", "email", "message"} & stored.keys()
    assert "Zoë" not in json.dumps(stored, ensure_ascii=False)
    assert MESSAGE not in json.dumps(stored, ensure_ascii=False)
    assert {"reference", "topic", "language", "received_at", "forgotten_at"} <= stored.keys()
    assert "due" not in stored, "the clock ended"
    assert stored["answered"] == {"BOOL": True}
    assert len(aws.sent()) == sent
    now = status_json(client, aws)
    assert (now["state"], now["answered"]) == ("answered", True)


def test_no_passes_the_inquiry_on_and_a_later_answer_is_shown_the_first(
    inquiry: Callable[..., str], aws: Emulator, client: Client,
    clock_at: Callable[[datetime], None], deliver_queued: Callable[[], int],
) -> None:
    reference = inquiry()
    email = follow_up_after_claim(aws, client, clock_at)
    sent = len(aws.sent())

    answered = post_answer(client, answer_link(email, "no"))
    deliver_queued()

    body = answered.body.decode()
    assert answered.status_code == 200
    assert "Stadt Flensburg, Amt für Integration" in body, "what happens now: who has it"
    assert "Stefan" not in body, "no staff names"
    (escalated,) = [e for e in aws.sent()[sent:] if STEFAN in e.recipients]
    assert escalated.subject.startswith(f"Eskaliert: Anfrage {reference}")
    assert "Die anfragende Person meldet: keine Antwort erhalten." in escalated.text
    assert MESSAGE in escalated.text
    now = status_json(client, aws)
    assert (now["state"], now["answered"]) == ("not_answered", False)
    assert now["organisation"] == "Stadt Flensburg, Amt für Integration"

    again = post_answer(client, answer_link(email, "yes"))
    assert again.status_code == 200
    assert "Nein, ich habe keine Antwort erhalten" in again.body.decode()
    assert status_json(client, aws)["answered"] is False


def follow_up_after_claim(
    aws: Emulator, client: Client, clock_at: Callable[[datetime], None],
) -> SentEmail:
    """Anna claims the inquiry from her staff email; the follow-up comes all the same."""
    staff = to(aws, ANNA)[0]
    (claim,) = links(staff, "/claim/")
    path, token = claim.split("?t=", 1)
    assert client.http.post(path, headers=FORM, body=f"t={token}").status_code == 200
    clock_at(FOLLOW_UP_DUE)
    return follow_up(aws)


def test_fourteen_days_after_the_follow_up_the_item_keeps_no_personal_data(
    inquiry: Callable[..., str], aws: Emulator, client: Client,
    clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry()
    follow_up_after_claim(aws, client, clock_at)
    assert item(aws, reference)["message"] == {"S": MESSAGE}

    clock_at(FOLLOW_UP_DUE + timedelta(days=14, minutes=1))

    stored = item(aws, reference)
    assert not {"name", "email", "message"} & stored.keys()
    assert "due" not in stored
    now = status_json(client, aws)
    assert (now["state"], now["answered"]) == ("claimed", None)


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda link: link.replace("answer=yes", "answer=maybe"), id="no-such-answer"),
    pytest.param(lambda link: re.sub(r"t=(\d+)\.\w\w", r"t=\1.AA", link), id="a-changed-token"),
    pytest.param(lambda link: link.replace("/answered/", "/answered/ZZZZ-ZZZZ?x=").split(
        "?x=")[0] + "?" + link.split("?", 1)[1], id="another-reference"),
])
def test_a_bad_link_is_a_404_for_the_page_and_the_button_alike(
    spoil: Callable[[str], str], inquiry: Callable[..., str], aws: Emulator, client: Client,
    clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry()
    clock_at(FOLLOW_UP_DUE)
    spoilt = spoil(answer_link(follow_up(aws), "yes"))

    assert client.http.get(spoilt).status_code == 404
    assert post_answer(client, spoilt).status_code == 404
    assert "answered" not in item(aws, reference)
