"""A clock that tests move forward instead of sleeping: real time plus an offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class MovableClock:
    """Now, as the code under test sees it; `advance` moves it, never back."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta() if start is None else start - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, **delta: float) -> None:
        """advance(minutes=11), advance(days=2): as timedelta's keywords."""
        step = timedelta(**delta)
        assert step >= timedelta(), "time goes forward"
        self._offset += step
