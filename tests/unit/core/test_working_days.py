"""Working days in Flensburg (working_days.py): the interface's examples, and every public
holiday of Schleswig-Holstein checked against the `holidays` package as the oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from chalicelib.core.working_days import (
    add_working_days,
    easter_sunday,
    is_working_day,
    longest_span,
    public_holidays,
    working_days_between,
)

BERLIN = ZoneInfo("Europe/Berlin")


def flensburg(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(("received", "days", "due"), [
    (flensburg(2026, 12, 1, 9), 1, flensburg(2026, 12, 2, 9)),
    (flensburg(2026, 12, 1, 9), 5, flensburg(2026, 12, 8, 9)),
    (flensburg(2026, 12, 24, 10), 1, flensburg(2026, 12, 28, 10)),
    (flensburg(2026, 12, 5, 12), 1, flensburg(2026, 12, 8, 0)),
], ids=["tuesday-plus-one", "tuesday-plus-five-over-a-weekend", "christmas-eve-over-christmas",
        "a-saturday-counts-from-monday-midnight"])
def test_the_interfaces_examples_of_deadlines(received: datetime, days: int, due: datetime) -> None:
    assert add_working_days(received, days) == due


def test_good_friday_and_easter_monday_2027_are_not_working_days() -> None:
    # Thursday 25 March 2027, 14:00: Good Friday is 26 March, Easter Monday 29 March.
    assert add_working_days(flensburg(2027, 3, 25, 14), 1) == flensburg(2027, 3, 30, 14)


def test_reformation_day_2026_falls_on_a_saturday_and_costs_no_working_day() -> None:
    assert not is_working_day(date(2026, 10, 31))
    assert add_working_days(flensburg(2026, 10, 30, 9), 1) == flensburg(2026, 11, 2, 9)


def test_a_deadline_keeps_its_clock_time_across_the_change_to_winter_time() -> None:
    # Friday 23 October 2026, 09:00 summer time (UTC+2); summer time ends on 25 October.
    due = add_working_days(flensburg(2026, 10, 23, 9), 1)

    assert due == flensburg(2026, 10, 26, 9)
    assert due.utcoffset() == timedelta(hours=1), "winter time: the clock time stayed"


def test_a_moment_in_utc_is_counted_in_flensburgs_time() -> None:
    # 23:30 UTC on Friday 4 December is 00:30 on Saturday in Flensburg: a weekend.
    assert add_working_days(datetime(2026, 12, 4, 23, 30, tzinfo=UTC), 1) == \
        flensburg(2026, 12, 8, 0)


@pytest.mark.parametrize("year", range(2018, 2041))
def test_the_public_holidays_are_schleswig_holsteins_as_the_holidays_package_lists_them(
    year: int,
) -> None:
    oracle = holidays.country_holidays("DE", subdiv="SH", years=year)

    assert public_holidays(year) == frozenset(oracle)


def test_easter_sunday_matches_known_dates() -> None:
    assert [easter_sunday(y) for y in (2026, 2027, 2028, 2038)] == [
        date(2026, 4, 5), date(2027, 3, 28), date(2028, 4, 16), date(2038, 4, 25)]


@pytest.mark.parametrize(("end", "days"), [
    (flensburg(2026, 12, 2, 8, 59), 0),
    (flensburg(2026, 12, 2, 9), 1),
    (flensburg(2026, 12, 8, 9), 5),
    (flensburg(2026, 11, 30, 9), 0),
])
def test_whole_working_days_between_two_moments(end: datetime, days: int) -> None:
    assert working_days_between(flensburg(2026, 12, 1, 9), end) == days


@pytest.mark.parametrize("working_days", [1, 3, 7])
def test_the_longest_span_is_the_longest_any_deadline_takes_plus_a_day_for_summer_time(
    working_days: int,
) -> None:
    """The oracle: every start at 00:00, noon and 23:00 from 2026 to 2035, through the
    deadline rule itself."""
    longest = timedelta()
    day = date(2026, 1, 1)
    while day < date(2035, 12, 1):
        for hour in (0, 12, 23):
            start = flensburg(day.year, day.month, day.day, hour)
            longest = max(longest, add_working_days(start, working_days) - start)
        day += timedelta(days=1)

    assert longest_span(working_days) == longest.days + (1 if longest.seconds else 0) + 1


def test_three_working_days_from_the_saturday_before_christmas_2028_take_ten_days() -> None:
    """Christmas Day and Boxing Day on Monday and Tuesday, New Year's Day on Monday."""
    start = flensburg(2028, 12, 23, 0)

    assert add_working_days(start, 3) == flensburg(2029, 1, 2, 0)
    assert longest_span(3) == 11
