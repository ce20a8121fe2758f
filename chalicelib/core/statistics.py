"""Anonymous counts for the project's needs assessment: what the inquiries were about.

Every inquiry is a record of a need: its topic, its language, its month, how fast
somebody took it, whether the resident got an answer. The inquiries themselves are
gone after their retention; these counts stay (for the horizon the stage sets, five
years unless told otherwise), so they hold nothing that points to a person: no
reference, no name, no address, no text, no day, only month × topic × language.

A step of an inquiry's life that counts (accepted, claimed, escalated, answered,
erased) hands the store a `Tally`, which it adds in the same transaction as the step
itself: a step written is a step counted, and a step refused (written before, by a
redelivered message or a second click) counts nothing. Each inquiry counts at most
once per column ("escalated" means escalated at least once; "claimed" once, though a
resident's "no" can lift a claim and somebody claims again): the inquiry remembers
which columns it has been counted in (`InquiryRecord.counted`).

The counts of one month of receipt live in one item, one attribute per
topic × language × column (`education|ar|claimed`), plus the working days from receipt
to the claim as a histogram (`education|ar|days|2`): enough for the median and the
share claimed within the topic's response_days. What is published from them, and how
small numbers are hidden, is chalicelib/core/statistics_tables.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from chalicelib.core.local_time import flensburg_time
from chalicelib.core.records import Claim, InquiryRecord
from chalicelib.core.working_days import add_working_days, working_days_between


class Column(StrEnum):
    """What is counted per month × topic × language, in the CSV's order."""

    RECEIVED = "received"
    CLAIMED = "claimed"
    CLAIMED_IN_TIME = "claimed_in_time"  # within the topic's response_days
    ESCALATED = "escalated"  # passed on at least once (unclaimed, bounced, or a "no")
    ANSWERED_YES = "answered_yes"
    ANSWERED_NO = "answered_no"
    ERASED = "erased"
    INTERPRETER = "interpreter"  # the resident asked for an interpreter


COLUMNS: tuple[Column, ...] = tuple(Column)
DAYS = "days"  # the histogram of working days from receipt to the claim
SEPARATOR = "|"  # never part of a topic key (routing_file.py) or a language code


@dataclass(frozen=True)
class Tally:
    """What one step adds to the counts of the inquiry's month of receipt."""

    month: str  # "2026-12"
    columns: frozenset[Column]  # the inquiry's columns this step counts, once each
    increments: Mapping[str, int]  # attribute name → how much to add

    def __bool__(self) -> bool:
        return bool(self.increments)


def month_of(moment: datetime) -> str:
    """The month of a moment in Flensburg: an inquiry received at 00:30 on 1 December
    local time counts in December, although it is still November in UTC."""
    return flensburg_time(moment).strftime("%Y-%m")


def _tally(record: InquiryRecord, columns: Iterable[Column],
           claim_days: int | None = None) -> Tally | None:
    """The tally for `columns` not counted yet for this inquiry; None if none is left."""
    new = frozenset(column for column in columns if column not in record.counted)
    if not new:
        return None
    prefix = f"{record.inquiry.topic}{SEPARATOR}{record.inquiry.language}{SEPARATOR}"
    increments = {f"{prefix}{column}": 1 for column in sorted(new)}
    if claim_days is not None and Column.CLAIMED in new:
        increments[f"{prefix}{DAYS}{SEPARATOR}{claim_days}"] = 1
    return Tally(month_of(record.received_at), new, increments)


def received(record: InquiryRecord) -> Tally | None:
    """An inquiry was accepted."""
    columns = [Column.RECEIVED]
    if record.inquiry.interpreter:
        columns.append(Column.INTERPRETER)
    return _tally(record, columns)


def claimed(record: InquiryRecord, claim: Claim) -> Tally | None:
    """Somebody claimed it: how many working days after receipt, and whether within the
    topic's response_days (the deadline the resident was told)."""
    columns = [Column.CLAIMED]
    if claim.at <= add_working_days(record.received_at, record.response_days):
        columns.append(Column.CLAIMED_IN_TIME)
    return _tally(record, columns, working_days_between(record.received_at, claim.at))


def escalated(record: InquiryRecord) -> Tally | None:
    """It was passed on to somebody else (the first time counts)."""
    return _tally(record, [Column.ESCALATED])


def answered(record: InquiryRecord, yes: bool) -> Tally | None:
    """The resident answered the follow-up (the first answer stands)."""
    return _tally(record, [Column.ANSWERED_YES if yes else Column.ANSWERED_NO])


def erased(record: InquiryRecord) -> Tally | None:
    """The resident had their personal data erased."""
    return _tally(record, [Column.ERASED])


@dataclass
class CellCounts:
    """The counts of one month × topic × language."""

    columns: Counter[Column] = field(default_factory=Counter)
    claim_days: Counter[int] = field(default_factory=Counter)  # working days → inquiries


Cell = tuple[str, str, str]  # (month, topic, language)


def read_cells(items: Mapping[str, Mapping[str, int]]) -> dict[Cell, CellCounts]:
    """The counts by cell, from the stored items (month → attribute → count). An
    attribute this version does not know (a column added later) is passed over."""
    cells: dict[Cell, CellCounts] = {}
    known = {column.value: column for column in COLUMNS}
    for month, attributes in items.items():
        for name, count in attributes.items():
            parts = name.split(SEPARATOR)
            if len(parts) == 3 and parts[2] in known:
                counts = cells.setdefault((month, parts[0], parts[1]), CellCounts())
                counts.columns[known[parts[2]]] += count
            elif len(parts) == 4 and parts[2] == DAYS and parts[3].isdigit():
                counts = cells.setdefault((month, parts[0], parts[1]), CellCounts())
                counts.claim_days[int(parts[3])] += count
    return cells


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("2026-11", "2027-02"), both included."""
    year, month = (int(part) for part in first.split("-"))
    end = tuple(int(part) for part in last.split("-"))
    months: list[str] = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_start(month: str) -> date:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1)
