"""The path an unclaimed inquiry would take (chalicelib/core/escalation_path.py): each
step's deadline in working days, whom it reaches, and why a step is skipped.

With the shipped routing: education goes to Anna Meier, its deputy is Stefan Schulz, the
escalation contact is Anna Meier (the project lead); work goes to Stefan Schulz, its
deputy is Anna Meier. The deadlines are those the clock keeps in
tests/functional/test_no_inquiry_dies_in_an_inbox.py, for the same inquiries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.escalation_path import EscalationPath, Skip, plan_escalation
from chalicelib.core.records import Step
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, parse_routing_text

REMIND, ESCALATE, AGAIN = Step.REMIND, Step.ESCALATE, Step.ESCALATE_AGAIN


def flensburg(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Berlin"))


TUESDAY_9_AM = flensburg(2026, 12, 1, 9)


def shipped(edit: Callable[[str], str] = lambda text: text) -> RoutingConfig:
    return parse_routing_text(edit(BUNDLED_ROUTING_FILE.read_text(encoding="utf-8")))


def edited(old: str, new: str) -> RoutingConfig:
    def edit(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return shipped(edit)


def plan(topic: str = "education", at: datetime = TUESDAY_9_AM,
         routing: RoutingConfig | None = None, language: str = "de") -> EscalationPath:
    return plan_escalation(routing or shipped(), topic, language, at)


def seen(path: EscalationPath) -> list[tuple[Step, str, str]]:
    """Each step as an admin reads it: its deadline, and whom it reaches or why nobody."""
    return [(step.step, f"{step.at:%Y-%m-%d %H:%M}",
             step.target.key if step.target is not None else step.why)
            for step in path.steps]


# ------------------------------------------------------------------ the deadlines


def test_an_education_inquiry_is_reminded_then_escalated_and_the_lead_who_had_it_is_skipped(
) -> None:
    path = plan()

    assert path.decision.contact.key == "anna-meier"
    assert seen(path) == [
        (REMIND, "2026-12-02 09:00", "anna-meier"),
        (ESCALATE, "2026-12-08 09:00", "stefan-schulz"),
        (AGAIN, "2026-12-09 09:00",
         "skipped: the escalation contact, anna-meier, had it already"),
    ]
    assert [step.working_days for step in path.steps] == [1, 5, 6]
    assert path.no_reminder == ""
    assert path.steps[2].skip is Skip.HAD_IT
    assert path.nobody_left, "the clock logs an ALARM"
    assert path.last_holder.key == "stefan-schulz"


def test_deadlines_are_moments_in_flensburgs_time_whatever_zone_the_moment_came_in() -> None:
    path = plan(at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))

    assert path.received_at == TUESDAY_9_AM
    assert path.steps[0].at == flensburg(2026, 12, 2, 9)
    assert path.steps[0].at.tzinfo == ZoneInfo("Europe/Berlin")


def test_an_inquiry_sent_on_a_saturday_counts_its_working_days_from_monday_midnight() -> None:
    path = plan(at=flensburg(2026, 12, 5, 12))

    assert [(step, at) for step, at, _ in seen(path)] == [
        (REMIND, "2026-12-08 00:00"), (ESCALATE, "2026-12-14 00:00"),
        (AGAIN, "2026-12-15 00:00")]


def test_christmas_and_new_year_do_not_count_as_working_days() -> None:
    # Thursday 24 December 10:00; 25 and 26 December are holidays, 27 a Sunday;
    # 1 January is Neujahr: the fifth working day is Monday 4 January.
    path = plan(at=flensburg(2026, 12, 24, 10))

    assert seen(path) == [
        (REMIND, "2026-12-28 10:00", "anna-meier"),
        (ESCALATE, "2027-01-04 10:00", "stefan-schulz"),
        (AGAIN, "2027-01-05 10:00",
         "skipped: the escalation contact, anna-meier, had it already"),
    ]


def test_a_topic_whose_response_days_are_not_above_remind_after_days_has_no_reminder() -> None:
    path = plan("health", routing=edited("remind_after_days = 1", "remind_after_days = 3"))

    assert path.no_reminder == ("no reminder: the topic's response_days (3) are not above "
                                "the routing's remind_after_days (3)")
    assert seen(path) == [
        (ESCALATE, "2026-12-04 09:00", "anna-meier"),
        (AGAIN, "2026-12-07 09:00",
         "skipped: the escalation contact, anna-meier, had it already"),
    ]


# ------------------------------------------------------------------ skipped steps


def test_the_deputy_who_is_also_the_escalation_contact_gets_it_once_then_nobody_is_left(
) -> None:
    path = plan("work")

    assert seen(path) == [
        (REMIND, "2026-12-02 09:00", "stefan-schulz"),
        (ESCALATE, "2026-12-08 09:00", "anna-meier"),
        (AGAIN, "2026-12-09 09:00",
         "skipped: the escalation contact, anna-meier, had it already"),
    ]
    assert path.nobody_left
    assert path.last_holder.key == "anna-meier"


def test_an_escalation_contact_whose_address_gets_a_copy_of_the_topic_already_had_it() -> None:
    routing = shipped(lambda text: text.replace(
        'escalation_contact = "anna-meier"', 'escalation_contact = "andrea-becker"').replace(
        '[topics.education]\n', '[topics.education]\ncc = ["Presse@drk.de"]\n'))

    path = plan(routing=routing)

    assert path.steps[2].why == "skipped: the escalation contact, andrea-becker, had it already"
    assert path.nobody_left


def test_a_deputy_absent_on_the_day_of_the_deadline_is_skipped_and_the_next_step_goes_on(
) -> None:
    routing = shipped(lambda text: text.replace(
        'escalation_contact = "anna-meier"', 'escalation_contact = "andrea-becker"')
        + '\n[[absences]]\ncontact = "stefan-schulz"\n'
          'first_day = 2026-12-08\nlast_day = 2026-12-08\n')

    path = plan(routing=routing)

    assert seen(path)[1:] == [
        (ESCALATE, "2026-12-08 09:00",
         "skipped: the deputy of education: stefan-schulz is absent on 2026-12-08"),
        (AGAIN, "2026-12-09 09:00", "andrea-becker"),
    ]
    assert path.steps[1].skip is Skip.ABSENT
    assert not path.nobody_left
    assert path.last_holder.key == "andrea-becker"


def test_an_absence_that_ends_before_the_deadline_skips_nothing() -> None:
    routing = shipped(lambda text: text + '\n[[absences]]\ncontact = "stefan-schulz"\n'
                      'first_day = 2026-12-01\nlast_day = 2026-12-07\n')

    assert seen(plan(routing=routing))[1] == (ESCALATE, "2026-12-08 09:00", "stefan-schulz")


def test_the_reminder_goes_to_the_first_contact_even_on_a_day_she_is_absent() -> None:
    # As the clock does: only the escalations look for someone present.
    routing = shipped(lambda text: text + '\n[[absences]]\ncontact = "anna-meier"\n'
                      'first_day = 2026-12-02\nlast_day = 2026-12-02\n')

    assert seen(plan(routing=routing))[0] == (REMIND, "2026-12-02 09:00", "anna-meier")


def test_an_inquiry_that_went_to_the_deputy_at_once_skips_the_deputys_step() -> None:
    routing = shipped(lambda text: text + '\n[[absences]]\ncontact = "anna-meier"\n'
                      'first_day = 2026-12-01\nlast_day = 2026-12-01\n')

    path = plan(routing=routing)

    assert path.decision.contact.key == "stefan-schulz"
    assert seen(path) == [
        (REMIND, "2026-12-02 09:00", "stefan-schulz"),
        (ESCALATE, "2026-12-08 09:00",
         "skipped: the deputy of education, stefan-schulz, had it already"),
        (AGAIN, "2026-12-09 09:00", "anna-meier"),
    ]


def test_without_an_escalation_contact_the_last_step_finds_nobody() -> None:
    path = plan(routing=edited('escalation_contact = "anna-meier"', ""))

    assert path.steps[2].why == "skipped: there is no escalation contact"
    assert path.steps[2].skip is Skip.NOBODY
    assert path.nobody_left


def test_without_a_deputy_the_escalation_contact_is_next() -> None:
    routing = shipped(lambda text: text.replace(
        'escalation_contact = "anna-meier"', 'escalation_contact = "andrea-becker"').replace(
        '[topics.education]\ncontacts = ["anna-meier"]\ndeputy = "stefan-schulz"\n',
        '[topics.education]\ncontacts = ["anna-meier"]\n'))

    path = plan(routing=routing)

    assert [why for _, _, why in seen(path)[1:]] == [
        "skipped: there is no deputy of education", "andrea-becker"]


def test_an_unknown_topic_takes_the_way_of_the_fallback_topic() -> None:
    path = plan("astrology")

    assert path.decision.contact.key == "stefan-schulz"
    assert path.steps[1].role == "the deputy of other"
    assert path.steps[1].target is not None and path.steps[1].target.key == "anna-meier"


# ------------------------------------------------------------------ the retention


def test_a_step_due_when_the_retention_ends_does_not_happen_and_raises_no_alarm() -> None:
    # The check refuses such a file (a retention shorter than the loop): built directly,
    # as a routing made some other way could be.
    shipped = edited("", "")
    short = replace(shipped.topics["education"], retention_days=7)
    path = plan(routing=replace(shipped, topics={**shipped.topics, "education": short}))

    assert path.retention_ends == flensburg(2026, 12, 8, 9)
    assert seen(path) == [
        (REMIND, "2026-12-02 09:00", "anna-meier"),
        (ESCALATE, "2026-12-08 09:00",
         "does not happen: the retention ends first, on 2026-12-08 09:00"),
        (AGAIN, "2026-12-09 09:00",
         "does not happen: the retention ends first, on 2026-12-08 09:00"),
    ]
    assert {step.skip for step in path.steps[1:]} == {Skip.AFTER_RETENTION}
    assert not path.nobody_left, "the inquiry is deleted before the clock could alarm"


def test_the_retention_is_elapsed_time_so_summer_time_moves_its_clock_time() -> None:
    # 180 days from 1 December 09:00 winter time is 30 May 10:00 summer time, as the
    # stored inquiry's expiry (received in UTC) falls.
    assert plan().retention_ends == flensburg(2027, 5, 30, 10)


def test_a_moment_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan(at=datetime(2026, 12, 1, 9))
