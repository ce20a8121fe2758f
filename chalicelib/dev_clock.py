"""The dev stack's clock: real time plus an offset that `make run`'s POST /clock moves.

The app (under `chalice local`), the delivery worker and the schedules run in two
processes; both read the offset from one small file that the dev stack writes
(DEV_CLOCK_FILE, seconds as text), so every time-based thing moves together:
deadlines, form tokens, rate-limit hours, retention, Date headers. Settings accept
DEV_CLOCK_FILE only beside an emulator's AWS_ENDPOINT_URL: no deployed stage can
run on a moved clock.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


class DevClock:
    """Now, as the dev stack sees it: the file's offset, read again when it changes."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        # (inode, mtime_ns, size) of the last read: each move writes a new file.
        self._seen: tuple[int, int, int] | None = None
        self._offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset()

    def offset(self) -> timedelta:
        try:
            status = os.stat(self._path)
        except FileNotFoundError:
            return self._offset
        seen = (status.st_ino, status.st_mtime_ns, status.st_size)
        if seen != self._seen:
            text = self._path.read_text().strip()
            self._offset = timedelta(seconds=float(text or "0"))
            self._seen = seen
        return self._offset

    def set_offset(self, offset: timedelta) -> None:
        """Move the clock (the dev stack only ever moves it forward): a whole new file
        in one rename, so a reader never sees half a number."""
        partial = self._path.with_name(self._path.name + ".partial")
        partial.write_text(f"{offset.total_seconds():.6f}\n")
        partial.replace(self._path)
