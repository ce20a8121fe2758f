"""The monthly report to the project lead: on the first working day of a month, once,
in German, the month before and the year so far, the CSV attached, nothing personal.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.emails import Sender
from chalicelib.core.ports import SendThrottled
from chalicelib.core.statistics_report import (
    MonthlyReport,
    first_working_day,
    month_before,
    year_so_far,
)
from tests.support.fakes import InMemoryReportLog, RecordingMailer
from tests.support.whole_loop import Loop, subject_of

FLENSBURG = ZoneInfo("Europe/Berlin")
ANNA = "info@integration-flensburg.de"


def report_of(loop: Loop, log: InMemoryReportLog | None = None,
              mailer: RecordingMailer | None = None) -> MonthlyReport:
    return MonthlyReport(source=loop.store, log=log or InMemoryReportLog(),
                         mailer=mailer or loop.mailer,
                         sender=Sender("noreply@wegweiser.example", "Wegweiser"),
                         routing=lambda: loop.routing, clock=loop.clock)


def parts(message: Message) -> dict[str, str]:
    """Each part's content type → its decoded text."""
    found = {}
    for part in message.walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return found


def test_the_first_working_day_passes_over_weekends_and_new_year() -> None:
    assert first_working_day(2027, 1) == date(2027, 1, 4)  # Friday 1 January is a holiday
    assert first_working_day(2026, 12) == date(2026, 12, 1)
    assert first_working_day(2027, 5) == date(2027, 5, 3)  # Saturday 1 May
    assert month_before(date(2027, 1, 4)) == "2026-12"
    assert year_so_far("2026-12")[0] == "2026-01" and len(year_so_far("2026-12")) == 12
    assert year_so_far("2027-01") == ["2027-01"], "a report on January shows January"


def test_the_report_on_december_goes_once_on_the_first_working_day_of_january() -> None:
    loop = Loop()
    for language in ["ar"] * 5 + ["uk"] * 3 + ["de"] * 3:
        loop.submit(language=language)
    sent_before = len(loop.mailer.sent)
    log = InMemoryReportLog()
    report = report_of(loop, log)

    loop.at(datetime(2027, 1, 1, 8, 0, tzinfo=FLENSBURG))  # a holiday: not yet
    assert report.send_if_due() is None
    loop.at(datetime(2027, 1, 4, 8, 0, tzinfo=FLENSBURG))
    assert report.send_if_due() == "2026-12"
    for hours in (1, 24, 24 * 20):  # the schedule runs again, that day and later
        loop.clock.advance(seconds=hours * 3600)
        assert report.send_if_due() is None

    (sent,) = loop.mailer.sent[sent_before:]
    assert sent.to == ANNA
    assert subject_of(sent) == "Wegweiser: Zahlen für Dezember 2026"
    assert sent.message["Content-Language"] == "de"
    assert log.sent == {"2026-12": sent.message_id}
    body = parts(sent.message)
    assert set(body) == {"text/plain", "text/html", "text/csv"}
    (attachment,) = [part for part in sent.message.walk()
                     if part.get_content_disposition() == "attachment"]
    assert attachment.get_filename() == "wegweiser-statistik-2026-bis-2026-12.csv"
    rows = list(csv.DictReader(io.StringIO(body["text/csv"])))
    assert {(row["topic"], row["language"], row["received"]) for row in rows} == {
        ("Bildung", "Arabisch", "5"), ("Bildung", "Ukrainisch", "<5"),
        ("Bildung", "Deutsch", "<5")}
    assert "Dezember 2026" in body["text/html"] and "Arabisch" in body["text/html"]
    for personal in ("Kita", "resident@", "@example", "anna-meier"):
        assert personal not in str(sent.message)


def test_a_report_that_could_not_be_sent_goes_with_the_next_run() -> None:
    loop = Loop()
    loop.submit(language="ar")
    mailer = RecordingMailer([SendThrottled("busy")])
    log = InMemoryReportLog()
    report = report_of(loop, log, mailer)
    loop.at(datetime(2027, 1, 4, 8, 0, tzinfo=FLENSBURG))

    assert report.send_if_due() is None
    assert log.sent == {} and log.leases == {}, "the lease is let go at once"
    loop.clock.advance(seconds=24 * 3600)
    assert report.send_if_due() == "2026-12"
    assert len(mailer.sent) == 1


def test_two_runs_at_the_same_time_send_one_report() -> None:
    loop = Loop()
    log = InMemoryReportLog()
    loop.at(datetime(2027, 1, 4, 8, 0, tzinfo=FLENSBURG))
    assert log.take("2026-12", loop.clock(), timedelta(minutes=15)), "another run is sending"

    assert report_of(loop, log).send_if_due() is None
    assert loop.mailer.sent == []


def test_a_month_without_inquiries_still_gets_its_report() -> None:
    loop = Loop()
    loop.at(datetime(2027, 2, 1, 8, 0, tzinfo=FLENSBURG))

    assert report_of(loop).send_if_due() == "2027-01"
    (sent,) = loop.mailer.sent
    assert "keine Anfragen" in parts(sent.message)["text/html"]


def test_without_recipients_in_the_routing_there_is_no_report() -> None:
    from tests.support.whole_loop import routing_with

    loop = Loop(routing_with(lambda text: text.replace(
        'recipients = ["anna-meier"]', "recipients = []")))
    loop.at(datetime(2027, 1, 4, 8, 0, tzinfo=FLENSBURG))

    assert report_of(loop).send_if_due() is None
    assert loop.mailer.sent == []


@pytest.mark.parametrize("text", ['recipients = ["anna-meyer"]', 'recipients = "anna-meier"'])
def test_a_wrong_report_recipient_is_a_problem_of_the_routing(text: str) -> None:
    from chalicelib.core.routing_file import RoutingConfigError
    from tests.support.whole_loop import routing_with

    with pytest.raises(RoutingConfigError) as refused:
        routing_with(lambda routing: routing.replace('recipients = ["anna-meier"]', text))
    assert any(problem.path.startswith("reports.recipients")
               for problem in refused.value.problems)
