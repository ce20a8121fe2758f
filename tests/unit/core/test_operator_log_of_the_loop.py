"""What the log tells whoever is on call about the loop (escalation.py, ses_feedback.py,
follow_up.py): each step of the clock, each fail-over and each answer, line by line, with
the fields CloudWatch and the alarms read. Every line that needs a person says ALARM;
no line names an address, a name or a message.

The whole loop over fakes (tests/support/whole_loop.py), shipped routing: education goes
to Anna Meier (deputy Stefan Schulz, escalation contact Anna Meier); work goes to Stefan
Schulz (deputy Anna Meier).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

from chalicelib.core.ports import ClockMove, StoreUnavailable
from chalicelib.core.records import Step
from chalicelib.core.statistics import Tally
from tests.support.fakes import InMemoryInquiryStore
from tests.support.loop import ses_bounce
from tests.support.whole_loop import ANNA, RESIDENT, STEFAN, Loop

INFO, WARNING, ERROR = logging.INFO, logging.WARNING, logging.ERROR
# What the test leaves out: the lines of the intake and the delivery (test_operator_log.py).
OTHER_EVENTS = {"inquiry_accepted", "email_sent"}

Line = tuple[int, str, str, str | None, dict[str, object]]


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="wegweiser")
    yield caplog


def lines(caplog: pytest.LogCaptureFixture) -> list[Line]:
    """(level, message, event, reference, fields) of each line about the loop."""
    found: list[Line] = []
    for record in caplog.records:
        event = str(getattr(record, "event", ""))
        if record.name == "wegweiser" and event not in OTHER_EVENTS:
            details: dict[str, object] = {key: str(value) for key, value in
                                          getattr(record, "details", {}).items()}
            found.append((record.levelno, record.getMessage(), event,
                          getattr(record, "reference", None), details))
    return found


def test_an_unclaimed_inquiry_is_logged_step_by_step_to_the_close(
    log: pytest.LogCaptureFixture,
) -> None:
    loop = Loop()
    ref = loop.submit()
    for step in (Step.REMIND, Step.ESCALATE, Step.ESCALATE_AGAIN, Step.FOLLOW_UP):
        loop.at(loop.deadline(ref, step))
        loop.run_clock()
    close_at = loop.record(ref).due_at
    assert close_at is not None
    loop.at(close_at)
    loop.run_clock()

    ran = (INFO, "the clock ran: 1 steps taken, 1 inquiries due", "clock_ran", None,
           {"count": "1"})
    assert lines(log) == [
        (INFO, f"inquiry {ref}: unclaimed, its contact is reminded", "reminder_asked", ref,
         {"contact": "anna-meier"}),
        ran,
        (WARNING, f"inquiry {ref}: unclaimed after 5 working days, escalated to stefan-schulz",
         "inquiry_escalated", ref, {"step": "escalate", "contact": "stefan-schulz"}),
        ran,
        (ERROR, f"ALARM inquiry {ref}: unclaimed after 6 working days and nobody left to "
         "escalate it to (the escalation contact, anna-meier, had it already)", "nobody_left",
         ref, {"step": "escalate_again",
               "outcome": "the escalation contact, anna-meier, had it already"}),
        ran,
        (INFO, f"inquiry {ref}: the resident is asked whether an answer came",
         "follow_up_asked", ref, {}),
        ran,
        (INFO, f"inquiry {ref}: the loop closed, its personal data is forgotten",
         "loop_closed", ref, {}),
        ran,
    ]


def test_a_reminder_overtaken_by_its_escalation_is_logged_as_not_sent(
    log: pytest.LogCaptureFixture,
) -> None:
    loop = Loop()
    ref = loop.submit()
    loop.at(loop.deadline(ref, Step.ESCALATE))  # the clock was down for a week

    loop.run_clock()

    assert [line[1:3] for line in lines(log)] == [
        (f"inquiry {ref}: reminder overtaken by its escalation, not sent", "reminder_overtaken"),
        (f"inquiry {ref}: unclaimed after 5 working days, escalated to stefan-schulz",
         "inquiry_escalated"),
        ("the clock ran: 2 steps taken, 1 inquiries due", "clock_ran"),
    ]


def test_a_bounce_fails_over_and_a_second_one_alarms_that_nobody_is_left(
    log: pytest.LogCaptureFixture,
) -> None:
    loop = Loop()
    ref = loop.submit("work")

    loop.ses_reports(ses_bounce(STEFAN, reference=ref, kind="staff"))
    loop.ses_reports(ses_bounce(ANNA, reference=ref, kind="escalated"))

    assert lines(log) == [
        (ERROR, "ALARM Bounce for contact stefan-schulz: the address does not accept mail; "
         "counted as absent for new inquiries until 2026-12-08; check the address in "
         "routing.toml", "contact_bounced", ref, {"contact": "stefan-schulz", "kind": "bounce"}),
        (WARNING, f"inquiry {ref}: the address of contact stefan-schulz bounced; passed on to "
         "anna-meier", "inquiry_failed_over", ref, {"step": "escalate", "contact": "anna-meier"}),
        (ERROR, "ALARM Bounce for contact anna-meier: the address does not accept mail; "
         "counted as absent for new inquiries until 2026-12-08; check the address in "
         "routing.toml", "contact_bounced", ref, {"contact": "anna-meier", "kind": "bounce"}),
        (ERROR, f"ALARM inquiry {ref}: the address of contact anna-meier bounced and nobody is "
         "left to pass it on to (the escalation contact, anna-meier, had it already)",
         "nobody_left", ref, {"contact": "anna-meier"}),
    ]
    assert not any(address in line[1] for line in lines(log)
                   for address in (ANNA, STEFAN, RESIDENT))


def test_a_no_to_the_follow_up_is_logged_with_whom_the_inquiry_went_to(
    log: pytest.LogCaptureFixture,
) -> None:
    loop = Loop()
    ref = loop.submit()
    loop.claims.claim(ref, loop.claim_token(ref))
    loop.at(loop.deadline(ref, Step.FOLLOW_UP))
    loop.run_clock()
    log.clear()

    loop.follow_ups.answer(ref, loop.answer_token(ref), False)

    assert lines(log) == [
        (INFO, f"inquiry {ref}: the resident answered the follow-up: no", "answer_recorded",
         ref, {"outcome": "not_answered"}),
        (WARNING, f"inquiry {ref}: the resident reports no answer; escalated to stefan-schulz",
         "inquiry_escalated", ref,
         {"step": "escalate", "contact": "stefan-schulz", "outcome": "not_answered"}),
    ]


def test_when_the_bounced_contacts_cannot_be_read_the_clock_says_so_and_goes_on(
    log: pytest.LogCaptureFixture,
) -> None:
    loop = Loop()
    ref = loop.submit()
    loop.unreachable.unavailable = True
    loop.at(loop.deadline(ref, Step.ESCALATE))

    assert loop.run_clock() == 2

    assert lines(log)[0] == (
        WARNING, "contacts with bounced addresses unknown (the in-memory contact list is "
        "switched off): routed as if there were none", "unreachable_unknown", None, {})


class FaultyStore(InMemoryInquiryStore):
    """A store in which taking a step always fails, for a reason nobody foresaw; the
    clock's bookkeeping of a failed try (a move that stays at REMIND) still works."""

    def move_clock(
        self, reference: str, expected: Step | None, move: ClockMove, now: datetime,
        tally: Tally | None = None,
    ) -> bool:
        if move.step is not Step.REMIND:
            raise ValueError("a fault nobody foresaw")
        return super().move_clock(reference, expected, move, now, tally)


def test_a_step_that_keeps_failing_is_logged_each_time_and_then_alarmed_once(
    log: pytest.LogCaptureFixture,
) -> None:
    loop = Loop(store=FaultyStore())
    ref = loop.submit()
    loop.at(loop.deadline(ref, Step.REMIND))
    for _ in range(5):
        loop.run_clock()
        loop.clock.advance(minutes=16)

    failures = [line for line in lines(log) if line[2] in ("clock_step_failed", "clock_gave_up")]
    assert failures[0] == (WARNING, f"inquiry {ref}: step remind failed (ValueError), "
                           "tried again later", "clock_step_failed", ref,
                           {"step": "remind", "outcome": "ValueError"})
    assert [line[2] for line in failures] == ["clock_step_failed"] * 4 + ["clock_gave_up"]
    assert failures[-1] == (ERROR, f"ALARM inquiry {ref}: step remind failed 5 times "
                            "(ValueError); set aside, a person must look at it",
                            "clock_gave_up", ref, {"step": "remind", "outcome": "ValueError"})


def test_an_inquiry_gone_before_its_step_is_logged_and_the_store_down_fails_the_run(
    log: pytest.LogCaptureFixture,
) -> None:
    loop = Loop()
    ref = loop.submit()
    loop.at(loop.deadline(ref, Step.REMIND))
    loop.store.inquiries[ref].expires_at = 0  # past its retention, not yet removed

    assert loop.run_clock() == 0
    assert lines(log) == [(INFO, f"inquiry {ref} is gone: no step for it",
                           "clock_inquiry_gone", ref, {})]

    loop.store.unavailable = True
    with pytest.raises(StoreUnavailable):
        loop.run_clock()
