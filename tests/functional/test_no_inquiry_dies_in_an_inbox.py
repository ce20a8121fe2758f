"""No inquiry dies in an inbox: claims, reminders and escalations through app.py, against moto.

An inquiry is sent through POST /inquiries and delivered by the SQS handler; the tests
then move the clock (tests/support/clock.py) and run the clock's schedule handler as
EventBridge would, deliver what it queued, and check who got which email, in German,
with which claim link, and what GET and POST /claim/{reference} did. With the shipped
routing: education goes to Anna Meier (info@…), its deputy is Stefan Schulz, and the
escalation contact is Anna Meier, the project lead; work goes to Stefan Schulz, with
Anna Meier as its deputy.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

import app
from chalicelib.aws import clients as aws_clients
from chalicelib.aws.dynamodb_store import DynamoDBInquiryStore
from chalicelib.aws.ses_mailer import SESMailer
from chalicelib.aws.sqs_queue import SQSDeliveryQueue
from chalicelib.core.ports import ClockMove
from chalicelib.core.records import Step
from chalicelib.core.statistics import Tally
from chalicelib.core.telemetry import ALARM_METRICS, KINDS, Event, JsonLines, metric_counts
from devstack.outbox import SentEmail
from devstack.worker import scheduled_event
from tests.support.clock import MovableClock
from tests.support.emulator import Emulator, Submit, move_to, run_the_clock

RESIDENT = "resident@example.org"
ANNA = "info@integration-flensburg.de"  # education; the deputy of work; the project lead
STEFAN = "schulz.stefan@flensburg.de"  # work; the deputy of education
PUBLIC_URL = "http://127.0.0.1:8000"  # the dev stage's PUBLIC_URL, without its "/"
# In Flensburg: Tuesday 1 December 2026, 09:00. One working day later: Wednesday 09:00;
# five (education's response_days): Tuesday 8 December 09:00; six: Wednesday 9 December.
# The moving clock carries on in real time, so an inquiry arrives a moment after its
# full minute: the tests look a minute before and a minute after each deadline.
TUESDAY_9_AM = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class ClockDied(BaseException):
    """The Lambda process dies mid-run: nothing the handler could catch and report."""


def flensburg(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Flensburg."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Berlin"))


def start_at(aws: Emulator, moment: datetime, **given: Any) -> None:
    """Serve with a clock that stands at `moment` (and moves on from there)."""
    aws.clock = MovableClock(moment)
    aws.serve(**given)


def sweep() -> None:
    app.sweep_stalled(scheduled_event(), None)


def sent_to(aws: Emulator, address: str) -> list[SentEmail]:
    return [email for email in aws.sent() if address in email.recipients]


def subjects(aws: Emulator, after: int = 0) -> list[tuple[str, str]]:
    """(recipient, subject) of every email sent, after the first `after`."""
    return [(email.recipients[0], email.subject) for email in aws.sent()[after:]]


def claim_path(email: SentEmail) -> str:
    """The claim link of an email (the same in both parts), as a path for the client."""
    [in_text] = {str(link) for link in re.findall(rf"{PUBLIC_URL}(/claim/\S+)", email.text)}
    assert f'href="{PUBLIC_URL}{in_text}"' in email.html
    return in_text


def claimant(aws: Emulator, email: SentEmail) -> str | None:
    """The contact whose claim link the email carries."""
    path, _, token = claim_path(email).partition("?t=")
    reference = path.rsplit("/", 1)[1]
    return aws.services.claim_tokens.contact(reference, unquote(token), aws.clock())


def post_claim(client: Client, email: SentEmail) -> Any:
    path = claim_path(email)
    reference_path, token = path.split("?t=", 1)
    return client.http.post(reference_path, headers={
        "Content-Type": "application/x-www-form-urlencoded"}, body=f"t={token}")


@pytest.fixture
def inquiry(
    aws: Emulator, submit_json: Submit, deliver_queued: Callable[[], int]
) -> Callable[..., str]:
    """Send an inquiry at a moment and deliver it; its reference."""

    def send(at: datetime = TUESDAY_9_AM, topic: str = "education",
             email: str = RESIDENT) -> str:
        start_at(aws, at)
        status, answer = submit_json({"email": email, "topic": topic,
                                      "message": "Gibt es einen Kita-Platz?"}, language="de")
        assert status == 201
        deliver_queued()
        return str(answer["reference"])

    return send



def item(aws: Emulator, reference: str) -> dict[str, Any]:
    (found,) = [i for i in aws.stored_inquiries() if i["reference"]["S"] == reference]
    return found


# ------------------------------------------------------------------ the reminder


def test_one_working_day_later_the_contact_gets_one_reminder_with_the_claim_link(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry()
    (staff_email,) = sent_to(aws, ANNA)
    assert claimant(aws, staff_email) == "anna-meier", "the staff email carries the link"
    sent = len(aws.sent())

    clock_at(flensburg(2026, 12, 2, 8, 59))
    assert subjects(aws, sent) == [], "not before the working day is over"
    clock_at(flensburg(2026, 12, 2, 9, 1))
    clock_at(flensburg(2026, 12, 2, 15, 0))

    assert subjects(aws, sent) == [
        (ANNA, f"Erinnerung: Anfrage {reference} wartet seit 1 Arbeitstag")]
    reminder = aws.sent()[-1]
    assert claimant(aws, reminder) == "anna-meier"
    assert "Ich übernehme diese Anfrage" in reminder.html


# ------------------------------------------------------------------ escalations


def test_unclaimed_by_response_days_the_deputy_gets_the_inquiry_with_its_own_link_and_a_note(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry()
    clock_at(flensburg(2026, 12, 2, 9, 1))
    sent = len(aws.sent())

    clock_at(flensburg(2026, 12, 8, 8, 59))
    assert subjects(aws, sent) == []
    clock_at(flensburg(2026, 12, 8, 9, 1))

    assert subjects(aws, sent) == [
        (STEFAN, f"Eskaliert: Anfrage {reference}: Bildung (Sprache: Deutsch)"),
        (ANNA, f"Anfrage {reference} wurde an Stefan Schulz weitergegeben"),
    ]
    escalated, note = aws.sent()[sent:]
    assert ("An Sie eskaliert: nicht übernommen von Anna Meier innerhalb von 5 Arbeitstagen."
            in escalated.text)
    assert "Gibt es einen Kita-Platz?" in escalated.text, "the whole inquiry"
    assert escalated.header("Reply-To") == RESIDENT
    assert claimant(aws, escalated) == "stefan-schulz", "its own claim link"
    assert "Gibt es einen Kita-Platz?" not in note.text
    assert claimant(aws, note) == "anna-meier"


def test_a_step_whose_target_already_had_the_inquiry_is_skipped_and_nobody_left_alarms(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    reference = inquiry(topic="work")  # Stefan; the deputy and the lead are both Anna
    clock_at(flensburg(2026, 12, 8, 9, 1))
    assert subjects(aws)[-2:] == [
        (ANNA, f"Eskaliert: Anfrage {reference}: Arbeitsmarkt und Beruf (Sprache: Deutsch)"),
        (STEFAN, f"Anfrage {reference} wurde an Anna Meier weitergegeben")]
    sent = len(aws.sent())

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        clock_at(flensburg(2026, 12, 9, 9, 1))
        clock_at(flensburg(2027, 1, 9, 9, 1))

    assert subjects(aws, sent) == [(RESIDENT, f"Haben Sie eine Antwort auf Ihre Anfrage "
                                              f"{reference} erhalten?")], (
        "Anna, the lead, had it already as the deputy: only the resident's follow-up")
    alarms = [r for r in caplog.records if getattr(r, "event", None) is Event.NOBODY_LEFT]
    assert len(alarms) == 1, "one alarm, not one per run"
    assert alarms[0].getMessage().startswith(f"ALARM inquiry {reference}: unclaimed")
    counted = metric_counts(JsonLines().format(alarms[0]))
    assert counted == {"NobodyLeftToEscalate": 1}
    assert KINDS[Event.NOBODY_LEFT].metric in ALARM_METRICS, "the stack alarms on it"


# ------------------------------------------------------------------ claiming


def test_opening_the_claim_link_changes_nothing_and_its_button_claims_the_inquiry(
    inquiry: Callable[..., str], aws: Emulator, client: Client,
    clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry()
    (staff_email,) = sent_to(aws, ANNA)
    before = item(aws, reference)

    for _ in range(3):  # Safe Links, a virus scanner, the contact person
        page = client.http.get(claim_path(staff_email))
        assert page.status_code == 200
    assert item(aws, reference) == before

    html = page.body.decode()
    assert '<html lang="de" dir="ltr">' in html
    assert "Bildung" in html and "01.12.2026 09:00" in html
    assert "offen: noch von niemandem übernommen" in html
    assert re.search(rf'<form method="post" action="{reference}">', html)
    assert ">Ich übernehme diese Anfrage</button>" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"

    move_to(aws, flensburg(2026, 12, 1, 11, 30))
    claimed = post_claim(client, staff_email)

    assert claimed.status_code == 200
    shown = claimed.body.decode()
    assert "übernommen von Anna Meier am 01.12.2026 11:30" in shown
    assert "Ich übernehme diese Anfrage</button>" not in shown
    assert item(aws, reference)["claimed_by"] == {"S": "anna-meier"}


def test_claiming_twice_is_harmless_and_the_page_names_who_claimed_it_first(
    inquiry: Callable[..., str], aws: Emulator, client: Client,
    clock_at: Callable[[datetime], None],
) -> None:
    inquiry()
    clock_at(flensburg(2026, 12, 8, 9, 1))  # Stefan has it too now
    escalated = sent_to(aws, STEFAN)[0]
    (staff_email, *_) = sent_to(aws, ANNA)
    move_to(aws, flensburg(2026, 12, 8, 10, 15))
    post_claim(client, escalated)
    move_to(aws, flensburg(2026, 12, 8, 10, 40))

    again = post_claim(client, escalated)
    late = post_claim(client, staff_email)

    for answer in (again, late):
        assert answer.status_code == 200
        assert "übernommen von Stefan Schulz am 08.12.2026 10:15" in answer.body.decode()
    assert "weitergegeben an Stefan Schulz am 08.12.2026 09:01" in late.body.decode()


def test_after_a_claim_no_staff_email_follows_only_the_resident_s_follow_up(
    inquiry: Callable[..., str], aws: Emulator, client: Client,
    clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry()
    (staff_email,) = sent_to(aws, ANNA)
    post_claim(client, staff_email)
    sent = len(aws.sent())

    for day in (2, 3, 8, 9, 10, 31):
        clock_at(flensburg(2026, 12, day, 12, 0))
    clock_at(flensburg(2027, 3, 1, 12, 0))

    assert subjects(aws, sent) == [(RESIDENT, f"Haben Sie eine Antwort auf Ihre Anfrage "
                                              f"{reference} erhalten?")]
    assert "due" not in item(aws, reference), "off the clock's index once the loop closed"
    assert not {"name", "email", "message"} & item(aws, reference).keys()


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda path: path[:-2] + ("AA" if not path.endswith("AA") else "BB"),
                 id="a-changed-signature"),
    pytest.param(lambda path: path.replace("anna-meier", "stefan-schulz"), id="another-contact"),
    pytest.param(lambda path: path.split("?")[0], id="no-token"),
    pytest.param(lambda path: path.split("?")[0] + "?t=", id="an-empty-token"),
])
def test_a_bad_claim_token_is_a_404_for_the_page_and_the_button_alike(
    spoil: Callable[[str], str], inquiry: Callable[..., str], aws: Emulator, client: Client,
) -> None:
    reference = inquiry()
    (staff_email,) = sent_to(aws, ANNA)
    spoilt = spoil(claim_path(staff_email))
    path, _, token = spoilt.partition("?t=")

    page = client.http.get(spoilt)
    button = client.http.post(path, headers={
        "Content-Type": "application/x-www-form-urlencoded"}, body=f"t={token}")

    assert page.status_code == button.status_code == 404
    assert "claimed_at" not in item(aws, reference)


def test_a_claim_link_of_one_inquiry_opens_no_other(
    inquiry: Callable[..., str], aws: Emulator, client: Client,
) -> None:
    first = inquiry()
    second = inquiry(email="amal@example.org")
    first_email = next(e for e in sent_to(aws, ANNA) if first in e.subject)

    foreign = claim_path(first_email).replace(first, second)

    assert client.http.get(foreign).status_code == 404
    assert client.http.get(foreign.replace(second, "ZZZZ-ZZZZ")).status_code == 404


# ------------------------------------------------------------------ working days


def test_christmas_and_new_year_do_not_count_as_working_days(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry(at=flensburg(2026, 12, 24, 10, 0))  # Thursday, Christmas Eve
    sent = len(aws.sent())

    for moment in (flensburg(2026, 12, 25, 10, 0), flensburg(2026, 12, 26, 10, 0),
                   flensburg(2026, 12, 27, 23, 59), flensburg(2026, 12, 28, 9, 59)):
        clock_at(moment)
    assert subjects(aws, sent) == [], "25 and 26 December are holidays, the 27th a Sunday"
    clock_at(flensburg(2026, 12, 28, 10, 1))
    assert subjects(aws, sent) == [
        (ANNA, f"Erinnerung: Anfrage {reference} wartet seit 1 Arbeitstag")]

    # 28, 29, 30, 31 December; 1 January is Neujahr; Monday 4 January the fifth.
    clock_at(flensburg(2027, 1, 1, 10, 0))
    clock_at(flensburg(2027, 1, 4, 9, 59))
    assert len(aws.sent()) == sent + 1
    clock_at(flensburg(2027, 1, 4, 10, 1))
    assert [to for to, _ in subjects(aws, sent + 1)] == [STEFAN, ANNA]


def test_good_friday_and_easter_monday_do_not_count_as_working_days(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry(at=flensburg(2027, 3, 25, 10, 0))  # Thursday before Easter
    sent = len(aws.sent())

    for moment in (flensburg(2027, 3, 26, 10, 0), flensburg(2027, 3, 29, 10, 0),
                   flensburg(2027, 3, 30, 9, 59)):
        clock_at(moment)
    assert subjects(aws, sent) == [], "Good Friday, the weekend and Easter Monday"
    clock_at(flensburg(2027, 3, 30, 10, 1))

    assert subjects(aws, sent) == [
        (ANNA, f"Erinnerung: Anfrage {reference} wartet seit 1 Arbeitstag")]


def test_an_inquiry_sent_on_a_saturday_counts_from_monday_00_00(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
) -> None:
    reference = inquiry(at=flensburg(2026, 12, 5, 12, 0))
    sent = len(aws.sent())

    clock_at(flensburg(2026, 12, 7, 23, 59))
    assert subjects(aws, sent) == []
    clock_at(flensburg(2026, 12, 8, 0, 1))
    assert subjects(aws, sent) == [
        (ANNA, f"Erinnerung: Anfrage {reference} wartet seit 1 Arbeitstag")]


# ------------------------------------------------------------------ faults


class DiesOnItsSecondStep(DynamoDBInquiryStore):
    """The clock's process dies just before it writes its second step."""

    steps = 0

    def move_clock(
        self, reference: str, expected: Step | None, move: ClockMove, now: datetime,
        tally: Tally | None = None,
    ) -> bool:
        self.steps += 1
        if self.steps == 2:
            raise ClockDied
        return super().move_clock(reference, expected, move, now, tally)


class DiesWhenItQueues(SQSDeliveryQueue):
    """The clock's process dies after a step is written, before its message is queued."""

    def send(self, reference: str) -> None:
        raise ClockDied


@contextmanager
def dying(aws: Emulator, **given: Any) -> Iterator[None]:
    """Serve one run with a clock that dies as `given` makes it, then the normal one."""
    aws.serve(**given)
    with pytest.raises(ClockDied):
        yield
    aws.serve()


def every_email_once(aws: Emulator) -> Counter[tuple[str, str]]:
    return Counter(subjects(aws))


def test_a_clock_that_dies_mid_run_is_finished_by_the_next_run_and_repeats_no_email(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
    deliver_queued: Callable[[], int],
) -> None:
    first = inquiry()
    second = inquiry(email="amal@example.org")
    clock_at(flensburg(2026, 12, 2, 9, 5))  # both reminded
    move_to(aws, flensburg(2026, 12, 8, 9, 5))

    with dying(aws, store=DiesOnItsSecondStep(aws_clients.dynamodb(),
                                              aws.settings.table_name)):
        run_the_clock()
    deliver_queued()
    escalated = {e.subject for e in sent_to(aws, STEFAN)}
    assert len(escalated) == 1, "the first inquiry went on before the clock died"
    clock_at(flensburg(2026, 12, 8, 9, 20))  # the next run

    for reference, resident in ((first, RESIDENT), (second, "amal@example.org")):
        assert [to for to, subject in subjects(aws) if reference in subject] == [
            ANNA, resident, ANNA, STEFAN, ANNA], reference
    assert set(every_email_once(aws).values()) == {1}


def test_a_step_written_by_a_clock_that_died_before_queueing_it_is_queued_by_the_sweep(
    inquiry: Callable[..., str], aws: Emulator, clock_at: Callable[[datetime], None],
    deliver_queued: Callable[[], int],
) -> None:
    reference = inquiry()
    move_to(aws, flensburg(2026, 12, 2, 9, 1))
    queue = DiesWhenItQueues(aws_clients.sqs(), aws.settings.queue_name)

    with dying(aws, queue=queue):
        run_the_clock()
    clock_at(flensburg(2026, 12, 2, 9, 6))  # the next run: the step is taken already
    sweep()  # within the grace period: the clock's message might still be on its way
    deliver_queued()
    assert len(sent_to(aws, ANNA)) == 1, "no reminder yet"
    move_to(aws, flensburg(2026, 12, 2, 9, 12))
    sweep()
    deliver_queued()
    move_to(aws, flensburg(2026, 12, 2, 9, 30))
    sweep()
    deliver_queued()

    assert subjects(aws)[2:] == [
        (ANNA, f"Erinnerung: Anfrage {reference} wartet seit 1 Arbeitstag")]


class ThrottledSES:
    """The emulator's SES, throttled for the next `times` sends."""

    def __init__(self, times: int) -> None:
        self.real = aws_clients.sesv2()
        self.times = times

    def send_email(self, **request: Any) -> Any:
        if self.times:
            self.times -= 1
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}},
                              "SendEmail")
        return self.real.send_email(**request)


def test_ses_throttled_during_the_escalation_escalates_later_and_once(
    inquiry: Callable[..., str], aws: Emulator, deliver_queued: Callable[[], int],
) -> None:
    reference = inquiry()
    move_to(aws, flensburg(2026, 12, 8, 9, 1))
    aws.serve(mailer=SESMailer(ThrottledSES(times=2), None))  # type: ignore[arg-type]

    run_the_clock()
    received = deliver_queued()

    assert received == 3, "twice throttled and returned to the queue, then sent"
    assert [to for to, subject in subjects(aws) if reference in subject] == [
        ANNA, RESIDENT, STEFAN, ANNA]
    assert set(every_email_once(aws).values()) == {1}
