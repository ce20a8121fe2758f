"""The way an unclaimed inquiry would go: each step's deadline and whom it reaches.

Why it exists: the clock (escalation.py) decides a step only when it is due, so until
then nobody sees where an inquiry about a topic ends up if nobody claims it: that the
topic's deputy is also the escalation contact (the last step is skipped, an ALARM
follows), or that an absence swallows a step. `wegweiser route` and `wegweiser table`
show it from this plan, made before any inquiry arrives.

The plan applies the clock's own rules to an inquiry made up for it, as the intake
would store it: `start_clock`, `step_days`, `deadline`, `scheduled` and `had_it` come
from escalation.py; who a step is for, and why it is skipped, repeats
`EscalationClock._target`, in the words of the clock's log.
It assumes the routing stays as it is (the clock reads the routing of the day it runs)
and judges an absence on the Flensburg day of the step's deadline (the clock: on the
day of its run, at most 15 minutes later).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from chalicelib.core.escalation import (
    NEXT,
    deadline,
    escalation_candidate,
    had_it,
    scheduled,
    start_clock,
    step_days,
)
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.records import ESCALATION_PHASE, Escalation, InquiryRecord, Recipient, Step
from chalicelib.core.routing import Contact, RoutingConfig, RoutingDecision, route_inquiry


class Skip(StrEnum):
    """Why a step reaches nobody."""

    NOBODY = "none"  # the routing names no deputy, or no escalation contact
    HAD_IT = "had it"  # the target had the inquiry already (by contact key or address)
    ABSENT = "absent"  # the target is absent on the day of the deadline
    AFTER_RETENTION = "after retention"  # the inquiry is deleted before the deadline


@dataclass(frozen=True)
class PlannedStep:
    step: Step
    working_days: int  # after receipt
    at: datetime  # the deadline, in Flensburg's time
    role: str  # whom the step is for: "the contact", "the deputy of education", ...
    target: Contact | None  # who gets its email; None when the step reaches nobody
    skip: Skip | None = None
    why: str = ""  # for a step that reaches nobody: why, in words an admin reads


@dataclass(frozen=True)
class EscalationPath:
    received_at: datetime  # in Flensburg's time
    decision: RoutingDecision  # the first contact, and why
    steps: tuple[PlannedStep, ...]  # in the clock's order, each with its deadline
    no_reminder: str  # why there is no reminder step, or ""
    retention_ends: datetime  # in Flensburg's time: then the inquiry is deleted

    @property
    def nobody_left(self) -> bool:
        """The last step comes and finds nobody: the clock logs an ALARM."""
        last = self.steps[-1]
        return last.step is Step.ESCALATE_AGAIN and last.skip not in (
            None, Skip.AFTER_RETENTION)

    @property
    def last_holder(self) -> Contact:
        """Who has the inquiry once the clock has taken every step."""
        return next((s.target for s in reversed(self.steps)
                     if s.target is not None and s.step is not Step.REMIND),
                    self.decision.contact)


def plan_escalation(
    routing: RoutingConfig, topic_key: str, language: str, received_at: datetime
) -> EscalationPath:
    """The path of an inquiry about `topic_key` in `language`, received at an aware
    moment, that nobody claims: its first contact, then each of the clock's steps."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be an aware datetime")
    # As the intake's clock gives it: in UTC, so the retention is elapsed time.
    received = received_at.astimezone(UTC)
    decision = route_inquiry(routing, topic_key, language, flensburg_time(received).date())
    record = start_clock(_made_up(decision, topic_key, language, received),
                         routing.remind_after_days)
    no_reminder = "" if record.remind_after_days else (
        f"no reminder: the topic's response_days ({record.response_days}) are not above "
        f"the routing's remind_after_days ({routing.remind_after_days})")
    steps: list[PlannedStep] = []
    step: Step | None = Step.REMIND if record.remind_after_days else Step.ESCALATE
    while step is not None and step in ESCALATION_PHASE:  # not the follow-up, nor the close
        planned = _plan(record, step, routing, decision.contact)
        steps.append(planned)
        if planned.target is not None and step is not Step.REMIND:
            record = replace(record, escalations=(
                *record.escalations, _escalation(record, planned, planned.target)))
        step = NEXT[step]
    return EscalationPath(
        received_at=flensburg_time(received), decision=decision, steps=tuple(steps),
        no_reminder=no_reminder, retention_ends=flensburg_time(record.expires_at))


def _plan(
    record: InquiryRecord, step: Step, routing: RoutingConfig, first: Contact
) -> PlannedStep:
    at = flensburg_time(deadline(record, step))
    days = step_days(record, step)
    candidate, role = escalation_candidate(record, step, routing)
    if step is Step.REMIND:
        candidate = first
    if scheduled(record, step)[0] is None:
        ends = flensburg_time(record.expires_at)
        return PlannedStep(step, days, at, role, None, Skip.AFTER_RETENTION,
                           f"does not happen: the retention ends first, on "
                           f"{ends:%Y-%m-%d %H:%M}")
    if step is Step.REMIND:  # to the first contact, whatever the day (as the clock)
        return PlannedStep(step, days, at, role, candidate)
    if candidate is None:
        return PlannedStep(step, days, at, role, None, Skip.NOBODY,
                           f"skipped: there is no {role.removeprefix('the ')}")
    if had_it(record, candidate):
        return PlannedStep(step, days, at, role, None, Skip.HAD_IT,
                           f"skipped: {role}, {candidate.key}, had it already")
    day = at.date()
    if routing.is_absent(candidate, day):
        return PlannedStep(step, days, at, role, None, Skip.ABSENT,
                           f"skipped: {role}: {candidate.key} is absent on {day.isoformat()}")
    return PlannedStep(step, days, at, role, candidate)


def _made_up(
    decision: RoutingDecision, topic_key: str, language: str, received: datetime
) -> InquiryRecord:
    """An inquiry as the intake would store it, without a resident's data."""
    contact = decision.contact
    return InquiryRecord(
        reference="PLAN-NING", received_at=received,
        inquiry=Inquiry(email="", topic=topic_key, message="", name="", language=language),
        recipient=replace(_recipient(contact), cc=decision.topic.cc),
        topic_labels={}, retention_days=decision.topic.retention_days,
        response_days=decision.topic.response_days, next_steps="")


def _recipient(contact: Contact) -> Recipient:
    return Recipient(contact_key=contact.key, name=contact.name, email=contact.email,
                     organisation=contact.organisation.name,
                     staff_language=contact.staff_language)


def _escalation(record: InquiryRecord, planned: PlannedStep, to: Contact) -> Escalation:
    """The move as the clock records it: the next step's `had_it` sees the new holder."""
    return Escalation(step=planned.step, to=_recipient(to), previous=record.holder,
                      at=planned.at, not_claimed_by=tuple(h.name for h in record.holders()),
                      working_days=planned.working_days, topic_label="")
