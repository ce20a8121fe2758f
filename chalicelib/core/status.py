"""The resident's status page: has somebody taken on my inquiry?

A resident cannot see the contact's inbox, and a reply may take days; without a page
of its own the only way to ask is another inquiry. The confirmation email carries a
link `{lang}/status/{reference}?t=…` whose token is an HMAC, with a key of its own,
over the purpose "status", the reference and the end of the inquiry's retention: it
shows this one inquiry and is useless once the inquiry is gone. Nothing is stored
for it.

The page says when the inquiry arrived, which organisation handles it now, and
whether and when somebody claimed it; never the resident's name or message, nor a
contact's name or address (whoever holds the link, a forwarded mail for example,
learns nothing a resident would not tell). The token is checked before the store is
read, and a wrong token, an unknown and an expired reference all give the same None:
the page is no oracle for which references exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from chalicelib.core.inquiry import shown_phone
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import Clock, InquiryStore
from chalicelib.core.records import InquiryRecord
from chalicelib.core.reference_tokens import ReferenceTokens
from chalicelib.core.references import PATTERN

REFERENCE = re.compile(PATTERN)


@dataclass(frozen=True)
class StatusTokens(ReferenceTokens):
    """Signed status tokens (core/reference_tokens.py)."""

    purpose: str = "status"


@dataclass(frozen=True)
class StatusLinks:
    """The absolute status link of one inquiry, in the resident's language, for the
    resident's confirmation."""

    tokens: StatusTokens
    base_url: str  # the public address of the API root, e.g. https://…/api/

    def url(self, record: InquiryRecord) -> str:
        token = self.tokens.issue(record.reference, record.expires_at)
        root = self.base_url if self.base_url.endswith("/") else f"{self.base_url}/"
        return (f"{root}{record.inquiry.language}/status/{record.reference}"
                f"?t={quote(token, safe='')}")


class State(StrEnum):
    """The latest step an inquiry reached, as the interface names it."""

    RECEIVED = "received"
    CLAIMED = "claimed"
    ERASED = "erased"  # the resident asked for erasure: the page answers 410 Gone
    # From the follow-up (core/follow_up.py): the resident's answer.
    ANSWERED = "answered"
    NOT_ANSWERED = "not_answered"


@dataclass(frozen=True)
class Status:
    """What the status page shows: nothing the resident wrote, no person, no address."""

    reference: str
    organisation: str  # the organisation of whoever holds the inquiry now
    received_at: datetime
    claimed_at: datetime | None
    response_days: int  # "usually within N working days", while nobody claimed it
    # The resident's answer to the follow-up email (core/follow_up.py); None until then.
    answered: bool | None = None
    erased_at: datetime | None = None  # when the resident asked for erasure
    # How the resident asked to be answered, the number to call back (as shown), and
    # whether they asked for an interpreter: the page reads them back to them.
    answer_by: str = "email"
    phone: str = ""
    interpreter: bool = False

    @property
    def state(self) -> State:
        if self.erased_at is not None:
            return State.ERASED
        if self.answered is not None:
            return State.ANSWERED if self.answered else State.NOT_ANSWERED
        return State.CLAIMED if self.claimed_at is not None else State.RECEIVED

    def as_json(self) -> dict[str, object]:
        """The interface's JSON: times ISO 8601 in Flensburg's time, with their offset;
        once erased, only the state."""
        if self.state is State.ERASED:
            return {"state": str(State.ERASED)}
        return {
            "reference": self.reference,
            "state": str(self.state),
            "organisation": self.organisation,
            "received": _iso(self.received_at),
            "claimed": _iso(self.claimed_at) if self.claimed_at is not None else None,
            "answered": self.answered,
        }


def _iso(moment: datetime) -> str:
    return flensburg_time(moment).isoformat(timespec="seconds")


@dataclass
class StatusPages:
    store: InquiryStore
    tokens: StatusTokens
    clock: Clock

    def look(self, reference: str, token: str) -> Status | None:
        """The status of the link's inquiry; None for a bad token and for an unknown or
        expired inquiry alike. The token is checked first: without a good one the store
        is never read (StoreUnavailable from the read goes to the caller)."""
        now = self.clock()
        if not REFERENCE.fullmatch(reference) or not self.tokens.valid(reference, token, now):
            return None
        record = self.store.get(reference, now)
        if record is None:
            return None
        return Status(
            reference=record.reference,
            organisation=record.holder.organisation,
            received_at=record.received_at,
            claimed_at=record.claim.at if record.claim is not None else None,
            response_days=record.response_days,
            erased_at=record.erased_at,
            answered=record.answered,
            answer_by=record.inquiry.answer_by,
            phone=shown_phone(record.inquiry.phone).shown if record.inquiry.phone else "",
            interpreter=record.inquiry.interpreter,
        )
