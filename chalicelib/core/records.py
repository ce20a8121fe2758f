"""The stored shape of an accepted inquiry: what was asked, who receives it, what was sent,
and where it stands on the way to being claimed.

The routing decision is kept with the inquiry, so the emails name the contact person
and the topic that the resident was shown, even if the routing changes in between.
The clock's state (the next step and when it is due), the reminder and escalations it
asked for, and the claim live on the same record: each email an inquiry leads to
follows from this state, so a redelivered queue message sends exactly what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.core.inquiry import Inquiry


class EmailKind(StrEnum):
    """Every email an inquiry can lead to, in the order they are sent."""

    STAFF = "staff"
    RESIDENT = "resident"
    REMINDER = "reminder"  # to the first contact: nobody claimed it yet
    ESCALATED = "escalated"  # the full inquiry, to the topic's deputy
    MOVED = "moved"  # a short note to the first contact: it went to the deputy
    ESCALATED_AGAIN = "escalated_again"  # the full inquiry, to the escalation contact
    MOVED_AGAIN = "moved_again"  # a short note to whoever had it before
    # To whoever holds (or claimed) it: the resident's confirmation bounced for good, so
    # a reply by email will not arrive either.
    RESIDENT_UNREACHABLE = "resident_unreachable"
    # To the resident, response_days + 2 working days after receipt: "Did you get an
    # answer?", with a yes and a no link (core/follow_up.py).
    FOLLOW_UP = "follow_up"
    # After the resident asked for erasure (Art. 17, 19 GDPR): to each holder who received
    # the inquiry, a note to delete their copy (core/erasure.py).
    ERASED_FOR_CONTACT = "erased_for_contact"  # the first contact, with the topic's cc
    ERASED_FOR_DEPUTY = "erased_for_deputy"  # whom the first escalation brought it to
    ERASED_FOR_ESCALATION_CONTACT = "erased_for_escalation_contact"  # the second one's


EMAIL_KINDS = tuple(EmailKind)


class Step(StrEnum):
    """What the clock does next with an unclaimed inquiry, in this order."""

    REMIND = "remind"  # after the routing's remind_after_days
    ESCALATE = "escalate"  # to the topic's deputy, after the topic's response_days
    ESCALATE_AGAIN = "escalate_again"  # to the escalation contact, one working day later
    # Claimed or not: the follow-up to the resident, response_days + 2 working days after
    # receipt (a claim moves the clock straight here).
    FOLLOW_UP = "follow_up"
    # The loop closes CLOSE_AFTER_DAYS calendar days after the last step that happened
    # (the follow-up, or the escalation a "no" asked for): the personal data goes.
    CLOSE = "close"


# The steps that pass an unclaimed inquiry on: a claim skips them.
ESCALATION_PHASE = frozenset({Step.REMIND, Step.ESCALATE, Step.ESCALATE_AGAIN})


# The two emails of each escalation: the inquiry for the new holder, a note for the old.
ESCALATION_EMAILS: dict[Step, tuple[EmailKind, EmailKind]] = {
    Step.ESCALATE: (EmailKind.ESCALATED, EmailKind.MOVED),
    Step.ESCALATE_AGAIN: (EmailKind.ESCALATED_AGAIN, EmailKind.MOVED_AGAIN),
}


class Confirmation(StrEnum):
    """Whether the resident gets a confirmation, decided once before the first email.

    The form lets anyone type any address: a confirmation is withheld from an address
    that got several today, bounced for good or complained (complaints put the whole
    SES account at risk, and with it the staff emails). The staff email says so.
    """

    SEND = "send"
    TOO_MANY = "too_many"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


@dataclass(frozen=True)
class Recipient:
    """A contact person who holds an inquiry, as they were when they got it."""

    contact_key: str
    name: str
    email: str
    organisation: str
    staff_language: str
    cc: tuple[str, ...] = ()  # addresses that get a copy of the staff email
    # False when no contact present for the topic spoke the resident's language that
    # day: the answer may then come in another one (the thank-you page says so).
    speaks_resident_language: bool = True


class EscalationReason(StrEnum):
    """Why an inquiry moved to a new holder."""

    UNCLAIMED = "unclaimed"  # nobody claimed it by the step's deadline
    # The holder's address bounced for good: passed on at once, and no note to a
    # mailbox that does not accept mail.
    BOUNCED = "bounced"
    # The resident answered the follow-up "no, I got no answer" (claimed or not).
    NOT_ANSWERED = "not_answered"


@dataclass(frozen=True)
class Escalation:
    """One move of an unclaimed inquiry to a new holder, as the clock (or a bounce) took it."""

    step: Step  # ESCALATE or ESCALATE_AGAIN
    to: Recipient  # the new holder: gets the whole inquiry, with its own claim link
    previous: Recipient  # who held it until then: gets a note that it moved
    at: datetime
    not_claimed_by: tuple[str, ...]  # the names of everyone who had it: the "why"
    working_days: int  # within how many working days from receipt nobody claimed it
    topic_label: str  # the topic in the new holder's staff language
    reason: EscalationReason = EscalationReason.UNCLAIMED

    @property
    def emails(self) -> tuple[EmailKind, ...]:
        """The inquiry for the new holder and a note for the old one, unless the old
        one's mailbox bounced."""
        inquiry, note = ESCALATION_EMAILS[self.step]
        return (inquiry,) if self.reason is EscalationReason.BOUNCED else (inquiry, note)


@dataclass(frozen=True)
class Claim:
    """Who said "I am taking on this inquiry", and when (a cc recipient claims on
    behalf of the contact the email was addressed to)."""

    contact_key: str
    name: str
    at: datetime


@dataclass(frozen=True)
class InquiryRecord:
    reference: str
    received_at: datetime
    inquiry: Inquiry
    recipient: Recipient
    topic_labels: Mapping[str, str]  # by language: the staff's and the resident's
    retention_days: int
    response_days: int  # working days until an answer, usually
    next_steps: str  # the topic's "what happens next" in the resident's language, or ""
    # Working days after receipt until the reminder; 0 for none (set from the routing's
    # remind_after_days when it is below response_days).
    remind_after_days: int = 0
    sent: frozenset[EmailKind] = field(default_factory=frozenset)
    # Emails SES refused for good (retrying cannot help): never tried again.
    failed: frozenset[EmailKind] = field(default_factory=frozenset)
    confirmation: Confirmation | None = None  # None until delivery decides it
    # When the resident gave explicit consent (Art. 9(2)(a) GDPR), for a topic that asks
    # for it; None for every other topic. Kept with the inquiry, deleted with it.
    consent_at: datetime | None = None
    # The clock: the next step and when the clock looks at the inquiry again (its
    # deadline, or a retry after a failed try); both None once nothing is left to do.
    step: Step | None = None
    due_at: datetime | None = None
    step_tries: int = 0  # failed tries of the current step
    reminded_at: datetime | None = None  # the clock asked for the reminder
    escalations: tuple[Escalation, ...] = ()
    claim: Claim | None = None
    steps_taken: int = 0  # steps that asked for emails: delivery marks what it has seen
    # When SES reported that the resident's confirmation bounced for good: the holder
    # is told that a reply by email will not arrive.
    resident_bounced_at: datetime | None = None
    # When the resident's name, address and message were removed from the store (the
    # loop closed, or the resident asked for erasure): the inquiry's `email`, `name` and
    # `message` are "" from then on; reference, topic, language, dates and states stay.
    forgotten_at: datetime | None = None
    # When the resident asked for erasure (Art. 17) on the status page.
    erased_at: datetime | None = None
    # The resident's answer to the follow-up ("did you get an answer?"): True, False,
    # or None while there is none; the first answer stands.
    answered: bool | None = None
    answered_at: datetime | None = None
    # When the clock took the follow-up step (once; the email goes unless withheld).
    followed_up_at: datetime | None = None
    # The statistics' columns this inquiry has been counted in (chalicelib/core/
    # statistics.py): each once, whatever happens to it later.
    counted: frozenset[str] = field(default_factory=frozenset)

    @property
    def expires_at(self) -> datetime:
        """The end of its retention: then the inquiry is gone, and its links with it."""
        return self.received_at + timedelta(days=self.retention_days)

    def holders(self) -> tuple[Recipient, ...]:
        """Everyone who received the inquiry, first contact first."""
        return (self.recipient, *(escalation.to for escalation in self.escalations))

    @property
    def holder(self) -> Recipient:
        """Who has the inquiry now."""
        return self.escalations[-1].to if self.escalations else self.recipient

    def topic_label_for(self, holder: Recipient) -> str:
        """The topic in a holder's staff language."""
        for escalation in reversed(self.escalations):
            if escalation.to == holder:
                return escalation.topic_label
        return self.topic_labels.get(holder.staff_language) or next(
            iter(self.topic_labels.values()))

    def escalation(self, step: Step) -> Escalation | None:
        return next((e for e in self.escalations if e.step is step), None)

    @property
    def answering(self) -> Recipient:
        """Who answers the resident: whoever claimed it, else whoever holds it now."""
        if self.claim is not None:
            for holder in reversed(self.holders()):
                if holder.contact_key == self.claim.contact_key:
                    return holder
        return self.holder


# The note asking a holder to delete their copy, by the email that brought them the inquiry.
ERASURE_NOTES: dict[EmailKind, EmailKind] = {
    EmailKind.STAFF: EmailKind.ERASED_FOR_CONTACT,
    EmailKind.ESCALATED: EmailKind.ERASED_FOR_DEPUTY,
    EmailKind.ESCALATED_AGAIN: EmailKind.ERASED_FOR_ESCALATION_CONTACT,
}


def erasure_notes(record: InquiryRecord) -> dict[EmailKind, Recipient]:
    """Once erased: the note for each holder who received the inquiry (the email that
    brought it was sent), in order. One per address, so a contact who had it twice is
    asked once; none to an address that bounced (it passed the inquiry on: it never
    arrived there, and a note would bounce again)."""
    if record.erased_at is None:
        return {}
    brought = [(EmailKind.STAFF, record.recipient), *(
        (ESCALATION_EMAILS[escalation.step][0], escalation.to)
        for escalation in record.escalations)]
    bounced = {escalation.previous.email.lower() for escalation in record.escalations
               if escalation.reason is EscalationReason.BOUNCED}
    notes: dict[EmailKind, Recipient] = {}
    for kind, holder in brought:
        address, note = holder.email.lower(), ERASURE_NOTES.get(kind)
        if note is not None and kind in record.sent and address not in bounced:
            notes[note] = holder
            bounced.add(address)  # asked once
    return notes


def emails_asked(record: InquiryRecord) -> tuple[EmailKind, ...]:
    """The emails the inquiry's state asks for, in order: the staff email, the resident's
    confirmation unless it is withheld, and what the clock asked for, unless somebody
    has claimed the inquiry since (then nobody needs reminding or telling); and, claimed
    or not, the note that the resident's address bounced. Once the resident asked for
    erasure, only the notes to delete the copies: nothing else that is still unsent."""
    if record.erased_at is not None:
        return tuple(erasure_notes(record))
    kinds = [EmailKind.STAFF]
    # Once the personal data is forgotten, nothing more goes to the resident.
    if record.confirmation is Confirmation.SEND and record.forgotten_at is None:
        kinds.append(EmailKind.RESIDENT)
    if record.claim is None:
        if record.reminded_at is not None:
            kinds.append(EmailKind.REMINDER)
        for escalation in record.escalations:
            kinds.extend(escalation.emails)
    else:  # a "no" to the follow-up passes a claimed inquiry on all the same
        for escalation in record.escalations:
            if escalation.reason is EscalationReason.NOT_ANSWERED:
                kinds.extend(escalation.emails)
    if record.resident_bounced_at is not None:
        kinds.append(EmailKind.RESIDENT_UNREACHABLE)
    if record.followed_up_at is not None and follow_up_allowed(record):
        kinds.append(EmailKind.FOLLOW_UP)
    return tuple(kinds)


def follow_up_allowed(record: InquiryRecord) -> bool:
    """Whether the resident may get the follow-up: not once the personal data is gone,
    and never to an address that bounced or complained (the confirmation was withheld
    for it, or SES reported the confirmation's bounce). A complaint about the
    confirmation itself is not on the record: the feedback counter knows it, and the
    delivery consults that before the follow-up (core/delivery.py)."""
    return (record.forgotten_at is None and record.erased_at is None
            and record.resident_bounced_at is None
            and record.confirmation not in (Confirmation.BOUNCED, Confirmation.COMPLAINED))
