"""What the statistics publish, read as the project lead (or an attacker) reads it: German
names, medians and shares only where enough stands behind them, and no hidden number
that can be worked out from all that one output shows.

The attack takes the publication as printed: every total row is the sum of the detail
rows it covers (by the names in them, as a reader sees them), and an integer-programming
solver tries to pin each hidden number (tests/unit/core/test_disclosure.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.statistics import COLUMNS, CellCounts, Column
from chalicelib.core.statistics_tables import Publication, Row, publish
from tests.unit.core.test_disclosure import everything_hidden, recovered

ROUTING = bundled_routing(frozenset())
TOPICS = ["education", "work", "health", "culture"]
LANGUAGES = ["de", "ar", "uk", "fa", "tr"]
MONTHS = ["2026-10", "2026-11", "2026-12"]

Cell = tuple[str, str, str]


def cells_of(received: dict[Cell, int], **more: dict[Cell, int]) -> dict[Cell, CellCounts]:
    cells: dict[Cell, CellCounts] = {}
    for cell, count in received.items():
        counts = CellCounts()
        counts.columns[Column.RECEIVED] = count
        for column, values in more.items():
            counts.columns[Column(column)] = values.get(cell, 0)
        cells[cell] = counts
    return cells


Lines = list[tuple[Any, list[Any]]]


def reader_equations(publication: Publication) -> tuple[dict[Any, Row], Lines]:
    """Every published row by a key, and the sums a reader can check between them."""
    rows = {("row", row.month, row.topic, row.language): row for row in publication.rows}
    nodes: dict[Any, Row] = dict(rows)
    lines: list[tuple[Any, list[Any]]] = []

    def summed(key: Any, row: Row, covered: Iterable[Any]) -> None:
        nodes[key] = row
        lines.append((key, list(covered)))

    summed(("total",), publication.period.total, rows)
    for row in publication.period.by_topic:
        summed(("topic", row.topic), row, [k for k in rows if k[2] == row.topic])
    for row in publication.period.by_language:
        summed(("language", row.language), row, [k for k in rows if k[3] == row.language])
    if len(publication.months) > 1:
        for row in publication.by_month:
            if row.month:
                summed(("month", row.month), row, [k for k in rows if k[1] == row.month])
    focus = publication.focus
    if focus is not None and len(publication.months) > 1:
        (month,) = focus.months
        summed(("month", month), focus.total, [k for k in rows if k[1] == month])
        for row in focus.by_topic:
            summed(("focus-topic", row.topic), row,
                   [k for k in rows if k[1] == month and k[2] == row.topic])
        for row in focus.by_language:
            summed(("focus-language", row.language), row,
                   [k for k in rows if k[1] == month and k[3] == row.language])
    return nodes, lines


def true_values(nodes: dict[Any, Row], lines: Lines,
                cells: dict[Cell, CellCounts], column: Column) -> dict[Any, int]:
    values: dict[Any, int] = {}
    by_name = {(m, ROUTING.topics[t].label("de"), _german(lang)): counts
               for (m, t, lang), counts in cells.items()}
    for key in nodes:
        if key[0] == "row":
            values[key] = by_name[key[1:]].columns[column]
    for total, parts in lines:
        values[total] = sum(values[part] for part in parts)
    return values


def _german(code: str) -> str:
    from chalicelib.core.messages import language_name

    return language_name(code, "de")


@st.composite
def months_of_inquiries(draw: st.DrawFn) -> tuple[dict[Cell, CellCounts], list[str], str | None]:
    months = MONTHS[:draw(st.integers(1, 3))]
    count = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 25))
    received: dict[Cell, int] = {}
    claimed: dict[Cell, int] = {}
    for month in months:
        for topic in TOPICS:
            for language in LANGUAGES:
                if (n := draw(count)) > 0:
                    received[month, topic, language] = n
                    claimed[month, topic, language] = draw(st.integers(0, n))
    focus = draw(st.sampled_from([None, months[-1]]))
    return cells_of(received, claimed=claimed), months, focus


@settings(max_examples=40, deadline=None)
@given(months_of_inquiries())
def test_nothing_hidden_can_be_worked_out_from_what_one_output_shows(
    drawn: tuple[dict[Cell, CellCounts], list[str], str | None],
) -> None:
    cells, months, focus = drawn
    publication = publish(cells, months, ROUTING, focus)
    nodes, lines = reader_equations(publication)
    for column in (Column.RECEIVED, Column.CLAIMED):
        values = true_values(nodes, lines, cells, column)
        shown = {key: row.shown[column] for key, row in nodes.items()}
        for key, value in values.items():
            assert shown[key] in ({"<5"} if 1 <= value <= 4 else {str(value), "x"}), key
        pinned = recovered(values, lines, shown)
        unprotectable = recovered(values, lines, everything_hidden(values)) if pinned else {}
        assert {k: v for k, v in pinned.items() if k not in unprotectable} == {}
        event("recovered only what no pattern protects" if pinned else "nothing recovered")


def test_the_rows_and_totals_carry_german_topic_and_language_names() -> None:
    publication = publish(cells_of({("2026-12", "health", "fa"): 6,
                                    ("2026-12", "education", "uk"): 7}), ["2026-12"], ROUTING)

    assert [(row.topic, row.language) for row in publication.rows] == [
        ("Bildung", "Ukrainisch"), ("Gesundheitsversorgung", "Persisch (Farsi / Dari)")]
    assert [row.topic for row in publication.period.by_topic] == [
        "Bildung", "Gesundheitsversorgung"], "in the routing's order"
    assert publication.period.title == "Dezember 2026"


def test_a_topic_the_routing_no_longer_has_keeps_its_key() -> None:
    publication = publish(cells_of({("2026-12", "housing", "ar"): 9}), ["2026-12"], ROUTING)

    assert publication.rows[0].topic == "housing"


def test_a_median_needs_five_claimed_inquiries_and_a_share_both_of_its_numbers_shown() -> None:
    four, five = CellCounts(), CellCounts()
    four.columns.update({Column.RECEIVED: 9, Column.CLAIMED: 4})
    four.claim_days.update({1: 4})
    five.columns.update({Column.RECEIVED: 9, Column.CLAIMED: 6, Column.CLAIMED_IN_TIME: 5})
    five.claim_days.update({0: 2, 2: 2, 3: 2})
    publication = publish({("2026-12", "education", "ar"): four,
                           ("2026-12", "work", "uk"): five}, ["2026-12"], ROUTING)
    few, enough = publication.rows

    assert few.median == "" and enough.median == "2"
    assert publication.period.total.median == "1", "0 0 1 1 [1 1] 2 2 3 3"
    shown = {column: "0" for column in COLUMNS}
    both = Row("2026-12", "Bildung", "Arabisch",
               {**shown, Column.CLAIMED: "6", Column.CLAIMED_IN_TIME: "5"}, "2")
    hidden = Row("2026-12", "Bildung", "Arabisch",
                 {**shown, Column.CLAIMED: "x", Column.CLAIMED_IN_TIME: "5"}, "2")
    assert both.in_time_share == "83 %" and hidden.in_time_share == ""


def test_one_month_is_its_own_total_and_the_report_month_of_january_is_the_year() -> None:
    publication = publish(cells_of({("2027-01", "education", "ar"): 12,
                                    ("2027-01", "work", "ar"): 8}),
                          ["2027-01"], ROUTING, focus="2027-01")

    (month,) = publication.by_month
    assert month.month == "2027-01" and month.shown == publication.period.total.shown
    assert publication.focus is not None
    assert publication.focus.by_topic == publication.period.by_topic


def test_a_month_without_inquiries_has_no_rows_and_zero_totals() -> None:
    publication = publish({}, ["2026-12"], ROUTING)

    assert publication.rows == ()
    assert all(publication.period.total.shown[column] == "0" for column in COLUMNS)
