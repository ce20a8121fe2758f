"""`wegweiser stats`: the anonymous counts of a table in the terminal, as CSV and as HTML."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from chalicelib.admin.cli import USAGE, main
from chalicelib.core.ports import StatisticsSource
from tests.support.fakes import InMemoryInquiryStore

CSV_HEADER = ["month", "topic", "language", "received", "claimed", "claimed_in_time",
              "escalated", "answered_yes", "answered_no", "erased", "interpreter",
              "median_days_to_claim"]


@pytest.fixture
def store() -> InMemoryInquiryStore:
    store = InMemoryInquiryStore()
    store.statistics["2026-11"] = Counter({
        "education|ar|received": 12, "education|ar|claimed": 9,
        "education|ar|claimed_in_time": 7, "education|ar|days|1": 5, "education|ar|days|3": 4,
        "education|ar|interpreter": 6,
        "work|uk|received": 7, "work|uk|claimed": 6, "work|uk|days|2": 6,
        "health|fa|received": 2})
    store.statistics["2026-12"] = Counter({"education|ar|received": 8})
    return store


def run(store: StatisticsSource, *argv: str, tables: list[str] | None = None) -> int:
    def reading(table: str) -> StatisticsSource:
        if tables is not None:
            tables.append(table)
        return store

    return main(["stats", *argv], statistics=reading)


def test_the_csv_has_one_row_per_month_topic_and_language_with_german_names(
    store: InMemoryInquiryStore, capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(store, "--from", "2026-11", "--to", "2026-12", "--format", "csv") == 0

    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == CSV_HEADER
    assert [row[:3] for row in rows[1:]] == [
        ["2026-11", "Bildung", "Arabisch"],
        ["2026-11", "Arbeitsmarkt und Beruf", "Ukrainisch"],
        ["2026-11", "Gesundheitsversorgung", "Persisch (Farsi / Dari)"],
        ["2026-12", "Bildung", "Arabisch"],
    ]
    # The 2 is hidden, and so is at least one more number of November, or November's
    # total would give it away (tests/unit/core/test_statistics_tables.py attacks them).
    assert [row[3] for row in rows[1:]][2] == "<5"
    assert "x" in [row[3] for row in rows[1:3]]
    assert {row[3] for row in rows[1:]} <= {"12", "7", "<5", "8", "x"}
    education = dict(zip(CSV_HEADER, rows[1], strict=True))
    assert education["interpreter"] == "6"
    assert education["median_days_to_claim"] == "1", "9 claims: the fifth took 1 day"
    assert rows[4][-1] == "", "no claim in December: no median"


def test_the_table_shows_totals_by_topic_language_and_month(
    store: InMemoryInquiryStore, capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(store, "--from", "2026-11", "--to", "2026-12") == 0

    out = capsys.readouterr().out
    for heading in ("Nach Thema", "Nach Sprache", "Nach Monat", "Gesamt", "Einzelzeilen"):
        assert heading in out
    assert "November 2026 bis Dezember 2026" in out
    assert "<5: 1 bis 4 Anfragen" in out


def test_the_html_is_one_file_without_script_or_external_request(
    store: InMemoryInquiryStore, capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(store, "--from", "2026-11", "--to", "2026-12", "--format", "html") == 0

    html = capsys.readouterr().out
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="de">' in html
    for foreign in ("<script", "src=", "http://", "https://", "<link", "@import"):
        assert foreign not in html
    assert "Bildung" in html and "Arabisch" in html


def test_the_default_range_is_the_last_twelve_months_and_the_table_from_the_environment(
    store: InMemoryInquiryStore, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INQUIRY_TABLE", "wegweiser-prod-InquiryTable-1X2Y")
    tables: list[str] = []
    assert run(store, "--to", "2026-12", "--format", "csv", tables=tables) == 0
    assert tables == ["wegweiser-prod-InquiryTable-1X2Y"]
    assert len(capsys.readouterr().out.splitlines()) == 5

    assert run(store, "--to", "2027-11", "--format", "csv", "--table", "other",
               tables=tables) == 0
    assert tables[-1] == "other"
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row[:7] for row in rows] == ["2026-12"], "November 2026 is 13 months before"


@pytest.mark.parametrize("argv", [["--from", "2026-13"], ["--to", "December"]])
def test_a_month_that_is_not_one_is_a_usage_error(
    store: InMemoryInquiryStore, argv: list[str], capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        run(store, *argv)
    assert stopped.value.code == USAGE
    assert "not a month" in capsys.readouterr().err


def test_a_range_that_ends_before_it_starts_is_a_usage_error(
    store: InMemoryInquiryStore, capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(store, "--from", "2026-12", "--to", "2026-11") == USAGE
    assert "--from 2026-12 is after --to 2026-11" in capsys.readouterr().err


def test_a_table_that_cannot_be_read_is_said_so(capsys: pytest.CaptureFixture[str]) -> None:
    store = InMemoryInquiryStore()
    store.unavailable = True

    assert run(store, "--table", "nowhere") == USAGE
    assert "the table 'nowhere' cannot be read" in capsys.readouterr().err


def test_without_the_adapter_stats_says_how_to_run_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["stats"]) == USAGE
    assert "installed `wegweiser`" in capsys.readouterr().err
