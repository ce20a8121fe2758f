"""No inquiry dies in an inbox: the clock that reminds and escalates what nobody claimed.

Replying to a resident does not pass through Wegweiser, so a claim ("Ich übernehme
diese Anfrage", chalicelib/core/claims.py) is the one sign that somebody took care of
an inquiry. Without one, the clock takes these steps, each at its deadline in working
days from receipt (chalicelib/core/working_days.py):

1. REMIND after the routing's `remind_after_days`: one reminder to the contact (only
   when that is below the topic's `response_days`; a reminder whose escalation is due
   as well is overtaken and not sent);
2. ESCALATE after the topic's `response_days`: the whole inquiry to the topic's
   deputy, and a note to the contact that it moved;
3. ESCALATE_AGAIN one working day later: to the routing's `escalation_contact`.

A step whose target already had the inquiry (or is absent that day, or its address
bounced lately, or does not exist) is skipped; when the last step finds nobody, an
ALARM. A claim ends these three: it moves the clock straight to the last two steps,
which come claimed or not:

4. FOLLOW_UP after response_days + 2 working days: "Did you get an answer?" to the
   resident (core/follow_up.py), once; a "no" passes the inquiry on (`not_answered`);
5. CLOSE 14 calendar days after the last step that happened (the follow-up, or the
   escalation a "no" asked for): the resident's name, address and message are
   forgotten, and the clock ends. A step at or after the retention does not happen.

A permanent bounce of the holder's address does not wait for a deadline
(`fail_over`, called by core/ses_feedback.py): the inquiry takes its next escalation
step at once, to the next person the same rules allow, without a note to the mailbox
that bounced. Later steps keep their deadlines.

Each step is one conditional write on the inquiry (`InquiryStore.move_clock`: only if
it still waits at that step, unclaimed), then the reference goes on the delivery queue;
the delivery sends whatever emails the inquiry's state asks for, with its per-email
leases and marks. So a second run, a crash or a redelivered message never takes a
step twice nor sends an email twice, and a step that was written but whose message
never arrived is queued by the sweep (the write puts the inquiry back on its list).

A run reads only what is due (a sparse index ordered by due time), at most MAX_PER_RUN
inquiries, and takes every step that is due for each of them, in order. A step that
fails for an unforeseen reason is tried again in later runs, MAX_STEP_TRIES times in
all, then set aside with an ALARM: it neither blocks the others nor circles forever.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from chalicelib.core import statistics
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.loop import CLOSE_AFTER_DAYS, FOLLOW_UP_AFTER
from chalicelib.core.ports import (
    Clock,
    ClockMove,
    CounterUnavailable,
    DeliveryQueue,
    InquiryStore,
    QueueUnavailable,
    StoreUnavailable,
    UnreachableContacts,
)
from chalicelib.core.records import (
    ESCALATION_PHASE,
    Escalation,
    EscalationReason,
    InquiryRecord,
    Recipient,
    Step,
)
from chalicelib.core.routing import Contact, RoutingConfig
from chalicelib.core.telemetry import Event, emit
from chalicelib.core.working_days import add_working_days, working_days_between

# Inquiries one run looks at, at most: a run every 15 minutes handles 400 an hour,
# far more than Flensburg sends, and stays within a few seconds of Lambda time.
MAX_PER_RUN = 100
# Failed tries of one step before the clock sets it aside and a person is told.
MAX_STEP_TRIES = 5
# A failed step is tried again this much later (the next run or the one after).
RETRY_AFTER = timedelta(minutes=15)

NEXT: dict[Step, Step | None] = {
    Step.REMIND: Step.ESCALATE,
    Step.ESCALATE: Step.ESCALATE_AGAIN,
    Step.ESCALATE_AGAIN: Step.FOLLOW_UP,
    Step.FOLLOW_UP: Step.CLOSE,
    Step.CLOSE: None,
}
# The steps that pass an inquiry on, in the order of the escalation path.
PATH = (Step.ESCALATE, Step.ESCALATE_AGAIN)


def step_days(record: InquiryRecord, step: Step) -> int:
    """Working days from receipt until the step is due (CLOSE counts calendar days from
    the last step instead: see `deadline`)."""
    match step:
        case Step.REMIND:
            return record.remind_after_days
        case Step.ESCALATE:
            return record.response_days
        case Step.ESCALATE_AGAIN:
            return record.response_days + 1
        case Step.FOLLOW_UP | Step.CLOSE:
            return record.response_days + FOLLOW_UP_AFTER


def deadline(record: InquiryRecord, step: Step) -> datetime:
    if step is Step.CLOSE:
        return last_step_at(record) + timedelta(days=CLOSE_AFTER_DAYS)
    return add_working_days(record.received_at, step_days(record, step))


def last_step_at(record: InquiryRecord) -> datetime:
    """When the last step of the loop happened: the follow-up (its deadline, while it
    has not been taken), or the escalation a "no" asked for."""
    moments = [record.followed_up_at or deadline(record, Step.FOLLOW_UP)]
    moments += [e.at for e in record.escalations if e.reason is EscalationReason.NOT_ANSWERED]
    return max(moments)


def scheduled(record: InquiryRecord, step: Step | None) -> tuple[Step | None, datetime | None]:
    """The step and its deadline; (None, None) if there is no step or the inquiry's
    retention ends first (its data is erased before anybody could be told)."""
    if step is None:
        return None, None
    at = deadline(record, step)
    if at >= record.expires_at:
        return None, None
    return step, at


def escalation_candidate(
    record: InquiryRecord, step: Step, routing: RoutingConfig
) -> tuple[Contact | None, str]:
    """Whom a step is for by the routing, before any is skipped, and their role in words:
    the first contact for the reminder, the topic's deputy, the escalation contact."""
    if step is Step.REMIND:
        return routing.contacts.get(record.recipient.contact_key), "the contact"
    if step is Step.ESCALATE:
        topic = routing.topics.get(record.inquiry.topic) or routing.topics[
            routing.fallback_topic]
        return topic.deputy, f"the deputy of {topic.key}"
    return routing.escalation_contact, "the escalation contact"


def remind_after(remind_after_days: int, response_days: int) -> int:
    """The working days until the reminder: 0 (none) unless it comes before the answer
    is due."""
    return remind_after_days if 0 < remind_after_days < response_days else 0


def after_claim(record: InquiryRecord) -> tuple[Step | None, datetime | None]:
    """Where a claim moves the clock: to the follow-up, at its deadline."""
    return scheduled(record, Step.FOLLOW_UP)


def start_clock(record: InquiryRecord, remind_after_days: int) -> InquiryRecord:
    """A new inquiry with its first step and deadline, as the intake stores it."""
    record = replace(record, remind_after_days=remind_after(remind_after_days,
                                                            record.response_days))
    first = Step.REMIND if record.remind_after_days else Step.ESCALATE
    step, due_at = scheduled(record, first)
    return replace(record, step=step, due_at=due_at)


def had_it(record: InquiryRecord, contact: Contact) -> bool:
    """Whether the contact already received this inquiry (as its holder or as a copy)."""
    holders = record.holders()
    addresses = {h.email.lower() for h in holders} | {a.lower() for a in record.recipient.cc}
    return (contact.key in {h.contact_key for h in holders}
            or contact.email.lower() in addresses)


@dataclass(frozen=True)
class Said:
    """A log line about a step, written once the step is: a lost race tells nothing."""

    event: Event
    message: str
    args: tuple[object, ...]
    reference: str
    details: dict[str, str | int] = field(default_factory=dict)

    def emit(self) -> None:
        emit(self.event, self.message, *self.args, reference=self.reference, **self.details)


@dataclass
class EscalationClock:
    """One run of the clock: every step that is due, for at most MAX_PER_RUN inquiries."""

    store: InquiryStore
    queue: DeliveryQueue
    current_routing: Callable[[], RoutingConfig]  # read per run: admins change it live
    clock: Clock
    unreachable: UnreachableContacts  # contacts whose address bounced lately
    max_per_run: int = MAX_PER_RUN

    def run(self) -> int:
        """Take every due step; how many steps were taken.

        StoreUnavailable propagates: the run fails (Lambda's errors alarm) and the next
        run finds the same inquiries due, since nothing is taken off the index before
        its step is written.
        """
        now = self.clock()
        routing = self.current_routing()
        due = self.store.due(now, self.max_per_run)
        if not due:
            return 0
        unreachable = unreachable_now(self.unreachable, now)
        if len(due) == self.max_per_run:
            emit(Event.CLOCK_BEHIND, "more than %d inquiries are due: the next run goes on",
                 self.max_per_run, count=self.max_per_run)
        taken = 0
        for reference in due:
            try:
                taken += self._advance(reference, now, routing, unreachable)
            except StoreUnavailable:
                raise
            except Exception as error:  # one inquiry's fault must not stop the others
                self._failed(reference, now, error)
        if taken:
            emit(Event.CLOCK_RAN, "the clock ran: %d steps taken, %d inquiries due", taken,
                 len(due), count=taken)
        return taken

    def _advance(
        self, reference: str, now: datetime, routing: RoutingConfig,
        unreachable: Mapping[str, datetime],
    ) -> int:
        record = self.store.get(reference, now)
        if record is None:
            # Past its retention: the table's TTL removes it, and its index entry with it.
            emit(Event.CLOCK_INQUIRY_GONE, "inquiry %s is gone: no step for it", reference,
                 reference=reference)
            return 0
        taken = 0
        asked_for_emails = False
        for _ in range(2 * len(Step)):  # every step once, and a lost race or two
            step = record.step
            if step is None or record.due_at is None or record.due_at > now:
                break
            if record.claim is not None and step in ESCALATION_PHASE:
                break  # claimed before a claim moved the clock on: nothing to pass on
            decided = deadline(record, step) <= now
            if decided:
                if step is Step.CLOSE:
                    # The loop closes: the personal data goes first (it may go twice).
                    self.store.forget_personal_data(reference, now)
                move, said = self._decide(record, step, routing, now, unreachable)
            else:
                # Looked at before its deadline (a due time that an older schedule wrote):
                # only the time to look again changes.
                move, said = ClockMove(step, deadline(record, step),
                                       tries=record.step_tries), None
            if not self.store.move_clock(reference, step, move, now, _counted(record, move)):
                # Another run took this step first, somebody claimed the inquiry, or
                # the resident answered the follow-up.
                fresh = self.store.get(reference, now)
                if fresh is None or fresh == record:
                    break
                record = fresh
                continue
            if said is not None:  # only what was written is told, once
                said.emit()
            record = _moved(record, move, now)
            taken += decided
            asked_for_emails |= move.asks_for_emails
        if asked_for_emails:
            self._queue(reference)
        return taken

    def _queue(self, reference: str) -> None:
        try:
            self.queue.send(reference)
        except QueueUnavailable:
            # Written is decided: the sweep queues it after its grace period.
            emit(Event.CLOCK_NOT_QUEUED, "inquiry %s: its emails are asked for but not "
                 "queued; the sweep will queue them", reference, reference=reference)

    def fail_over(self, reference: str, address: str, contact_key: str = "") -> bool:
        """The holder's address bounced for good: pass the unclaimed inquiry on at once,
        to the next person the rules allow (the deputy, else the escalation contact).
        Whether it moved; False when it was claimed, is held at another address by now
        (the bounce was of an older email), or nobody is left (then an ALARM)."""
        now = self.clock()
        routing = self.current_routing()
        for _ in range(3):  # a lost race with the clock or a claim: look again
            record = self.store.get(reference, now)
            if record is None or record.claim is not None:
                return False
            if record.holder.email.lower() != address.lower():
                return False
            bounced = contact_key or record.holder.contact_key
            unreachable = {**unreachable_now(self.unreachable, now), bounced: now}
            escalation, reasons = self._next_holder(
                record, routing, now, unreachable, EscalationReason.BOUNCED,
                not_claimed_by=(record.holder.name,))
            if escalation is None:
                emit(Event.NOBODY_LEFT, "inquiry %s: the address of contact %s bounced and "
                     "nobody is left to pass it on to (%s)", reference, bounced,
                     "; ".join(reasons) or "no step left", reference=reference,
                     contact=bounced)
                return False
            if record.step in ESCALATION_PHASE:
                following, following_at = scheduled(record, NEXT[escalation.step])
                tries = 0
            else:  # the follow-up or the close: they keep their deadlines and tries
                following, following_at = record.step, record.due_at
                tries = record.step_tries
            move = ClockMove(following, following_at, escalation=escalation, tries=tries)
            if self.store.move_clock(reference, record.step, move, now,
                                     _counted(record, move)):
                emit(Event.INQUIRY_FAILED_OVER, "inquiry %s: the address of contact %s "
                     "bounced; passed on to %s", reference, bounced, escalation.to.contact_key,
                     reference=reference, step=escalation.step,
                     contact=escalation.to.contact_key)
                self._queue(reference)
                return True
        return False

    def not_answered(self, reference: str) -> Escalation | None:
        """The resident answered the follow-up "no": pass the inquiry (claimed or not) to
        the next person of the escalation path who has not had it, and close the loop
        CLOSE_AFTER_DAYS later; the escalation, or None when nobody is left (an ALARM)
        or there is no such inquiry."""
        now = self.clock()
        routing = self.current_routing()
        for _ in range(3):  # a lost race with the clock: look again
            record = self.store.get(reference, now)
            if record is None:
                return None
            escalation, reasons = self._next_holder(
                record, routing, now, unreachable_now(self.unreachable, now),
                EscalationReason.NOT_ANSWERED,
                not_claimed_by=tuple(holder.name for holder in record.holders()))
            if escalation is None:
                emit(Event.NOBODY_LEFT, "inquiry %s: the resident reports no answer and "
                     "nobody is left to pass it on to (%s)", reference,
                     "; ".join(reasons) or "the whole escalation path had it",
                     reference=reference, outcome="not_answered")
                return None
            move = ClockMove(*self._closing(record, now), escalation=escalation,
                             release_claim=record.claim is not None)
            if self.store.move_clock(reference, record.step, move, now,
                                     _counted(record, move)):
                emit(Event.INQUIRY_ESCALATED, "inquiry %s: the resident reports no answer; "
                     "escalated to %s", reference, escalation.to.contact_key,
                     reference=reference, step=escalation.step,
                     contact=escalation.to.contact_key, outcome="not_answered")
                self._queue(reference)
                return escalation
        return None

    def _next_holder(
        self, record: InquiryRecord, routing: RoutingConfig, now: datetime,
        unreachable: Mapping[str, datetime], reason: EscalationReason,
        not_claimed_by: tuple[str, ...],
    ) -> tuple[Escalation | None, list[str]]:
        """The move to the first person left on the escalation path who may have the
        inquiry, at once (a bounce, a "no"); else None, and why each step was skipped."""
        reasons: list[str] = []
        for step in _steps_left(record):
            target, why_not = self._target(record, step, routing, now, unreachable)
            if target is None:
                reasons.append(why_not)
                continue
            return Escalation(
                step=step, to=target, previous=record.holder, at=now,
                not_claimed_by=not_claimed_by,
                working_days=working_days_between(record.received_at, now),
                topic_label=_topic_label(record, routing, target.staff_language),
                reason=reason,
            ), reasons
        return None, reasons

    @staticmethod
    def _closing(record: InquiryRecord, now: datetime) -> tuple[Step | None, datetime | None]:
        """After a "no": the loop closes CLOSE_AFTER_DAYS from now, unless the personal
        data is gone already (then nothing is left to close)."""
        if record.forgotten_at is not None:
            return None, None
        at = now + timedelta(days=CLOSE_AFTER_DAYS)
        return (Step.CLOSE, at) if at < record.expires_at else (None, None)

    def _decide(
        self, record: InquiryRecord, step: Step, routing: RoutingConfig, now: datetime,
        unreachable: Mapping[str, datetime],
    ) -> tuple[ClockMove, Said]:
        """The move for a step that is due, and what to log once it is written."""
        reference = record.reference
        if step is Step.FOLLOW_UP:
            closing, closing_at = scheduled(replace(record, followed_up_at=now), Step.CLOSE)
            return ClockMove(closing, closing_at, follow_up=True), Said(
                Event.FOLLOW_UP_ASKED, "inquiry %s: the resident is asked whether an answer "
                "came", (reference,), reference)
        if step is Step.CLOSE:
            return ClockMove(None, None), Said(
                Event.LOOP_CLOSED, "inquiry %s: the loop closed, its personal data is "
                "forgotten", (reference,), reference)
        following, following_at = scheduled(record, NEXT[step])
        if step is Step.REMIND:
            if following_at is not None and following_at <= now:
                return ClockMove(following, following_at), Said(
                    Event.REMINDER_OVERTAKEN, "inquiry %s: reminder overtaken by its "
                    "escalation, not sent", (reference,), reference)
            return ClockMove(following, following_at, remind=True), Said(
                Event.REMINDER_ASKED, "inquiry %s: unclaimed, its contact is reminded",
                (reference,), reference, {"contact": record.recipient.contact_key})
        target, why_not = self._target(record, step, routing, now, unreachable)
        if target is None:
            details: dict[str, str | int] = {"step": step, "outcome": why_not}
            if step is Step.ESCALATE_AGAIN:
                said = Said(Event.NOBODY_LEFT, "inquiry %s: unclaimed after %d working days "
                            "and nobody left to escalate it to (%s)",
                            (reference, step_days(record, step), why_not), reference, details)
            else:
                said = Said(Event.ESCALATION_SKIPPED, "inquiry %s: %s skipped (%s)",
                            (reference, step, why_not), reference, details)
            return ClockMove(following, following_at), said
        escalation = Escalation(
            step=step, to=target, previous=record.holder, at=now,
            not_claimed_by=tuple(holder.name for holder in record.holders()),
            working_days=step_days(record, step),
            topic_label=_topic_label(record, routing, target.staff_language),
        )
        return ClockMove(following, following_at, escalation=escalation), Said(
            Event.INQUIRY_ESCALATED, "inquiry %s: unclaimed after %d working days, "
            "escalated to %s", (reference, escalation.working_days, target.contact_key),
            reference, {"step": step, "contact": target.contact_key})

    def _target(
        self, record: InquiryRecord, step: Step, routing: RoutingConfig, now: datetime,
        unreachable: Mapping[str, datetime],
    ) -> tuple[Recipient | None, str]:
        """Who the escalation goes to, from today's routing; else None and why not."""
        candidate, role = escalation_candidate(record, step, routing)
        if candidate is None:
            return None, f"there is no {role.removeprefix('the ')}"
        if had_it(record, candidate):
            return None, f"{role}, {candidate.key}, had it already"
        day = flensburg_time(now).date()
        if (away := routing.away(candidate, day, unreachable)) is not None:
            return None, f"{role}: {away}"
        return Recipient(contact_key=candidate.key, name=candidate.name, email=candidate.email,
                         organisation=candidate.organisation.name,
                         staff_language=candidate.staff_language), ""

    def _failed(self, reference: str, now: datetime, error: Exception) -> None:
        """Count a failed try of the inquiry's step: later again, or set aside."""
        record = self.store.get(reference, now)
        if record is None or record.step is None:
            return
        tries = record.step_tries + 1
        if tries >= MAX_STEP_TRIES:
            self.store.move_clock(reference, record.step,
                                  ClockMove(record.step, None, tries=tries), now)
            emit(Event.CLOCK_GAVE_UP, "inquiry %s: step %s failed %d times (%s); set aside, "
                 "a person must look at it", reference, record.step, tries,
                 type(error).__name__, reference=reference, step=record.step,
                 outcome=type(error).__name__)
            return
        self.store.move_clock(reference, record.step,
                              ClockMove(record.step, now + RETRY_AFTER, tries=tries), now)
        emit(Event.CLOCK_STEP_FAILED, "inquiry %s: step %s failed (%s), tried again later",
             reference, record.step, type(error).__name__, reference=reference,
             step=record.step, outcome=type(error).__name__)


def _steps_left(record: InquiryRecord) -> list[Step]:
    """The steps of the escalation path after the last one taken."""
    taken = {e.step for e in record.escalations}
    if Step.ESCALATE_AGAIN in taken:
        return []  # the escalation contact had it: nobody after them
    if Step.ESCALATE in taken:
        return [Step.ESCALATE_AGAIN]
    return list(PATH)


def unreachable_now(contacts: UnreachableContacts, now: datetime) -> Mapping[str, datetime]:
    """The contacts whose address bounced lately; none if that cannot be read (then an
    inquiry may go to a bounced address once more, and fail over again)."""
    try:
        return contacts.until(now)
    except CounterUnavailable as error:
        emit(Event.UNREACHABLE_UNKNOWN, "contacts with bounced addresses unknown (%s): "
             "routed as if there were none", error)
        return {}


def _moved(record: InquiryRecord, move: ClockMove, now: datetime) -> InquiryRecord:
    """The record as the store holds it after the move."""
    return replace(
        record, step=move.step, due_at=move.due_at, step_tries=move.tries,
        reminded_at=now if move.remind else record.reminded_at,
        followed_up_at=now if move.follow_up else record.followed_up_at,
        escalations=(*record.escalations, move.escalation) if move.escalation
        else record.escalations,
        steps_taken=record.steps_taken + (1 if move.asks_for_emails else 0),
        counted=record.counted | {statistics.Column.ESCALATED} if move.escalation
        else record.counted,
    )


def _counted(record: InquiryRecord, move: ClockMove) -> statistics.Tally | None:
    """What a move adds to the statistics: an inquiry passed on for the first time."""
    return statistics.escalated(record) if move.escalation is not None else None


def _topic_label(record: InquiryRecord, routing: RoutingConfig, language: str) -> str:
    topic = routing.topics.get(record.inquiry.topic)
    if topic is not None and language in topic.labels:
        return topic.label(language)
    return record.topic_labels.get(language) or next(iter(record.topic_labels.values()))
