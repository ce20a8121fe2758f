"""Closing the loop: "Did you get an answer to inquiry X?", asked once, and the answer.

A reply to the resident does not pass through Wegweiser, and a claim only says that
somebody took the inquiry on. So the clock (core/escalation.py) sends the resident one
follow-up `response_days + 2` working days after receipt, claimed or not, with two
links `{lang}/answered/{reference}?t=…&answer=yes|no`. Their token is an HMAC, with a
key of its own, over the purpose "answer", the reference and the end of the inquiry's
retention: good for this inquiry's answer only, useless once it is gone. Nothing is
stored for it.

Opening a link changes nothing (mail scanners open every link); the page's one button
POSTs the answer. The first answer stands; a later one is shown what was recorded.

- "yes" closes the loop: the resident's name, address and message are forgotten at
  once and the clock ends.
- "no" passes the inquiry on to the next person of the escalation path who has not had
  it, with "the resident reports no answer" as the why (an ALARM when nobody is left);
  the loop then closes 14 days later. If the personal data is gone already, the
  escalated email carries the reference and the topic only.

The token is checked before the store is read, and a wrong token, an unknown, an
expired and an erased reference all give the same None (404).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from chalicelib.core import statistics
from chalicelib.core.ports import Clock, ClockMove, InquiryStore
from chalicelib.core.records import Escalation, EscalationReason, InquiryRecord
from chalicelib.core.reference_tokens import ReferenceTokens
from chalicelib.core.references import PATTERN
from chalicelib.core.telemetry import Event, emit

REFERENCE = re.compile(PATTERN)
ANSWERS = {"yes": True, "no": False}


@dataclass(frozen=True)
class AnswerTokens(ReferenceTokens):
    """Signed answer tokens (core/reference_tokens.py)."""

    purpose: str = "answer"


@dataclass(frozen=True)
class AnswerLinks:
    """The follow-up's two absolute links, in the resident's language."""

    tokens: AnswerTokens
    base_url: str  # the public address of the API root, e.g. https://…/api/

    def url(self, record: InquiryRecord, answered: bool) -> str:
        token = self.tokens.issue(record.reference, record.expires_at)
        root = self.base_url if self.base_url.endswith("/") else f"{self.base_url}/"
        return (f"{root}{record.inquiry.language}/answered/{record.reference}"
                f"?t={quote(token, safe='')}&answer={'yes' if answered else 'no'}")


class Outcome(StrEnum):
    """What happens now, after the answer that stands."""

    OPEN = "open"  # no answer yet: the page asks for one
    CLOSED = "closed"  # "yes": the loop is closed, the personal data gone
    PASSED_ON = "passed_on"  # "no": it went to someone else
    ALERTED = "alerted"  # "no", and nobody was left: the project team was alerted


@dataclass(frozen=True)
class AnswerView:
    """What the answer page shows: nothing the resident wrote, no person, no address."""

    reference: str
    asked: bool  # the answer of the link (GET) or of the form (POST)
    answered: bool | None  # the answer that stands
    answered_at: datetime | None
    outcome: Outcome
    organisation: str = ""  # PASSED_ON: the organisation it went to
    recorded_now: bool = False  # this request's answer is the one that stands


@dataclass
class FollowUps:
    store: InquiryStore
    tokens: AnswerTokens
    clock: Clock
    # The clock's "no": pass the inquiry on (EscalationClock.not_answered).
    not_answered: Callable[[str], Escalation | None]

    def look(self, reference: str, token: str, asked: bool) -> AnswerView | None:
        """The page for a link (GET): reads, never writes. None for a bad token and for
        an unknown, expired or erased inquiry alike (the same 404)."""
        record = self._record(reference, token)
        return None if record is None else _view(record, asked)

    def answer(self, reference: str, token: str, answered: bool) -> AnswerView | None:
        """Record the answer (POST) unless there is one; the page to show afterwards,
        or None as for `look`."""
        record = self._record(reference, token)
        if record is None:
            return None
        if record.answered is False and not any(
                e.reason is EscalationReason.NOT_ANSWERED for e in record.escalations):
            # A "no" whose escalation was never written (the process died between the
            # two writes): the same "no" again finishes it.
            self.not_answered(reference)
            record = self.store.get(reference, self.clock()) or record
        if record.answered is not None:
            return _view(record, answered)
        now = self.clock()
        standing = self.store.record_answer(reference, answered, now,
                                            statistics.answered(record, answered))
        if standing is None:
            return None
        if record.answered is None and standing is answered:
            emit(Event.ANSWER_RECORDED, "inquiry %s: the resident answered the follow-up: "
                 "%s", reference, "yes" if answered else "no", reference=reference,
                 outcome="answered" if answered else "not_answered")
            if answered:
                self._close(reference, now)
            else:
                self.not_answered(reference)
            fresh = self.store.get(reference, now)
            if fresh is None:
                return None
            view = _view(fresh, answered)
            return AnswerView(view.reference, view.asked, view.answered, view.answered_at,
                              view.outcome, view.organisation, recorded_now=True)
        fresh = self.store.get(reference, now)  # another request's answer came first
        return None if fresh is None else _view(fresh, answered)

    def _record(self, reference: str, token: str) -> InquiryRecord | None:
        now = self.clock()
        if not REFERENCE.fullmatch(reference):
            return None
        if not self.tokens.valid(reference, token, now):
            emit(Event.ANSWER_LINK_REFUSED, "an answer link for %s was refused", reference,
                 reference=reference)
            return None
        record = self.store.get(reference, now)
        if record is None or record.erased_at is not None:
            return None
        return record

    def _close(self, reference: str, now: datetime) -> None:
        """"Yes": the personal data goes at once, and the clock ends."""
        self.store.forget_personal_data(reference, now)
        for _ in range(3):  # a lost race with the clock: look again
            record = self.store.get(reference, now)
            if record is None or record.step is None:
                return
            if self.store.move_clock(reference, record.step, ClockMove(None, None), now):
                return


def _view(record: InquiryRecord, asked: bool) -> AnswerView:
    if record.answered is None:
        outcome, organisation = Outcome.OPEN, ""
    elif record.answered:
        outcome, organisation = Outcome.CLOSED, ""
    else:
        passed_on = [e for e in record.escalations
                     if e.reason is EscalationReason.NOT_ANSWERED]
        outcome = Outcome.PASSED_ON if passed_on else Outcome.ALERTED
        organisation = passed_on[-1].to.organisation if passed_on else ""
    return AnswerView(record.reference, asked, record.answered, record.answered_at, outcome,
                      organisation)
