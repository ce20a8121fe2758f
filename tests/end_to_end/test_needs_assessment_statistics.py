"""The numbers for the needs assessment, against `make run` (python -m devstack) over real HTTP.

Forty inquiries in December 2026 across topics and languages (some cells under 5),
claims from the staff emails, the residents' answers to the follow-up, one erasure;
then `wegweiser stats --format csv`, run as an admin runs it (the installed command,
the emulator's AWS environment), equals the protected table of what the test itself
did. The dev clock moved to the first working day of January brings exactly one
report email with the CSV attached, however often the schedules run. Past the
inquiries' retention the counts are still there, and nothing personal is.

The dev clock starts on Tuesday, 1 December 2026 at 09:00 in Flensburg. Education,
work and culture are answered within 5 working days (the follow-up on Thursday,
10 December), health within 3 (the follow-up on Tuesday, 8 December).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from chalicelib.core.messages import language_name
from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.statistics import CellCounts, Column
from chalicelib.core.statistics_report import as_csv, year_so_far
from chalicelib.core.statistics_tables import publish
from devstack.outbox import SentEmail, sent_emails
from devstack.process import RunningStack, start_stack
from tests.end_to_end.test_the_resident_stays_in_control_over_http import (
    link,
    post_form_of,
    request,
    token_of,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
FLENSBURG = ZoneInfo("Europe/Berlin")
ANNA = "info@integration-flensburg.de"
TABLE = "wegweiser-inquiries"  # .chalice/config.json
DECEMBER = "2026-12"

# (topic, language, inquiries, of them claimed at once, answered yes, answered no,
#  asked for an interpreter, erased at once). Claimed ones are answered; the rest wait.
PLAN = [
    ("education", "ar", 12, 9, 6, 1, 5, 0),
    ("education", "uk", 8, 6, 5, 0, 0, 0),
    ("education", "fa", 3, 0, 0, 0, 0, 1),
    ("work", "uk", 6, 5, 0, 2, 0, 0),
    ("work", "ar", 2, 0, 0, 0, 0, 0),
    ("health", "ar", 5, 2, 1, 0, 2, 0),
    ("health", "tr", 1, 0, 0, 0, 0, 0),
    ("culture", "de", 3, 1, 0, 0, 0, 0),
]


@dataclass
class Sent:
    """One inquiry the test sent, and what it did with it."""

    reference: str
    topic: str
    language: str
    name: str
    email: str
    message: str
    claimed: bool = False
    answer: bool | None = None
    interpreter: bool = False
    erased: bool = False
    escalated: bool = field(default=False)


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    started = start_stack(DEV_CLOCK_START="2026-12-01T09:00:00+01:00", MIN_FILL_SECONDS="0")
    yield started
    started.stop()


def submit(stack: RunningStack, number: int, topic: str, language: str,
           interpreter: bool) -> Sent:
    token = json.loads(request(f"{stack.form_url}form-token", accept="application/json")[1])
    sent = Sent("", topic, language, f"Resident Nummer {number}", f"resident{number}@example.org",
                f"Meine Frage Nummer {number} zum Thema {topic}", interpreter=interpreter)
    fields: dict[str, Any] = {
        "email": sent.email, "name": sent.name, "topic": topic, "language": language,
        "message": sent.message, "form_token": token["form_token"], "interpreter": interpreter}
    if topic == "health":
        fields["consent"] = True
    answer = urllib.request.urlopen(urllib.request.Request(
        f"{stack.form_url}inquiries", data=json.dumps(fields).encode(),
        headers={"Content-Type": "application/json"}), timeout=30)
    assert answer.status == 201
    sent.reference = str(json.load(answer)["reference"])
    return sent


def emails_to(stack: RunningStack, reference: str, recipient: str) -> list[SentEmail]:
    return [e for e in sent_emails(stack.emulator_url)
            if reference in e.subject and recipient in e.recipients]


def expected_cells(sent: list[Sent]) -> dict[tuple[str, str, str], CellCounts]:
    """The counts as this test did things: received, claimed the same day (in time, 0
    working days), escalated (unclaimed past the deadline, or a "no"), answers, erased."""
    cells: dict[tuple[str, str, str], CellCounts] = {}
    for inquiry in sent:
        counts = cells.setdefault((DECEMBER, inquiry.topic, inquiry.language), CellCounts())
        counts.columns[Column.RECEIVED] += 1
        if inquiry.claimed:
            counts.columns[Column.CLAIMED] += 1
            counts.columns[Column.CLAIMED_IN_TIME] += 1
            counts.claim_days[0] += 1
        if inquiry.escalated:
            counts.columns[Column.ESCALATED] += 1
        if inquiry.answer is not None:
            counts.columns[Column.ANSWERED_YES if inquiry.answer else Column.ANSWERED_NO] += 1
        counts.columns[Column.ERASED] += inquiry.erased
        counts.columns[Column.INTERPRETER] += inquiry.interpreter
    return cells


def wegweiser_stats(stack: RunningStack, *argv: str) -> str:
    """The installed command, in the environment `make run` prints to export."""
    env = {**os.environ, "AWS_ENDPOINT_URL": stack.emulator_url, "AWS_DEFAULT_REGION":
           "eu-central-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
           "INQUIRY_TABLE": TABLE}
    done = subprocess.run([str(PROJECT_DIR / ".venv" / "bin" / "wegweiser"), "stats", *argv],
                          env=env, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8")  # as written: the CSV's lines end in CRLF


def reports(stack: RunningStack) -> list[SentEmail]:
    return [e for e in sent_emails(stack.emulator_url) if e.subject.startswith("Wegweiser: Zahlen")]


def table_items(stack: RunningStack) -> list[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.emulator_url,
                            region_name="eu-central-1", aws_access_key_id="local",
                            aws_secret_access_key="local")
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=TABLE):
        items.extend(page["Items"])
    return items


def test_forty_inquiries_are_counted_reported_once_and_outlive_their_retention(
    stack: RunningStack,
) -> None:
    sent: list[Sent] = []
    for topic, language, count, claimed, yes, no, interpreters, erased in PLAN:
        group = [submit(stack, len(sent) + n, topic, language, n < interpreters)
                 for n in range(count)]
        for n, inquiry in enumerate(group):
            inquiry.claimed = n < claimed
            inquiry.answer = True if n < yes else False if n < yes + no else None
            inquiry.erased = n >= count - erased
            # Unclaimed (and not erased) ones pass their deadline; a "no" passes it on.
            inquiry.escalated = (not inquiry.claimed and not inquiry.erased) or (
                inquiry.answer is False)
        sent += group
    assert len(sent) == 40
    stack.advance(hours=0)  # every staff email and confirmation delivered

    for inquiry in sent:
        (staff,) = [e for e in sent_emails(stack.emulator_url)
                    if inquiry.reference in e.subject and inquiry.email not in e.recipients]
        if inquiry.claimed:
            claim_url = link(staff, "claim/")
            assert post_form_of(claim_url, {"t": token_of(claim_url)})[0] == 200
        if inquiry.erased:
            (confirmation,) = emails_to(stack, inquiry.reference, inquiry.email)
            status_url = link(confirmation, f"{inquiry.language}/status/")
            erase_url = status_url.replace("/status/", "/status/", 1).replace(
                f"/{inquiry.reference}?", f"/{inquiry.reference}/erase?")
            assert post_form_of(erase_url, {"t": token_of(status_url)})[0] == 200

    # Thursday 10 December, 10:00: every deadline and every follow-up has come.
    until = datetime(2026, 12, 10, 10, 0, tzinfo=FLENSBURG)
    stack.advance(hours=(until - stack.clock_now()).total_seconds() / 3600)
    for inquiry in sent:
        if inquiry.answer is None:
            continue
        follow_up = emails_to(stack, inquiry.reference, inquiry.email)[-1]
        word = "yes" if inquiry.answer else "no"
        (url,) = {u for u in re.findall(r"http://127\.0\.0\.1:\d+/\S+", follow_up.text)
                  if f"answer={word}" in u}
        assert post_form_of(url, {"t": token_of(url), "answer": word})[0] == 200
    stack.advance(hours=0)

    # The admin's CSV equals the protected table of what this test did.
    routing = bundled_routing(frozenset())
    counted = wegweiser_stats(stack, "--from", DECEMBER, "--to", DECEMBER, "--format", "csv")
    assert counted == as_csv(publish(expected_cells(sent), [DECEMBER], routing))
    # Read on its own: every count is the true one, "<5" for 1 to 4, or hidden as "x".
    names = {(routing.topics[t].label("de"), language_name(lang, "de")): counts
             for (_, t, lang), counts in expected_cells(sent).items()}
    rows = list(csv.DictReader(io.StringIO(counted)))
    assert len(rows) == len(PLAN)
    for row in rows:
        truth = names[row["topic"], row["language"]].columns
        for column in Column:
            assert row[column] in ({"<5"} if 1 <= truth[column] <= 4
                                   else {str(truth[column]), "x"}), (row, column)
    assert sum(row["received"] == "<5" for row in rows) == 4, "work/ar, fa, tr and de"

    # Tuesday 1 December was the first working day of December: the report on November
    # went then (without inquiries). January: the report on December on its first
    # working day, Monday 4 January, once.
    (november,) = reports(stack)
    assert november.subject == "Wegweiser: Zahlen für November 2026"
    assert "keine Anfragen" in november.html
    first_working_day = datetime(2027, 1, 4, 9, 30, tzinfo=FLENSBURG)
    stack.advance(hours=(first_working_day - stack.clock_now()).total_seconds() / 3600)
    for hours in (0, 1, 6, 24, 24 * 3):  # the schedules run again and again
        stack.advance(hours=hours)
    (report,) = [e for e in reports(stack) if "Dezember" in e.subject]
    assert len(reports(stack)) == 2
    assert report.recipients == (ANNA,)
    assert report.subject == "Wegweiser: Zahlen für Dezember 2026"
    (attachment,) = [part for part in report.message.iter_attachments()]
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_content() == as_csv(publish(
        expected_cells(sent), year_so_far(DECEMBER), routing, focus=DECEMBER))
    assert "Dezember 2026" in report.html and "Arabisch" in report.html

    # Every loop has closed by now (14 days after the follow-up): nothing personal is
    # left in any item, only references, topics, languages, dates and states.
    assert_nothing_personal(stack, sent)

    # Past every inquiry's retention (180 days; health 90): the counts are still there,
    # and are all that is left (DynamoDB's TTL deletes the expired inquiries; the
    # emulator keeps them, so they are told apart by their `expires_at`).
    stack.advance(days=200)
    assert wegweiser_stats(stack, "--from", DECEMBER, "--to", DECEMBER,
                           "--format", "csv") == counted
    now = stack.clock_now().timestamp()
    kept = [item for item in table_items(stack)
            if int(item.get("expires_at", {"N": "0"})["N"]) > now]
    assert sorted(str(item["pk"]["S"]) for item in kept
                  if "inquiry#" in str(item["pk"])) == [], "every inquiry is past its retention"
    (counts,) = [item for item in kept if str(item["pk"]["S"]) == f"stats#{DECEMBER}"]
    for name in counts:
        assert name in ("pk", "expires_at") or re.fullmatch(r"[a-z-]+\|[a-z]+\|[a-z_]+(\|\d+)?",
                                                             name), name
    assert_nothing_personal(stack, sent, with_references=True, items=kept)


def assert_nothing_personal(stack: RunningStack, sent: list[Sent], *,
                            with_references: bool = False,
                            items: list[dict[str, Any]] | None = None) -> None:
    for item in table_items(stack) if items is None else items:
        assert not {"name", "email", "message"} & item.keys(), item["pk"]
        text = json.dumps(item, ensure_ascii=False)
        for inquiry in sent:
            for personal in (inquiry.name, inquiry.email, inquiry.message):
                assert personal not in text, (personal, item["pk"])
            if with_references:
                assert inquiry.reference not in text, item["pk"]
