"""No inquiry dies in an inbox, over real HTTP against `make run` (python -m devstack).

Each test starts its own stack (about a second) with its dev clock at the moment the
story begins (DEV_CLOCK_START) and moves it with POST /clock on the dev outbox, which
runs the schedules and waits for their mail. The routing file is the shipped one with
the Red Cross's address replaced by the SES mailbox simulator's bounce address: press
inquiries go to Andrea Becker, whose mail bounces; her deputy is Anna Meier. Education
goes to Anna Meier (info@…), its deputy is Stefan Schulz: a reminder after 1 working
day, the deputy after 5.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest

from devstack.outbox import SentEmail, sent_emails
from devstack.process import RunningStack, start_stack

PROJECT_DIR = Path(__file__).resolve().parents[2]
FLENSBURG = ZoneInfo("Europe/Berlin")
ANNA = "info@integration-flensburg.de"
STEFAN = "schulz.stefan@flensburg.de"
BOUNCE = "bounce@simulator.amazonses.com"
RESIDENT = "amal@example.org"


def flensburg(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=FLENSBURG)


@pytest.fixture(scope="module")
def routing_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    routing = (PROJECT_DIR / "chalicelib" / "routing.toml").read_text(encoding="utf-8")
    assert 'email = "presse@drk.de"' in routing
    path = tmp_path_factory.mktemp("routing") / "routing.toml"
    path.write_text(routing.replace('email = "presse@drk.de"', f'email = "{BOUNCE}"'),
                    encoding="utf-8")
    return path


@contextmanager
def stack_at(start: datetime, routing_file: Path) -> Iterator[RunningStack]:
    started = start_stack(DEV_CLOCK_START=start.isoformat(), ROUTING_FILE=str(routing_file),
                          MIN_FILL_SECONDS="0")
    try:
        yield started
    finally:
        started.stop()


def get_json(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.load(answer)  # type: ignore[no-any-return]


def submit(stack: RunningStack, topic: str) -> str:
    """Send an inquiry as the form's JavaScript does; its reference."""
    token = get_json(f"{stack.form_url}form-token")["form_token"]
    body = json.dumps({"email": RESIDENT, "topic": topic, "language": "de",
                       "message": "Gibt es einen Kita-Platz für meine Tochter?",
                       "form_token": token}).encode()
    request = urllib.request.Request(f"{stack.form_url}inquiries", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 201
        return str(json.load(answer)["reference"])


def move_to(stack: RunningStack, moment: datetime) -> None:
    """POST /clock with the hours from now to `moment` (runs the schedules, waits)."""
    hours = (moment - stack.clock_now()).total_seconds() / 3600
    assert hours > 0, "the dev clock only moves forward"
    stack.advance(hours=hours)


def staff_emails_about(stack: RunningStack, reference: str) -> list[tuple[str, str]]:
    """(recipient, subject) of each email about the inquiry to anyone but the resident."""
    return [(email.recipients[0], email.subject) for email in emails_about(stack, reference)
            if email.recipients != (RESIDENT,)]


def emails_about(stack: RunningStack, reference: str) -> list[SentEmail]:
    return [email for email in sent_emails(stack.emulator_url) if reference in email.subject]


def wait_for_emails(stack: RunningStack, reference: str, count: int) -> list[tuple[str, str]]:
    """The staff emails about an inquiry, once there are `count` (the worker and SES's
    feedback run beside the test): POST /clock with 0 hours waits for both."""
    for _ in range(30):
        found = staff_emails_about(stack, reference)
        if len(found) >= count:
            return found
        stack.advance(hours=0)
    return staff_emails_about(stack, reference)


def claim_link(email: SentEmail) -> str:
    (link,) = {str(found) for found in re.findall(r"http://127\.0\.0\.1:\d+/claim/\S+",
                                                  email.text)}
    return link

def state_in_outbox(stack: RunningStack, reference: str) -> str:
    """The dev outbox's row of the inquiry's state, as text."""
    with urllib.request.urlopen(stack.outbox_url, timeout=30) as answer:
        page = answer.read().decode()
    (row,) = re.findall(rf"<tr[^>]*>(?:(?!</tr>).)*{reference}(?:(?!</tr>).)*</tr>", page,
                        flags=re.S)
    return re.sub(r"<[^>]+>", " ", row)


def test_a_staff_email_that_bounces_reaches_the_deputy_and_the_next_inquiry_goes_there(
    routing_file: Path,
) -> None:
    with stack_at(flensburg(2026, 12, 1, 9), routing_file) as stack:
        bounced = submit(stack, "press")

        sent = wait_for_emails(stack, bounced, 2)

        assert [to for to, _ in sent] == [BOUNCE, ANNA]
        assert sent[1][1].startswith(f"Eskaliert: Anfrage {bounced}")
        alarms = [line for line in stack.output
                  if '"ALARM Bounce for contact andrea-becker' in line]
        assert len(alarms) == 1, "one ALARM, naming the contact key"
        assert BOUNCE not in alarms[0], "never the address"
        following = submit(stack, "press")
        assert [to for to, _ in wait_for_emails(stack, following, 1)] == [ANNA]


def test_unclaimed_it_is_reminded_then_escalated_and_the_deputys_claim_stops_it_all(
    routing_file: Path,
) -> None:
    with stack_at(flensburg(2026, 12, 1, 9), routing_file) as stack:
        now = stack.clock_now().astimezone(FLENSBURG)
        assert flensburg(2026, 12, 1, 9) <= now < flensburg(2026, 12, 1, 9, 5), "DEV_CLOCK_START"
        reference = submit(stack, "education")  # Tuesday 1 December, about 09:00
        assert [to for to, _ in wait_for_emails(stack, reference, 1)] == [ANNA]

        # One working day: Wednesday 09:00; two runs after it send one reminder.
        move_to(stack, flensburg(2026, 12, 2, 8, 55))
        assert len(staff_emails_about(stack, reference)) == 1, "not before the day is over"
        move_to(stack, flensburg(2026, 12, 2, 9, 30))
        move_to(stack, flensburg(2026, 12, 2, 10, 0))
        assert staff_emails_about(stack, reference)[1:] == [
            (ANNA, f"Erinnerung: Anfrage {reference} wartet seit 1 Arbeitstag")]

        # Five working days (education's response_days): Tuesday 8 December 09:00.
        move_to(stack, flensburg(2026, 12, 8, 8, 55))
        assert len(staff_emails_about(stack, reference)) == 2
        move_to(stack, flensburg(2026, 12, 8, 9, 30))
        assert staff_emails_about(stack, reference)[2:] == [
            (STEFAN, f"Eskaliert: Anfrage {reference}: Bildung (Sprache: Deutsch)"),
            (ANNA, f"Anfrage {reference} wurde an Stefan Schulz weitergegeben"),
        ]

        # The deputy's link: opening it (as a mail scanner does) claims nothing.
        (escalated,) = [e for e in emails_about(stack, reference) if e.recipients == (STEFAN,)]
        link = claim_link(escalated)
        with urllib.request.urlopen(link, timeout=30) as opened:
            page = opened.read().decode()
        assert "Ich übernehme diese Anfrage" in page
        assert "übernommen von" not in page
        assert state_in_outbox(stack, reference).split()[1] == "escalated"

        # Its button does.
        parts = urlsplit(link)
        token = urllib.parse.parse_qs(parts.query)["t"][0]
        request = urllib.request.Request(
            f"{parts.scheme}://{parts.netloc}{parts.path}", method="POST",
            data=urlencode({"t": token}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=30) as claimed:
            assert "übernommen von Stefan Schulz" in claimed.read().decode()
        assert state_in_outbox(stack, reference).split()[1] == "claimed"

        # However far the clock moves: no further staff email about it.
        before = staff_emails_about(stack, reference)
        move_to(stack, flensburg(2026, 12, 9, 10, 0))  # the escalation contact's day
        move_to(stack, flensburg(2027, 1, 20, 10, 0))
        assert staff_emails_about(stack, reference) == before


@pytest.mark.parametrize(("received", "not_yet", "reminded", "not_escalated", "escalated"), [
    pytest.param(  # a weekend: Monday is the first working day, Friday the fifth
        flensburg(2026, 12, 4, 9), flensburg(2026, 12, 6, 23), flensburg(2026, 12, 7, 9, 30),
        flensburg(2026, 12, 11, 8, 55), flensburg(2026, 12, 11, 9, 30), id="weekend"),
    pytest.param(  # Christmas Day and New Year's Day are holidays: 28 Dec, then 4 Jan
        flensburg(2026, 12, 24, 10), flensburg(2026, 12, 28, 9, 55),
        flensburg(2026, 12, 28, 10, 30), flensburg(2027, 1, 4, 9, 55),
        flensburg(2027, 1, 4, 10, 30), id="christmas-2026"),
    pytest.param(  # Good Friday (26 March 2027) and Easter Monday: 30 March, then 5 April
        flensburg(2027, 3, 25, 10), flensburg(2027, 3, 29, 23), flensburg(2027, 3, 30, 10, 30),
        flensburg(2027, 4, 5, 9, 55), flensburg(2027, 4, 5, 10, 30), id="good-friday-2027"),
])
def test_weekends_and_schleswig_holsteins_holidays_are_no_working_days(
    routing_file: Path, received: datetime, not_yet: datetime, reminded: datetime,
    not_escalated: datetime, escalated: datetime,
) -> None:
    with stack_at(received, routing_file) as stack:
        reference = submit(stack, "education")
        assert len(wait_for_emails(stack, reference, 1)) == 1

        move_to(stack, not_yet)
        assert len(staff_emails_about(stack, reference)) == 1
        move_to(stack, reminded)
        assert [subject for _, subject in staff_emails_about(stack, reference)][1:] == [
            f"Erinnerung: Anfrage {reference} wartet seit 1 Arbeitstag"]
        move_to(stack, not_escalated)
        assert len(staff_emails_about(stack, reference)) == 2
        move_to(stack, escalated)
        assert [to for to, _ in staff_emails_about(stack, reference)][2:] == [STEFAN, ANNA]
