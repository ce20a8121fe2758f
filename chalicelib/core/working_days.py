"""Working days in Flensburg: Monday to Friday, except Schleswig-Holstein's public holidays.

Deadlines (reminders, escalations, the follow-up) count working days from receipt, as
the interface defines them: N working days from a moment T is the same clock time on
the N-th working day after T's date; a T outside a working day counts from 00:00 of the
next working day. All in Flensburg's time zone, so a deadline keeps its clock time
across the change to and from summer time.

The holidays are computed, not looked up: the `holidays` package would cost 163 ms of a
cold start and 14 MB installed for nine dates a year, four of them from Easter (its
dates serve as the test oracle instead, tests/unit/core/test_working_days.py).
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from chalicelib.core.local_time import flensburg_time

# Reformationstag is a public holiday in Schleswig-Holstein since 2018.
REFORMATION_DAY_SINCE = 2018


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


@functools.cache
def public_holidays(year: int) -> frozenset[date]:
    """Schleswig-Holstein's public holidays in a year."""
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1),  # Neujahr
        easter - timedelta(days=2),  # Karfreitag
        easter + timedelta(days=1),  # Ostermontag
        date(year, 5, 1),  # Tag der Arbeit
        easter + timedelta(days=39),  # Christi Himmelfahrt
        easter + timedelta(days=50),  # Pfingstmontag
        date(year, 10, 3),  # Tag der Deutschen Einheit
        date(year, 12, 25),  # 1. Weihnachtstag
        date(year, 12, 26),  # 2. Weihnachtstag
    }
    if year >= REFORMATION_DAY_SINCE:
        days.add(date(year, 10, 31))  # Reformationstag
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(moment: datetime, days: int) -> datetime:
    """The moment `days` working days after `moment`, in Flensburg's time zone."""
    local = flensburg_time(moment)
    if not is_working_day(local.date()):
        # Received on a weekend or holiday: the count starts at 00:00 of the next working day.
        start = next_working_day(local.date())
        local = local.replace(year=start.year, month=start.month, day=start.day,
                              hour=0, minute=0, second=0, microsecond=0)
    day = local.date()
    for _ in range(days):
        day = next_working_day(day)
    return _on_day(local, day)


def working_days_between(start: datetime, end: datetime) -> int:
    """How many whole working days lie from `start` to `end`: the n with
    add_working_days(start, n) <= end < add_working_days(start, n + 1); 0 if end < start."""
    count = 0
    while add_working_days(start, count + 1) <= end:
        count += 1
    return count


def _on_day(local: datetime, day: date) -> datetime:
    """The same wall-clock time as `local` on another day, in the same time zone (a zone,
    not an offset: across a change of summer time the clock time stays, the offset moves)."""
    return datetime.combine(day, local.timetz())


# The years `longest_span` looks at: a retention checked today must be long enough
# for the inquiries of the coming years, with their Easters and Christmases.
SPAN_YEARS = range(2026, 2036)


@functools.cache
def _span_days() -> tuple[list[date], list[date]]:
    """Every day of SPAN_YEARS, and its working days: built once per container (the
    routing check asks for a span per distinct response_days)."""
    first, last = date(SPAN_YEARS.start, 1, 1), date(SPAN_YEARS.stop - 1, 12, 31)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return days, [day for day in days if is_working_day(day)]


@functools.cache
def longest_span(working_days: int) -> int:
    """The most whole calendar days that `working_days` working days can take from
    receipt, whenever in SPAN_YEARS an inquiry arrives.

    From a working day the deadline is that clock time on the N-th working day after;
    from any other day it is 00:00 of the N-th working day after the next working day
    (Saturday noon, 1 → Tuesday 00:00), which can take longer. Counted in dates, plus
    one day for the hour that the change to or from summer time can add.
    """
    days, working = _span_days()
    longest, next_working = 0, 0
    for day in days:
        while next_working < len(working) and working[next_working] < day:
            next_working += 1
        # The day itself when it is a working day, else the next one (from its 00:00).
        if next_working + working_days >= len(working):
            break
        longest = max(longest, (working[next_working + working_days] - day).days)
    return longest + 1
