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

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import Clock, InquiryStore
from chalicelib.core.records import InquiryRecord
from chalicelib.core.references import PATTERN

PURPOSE = "status"
REFERENCE = re.compile(PATTERN)
MAX_TOKEN_LENGTH = 100  # the expiry in Unix seconds and 22 characters of signature, with room
SIGNATURE_BYTES = 16  # 128 bits: as hard to guess as any key


@dataclass(frozen=True)
class StatusTokens:
    """Signed status tokens: "<expires, Unix seconds>.<signature>"."""

    key: bytes  # derived from the stage's secret for this job alone

    def issue(self, reference: str, expires_at: datetime) -> str:
        expires = int(expires_at.timestamp())
        return f"{expires}.{self._sign(reference, expires)}"

    def valid(self, reference: str, token: str, now: datetime) -> bool:
        """True for a token issued for this reference that has not expired; False for a
        malformed, forged, foreign or expired one alike."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return False
        expires, _, signature = token.partition(".")
        if not (expires.isascii() and expires.isdigit() and len(expires) < 16):
            return False
        # Compared as bytes: compare_digest refuses non-ASCII str, and links reach anyone.
        expected = self._sign(reference, int(expires))
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return False
        return now.timestamp() < int(expires)

    def _sign(self, reference: str, expires: int) -> str:
        message = f"{PURPOSE}:{reference}:{expires}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


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
    # ANSWERED = "answered", NOT_ANSWERED = "not_answered": from the follow-up (later).


@dataclass(frozen=True)
class Status:
    """What the status page shows: nothing the resident wrote, no person, no address."""

    reference: str
    organisation: str  # the organisation of whoever holds the inquiry now
    received_at: datetime
    claimed_at: datetime | None
    response_days: int  # "usually within N working days", while nobody claimed it
    # The resident's answer to the follow-up email. The follow-up is a later item (issue
    # 14) and the record has no field for it yet: always None until then.
    answered: bool | None = None

    @property
    def state(self) -> State:
        return State.CLAIMED if self.claimed_at is not None else State.RECEIVED

    def as_json(self) -> dict[str, object]:
        """The interface's JSON: times ISO 8601 in Flensburg's time, with their offset."""
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
        )
