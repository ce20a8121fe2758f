"""Fixtures the functional tests of the loop share (the emulator's are in tests/conftest.py).

`inquiry` here is the status and erasure tests' (its status link); the follow-up and
the loop's tests define an `inquiry` of their own (its reference), which pytest prefers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from tests.functional.test_status_page import (
    MESSAGE,
    RESIDENT,
    RESIDENT_NAME,
    TUESDAY_9_AM,
    link_in,
    sent_to,
)
from tests.support.clock import MovableClock
from tests.support.emulator import Emulator, Submit, move_to, run_the_clock


@pytest.fixture
def clock_at(aws: Emulator, deliver_queued: Callable[[], int]) -> Callable[[datetime], None]:
    """Move the clock to a moment, run the clock's schedule, deliver what it queued."""

    def at(moment: datetime) -> None:
        move_to(aws, moment)
        run_the_clock()
        deliver_queued()

    return at


@pytest.fixture
def inquiry(
    aws: Emulator, submit_json: Submit, deliver_queued: Callable[[], int]
) -> Callable[..., str]:
    """Send an inquiry on Tuesday at 09:00 and deliver it; the status link of its
    confirmation, as a path."""

    def send(language: str = "en") -> str:
        aws.clock = MovableClock(TUESDAY_9_AM)
        aws.serve()
        status, _ = submit_json({"email": RESIDENT, "topic": "education", "message": MESSAGE,
                                 "name": RESIDENT_NAME}, language=language)
        assert status == 201
        deliver_queued()
        [confirmation] = sent_to(aws, RESIDENT)
        return link_in(confirmation, rf"{language}/status/")

    return send
