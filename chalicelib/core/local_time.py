"""Flensburg's local time: absences, received times and (later) deadlines are local days."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def flensburg_time(moment: datetime) -> datetime:
    """The moment in Flensburg's time zone."""
    try:
        return moment.astimezone(ZoneInfo("Europe/Berlin"))
    except ZoneInfoNotFoundError:  # a runtime without tz data: UTC is an hour or two off
        return moment
