"""The anonymous statistics as people read them: a terminal table, a CSV, an HTML report, an email.

`wegweiser stats` prints one of the first three for a range of months; the monthly
report goes to the routing's `[reports] recipients` on the first working day of each
month: the month before and the year so far, the same protected tables with bars that
Outlook renders (table cells, no images, no script), and the CSV attached. The HTML of
the file and of the email is one template (templates/statistics/report.html).

The report is sent once per month however often its schedule runs: a run takes the
month's lease in the report log, sends, and marks it sent; a run that fails lets the
lease go, so the next one (the schedule runs daily) tries again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.utils import format_datetime

from chalicelib.core.emails import Sender, alternatives, set_headers
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import Clock, Mailer, ReportLog, SendError, StatisticsSource
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.statistics import COLUMNS, Column, months_between, read_cells
from chalicelib.core.statistics_tables import (
    CSV_COLUMNS,
    HEADINGS,
    REPORT_LANGUAGE,
    Publication,
    Row,
    Totals,
    month_name,
    publish,
)
from chalicelib.core.telemetry import Event, emit
from chalicelib.core.templating import render
from chalicelib.core.working_days import is_working_day

REPORT_LEASE = timedelta(minutes=15)


def read_publication(source: StatisticsSource, months: Sequence[str], routing: RoutingConfig,
                     focus: str | None = None) -> Publication:
    """The protected tables of `months`, read from the counts (never from an inquiry)."""
    return publish(read_cells(source.counts(months)), months, routing, focus)


def as_csv(publication: Publication) -> str:
    """One row per month × topic × language with any inquiry (RFC 4180, UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(publication.csv_rows())
    return out.getvalue()


def as_table(publication: Publication) -> str:
    """The tables for a terminal: totals by topic, language and month, then every row."""
    if not publication.rows:
        return f"Wegweiser – {publication.period.title}: keine Anfragen.\n"
    headings = [HEADINGS[column] for column in COLUMNS] + ["Median Tage"]
    sections = [
        ("Nach Thema", "Thema", [(row.topic, row) for row in publication.period.by_topic]),
        ("Nach Sprache", "Sprache",
         [(row.language, row) for row in publication.period.by_language]),
        ("Nach Monat", "Monat", [(month_name(row.month), row) for row in publication.by_month]),
        ("Gesamt", "", [("Alle Anfragen", publication.period.total)]),
        ("Einzelzeilen (Monat × Thema × Sprache)", "Monat, Thema, Sprache",
         [(f"{row.month}, {row.topic}, {row.language}", row) for row in publication.rows]),
    ]
    lines = [f"Wegweiser – Anfragen {publication.period.title}", "",
             "<5: 1 bis 4 Anfragen. x: verborgen, damit sich keine kleine Zahl aus den "
             "Summen errechnen lässt.", ""]
    for title, first, rows in sections:
        table = [[first, *headings]] + [[label, *_cells(row)] for label, row in rows]
        widths = [max(len(line[n]) for line in table) for n in range(len(table[0]))]
        lines += [title, "-" * len(title)]
        for number, line in enumerate(table):
            lines.append("  ".join(
                text.ljust(width) if n == 0 else text.rjust(width)
                for n, (text, width) in enumerate(zip(line, widths, strict=True))).rstrip())
            if number == 0:
                lines.append("  ".join("-" * width for width in widths))
        lines.append("")
    return "\n".join(lines)


def _cells(row: Row) -> list[str]:
    return [row.shown[column] for column in COLUMNS] + [row.median or "–"]


# One table of the report: its title, the heading of its first column, its rows with
# their labels, its total row (or None), and the largest shown number (the full bar).
Section = tuple[str, str, list[tuple[str, Row]], Row | None, int]


def _section(title: str, first: str, rows: Sequence[tuple[str, Row]],
             total: Row | None = None) -> Section:
    shown = [row.number(Column.RECEIVED) or 0 for _, row in rows]
    return title, first, list(rows), total, max(shown, default=0)


def _sections(totals: Totals, publication: Publication) -> list[Section]:
    sections = [
        _section("Nach Thema", "Thema", [(row.topic, row) for row in totals.by_topic],
                 totals.total),
        _section("Nach Sprache", "Sprache", [(row.language, row) for row in totals.by_language],
                 totals.total)]
    if totals is publication.period and len(publication.months) > 1:
        sections.append(_section("Nach Monat", "Monat", [(month_name(row.month), row)
                                                         for row in publication.by_month],
                                 totals.total))
    return sections


def as_html(publication: Publication, *, generated: date, email: bool = False) -> str:
    """The report as one self-contained HTML document: no script, no external request.
    The email shows the totals and attaches the rows; the file shows the rows too."""
    parts: list[tuple[str, list[Section]]] = []
    if publication.focus is not None and len(publication.months) > 1:
        parts.append((publication.focus.title, _sections(publication.focus, publication)))
        parts.append((f"Das Jahr bis dahin: {publication.period.title}",
                      _sections(publication.period, publication)))
    else:
        parts.append((publication.period.title, _sections(publication.period, publication)))
    if not email:
        parts.append(("Einzelzeilen", [_section(
            "Monat × Thema × Sprache", "Monat, Thema, Sprache",
            [(f"{month_name(row.month)}, {row.topic}, {row.language}", row)
             for row in publication.rows])]))
    return render("statistics/report.html", REPORT_LANGUAGE, publication=publication,
                  parts=parts if publication.rows else [], columns=COLUMNS, headings=HEADINGS,
                  received=Column.RECEIVED, generated=generated, email=email)


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def month_before(day: date) -> str:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def year_so_far(month: str) -> list[str]:
    """January of the month's year up to the month: a report on January shows January."""
    return months_between(f"{month[:4]}-01", month)


@dataclass
class MonthlyReport:
    source: StatisticsSource
    log: ReportLog
    mailer: Mailer
    sender: Sender
    routing: Callable[[], RoutingConfig]
    clock: Clock

    def send_if_due(self) -> str | None:
        """Send the report on the month before, from the first working day of this month
        on, unless it went out already; the month it reported on, or None."""
        now = self.clock()
        today = flensburg_time(now).date()
        if today < first_working_day(today.year, today.month):
            return None
        month = month_before(today)
        routing = self.routing()
        recipients = [contact.email for contact in routing.report_recipients]
        if not recipients or not self.log.take(month, now, REPORT_LEASE):
            return None
        try:
            publication = read_publication(self.source, year_so_far(month), routing, month)
            message = report_email(publication, month, self.sender, recipients, now)
            message_id = self.mailer.send(message, to=recipients[0], cc=tuple(recipients[1:]),
                                          tags={"kind": "report"})
        except SendError as error:
            self.log.release(month)
            emit(Event.REPORT_NOT_SENT, "the report on %s was not sent (%s); the next run "
                 "tries again", month, type(error).__name__, outcome=type(error).__name__)
            return None
        except Exception:
            self.log.release(month)
            raise
        self.log.mark_sent(month, message_id, now)
        emit(Event.REPORT_SENT, "the report on %s went to %d recipients", month,
             len(recipients), count=len(recipients))
        return month


def report_email(publication: Publication, month: str, sender: Sender,
                 recipients: Sequence[str], now: datetime) -> MIMEMultipart:
    """German, the month and the year so far, bars in table cells, the CSV attached."""
    generated = flensburg_time(now).date()
    text = render("statistics/report.txt", REPORT_LANGUAGE, publication=publication,
                  table=as_table(publication), month=month_name(month))
    message = MIMEMultipart("mixed")
    body = alternatives(text, as_html(publication, generated=generated, email=True))
    attachment = MIMEApplication(as_csv(publication).encode("utf-8"), "csv")
    for part in (body, attachment):
        del part["MIME-Version"]  # the message has it; a part needs none (RFC 2045)
    message.attach(body)
    attachment.replace_header("Content-Type", 'text/csv; charset="utf-8"')
    attachment.add_header("Content-Disposition", "attachment",
                          filename=f"wegweiser-statistik-{month[:4]}-bis-{month}.csv")
    message.attach(attachment)
    set_headers(message, sender, to=", ".join(recipients),
                subject=f"Wegweiser: Zahlen für {month_name(month)}", language=REPORT_LANGUAGE)
    message["Date"] = format_datetime(now)
    return message
