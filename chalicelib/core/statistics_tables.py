"""What the statistics publish: the counts of a range of months as tables, small numbers hidden.

One publication holds everything an output shows: a row per month × topic × language
that has any inquiry (the CSV), the totals by month, by topic and by language and the
grand total of the range, and, for the monthly report, the totals of its month by
topic and by language. Each column is protected on its own over all of these at once
(chalicelib/core/disclosure.py): 1–4 become "<5", and further numbers "x" wherever a
total would otherwise give a hidden number away, so the CSV, the terminal table and
the HTML report show the same figures and no two of them together reveal more.

A median of the working days to the claim is shown only where at least five claimed
inquiries stand behind it, a share claimed in time only where both of its numbers are
shown, and a bar only for a number that is shown. Names are German: the report is for
the city's committees.
"""

from __future__ import annotations

import statistics as arithmetic
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chalicelib.core.disclosure import suppress
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.messages import language_name
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.statistics import COLUMNS, Cell, CellCounts, Column

Key = tuple[str, ...]  # ("cell", month, topic, language), ("topic", topic), ("total",), …
MEDIAN_AT_LEAST = 5  # claimed inquiries behind a median
REPORT_LANGUAGE = "de"

# The CSV's header, and the German heading of each column in the tables.
CSV_COLUMNS = ("month", "topic", "language", *COLUMNS, "median_days_to_claim")
HEADINGS: dict[Column, str] = {
    Column.RECEIVED: "Eingegangen",
    Column.CLAIMED: "Übernommen",
    Column.CLAIMED_IN_TIME: "Rechtzeitig übernommen",
    Column.ESCALATED: "Weitergegeben",
    Column.ANSWERED_YES: "Antwort erhalten",
    Column.ANSWERED_NO: "Keine Antwort",
    Column.ERASED: "Gelöscht",
    Column.INTERPRETER: "Dolmetschung",
}
MONTH_NAMES = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
               "September", "Oktober", "November", "Dezember")


@dataclass(frozen=True)
class Row:
    """One line of a table: what it counts, and each column as shown."""

    month: str  # "2026-12", or "" for a total over months
    topic: str  # the topic's German name, or "" for a total over topics
    language: str  # the language's German name, or "" for a total over languages
    shown: Mapping[Column, str]  # "12", "<5" or "x"
    median: str  # "2", "2,5", or "" where fewer than five stand behind it

    def number(self, column: Column) -> int | None:
        """The column's number where it is shown, else None (for bars and shares)."""
        text = self.shown[column]
        return int(text) if text.isdigit() else None

    @property
    def in_time_share(self) -> str:
        """The share claimed within the response days, "83 %", where both are shown."""
        claimed, in_time = self.number(Column.CLAIMED), self.number(Column.CLAIMED_IN_TIME)
        if not claimed or in_time is None:
            return ""
        return f"{round(100 * in_time / claimed)} %"


@dataclass(frozen=True)
class Totals:
    """The totals of one period by topic and by language, and its grand total."""

    months: tuple[str, ...]
    by_topic: tuple[Row, ...]
    by_language: tuple[Row, ...]
    total: Row

    @property
    def title(self) -> str:
        return period_name(self.months)


@dataclass(frozen=True)
class Publication:
    months: tuple[str, ...]  # the range, oldest first
    rows: tuple[Row, ...]  # month × topic × language, for the CSV
    by_month: tuple[Row, ...]
    period: Totals  # the whole range
    focus: Totals | None  # one month of it (the monthly report's), or None

    def csv_rows(self) -> list[list[str]]:
        return [[row.month, row.topic, row.language,
                 *(row.shown[column] for column in COLUMNS), row.median.replace(",", ".")]
                for row in self.rows]


def month_name(month: str) -> str:
    """ "2026-12" as "Dezember 2026"."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year}"


def period_name(months: Sequence[str]) -> str:
    if not months:
        return ""
    if len(months) == 1:
        return month_name(months[0])
    return f"{month_name(months[0])} bis {month_name(months[-1])}"


def publish(cells: Mapping[Cell, CellCounts], months: Sequence[str], routing: RoutingConfig,
            focus: str | None = None) -> Publication:
    """Everything shown for `months` (and the totals of the `focus` month), protected."""
    months = tuple(months)
    wanted = {cell: counts for cell, counts in cells.items()
              if cell[0] in months and counts.columns[Column.RECEIVED] > 0}
    topics = _ordered({topic for _, topic, _ in wanted}, list(routing.topics))
    languages = _ordered({language for _, _, language in wanted}, list(LANGUAGES))
    in_range = [m for m in months if any(cell[0] == m for cell in wanted)]
    order = [(m, t, lang) for m in in_range for t in topics for lang in languages
             if (m, t, lang) in wanted]
    groups: dict[Key, list[Cell]] = {}
    lines: list[tuple[Key, list[Key]]] = []

    def group(key: Key, members: Iterable[Cell]) -> Key:
        groups[key] = list(members)
        return key

    cell_keys = [group(("cell", *cell), [cell]) for cell in order]
    # One month: its total is the grand total, and is published once.
    month_keys = [group(("month", m), [c for c in order if c[0] == m])
                  for m in in_range] if len(in_range) > 1 else []
    topic_keys = [group(("topic", t), [c for c in order if c[1] == t]) for t in topics]
    language_keys = [group(("language", lang), [c for c in order if c[2] == lang])
                     for lang in languages]
    total_key = group(("total",), order)
    for key in month_keys:
        lines.append((key, [k for k in cell_keys if k[1] == key[1]]))
    for key in topic_keys:
        lines.append((key, [k for k in cell_keys if k[2] == key[1]]))
    for key in language_keys:
        lines.append((key, [k for k in cell_keys if k[3] == key[1]]))
    lines += [(total_key, keys) for keys in (month_keys, topic_keys, language_keys) if keys]
    focus_topic_keys: list[Key] = []
    focus_language_keys: list[Key] = []
    # A focus month that is the whole range: its totals are the range's.
    if focus is not None and focus in in_range and len(in_range) > 1:
        of_focus = [c for c in order if c[0] == focus]
        focus_topic_keys = [group(("focus-topic", t), [c for c in of_focus if c[1] == t])
                            for t in topics if any(c[1] == t for c in of_focus)]
        focus_language_keys = [
            group(("focus-language", lang), [c for c in of_focus if c[2] == lang])
            for lang in languages if any(c[2] == lang for c in of_focus)]
        for key in focus_topic_keys:
            lines.append((key, [("cell", *c) for c in of_focus
                                if c[1] == key[1]]))
        for key in focus_language_keys:
            lines.append((key, [("cell", *c) for c in of_focus
                                if c[2] == key[1]]))
        lines += [(("month", focus), list(focus_topic_keys)),
                  (("month", focus), list(focus_language_keys))]

    shown: dict[Column, dict[Key, str]] = {}
    for column in COLUMNS:
        values = {key: sum(wanted[c].columns[column] for c in members)
                  for key, members in groups.items()}
        shown[column] = suppress(values, lines, _weights(groups))

    def row(key: Key, month: str = "", topic: str = "", language: str = "") -> Row:
        if key[0] == "month" and not month_keys:
            key = total_key
        days: Counter[int] = Counter()
        for cell in groups[key]:
            days.update(wanted[cell].claim_days)
        return Row(month, _topic_name(topic, routing) if topic else "",
                   _language_name(language) if language else "",
                   {column: shown[column][key] for column in COLUMNS}, _median(days))

    def totals(of: tuple[str, ...], by_topic: list[Key],
               by_language: list[Key], total: Key) -> Totals:
        return Totals(of, tuple(row(k, topic=k[1]) for k in by_topic),
                      tuple(row(k, language=k[1]) for k in by_language),
                      row(total))

    period = totals(months, topic_keys, language_keys, total_key)
    focus_totals = None
    if focus_topic_keys and focus is not None:
        focus_totals = totals((focus,), focus_topic_keys, focus_language_keys,
                              ("month", focus))
    elif focus is not None and in_range == [focus]:
        focus_totals = Totals((focus,), period.by_topic, period.by_language, period.total)
    return Publication(
        months=months,
        rows=tuple(row(key, key[1], key[2], key[3]) for key in cell_keys),
        by_month=tuple(row(key, month=key[1]) for key in month_keys) or tuple(
            row(total_key, month=m) for m in in_range),
        period=period,
        focus=focus_totals,
    )


# What hiding a number costs beyond its value: a reader needs the totals most, the month's
# and the grand total above all, so those are hidden only where nothing cheaper protects.
WEIGHTS = {"cell": 1, "topic": 10, "language": 10, "focus-topic": 10, "focus-language": 10,
           "month": 20, "total": 50}


def _weights(groups: Mapping[Key, object]) -> dict[Key, int]:
    return {key: WEIGHTS[key[0]] for key in groups}


def _ordered(found: set[str], preferred: list[str]) -> list[str]:
    """In the routing's (or the languages') order; what it no longer has, after, sorted."""
    return [key for key in preferred if key in found] + sorted(found - set(preferred))


def _topic_name(topic: str, routing: RoutingConfig) -> str:
    known = routing.topics.get(topic)
    # A topic the routing no longer has keeps its key: its counts stay meaningful.
    return known.label(REPORT_LANGUAGE) if known is not None else topic


def _language_name(code: str) -> str:
    return language_name(code, REPORT_LANGUAGE)


def _median(days: Counter[int]) -> str:
    """The median working days to the claim, where at least MEDIAN_AT_LEAST stand behind it."""
    if days.total() < MEDIAN_AT_LEAST:
        return ""
    value = arithmetic.median(sorted(days.elements()))
    return f"{value:g}".replace(".", ",")
