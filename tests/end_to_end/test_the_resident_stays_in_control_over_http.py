"""The resident stays in control, over real HTTP against `make run` (python -m devstack),
in Arabic and in Ukrainian: the status page follows the inquiry from received to claimed,
the follow-up asks in the resident's language, "no" brings in the deputy, and erasure
leaves a 410, an item without personal data and a note to everyone who received it.

Each language gets its own stack, its dev clock starting on Tuesday, 1 December 2026 at
09:00 in Flensburg. Education goes to Anna Meier; its deputy is Stefan Schulz (Stadt
Flensburg); the answer is due within 5 working days, the follow-up 2 working days later:
Thursday, 10 December, 09:00.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import boto3
import pytest

from chalicelib.core.templating import translate
from devstack.outbox import SentEmail, sent_emails
from devstack.process import RunningStack, start_stack

FLENSBURG = ZoneInfo("Europe/Berlin")
ANNA = "info@integration-flensburg.de"
STEFAN = "schulz.stefan@flensburg.de"
RESIDENT = "olena@example.org"
NAME = "Olena Kovalenko"
MESSAGE = "Wo finde ich einen Deutschkurs für meine Tochter?"
TABLE = "wegweiser-inquiries"  # .chalice/config.json


def flensburg(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=FLENSBURG)


@pytest.fixture(params=["ar", "uk"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stack() -> Iterator[RunningStack]:
    started = start_stack(DEV_CLOCK_START="2026-12-01T09:00:00+01:00", MIN_FILL_SECONDS="0")
    yield started
    started.stop()


def request(url: str, *, data: dict[str, str] | None = None,
            accept: str = "text/html") -> tuple[int, str]:
    """GET, or POST a form; the status and the body, whatever the status."""
    body = None if data is None else urlencode(data).encode()
    headers = {"Accept": accept}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers),
                                    timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def submit(stack: RunningStack, language: str) -> str:
    token = json.loads(request(f"{stack.form_url}form-token", accept="application/json")[1])
    body = json.dumps({"email": RESIDENT, "name": NAME, "topic": "education",
                       "language": language, "message": MESSAGE,
                       "form_token": token["form_token"]}).encode()
    answer = urllib.request.urlopen(urllib.request.Request(
        f"{stack.form_url}inquiries", data=body,
        headers={"Content-Type": "application/json"}), timeout=30)
    assert answer.status == 201
    return str(json.load(answer)["reference"])


def emails(stack: RunningStack, reference: str) -> list[SentEmail]:
    return [e for e in sent_emails(stack.emulator_url) if reference in e.subject]


def wait_for(stack: RunningStack, reference: str, count: int) -> list[SentEmail]:
    for _ in range(30):
        found = emails(stack, reference)
        if len(found) >= count:
            return found
        stack.advance(hours=0)  # waits for the deliveries in flight
    return emails(stack, reference)


def link(email: SentEmail, path: str) -> str:
    (found,) = {str(url) for url in re.findall(rf"http://127\.0\.0\.1:\d+/{path}\S*",
                                                email.text)}
    return found


def post_form_of(page_url: str, fields: dict[str, str]) -> tuple[int, str]:
    """POST a page's form where it says: its own address without the query."""
    parts = urlsplit(page_url)
    return request(f"{parts.scheme}://{parts.netloc}{parts.path}", data=fields)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


def status(url: str) -> tuple[int, dict[str, Any]]:
    code, body = request(url, accept="application/json")
    return code, json.loads(body)


def raw_item(stack: RunningStack, reference: str) -> dict[str, Any]:
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.emulator_url,
                            region_name="eu-central-1", aws_access_key_id="local",
                            aws_secret_access_key="local")
    return dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": f"inquiry#{reference}"}})["Item"]


def test_status_follow_up_no_and_erasure_in_the_residents_language(
    stack: RunningStack, language: str,
) -> None:
    reference = submit(stack, language)
    staff, confirmation = sorted(wait_for(stack, reference, 2),
                                 key=lambda e: e.recipients != (ANNA,))
    assert confirmation.recipients == (RESIDENT,)
    status_url = link(confirmation, f"{language}/status/")

    # Received, in the resident's language, right to left in Arabic.
    code, page = request(status_url)
    assert code == 200
    assert f'lang="{language}"' in page
    assert ('dir="rtl"' in page) is (language == "ar")
    assert NAME not in page and MESSAGE not in page and ANNA not in page
    assert status(status_url)[1]["state"] == "received"

    # The contact claims it from her email: the status page says so.
    claim_url = link(staff, "claim/")
    assert post_form_of(claim_url, {"t": token_of(claim_url)})[0] == 200
    code, claimed = status(status_url)
    assert (code, claimed["state"], claimed["answered"]) == (200, "claimed", None)
    assert claimed["claimed"] is not None

    # The follow-up: 7 working days after receipt, in the resident's language.
    stack.advance(hours=(flensburg(2026, 12, 10, 9, 30) - stack.clock_now()).total_seconds()
                  / 3600)
    to_the_resident = [e for e in emails(stack, reference) if e.recipients == (RESIDENT,)]
    assert len(to_the_resident) == 2, "the confirmation, then one follow-up"
    follow_up = to_the_resident[1]
    assert follow_up.header("Content-Language") == language
    assert follow_up.header("Auto-Submitted") == "auto-generated"
    no_url = next(url for url in re.findall(r"http://127\.0\.0\.1:\d+/\S+", follow_up.text)
                  if "answer=no" in url)

    # "No": the page changes nothing until its button is pressed; then the deputy has it.
    before = len(emails(stack, reference))
    assert request(no_url)[0] == 200
    assert len(emails(stack, reference)) == before
    code, answered_page = post_form_of(no_url, {"t": token_of(no_url), "answer": "no"})
    assert code == 200
    assert "Stadt Flensburg" in answered_page, "what happens now: who has it"
    assert "Stefan" not in answered_page, "no staff names"
    escalated = [e for e in wait_for(stack, reference, before + 1) if e.recipients == (STEFAN,)]
    assert len(escalated) == 1
    assert escalated[0].subject.startswith(f"Eskaliert: Anfrage {reference}")
    code, now = status(status_url)
    assert (now["state"], now["answered"]) == ("not_answered", False)
    assert now["organisation"] == "Stadt Flensburg, Amt für Integration"

    # Erasure: a confirmation page, then the button.
    erase_url = status_url.replace(f"/status/{reference}?", f"/status/{reference}/erase?")
    assert request(erase_url)[0] == 200
    assert status(status_url)[0] == 200, "the confirmation page erased nothing"
    code, erased_page = post_form_of(erase_url, {"t": token_of(status_url)})
    assert code == 200
    assert f'lang="{language}"' in erased_page
    assert status(status_url) == (410, {"state": "erased"})
    item = raw_item(stack, reference)
    assert not {"name", "email", "message"} & item.keys()
    assert NAME not in json.dumps(item, ensure_ascii=False)
    assert MESSAGE not in json.dumps(item, ensure_ascii=False)
    stack.advance(hours=0)
    notes = [e for e in emails(stack, reference) if "Art. 17" in e.text]
    assert sorted(e.recipients[0] for e in notes) == [ANNA, STEFAN]
    assert all(e.header("Content-Language") == "de" for e in notes)
    assert translate("de", "Reference") in notes[0].text
